// The vDSO a program is given, against Linux's (setarch -R, so that its
// place is fixed): AT_SYSINFO_EHDR, the [vvar], [vvar_vclock] and [vdso]
// lines of /proc/self/maps and smaps, fork and exec, the special mappings'
// refusals; and glibc and musl reading the clocks through it, with no
// syscall in faultline's trace as none in strace's.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Machine } from "../../src/machine.js";
import { nodeHostFs } from "../../src/cli/host_fs.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SRC = new URL("../native/vdso/vdso_maps.c", import.meta.url).pathname;
const COMPILERS = [["gcc", TOOLS.gcc, TOOLS.libc_a], ["musl-gcc", TOOLS.musl_gcc]] as const;
const CLOCK_CALLS = /^(\[pid +\d+\] )?(clock_gettime|gettimeofday|time)\(/;

describe("the vDSO, as Linux gives it", () => {
  for (const [cc, ...tools] of COMPILERS) {
    const here = () => needs(TOOLS.x86_64_linux, TOOLS.setarch, TOOLS.dist, ...tools);

    it.runIf(here())(`${cc}: its mappings, smaps, AT_SYSINFO_EHDR, fork, exec and refusals print as natively`, () => {
      const exe = buildStatic(cc, SRC);
      const native = runIn("setarch", ["-R", exe]);
      expect(native.status).toBe(0);
      expect(native.stdout).toMatch(/^main: 7ffff7ffd000-7ffff7fff000 r-xp 00000000 00:00 0 +\[vdso\]$/m);
      const ours = faultlineRun(exe);
      expect(ours.status).toBe(0);
      expect(ours.stdout).toBe(native.stdout);
    });

    it.runIf(here() && needs(TOOLS.strace))(`${cc}: clock_gettime, gettimeofday and time in a loop make no syscall`, () => {
      const exe = buildStatic(cc, SRC);
      const strace = spawnSync("setarch", ["-R", "strace", "-f", "-q", exe], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
      expect(strace.status).toBe(0);
      const native = strace.stderr.split("\n");
      const ours = faultlineRun("--trace", "syscalls", exe);
      expect(ours.status).toBe(0);
      const traced = ours.stderr.split("\n");
      // both traces saw the program's other calls, the fork and the exec among them
      for (const lines of [native, traced]) {
        expect(lines.some((l) => /execve\(/.test(l))).toBe(true);
        expect(lines.filter((l) => /(^|\] )(clone|fork)\(/.test(l))).toHaveLength(1);
      }
      expect(native.filter((l) => CLOCK_CALLS.test(l))).toEqual([]);
      expect(traced.filter((l) => CLOCK_CALLS.test(l))).toEqual([]);
    });
  }
});

describe("the vDSO's pages under the invariant checker", () => {
  it.runIf(needs(TOOLS.x86_64_linux, TOOLS.gcc, TOOLS.libc_a))("hold between every slice of a run that forks and execs, and none is left after", () => {
    const exe = buildStatic("gcc", SRC);
    let stdout = "";
    const m = new Machine(loadKernelModule("debug"), { stdout: (b) => (stdout += new TextDecoder().decode(b)), fs: nodeHostFs() });
    m.kernel.drainAllPages();
    const free = m.kernel.counter("nr_free_pages");
    m.exec(new Uint8Array(readFileSync(exe)), [exe], [], exe);
    let end = m.run(200_000);
    let slices = 1;
    for (; end.kind === "budget"; slices++) {
      expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
      end = m.run(200_000);
    }
    expect(end).toEqual({ kind: "exit", status: 0 });
    expect(slices).toBeGreaterThan(5);
    expect(stdout).toMatch(/^exec: AT_SYSINFO_EHDR starts \[vdso\], an ELF header$/m);
    expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
    m.kernel.drainAllPages();
    expect(m.kernel.counter("nr_free_pages")).toBe(free);
  });
});
