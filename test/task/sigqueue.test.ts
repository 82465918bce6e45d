// rt_sigqueueinfo and rt_tgsigqueueinfo (kernel/signal.c): the caller's
// siginfo reaches the handler and sigwaitinfo, real-time signals queue
// each their own value, and the si_code and argument checks fail as Linux
// fails them; compared with native runs of the same program.
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const source = new URL("../native/libc/sigqueue.c", import.meta.url).pathname;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("sigqueue.c built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist))("queues the caller's siginfo as Linux does", () => {
    const exe = buildStatic(cc, source);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain("code 0 to another process: Operation not permitted");
    const ours = faultlineRun(exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.stderr).toBe("");
    expect(ours.status).toBe(0);
  }, 300_000);
});
