// /proc/<pid>/limits (proc_pid_limits) against this machine's Linux: the
// same names, columns and units, every value what getrlimit says, before
// and after setrlimit, in a forked child and read by its parent; and the
// limits fork_init gives: RLIMIT_NPROC and RLIMIT_SIGPENDING both half of
// max_threads, soft and hard, as native shows them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCE = new URL("../native/procsys/limits.c", import.meta.url).pathname;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("limits.c built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist))("reads as natively, each value getrlimit's", () => {
    const exe = buildStatic(cc, SOURCE);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toMatch(/^child: 16 limits, 16 agree with getrlimit$/m);
    const ours = faultlineRun(exe);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(native.stdout);
  }, 300_000);
});

describe.runIf(needs(TOOLS.busybox, TOOLS.dist))("the limits a boot gives", () => {
  it("RLIMIT_NPROC and RLIMIT_SIGPENDING are each half of max_threads, soft and hard, as on this machine", () => {
    const line = (text: string, name: string) => text.split("\n").find((l) => l.startsWith(name))!.split(/ {2,}/).slice(1, 3);
    const native = readFileSync("/proc/self/limits", "utf8");
    expect(line(native, "Max pending signals")).toEqual(line(native, "Max processes"));
    const ours = faultlineRun("/bin/busybox", "cat", "/proc/self/limits").stdout;
    // 256 MiB: max_threads is its RAM pages over 32.
    expect(line(ours, "Max processes")).toEqual(["1011", "1011"]);
    expect(line(ours, "Max pending signals")).toEqual(["1011", "1011"]);
  });
});
