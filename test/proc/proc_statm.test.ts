// /proc/<pid>/statm (task_statm) against this machine's Linux: the same
// counters /proc/<pid>/status shows, in pages; a mapping, its first writes,
// a shared file mapping and munmap move them as natively; a zombie's reads
// all zeros.
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCE = new URL("../native/procsys/statm.c", import.meta.url).pathname;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("statm.c built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist))("agrees with status and moves as natively", () => {
    const exe = buildStatic(cc, SOURCE);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toMatch(/^write 40 of them: size \+0, resident \+40$/m);
    const ours = faultlineRun(exe);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(native.stdout);
  }, 300_000);
});
