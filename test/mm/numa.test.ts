// NUMA: zonelists built by Linux's rules, placement under each memory
// policy, __GFP_THISNODE, mbind's splits and migrations, fork, and the
// errnos. Expectations come from Linux's algorithms written out here
// (build_zonelists, interleave_nid), not from the kernel's output.

import { describe, it, expect } from "vitest";
import { bootNuma, newTask, mbind, putNodemask, setMempolicy, MPOL, MPOL_F, MPOL_MF, type NumaMachine } from "../helpers/numa_kernel.js";
import { GFP } from "../../src/abi.js";

const EINVAL = 22, EFAULT = 14, EIO = 5, EPERM = 1, ENOENT = 2, ENODEV = 19, EOPNOTSUPP = 95;
const PAGE = 4096;
const ZONE_DMA = 0, ZONE_DMA32 = 1;
const __GFP_THISNODE = 0x200000, GFP_NOWAIT = 0x800;

/** Linux's build_zonelists node order for every node (find_next_best_node, node_load). */
function linuxNodeOrders(n: number, dist: (a: number, b: number) => number, cpuNode: number, maxNumnodes: number): number[][] {
  const load = new Array<number>(n).fill(0);
  const orders: number[][] = [];
  for (let local = 0; local < n; local++) {
    const used = new Set<number>();
    const order: number[] = [];
    let prev = local;
    for (;;) {
      let node = -1;
      if (!used.has(local)) {
        node = local;
      } else {
        let min = Infinity;
        for (let c = 0; c < n; c++) {
          if (used.has(c)) continue;
          // Nearer first; nodes below us, and nodes with CPUs, lose ties; then the less loaded.
          const val = (dist(local, c) + (c < local ? 1 : 0) + (c === cpuNode ? 1 : 0)) * maxNumnodes + load[c];
          if (val < min) { min = val; node = c; }
        }
      }
      if (node < 0) break;
      used.add(node);
      if (dist(local, node) !== dist(local, prev)) load[node]++;
      order.push(node);
      prev = node;
    }
    orders.push(order);
  }
  return orders;
}

/** A node's populated zones, highest first: DMA32 for what lies above 16 MiB, DMA below. */
function zonesOf(sizes: number[], nid: number): [number, number][] {
  const start = sizes.slice(0, nid).reduce((a, b) => a + b, 0);
  const zones: [number, number][] = [];
  if (start + sizes[nid] > 16) zones.push([nid, ZONE_DMA32]);
  if (start < 16) zones.push([nid, ZONE_DMA]);
  return zones;
}

function checkZonelists(sizes: number[], distance: number[][] | undefined, cpuNode: number): NumaMachine {
  const m = bootNuma({ nodesMiB: sizes, distance, cpuNode });
  const dist = (a: number, b: number) => distance ? distance[a][b] : a === b ? 10 : 20;
  const orders = linuxNodeOrders(sizes.length, dist, cpuNode, m.layout.max_numnodes);
  for (let nid = 0; nid < sizes.length; nid++) {
    expect(m.zonelist(nid), `node ${nid}'s zonelist`).toEqual(orders[nid].flatMap((n) => zonesOf(sizes, n)));
  }
  return m;
}

function mmap(m: NumaMachine, len: number, addr = 0): number {
  const r = m.x.sys_mmap(addr, len, 3, addr ? 0x32 : 0x22, 0, 0);
  expect(r).toBeGreaterThan(0);
  return r;
}

function touch(m: NumaMachine, start: number, pages: number): void {
  for (let i = 0; i < pages; i++) expect(m.cpu.access(start + i * PAGE, "w").signal).toBe(0);
}

const nodeAt = (m: NumaMachine, mm: number, addr: number) => m.x.kernel_page_node(mm, addr);
const mask = (...nodes: number[]) => nodes.reduce((a, n) => a | (1 << n), 0);

function getPolicy(m: NumaMachine, addr: number, flags: number): { rc: number; policy: number; nodes: number } {
  const rc = m.x.kernel_get_mempolicy(addr, flags);
  const p = m.x.mempolicy_result_ptr() >>> 2;
  return { rc, policy: m.u32[p] | 0, nodes: m.u32[p + 1] };
}

describe("NUMA boot and zonelists", () => {
  it("two nodes: node 0 has DMA and DMA32, node 1 the DMA32 above it; each zonelist starts at home", () => {
    const m = checkZonelists([64, 64], undefined, 0);
    expect(m.layout.nr_node_ids).toBe(2);
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });

  it("four nodes on a ring of distances follow find_next_best_node", () => {
    const ring = [[10, 20, 30, 20], [20, 10, 20, 30], [30, 20, 10, 20], [20, 30, 20, 10]];
    checkZonelists([32, 32, 32, 32], ring, 0);
    checkZonelists([32, 32, 32, 32], ring, 2);
  });

  it("four equidistant nodes take turns by node_load, and an asymmetric SLIT is honoured", () => {
    checkZonelists([16, 16, 16, 16], undefined, 1);
    const asym = [[10, 15, 40, 25], [15, 10, 25, 40], [40, 25, 10, 15], [25, 40, 15, 10]];
    checkZonelists([24, 16, 16, 24], asym, 3);
  });

  it("refuses node ranges that do not tile RAM and bad distances", () => {
    expect(() => bootNuma({ nodesMiB: [6, 58] })).toThrow(/boot: -22/);       // node 1 not 4 MiB-aligned
    expect(() => bootNuma({ nodesMiB: [64], cpuNode: 1 })).toThrow(/boot: -22/); // the CPU's node has no memory
    expect(() => bootNuma({ nodesMiB: [32, 32], distance: [[10, 10], [20, 10]] })).toThrow(/numa_set_distance 0 1 10/);
    expect(() => bootNuma({ nodesMiB: [32, 32], distance: [[12, 20], [20, 10]] })).toThrow(/numa_set_distance 0 0 12/);
  });

  it("one node keeps no NUMA counters and builds one zonelist", () => {
    const m = bootNuma({ nodesMiB: [64] });
    expect(m.layout.nr_node_ids).toBe(1);
    expect(m.layout.vm_numa_event).toBe(0);
    expect(m.zonelist(0)).toEqual([[0, ZONE_DMA32], [0, ZONE_DMA]]);
  });
});

describe("memory policies place pages as Linux does", () => {
  it("interleave: each page on the node interleave_nid names, by its offset", () => {
    const m = bootNuma({ nodesMiB: [32, 32, 32] });
    const mm = newTask(m);
    expect(setMempolicy(m, MPOL.INTERLEAVE, mask(0, 2), 0)).toBe(0);
    const a = mmap(m, 64 * PAGE);
    touch(m, a, 64);
    const nodes = [0, 2];
    for (let i = 0; i < 64; i++) {
      const addr = a + i * PAGE;
      // interleave_nid: (vm_pgoff + (addr - vm_start) >> PAGE_SHIFT) % weight, the nth node of the mask; anon vm_pgoff = vm_start >> 12.
      expect(nodeAt(m, mm, addr), `page ${i}`).toBe(nodes[Math.floor(addr / PAGE) % 2]);
    }
    // Every interleaved page landed where asked: interleave_hit counts them all (page tables are not interleaved by VMA).
    const hits = [0, 1, 2].reduce((s, n) => s + m.numaEvent(n, ZONE_DMA32, 3) + m.numaEvent(n, ZONE_DMA, 3), 0);
    expect(hits).toBeGreaterThanOrEqual(64);
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });

  it("mbind interleave over a file-less VMA uses the VMA's own offset; weighted interleave follows the weights", () => {
    const m = bootNuma({ nodesMiB: [32, 32, 32, 32] });
    const mm = newTask(m);
    const a = mmap(m, 30 * PAGE);
    expect(mbind(m, a, 30 * PAGE, MPOL.INTERLEAVE, mask(1, 2, 3), 0, 0)).toBe(0);
    touch(m, a, 30);
    for (let i = 0; i < 30; i++) expect(nodeAt(m, mm, a + i * PAGE)).toBe([1, 2, 3][Math.floor((a + i * PAGE) / PAGE) % 3]);
    // node_store: 0 and 256 are EINVAL (Linux 6.18).
    expect([m.x.set_iw_weight(0, 0), m.x.set_iw_weight(0, 256)]).toEqual([-22, -22]);
    expect(m.x.set_iw_weight(0, 3)).toBe(0);
    const b = mmap(m, 40 * PAGE);
    expect(mbind(m, b, 40 * PAGE, MPOL.WEIGHTED_INTERLEAVE, mask(0, 1), 0, 0)).toBe(0);
    touch(m, b, 40);
    for (let i = 0; i < 40; i++) {
      // weighted_interleave_nid: ilx % (3 + 1): 0, 1, 2 -> node 0 (weight 3), 3 -> node 1.
      expect(nodeAt(m, mm, b + i * PAGE)).toBe(Math.floor((b + i * PAGE) / PAGE) % 4 < 3 ? 0 : 1);
    }
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });

  it("bind never returns a remote page, and OOMs within the bound node while others have memory", () => {
    const m = bootNuma({ nodesMiB: [64, 32] });
    const mm = newTask(m);
    expect(setMempolicy(m, MPOL.BIND, mask(1), 0)).toBe(0);
    const len = 40 << 20;
    const a = mmap(m, len);
    let touched = 0;
    for (; touched < len / PAGE; touched++) {
      if (m.cpu.access(a + touched * PAGE, "w").signal) break;
      expect(nodeAt(m, mm, a + touched * PAGE)).toBe(1);
    }
    expect(touched).toBeGreaterThan(4000);
    expect(touched).toBeLessThan(len / PAGE);   // node 1 ran out
    expect(m.nodeFree(0)).toBeGreaterThan(8000); // node 0 was never used for it
    // The OOM killer says the policy constrained it (constrained_alloc), in Linux's words.
    expect(m.dmesg()).toContain("oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=1,cpuset=/,mems_allowed=0-1,global_oom,task_memcg=/,task=test,pid=100,uid=1000");
  });

  it("preferred falls back in distance order; __GFP_THISNODE never leaves the node", () => {
    const ring = [[10, 20, 30, 20], [20, 10, 20, 30], [30, 20, 10, 20], [20, 30, 20, 10]];
    const m = bootNuma({ nodesMiB: [32, 32, 32, 32], distance: ring });
    newTask(m);
    expect(setMempolicy(m, MPOL.PREFERRED, mask(3), 0)).toBe(0);
    const seen: number[] = [];
    for (;;) {
      const pfn = m.x.alloc_pages(GFP_NOWAIT, 0);
      if (pfn < 0) break;
      const nid = m.nodeOfPfn(pfn);
      if (!seen.includes(nid)) seen.push(nid);
    }
    const order = linuxNodeOrders(4, (a, b) => ring[a][b], 0, m.layout.max_numnodes)[3];
    expect(seen).toEqual(order);

    const t = bootNuma({ nodesMiB: [32, 32], cpuNode: 1 });
    newTask(t);
    let n = 0;
    for (;; n++) {
      const pfn = t.x.alloc_pages(GFP.GFP_KERNEL | __GFP_THISNODE, 0);
      if (pfn < 0) break;
      expect(t.nodeOfPfn(pfn)).toBe(1);
    }
    expect(n).toBeGreaterThan(7000);
    expect(t.nodeFree(0)).toBeGreaterThan(7000);
    expect(t.x.check_invariants(), t.dmesg()).toBe(0);
  });

  it("a local allocation counts numa_hit and local_node; a miss counts foreign on the preferred zone", () => {
    const m = bootNuma({ nodesMiB: [32, 32] });
    newTask(m);
    const hit0 = m.numaEvent(0, ZONE_DMA32, 0), local0 = m.numaEvent(0, ZONE_DMA32, 4);
    expect(m.x.alloc_pages(GFP.GFP_KERNEL, 0)).toBeGreaterThan(0);
    expect(m.numaEvent(0, ZONE_DMA32, 0)).toBe(hit0 + 1);
    expect(m.numaEvent(0, ZONE_DMA32, 4)).toBe(local0 + 1);
    // Bound to node 1 from a CPU on node 0: node 1's zonelist is walked, so a hit there, counted other_node.
    expect(setMempolicy(m, MPOL.BIND, mask(1), 0)).toBe(0);
    expect(m.nodeOfPfn(m.x.alloc_pages(GFP.GFP_KERNEL, 0))).toBe(1);
    expect(m.numaEvent(1, ZONE_DMA32, 5)).toBe(1);
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });
});

describe("mbind, get_mempolicy, fork, migration", () => {
  it("mbind splits the VMA, get_mempolicy reports each part, and the parts merge back", () => {
    const m = bootNuma({ nodesMiB: [32, 32] });
    const mm = newTask(m);
    const a = mmap(m, 16 * PAGE);
    const vmas = () => { let n = 0; for (let at = 0, p; (p = m.x.proc_vma_next(mm, at) >>> 0); n++) at = new Float64Array(m.memory.buffer, p, 2)[1]; return n; };
    const before = vmas();
    expect(mbind(m, a + 4 * PAGE, 4 * PAGE, MPOL.BIND | MPOL_F.STATIC_NODES, mask(1), 0, 0)).toBe(0);
    expect(vmas()).toBe(before + 2);
    expect(getPolicy(m, a + 5 * PAGE, MPOL_F.ADDR)).toEqual({ rc: 0, policy: MPOL.BIND | MPOL_F.STATIC_NODES, nodes: mask(1) });
    expect(getPolicy(m, a, MPOL_F.ADDR)).toEqual({ rc: 0, policy: MPOL.DEFAULT, nodes: 0 });
    touch(m, a + 4 * PAGE, 1);
    expect(getPolicy(m, a + 4 * PAGE, MPOL_F.ADDR | MPOL_F.NODE).policy).toBe(1);
    expect(mbind(m, a + 4 * PAGE, 4 * PAGE, MPOL.DEFAULT, 0, 0, 0)).toBe(0);
    expect(vmas()).toBe(before);
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });

  it("MPOL_MF_STRICT finds a misplaced page (-EIO); MPOL_MF_MOVE migrates it", () => {
    const m = bootNuma({ nodesMiB: [32, 32] });
    const mm = newTask(m);
    const a = mmap(m, 8 * PAGE);
    touch(m, a, 8);
    for (let i = 0; i < 8; i++) expect(nodeAt(m, mm, a + i * PAGE)).toBe(0);
    expect(mbind(m, a, 8 * PAGE, MPOL.BIND, mask(1), 0, MPOL_MF.STRICT)).toBe(-EIO);
    expect(mbind(m, a, 8 * PAGE, MPOL.BIND, mask(1), 0, MPOL_MF.STRICT | MPOL_MF.MOVE)).toBe(0);
    for (let i = 0; i < 8; i++) expect(nodeAt(m, mm, a + i * PAGE)).toBe(1);
    expect(mbind(m, a, 8 * PAGE, MPOL.BIND, mask(1), 0, MPOL_MF.MOVE_ALL)).toBe(-EPERM);
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });

  it("move_pages and migrate_pages move anonymous pages and report where they are", () => {
    const m = bootNuma({ nodesMiB: [32, 32, 32] });
    const mm = newTask(m);
    const a = mmap(m, 6 * PAGE);
    touch(m, a, 4);
    expect(m.x.kernel_move_page(mm, a, 2, MPOL_MF.MOVE)).toBe(2);
    expect(nodeAt(m, mm, a)).toBe(2);
    expect(m.x.kernel_move_page(mm, a + 5 * PAGE, 1, MPOL_MF.MOVE)).toBe(-ENOENT);
    expect(m.x.kernel_move_page(mm, a, 7, MPOL_MF.MOVE)).toBe(-ENODEV);
    expect(m.x.kernel_page_node(mm, 0x1000)).toBe(-EFAULT);
    // Pages on node 0 go to node 1 (migrate_pages(pid, {0}, {1})): the one on node 2 stays.
    expect(m.x.kernel_migrate_pages(mm, mask(0), 0, mask(1), 0)).toBe(0);
    expect([0, 1, 2, 3].map((i) => nodeAt(m, mm, a + i * PAGE))).toEqual([2, 1, 1, 1]);
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });

  it("get_mempolicy(NODE|ADDR) and move_pages' status read 4 KiB pages, THPs, the zero page, PROT_NONE and swap", () => {
    const MiB = 1 << 20, MADV_HUGEPAGE = 14, MADV_PAGEOUT = 21;
    const m = bootNuma({ nodesMiB: [32, 32] });
    const mm = newTask(m);
    expect(m.x.swapon(1024)).toBe(0);
    // The task's policy too: swap-in allocates by it here (alloc_pages), by the VMA's in Linux 6.18.
    expect(setMempolicy(m, MPOL.BIND, mask(1), 0)).toBe(0);
    const node = (addr: number) => { const r = getPolicy(m, addr, MPOL_F.NODE | MPOL_F.ADDR); return r.rc < 0 ? r.rc : r.policy; };
    const zeroNode = m.nodeOfPfn(m.layout.zero_pfn);
    // A THP on node 1: every page of its pmd answers node 1; a page past it is -ENOENT until get_mempolicy's read
    // fault maps the zero page there.
    const raw = mmap(m, 6 * MiB);
    const h = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
    expect(mbind(m, h, 4 * MiB, MPOL.BIND, mask(1), 0, 0)).toBe(0);
    expect(m.x.sys_madvise(h, 2 * MiB, MADV_HUGEPAGE)).toBe(0);
    const hit = m.cpu.access(h + 5 * PAGE, "w");
    expect(m.cpu.access(h + 511 * PAGE, "w").faults).toEqual([]);         // one huge pmd maps them all
    expect(m.nodeOfPfn(hit.pa / PAGE)).toBe(1);
    for (const i of [0, 5, 300, 511]) {
      expect(nodeAt(m, mm, h + i * PAGE)).toBe(1);
      expect(node(h + i * PAGE)).toBe(1);
    }
    expect(nodeAt(m, mm, h + 2 * MiB)).toBe(-ENOENT);
    expect(node(h + 2 * MiB)).toBe(zeroNode);
    expect(nodeAt(m, mm, h + 2 * MiB)).toBe(-EFAULT);
    // PROT_NONE: get_mempolicy may not read it (-EFAULT), move_pages still finds the THP's pages.
    expect(m.x.sys_mprotect(h, 2 * MiB, 0)).toBe(0);
    expect(node(h + 7 * PAGE)).toBe(-EFAULT);
    expect(nodeAt(m, mm, h + 7 * PAGE)).toBe(1);
    expect(m.x.sys_mprotect(h, 2 * MiB, 3)).toBe(0);
    // Paged out (the THP split first): -ENOENT to move_pages; get_mempolicy swaps the page back in, on its policy's node.
    expect(m.x.sys_madvise(h + 8 * PAGE, 2 * PAGE, MADV_PAGEOUT)).toBe(0);
    expect([7, 8, 9, 10].map((i) => nodeAt(m, mm, h + i * PAGE))).toEqual([1, -ENOENT, -ENOENT, 1]);
    expect(node(h + 8 * PAGE)).toBe(1);
    expect([7, 8, 9, 10].map((i) => nodeAt(m, mm, h + i * PAGE))).toEqual([1, 1, -ENOENT, 1]);
    // A read maps the zero page: its node to get_mempolicy, -EFAULT to move_pages.
    const z = mmap(m, 4 * PAGE);
    expect(mbind(m, z, 4 * PAGE, MPOL.BIND, mask(1), 0, 0)).toBe(0);
    expect(m.cpu.access(z, "r").signal).toBe(0);
    expect(node(z)).toBe(zeroNode);
    expect(nodeAt(m, mm, z)).toBe(-EFAULT);
    // 4 KiB pages: PROT_NONE as above; a hole is -EFAULT to both.
    touch(m, z + PAGE, 1);
    expect(m.x.sys_mprotect(z + PAGE, PAGE, 0)).toBe(0);
    expect(node(z + PAGE)).toBe(-EFAULT);
    expect(nodeAt(m, mm, z + PAGE)).toBe(1);
    expect(nodeAt(m, mm, z + 2 * PAGE)).toBe(-ENOENT);
    expect(node(z + 2 * PAGE)).toBe(zeroNode);
    expect(m.x.sys_munmap(z + 3 * PAGE, PAGE)).toBe(0);
    expect(node(z + 3 * PAGE)).toBe(-EFAULT);
    expect(nodeAt(m, mm, z + 3 * PAGE)).toBe(-EFAULT);
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });

  it("fork copies the task's and the VMAs' policies; exit frees them", () => {
    const m = bootNuma({ nodesMiB: [32, 32] });
    const free0 = m.nodeFree(0) + m.nodeFree(1);
    const mm = newTask(m);
    expect(setMempolicy(m, MPOL.PREFERRED_MANY, mask(0, 1), 0)).toBe(0);
    const a = mmap(m, 4 * PAGE);
    expect(mbind(m, a, 4 * PAGE, MPOL.INTERLEAVE, mask(0, 1), 0, 0)).toBe(0);
    const child = m.x.mm_fork(mm);
    m.x.mm_switch(child);
    expect(getPolicy(m, 0, 0)).toEqual({ rc: 0, policy: MPOL.PREFERRED_MANY, nodes: mask(0, 1) });
    expect(getPolicy(m, a, MPOL_F.ADDR)).toEqual({ rc: 0, policy: MPOL.INTERLEAVE, nodes: mask(0, 1) });
    m.x.mm_exit(child);
    m.x.mm_exit(mm);
    m.x.drain_all_pages();
    expect(m.nodeFree(0) + m.nodeFree(1)).toBe(free0);
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });

  it("answers Linux's errnos for bad modes, flags and masks", () => {
    const m = bootNuma({ nodesMiB: [32, 32] });
    newTask(m);
    expect(setMempolicy(m, 7, mask(0), 0)).toBe(-EINVAL);                                 // no such mode
    expect(setMempolicy(m, MPOL.BIND, 0, 0)).toBe(-EINVAL);                               // empty mask
    expect(setMempolicy(m, MPOL.DEFAULT, mask(0), 0)).toBe(-EINVAL);                      // DEFAULT takes none
    expect(setMempolicy(m, MPOL.LOCAL, mask(0), 0)).toBe(-EINVAL);
    expect(setMempolicy(m, MPOL.INTERLEAVE | MPOL_F.STATIC_NODES | MPOL_F.RELATIVE_NODES, mask(0), 0)).toBe(-EINVAL);
    expect(setMempolicy(m, MPOL.INTERLEAVE | MPOL_F.NUMA_BALANCING, mask(0), 0)).toBe(-EINVAL);
    expect(setMempolicy(m, MPOL.BIND, mask(5), 0)).toBe(-EINVAL);                         // no memory there
    expect(setMempolicy(m, MPOL.BIND, 0, 1)).toBe(-EINVAL);                               // node 32: no memory there
    expect(setMempolicy(m, MPOL.PREFERRED, 0, 0)).toBe(0);                                // = local
    expect(getPolicy(m, 0, 0).policy).toBe(MPOL.LOCAL);
    expect(setMempolicy(m, MPOL.BIND | MPOL_F.RELATIVE_NODES, mask(3), 0)).toBe(0);       // folded: 3 % 2 -> node 1
    expect(getPolicy(m, 0, 0)).toEqual({ rc: 0, policy: MPOL.BIND | MPOL_F.RELATIVE_NODES, nodes: mask(3) });
    expect(m.x.kernel_get_mempolicy(0x1000, 0)).toBe(-EINVAL);                                      // addr without MPOL_F_ADDR
    expect(m.x.kernel_get_mempolicy(0x1000, MPOL_F.ADDR)).toBe(-EFAULT);
    expect(m.x.kernel_get_mempolicy(0, MPOL_F.NODE)).toBe(-EINVAL);                                 // not interleave
    expect(mbind(m, 0x10001, PAGE, MPOL.BIND, mask(0), 0, 0)).toBe(-EINVAL);
    expect(mbind(m, 0x10000, PAGE, MPOL.BIND, mask(0), 0, 8)).toBe(-EINVAL);
    expect(mbind(m, 0x10000, PAGE, MPOL.BIND, mask(0), 0, 0)).toBe(-EFAULT);              // no VMA there
  });
});

describe("set_mempolicy_home_node, weighted interleave and 1024-bit masks (Linux 6.18's rules)", () => {
  const equidistant = (a: number, b: number) => (a === b ? 10 : 20);

  it("home_node: BIND and PREFERRED_MANY start from the home node's zonelist; the VMA splits around the range", () => {
    for (const cpuNode of [0, 1]) {
      const m = bootNuma({ nodesMiB: [32, 32, 32], cpuNode });
      const mm = newTask(m);
      const a = mmap(m, 12 * PAGE);
      expect(mbind(m, a, 8 * PAGE, MPOL.BIND, mask(1, 2), 0, 0)).toBe(0);
      expect(mbind(m, a + 8 * PAGE, 4 * PAGE, MPOL.PREFERRED_MANY, mask(1, 2), 0, 0)).toBe(0);
      expect(m.x.kernel_set_mempolicy_home_node(a + 2 * PAGE, 2 * PAGE, 2, 0)).toBe(0);
      expect(m.x.kernel_set_mempolicy_home_node(a + 8 * PAGE, 4 * PAGE, 2, 0)).toBe(0);
      // numa_maps' record, word 4: the home node of the VMA holding each page (-1: none).
      const home = (addr: number) => m.u32[(m.x.proc_numa_maps(mm, addr) >>> 2) + 4] | 0;
      expect(Array.from({ length: 12 }, (_, i) => home(a + i * PAGE))).toEqual([-1, -1, 2, 2, -1, -1, -1, -1, 2, 2, 2, 2]);
      touch(m, a, 12);
      // policy_nodemask: nid = home_node, else the CPU's node; the first zone of nid's zonelist within the mask.
      const orders = linuxNodeOrders(3, equidistant, cpuNode, 8);
      const pick = (nid: number) => orders[nid].find((n) => n === 1 || n === 2);
      const away = pick(cpuNode), atHome = pick(2);
      expect(Array.from({ length: 12 }, (_, i) => nodeAt(m, mm, a + i * PAGE)))
        .toEqual([away, away, atHome, atHome, away, away, away, away, atHome, atHome, atHome, atHome]);
      expect(m.x.check_invariants(), m.dmesg()).toBe(0);
    }
  });

  it("home_node: Linux's checks and errnos", () => {
    const m = bootNuma({ nodesMiB: [32, 32, 32] });
    const mm = newTask(m);
    const a = mmap(m, 8 * PAGE);
    expect(m.x.kernel_set_mempolicy_home_node(a + 1, PAGE, 0, 0)).toBe(-EINVAL);           // start not aligned
    expect(m.x.kernel_set_mempolicy_home_node(a, PAGE, 0, 1)).toBe(-EINVAL);               // flags
    expect(m.x.kernel_set_mempolicy_home_node(a, PAGE, 3, 0)).toBe(-EINVAL);               // node 3 is not online
    expect(m.x.kernel_set_mempolicy_home_node(a, PAGE, 1024, 0)).toBe(-EINVAL);            // past MAX_NUMNODES
    expect(m.x.kernel_set_mempolicy_home_node(a, 0, 0, 0)).toBe(0);                        // nothing to do
    expect(m.x.kernel_set_mempolicy_home_node(a, 2 ** 64 - 2 * PAGE, 0, 0)).toBe(-EINVAL); // end wraps
    expect(m.x.kernel_set_mempolicy_home_node(a, PAGE, 1, 0)).toBe(-ENOENT);               // no VMA with a policy
    expect(mbind(m, a + PAGE, PAGE, MPOL.BIND, mask(0), 0, 0)).toBe(0);
    expect(mbind(m, a + 2 * PAGE, PAGE, MPOL.INTERLEAVE, mask(0, 1), 0, 0)).toBe(0);
    expect(mbind(m, a + 3 * PAGE, PAGE, MPOL.PREFERRED, mask(2), 0, 0)).toBe(0);
    // The BIND VMA takes node 1 before the INTERLEAVE one refuses.
    expect(m.x.kernel_set_mempolicy_home_node(a, 4 * PAGE, 1, 0)).toBe(-EOPNOTSUPP);
    const home = (addr: number) => m.u32[(m.x.proc_numa_maps(mm, addr) >>> 2) + 4] | 0;
    expect([0, 1, 2, 3].map((i) => home(a + i * PAGE))).toEqual([-1, 1, -1, -1]);
    expect(m.x.kernel_set_mempolicy_home_node(a + 3 * PAGE, PAGE, 1, 0)).toBe(-EOPNOTSUPP);  // PREFERRED
    expect(m.x.kernel_set_mempolicy_home_node(a + 4 * PAGE, 4 * PAGE, 1, 0)).toBe(-ENOENT);
  });

  it("weighted interleave as the task's policy: weighted_interleave_nodes stays il_weight allocations on a node", () => {
    const m = bootNuma({ nodesMiB: [32, 32, 32] });
    newTask(m);
    expect(m.x.set_iw_weight(0, 3)).toBe(0);
    expect(m.x.set_iw_weight(2, 2)).toBe(0);
    const weight = [3, 1, 2];
    expect(setMempolicy(m, MPOL.WEIGHTED_INTERLEAVE, mask(0, 2), 0)).toBe(0);
    // Linux: il_prev = MAX_NUMNODES - 1, il_weight = 0 at set_mempolicy; each allocation without a VMA
    // moves to next_node_in(il_prev) when il_weight is 0, taking that node's weight, then spends one.
    const nodes = [0, 2];
    let prev = -1, left = 0;
    const next = () => {
      if (left === 0) {
        prev = nodes[(nodes.indexOf(prev) + 1) % nodes.length];
        left = weight[prev];
      }
      left--;
      return prev;
    };
    for (let i = 0; i < 14; i++) {
      // get_mempolicy(MPOL_F_NODE): il_prev while il_weight is left, else the node after it.
      const shown = left ? prev : nodes[(nodes.indexOf(prev) + 1) % nodes.length];
      expect(getPolicy(m, 0, MPOL_F.NODE).policy, `before allocation ${i}`).toBe(shown);
      const want = next();
      const pfn = m.x.alloc_pages(GFP.GFP_KERNEL, 0);
      expect(m.nodeOfPfn(pfn), `allocation ${i}`).toBe(want);
      m.x.free_pages(pfn, 0);
    }
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });

  it("takes nodes up to 1023: those without memory drop out; STATIC and RELATIVE keep the whole mask", () => {
    const m = bootNuma({ nodesMiB: [32, 32, 32] });
    const mm = newTask(m);
    const put = (...ns: number[]) => {
      const longs = new Array<bigint>(16).fill(0n);
      for (const n of ns) longs[n >> 6] |= 1n << BigInt(n % 64);
      putNodemask(m, ...longs);
    };
    /** The VMA holding addr: [start, end). */
    const vmaAt = (addr: number) => {
      const r = m.x.proc_vma_next(mm, addr) >>> 3;
      return [new Float64Array(m.memory.buffer)[r], new Float64Array(m.memory.buffer)[r + 1]];
    };
    put(1, 700);
    expect(m.x.kernel_set_mempolicy(MPOL.BIND)).toBe(0);
    expect(getPolicy(m, 0, 0)).toEqual({ rc: 0, policy: MPOL.BIND, nodes: mask(1) });
    put(700);
    expect(m.x.kernel_set_mempolicy(MPOL.BIND)).toBe(-EINVAL);                      // no node with memory left
    expect(m.x.kernel_set_mempolicy(MPOL.BIND | MPOL_F.STATIC_NODES)).toBe(-EINVAL);
    // RELATIVE folds the mask onto the 3 nodes with memory (bitmap_fold: bit n -> n % 3, then bitmap_onto).
    put(65, 1023);                                                                 // 65 % 3 = 2, 1023 % 3 = 0
    expect(m.x.kernel_set_mempolicy(MPOL.INTERLEAVE | MPOL_F.RELATIVE_NODES)).toBe(0);
    // get_mempolicy shows the user's mask (its first long: nr_node_ids' longs are copied out).
    expect(getPolicy(m, 0, 0)).toEqual({ rc: 0, policy: MPOL.INTERLEAVE | MPOL_F.RELATIVE_NODES, nodes: 0 });
    const a = mmap(m, 6 * PAGE);
    touch(m, a, 6);
    // interleave_nid over nodes {0, 2}.
    for (let i = 0; i < 6; i++) expect(nodeAt(m, mm, a + i * PAGE)).toBe([0, 2][Math.floor((a + i * PAGE) / PAGE) % 2]);
    // mbind keeps the whole mask: neighbours alike below node 64 but not above it do not merge.
    const b = mmap(m, 4 * PAGE);
    put(0, 64);
    expect(m.x.kernel_mbind(b, PAGE, MPOL.BIND | MPOL_F.STATIC_NODES, 0)).toBe(0);
    put(0, 65);
    expect(m.x.kernel_mbind(b + PAGE, PAGE, MPOL.BIND | MPOL_F.STATIC_NODES, 0)).toBe(0);
    expect(getPolicy(m, b + PAGE, MPOL_F.ADDR)).toEqual({ rc: 0, policy: MPOL.BIND | MPOL_F.STATIC_NODES, nodes: mask(0) });
    expect(vmaAt(b)).toEqual([b, b + PAGE]);
    put(0, 64);
    expect(m.x.kernel_mbind(b + PAGE, PAGE, MPOL.BIND | MPOL_F.STATIC_NODES, 0)).toBe(0);
    expect(vmaAt(b)).toEqual([b, b + 2 * PAGE]);
    expect(m.x.check_invariants(), m.dmesg()).toBe(0);
  });
});
