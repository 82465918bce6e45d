// The vsyscall page against Linux's (vsyscall=xonly, this machine's
// default): its three calls emulated with a `ret`, each refusal's SIGSEGV
// (si_code, si_addr, the frame's error code and trap number), the gate VMA
// last in /proc/self/maps and smaps; and no syscall line for an emulated
// call, in strace's trace or faultline's.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SRC = new URL("../native/vdso/vsyscall.c", import.meta.url).pathname;
const COMPILERS = [["gcc", TOOLS.gcc, TOOLS.libc_a], ["musl-gcc", TOOLS.musl_gcc]] as const;
const EMULATED = /^(\[pid +\d+\] )?(gettimeofday|time|getcpu)\(/;

describe("the vsyscall page, as Linux emulates it", () => {
  for (const [cc, ...tools] of COMPILERS) {
    it.runIf(needs(TOOLS.x86_64_linux, TOOLS.dist, ...tools))(`${cc}: calls, refusals and the gate VMA as natively`, () => {
      const exe = buildStatic(cc, SRC);
      const native = runIn(exe, []);
      expect(native.status).toBe(0);
      expect(native.stdout).toMatch(/^misaligned: SIGSEGV code 128 addr 0 /m);
      expect(native.stdout).toMatch(/^\/proc\/self\/smaps: VmFlags: ex $/m);
      for (const jit of [[], ["--jit-threshold", "0"]]) {
        const ours = faultlineRun(...jit, exe);
        expect(ours.status).toBe(0);
        expect(ours.stdout).toBe(native.stdout);
      }
    });
  }

  it.runIf(needs(TOOLS.x86_64_linux, TOOLS.dist, TOOLS.gcc, TOOLS.libc_a, TOOLS.strace))("an emulated call is no syscall: neither trace shows one", () => {
    const exe = buildStatic("gcc", SRC);
    const strace = spawnSync("strace", ["-f", "-q", exe], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(strace.status).toBe(0);
    const ours = faultlineRun("--trace", "syscalls", exe);
    expect(ours.status).toBe(0);
    for (const trace of [strace.stderr, ours.stderr]) {
      const lines = trace.split("\n");
      expect(lines.filter((l) => /(^|\] )(clone|fork)\(/.test(l))).toHaveLength(7);
      expect(lines.filter((l) => EMULATED.test(l))).toEqual([]);
    }
  });
});
