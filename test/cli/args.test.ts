// The CLI's option parser (src/cli/args.ts): the strict subset of Node's
// util.parseArgs that the commands use, with the CLI's own error words.
import { describe, expect, it } from "vitest";
import { parse } from "../../src/cli/args.js";

const OPTIONS = {
  mem: { type: "string" },
  proc: { type: "string", multiple: true },
  stats: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

describe("parse", () => {
  it("reads --name VALUE, --name=VALUE, repeated options, -x and what `--` leaves", () => {
    expect(parse(["--mem", "64M", "--proc=a", "--proc", "b", "-h", "x", "--", "--stats"], OPTIONS)).toEqual({
      values: { mem: "64M", proc: ["a", "b"], help: true },
      positionals: ["x", "--stats"],
    });
    expect(parse(["--mem=", "--mem", "-"], OPTIONS, false).values).toEqual({ mem: "-" });
  });

  it("says what is wrong as the CLI says it", () => {
    for (const [argv, message] of [
      [["--bogus=1"], "unknown option --bogus"],
      [["-x"], "unknown option -x"],
      [["--constructor"], "unknown option --constructor"],
      [["--mem"], "--mem needs a value"],
      [["--mem", "-5"], "--mem needs a value"],
      [["--stats=yes"], "--stats takes no value"],
      [["extra"], "unexpected argument extra"],
    ] as Array<[string[], string]>) {
      expect(() => parse(argv, OPTIONS, false)).toThrow(message);
    }
  });
});
