// Timers on the virtual clock are deterministic: each timer probe of
// test/native/libc (alarm and the interval timers, POSIX timers, timerfd,
// timers and sleeps on CPU-time clocks, sockets' timeouts),
// whose output libc_programs.test.ts checks against its native run, gives
// under faultline the same bytes twice: its stdout, its syscall trace (every
// time a call read back) and the kernel's counters.
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCES = new URL("../native/libc/", import.meta.url).pathname;

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("timer programs under faultline", () => {
  it.each(["itimers", "posix_timers", "timerfd", "cpu_clocks", "socket_timeouts"])("%s: the same run twice gives the same bytes", (name) => {
    const exe = buildStatic("gcc", `${SOURCES}${name}.c`);
    const a = faultlineRun("--trace", "syscalls", "--proc", "vmstat", exe);
    const b = faultlineRun("--trace", "syscalls", "--proc", "vmstat", exe);
    expect(a.status).toBe(0);
    expect(a.stderr).toMatch(/^(\[pid +\d+\] )?(timer_create|setitimer|timerfd_settime|setsockopt)\(/m);
    expect(a.stderr).toMatch(/^pgfault \d+$/m);
    expect(b.stdout).toBe(a.stdout);
    expect(b.stderr).toBe(a.stderr);
  }, 300_000);
});
