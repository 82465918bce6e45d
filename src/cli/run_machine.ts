// faultline run's machine (run.ts parses the options and starts the
// kernel): the program read, or first compiled from C, run on the machine
// with our stdin, stdout and stderr, then what was asked for reported.

import { fstatSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { RegularInode } from "../fs/inode.js";
import { Machine, type RunEnd } from "../machine.js";
import { formatStats, type RunStats } from "../proc/stats.js";
import { budgetExceeded, signalEnding } from "../syscalls/index.js";
import { nodeHostFs } from "./host_fs.js";
import { writeAll } from "./output.js";
import { hostThpMode, type KernelStart, type RunArgs } from "./run.js";
import { Terminal, type Stream } from "./terminal.js";

/** Runs the program on a machine booted from `kernel`; resolves to the exit status a shell would see. */
export async function runMachine(a: RunArgs, kernel: KernelStart): Promise<number> {
  const o = a.observe;
  const term = new Terminal(stderrStream());
  const report = (text: string) => term.write(text);
  // A C file runs as the program the host's compiler makes of it, named without its .c.
  let binary = a.program;
  let argv0 = a.program;
  if (a.program.endsWith(".c")) {
    // Loaded only here: the compiler's child_process and crypto cost every other run their start-up.
    const { buildC } = await import("./build_c.js");
    const built = buildC(a.program, a.cc, report);
    if (!built.ok) return built.status;
    binary = built.path;
    argv0 = a.program.slice(0, -2);
  }
  const file = readProgram(binary, report);
  if (typeof file === "number") return file;
  // Ctrl-C, from here on, stops the run between two slices of instructions
  // (a flag, not an AbortController: Node loads that class's module on first use).
  let interrupted = false;
  const onSigint = () => { interrupted = true; };
  const interrupt = { throwIfAborted: () => { if (interrupted) throw new Error("interrupted (SIGINT)"); } };
  process.on("SIGINT", onSigint);
  let stats: RunStats | null = null;
  let started = 0n;
  const m = new Machine(await kernel.module, {
    ...a.machine,
    memory: kernel.memory,
    thp: a.machine.thp ?? hostThpMode(),
    stdout: (b) => term.clearProgress() && writeAll(1, b),
    stderr: (b) => term.write(b),
    traceSyscalls: a.traceSyscalls ? (line) => report(line + "\n") : undefined,
    stdin: stdinReader(),
    envp: Object.entries(process.env).map(([k, v]) => `${k}=${v}`),
    fs: nodeHostFs(),
    cwd: process.cwd(),
    beforeExit: (machine) => {
      if (a.compact) machine.compactMemory();
      for (const name of o.proc) report(machine.proc(name));
      if (o.pagemap.length) report(machine.pagemap(o.pagemap));
      if (o.stats) stats = machine.stats(Number(process.hrtime.bigint() - started) / 1e9);
    },
  });
  if (a.traceEvents.length) m.traceEvents(a.traceEvents, (line) => report(line + "\n"));
  const observer = o.trace || o.traceOut !== null || o.plot !== null
    ? m.observe({
        trace: o.trace || o.traceOut !== null,
        clock: o.traceClock,
        filter: o.traceFilter,
        maxFaults: o.traceMax,
        keepRecords: o.traceOut !== null,
        sample: o.plot !== null || o.traceOut !== null,
        onText: o.trace ? report : undefined,
        proc: o.traceProc,
      })
    : null;
  try {
    // The program as the guest's namespace has it (the host's files are its /), so that /proc shows its device and inode.
    const found = m.fs.walk(m.fs.rootLoc, resolve(binary), true);
    m.exec(typeof found !== "number" && found.node instanceof RegularInode ? found.node.open() : file, [argv0, ...a.args], undefined, resolve(binary));
  } catch (e) {
    const err = e as Error & { code?: string };
    report(`faultline: ${a.program}: ${err.code === "E2BIG" ? "Argument list too long" : err.message}\n`);
    process.off("SIGINT", onSigint);
    // bash: "cannot execute binary file: Exec format error" (126); a missing interpreter is "required file not found" (127)
    return err.code === "ENOENT" ? 127 : 126;
  }

  const progress = term.startProgress(() => {
    const t = m.task();
    const rss = t ? t.mm.mm(t.handle).rss : { anon: 0, file: 0 };
    return `${count(m.cpu.retired)} instructions, ${count(m.faults)} faults, RSS ${(rss.anon + rss.file) * 4} kB`;
  });
  started = process.hrtime.bigint();
  let end: RunEnd | null = null;
  try {
    end = await m.runAsync({ signal: interrupt, yieldEvery: 1 << 20 });
  } catch (e) {
    if (!interrupted) throw e;
  } finally {
    progress.stop();
    process.off("SIGINT", onSigint);
  }
  if (end === null) {
    report(`\nfaultline: interrupted after ${m.cpu.retired} instructions (SIGINT)\n`);
    m.exit({ kind: "budget", retired: m.cpu.retired });
  } else if (end.kind === "budget") {
    report(`faultline: the guest used its budget of ${end.retired} instructions (--max-insns)\n`);
    m.exit(end);
  } else if (end.kind === "stalled") {
    // Linux would leave them asleep for ever; the run ends instead, as a timeout's SIGKILL would end it.
    report(`faultline: every process is asleep and none can wake (pids ${end.sleeping.join(", ")}): killed\n`);
    m.exit(end);
    return 128 + 9;
  }
  observer?.close();
  if (observer && o.traceOut) writeFileSync(o.traceOut, JSON.stringify(observer.chromeTrace(a.program)));
  if (observer && o.plot) writeFileSync(o.plot, observer.plot(a.program));
  if (stats) report(formatStats(stats));
  if (end === null) return 130;
  if (end.kind === "exit") return end.status;
  const ending = signalEnding(end.kind === "signal" ? end.signal : budgetExceeded(m.cpu.rip));
  // A signal's arrival and "+++ killed by" are the machine's lines; the budget's SIGXCPU is not delivered through it.
  if (a.traceSyscalls && end.kind !== "signal") for (const line of ending.trace) report(line + "\n");
  report(term.red(ending.stderr));
  return ending.status;
}

/**
 * The program's bytes, read only when it is a regular file (execve says
 * EACCES for a device, a FIFO or a directory, without reading it); else
 * the status a shell gives: 127 when it is not there, 126 otherwise.
 */
function readProgram(path: string, report: (text: string) => void): Uint8Array | number {
  try {
    if (!statSync(path).isFile()) {
      report(`faultline: ${path}: Permission denied\n`);
      return 126;
    }
    const file = readFileSync(path);
    return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    report(`faultline: ${path}: ${err.code === "ENOENT" ? "No such file or directory" : err.code === "EACCES" ? "Permission denied" : err.message}\n`);
    return err.code === "ENOENT" ? 127 : 126;
  }
}

/**
 * fd 2, written as the guest's stdout is (output.ts). Whether it is a
 * terminal is asked of process.stderr only when it may be one (a character
 * device other than /dev/null): Node builds that stream over the pipe, file
 * or terminal, a cost the other runs need not pay.
 */
function stderrStream(): Stream {
  let tty = false;
  try {
    const st = fstatSync(2);
    tty = st.isCharacterDevice() && st.rdev !== statSync("/dev/null").rdev && process.stderr.isTTY === true;
  } catch {
    // no fd 2: not a terminal
  }
  return { isTTY: tty, write: (chunk) => { writeAll(2, chunk); return true; } };
}

/** fd 0, read as the guest reads it: nothing is taken before the guest asks. */
function stdinReader(): (max: number) => Uint8Array | null {
  return (max) => {
    const buf = new Uint8Array(Math.min(max, 1 << 16));
    for (;;) {
      try {
        const n = readSync(0, buf, 0, buf.length, null);
        return n > 0 ? buf.subarray(0, n) : null;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);  // non-blocking fd: wait for data
        else return null;  // closed or unreadable stdin reads as end of file
      }
    }
  };
}

const count = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : String(n));
