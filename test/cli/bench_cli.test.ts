// faultline bench's plumbing: suites chosen by name, progress as rows come
// in, the summary table with the machine, --json; and the CPU suite's real
// SSE workload, which must print what its native run prints. (The suites
// measure; no time is asserted here.)
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { bench, benchTable, BENCH_SUITES, BENCH_USAGE, type BenchReport, type Suite } from "../../src/cli/bench.js";
import { SUITES } from "../../bench/suites.js";
import { buildWorkload, runWorkload } from "../../bench/sse.js";
import { needs, TOOLS } from "../helpers/tools.js";

const suites: Suite[] = [
  ["alpha", async (r) => { r.section("pairs"); r.row("order 0", "12 ns/op", 1.5, "native C"); r.row("order 3", "20 ns/op"); }],
  ["beta", async (r) => { r.section("a|b"); r.row("x", "1 MIPS", 0.25); }],
];

async function runBench(args: string[]) {
  let out = "", progress = "";
  const code = await bench(args, suites, (s) => (out += s), (s) => (progress += s));
  return { code, out, progress };
}

describe("faultline bench", () => {
  it("names in its usage text the suites bench/suites.ts runs", () => {
    expect(BENCH_SUITES).toEqual(SUITES.map(([name]) => name));
    expect(BENCH_USAGE).toContain(SUITES.map(([name]) => name).join(", "));
  });

  it("compiles the allocator suite's in-wasm replay against the kernel as it is", () => {
    // bench/wasm/replay.ts links the kernel's own allocator entry points; a
    // changed signature must fail here, not first in `npm run bench`.
    execFileSync(process.execPath, ["node_modules/assemblyscript/bin/asc.js", "bench/wasm/replay.ts",
      "--target", "release", "--noEmit"], { stdio: "pipe" });
  });

  it("runs every suite, shows progress, and prints a table per suite under the machine", async () => {
    const { code, out, progress } = await runBench([]);
    expect(code).toBe(0);
    expect(progress).toMatch(/^\[1\/2\] alpha\n  pairs\n    order 0: 12 ns\/op, 1\.50x \(native C\)\n    order 3: 20 ns\/op\n\[1\/2\] alpha: done in \d+\.\d s\n\[2\/2\] beta\n/);
    expect(out).toMatch(/^Measured \d{4}-\d\d-\d\d on .+ \(\d+ cores, \d+ GiB\), Node v\d+/);
    expect(out).toContain("### alpha\n\n| measurement | value | ratio | note |\n| --- | ---: | ---: | --- |\n| **pairs** | | | |\n| order 0 | 12 ns/op | 1.50x | native C |\n| order 3 | 20 ns/op |  |  |\n");
    expect(out).toContain("| **a\\|b** | | | |\n| x | 1 MIPS | 0.25x |  |\n");
  });

  it("runs only the suites named, and --json gives the rows as data", async () => {
    const { out } = await runBench(["--json", "beta"]);
    const report = JSON.parse(out) as BenchReport;
    expect(report.rows).toEqual([{ suite: "beta", section: "a|b", name: "x", value: "1 MIPS", ratio: 0.25 }]);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(benchTable(report)).toContain("### beta");
  });

  it("refuses an unknown suite or option, naming it", async () => {
    await expect(runBench(["gamma"])).rejects.toThrow(/no suite or option 'gamma'/);
    await expect(runBench(["--fast"])).rejects.toThrow(/no suite or option '--fast'/);
  });
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a))("the CPU suite's real workloads (bench/native)", () => {
  it("sse_string runs under faultline with the native run's output, each pass retiring glibc's string functions", () => {
    const exe = buildWorkload("sse_string");
    expect(exe).not.toBeNull();
    const two = runWorkload(exe!, 2, "x86-64-v2"), three = runWorkload(exe!, 3, "x86-64-v2");
    expect(three.stdout).toBe(execFileSync(exe!, ["3"], { encoding: "utf8" }));
    expect(three.stdout).toMatch(/^3 passes, checksum [0-9a-f]{16}\n$/);
    // a pass sets, copies and scans 60-64 KiB: thousands of 16-byte steps
    expect(three.insns - two.insns).toBeGreaterThan(10_000);
    expect(runWorkload(exe!, 3).stdout).toBe(three.stdout);
  });

  it("libm_loop runs under faultline with the native run's output on the default CPU (libm's FMA variants)", () => {
    const exe = buildWorkload("libm_loop");
    expect(exe).not.toBeNull();
    const one = runWorkload(exe!, 1), two = runWorkload(exe!, 2);
    expect(two.stdout).toBe(execFileSync(exe!, ["2"], { encoding: "utf8" }));
    expect(Number(two.stdout)).toBeGreaterThan(Number(one.stdout));
    // 1,000 of each of exp, log, sin and pow a pass
    expect(two.insns - one.insns).toBeGreaterThan(4000 * 20);
    // on x86-64-v2 glibc takes the SSE2 variants: a run, not the same bits
    expect(Number(runWorkload(exe!, 2, "x86-64-v2", false).stdout)).toBeCloseTo(Number(two.stdout), 6);
  });
});
