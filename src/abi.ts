// The seam between the host and build/kernel.wasm, in one place:
//   - KernelExports: every export, typed from build/kernel.d.ts (asc writes
//     it from the kernel's signatures; scripts/abi.mjs copies it into
//     src/abi_generated.ts at build time). A new export in assembly/index.ts
//     is typed here with no host edit.
//   - the kernel_layout() fields, generated from assembly/kernel/layout.ts,
//     struct page's offsets among them (the compiler's offsetof).
//   - the records the kernel fills for /proc (MM_VIEW, VMA_RECORD, SMAPS) and
//     the constants both sides use, under the kernel's names:
//     test/project/abi.test.ts evaluates each against its definition in assembly/,
//     so a change on one side that the other misses fails.
// Raw exports return u32 and usize results as signed i32: `>>> 0` them.

import { LAYOUT_FIELDS } from "./abi_generated.js";

export type { KernelExports } from "./abi_generated.js";
export { LAYOUT_FIELDS };

/** A kernel_layout() field (assembly/kernel/layout.ts says what each holds). */
export type LayoutField = (typeof LAYOUT_FIELDS)[number];
export type Layout = Readonly<Record<LayoutField, number>>;

/** Reads the kernel_layout() table at `table` (a byte address) into a record by field name. */
export function readLayout(u32: Uint32Array, table: number): Layout {
  const at = table >>> 2;
  return Object.fromEntries(LAYOUT_FIELDS.map((name, i) => [name, u32[at + i]])) as Layout;
}

// ─── constants (the kernel's names and values) ─────────────────────────────

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** The top of user space (arch/x86/mm/mmap.ts). */
export const TASK_SIZE = 0x7ffffffff000;
/** No user mapping below it (vm.mmap_min_addr with the LSM's floor). */
export const MMAP_MIN_ADDR = 65536;
/** The timer's ticks a second (assembly/kernel/time.ts): jiffies on the virtual clock. */
export const HZ = 250;

/** Nodes the kernel can have (assembly/include/numa.ts: NODES_SHIFT 3). */
export const MAX_NUMNODES = 8;
/** A syscall's nodemask is this wide (Linux's MAX_NUMNODES with CONFIG_NODES_SHIFT 10); it crosses at user_nodemask_ptr(). */
export const NODEMASK_BITS = 1024;
/** A page's node is (flags >>> NODES_PGSHIFT) & (MAX_NUMNODES - 1). */
export const NODES_PGSHIFT = 26;

// Memory policies (assembly/mm/mempolicy.ts, uapi/linux/mempolicy.h).
export const MPOL_DEFAULT = 0;
export const MPOL_PREFERRED = 1;
export const MPOL_BIND = 2;
export const MPOL_INTERLEAVE = 3;
export const MPOL_LOCAL = 4;
export const MPOL_PREFERRED_MANY = 5;
export const MPOL_WEIGHTED_INTERLEAVE = 6;
export const MPOL_F_STATIC_NODES = 1 << 15;
export const MPOL_F_RELATIVE_NODES = 1 << 14;
export const MPOL_F_NUMA_BALANCING = 1 << 13;
export const MPOL_MODE_FLAGS = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;
export const MPOL_F_ADDR = 1 << 1;

// struct page flags (assembly/mm/mm_types.ts).
export const PG_locked = 1 << 0;
export const PG_reserved = 1 << 1;
export const PG_buddy = 1 << 2;
export const PG_head = 1 << 3;
export const PG_tail = 1 << 4;
export const PG_pgtable = 1 << 6;
export const PG_slab = 1 << 7;
export const PG_uptodate = 1 << 8;
export const PG_zero = 1 << 10;
export const PG_anon_exclusive = 1 << 11;
export const PG_lru = 1 << 12;
export const PG_active = 1 << 13;
export const PG_referenced = 1 << 14;
export const PG_swapbacked = 1 << 15;
export const PG_dirty = 1 << 16;
export const PG_swapcache = 1 << 18;
export const PG_mlocked = 1 << 20;
export const PG_unevictable = 1 << 21;
/** Not Linux's: a free frame never handed out since boot, still holding the host's zeros. */
export const PG_zeroed = 1 << 22;
export const PAGE_MAPPING_ANON = 1;
/** Migratetypes with per-cpu lists (pindex = order * MIGRATE_PCPTYPES + migratetype). */
export const MIGRATE_PCPTYPES = 3;

// Page-table entry bits (assembly/mm/pgtable.ts).
export const _PAGE_PRESENT = 1 << 0;
export const _PAGE_RW = 1 << 1;
export const _PAGE_USER = 1 << 2;
export const _PAGE_ACCESSED = 1 << 5;
export const _PAGE_DIRTY = 1 << 6;
export const _PAGE_PSE = 1 << 7;
/** G on a non-present entry: a PROT_NONE page, present to pte_present. */
export const _PAGE_PROTNONE = 1 << 8;
export const PGDIR_SHIFT = 39;
export const PUD_SHIFT = 30;
export const PMD_SHIFT = 21;

// The #PF error code (the walk's `access` too) and the walk's TLB entry bits (assembly/arch/x86/mmu.ts).
export const X86_PF_PROT = 1 << 0;
export const X86_PF_WRITE = 1 << 1;
export const X86_PF_USER = 1 << 2;
export const X86_PF_RSVD = 1 << 3;
export const X86_PF_INSTR = 1 << 4;
export const TLB_X = 1;
export const TLB_W = 2;

// vm_flags (assembly/mm/mm_types.ts).
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_MAYSHARE = 0x80;
export const VM_LOCKED = 0x2000;

// The vDSO's special mappings (assembly/arch/x86/entry/vdso.ts): their sizes in
// pages, and the ids in vm_private_data that name them in /proc/<pid>/maps.
export const VVAR_PAGES = 4;
export const VVAR_VCLOCK_PAGES = 2;
export const VDSO_PAGES = 2;
export const SPECIAL_VVAR = 1;
export const SPECIAL_VVAR_VCLOCK = 2;
export const SPECIAL_VDSO = 3;
/** Each special mapping's name (vm_special_mapping.name), by id. */
export const SPECIAL_MAPPING_NAMES: Record<number, string> = {
  [SPECIAL_VVAR]: "[vvar]", [SPECIAL_VVAR_VCLOCK]: "[vvar_vclock]", [SPECIAL_VDSO]: "[vdso]",
};

// mmap's prot and flags (assembly/include/uapi/mman.ts).
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_TYPE = 0x0f;
export const MAP_HUGETLB = 0x40000;
export const MAP_FIXED_NOREPLACE = 0x100000;

// A file's f_mode as file_open takes it (assembly/mm/filemap.ts).
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;

/** include/linux/gfp_types.h bit values (assembly/mm/gfp.ts). */
export const GFP = {
  __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08,
  __GFP_RECLAIMABLE: 0x10, __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80,
  __GFP_ZERO: 0x100, __GFP_ATOMIC: 0x200, __GFP_DIRECT_RECLAIM: 0x400,
  __GFP_KSWAPD_RECLAIM: 0x800, __GFP_NOWARN: 0x2000, __GFP_NORETRY: 0x10000, __GFP_MEMALLOC: 0x20000,
  __GFP_COMP: 0x40000, __GFP_NOMEMALLOC: 0x80000, __GFP_HARDWALL: 0x100000,
  GFP_KERNEL: 0xcc0, GFP_ATOMIC: 0xa20, GFP_USER: 0x100cc0,
  GFP_HIGHUSER_MOVABLE: 0x100cca, GFP_DMA: 0x01, GFP_DMA32: 0x04,
} as const;

// ─── the records the kernel fills (assembly/fs/proc/task_mmu.ts) ───────────

/** proc_vma_next's record: these fields of the VMA, one f64 each, in this order. */
export const VMA_RECORD = ["vm_start", "vm_end", "vm_pgoff", "vm_flags", "vm_file", "anon_vma", "i_ino", "thp_vma_allowable_orders", "vm_private_data"] as const;

/** proc_mm_counters' record: one f64 each, in this order (mm_struct fields, rss counters, vm_committed_as). */
export const MM_VIEW = [
  "MM_FILEPAGES", "MM_ANONPAGES", "MM_SWAPENTS", "MM_SHMEMPAGES", "hiwater_rss", "hiwater_vm", "total_vm",
  "locked_vm", "data_vm", "exec_vm", "stack_vm", "pgtables_bytes", "min_flt", "maj_flt", "map_count",
  "start_code", "end_code", "start_data", "end_data", "start_brk", "brk", "start_stack", "arg_start", "arg_end",
  "env_start", "env_end", "mmap_base", "rlim_stack", "vm_committed_pages",
] as const;

/** The index of each field in a record list such as MM_VIEW. */
export function recordIndex<T extends string>(fields: readonly T[]): Record<T, number> {
  return Object.fromEntries(fields.map((f, i) => [f, i])) as Record<T, number>;
}

/** proc_smaps_range's record (f64 words): bytes; the Pss fields are bytes << PSS_SHIFT. */
export const SMAPS = {
  Rss: 0, Pss: 1, Pss_Anon: 2, Pss_File: 3, Shared_Clean: 4, Shared_Dirty: 5,
  Private_Clean: 6, Private_Dirty: 7, Referenced: 8, Anonymous: 9, AnonHugePages: 10, Pss_Dirty: 11, Pss_Shmem: 12,
  Swap: 13, SwapPss: 14, Pss_Locked: 15, LazyFree: 16, count: 17,
} as const;
export const PSS_SHIFT = 12;
