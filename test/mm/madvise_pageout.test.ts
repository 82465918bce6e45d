// MADV_PAGEOUT under faultline alone (this machine has no swap, and its file
// system's large folios are not paged out in part): anonymous pages go to
// swap at once and come back by major faults; a private mapping's clean file
// pages leave the page cache and are read back; without swap the anonymous
// pages stay. (test/native/libc/madvise_reclaim.c compares the rest natively.)
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const PAGEOUT = new URL("../native/swap/pageout.c", import.meta.url).pathname;

describe.each([["glibc", "gcc", TOOLS.gcc], ["musl", "musl-gcc", TOOLS.musl_gcc]] as const)("%s", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist))("pageout.c: pages leave for swap or the disk at once, and fault back in", () => {
    const exe = buildStatic(cc, PAGEOUT);
    const data = join(dirname(exe), "data");
    writeFileSync(data, new Uint8Array(4 * 4096).map((_, i) => (i * 7) | 1));
    const majors = (out: string) => [...out.matchAll(/read back: .*?(\d+) major faults/g)].map((m) => Number(m[1]));

    const swapped = faultlineRun("--swap", "64M", exe, data);
    expect(swapped.status).toBe(0);
    expect(swapped.stdout).toMatch(/^anon: 11111111\npageout 4 of 8: 0\nanon: 11000011\nVmSwap: 16 kB\nread back: sum 36, \d+ major faults\nanon: 11111111\n/);
    expect(swapped.stdout).toContain("file: 1111\npageout file: 0\nfile: 0000\nread back: ");
    expect(swapped.stdout).toMatch(/file: 1111\n$/);
    for (const n of majors(swapped.stdout)) expect(n).toBeGreaterThan(0);

    const noSwap = faultlineRun(exe, data);
    expect(noSwap.status).toBe(0);
    expect(noSwap.stdout).toMatch(/^anon: 11111111\npageout 4 of 8: 0\nanon: 11111111\nVmSwap: 0 kB\nread back: sum 36, 0 major faults\n/);
    expect(noSwap.stdout).toContain("file: 1111\npageout file: 0\nfile: 0000\n");
  }, 300_000);
});
