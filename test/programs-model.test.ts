// Every program case, run by the real CPU with the loader and the syscall
// layer over the model kernel (test/model-kernel.ts), must give the stdout,
// exit status and fatal signal recorded from the native run, and its
// `--trace syscalls` lines must be strace's for the native run, but for
// what differs by design (normalize below). This checks the host side end
// to end before and apart from the Wasm kernel.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Cpu, Mmu, STOP_BUDGET, STOP_NAMES, STOP_PAGE_FAULT, STOP_SYSCALL } from "../src/cpu/index.js";
import { exec } from "../src/loader/index.js";
import { faultSignal, type FatalSignal, SeededRandom, siCodeName, signalEnding, signalName, Syscalls, trapSignal, uaccess } from "../src/syscalls/index.js";
import { ModelKernel } from "./model-kernel.js";
import { binDir } from "../programs/native.mjs";
import { programArgv, programCases, programEnv, programPath } from "./program-cases.js";

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
  const image = exec({ kernel, ram: kernel.ram, copyToUser: (a, b) => mem.copyToUser(a, b) === 0 }, new Uint8Array(readFileSync(programPath(c))), {
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
      stdin: new TextEncoder().encode(c.stdin ?? ""),
      stdout: (b) => (stdout += decoder.decode(b)),
      stderr: () => {},
      trace: trace && ((line) => trace.push(line)),
    },
    random,
  });
  let signal: FatalSignal | undefined;
  while (cpu.retired < MAX_INSNS) {
    const stop = cpu.run(MAX_INSNS - cpu.retired);
    if (stop === STOP_SYSCALL) {
      if (sys.dispatch()) break;
    } else if (stop === STOP_PAGE_FAULT) {
      const r = kernel.handle_page_fault(cpu.cr2, cpu.errorCode);
      if (r !== 0) {
        signal = faultSignal(r, cpu.cr2, cpu.rip);
        break;
      }
    } else if (stop !== STOP_BUDGET) {
      signal = trapSignal(STOP_NAMES[stop] as "UD" | "DE" | "GP" | "BP", cpu.rip);
      break;
    }
  }
  if (signal) trace?.push(...signalEnding(signal).trace);
  kernel.exit();
  const status = signal ? signalEnding(signal).status : sys.exitStatus;
  return { stdout, status, signal, framesLeft: kernel.framesInUse };
}

const hasTool = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const straceHere = process.platform === "linux" && process.arch === "x64" && hasTool("strace") && hasTool("setarch");

/** strace's lines for the native run, from after the execve. */
function nativeTrace(c: (typeof programCases)[number]): string[] {
  const tool = (name: string) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  const r = spawnSync(tool("setarch"), ["-R", tool("strace"), `./${c.program}`, ...(c.args ?? [])], {
    cwd: binDir,
    env: {},
    input: c.stdin ?? "",
    encoding: "utf8",
  });
  return r.stderr.split("\n").filter((l) => l && !l.startsWith("execve("));
}

/**
 * What differs by design: the pid (faultline's process is 1), the host
 * name, clock readings and random bytes, addresses in the mmap area (Linux
 * puts the vDSO and vvar pages below mmap_base first, and aligns large
 * anonymous mappings for THP) and stack addresses (no AT_SYSINFO_EHDR and
 * AT_RSEQ_* entries: rsp sits 48 bytes higher).
 */
function normalize(line: string): string {
  return line
    .replace(/^(getpid|gettid|set_tid_address)\((.*)\)( +)= \d+$/, "$1($2)$3= PID")
    .replace(/nodename="[^"]*"/, 'nodename="HOST"')
    .replace(/\{tv_sec=\d+, tv_nsec=\d+\}/, "{TIME}")
    .replace(/^getrandom\("[^"]*"/, "getrandom(RANDOM")
    .replace(/0x7ffff[0-7][0-9a-f]{6}/g, "MMAP")
    .replace(/0x7fffffff[0-9a-f]{4}/g, "STACK")
    .replace(/ {2,}=/, " =");
}

describe("programs under the CPU, loader and syscalls (model kernel)", () => {
  for (const c of programCases) {
    it(c.name, () => {
      const trace: string[] = [];
      const r = run(c, trace);
      expect(r.stdout).toBe(c.stdout);
      expect(r.status).toBe(c.status);
      if (c.signal) {
        expect(signalName(r.signal!.signo)).toBe(c.signal);
        expect(siCodeName(r.signal!.signo, r.signal!.code)).toBe(c.si_code);
        // an mmap-area address differs by design (normalize)
        if (Number(c.si_addr) < 0x7f0000000000) expect("0x" + r.signal!.addr.toString(16)).toBe(c.si_addr);
      }
      if (straceHere) expect(trace.map(normalize)).toEqual(nativeTrace(c).map(normalize));
    });
  }
});
