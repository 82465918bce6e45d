// Every guest program under faultline: the same stdout and exit status as
// the native run recorded in programs/manifest.json (test/programs/programs.test.ts
// re-runs them natively to keep those records honest), the same signal and
// si_code, and afterwards a kernel whose invariants hold and whose free
// memory is back to where it was before the program started.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeHostFs } from "../../src/cli/host_fs.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { Machine } from "../../src/machine.js";
import { siCodeName, signalName } from "../../src/syscalls/index.js";
import { programArgv, programCases, programEnv, programPath, programsDir } from "../helpers/program_cases.js";

const decoder = new TextDecoder();

describe.each([
  ["hot blocks translated", undefined],
  ["every block translated before its first run", 0],
])("programs under faultline match their native runs (%s)", (_mode, jitThreshold) => {
  const kernel = loadKernelModule("debug");
  for (const c of programCases) {
    it(c.name, () => {
      let stdout = "";
      let stderr = "";
      const m = new Machine(kernel, {
        stdin: c.stdin ?? "",
        stdout: (b) => (stdout += decoder.decode(b)),
        stderr: (b) => (stderr += decoder.decode(b)),
        // As the native run: the host's files, from programs/bin.
        fs: nodeHostFs(),
        cwd: join(programsDir, "bin"),
        jitThreshold,
      });
      m.kernel.drainAllPages();
      const free = m.kernel.counter("nr_free_pages");
      const pgfault = m.kernel.counter("pgfault");
      m.exec(new Uint8Array(readFileSync(programPath(c))), programArgv(c), programEnv, programPath(c));
      const end = m.run(2e9);
      expect(stdout).toBe(c.stdout);
      expect(end.kind === "exit" || end.kind === "signal" ? end.status : end.kind).toBe(c.status);
      if (c.signal) {
        expect(end.kind).toBe("signal");
        if (end.kind !== "signal") return;
        expect(signalName(end.signal.signo)).toBe(c.signal);
        expect(siCodeName(end.signal.signo, end.signal.code)).toBe(c.si_code);
        expect(end.signal.addr).toBe(Number(c.si_addr));
        // a SIGILL names the bytes the CPU refused (ud2 here)
        if (c.signal === "SIGILL") expect(Array.from(end.signal.insn ?? [])).toEqual([0x0f, 0x0b]);
      } else {
        expect(stderr).toBe("");
        // The machine saw every fault (the CPU's and its syscalls' copies); pgfault counts those that
        // reached handle_mm_fault. A bad pointer handed to a syscall fails before it, as in Linux:
        // syscall_probe hands three (clock_gettime, write, uname), and gets EFAULT for each;
        // files_probe eight (read, stat, open, getcwd, write, sysinfo, nanosleep, time), and two more at its
        // exit, where the kernel walks the robust list it registered (exit_robust_list): a scratch buffer later
        // calls write into, whose "next" entry and the futex word past it are unmapped addresses.
        // signals-catch takes two faults that stop before it too (no VMA, a read-only VMA) and handles them.
        const notCounted = ({ syscall_probe: 3, files_probe: 10, "signals-catch": 2 } as Record<string, number>)[c.name] ?? 0;
        expect(m.faults - (m.kernel.counter("pgfault") - pgfault)).toBe(notCounted);
      }
      expect(m.mm).toBe(0);
      expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
      m.kernel.drainAllPages();
      expect(m.kernel.counter("nr_free_pages")).toBe(free);
    });
  }
});
