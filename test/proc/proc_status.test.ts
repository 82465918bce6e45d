// /proc/<pid>/status in full (proc_pid_status): a program that set its
// umask, blocks, ignores and catches signals, has some pending, holds a
// descriptor at 300 and slept three times, reads its own and a sleeping
// child's, compared with the same program run natively. SigQ counts every
// root process's queued signals on a real machine, so only faultline's is
// checked exactly.
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const source = new URL("../native/procsys/proc_status.c", import.meta.url).pathname;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("proc_status.c built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist))("shows Linux's fields in Linux's order, with the task's own values", () => {
    const exe = buildStatic(cc, source);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(Number(/^SigQ:\t(\d+)\//m.exec(native.stderr)![1])).toBeGreaterThanOrEqual(3);
    const ours = faultlineRun(exe);
    expect(ours.stdout).toBe(native.stdout);
    // SIGUSR1, SIGTERM and SIGRTMIN+1 queued; RLIMIT_SIGPENDING is half of max_threads (test/proc/proc_limits.test.ts). Three nanosleeps.
    expect(ours.stderr).toBe("SigQ:\t3/1011\nvoluntary_ctxt_switches:\t3\n");
    expect(ours.status).toBe(0);
  }, 300_000);
});

describe.runIf(needs(TOOLS.busybox, TOOLS.dist))("busybox ps", () => {
  it("shows each process's parent and state as Linux does: the shell and its sleeping child S, ps itself R", () => {
    // ps once sleep has exec'd and sleeps (its status says so).
    const script = 'sleep 5 & until grep -q "^State:.S" /proc/$!/status && grep -q "^Name:.sleep" /proc/$!/status; do :; done; '
      + "ps -o pid,ppid,stat,comm; kill $!";
    // Natively: the rows of this shell's children (the host's other processes differ), without the N a niced run adds.
    const native = runIn("/bin/busybox", ["sh", "-c", script]).stdout.split("\n").map((l) => l.trim().split(/\s+/))
      .map(([pid, ppid, stat, comm]) => [pid, ppid, stat?.replace("N", ""), comm]);
    const ps = native.find((r) => r[3] === "ps")!;
    expect(native.filter((r) => r[1] === ps[1]).map((r) => `${r[2]} ${r[3]}`)).toEqual(["S sleep", "R ps"]);
    expect(native.find((r) => r[0] === ps[1])!.slice(2)).toEqual(["S", "busybox"]);
    expect(faultlineRun("/bin/busybox", "sh", "-c", script).stdout).toBe([
      "PID   PPID  STAT COMMAND",
      "    1     0 S    busybox",
      "    2     0 SW   kthreadd",
      "    3     2 SW   kcompactd0",
      "    4     2 SW   kswapd0",
      "    5     1 S    sleep",
      "    8     1 R    ps",
      "",
    ].join("\n"));
  }, 300_000);
});
