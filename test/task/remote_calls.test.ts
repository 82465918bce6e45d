// The calls that reach into another process, against native runs of the
// same programs: rt_sigqueueinfo and rt_tgsigqueueinfo (kernel/signal.c:
// the caller's siginfo reaches the handler and sigwaitinfo, real-time
// signals queue each their own value, si_code and argument checks fail as
// Linux's), process_vm_readv and process_vm_writev (mm/process_vm_access.c:
// through the other process's page tables, faulting its pages in, cut short
// at a page either side cannot reach).
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const PROGRAMS = [
  ["sigqueue.c", "code 0 to another process: Operation not permitted"],
  ["process_vm.c", "child saw: HELLO HELLO xyz"],
] as const;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist)).each(PROGRAMS)("%s runs as natively", (name, line) => {
    const exe = buildStatic(cc, new URL(`../native/libc/${name}`, import.meta.url).pathname);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain(line);
    const ours = faultlineRun(exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.stderr).toBe("");
    expect(ours.status).toBe(0);
  }, 300_000);
});
