// Programs built for x86-64-v2 (SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CX16,
// LAHF/SAHF in 64-bit mode), as distributions such as RHEL 9 build
// everything: C code the compiler vectorises with those instructions (at -O3
// too), their intrinsics, and libc's string functions (glibc picks its SSE4.2 versions
// once cpuid announces SSE4.2), built with glibc and musl at -O2 and -O3.
// faultline gives the native run's stdout, stderr and exit status, with hot
// blocks translated and with every block translated before its first run.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SOURCES = new URL("../native/x86_64_v2/", import.meta.url).pathname;

function run(cmd: string, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 300_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe.each([
  ["glibc", "gcc", TOOLS.gcc],
  ["musl", "musl-gcc", TOOLS.musl_gcc],
] as const)("x86-64-v2 programs (%s) under faultline match their native runs", (_libc, cc, tool) => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-v2-"));
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist)).each([
    ["simd", "-O2"],
    ["simd", "-O3"],
    ["vectorised", "-O3"],
    ["strings", "-O2"],
  ])("%s %s", (name, opt) => {
    const exe = join(dir, `${name}${opt}`);
    const built = spawnSync(cc, [opt, "-march=x86-64-v2", "-static", "-o", exe, join(SOURCES, `${name}.c`), "-lm"], { encoding: "utf8" });
    expect(built.stderr).toBe("");
    const native = run(exe, []);
    expect(native.stdout.length).toBeGreaterThan(0);
    expect(run(process.execPath, [CLI, "run", exe])).toEqual(native);
    expect(run(process.execPath, [CLI, "run", "--jit-threshold", "0", exe])).toEqual(native);
  });
});
