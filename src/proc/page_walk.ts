import type { KernelExports } from "../abi.js";
// The page-table walk of one address, level by level, for debuggers and
// the playground: CR3 → PML4E → PDPTE → PDE → PTE with each entry's bits
// decoded. It reads what the kernel's side-effect-free walk
// (mmu_walk_inspect) left in its mailbox (assembly/arch/x86/mmu.ts):
//   0: levels read (u32);  8 + 16i: raw entry (u64);  16 + 16i: its physical address (u32).
// Browser-safe.

/** The kernel exports the walk needs (docs/abi.md). */
export type WalkKernel = Pick<KernelExports, "mmu_walk_inspect" | "walk_mailbox_ptr">;

/** Linux's names for the levels of x86-64 4-level paging, and the address bits each indexes. */
export const LEVEL_NAMES = ["PML4E", "PDPTE", "PDE", "PTE"] as const;
const LEVEL_SHIFT = [39, 30, 21, 12];

/** x86 paging-entry bits, low to high (arch/x86/include/asm/pgtable_types.h). */
const ENTRY_BITS: Array<[number, string]> = [
  [0, "P"], [1, "RW"], [2, "US"], [3, "PWT"], [4, "PCD"], [5, "A"], [6, "D"], [7, "PS"], [8, "G"],
];

export interface WalkLevel {
  name: (typeof LEVEL_NAMES)[number];
  /** The 9-bit index of `va` at this level. */
  index: number;
  /** Physical address of the entry. */
  entryAddr: number;
  /** The raw 64-bit entry as hex (16 digits). */
  raw: string;
  present: boolean;
  /** Set bits by name ("P", "RW", "US", "A", "D", "PS", "NX" …). */
  bits: string[];
  /** The frame the entry points to (next table, or the page). */
  pfn: number;
  /** A leaf: a PTE, or a PDE/PDPTE with PS (a huge page). */
  leaf: boolean;
}

export interface PageWalk {
  va: number;
  cr3: number;
  levels: WalkLevel[];
  /** The physical address `va` maps to, or null when the walk stopped at a non-present entry. */
  phys: number | null;
}

/** Walks `va` in the current mm without setting Accessed or Dirty. */
export function inspectWalk(kernel: WalkKernel, memory: WebAssembly.Memory, va: number): PageWalk {
  kernel.mmu_walk_inspect(va, 0);
  const view = new DataView(memory.buffer);
  const box = kernel.walk_mailbox_ptr();
  const n = view.getUint32(box, true);
  const levels: WalkLevel[] = [];
  let phys: number | null = null;
  for (let i = 0; i < n; i++) {
    const lo = view.getUint32(box + 8 + 16 * i, true);
    const hi = view.getUint32(box + 12 + 16 * i, true);
    const entryAddr = view.getUint32(box + 16 + 16 * i, true);
    const index = Math.floor(va / 2 ** LEVEL_SHIFT[i]) % 512;
    const bits = ENTRY_BITS.filter(([b]) => (lo >>> b) & 1).map(([, name]) => name);
    if (hi >>> 31) bits.push("NX");
    const present = (lo & 1) === 1;
    const leaf = present && (i === 3 || (i > 0 && (lo & 0x80) !== 0));
    const pfn = (hi & 0xfffff) * 2 ** 20 + (lo >>> 12);
    levels.push({
      name: LEVEL_NAMES[i], index, entryAddr, present, bits, pfn, leaf,
      raw: hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0"),
    });
    if (leaf) {
      const size = 2 ** LEVEL_SHIFT[i];
      // A huge page's entry holds its first frame (bit 12 of a PDE is PAT, not address).
      const base = i === 3 ? pfn * 4096 : Math.floor((pfn * 4096) / size) * size;
      phys = base + (va % size);
    }
  }
  const cr3 = n ? levels[0].entryAddr - levels[0].index * 8 : 0;
  return { va, cr3, levels, phys };
}
