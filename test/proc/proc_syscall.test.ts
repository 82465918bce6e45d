// /proc/<pid>/syscall and /proc/<pid>/wchan (fs/proc/base.c) of a task in
// each state, against native runs of the same static programs: the reader
// in its own read, children asleep in calls of each kind, one running, and
// each one's zombie.
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCE = new URL("../native/proc/wchan_syscall.c", import.meta.url).pathname;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.x86_64_linux, TOOLS.dist))("wchan_syscall.c: each task's syscall line and wait channel are Linux's", () => {
    const exe = buildStatic(cc, SOURCE);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain("read a pipe: wchan anon_pipe_read, syscall 0 0x3, 9 fields\n  killed, a zombie: wchan 0, syscall -1 0x0 0x0\n");
    const ours = faultlineRun(exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(0);
  }, 300_000);
});
