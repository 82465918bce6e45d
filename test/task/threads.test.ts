// Threads (src/task/: clone's CLONE_THREAD, futex, exit and exit_group,
// de_thread): the C programs of test/native/threads/, built with glibc
// (`gcc -static -pthread`) and musl, print the same under faultline as
// natively; each thread's end against strace -ff; the same threaded run
// twice, byte for byte; no page left once every thread has exited; a
// thread bomb stopped at RLIMIT_NPROC; a run where every thread waits for
// ever ended as a stall.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { withLeakCheck } from "../helpers/machine.js";
import { buildStatic, faultlineRun as faultline, runIn as run, type Ran } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCES = join(import.meta.dirname, "..", "native", "threads");
const build = (cc: string, source: string) => buildStatic(cc, source, ["-pthread"]);

/** A C file of its own, named `name`.c. */
function cFile(text: string, name: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "faultline-threads-src-")), `${name}.c`);
  writeFileSync(path, text);
  return path;
}

const programs = readdirSync(SOURCES).filter((f) => f.endsWith(".c")).map((f) => f.slice(0, -2)).sort();
const LIBCS = [["glibc", "gcc", TOOLS.gcc], ["musl", "musl-gcc", TOOLS.musl_gcc]] as const;

describe.each(LIBCS)("%s threaded programs under faultline match their native runs", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist)).each(programs)("%s", (name) => {
    const exe = build(cc, join(SOURCES, `${name}.c`));
    const native = run(exe, []);
    expect(native.stdout.length).toBeGreaterThan(0);
    expect(faultline(exe)).toEqual(native);
  }, 300_000);
});

/** Each thread's last line ("+++ … +++") from a strace -f style trace, keyed by "main" or "thread N" in the order they were cloned. */
function endings(perTid: Map<number, string[]>, main: number): Map<string, string[]> {
  const made = [...perTid.values()].flat().flatMap((l) => /^clone3?\(.*\) += (\d+)$/.exec(l)?.[1] ?? []).map(Number);
  const role = (tid: number) => (tid === main ? "main" : `thread ${made.indexOf(tid) + 1}`);
  return new Map([...perTid].map(([tid, lines]) => [role(tid), lines.filter((l) => /^\+\+\+ /.test(l))]));
}

describe.each(LIBCS)("%s: how every thread ended, against strace -ff", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.strace, TOOLS.dist)).each(["thread_exit", "exits"])("%s", (name) => {
    const exe = build(cc, join(SOURCES, `${name}.c`));
    const out = mkdtempSync(join(tmpdir(), "faultline-threads-strace-"));
    run("strace", ["-ff", "-o", `${out}/t`, exe]);
    const nativePerTid = new Map(readdirSync(out).map((f) => [Number(f.slice(2)), readFileSync(join(out, f), "utf8").split("\n").filter(Boolean)]));
    const nativeMain = [...nativePerTid].find(([, lines]) => lines[0].startsWith("execve("))![0];

    const r = faultline("--trace", "syscalls", exe);
    // A line has no "[pid N] " while one task alone is traced (as strace -f prints it): that one's.
    const perTid = new Map<number, string[]>();
    const live = new Set([1]);
    for (const line of r.stderr.split("\n").filter(Boolean)) {
      const m = /^(?:\[pid +(\d+)\] )?(.*)$/.exec(line)!;
      const tid = m[1] ? Number(m[1]) : [...live][0];
      perTid.set(tid, [...(perTid.get(tid) ?? []), m[2]]);
      const made = /^clone3?\(.*\) += (\d+)$/.exec(m[2]);
      if (made) live.add(Number(made[1]));
      if (m[2].startsWith("+++ ")) live.delete(tid);
    }
    const ours = endings(perTid, 1);
    expect(ours).toEqual(endings(nativePerTid, nativeMain));
    expect(ours.size).toBeGreaterThan(2);
    // clone3's arguments as strace decodes them (addresses and numbers aside); futex's operations, by name, among those natively seen.
    const all = (m: Map<number, string[]>) => [...m.values()].flat();
    const shapes = (lines: string[]) => new Set(lines.filter((l) => l.startsWith("clone3(")).map((l) => l.replace(/0x[0-9a-f]+/g, "A").replace(/\d+/g, "N")));
    expect(shapes(all(perTid))).toEqual(shapes(all(nativePerTid)));
    const ops = (lines: string[]) => new Set(lines.flatMap((l) => /^futex\(0x[0-9a-f]+, ([A-Z_|]+),/.exec(l)?.[1] ?? []));
    expect(ops(all(perTid)).size).toBeGreaterThan(0);
    expect([...ops(all(perTid))].filter((op) => !ops(all(nativePerTid)).has(op))).toEqual([]);
    // getpid is the process's in every thread, gettid the thread's own.
    for (const [tid, lines] of perTid) {
      for (const l of lines.filter((x) => /^get(pid|tid)\(\)/.test(x))) expect(l).toMatch(l.startsWith("getpid") ? /= 1$/ : new RegExp(`= ${tid}$`));
    }
  }, 300_000);
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("threads on the machine", () => {
  it("the same threaded run twice gives the same output, counters and trace, byte for byte", () => {
    const exe = build("gcc", join(SOURCES, "prodcons.c"));
    // The host's own timings ("(measured)") aside.
    const unmeasured = (r: Ran) => ({ ...r, stderr: r.stderr.replace(/^.*\(measured\).*\n/gm, "") });
    const a = unmeasured(faultline("--stats", "--trace", "syscalls", exe));
    expect(a.status).toBe(0);
    expect(a.stderr).toMatch(/^\[pid +\d+\] futex\(/m);
    expect(a.stderr).toContain("instructions");
    expect(unmeasured(faultline("--stats", "--trace", "syscalls", exe))).toEqual(a);
  }, 300_000);

  it("every page and page table goes back once the threads and their process have exited", async () => {
    const exe = build("gcc", join(SOURCES, "sum.c"));
    const m = new Machine(await loadKernelModule(), { mem: "64M" });
    withLeakCheck(m.kernel, () => {
      m.exec(new Uint8Array(readFileSync(exe)), ["sum"]);
      expect(m.run()).toEqual({ kind: "exit", status: 0 });
      expect(m.kernel.checkInvariants()).toBe(0);
    });
  }, 300_000);

  it("a thread bomb stops at RLIMIT_NPROC: pthread_create fails with EAGAIN, the same way each run", () => {
    const exe = build("gcc", cFile(`
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
static void *sleeper(void *arg) { (void)arg; for (;;) pause(); }
int main(void) {
  struct rlimit r = {30, 30};
  /* Root is not limited: the limit binds a user's tasks. */
  if (setrlimit(RLIMIT_NPROC, &r) != 0 || setuid(1000) != 0) return 1;
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, 65536);
  int made = 0, err;
  pthread_t t;
  while ((err = pthread_create(&t, &a, sleeper, NULL)) == 0) made++;
  printf("made %d threads, then %s\\n", made, strerror(err));
  return 0;
}`, "thread_bomb"));
    const a = faultline(exe);
    // 29 threads and main: RLIMIT_NPROC counts every task of uid 1000, threads included.
    expect(a).toEqual({ stdout: "made 29 threads, then Resource temporarily unavailable\n", stderr: "", status: 0 });
    expect(faultline(exe)).toEqual(a);
  }, 300_000);

  it("threads that all wait for ever end the run as a stall, not a host error", async () => {
    const exe = build("gcc", cFile(`
#include <pthread.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static void *waiter(void *arg) { (void)arg; pthread_mutex_lock(&m); return 0; }
int main(void) {
  pthread_t t;
  pthread_mutex_lock(&m);
  pthread_create(&t, 0, waiter, 0);
  pthread_join(t, 0);
  return 0;
}`, "deadlock"));
    const m = new Machine(await loadKernelModule(), { mem: "64M" });
    m.exec(new Uint8Array(readFileSync(exe)), ["deadlock"]);
    expect(m.run()).toEqual({ kind: "stalled", sleeping: [1, 5] });
    m.exit();
  }, 300_000);
});
