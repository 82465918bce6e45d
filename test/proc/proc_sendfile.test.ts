// sendfile from /proc files against native runs of the same static
// programs: the kernel-wide files and /proc/<pid>/mounts and mountinfo
// splice, every other /proc/<pid> file is EINVAL (no splice_read).
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCE = new URL("../native/proc/proc_sendfile.c", import.meta.url).pathname;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.x86_64_linux, TOOLS.dist))("proc_sendfile.c: which /proc files sendfile reads from is Linux's", () => {
    const exe = buildStatic(cc, SOURCE);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain("/proc/self/status: Invalid argument\n");
    const ours = faultlineRun(exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(0);
  }, 300_000);
});
