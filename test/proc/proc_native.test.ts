// /proc files against native runs of the same static programs (glibc and
// musl): /proc/<pid>/syscall and wchan of a task in each state (the reader
// in its own read, children asleep in calls of each kind, one running, each
// one's zombie), and which /proc files sendfile reads from.
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

/** Each program, and a line its native run must print (so that a run that went wrong natively does not pass). */
const PROGRAMS = [
  ["wchan_syscall.c", "read a pipe: wchan anon_pipe_read, syscall 0 0x3, 9 fields\n  killed, a zombie: wchan 0, syscall -1 0x0 0x0\n"],
  ["proc_sendfile.c", "/proc/self/status: Invalid argument\n"],
] as const;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.x86_64_linux, TOOLS.dist)).each(PROGRAMS)("%s prints what it prints natively", (source, line) => {
    const exe = buildStatic(cc, new URL(`../native/proc/${source}`, import.meta.url).pathname);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain(line);
    const ours = faultlineRun(exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(0);
  }, 300_000);
});
