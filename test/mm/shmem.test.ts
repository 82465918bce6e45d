// tmpfs data as the kernel's shmem pages: a file bigger than RAM goes to
// swap and comes back with the native run's bytes; a shared mapping is
// seen by a forked child; ftruncate and unlink free the pages and the swap
// slots; Shmem, nr_shmem and RssShmem count them as Linux does; the
// invariants (swap_map against every swap entry, tmpfs mappings' included)
// hold while it thrashes, and a run is deterministic.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { allocIno } from "../../src/fs/pagecache.js";
import type { ShmemData } from "../../src/fs/shmem.js";
import { machine, withLeakCheck } from "../helpers/machine.js";
import { needs, TOOLS } from "../helpers/tools.js";
import { buildStatic, vmstatOf } from "../helpers/native_build.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SOURCE = new URL("../native/shmem/tmpfs_sum.c", import.meta.url).pathname;
const MiB = 1 << 20;
const PAGE = 4096;

const build = (cc: string) => buildStatic(cc, SOURCE);

/** Byte arrays compared whole (toEqual walks them an element at a time). */
function expectSame(a: Uint8Array, b: Uint8Array): void {
  expect(a.length).toBe(b.length);
  expect(Buffer.compare(a, b)).toBe(0);
}

/** Pseudo-random bytes (xorshift32), the same for the same seed. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe("tmpfs data in the kernel", () => {
  it("are shmem pages: counted in nr_shmem and Shmem, read back, cut by ftruncate, freed on unlink", () => {
    const k = machine("64M", "debug");
    withLeakCheck(k, () => {
      const f = k.pageCache.shmemFile(allocIno())!;
      const data = bytes(MiB + 100, 7);
      expect(f.write(0, data)).toBe(data.length);
      expect(f.size()).toBe(MiB + 100);
      expect(k.counter("nr_shmem")).toBe(257);
      expect(k.checkInvariants()).toBe(0);
      const back = new Uint8Array(data.length);
      expect(f.read(0, back)).toBe(data.length);
      expectSame(back, data);
      // A hole reads as zeros and costs no page.
      expect(f.truncate(8 * MiB)).toBe(0);
      const hole = new Uint8Array(3 * PAGE).fill(1);
      expect(f.read(4 * MiB, hole)).toBe(hole.length);
      expectSame(hole, new Uint8Array(3 * PAGE));
      expect(k.counter("nr_shmem")).toBe(257);
      // Shrinking frees the pages past the end and zeroes the partial one's tail.
      expect(f.truncate(5000)).toBe(0);
      expect(k.counter("nr_shmem")).toBe(2);
      expect(f.truncate(2 * PAGE)).toBe(0);
      const tail = new Uint8Array(2 * PAGE);
      f.read(0, tail);
      expectSame(tail.subarray(0, 5000), data.subarray(0, 5000));
      expectSame(tail.subarray(5000), new Uint8Array(2 * PAGE - 5000));
      expect(k.checkInvariants()).toBe(0);
      f.release();
      expect(k.counter("nr_shmem")).toBe(0);
      expect(k.pageCache.liveInodes).toBe(0);
    });
  });

  it("go to swap when bigger than RAM, come back on read without a major fault, and ftruncate and unlink free the slots", () => {
    const k = machine("16M", "debug", { swap: "64M" });
    const f: ShmemData = k.pageCache.shmemFile(allocIno())!;
    const data = bytes(24 * MiB, 99);
    for (let pos = 0; pos < data.length; pos += 64 * 1024) expect(f.write(pos, data.subarray(pos, pos + 64 * 1024))).toBe(64 * 1024);
    expect(k.counter("pswpout")).toBeGreaterThan(8 * MiB / PAGE);
    expect(k.counter("nr_shmem")).toBeLessThan(16 * MiB / PAGE);
    expect(k.swapInfo().used).toBeGreaterThan(8 * MiB / PAGE);
    expect(k.checkInvariants(), k.dmesg()).toBe(0);
    const majfault = k.counter("pgmajfault");
    const back = new Uint8Array(data.length);
    for (let pos = 0; pos < data.length; pos += 12345) f.read(pos, back.subarray(pos, Math.min(pos + 12345, data.length)));
    expectSame(back, data);
    expect(k.counter("pswpin")).toBeGreaterThan(8 * MiB / PAGE);
    // read(2) of a swapped tmpfs page is no fault: Linux counts no PGMAJFAULT for it.
    expect(k.counter("pgmajfault")).toBe(majfault);
    expect(k.checkInvariants(), k.dmesg()).toBe(0);
    // Cut to 1 MiB: what is left of the file is at most 256 pages, in RAM or in swap.
    expect(f.truncate(MiB)).toBe(0);
    expect(k.counter("nr_shmem") + k.swapInfo().used - k.counter("nr_swapcached")).toBeLessThanOrEqual(MiB / PAGE);
    expect(k.checkInvariants(), k.dmesg()).toBe(0);
    const first = new Uint8Array(MiB);
    f.read(0, first);
    expectSame(first, data.subarray(0, MiB));
    f.release();
    expect(k.counter("nr_shmem")).toBe(0);
    expect(k.swapInfo().used).toBe(0);
    expect(k.pageCache.liveInodes).toBe(0);
    expect(k.checkInvariants(), k.dmesg()).toBe(0);
  });

  it("show in /proc/meminfo's Shmem and Cached as Linux counts them", () => {
    const m = new Machine(loadKernelModule("release"), { mem: "64M" });
    const field = (name: string) => Number(new RegExp(`^${name}: +(\\d+) kB$`, "m").exec(m.proc("meminfo"))![1]);
    const cached = field("Cached");
    expect(field("Shmem")).toBe(0);
    const f = m.kernel.pageCache.shmemFile(allocIno())!;
    f.write(0, bytes(3 * MiB, 3));
    expect(field("Shmem")).toBe(3 * 1024);
    expect(field("Cached")).toBe(cached + 3 * 1024);
    expect(field("ShmemHugePages")).toBe(0);
    f.release();
    expect(field("Shmem")).toBe(0);
  });
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("a program's tmpfs file bigger than RAM", () => {
  it("gives the native output (write, read, shared mapping seen by a forked child, ftruncate, fault counts, RssShmem) twice alike", () => {
    const exe = build("gcc");
    const native = spawnSync(exe, ["/dev/shm", "24"], { encoding: "utf8" });
    expect(native.status).toBe(0);
    const args = [CLI, "run", "--mem", "16M", "--swap", "64M", "--proc", "vmstat", "--proc", "meminfo", exe, "/tmp", "24"];
    const a = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 300_000 });
    expect(a.stdout).toBe(native.stdout);
    expect(a.status).toBe(0);
    const v = vmstatOf(a.stderr);
    expect(v.get("pswpout")).toBeGreaterThan(8 * MiB / PAGE);
    expect(v.get("pswpin")).toBeGreaterThan(0);
    expect(v.get("pgmajfault")).toBeGreaterThan(0);
    expect(v.get("oom_kill")).toBe(0);
    const b = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 300_000 });
    expect(b.stdout).toBe(a.stdout);
    expect(b.stderr).toBe(a.stderr);
  });

  it("keeps every invariant while it thrashes, and leaves no page, inode or swap slot behind", () => {
    const exe = readFileSync(build("gcc"));
    let stdout = "";
    const m = new Machine(loadKernelModule("debug"), { mem: "16M", swap: "48M", stdout: (b) => (stdout += new TextDecoder().decode(b)) });
    let faults = 0;
    m.faultHook = {
      beforeFault() {},
      afterFault() {
        if (++faults % 3000 === 0) {
          const before = m.kernel.dmesg().length;
          expect(m.kernel.checkInvariants(), m.kernel.dmesg().slice(before)).toBe(0);
        }
      },
    };
    m.exec(exe, ["tmpfs_sum", "/tmp", "20"]);
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
    expect(stdout).toMatch(/^size 20971520\nread: [0-9a-f]{16}\n/);
    expect(faults).toBeGreaterThan(6000);
    expect(m.kernel.counter("pswpout")).toBeGreaterThan(0);
    expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
    expect(m.kernel.counter("nr_shmem")).toBe(0);
    expect(m.kernel.pageCache.liveInodes).toBe(0);
    expect(m.kernel.swapInfo().used).toBe(m.kernel.counter("nr_swapcached"));
  });
});
