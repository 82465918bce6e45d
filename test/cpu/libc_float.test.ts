// Floating point through real C libraries: test/cpu/native/libc_float.c
// (printf of doubles and long doubles, strtod, rounding modes, <math.h>),
// built static with musl-gcc, gives under faultline the
// stdout and exit status of its native run.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadKernelModule } from "../../src/cli/load.js";
import { decode } from "../../src/cpu/decode.js";
import { Machine } from "../../src/machine.js";

const SRC = fileURLToPath(new URL("./native/libc_float.c", import.meta.url));
const has = (cc: string): boolean => spawnSync(cc, ["--version"], { stdio: "ignore" }).status === 0;
const native = process.platform === "linux" && process.arch === "x64";
/** True when every encoding decodes (an instruction family a C library needs beyond floating point). */
const decodes = (...hex: string[]): boolean =>
  hex.every((h) => { const b = new Uint8Array(h.split(" ").map((x) => parseInt(x, 16))); return decode(b, b.length, 0x401000)?.op !== "ud"; });
// musl copies and zeroes memory with the SSE moves and packed-integer instructions (a glibc build
// needs more of the system than the CPU: it is left to the real-program tests)
const NEEDS: Record<string, boolean> = { "musl-gcc": decodes("0f 28 c1", "66 0f ef c0", "66 0f 6f 06") };

describe.skipIf(!native)("floating point through C libraries", () => {
  const kernel = loadKernelModule("debug");
  const dir = mkdtempSync(join(tmpdir(), "faultline-libc-float-"));
  for (const cc of ["musl-gcc"]) it.skipIf(!has(cc) || !NEEDS[cc])(`a ${cc} -static build prints what it prints natively`, () => {
    const exe = join(dir, cc);
    execFileSync(cc, ["-static", "-O2", "-o", exe, SRC, "-lm"]);
    const want = spawnSync(exe, [], { env: {} });
    let stdout = "";
    const m = new Machine(kernel, { stdout: (b) => (stdout += new TextDecoder().decode(b)) });
    m.exec(new Uint8Array(readFileSync(exe)), [exe], []);
    const end = m.run(2e9);
    expect(stdout).toBe(want.stdout.toString());
    expect(end.kind === "exit" || end.kind === "signal" ? end.status : end.kind).toBe(want.status);
  });
});
