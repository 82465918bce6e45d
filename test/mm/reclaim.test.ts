// Memory pressure: reclaim, kswapd and swap, against real references.
// A program whose working set is larger than RAM gives its native output
// when it runs with swap; the kernel's invariants (LRU lists, swap_map
// against every swap pte and the swap cache) hold while it thrashes;
// a forked child and its parent keep their own data through swap-out and
// swap-in; kswapd keeps free memory above min; the same run twice gives
// the same counters; /proc/meminfo and /proc/swaps have Linux's format.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { needs, TOOLS } from "../helpers/tools.js";
import { buildStatic, vmstatOf } from "../helpers/native_build.js";
import { bootProcs, expectInvariants, Proc, PAGE } from "../helpers/processes.js";
import { machine } from "../helpers/machine.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SOURCE = new URL("../native/swap/swap_sum.c", import.meta.url).pathname;
const MiB = 1 << 20;

const build = (cc: string) => buildStatic(cc, SOURCE);

describe.each([
  ["glibc", "gcc", TOOLS.gcc],
  ["musl", "musl-gcc", TOOLS.musl_gcc],
] as const)("a %s program with a working set three times RAM", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist))("gives its native output with swap: pages go out and come back", () => {
    const exe = build(cc);
    const native = spawnSync(exe, ["24", "3"], { encoding: "utf8" });
    const ours = spawnSync(process.execPath, [CLI, "run", "--mem", "16M", "--swap", "64M", "--proc", "vmstat", exe, "24", "3"],
      { encoding: "utf8", timeout: 300_000 });
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(native.status);
    const v = vmstatOf(ours.stderr);
    expect(v.get("pswpout")).toBeGreaterThan(24 * MiB / PAGE / 2);
    expect(v.get("pswpin")).toBeGreaterThan(0);
    expect(v.get("pgmajfault")).toBeGreaterThan(0);
    expect(v.get("pgsteal_anon")).toBeGreaterThan(0);
    expect(v.get("pgscan_kswapd")! + v.get("pgscan_direct")!).toBeGreaterThanOrEqual(v.get("pgsteal_kswapd")! + v.get("pgsteal_direct")!);
    expect(v.get("oom_kill")).toBe(0);
  });
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("a thrashing run", () => {
  it("is deterministic: two processes print byte-identical counters and views", () => {
    const exe = build("gcc");
    const args = [CLI, "run", "--mem", "16M", "--swap", "32M", "--proc", "vmstat", "--proc", "meminfo", "--proc", "swaps", exe, "20", "2"];
    const a = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 300_000 });
    const b = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 300_000 });
    expect(a.status).toBe(0);
    expect(vmstatOf(a.stderr).get("pswpout")).toBeGreaterThan(0);
    expect(b.stdout).toBe(a.stdout);
    expect(b.stderr).toBe(a.stderr);
  });

  it("keeps every invariant, kswapd keeps free memory above min, and nothing leaks at exit", () => {
    const exe = readFileSync(build("gcc"));
    let stdout = "";
    const m = new Machine(loadKernelModule("debug"), { mem: "16M", swap: "48M", stdout: (b) => (stdout += new TextDecoder().decode(b)) });
    const min = m.kernel.zones().reduce((s, z) => s + (z.managed ? z.watermark[0] : 0), 0);
    let faults = 0;
    let lowest = Infinity;
    m.faultHook = {
      beforeFault() {},
      afterFault() {
        // Free: on the buddy lists and the per-cpu lists (whose refills take a batch at a time).
        const zones = m.kernel.zones();
        lowest = Math.min(lowest, zones.reduce((s, z) => s + z.pcp.count, m.kernel.counter("nr_free_pages")));
        if (++faults % 2000 === 0) {
          const before = m.kernel.dmesg().length;
          expect(m.kernel.checkInvariants(), m.kernel.dmesg().slice(before)).toBe(0);
        }
      },
    };
    m.exec(exe, ["swap_sum", "20", "2"]);
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
    expect(stdout).toMatch(/^pass 0: [0-9a-f]{16} [0-9a-f]{16}\npass 1: /);
    expect(faults).toBeGreaterThan(4000);
    expect(lowest).toBeGreaterThanOrEqual(min);
    expect(m.kernel.counter("pageoutrun")).toBeGreaterThan(0);
    // Every process has exited: swap holds only what the swap cache still has, the invariants hold.
    expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
    expect(m.kernel.swapInfo().used).toBe(m.kernel.counter("nr_swapcached"));
  });
});

describe("swap and fork", () => {
  it("a child and its parent keep their own data through swap-out, swap-in and copy-on-write", () => {
    const q = bootProcs("16M", "64M");
    const parent = Proc.create(q, 10);
    const n = 1024;  // 4 MiB of data
    const a = parent.mmap(n * PAGE);
    for (let i = 0; i < n; i++) parent.write(a + i * PAGE, i & 0xff);
    const child = parent.fork(11);
    // The child changes every other page (a COW copy each).
    for (let i = 0; i < n; i += 2) child.write(a + i * PAGE, 0xff - (i & 0xff));
    // A third process pushes both out to swap.
    const hog = Proc.create(q, 12);
    const h = hog.mmap(12 * MiB);
    for (let i = 0; i < 12 * MiB / PAGE; i++) hog.write(h + i * PAGE, 1);
    expect(q.k.counter("pswpout")).toBeGreaterThan(n / 2);
    expectInvariants(q);
    const swapents = (pr: Proc) => pr.counters()[2];  // MM_SWAPENTS
    expect(swapents(parent)).toBeGreaterThan(0);
    expect(swapents(child)).toBeGreaterThan(0);
    // Each reads its own bytes back; then the parent writes a page the child still shares.
    for (let i = 0; i < n; i++) expect(parent.read(a + i * PAGE).byte).toBe(i & 0xff);
    for (let i = 0; i < n; i++) expect(child.read(a + i * PAGE).byte).toBe(i % 2 ? i & 0xff : 0xff - (i & 0xff));
    expect(q.k.counter("pswpin")).toBeGreaterThan(0);
    expect(q.k.counter("pgmajfault")).toBeGreaterThan(0);
    parent.write(a + PAGE, 0x77);
    expect(child.read(a + PAGE).byte).toBe(1);
    expect(parent.read(a + PAGE).byte).toBe(0x77);
    expectInvariants(q);
    hog.exit();
    child.exit();
    parent.exit();
    expectInvariants(q);
    expect(q.k.swapInfo().used).toBe(q.k.counter("nr_swapcached"));
  });
});

describe("/proc/meminfo and /proc/swaps", () => {
  it("have Linux 6.18's fields, order and widths", () => {
    const real = readFileSync(new URL("../fixtures/linux-6.18-meminfo.txt", import.meta.url), "utf8");
    const k = machine("64M", "release", { swap: "256M" });
    const m = new Machine(loadKernelModule("release"), { mem: "64M", swap: "256M" });
    const ours = m.proc("meminfo");
    // Same names in the same order, each line as wide (the values are 8 columns wide in both).
    const shape = (text: string) => text.split("\n").map((l) => [l.split(":")[0], l.length, l.endsWith(" kB")]);
    expect(shape(ours)).toEqual(shape(real));
    expect(ours).toMatch(/^MemTotal: +\d+ kB\n/);
    expect(ours).toContain(`SwapTotal:        ${262140} kB\nSwapFree:         262140 kB\n`);
    // A swap device of 256 MiB: its header page is not swap (262140 kB, as mkswap's device shows).
    expect(m.proc("swaps")).toBe("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/vdb                                partition\t262140\t\t0\t\t-2\n");
    expect(new Machine(loadKernelModule("release"), { mem: "64M" }).proc("swaps")).toBe("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
    expect(k.swapInfo()).toEqual({ total: 65535, used: 0, free: 65535 });
  });
});

describe("sysctls", () => {
  it("are read by the guest under /proc/sys/vm and set with --sysctl; min_free_kbytes moves the watermarks", () => {
    const m = new Machine(loadKernelModule("release"), { mem: "64M", sysctl: { "vm.swappiness": 100, "vm.min_free_kbytes": 4096 } });
    expect(m.proc("sys/vm/swappiness")).toBe("100\n");
    expect(m.proc("sys/vm/min_free_kbytes")).toBe("4096\n");
    expect(m.proc("sys/vm/page-cluster")).toBe("3\n");
    expect(m.proc("sys/vm/overcommit_memory")).toBe("0\n");
    // Split over the zones by size (ZONE_MOVABLE, empty, keeps its fixed floor).
    const min = m.kernel.zones().reduce((s, z) => s + (z.name === "Movable" ? 0 : z.watermark[0]), 0);
    expect(min).toBeGreaterThan(4096 / 4 - 3);
    expect(min).toBeLessThanOrEqual(4096 / 4);
    expect(() => new Machine(loadKernelModule("release"), { sysctl: { "vm.swappiness": 201 } })).toThrow(/Invalid argument/);
    expect(() => new Machine(loadKernelModule("release"), { sysctl: { "vm.nosuch": 1 } })).toThrow(/No such file/);
  });

  it.runIf(needs(TOOLS.busybox, TOOLS.dist))("a guest cat reads them", () => {
    const r = spawnSync(process.execPath, [CLI, "run", "--sysctl", "vm.swappiness=7", "/bin/busybox", "cat", "/proc/sys/vm/swappiness", "/proc/swaps"],
      { encoding: "utf8" });
    expect(r.stdout).toBe("7\nFilename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
  });
});
