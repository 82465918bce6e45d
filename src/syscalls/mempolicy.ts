// The NUMA memory-policy syscalls (mm/mempolicy.c, mm/migrate.c): mbind
// (237), set_mempolicy (238), get_mempolicy (239), migrate_pages (256),
// move_pages (279) and set_mempolicy_home_node (450). The host does what
// Linux does with user memory and argument words, in Linux's order
// (sanitize_mpol_flags, get_nodes, copy_nodes_to_user, the move_pages
// arrays); the kernel's exports do the rest. Browser-safe.

import type { KernelExports } from "../abi.js";
import { NODEMASK_BITS } from "../abi.js";
import { EFAULT, EINVAL, ENODEV, ESRCH } from "./errno.js";
import { unsigned } from "./args.js";
import type { UserMemory } from "./index.js";

/** Nodes 0-63 of a nodemask as two u32 halves (nodes 0-31, 32-63): migrate_pages' masks cross so. */
export type Nodemask = [lo: number, hi: number];
/** A syscall's whole nodemask (get_nodes' result): NODEMASK_BITS as little-endian longs. */
export type UserNodemask = Uint8Array;
const MPOL_MF_MOVE = 2, MPOL_MF_MOVE_ALL = 4;
const PAGE_SIZE = 4096;
/** do_pages_stat's chunk: the pages array is read 16 entries at a time. */
const DO_PAGES_STAT_CHUNK_NR = 16;

export type MempolicyKernel = Pick<KernelExports, "sanitize_mpol_flags" | "user_nodemask_ptr" | "kernel_set_mempolicy" | "kernel_mbind"
  | "kernel_get_mempolicy" | "mempolicy_result_ptr" | "kernel_set_mempolicy_home_node" | "kernel_migrate_pages" | "kernel_move_page"
  | "kernel_page_node">;

/** What the calls need of the machine beyond memory and the kernel. */
export interface NumaState {
  /** mm of process `pid` (0: the caller): its handle, 0 for a zombie (no mm), undefined for no such process. */
  mmOf(pid: number): number | undefined;
  /** nr_node_ids: the highest node id + 1. */
  nrNodeIds(): number;
  /** node_states[N_MEMORY]: the nodes with memory. */
  memoryNodes(): Nodemask;
}

const isEmpty = (m: Nodemask) => m[0] === 0 && m[1] === 0;
const nodeIsSet = (m: Nodemask, nid: number) => nid < 64 && ((m[nid >>> 5] >>> (nid & 31)) & 1) === 1;
/** Nodes 0-63 of a whole mask. */
const low64 = (m: UserNodemask): Nodemask => {
  const v = new DataView(m.buffer, m.byteOffset);
  return [v.getUint32(0, true), v.getUint32(4, true)];
};

/** The low `bits` bits of a long. */
const low = (bits: number) => (bits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(bits)) - 1n);

export class Mempolicy {
  private readonly word = new Uint8Array(8);

  constructor(
    private readonly mem: UserMemory,
    private readonly kernel: MempolicyKernel,
    /** The kernel's memory: get_mempolicy's result record is there. */
    private readonly ram: WebAssembly.Memory,
    private readonly numa: NumaState,
  ) {}

  /** The syscall's result, or undefined when `nr` is not one of these. */
  call(nr: number, a: number[]): number | undefined {
    switch (nr) {
      case 237: return this.mbind(a);
      case 238: return this.setMempolicy(a[0] | 0, a[1], a[2]);
      case 239: return this.getMempolicy(a);
      case 256: return this.migratePages(a[0] | 0, a[1], a[2], a[3]);
      case 279: return this.movePages(a);
      case 450: return this.kernel.kernel_set_mempolicy_home_node(unsigned(a[0]), unsigned(a[1]), unsigned(a[2]), unsigned(a[3]));
      default: return undefined;
    }
  }

  /** One unsigned long of user memory, or null (-EFAULT). */
  private readLong(addr: number): bigint | null {
    if (this.mem.copyFromUser(this.word, addr, 8) < 0) return null;
    return new DataView(this.word.buffer).getBigUint64(0, true);
  }

  /**
   * get_nodes: `maxnode - 1` bits of a user nodemask, NODEMASK_BITS at
   * most. Bits past NODEMASK_BITS must be clear, checked a long at a time
   * from the end (get_bitmap keeping each long's low `bits` bits, as Linux
   * does); -EINVAL past a page of bits, -EFAULT for memory that cannot be read.
   */
  getNodes(nmask: number, maxnodeArg: number): UserNodemask | number {
    const nodes = new Uint8Array(NODEMASK_BITS / 8);
    let maxnode = unsigned(maxnodeArg) - 1;   // 0 - 1 wraps to ULONG_MAX
    if (maxnode === 0 || nmask === 0) return nodes;
    if (maxnode < 0 || maxnode > PAGE_SIZE * 8) return -EINVAL;
    while (maxnode > NODEMASK_BITS) {
      const bits = Math.min(maxnode, 64);
      let t = this.readLong(nmask + Math.floor((maxnode - 1) / 64) * 8);
      if (t === null) return -EFAULT;
      t &= low(bits);
      maxnode = maxnode - bits >= NODEMASK_BITS ? maxnode - bits : NODEMASK_BITS;
      if (t) return -EINVAL;
    }
    const longs = Math.ceil(maxnode / 64);
    if (this.mem.copyFromUser(nodes, nmask, longs * 8) < 0) return -EFAULT;
    const v = new DataView(nodes.buffer);
    v.setBigUint64((longs - 1) * 8, v.getBigUint64((longs - 1) * 8, true) & low(maxnode - (longs - 1) * 64), true);
    return nodes;
  }

  /** Puts get_nodes' mask where the kernel reads it. */
  private toKernel(nodes: UserNodemask): void {
    new Uint8Array(this.ram.buffer, this.kernel.user_nodemask_ptr() >>> 0, nodes.length).set(nodes);
  }

  /** copy_nodes_to_user: ALIGN(maxnode - 1, 64) / 8 bytes, the ones past nr_node_ids' longs cleared. */
  private copyNodesToUser(mask: number, maxnode: number, nodes: Nodemask): number {
    let copy = Math.ceil((maxnode - 1) / 64) * 8;
    const nbytes = Math.ceil(this.numa.nrNodeIds() / 64) * 8;
    if (copy > nbytes) {
      if (copy > PAGE_SIZE) return -EINVAL;
      if (this.mem.copyToUser(mask + nbytes, new Uint8Array(copy - nbytes)) < 0) return -EFAULT;
      copy = nbytes;
    }
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, nodes[0], true);
    new DataView(bytes.buffer).setUint32(4, nodes[1], true);
    return this.mem.copyToUser(mask, bytes.subarray(0, copy)) < 0 ? -EFAULT : 0;
  }

  private setMempolicy(mode: number, nmask: number, maxnode: number): number {
    // Linux refuses a bad mode before it reads the mask.
    const bad = this.kernel.sanitize_mpol_flags(mode);
    if (bad < 0) return bad;
    const nodes = this.getNodes(nmask, maxnode);
    if (typeof nodes === "number") return nodes;
    this.toKernel(nodes);
    return this.kernel.kernel_set_mempolicy(mode);
  }

  private mbind(a: number[]): number {
    const mode = a[2] | 0;
    const bad = this.kernel.sanitize_mpol_flags(mode);
    if (bad < 0) return bad;
    const nodes = this.getNodes(a[3], a[4]);
    if (typeof nodes === "number") return nodes;
    this.toKernel(nodes);
    return this.kernel.kernel_mbind(unsigned(a[0]), unsigned(a[1]), mode, a[5] >>> 0);
  }

  private getMempolicy(a: number[]): number {
    const [policy, nmask] = [a[0], a[1]];
    const maxnode = unsigned(a[2]);
    if (nmask !== 0 && maxnode < this.numa.nrNodeIds()) return -EINVAL;
    // flags is an unsigned long: a bit above 31 is as invalid as bit 3.
    const flags = unsigned(a[4]) > 0xffffffff ? 8 : a[4] >>> 0;
    const err = this.kernel.kernel_get_mempolicy(unsigned(a[3]), flags);
    if (err) return err;
    const rec = new DataView(this.ram.buffer);
    const at = this.kernel.mempolicy_result_ptr() >>> 0;
    if (policy !== 0) {
      const pval = new Uint8Array(4);
      new DataView(pval.buffer).setInt32(0, rec.getInt32(at, true), true);
      if (this.mem.copyToUser(policy, pval) < 0) return -EFAULT;
    }
    return nmask ? this.copyNodesToUser(nmask, maxnode, [rec.getUint32(at + 4, true), rec.getUint32(at + 8, true)]) : 0;
  }

  private migratePages(pid: number, maxnode: number, oldNodes: number, newNodes: number): number {
    const fromMask = this.getNodes(oldNodes, maxnode);
    if (typeof fromMask === "number") return fromMask;
    const toMask = this.getNodes(newNodes, maxnode);
    if (typeof toMask === "number") return toMask;
    // Nodes past 63 have no memory: no page moves from or to them.
    const [from, to] = [low64(fromMask), low64(toMask)];
    const mm = this.numa.mmOf(pid);
    if (mm === undefined) return -ESRCH;
    // The guest is root (CAP_SYS_NICE): only the nodes with memory count.
    const mems = this.numa.memoryNodes();
    const target: Nodemask = [(to[0] & mems[0]) >>> 0, (to[1] & mems[1]) >>> 0];
    if (isEmpty(target) || mm === 0) return -EINVAL;
    return this.kernel.kernel_migrate_pages(mm, from[0], from[1], target[0], target[1]);
  }

  private movePages(a: number[]): number {
    const [pid, pages, nodes, status, flags] = [a[0] | 0, a[2], a[3], a[4], a[5] | 0];
    let nrPages = unsigned(a[1]);
    if (flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) return -EINVAL;
    const mm = this.numa.mmOf(pid);
    if (mm === undefined) return -ESRCH;
    if (mm === 0) return -EINVAL;
    const int = new Uint8Array(4);
    const putStatus = (i: number, v: number) => {
      new DataView(int.buffer).setInt32(0, v, true);
      return this.mem.copyToUser(status + i * 4, int) >= 0;
    };
    if (nodes === 0) {
      // do_pages_stat: 16 addresses in, 16 statuses out, until one copy fails.
      for (let i = 0; nrPages > 0; ) {
        const n = Math.min(nrPages, DO_PAGES_STAT_CHUNK_NR);
        const chunk = new Uint8Array(n * 8);
        if (this.mem.copyFromUser(chunk, pages + i * 8) < 0) break;
        const v = new DataView(chunk.buffer);
        const out = new Uint8Array(n * 4);
        const outView = new DataView(out.buffer);
        for (let j = 0; j < n; j++) {
          const addr = v.getUint32(j * 8 + 4, true) * 2 ** 32 + v.getUint32(j * 8, true);
          outView.setInt32(j * 4, this.kernel.kernel_page_node(mm, addr), true);
        }
        if (this.mem.copyToUser(status + i * 4, out) < 0) break;
        i += n;
        nrPages -= n;
      }
      return nrPages ? -EFAULT : 0;
    }
    // do_pages_move: each entry's address and node, checked before its move.
    const mems = this.numa.memoryNodes();
    for (let i = 0; i < nrPages; i++) {
      const p = this.readLong(pages + i * 8);
      if (p === null || this.mem.copyFromUser(int, nodes + i * 4) < 0) return -EFAULT;
      const node = new DataView(int.buffer).getInt32(0, true);
      if (node < 0 || node >= NODEMASK_BITS || !nodeIsSet(mems, node)) return -ENODEV;
      const r = this.kernel.kernel_move_page(mm, Number(p), node, flags >>> 0);
      if (!putStatus(i, r)) return -EFAULT;
    }
    return 0;
  }

}
