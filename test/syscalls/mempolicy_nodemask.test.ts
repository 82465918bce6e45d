// The host's half of the memory-policy calls, with the kernel's half
// recorded: get_nodes (maxnode - 1 bits, the longs past node 1023 — Linux's
// MAX_NUMNODES here — must be clear, read from the end; the whole mask
// handed to the kernel at user_nodemask_ptr), copy_nodes_to_user (the longs past
// nr_node_ids cleared, a page at most), the order of Linux's checks
// (sanitize_mpol_flags before the mask is read), and move_pages' arrays.
// Results as this machine's Linux gives them (test/native/numa/mempolicy_errors.c).
import { describe, expect, it } from "vitest";
import { EFAULT, EINVAL, ENODEV, ESRCH } from "../../src/syscalls/errno.js";
import { Mempolicy, type MempolicyKernel } from "../../src/syscalls/mempolicy.js";

const BASE = 0x10000, SIZE = 0x10000;
/** Where the kernel reads a syscall's nodemask, in its memory. */
const MAILBOX = 256;

/** User memory [BASE, BASE + SIZE), the rest unmapped; the kernel's calls recorded. */
function setup(nrNodeIds = 2) {
  const user = new Uint8Array(SIZE);
  const ram = new WebAssembly.Memory({ initial: 1 });
  const calls: Array<[string, ...number[]]> = [];
  const mem = {
    copyFromUser: (dst: Uint8Array, addr: number, len = dst.length) => {
      if (addr < BASE || addr + len > BASE + SIZE) return -EFAULT;
      dst.set(user.subarray(addr - BASE, addr - BASE + len));
      return 0;
    },
    copyToUser: (addr: number, src: Uint8Array) => {
      if (addr < BASE || addr + src.length > BASE + SIZE) return -EFAULT;
      user.set(src, addr - BASE);
      return 0;
    },
  };
  const record = (name: string, result = 0) => (...a: number[]) => (calls.push([name, ...a]), result);
  const kernel = {
    // sanitize_mpol_flags as the kernel's: -EINVAL for a mode past MPOL_MAX (7).
    sanitize_mpol_flags: (mode: number) => ((mode & 0x1fff) >= 7 ? -EINVAL : mode),
    user_nodemask_ptr: () => MAILBOX,
    kernel_set_mempolicy: record("set_mempolicy"),
    kernel_mbind: record("mbind"),
    kernel_set_mempolicy_home_node: record("set_mempolicy_home_node"),
    kernel_get_mempolicy: (addr: number, flags: number) => {
      calls.push(["get_mempolicy", addr, flags]);
      new DataView(ram.buffer).setInt32(0, 3, true);
      new DataView(ram.buffer).setUint32(4, 0b11, true);
      return 0;
    },
    mempolicy_result_ptr: () => 0,
    kernel_migrate_pages: record("migrate_pages"),
    kernel_move_page: (mm: number, addr: number, node: number) => (calls.push(["move_page", mm, addr, node]), node),
    kernel_page_node: (mm: number, addr: number) => (calls.push(["page_node", mm, addr]), addr === 0 ? -EFAULT : 1),
  } as unknown as MempolicyKernel;
  const mp = new Mempolicy(mem, kernel, ram, { mmOf: (pid) => (pid === 0 ? 7 : pid === 2 ? 0 : undefined), nrNodeIds: () => nrNodeIds, memoryNodes: () => [0b11, 0] });
  const view = new DataView(user.buffer);
  const long = (at: number, lo: number, hi = 0) => { view.setUint32(at - BASE, lo, true); view.setUint32(at - BASE + 4, hi, true); };
  const mailbox = () => nodesOf(new Uint8Array(ram.buffer, MAILBOX, 128).slice());
  return { mp, calls, user, view, long, mailbox };
}

/** The nodes get_nodes read (its 1024-bit mask as node numbers), or its error. */
function nodesOf(r: Uint8Array | number): number[] | number {
  if (typeof r === "number") return r;
  expect(r.length).toBe(128);
  const out: number[] = [];
  r.forEach((byte, i) => { for (let b = 0; b < 8; b++) if (byte & (1 << b)) out.push(i * 8 + b); });
  return out;
}

describe("get_nodes", () => {
  it("reads maxnode - 1 bits, any node below 1024 (Linux's MAX_NUMNODES here)", () => {
    const { mp, long } = setup();
    const get = (at: number, maxnode: number) => nodesOf(mp.getNodes(at, maxnode));
    long(BASE, 0b111);
    expect(get(BASE, 2)).toEqual([0]);                        // one bit
    expect(get(BASE, 3)).toEqual([0, 1]);
    expect(get(BASE, 65)).toEqual([0, 1, 2]);
    expect(get(BASE, 1)).toEqual([]);                         // no bits: not even read
    expect(get(0, 65)).toEqual([]);                           // NULL: the empty mask
    long(BASE, 0, 0x80000000);
    expect(get(BASE, 64)).toEqual([]);                        // bit 63 is the 64th: maxnode 64 keeps 63 bits
    expect(get(BASE, 65)).toEqual([63]);
    long(BASE, 0x101);
    expect(get(BASE, 65)).toEqual([0, 8]);
    expect(get(BASE, 9)).toEqual([0]);                        // node 8 not read
    long(BASE + 8, 1);                                        // node 64
    expect(get(BASE, 129)).toEqual([0, 8, 64]);
    expect(get(BASE, 65)).toEqual([0, 8]);                    // not read: past maxnode
    long(BASE + 15 * 8, 0, 0x80000000);                       // node 1023
    expect(get(BASE, 1025)).toEqual([0, 8, 64, 1023]);
    expect(get(BASE, 2048)).toEqual([0, 8, 64, 1023]);        // the longs past node 1023 are clear
  });

  it("refuses set bits past node 1023, more than a page of bits, and unreadable masks", () => {
    const { mp, long } = setup();
    const get = (at: number, maxnode: number) => nodesOf(mp.getNodes(at, maxnode));
    long(BASE, 1);
    long(BASE + 16 * 8, 1);                                   // node 1024
    expect(get(BASE, 1026)).toBe(-EINVAL);
    expect(get(BASE, 1025)).toEqual([0]);                     // not read: past maxnode
    long(BASE + 16 * 8, 0);
    expect(get(BASE, 32769)).toEqual([0]);
    expect(get(BASE, 32770)).toBe(-EINVAL);
    expect(get(BASE, 0)).toBe(-EINVAL);                       // 0 - 1 wraps
    expect(get(8, 65)).toBe(-EFAULT);
    // The last long is read whole, even past maxnode: Linux checks each long from the end.
    long(BASE + 16 * 8, 0x80000000);                          // node 1055
    expect(get(BASE, 1030)).toBe(-EINVAL);
    expect(get(BASE + SIZE - 8, 1089)).toBe(-EFAULT);
  });
});

describe("the calls' order of checks", () => {
  it("refuses a bad mode before reading the mask, then hands the kernel the mask", () => {
    const { mp, calls, long, mailbox } = setup();
    expect(mp.call(238, [7, 8, 65, 0, 0, 0])).toBe(-EINVAL);
    expect(mp.call(237, [0x7000, 4096, 9, 8, 65, 0])).toBe(-EINVAL);
    expect(mp.call(238, [2, 8, 65, 0, 0, 0])).toBe(-EFAULT);
    expect(calls).toEqual([]);
    long(BASE, 0b110);
    long(BASE + 8, 1);
    expect(mp.call(238, [2 | (1 << 13), BASE, 129, 0, 0, 0])).toBe(0);
    expect(mailbox()).toEqual([1, 2, 64]);
    expect(mp.call(237, [0x7000, 4096, 3, BASE, 3, 2])).toBe(0);
    expect(mailbox()).toEqual([1]);
    expect(calls).toEqual([["set_mempolicy", 2 | (1 << 13)], ["mbind", 0x7000, 4096, 3, 2]]);
    // set_mempolicy_home_node's four words go to the kernel as they are.
    expect(mp.call(450, [0x7000, 4096, -1, 0, 0, 0])).toBe(0);
    expect(calls[2]).toEqual(["set_mempolicy_home_node", 0x7000, 4096, 2 ** 64, 0]);
  });

  it("get_mempolicy: maxnode against nr_node_ids, the mode, then the mask with the longs past nr_node_ids cleared", () => {
    const { mp, view, user } = setup();
    expect(mp.call(239, [BASE, BASE + 8, 1, 0, 0, 0])).toBe(-EINVAL);
    user.fill(0xff);
    expect(mp.call(239, [BASE, BASE + 8, 200, 0, 0, 0])).toBe(0);
    expect(view.getInt32(0, true)).toBe(3);
    // ALIGN(199, 64) / 8: four longs written, the fifth left as it was.
    expect([0, 1, 2, 3, 4].map((i) => view.getBigUint64(8 + i * 8, true))).toEqual([0b11n, 0n, 0n, 0n, 0xffffffffffffffffn]);
    expect(mp.call(239, [8, BASE + 8, 64, 0, 0, 0])).toBe(-EFAULT);
    expect(mp.call(239, [BASE, BASE + 8, 1 << 20, 0, 0, 0])).toBe(-EINVAL);
    expect(mp.call(239, [BASE, 0, 0, 0, 0, 0])).toBe(0);
  });

  it("migrate_pages: both masks, then the process, then a target with memory", () => {
    const { mp, calls, long } = setup();
    long(BASE, 1);
    long(BASE + 8, 0b100);
    expect(mp.call(256, [0, 64, 8, BASE, 0, 0])).toBe(-EFAULT);
    expect(mp.call(256, [99, 64, BASE, BASE + 8, 0, 0])).toBe(-ESRCH);
    expect(mp.call(256, [0, 64, BASE, BASE + 8, 0, 0])).toBe(-EINVAL);   // node 2 has no memory
    expect(mp.call(256, [2, 64, BASE, BASE, 0, 0])).toBe(-EINVAL);       // a zombie: no mm
    expect(mp.call(256, [0, 64, BASE, BASE, 0, 0])).toBe(0);
    expect(calls).toEqual([["migrate_pages", 7, 1, 0, 1, 0]]);
  });

  it("move_pages: flags, the process, then each entry; with no nodes, 16 statuses at a time", () => {
    const { mp, calls, view, long } = setup();
    const pages = BASE, nodes = BASE + 0x1000, status = BASE + 0x2000;
    for (let i = 0; i < 20; i++) long(pages + i * 8, i === 3 ? 0 : 0x7000 + i * 4096);
    expect(mp.call(279, [0, 20, pages, 0, status, 1])).toBe(-EINVAL);
    expect(mp.call(279, [99, 20, pages, 0, status, 0])).toBe(-ESRCH);
    expect(mp.call(279, [0, 20, pages, 0, status, 0])).toBe(0);
    expect(Array.from({ length: 20 }, (_, i) => view.getInt32(0x2000 + i * 4, true))).toEqual(Array.from({ length: 20 }, (_, i) => (i === 3 ? -EFAULT : 1)));
    expect(mp.call(279, [0, 20, pages, 0, BASE + SIZE - 40, 0])).toBe(-EFAULT);
    calls.length = 0;
    view.setInt32(0x1000, 1, true);
    view.setInt32(0x1004, 2, true);
    expect(mp.call(279, [0, 2, pages, nodes, status, 2])).toBe(-ENODEV);
    expect(calls).toEqual([["move_page", 7, 0x7000, 1]]);
    view.setInt32(0x1004, -1, true);
    expect(mp.call(279, [0, 2, pages, nodes, status, 2])).toBe(-ENODEV);
    expect(mp.call(279, [0, 2, pages, 8, status, 2])).toBe(-EFAULT);
  });
});
