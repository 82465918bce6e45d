// Every program case, run by the real CPU with the loader and the syscall
// layer over the model kernel (test/helpers/model_kernel.ts), must give the stdout,
// exit status and fatal signal recorded from the native run, and its
// `--trace syscalls` lines must be strace's for the native run, but for
// what differs by design (test/helpers/strace.ts). This checks the host side end
// to end before and apart from the Wasm kernel.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Cpu, Mmu, STOP_BUDGET, STOP_NAMES, STOP_PAGE_FAULT, STOP_SYSCALL } from "../../src/cpu/index.js";
import { exec } from "../../src/loader/index.js";
import { bytesReader } from "../../src/machine.js";
import { faultSignal, type FatalSignal, SeededRandom, siCodeName, killedLine, signalEnding, signalName, Syscalls, trapSignal, uaccess } from "../../src/syscalls/index.js";
import { ModelKernel } from "../helpers/model_kernel.js";
import { programArgv, programCases, programEnv, programPath } from "../helpers/program_cases.js";
import { nativeTrace, normalizeTrace, straceHere } from "../helpers/strace.js";

const strace = straceHere();

const MAX_INSNS = 2e9;

/** Run a case; with `trace`, the strace-format lines of its syscalls and its end. */
function run(c: (typeof programCases)[number], trace?: string[]) {
  const kernel = new ModelKernel(new ArrayBuffer(64 * 1024 * 1024));
  const mmu = new Mmu(kernel.memory, kernel.walk);
  kernel.flushPage = (va) => mmu.flushPage(va);
  const cpu = new Cpu(mmu);
  const mem = uaccess(mmu, kernel.handle_page_fault);
  const random = new SeededRandom(1);
  const argv = programArgv(c);
  const image = exec({ kernel, files: kernel.pageCache, copyToUser: (a, b) => mem.copyToUser(a, b) === 0 }, new Uint8Array(readFileSync(programPath(c))), {
    argv,
    envp: programEnv,
    execfn: argv[0],
    random: random.bytes(16),
  });
  cpu.rip = image.entry;
  cpu.rsp = image.rsp;
  let stdout = "";
  const decoder = new TextDecoder();
  const sys = new Syscalls({
    regs: cpu,
    mem,
    kernel,
    io: {
      stdin: bytesReader(new TextEncoder().encode(c.stdin ?? "")),
      stdout: (b) => (stdout += decoder.decode(b)),
      stderr: () => {},
      trace: trace && ((line) => trace.push(line)),
    },
    random,
  });
  let signal: FatalSignal | undefined;
  // Back to user mode: pending signals go to their handlers, or one ends the run.
  const deliver = () => (signal = sys.signals.deliver() ?? undefined) !== undefined;
  while (cpu.retired < MAX_INSNS) {
    const stop = cpu.run(MAX_INSNS - cpu.retired);
    if (stop === STOP_SYSCALL) {
      if (sys.dispatch() || deliver()) break;
    } else if (stop === STOP_PAGE_FAULT) {
      const r = kernel.handle_page_fault(cpu.cr2, cpu.errorCode);
      if (r !== 0) {
        sys.signals.trap(faultSignal(r, cpu.cr2, cpu.rip), "PF", cpu.errorCode);
        if (deliver()) break;
      }
    } else if (stop !== STOP_BUDGET) {
      const trap = STOP_NAMES[stop] as "UD" | "DE" | "GP" | "BP";
      sys.signals.trap(trapSignal(trap, cpu.rip), trap);
      if (deliver()) break;
    }
  }
  // deliver() traced the signal's arrival; the process's end is the caller's line.
  if (signal) trace?.push(killedLine(signal.signo));
  kernel.exit();
  const status = signal ? signalEnding(signal).status : sys.exitStatus;
  return { stdout, status, signal, framesLeft: kernel.framesInUse };
}

/**
 * What this harness lacks, run_programs (and run_trace) run: files_probe reads the Wasm kernel's /proc text;
 * file_sum opens a host file, and no file system is given here; fork_cow forks, and here is one process;
 * numa_demo asks the kernel's memory policies where its pages are.
 */
const MACHINE_ONLY = ["files_probe", "file_sum", "fork_cow", "numa_demo"];

describe("programs under the CPU, loader and syscalls (model kernel)", () => {
  for (const c of programCases.filter((c) => !MACHINE_ONLY.includes(c.name))) {
    it(c.name, () => {
      const trace: string[] = [];
      const r = run(c, trace);
      expect(r.stdout).toBe(c.stdout);
      expect(r.status).toBe(c.status);
      if (c.signal) {
        expect(signalName(r.signal!.signo)).toBe(c.signal);
        expect(siCodeName(r.signal!.signo, r.signal!.code)).toBe(c.si_code);
        // an mmap-area address differs by design (test/helpers/strace.ts)
        if (Number(c.si_addr) < 0x7f0000000000) expect("0x" + r.signal!.addr.toString(16)).toBe(c.si_addr);
      }
      if (strace) expect(trace.map(normalizeTrace)).toEqual(nativeTrace(c).map(normalizeTrace));
    });
  }
});
