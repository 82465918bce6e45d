import { describe, expect, it } from "vitest";
import { parseObserveArgs } from "../../src/cli/observe_args.js";

describe("faultline run's observability options", () => {
  it("takes its flags out and leaves the rest in order", () => {
    const { options, rest } = parseObserveArgs([
      "--trace", "faults", "--trace-clock=host", "--trace-filter", "addr=0x1000-0x3000,outcome=zero",
      "--trace-max", "5", "prog", "--stats", "--proc", "/proc/self/maps", "--proc", "extfrag/unusable_index",
      "--pagemap", "0x401000,4096", "--plot", "out.svg", "--trace-out", "t.json", "--trace-proc", "arg1",
    ]);
    expect(rest).toEqual(["prog", "arg1"]);
    expect(options).toEqual({
      trace: true, traceClock: "host", traceFilter: { ranges: [[0x1000, 0x3000]], outcomes: ["zero"] }, traceMax: 5,
      traceOut: "t.json", traceProc: true, stats: true, proc: ["self/maps", "extfrag/unusable_index"], pagemap: [0x401000, 4096], plot: "out.svg",
    });
  });
  it("says what is wrong with a bad value", () => {
    expect(() => parseObserveArgs(["--trace", "pages"])).toThrow(/unknown tracer 'pages' \(syscalls, faults or compaction\)/);
    expect(() => parseObserveArgs(["--trace-clock", "tsc"])).toThrow(/neither 'counter' nor 'host'/);
    expect(() => parseObserveArgs(["--trace-max", "0"])).toThrow(/not a positive count/);
    expect(() => parseObserveArgs(["--trace-proc"])).toThrow(/--trace-proc needs --trace faults/);
    expect(() => parseObserveArgs(["--proc", "slabinfo"])).toThrow(/no view 'slabinfo'/);
    expect(() => parseObserveArgs(["--pagemap", "0x1000,xyz"])).toThrow(/'xyz' is not an address/);
    expect(() => parseObserveArgs(["--pagemap", "0xffff800000000000"])).toThrow(/not a user address/);
    expect(() => parseObserveArgs(["--plot"])).toThrow(/--plot needs a value/);
    expect(() => parseObserveArgs(["--bogus"])).toThrow(/unknown option --bogus/);
    expect(() => parseObserveArgs(["--stats=yes"])).toThrow(/--stats takes no value/);
  });
  it("says which option another one needs", () => {
    for (const flag of ["--trace-filter=outcome=anon", "--trace-max=5", "--trace-clock=host"]) {
      expect(() => parseObserveArgs([flag])).toThrow(/needs --trace faults or --trace-out/);
      expect(() => parseObserveArgs([flag, "--trace-out", "t.json"])).not.toThrow();
    }
  });
});
