// Unmasked floating-point exceptions (test/native/fp_exceptions.c): SSE's
// #XM and the x87's #MF at the next waiting instruction end in SIGFPE with
// the si_code, si_addr, trap number, saved MXCSR/x87 words and st(0) (an
// unmasked x87 overflow or underflow leaves its result rescaled there) of the native
// run, under glibc (feenableexcept) and musl; without a handler the process
// dies of SIGFPE.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SRC = new URL("../native/fp_exceptions.c", import.meta.url).pathname;
const CASES = 17;

describe.each([
  ["glibc", "gcc", TOOLS.gcc],
  ["musl", "musl-gcc", TOOLS.musl_gcc],
] as const)("unmasked floating-point exceptions (%s)", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist))("every case gives the native run's SIGFPE report and ending", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-fpe-"));
    const built = spawnSync(cc, ["-O2", "-static", "-o", join(dir, "fpe"), SRC, "-lm"], { encoding: "utf8" });
    expect(built.stderr).toBe("");
    const runs = [...Array.from({ length: CASES }, (_, c) => [String(c)]), ["0", "die"], ["9", "die"]];
    for (const args of runs) {
      const native = spawnSync("./fpe", args, { cwd: dir, encoding: "utf8" });
      const ours = spawnSync(process.execPath, [CLI, "run", "./fpe", ...args], { cwd: dir, encoding: "utf8" });
      expect(native.stdout, args.join(" ")).toMatch(args[1] ? /^$/ : /si_code|masked/);
      expect(ours.stdout, args.join(" ")).toBe(native.stdout);
      // the CLI ends as the process did: a death by SIGFPE is status 128 + 8
      expect(ours.status, args.join(" ")).toBe(native.signal === "SIGFPE" ? 136 : native.status);
    }
  });
});
