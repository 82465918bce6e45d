// Reclaim on a machine of several nodes, by Linux's rules: each node has
// its own LRU lists and counters (folio_lruvec is the page's node's), so an
// allocation bound to node 1 that outgrows it wakes node 1's kswapd
// (wake_all_kswapds walks only the nodemask's zones) and direct reclaim
// shrinks node 1 only (shrink_zones under the nodemask), never handing out
// a node-0 page; node 0's lists and kswapd are left alone. First touch past
// the local node goes remote when vm.zone_reclaim_mode is 0 (numa_miss on
// node 1, numa_foreign on node 0); with RECLAIM_ZONE the allocator first
// reclaims the local node's unmapped page cache (node_reclaim) and stays
// local. The views (node meminfo, zoneinfo's per-node stats) show each
// node's own figures, summing to the machine's, and the sysctls read and
// write as Linux's.
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKernelModule } from "../../src/cli/load.js";
import { nodeHostFs } from "../../src/cli/host_fs.js";
import { Machine, type MachineOptions } from "../../src/machine.js";
import { meminfo, vmstat, zoneinfo } from "../../src/proc/index.js";
import { nodeMeminfo } from "../../src/proc/node.js";
import type { Kernel } from "../../src/kernel.js";
import { reclaimValues } from "../../web/views.js";
import { buildStatic } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCE = new URL("../native/numa/reclaim.c", import.meta.url).pathname;
const module = loadKernelModule("debug");
const PAGE = 4096;
const LRU = ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file"];

interface Sample { fault: number; node: Array<Map<string, number>> }

/** The program under a two-node machine; every 500th fault checks the invariants and samples each node's counters. */
function run(exe: string, args: string[], options: MachineOptions, watermarkBoostFactor?: number) {
  let stdout = "";
  const m = new Machine(module, { ...options, fs: nodeHostFs(), cwd: "/", stdout: (b) => (stdout += new TextDecoder().decode(b)) });
  if (watermarkBoostFactor !== undefined) m.k.set_watermark_boost_factor(watermarkBoostFactor);
  const samples: Sample[] = [];
  let faults = 0;
  m.faultHook = {
    beforeFault() {},
    afterFault() {
      if (++faults % 500) return;
      const before = m.kernel.dmesg().length;
      expect(m.kernel.checkInvariants(), m.kernel.dmesg().slice(before)).toBe(0);
      checkViews(m.kernel);
      samples.push({ fault: faults, node: [0, 1].map((nid) => m.kernel.nodeStat(nid)) });
    },
  };
  m.exec(new Uint8Array(readFileSync(exe)), [exe, ...args]);
  const end = m.run(5e9);
  expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
  const placed = /^N0=(\d+) N1=(\d+) absent=(\d+) other=(\d+) bad=(\d+)$/.exec(stdout.trim());
  expect(placed, stdout).not.toBeNull();
  const [n0, n1, absent, other, bad] = placed!.slice(1).map(Number);
  const kthread = (comm: string) => m.kthreads.threads.find((t) => t.comm === comm)!;
  return { m, end, stdout, samples, n0, n1, absent, other, bad, kthread, v: (name: string) => m.kernel.counter(name) };
}

const lruPages = (s: Map<string, number>) => LRU.reduce((sum, name) => sum + s.get(name)!, 0);

/** Each node's meminfo LRU lines sum to /proc/meminfo's; zoneinfo's per-node stats are each node's counters. */
function checkViews(k: Kernel): void {
  const kB = (text: string, re: RegExp) => new Map([...text.matchAll(re)].map((m) => [m[1], Number(m[2])]));
  const total = kB(meminfo(k), /^([A-Za-z()]+): +(\d+) kB$/gm);
  const nodes = [0, 1].map((nid) => kB(nodeMeminfo(k, nid), /^Node \d ([A-Za-z()]+): +(\d+) kB$/gm));
  for (const name of ["Active", "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)"]) {
    expect(nodes[0].get(name)! + nodes[1].get(name)!, name).toBe(total.get(name));
  }
  const perNode = [...zoneinfo(k).matchAll(/per-node stats\n {6}nr_inactive_anon +(\d+)\n {6}nr_active_anon +(\d+)\n {6}nr_inactive_file +(\d+)\n {6}nr_active_file +(\d+)/g)];
  expect(perNode.map((m) => m.slice(1).map(Number))).toEqual([0, 1].map((nid) => LRU.map((name) => k.nodeStat(nid).get(name))));
}

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a))("reclaim on a two-node machine with swap", () => {
  const exe = buildStatic("gcc", SOURCE);
  const bound = { numa: 2, mem: "64M", swap: "64M" };

  it("reclaims node 1 for a task bound to it that outgrows it (kswapd1 runs); node 0 is never used or reclaimed, nothing leaks", () => {
    const r = run(exe, ["bind", "48"], bound);
    expect(r.end).toEqual({ kind: "exit", status: 0 });
    // Every page read back right; each is on node 1 or in swap, none on node 0.
    expect({ n0: r.n0, other: r.other, bad: r.bad, total: r.n1 + r.absent }).toEqual({ n0: 0, other: 0, bad: 0, total: 48 * 256 });
    expect(r.n1).toBeGreaterThan(0);
    expect(r.absent).toBeGreaterThan(0);
    // 48M does not fit in node 1's 32M: node 1 was reclaimed, its pages swapped.
    expect(r.v("pgsteal_anon")).toBeGreaterThan(0);
    expect(r.v("pswpout")).toBeGreaterThanOrEqual(r.absent);
    expect(r.v("pgsteal_kswapd")).toBeGreaterThan(0);
    expect(r.kthread("kswapd1").runs).toBeGreaterThan(0);
    // Node 0's kswapd was never woken (the nodemask's zones only), so never ran.
    expect({ wakeups: r.kthread("kswapd0").wakeups, runs: r.kthread("kswapd0").runs }).toEqual({ wakeups: 0, runs: 0 });
    expect(r.samples.length).toBeGreaterThan(10);
    // Node 0's LRU is never shrunk: its pages only grow while the program runs (startup, before the bind).
    for (let i = 1; i < r.samples.length; i++) {
      expect(lruPages(r.samples[i].node[0])).toBeGreaterThanOrEqual(lruPages(r.samples[i - 1].node[0]));
    }
    // Node 1 holds the anonymous pages: its counters, not node 0's, carry them.
    const last = r.samples[r.samples.length - 1].node;
    expect(last[1].get("nr_inactive_anon")! + last[1].get("nr_active_anon")!).toBeGreaterThan(4096);
    expect(last[0].get("nr_anon_pages")).toBe(r.samples[0].node[0].get("nr_anon_pages"));
    // All gone at exit: no anonymous page on either node, and swap holds only what the swap cache still has.
    const k = r.m.kernel;
    expect([0, 1].map((nid) => k.nodeStat(nid).get("nr_anon_pages"))).toEqual([0, 0]);
    expect(k.swapInfo().used).toBe(k.counter("nr_swapcached"));
  });

  it("brings a page of a region bound to node 1 back from swap to node 1, whatever the task's policy (the VMA's policy, as alloc_page_vma)", () => {
    const r = run(exe, ["mbind", "48"], bound);
    expect(r.end).toEqual({ kind: "exit", status: 0 });
    expect({ n0: r.n0, other: r.other, bad: r.bad, total: r.n1 + r.absent }).toEqual({ n0: 0, other: 0, bad: 0, total: 48 * 256 });
    // The read-back pass swapped pages in (major faults), and none of them landed on node 0.
    expect(r.v("pswpin")).toBeGreaterThan(0);
    expect(r.v("pgmajfault")).toBeGreaterThan(0);
    expect(r.kthread("kswapd0").runs).toBe(0);
  });

  it("shows each node's LRU lists in the playground's memory-pressure panel", () => {
    const r = run(exe, ["bind", "40"], bound);
    const k = r.m.kernel;
    const panel = (nodes: number[]) => new Map(reclaimValues(new Map(k.vmstat()), k.swapInfo(), r.m.kthreads.threads, nodes.map((nid) => k.nodeStat(nid))));
    const two = panel([0, 1]);
    for (const nid of [0, 1]) for (const name of LRU) expect(two.get(`node ${nid} ${name.slice(3)}`)).toBe(k.nodeStat(nid).get(name));
    expect([...panel([0]).keys()].filter((n) => n.startsWith("node "))).toEqual([]);
  });

  it("gives byte-identical counters and per-node views on two runs", () => {
    const views = () => {
      const r = run(exe, ["bind", "40"], bound);
      const k = r.m.kernel;
      return r.stdout + vmstat(k) + nodeMeminfo(k, 0) + nodeMeminfo(k, 1) + zoneinfo(k);
    };
    const a = views();
    expect(a).toMatch(/^zone_reclaim_success 0$/m);
    expect(views()).toBe(a);
  });

  describe("first touch past the local node", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-numa-reclaim-"));
    const file = join(dir, "cache");
    // 40M of page cache on node 0 (read, kept open, mapped by no one), then 24M of anonymous memory: more than node 0 has left.
    // No watermark boosts (vm.watermark_boost_factor 0): kswapd is not woken by fallbacks, so only the allocator's choice shows.
    writeFileSync(file, Buffer.alloc(40 << 20, 0x5a));
    const touch = (mode: number) => run(exe, ["touch", file, "24"], { numa: "64M,64M", swap: "64M", sysctl: { "vm.zone_reclaim_mode": mode } }, 0);
    const fileCache = (r: ReturnType<typeof run>) => r.samples.map((s) => s.node[0].get("nr_file_pages")!);

    it("spills to node 1 with zone_reclaim_mode 0: numa_miss on node 1, numa_foreign on node 0, nothing reclaimed", () => {
      const r = touch(0);
      expect(r.end).toEqual({ kind: "exit", status: 0 });
      expect(r.n0 + r.n1).toBe(24 * 256);
      expect(r.n1).toBeGreaterThan(0);
      const [, miss, foreign] = r.m.kernel.numaEvents();
      const node1 = r.m.kernel.zones(1).filter((z) => z.present).map((z) => r.m.kernel.numaEvents({ nid: 1, idx: z.idx })[1]);
      expect(miss).toBeGreaterThanOrEqual(r.n1);
      expect(foreign).toBe(miss);
      expect(node1.reduce((a, b) => a + b, 0)).toBe(miss);
      expect({ success: r.v("zone_reclaim_success"), failed: r.v("zone_reclaim_failed"), steal: r.v("pgsteal_kswapd") + r.v("pgsteal_direct") })
        .toEqual({ success: 0, failed: 0, steal: 0 });
      // The page cache stays: node 0's file pages never drop.
      const cache = fileCache(r);
      expect(Math.max(...cache)).toBeGreaterThan(40 * 256);
      expect(cache[cache.length - 1]).toBe(Math.max(...cache));
    });

    it("stays local with zone_reclaim_mode 1: node 0's unmapped page cache is reclaimed first (zone_reclaim_success)", () => {
      const r = touch(1);
      expect(r.end).toEqual({ kind: "exit", status: 0 });
      expect({ n0: r.n0, n1: r.n1 }).toEqual({ n0: 24 * 256, n1: 0 });
      expect(r.m.kernel.numaEvents()[1]).toBe(0);
      expect(r.v("zone_reclaim_success")).toBeGreaterThan(0);
      // RECLAIM_ZONE alone neither unmaps nor writes: only clean, unmapped file pages went.
      expect(r.v("pgsteal_file")).toBeGreaterThan(0);
      expect({ anon: r.v("pgsteal_anon"), pswpout: r.v("pswpout") }).toEqual({ anon: 0, pswpout: 0 });
      const cache = fileCache(r);
      expect(cache[cache.length - 1]).toBeLessThan(Math.max(...cache));
    });
  });
});

describe("zone_reclaim_mode and min_unmapped_ratio", () => {
  it("has vm.zone_reclaim_mode (default 0) and vm.min_unmapped_ratio (default 1) on two nodes, as this machine's Linux", () => {
    const m = new Machine(module, { numa: 2 });
    expect(m.proc("sys/vm/zone_reclaim_mode")).toBe("0\n");
    expect(m.proc("sys/vm/min_unmapped_ratio")).toBe("1\n");
    const w = new Machine(module, { numa: 2, sysctl: { "vm.zone_reclaim_mode": 7, "vm.min_unmapped_ratio": 100 } });
    expect(w.proc("sys/vm/zone_reclaim_mode")).toBe("7\n");
    expect(w.proc("sys/vm/min_unmapped_ratio")).toBe("100\n");
    expect(() => new Machine(module, { numa: 2, sysctl: { "vm.min_unmapped_ratio": 101 } })).toThrow(/Invalid argument/);
    // zone_reclaim_success and _failed follow pgsteal_file, as in Linux 6.18's vmstat.
    const names = vmstat(m.kernel).split("\n").map((l) => l.split(" ")[0]);
    expect(names.slice(names.indexOf("pgsteal_file"), names.indexOf("pgsteal_file") + 3)).toEqual(["pgsteal_file", "zone_reclaim_success", "zone_reclaim_failed"]);
  });

  it.runIf(needs(TOOLS.x86_64_linux))("reads the defaults this machine's Linux has", () => {
    const m = new Machine(module, { numa: 2 });
    for (const name of ["zone_reclaim_mode", "min_unmapped_ratio"]) {
      expect(m.proc(`sys/vm/${name}`)).toBe(readFileSync(`/proc/sys/vm/${name}`, "utf8"));
    }
  });

  it("has neither on one node (a UMA kernel), nor the zone_reclaim counters", () => {
    const m = new Machine(module, {});
    expect(() => m.proc("sys/vm/zone_reclaim_mode")).toThrow(/no \/proc\/sys\/vm\/zone_reclaim_mode/);
    expect(() => new Machine(module, { sysctl: { "vm.zone_reclaim_mode": 1 } })).toThrow(/No such file or directory/);
    expect(vmstat(m.kernel)).not.toMatch(/zone_reclaim/);
  });
});
