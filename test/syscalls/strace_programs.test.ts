// Calls as --trace syscalls prints them, against strace -f on the same
// static program natively (programs whose results libc_programs.test.ts
// compares): every line of the calls named, arguments, decoded structures
// and results, in the same order. Stack addresses (random natively) read
// as <stack>, a lock holder's pid as <pid>; for the timer programs, what
// the clock decides reads as <t>: a time left (not whole microseconds), an
// absolute time set, a thread id.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SOURCES = new URL("../native/libc/", import.meta.url).pathname;
/** What a native run's clock decides, masked in both traces: times left, absolute times (the virtual clock starts at 0), tids. */
const CLOCK_DECIDES: Array<[RegExp, string]> = [
  [/(tv_[nu]sec=)\d*[1-9]\d{0,2}\b/g, "$1<t>"],
  [/(TIMER_ABSTIME, \{it_interval=\{[^}]*\}, it_value=)\{[^}]*\}/g, "$1<t>"],
  [/(sigev_notify_thread_id=)\d+/g, "$1<t>"],
];
const PROGRAMS: Array<[string, string[], Array<[RegExp, string]>?]> = [
  ["file_attrs", [
    "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat", "utimensat", "utimes", "futimesat", "utime",
    "symlink", "symlinkat", "link", "linkat", "mknod", "mknodat", "fsync", "fdatasync", "sync",
  ]],
  ["events", [
    "eventfd", "eventfd2", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "socketpair", "sendto",
    "recvfrom", "shutdown",
  ]],
  ["locks", ["fcntl", "flock"]],
  ["itimers", ["alarm", "setitimer", "getitimer", "rt_sigtimedwait"], CLOCK_DECIDES],
  ["posix_timers", ["timer_create", "timer_settime", "timer_gettime", "timer_delete"], CLOCK_DECIDES],
  ["timerfd", ["timerfd_create", "timerfd_settime", "timerfd_gettime"], CLOCK_DECIDES],
  ["unix_sockets", [
    "socket", "socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername", "sendto", "recvfrom",
    "sendmsg", "recvmsg", "shutdown", "getsockopt", "setsockopt",
  ]],
  ["pidfds", ["pidfd_open", "pidfd_send_signal", "pidfd_getfd", "waitid"]],
  ["memfd", ["memfd_create", "fcntl", "fallocate", "fadvise64", "readahead"]],
  ["copy_range", ["copy_file_range", "sync_file_range"]],
  ["openat2", ["openat2"]],
  ["unshare", ["unshare"]],
  // Not rt_sigprocmask: a native run's parent and child after fork take their turns as they come.
  ["signalfd", ["signalfd", "signalfd4", "epoll_ctl", "epoll_wait", "kill", "tgkill", "fcntl", "write", "writev"], [[/^(kill|tgkill)\([1-9]\d*(, [1-9]\d*)?/, "$1(<pid>"]]],
  ["process_madvise", ["process_madvise"], [[/0x7[ef][0-9a-f]{10}\b|<stack>/g, "<addr>"]]],
  ["creds", [
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "getresuid", "getresgid", "setfsuid", "setfsgid",
    "getgroups", "setgroups", "getuid", "geteuid", "getgid", "getegid", "kill", "tgkill", "setpriority",
  ], [
    // pids; nice values (a native run starts at its parent's); the uids of its own it takes from its pid, 40000 and 50000 up.
    [/^(kill|tgkill)\([1-9]\d*(, [1-9]\d*)?/, "$1(<pid>"], [/^(setpriority\(PRIO_PROCESS, )[1-9]\d*/, "$1<pid>"],
    [/^(setpriority\(PRIO_\w+, [^,]+, )-?\d+/, "$1<nice>"], [/\b[45]\d{4}\b/g, "<uid>"],
  ]],
  // mmap's addresses are random natively: the mmap base lies up to 1 TiB plus the stack's gap below the top, 0x7eff… to 0x7fff….
  ["mlock_mincore", ["msync", "mincore", "mlock", "mlock2", "munlock", "mlockall", "munlockall"], [[/0x7[ef][0-9a-f]{10}\b|<stack>/g, "<addr>"]]],
  ["sched_policy", [
    "sched_setscheduler", "sched_getscheduler", "sched_setparam", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
    "sched_rr_get_interval", "sched_setaffinity", "personality", "ioprio_get", "ioprio_set", "membarrier", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "close_range",
  ], [[/0x7[ef][0-9a-f]{10}\b|<stack>/g, "<addr>"], [/^(ioprio_get\(IOPRIO_WHO_PROCESS, )[1-9]\d*/, "$1<pid>"]]],
  // A list's order is its file system's (tmpfs's by name under faultline, ext4's natively): the program prints it sorted.
  ["xattrs", [
    "setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr",
    "lremovexattr", "fremovexattr",
  ], [[/xattrs[A-Za-z0-9]{6}/g, "xattrs<tmp>"], [/^(f?listxattr\([^,]*, )"[^"]*"/, "$1<names>"]]],
  // Not sendto: how many bytes fill a stream socket differs.
  ["socket_timeouts", ["setsockopt", "getsockopt", "recvfrom", "accept", "connect"], [[/sotimeo\d{8}/g, "sotimeo<pid>"]]],
];

/**
 * The lines of `calls`, each whole: a call strace -f cut off ("<unfinished
 * ...>") joined to its "<... name resumed>" rest (whether it is cut depends
 * on what the other processes print meanwhile); without "[pid N] ", with
 * one space before "=".
 */
function lines(stderr: string, calls: string[], masks: Array<[RegExp, string]> = []): string[] {
  const cut = new Map<string, string>();
  const whole: string[] = [];
  for (const raw of stderr.split("\n")) {
    const m = /^(?:\[pid +(\d+)\] )?(.*)$/.exec(raw)!;
    const pid = m[1] ?? "", line = m[2];
    const unfinished = / <unfinished \.\.\.>$/.exec(line);
    if (unfinished) cut.set(pid, line.slice(0, unfinished.index));
    else if (line.startsWith("<... ")) {
      // Once one process is left, a resumed line may come without its "[pid N] ": the call cut off under that name.
      const name = line.slice(5, line.indexOf(" resumed>"));
      const key = cut.has(pid) ? pid : [...cut.keys()].find((k) => cut.get(k)!.startsWith(`${name}(`));
      if (key === undefined) whole.push(line);
      else {
        whole.push(cut.get(key)! + line.slice(line.indexOf("resumed>") + 8));
        cut.delete(key);
      }
    }
    else whole.push(line);
  }
  return whole.filter((l) => calls.some((c) => l.startsWith(`${c}(`)))
    .map((l) => l.replace(/\) +=/, ") =").replace(/0x7ff[0-9a-f]{9}\b/g, "<stack>").replace(/l_pid=[1-9]\d*/, "l_pid=<pid>")
      // unix_sockets' random directory and abstract names, autobind's names, credentials' pids; pidfds' pids.
      .replace(/flsock[A-Za-z0-9]{6}/g, "flsock<tmp>").replace(/@"[0-9a-f]{5}"/g, '@"<auto>"').replace(/\b(si_)?pid=[1-9]\d*/g, "$1pid=<pid>")
      .replace(/^pidfd_open\([1-9]\d*/, "pidfd_open(<pid>"))
    .map((l) => masks.reduce((x, [re, by]) => x.replace(re, by), l));
}

describe.each([["glibc", "gcc", TOOLS.gcc], ["musl", "musl-gcc", TOOLS.musl_gcc]] as const)("%s", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.strace, TOOLS.dist)).each(PROGRAMS)("%s: strace's lines", (name, calls, masks) => {
    const exe = join(mkdtempSync(join(tmpdir(), "faultline-strace-")), name);
    expect(spawnSync(cc, ["-O2", "-static", "-o", exe, join(SOURCES, `${name}.c`)], { encoding: "utf8" }).stderr).toBe("");
    const strace = () => spawnSync("strace", ["-f", "-q", "-e", `trace=${calls.join(",")}`, exe], { encoding: "utf8", env: {} });
    let native = strace();
    const ours = spawnSync(process.execPath, [CLI, "run", "--trace", "syscalls", exe], { encoding: "utf8", env: {}, timeout: 300_000 });
    // A timer program's native run reads the host's clock, which a loaded machine can make late (a
    // timer's overruns counted once more): it is made again, a few times, while it disagrees.
    for (let k = 0; masks === CLOCK_DECIDES && k < 4 && ours.stdout !== native.stdout; k++) native = strace();
    expect(ours.stdout).toBe(native.stdout);
    const expected = lines(native.stderr, calls, masks);
    expect(expected.length).toBeGreaterThan(20);
    expect(lines(ours.stderr, calls, masks)).toEqual(expected);
  }, 300_000);
});
