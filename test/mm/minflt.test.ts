// Fault counts against Linux's: test/native/minflt.c measures getrusage's
// ru_minflt around workloads, natively and under faultline; each count must be
// within a few of this machine's. The read of a read-only file mapping
// counts what fault-around finds cached: the program's read() of the file
// first brought it all in with read-ahead, natively and here.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SRC = new URL("../native/minflt.c", import.meta.url).pathname;
/** "Within a few of Linux's". */
const FEW = 3;

const counts = (out: string): Map<string, number> =>
  new Map(out.trim().split("\n").map((l) => [l.slice(0, l.lastIndexOf(":")), Number(l.slice(l.lastIndexOf(":") + 1))]));

describe.each([
  ["glibc", "gcc", TOOLS.gcc],
  ["musl", "musl-gcc", TOOLS.musl_gcc],
] as const)("minor faults of a %s program against native ones", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist))("each workload's ru_minflt is within a few of this machine's", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-minflt-"));
    const exe = join(dir, "minflt");
    expect(spawnSync(cc, ["-O2", "-static", "-o", exe, SRC], { encoding: "utf8" }).stderr).toBe("");
    const native = counts(spawnSync(exe, { encoding: "utf8" }).stdout);
    const ours = counts(spawnSync(process.execPath, [CLI, "run", exe], { encoding: "utf8" }).stdout);
    expect([...ours.keys()]).toEqual([...native.keys()]);
    for (const [what, n] of native) {
      expect(n, what).toBeGreaterThan(0);
      expect(Math.abs(ours.get(what)! - n), `${what}: ours ${ours.get(what)}, native ${n}`).toBeLessThanOrEqual(FEW);
    }
  });
});
