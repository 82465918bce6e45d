// Processes on the machine (src/task/): busybox sh's pipelines, subshells
// and command substitutions against native busybox; fork-then-write fault
// counts against this machine's getrusage; the kernel's invariants while a
// forking program runs and no page left once every process has exited;
// the same forking run twice, byte for byte; a fork bomb and a process
// that never ends, each stopped as Linux (or its limits) would stop them;
// calls a signal interrupts and vfork's parent, against strace -f.
// The C programs' own comparisons (fork, pipe, wait, exec, posix_spawn,
// signals) are in test/native/libc/processes.c, run by libc_programs.test.ts.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { bytesFile } from "../../src/fs/pagecache.js";
import { withLeakCheck } from "../helpers/machine.js";
import { needs, TOOLS } from "../helpers/tools.js";

const root = join(import.meta.dirname, "../..");
const CLI = join(root, "dist", "src", "cli", "main.js");
const NATIVE = join(root, "test", "native");
const BUILD = join(root, "node_modules", ".cache", "faultline-test");
const ENV = { FOO: "1", PATH: "/usr/bin:/bin" };

interface Ran { stdout: string; stderr: string; status: number | null }

function run(cmd: string, args: string[], cwd = BUILD): Ran {
  const r = spawnSync(cmd, args, { cwd, env: ENV, encoding: "utf8", timeout: 300_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
const faultline = (...args: string[]) => run(process.execPath, [CLI, "run", ...args]);

/** A C file built static with `cc` into the test cache. */
function build(cc: string, source: string, name: string): string {
  mkdirSync(BUILD, { recursive: true });
  const dir = mkdtempSync(join(BUILD, "proc-"));
  const exe = join(dir, name);
  const r = spawnSync(cc, ["-O2", "-static", "-o", exe, source], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return exe;
}

function cFile(text: string, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "faultline-proc-src-"));
  const path = join(dir, `${name}.c`);
  writeFileSync(path, text);
  return path;
}

describe.runIf(needs(TOOLS.busybox, TOOLS.dist))("busybox sh under faultline, against busybox natively", () => {
  const scripts = [
    "seq 100 | wc -l",
    "seq 1000 | sort -rn | head -3",
    "seq 5000 | tail -1",
    "echo $(echo hi) there; x=$(seq 5 | wc -l); echo \"n=$x\"",
    "false && echo a || echo b; true && echo c || echo d",
    "(exit 3); echo $?; (echo sub; exit 4) | cat; echo ${?}",
    "echo a; (echo b; echo c) | tr a-z A-Z",
    "yes | head -2; echo status $?",
    "cat /nonexistent; echo $?",
    "sh -c 'kill -TERM $$'; echo $?",
    "sleep 0 & wait $!; echo waited $?",
    "(exit 5) & wait $!; echo bg $?",
    "for i in 1 2 3; do echo $i | sed s/^/x/; done | sort -r",
    "seq 300 | sort -rn | (read x; echo $x; cat) | wc -l",
    "(sleep 2; echo late) | (read -t 1 x; echo \"got:$x rc=$?\")",
    "(sleep 1; echo a) & (echo b); wait",
    "exit 7",
  ];
  it.each(scripts)("sh -c %j", (script) => {
    expect(faultline("/bin/busybox", "sh", "-c", script)).toEqual(run("/bin/busybox", ["sh", "-c", script]));
  }, 300_000);
});

// Each window holds only the calls measured: the counts are exact, with no tolerance needed.
const FAULT_COUNTS = [
  // fork-then-write: first touches, COW copies in the child, reuses in the parent
  ["fork_faults", "child writes after fork: 512, again: 0"],
  // process_vm_writev faults pages in the target's memory, charged to the caller (GUP charges current)
  ["remote_faults", "writev 1048576: caller 256 (thread 256), target 0"],
] as const;

describe.each([["glibc", "gcc", TOOLS.gcc], ["musl", "musl-gcc", TOOLS.musl_gcc]] as const)("%s: whose faults getrusage counts", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist)).each(FAULT_COUNTS)("%s.c: the minor-fault deltas are this machine's, exactly", (name, line) => {
    const exe = build(cc, join(NATIVE, "processes", `${name}.c`), name);
    // natively a window now and then counts one fault more, not the measured call's (seen once in CI):
    // the native run is made again then; faultline's must give the exact line
    let native = run(exe, []);
    for (let k = 0; k < 4 && !native.stdout.includes(line); k++) native = run(exe, []);
    expect(native.stdout).toContain(line);
    expect(faultline(exe)).toEqual(native);
  }, 300_000);
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("a forking program on the debug kernel", () => {
  it("keeps every invariant (rmap, mapcounts, page tables) between slices, and leaves no page behind", () => {
    const exe = build("gcc", join(NATIVE, "libc", "processes.c"), "processes");
    const program = bytesFile(new Uint8Array(readFileSync(exe)));
    let out = "";
    const m = new Machine(loadKernelModule("debug"), { mem: "64M", envp: ["FOO=1"], stdout: (b) => (out += new TextDecoder().decode(b)) });
    const once = () => {
      out = "";
      m.exec(program, ["processes"]);
      let end;
      let slices = 0;
      do {
        end = m.run(200_000);
        expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
        slices++;
      } while (end.kind === "budget");
      expect(end).toEqual({ kind: "exit", status: 0 });
      expect(slices).toBeGreaterThan(5);
      return out;
    };
    const first = once(); // fills the page cache with the program's pages
    expect(first).toContain("posix_spawn: exited 42");
    withLeakCheck(m.kernel, () => expect(once()).toBe(first));
  }, 600_000);
});

describe.runIf(needs(TOOLS.busybox, TOOLS.dist))("determinism with several processes", () => {
  it("the same pipeline twice: identical output, syscall trace (with [pid N]), fault trace and vmstat", () => {
    const once = () => faultline("--trace", "syscalls", "--trace", "faults", "--proc", "vmstat", "/bin/busybox", "sh", "-c", "seq 300 | sort -rn | (read x; echo $x; cat) | wc -l");
    const a = once(), b = once();
    expect(a.stdout).toBe("300\n");
    expect(a.stderr).toMatch(/^\[pid {5}[2-9]\] /m);
    expect(b).toEqual(a);
  }, 600_000);
});

/**
 * Each process's arrivals and end ("--- SIG… ---", "+++ … +++") from a
 * strace -f style trace, keyed by its role: "parent", or "child N" in the
 * order the parent forked them (pids, which differ, read as roles too).
 */
function endings(perPid: Map<number, string[]>, parent: number): Map<string, string[]> {
  const children = perPid.get(parent)!.flatMap((l) => /^(?:clone|fork|vfork)\(.*\) += (\d+)$/.exec(l)?.[1] ?? []).map(Number);
  const role = (pid: number) => (pid === parent ? "parent" : `child ${children.indexOf(pid) + 1}`);
  const out = new Map<string, string[]>();
  for (const [pid, lines] of perPid) {
    out.set(role(pid), lines.filter((l) => /^(---|\+\+\+) /.test(l)).map((l) => l.replace(/si_pid=(\d+)/, (_, p) => `si_pid=<${role(Number(p))}>`)));
  }
  return out;
}

describe.each([["glibc", "gcc", TOOLS.gcc], ["musl", "musl-gcc", TOOLS.musl_gcc]] as const)("%s: how every process ended, against strace -f", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.strace, TOOLS.setarch, TOOLS.dist))("exits, fatal signals and the parent's SIGCHLDs, per process", () => {
    const exe = build(cc, join(NATIVE, "processes", "endings.c"), "endings");
    // strace -ff: one file per process, free of interleaving; RLIMIT_CORE 0 as faultline's processes start (no "(core dumped)").
    const out = mkdtempSync(join(BUILD, "strace-"));
    const native = run("sh", ["-c", `ulimit -c 0; exec setarch -R strace -ff -o ${out}/t ${exe}`]);
    expect(native.status).toBe(0);
    const nativePerPid = new Map(readdirSync(out).map((f) => [Number(f.slice(2)), readFileSync(join(out, f), "utf8").split("\n").filter(Boolean)]));
    const nativeParent = [...nativePerPid].find(([, lines]) => lines[0].startsWith("execve("))![0];

    const r = faultline("--trace", "syscalls", exe);
    expect(r.status).toBe(0);
    const perPid = new Map<number, string[]>();
    for (const line of r.stderr.split("\n").filter(Boolean)) {
      const m = /^(?:\[pid +(\d+)\] )?(.*)$/.exec(line)!;
      const pid = Number(m[1] ?? 1); // no prefix: pid 1 is the only process
      perPid.set(pid, [...(perPid.get(pid) ?? []), m[2]]);
    }
    const ours = endings(perPid, 1);
    expect(ours).toEqual(endings(nativePerPid, nativeParent));
    expect([...ours.keys()].sort()).toEqual(["child 1", "child 2", "child 3", "child 4", "parent"]);
    expect(ours.get("child 2")).toEqual(["--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---", "+++ killed by SIGSEGV +++"]);
    expect(ours.get("child 4")).toEqual(["+++ killed by SIGKILL +++"]);
    // "[pid N] " aligns the result to column 40 of the whole row, as strace -f does (the first child is pid 5, after the kernel threads').
    expect(r.stderr).toMatch(/^\[pid {5}5\] exit_group\(3\) {15}= \?$/m);
  }, 300_000);
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.strace, TOOLS.setarch, TOOLS.dist))("a call that waits while another process runs, against strace -f", () => {
  it("is cut off with <unfinished ...> and ends in <... name resumed>, with what strace prints at entry and at return", () => {
    const exe = build("gcc", join(NATIVE, "processes", "fork_pipe.c"), "fork_pipe");
    // The waits that span the other process's calls whatever the interleaving (natively the processes run on two CPUs at once).
    const waits = [
      "read(3,  <unfinished ...>",
      '<... read resumed>"hello", 16) = 5',
      `write(4, "${"\\0".repeat(32)}"..., 131072 <unfinished ...>`,
      "<... write resumed>) = 131072",
    ];
    /** Each of those lines, first seen, in order (the "[pid N] " and the padding before "=" left out). */
    const shown = (stderr: string) => {
      const lines = stderr.split("\n").map((l) => l.replace(/^\[pid +\d+\] /, "").replace(/ {2,}=/, " ="));
      const at = waits.map((w) => lines.indexOf(w));
      return waits.filter((_, i) => at[i] >= 0 && at.slice(0, i).every((before) => before < at[i]));
    };
    const native = run("setarch", ["-R", "strace", "-f", "-q", exe]);
    expect(native.status).toBe(0);
    // Natively the two processes run on two CPUs, and under load a call may
    // finish before the other process prints: strace then prints it whole.
    // Each pair is either cut and resumed as above, or that whole line.
    const whole = ['read(3, "hello", 16) = 5', `write(4, "${"\\0".repeat(32)}"..., 131072) = 131072`];
    const nativeLines = native.stderr.split("\n").map((l) => l.replace(/^\[pid +\d+\] /, "").replace(/ {2,}=/, " ="));
    whole.forEach((line, i) => {
      const [at, resumed] = [nativeLines.indexOf(waits[2 * i]), nativeLines.indexOf(waits[2 * i + 1])];
      expect((at >= 0 && resumed > at) || nativeLines.includes(line), `${line}, cut or whole, in native strace -f`).toBe(true);
    });
    const ours = faultline("--trace", "syscalls", exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(shown(ours.stderr)).toEqual(waits);
    // Each cut line is its process's own: "[pid N] " before it, no padding after.
    expect(ours.stderr).toMatch(/^\[pid {5}1\] read\(3,  <unfinished \.\.\.>$/m);
    expect(ours.stderr).toMatch(/^\[pid {5}5\] <\.\.\. write resumed>\) {8}= 131072$/m);
  }, 300_000);

  it("a call a signal interrupts returns its ERESTART* code, then EINTR or runs again, as strace -f shows", () => {
    const exe = build("gcc", join(NATIVE, "processes", "interrupted.c"), "interrupted");
    const native = run("strace", ["-f", exe]);
    expect(native.status).toBe(0);
    const ours = faultline("--trace", "syscalls", exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(0);
    const calls = parentCalls(ours.stderr);
    expect(calls.filter((l) => / = \? ERESTART/.test(l)).length).toBe(4);
    expect(calls).toEqual(parentCalls(native.stderr));
  }, 300_000);

  it("vfork's parent, asleep in the call until its child execs or exits, is cut and resumed", () => {
    const exe = build("gcc", join(NATIVE, "processes", "vfork.c"), "vfork");
    const native = run("strace", ["-f", exe]);
    expect(native.status).toBe(0);
    // Natively strace's "Process N attached" cuts the entry's line in two.
    const cuts = (stderr: string) => [...stderr.matchAll(/^vfork\((?:strace: Process \d+ attached\n)? <unfinished \.\.\.>$/gm)].length;
    const resumed = (stderr: string) => [...stderr.matchAll(/^\[pid +\d+\] <\.\.\. vfork resumed>\) += \d+$/gm)].length;
    // Natively, once the child has exited before strace prints the rest,
    // strace traces one process and prints it without "[pid N]".
    const resumedNative = (stderr: string) => [...stderr.matchAll(/^(?:\[pid +\d+\] )?<\.\.\. vfork resumed>\) += \d+$/gm)].length;
    expect([cuts(native.stderr), resumedNative(native.stderr)]).toEqual([2, 2]);
    const ours = faultline("--trace", "syscalls", exe);
    expect(ours.stdout).toBe(native.stdout);
    expect([cuts(ours.stderr), resumed(ours.stderr)]).toEqual([2, 2]);
    expect(ours.stderr).toMatch(/^\[pid {5}1\] <\.\.\. vfork resumed>\) {8}= 5$/m);
  }, 300_000);
});

/**
 * The parent's lines of a strace -f trace about its interrupted calls (the
 * pipe reads, nanosleep, pause, the handler's write and rt_sigreturn, the
 * signal's arrival), each cut line joined with its "resumed" rest, with
 * addresses, pids and padding left out.
 */
function parentCalls(stderr: string): string[] {
  // The parent's pid: its getpid() (a line with no "[pid N] ", while it runs alone, is its own too).
  const parent = /^getpid\(\) += (\d+)$/m.exec(stderr)![1];
  const cut = new Map<string, string>();
  const lines: string[] = [];
  // strace's own "Process N attached" may land inside a line it prints.
  for (const line of stderr.replace(/strace: Process \d+ attached\n/g, "").split("\n")) {
    const m = /^(?:\[pid +(\d+)\] )?(.*)$/.exec(line)!;
    const pid = m[1] ?? parent, text = m[2];
    if (pid !== parent) continue;
    if (text.endsWith(" <unfinished ...>")) cut.set(pid, text.slice(0, -" <unfinished ...>".length));
    else lines.push(/^<\.\.\. \w+ resumed>/.test(text) ? (cut.get(pid) ?? "") + text.replace(/^<\.\.\. \w+ resumed>/, "") : text);
  }
  return lines.filter((l) => /^(read\(3,|nanosleep|clock_nanosleep|pause|rt_sigreturn|write\(6,|--- SIGUSR1)/.test(l))
    .map((l) => l.replace(/0x[0-9a-f]+/g, "ADDR").replace(/si_pid=\d+/, "si_pid=PID").replace(/ {2,}=/, " ="));
}

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("function_graph with several processes", () => {
  it("marks each change of process as verif_pid does; --trace-proc names every line's process (funcgraph-proc)", () => {
    const exe = build("gcc", join(NATIVE, "processes", "endings.c"), "endings");
    const plain = faultline("--trace", "faults", exe).stderr.split("\n");
    const proc = faultline("--trace", "faults", "--trace-proc", exe).stderr.split("\n");
    expect(proc.slice(2, 4)).toEqual([
      "# CPU  TASK/PID         DURATION                  FUNCTION CALLS",
      "# |     |    |           |   |                     |   |   |   |",
    ]);
    const switches = plain.filter((l) => l.includes("=>"));
    expect(switches[0]).toBe(" 0)   endings-1    =>   endings-5   ");
    expect(switches.length).toBe(8); // to each child and back
    // The same lines, the process column aside; every traced line names one of the processes.
    const body = proc.slice(4).filter((l) => l.startsWith(" 0) ") && !l.includes("=>"));
    expect(body.length).toBeGreaterThan(100);
    const pids = new Set(body.map((l) => /^ 0\) {3}endings-(\d) {3} \| /.exec(l)![1]));
    expect([...pids].sort()).toEqual(["1", "5", "6", "7", "8"]); // each child (pids after the kernel threads') takes at least fork's COW fault
    expect(proc.slice(4).map((l) => l.replace(/^ 0\) {3}endings-\d {3} \| /, " 0) "))).toEqual(plain.slice(4));
  }, 300_000);
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("hostile processes", () => {
  it("a fork bomb stops at RLIMIT_NPROC: fork fails with EAGAIN, every process is reaped, the same way each run", () => {
    const exe = build("gcc", cFile(`
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  struct rlimit r = {40, 40};
  /* Root is not limited: the limit binds a user's tasks. */
  if (setrlimit(RLIMIT_NPROC, &r) != 0 || setuid(1000) != 0) return 1;
  pid_t top = getpid();
  int made = 0, err = 0;
  for (;;) {
    pid_t p = fork();
    if (p < 0) { err = errno; break; }
    if (p == 0) { made = 0; continue; }  /* the child bombs on */
    made++;
  }
  int reaped = 0;
  while (wait(NULL) > 0) reaped++;
  if (getpid() == top) printf("top: forked %d, reaped %d, then %s\\n", made, reaped, strerror(err));
  return 0;
}`, "bomb"), "bomb");
    const a = faultline("--proc", "vmstat", exe), b = faultline("--proc", "vmstat", exe);
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/^top: forked \d+, reaped \d+, then Resource temporarily unavailable\n$/);
    expect(a.stderr).toContain("nr_free_pages");
    expect(b).toEqual(a);
  }, 600_000);

  it("a fork bomb that never stops ends at the instruction limit, as any run does", () => {
    const exe = build("gcc", cFile("#include <unistd.h>\nint main(void) { for (;;) fork(); }\n", "forever"), "forever");
    const r = faultline("--max-insns", "3000000", "--mem", "64M", exe);
    expect(r.status).toBe(128 + 24); // SIGXCPU, as for a single process
    expect(r.stderr).toContain("budget of 3000000 instructions");
  }, 300_000);

  it("orphans go to pid 1, which reaps them; a zombie is gone once waited for", () => {
    const exe = build("gcc", cFile(`
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  int p[2];
  pipe(p);
  pid_t child = fork();
  if (child == 0) {
    if (fork() == 0) {            /* the grandchild outlives its parent */
      char c;
      read(p[0], &c, 1);          /* until the child is gone */
      printf("orphan's parent: %d\\n", (int)getppid());
      return 0;
    }
    return 0;
  }
  waitpid(child, NULL, 0);
  write(p[1], "x", 1);
  int st;
  pid_t got = wait(&st);          /* the orphan is pid 1's child now */
  printf("pid 1 reaped %s, status %d; then wait: %d\\n", got > child ? "the orphan" : "?", st, (int)wait(NULL));
  return 0;
}`, "orphan"), "orphan");
    const r = faultline(exe);
    expect(r).toEqual({ stdout: "orphan's parent: 1\npid 1 reaped the orphan, status 0; then wait: -1\n", stderr: "", status: 0 });
  }, 300_000);
});
