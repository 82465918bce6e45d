// Kernel threads as the machine runs them: tasks in the process list and
// /proc with Linux's shape (checked against this machine's own kswapd0),
// run by the scheduler when a wakeup preempts the running task (at its
// return to user mode) and between guest quanta, so that a program
// thrashing with swap has kswapd counted as Linux counts it, each of its
// turns a slice on a kswapd0 track of the Perfetto trace, and the same run
// twice gives the same counters and trace.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { programCases, programPath } from "../helpers/program_cases.js";
import { buildStatic } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";
import { KSWAPD_NAP_NS } from "../../src/task/kthread.js";
import { QUANTUM } from "../../src/task/sched.js";

const decoder = new TextDecoder();
const program = (name: string) => new Uint8Array(readFileSync(programPath({ program: name })));
/** What the case printed natively (programs/manifest.json). */
const caseStdout = (name: string) => programCases.find((c) => c.name === name)!.stdout;

/** The pid of this machine's own kernel thread `comm`, if /proc shows one. */
function hostKthread(comm: string): number | null {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, "utf8") === `${comm}\n`) return Number(d);
    } catch { /* gone meanwhile */ }
  }
  return null;
}

describe("kernel threads as tasks", () => {
  it("kthreadd is pid 2, kcompactd0 and kswapd0 its children in initcall order; a fork takes the next pid", () => {
    const m = new Machine(loadKernelModule("release"), { mem: "64M" });
    m.exec(program("fork_cow"), ["fork_cow"]);
    const row = (p: { pid: number; ppid: number; comm: string; state: string }) => [p.pid, p.ppid, p.comm, p.state];
    expect(m.processes().map(row)).toEqual([[1, 0, "fork_cow", "R"], [2, 0, "kthreadd", "S"], [3, 2, "kcompactd0", "S"], [4, 2, "kswapd0", "S"]]);
    while (m.processes().length < 5) expect(m.step()).toBeNull();
    expect(m.processes()[4]).toMatchObject({ pid: 5, ppid: 1, comm: "fork_cow" });
    expect(m.proc("4/comm")).toBe("kswapd0\n");
    expect(m.proc("3/comm")).toBe("kcompactd0\n");
    expect(m.proc("4/maps")).toBe("");
    expect(m.proc("4/status")).toBe("Name:\tkswapd0\n");
  });

  it("/proc/<pid>/stat of each has the fields this machine's own kernel threads show", () => {
    const m = new Machine(loadKernelModule("release"), { mem: "64M" });
    m.exec(program("hello"), ["hello"]);
    for (const [pid, comm] of [[2, "kthreadd"], [3, "kcompactd0"], [4, "kswapd0"]] as const) {
      const real = hostKthread(comm);
      if (real === null) continue;  // a container without the host's kernel threads in its /proc
      const theirs = readFileSync(`/proc/${real}/stat`, "utf8").trim().split(" ");
      const ours = m.proc(`${pid}/stat`).trim().split(" ");
      expect(ours.length).toBe(theirs.length);
      // What differs by boot: the pid, the state and wchan (asleep or not), start time and CPU, time spent.
      const varies = new Set([0, 2, 13, 14, 21, 34, 38]);
      expect(ours.filter((_, i) => !varies.has(i))).toEqual(theirs.filter((_, i) => !varies.has(i)));
      expect(ours[0]).toBe(String(pid));
    }
  });
});

describe("kswapd and kcompactd under memory pressure", () => {
  /** thrash over `mib` MiB in 16 MiB of RAM with swap: every pass brings its pages back from swap and sends them out again. */
  const thrash = (trace: boolean, mib = "24", passes = "2") => {
    let stdout = "";
    const m = new Machine(loadKernelModule(trace ? "trace" : "release"), { mem: "16M", swap: "64M", stdout: (b) => (stdout += decoder.decode(b)) });
    m.exec(program("thrash"), ["thrash", mib, passes]);
    const observer = trace ? m.observe({ trace: true, keepRecords: true }) : null;
    const end = m.run();
    observer?.close();
    const kswapd = m.kthreads.threads.find((t) => t.comm === "kswapd0")!;
    return {
      end, stdout, vmstat: Object.fromEntries(m.kernel.vmstat()), wakeups: kswapd.wakeups, runs: kswapd.runs,
      trace: observer ? JSON.stringify(observer.chromeTrace("thrash")) : "",
    };
  };

  it("kswapd runs when woken and is counted as Linux's kswapd loop counts it", () => {
    const r = thrash(false);
    expect(r.end).toEqual({ kind: "exit", status: 0 });
    expect(r.stdout).toBe(caseStdout("thrash"));
    const v = r.vmstat;
    expect(v.pswpout).toBeGreaterThan(2 * (8 << 20) / 4096);
    expect(v.pgsteal_kswapd).toBeGreaterThan(0);
    // One balance_pgdat per turn that did work.
    expect(v.pageoutrun).toBe(r.runs);
    // Each balance_pgdat follows a wakeup (from sleep, or from the nap: a low-watermark hit) or a high-watermark hit.
    expect(v.pageoutrun).toBe(r.wakeups + v.kswapd_high_wmark_hit_quickly);
    // The program allocates again long before HZ/10 passes: kswapd is woken in its nap.
    expect(v.kswapd_low_wmark_hit_quickly).toBeGreaterThan(0);
    expect(v.kswapd_inodesteal).toBe(0);
  }, 120_000);

  it("a wakeup preempts the faulting task: kswapd runs as the fault returns to user mode, then the task goes on with its quantum", () => {
    const m = new Machine(loadKernelModule("release"), { mem: "16M", swap: "64M" });
    m.exec(program("thrash"), ["thrash", "24", "1"]);
    // Where (in retired instructions) each turn that kswapd worked in ran.
    const turns = new Set<number>();
    m.kthreads.tracer = (name, run) => {
      const r = run();
      if (name === "kswapd0" && r) turns.add(m.cpu.retired);
      return r;
    };
    // Each fault that woke kswapd, and whether the task was still in the quantum it had then at its next fault.
    const woken: Array<{ retired: number; slice: number }> = [];
    let sameQuantum = 0, newQuantum = 0;
    m.faultHook = {
      beforeFault() {},
      afterFault() {
        const last = woken[woken.length - 1];
        if (last && last.retired !== m.cpu.retired && m.cpu.retired - last.slice < QUANTUM) {
          if (m.sched.sliceStart === last.slice) sameQuantum++;
          else newQuantum++;
        }
        if (m.kthreads.needResched) woken.push({ retired: m.cpu.retired, slice: m.sched.sliceStart });
      },
    };
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
    expect(woken.length).toBeGreaterThan(20);
    // Every wakeup was answered before the faulting instruction ran again (a fault retires nothing)...
    expect(woken.filter((w) => !turns.has(w.retired))).toEqual([]);
    // ...and the task went on in the same quantum.
    expect(sameQuantum).toBeGreaterThan(20);
    expect(newQuantum).toBe(0);
  }, 120_000);

  it("each kernel thread turn is a slice on its own track with its counters; direct reclaim stays on the task's; twice the same", () => {
    const a = thrash(true, "20", "1");
    const trace = JSON.parse(a.trace) as { traceEvents: Array<{ name: string; ph: string; ts?: number; dur?: number; tid?: number; args?: Record<string, unknown> }> };
    const tid = (name: string) => trace.traceEvents.find((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === name)?.tid;
    const kswapd = tid("kswapd0");
    expect(kswapd).toBeDefined();
    expect(tid("cpu0")).toBe(1);
    const turns = trace.traceEvents.filter((e) => e.ph === "X" && e.tid === kswapd && e.name === "kswapd");
    // Each turn that balanced the node, in order, carries the counters it moved.
    const balanced = turns.filter((e) => e.args!.pageoutrun === 1);
    expect(balanced.length).toBe(a.vmstat.pageoutrun);
    expect(turns.reduce((s, e) => s + (e.args!.pgsteal_kswapd as number), 0)).toBe(a.vmstat.pgsteal_kswapd);
    for (let i = 1; i < turns.length; i++) expect(turns[i].ts!).toBeGreaterThanOrEqual(turns[i - 1].ts! + turns[i - 1].dur!);
    // balance_pgdat nests in each kswapd slice.
    const inner = trace.traceEvents.filter((e) => e.ph === "X" && e.tid === kswapd && e.name === "balance_pgdat");
    expect(inner.length).toBe(a.vmstat.pageoutrun);
    for (const b of inner) expect(turns.some((t) => t.ts! <= b.ts! && b.ts! + b.dur! <= t.ts! + t.dur!)).toBe(true);
    // Direct reclaim is the allocating task's: on cpu0, never on a kernel thread's track.
    const direct = trace.traceEvents.filter((e) => e.ph === "X" && e.name === "try_to_free_pages");
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.every((e) => e.tid === 1)).toBe(true);
    expect(thrash(true, "20", "1").trace).toBe(a.trace);
  }, 240_000);

  it.runIf(needs(TOOLS.gcc, TOOLS.libc_a))("a run where every process sleeps ends only after kswapd's work and its nap, on the idle clock", () => {
    const exe = buildStatic("gcc", join(import.meta.dirname, "../native/swap/touch_pause.c"));
    let stdout = "";
    const m = new Machine(loadKernelModule("release"), { mem: "16M", swap: "64M", stdout: (b) => (stdout += decoder.decode(b)) });
    m.exec(new Uint8Array(readFileSync(exe)), ["touch_pause", "20"]);
    expect(m.run()).toEqual({ kind: "stalled", sleeping: [1] });
    expect(stdout).toBe("touched 20 MiB\n");
    const kswapd = m.kthreads.threads.find((t) => t.comm === "kswapd0")!;
    expect(kswapd.runs).toBeGreaterThan(0);
    // Nothing left to run or wait for: the nap ran out on the idle clock (at least HZ/10 after the last instruction) and kswapd sleeps.
    expect(m.kthreads.runnable).toBe(false);
    expect(m.kthreads.deadline).toBeNull();
    expect(kswapd.state).toBe("S");
    expect(m.clock.now() - m.cpu.retired).toBeGreaterThan(0);
    // A nap that ran out on a node below its high watermark (the process allocated during it, not
    // enough to wake kswapd) is kswapd_high_wmark_hit_quickly: kswapd balances again, and naps again.
    const again = Object.fromEntries(m.kernel.vmstat()).kswapd_high_wmark_hit_quickly;
    expect(m.clock.now()).toBeLessThanOrEqual(m.cpu.retired + KSWAPD_NAP_NS * (1 + again));
  }, 120_000);

  it.runIf(needs(TOOLS.gcc, TOOLS.libc_a))("run on the machine's clock, which goes on from one program to the next, as CLOCK_MONOTONIC does", () => {
    const exe = buildStatic("gcc", join(import.meta.dirname, "../native/processes/clock_sleep.c"));
    let stdout = "";
    const m = new Machine(loadKernelModule("release"), { mem: "16M", stdout: (b) => (stdout += decoder.decode(b)) });
    for (let i = 0; i < 2; i++) {
      m.exec(new Uint8Array(readFileSync(exe)), ["clock_sleep", "2"]);
      expect(m.run()).toEqual({ kind: "exit", status: 0 });
    }
    // Natively too the second run starts where the first ended: the monotonic clock is the machine's, never reset.
    expect(stdout).toBe("0 2\n2 4\n");
    expect(Math.floor(m.clock.now() / 1e9)).toBe(4);
    // The timer the kernel threads tick kept up with it: jiffies cover both sleeps (HZ 250).
    expect(m.kernel.ticks).toBeGreaterThanOrEqual(4 * 250);
  }, 120_000);
});
