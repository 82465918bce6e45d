// glibc's SSE2 string functions and gcc's vectorized loops (sse_libc.c) on
// the CPU alone: the same static binary gives the same output natively.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STOP_SYSCALL } from "../../src/cpu/index.js";
import { haveToolchain, loadElf } from "./flat.js";

const LIBC = "/usr/lib/x86_64-linux-gnu/libc.a";
/** The SSE2 variants glibc's ifunc resolvers pick on a CPU without SSSE3 or AVX. */
const OBJECTS = ["memchr", "memcmp", "memmove-sse2-unaligned-erms", "memrchr", "memset-sse2-unaligned-erms", "rawmemchr",
  "strchr", "strchrnul", "strcmp", "strlen", "strncmp", "strnlen", "wcslen", "stpcpy-sse2-unaligned",
  "strcpy-sse2-unaligned", "strcmp-sse2-unaligned", "strcat-sse2-unaligned"].map((n) => (n.includes("sse2") ? n : n + "-sse2") + ".o");

describe.skipIf(!haveToolchain() || !existsSync(LIBC))("glibc's SSE2 string functions and vectorized loops", () => {
  it("print the same hashes as on the real CPU", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-sse-"));
    execFileSync("ar", ["x", LIBC, ...OBJECTS], { cwd: dir });
    const exe = join(dir, "sse_libc");
    const src = new URL("./sse_libc.c", import.meta.url).pathname;
    execFileSync("gcc", ["-O3", "-static", "-nostdlib", "-nostartfiles", "-fno-stack-protector", "-fno-pie", "-no-pie",
      "-o", exe, src, ...OBJECTS], { cwd: dir });
    const native = execFileSync(exe).toString();
    expect(native.split("\n").length).toBe(8);
    const m = loadElf(new Uint8Array(readFileSync(exe)), ["sse_libc"]);
    const r = m.runProgram(2e9);
    expect(r.stop).toBe(STOP_SYSCALL);
    expect(new TextDecoder().decode(r.out)).toBe(native);
    expect(r.exit).toBe(0);
  });
});
