// Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, MAP_SHARED of
// /dev/zero) is an unlinked tmpfs file, as shmem_zero_setup makes it: a
// program sees what it sees natively (the maps line, faults, RssShmem, a
// forked child's writes, mremap, SIGBUS past the end, its bytes after
// swap); /proc names the inode, meminfo counts its pages as Shmem; every
// invariant holds while it swaps, and exit leaves no page, inode or slot.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { needs, TOOLS } from "../helpers/tools.js";
import { buildStatic, runLikeNative } from "../helpers/native_build.js";

const SOURCE = new URL("../native/shmem/shared_anon.c", import.meta.url).pathname;

describe.each([
  { libc: "glibc", cc: "gcc", tools: [TOOLS.gcc, TOOLS.libc_a] },
  { libc: "musl", cc: "musl-gcc", tools: [TOOLS.musl_gcc] },
])("shared anonymous memory of a $libc program", ({ cc, tools }) => {
  it.runIf(needs(...tools, TOOLS.dist))("gives the native output, through swap, twice alike", () => {
    const exe = buildStatic(cc, SOURCE);
    expect(spawnSync(exe, ["1"], { encoding: "utf8" }).stdout).toContain("write faults 16, read faults 16");
    const v = runLikeNative(exe, ["24"], ["--mem", "16M", "--swap", "64M"]);
    expect(v.get("pswpout")).toBeGreaterThan(1000);
    expect(v.get("pswpin")).toBeGreaterThan(0);
    expect(v.get("oom_kill")).toBe(0);
  });
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a))("shared anonymous memory in the kernel", () => {
  it("is a /dev/zero (deleted) inode in maps, Shmem in meminfo; invariants hold while it swaps; exit frees it all", () => {
    const exe = readFileSync(buildStatic("gcc", SOURCE));
    let stdout = "";
    const m = new Machine(loadKernelModule("debug"), { mem: "16M", swap: "48M", stdout: (b) => (stdout += new TextDecoder().decode(b)) });
    const zeroLines = new Set<string>();
    let faults = 0;
    let shmemSeen = 0;
    m.faultHook = {
      beforeFault() {},
      afterFault() {
        if (++faults % 2000) return;
        const before = m.kernel.dmesg().length;
        expect(m.kernel.checkInvariants(), m.kernel.dmesg().slice(before)).toBe(0);
        // Every page of tmpfs is a shmem page: meminfo's Shmem is nr_shmem.
        const shmem = Number(/^Shmem: +(\d+) kB$/m.exec(m.proc("meminfo"))![1]);
        expect(shmem).toBe(m.kernel.counter("nr_shmem") * 4);
        shmemSeen = Math.max(shmemSeen, shmem);
        for (const [, ino] of m.proc("self/maps").matchAll(/^[0-9a-f]+-[0-9a-f]+ rw-s 00000000 00:01 (\d+) +\/dev\/zero \(deleted\)$/gm)) {
          expect(m.kernel.pageCache.zeroInodes.has(Number(ino))).toBe(true);
          zeroLines.add(ino);
        }
      },
    };
    m.exec(exe, ["shared_anon", "20"]);
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
    expect(stdout).toMatch(/^maps: rw-s 00000000 00:01 \/dev\/zero \(deleted\)\n/);
    expect(stdout).toMatch(/after fork: 1 7 16 9 4\n/);
    expect(zeroLines.size).toBeGreaterThan(0);
    expect(shmemSeen).toBeGreaterThan(1024);
    expect(m.kernel.counter("pswpout")).toBeGreaterThan(0);
    expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
    expect(m.kernel.counter("nr_shmem")).toBe(0);
    expect(m.kernel.pageCache.liveInodes).toBe(0);
    expect(m.kernel.pageCache.zeroInodes.size).toBe(0);
    expect(m.kernel.swapInfo().used).toBe(m.kernel.counter("nr_swapcached"));
  });
});
