// include/linux/mm_types.h: struct page, one per page frame, in mem_map.
//
// Linux spends 64 bytes a page; we spend 32, by keeping list links and the
// mapping as 32-bit linear-memory pointers (wasm32: RAM <= 4 GiB) and the
// small per-state fields as 16-bit halves of one word.
//
//  ╒═════════ struct page (32 bytes) ═══════════════════════════════════╕
//   0  flags      u32  PG_* bits [0..23], zone [24..25], node [26..31]
//   4  _refcount  i32  0 = free or unused
//   8  lru.next   u32  -> next page's lru (or a list head), buddy/pcp lists
//  12  lru.prev   u32     (an unevictable LRU page is on no list: mlock_count)
//  16  private_   u16  buddy order (PG_buddy) / migratetype (on a pcp list)
//  18  _mapcount  i16  -1 = mapped by no PTE
//  20  mapping    u32  anon: anon_vma pointer | PAGE_MAPPING_ANON (mm/rmap.ts)
//  24  index      u64  anon: page offset in the mapping (va >> PAGE_SHIFT)
//  ╘════════════════════════════════════════════════════════════════════╛

@inline export const PAGE_SHIFT: u32 = 12;
@inline export const PAGE_SIZE: u32 = 1 << PAGE_SHIFT;
@inline export const SIZEOF_PAGE: u32 = 32;

// Page flags (include/linux/page-flags.h), the ones this kernel uses.
@inline export const PG_locked: u32 = 1 << 0;
@inline export const PG_reserved: u32 = 1 << 1;   // memblock-reserved, never in the buddy
@inline export const PG_buddy: u32 = 1 << 2;      // head of a free buddy block
@inline export const PG_head: u32 = 1 << 3;       // head of a compound (THP) page
@inline export const PG_tail: u32 = 1 << 4;       // tail of a compound page
@inline export const PG_pgtable: u32 = 1 << 6;    // a page-table page (PageTable)
@inline export const PG_slab: u32 = 1 << 7;       // owned by a kmem_cache
@inline export const PG_uptodate: u32 = 1 << 8;
@inline export const PG_pcp: u32 = 1 << 9;        // on a per-cpu free list
@inline export const PG_zero: u32 = 1 << 10;      // the shared zero page
@inline export const PG_anon_exclusive: u32 = 1 << 11;  // PageAnonExclusive: mapped by one process only
@inline export const PG_lru: u32 = 1 << 12;       // on an LRU list of its node's lruvec
@inline export const PG_active: u32 = 1 << 13;    // on an active list
@inline export const PG_referenced: u32 = 1 << 14; // seen referenced once by reclaim
@inline export const PG_swapbacked: u32 = 1 << 15; // anonymous or tmpfs: its backing store is swap
@inline export const PG_dirty: u32 = 1 << 16;     // a page-cache page newer than the file
@inline export const PG_readahead: u32 = 1 << 17; // read-ahead reads the next window when this page is hit
@inline export const PG_swapcache: u32 = 1 << 18; // in the swap cache; its swap entry is page_private (mm/swap_state.ts)
@inline export const PG_workingset: u32 = 1 << 19; // was active when evicted, or refaulted soon after
@inline export const PG_mlocked: u32 = 1 << 20;   // a VM_LOCKED VMA maps it (mm/mlock.ts): counted in NR_MLOCK
@inline export const PG_unevictable: u32 = 1 << 21; // on the unevictable "list": reclaim never sees it
// Not Linux's: a page free since boot, never handed out, still holds the
// zeros the host's new memory starts with, so clearing it can be skipped.
// Meaningful on free pages only; freeing a page clears it (CHECK_AT_PREP).
@inline export const PG_zeroed: u32 = 1 << 22;

@inline export const ZONES_SHIFT: u32 = 24;
@inline export const NODES_PGSHIFT: u32 = 26;
@inline export const PAGE_MAPPING_ANON: u32 = 1;

@unmanaged
export class page {
  flags: u32;
  _refcount: i32;
  lru_next: u32;
  lru_prev: u32;
  private_: u16;   // Linux: private (a reserved word here)
  _mapcount: i16;
  mapping: u32;
  index: u64;
}

// vm_flags (include/linux/mm.h), the ones this kernel uses.
@inline export const VM_READ: u32 = 0x00000001;
@inline export const VM_WRITE: u32 = 0x00000002;
@inline export const VM_EXEC: u32 = 0x00000004;
@inline export const VM_SHARED: u32 = 0x00000008;
@inline export const VM_MAYREAD: u32 = 0x00000010;
@inline export const VM_MAYWRITE: u32 = 0x00000020;
@inline export const VM_MAYEXEC: u32 = 0x00000040;
@inline export const VM_MAYSHARE: u32 = 0x00000080;
@inline export const VM_GROWSDOWN: u32 = 0x00000100;
@inline export const VM_PFNMAP: u32 = 0x00000400;     // page-frame numbers without struct page use (the vvar)
@inline export const VM_LOCKED: u32 = 0x00002000;
@inline export const VM_IO: u32 = 0x00004000;
@inline export const VM_SEQ_READ: u32 = 0x00008000;    // MADV_SEQUENTIAL
@inline export const VM_RAND_READ: u32 = 0x00010000;   // MADV_RANDOM
@inline export const VM_DONTCOPY: u32 = 0x00020000;    // MADV_DONTFORK
@inline export const VM_DONTEXPAND: u32 = 0x00040000; // mremap cannot grow it
@inline export const VM_LOCKONFAULT: u32 = 0x00080000;  // mlock2(MLOCK_ONFAULT): locked as faulted in
@inline export const VM_ACCOUNT: u32 = 0x00100000;
@inline export const VM_NORESERVE: u32 = 0x00200000;
@inline export const VM_WIPEONFORK: u32 = 0x02000000;
@inline export const VM_DONTDUMP: u32 = 0x04000000;
@inline export const VM_HUGEPAGE: u32 = 0x20000000;
@inline export const VM_NOHUGEPAGE: u32 = 0x40000000;
@inline export const VM_STACK: u32 = VM_GROWSDOWN;
/** Mappings that never merge and whose pages are not ordinary (include/linux/mm.h; no VM_MIXEDMAP here). */
@inline export const VM_SPECIAL: u32 = VM_IO | VM_DONTEXPAND | VM_PFNMAP;
@inline export const VM_LOCKED_MASK: u32 = VM_LOCKED | VM_LOCKONFAULT;

// mm_struct RSS counters (enum mm_counter_type).
@inline export const MM_FILEPAGES: u32 = 0;
@inline export const MM_ANONPAGES: u32 = 1;
@inline export const MM_SWAPENTS: u32 = 2;
@inline export const MM_SHMEMPAGES: u32 = 3;
@inline export const NR_MM_COUNTERS: u32 = 4;

/**
 * struct vm_area_struct: one mapping [vm_start, vm_end) of an mm.
 * Allocated from a kmem_cache. The fields after `anon_vma_chain` belong to the
 * VMA set's own structure (mm/mmap.ts) and may change with it.
 */
@unmanaged
export class vm_area_struct {
  vm_start: u64;
  vm_end: u64;          // first byte after
  vm_pgoff: u64;        // offset in the file (or va >> PAGE_SHIFT for anon), in pages
  vm_page_prot: u64;    // the PTE bits for pages of this VMA (x86 format)
  vm_mm: u32;           // -> mm_struct
  vm_flags: u32;
  vm_file: u32;         // -> file (mm/filemap.ts) or 0 when anonymous
  anon_vma: u32;        // -> anon_vma (mm/rmap.ts) new anonymous pages go to, once one was faulted in
  anon_vma_chain: u32;  // first anon_vma_chain linking this VMA to every anon_vma it may hold pages of
  vm_policy: u32;       // -> mempolicy (mm/mempolicy.ts) set by mbind, or 0: the task's
  vm_private_data: u32; // a special mapping's id (arch/x86/entry/vdso.ts: VVAR, VVAR_VCLOCK, VDSO), or 0
  // The VMA set's links (mm/mmap.ts).
  rb_left: u32;
  rb_right: u32;
  rb_parent_color: u32;
  vm_next: u32;         // in address order, 0 at the end
  vm_prev: u32;
}

/**
 * struct mm_struct: an address space. Allocated from a kmem_cache.
 * Counters that Linux keeps in task_struct (min_flt, maj_flt) live here:
 * one task per mm.
 */
@unmanaged
export class mm_struct {
  pgd: u32;             // physical address of the PML4 (CR3)
  mm_rb: u32;           // root of the VMA tree
  mmap: u32;            // the first VMA in address order
  map_count: u32;
  mmap_base: u64;       // top of the top-down mmap area
  task_size: u64;
  start_code: u64;
  end_code: u64;
  start_data: u64;
  end_data: u64;
  start_brk: u64;
  brk: u64;
  start_stack: u64;
  arg_start: u64;
  arg_end: u64;
  env_start: u64;
  env_end: u64;
  total_vm: u64;        // pages mapped
  locked_vm: u64;
  data_vm: u64;         // VM_WRITE & ~VM_SHARED & ~VM_STACK
  exec_vm: u64;         // VM_EXEC & ~VM_WRITE & ~VM_STACK
  stack_vm: u64;        // VM_STACK
  rss_stat0: i64;       // MM_FILEPAGES (use get_mm_counter/add_mm_counter)
  rss_stat1: i64;       // MM_ANONPAGES
  rss_stat2: i64;       // MM_SWAPENTS
  rss_stat3: i64;       // MM_SHMEMPAGES
  hiwater_rss: u64;     // peak RSS in pages
  hiwater_vm: u64;
  pgtables_bytes: u64;
  min_flt: u64;
  maj_flt: u64;
  def_flags: u32;
  thp_disabled: u32;    // prctl(PR_SET_THP_DISABLE)
  // The owning task's identity and state (task_struct in Linux; one task per mm).
  flags: u32;           // MMF_* (below)
  pid: u32;
  uid: u32;
  comm: u64;            // comm[TASK_COMM_LEN = 16], NUL-padded ASCII
  comm_hi: u64;
  rlim_stack: u64;      // RLIMIT_STACK (the task's, in bytes); sets mmap_base
  rlim_as: u64;         // RLIMIT_AS and RLIMIT_DATA (the task's soft limits, in bytes): may_expand_vm
  rlim_data: u64;
  mmlist: u32;          // the next live mm, in creation order (mm/mmap.ts keeps the list)
  mm_users: u32;        // tasks using this mm (CLONE_VM shares it); the last mmput frees it
  oom_score_adj: i32;   // the owning task's (signal->oom_score_adj), -1000..1000
  mempolicy: u32;       // the task's memory policy (mm/mempolicy.ts), 0 = none
  il_prev: u32;         // the node the task's last interleaved allocation went to
  il_weight: u32;       // weighted interleave: allocations left on il_prev
  rlim_memlock: u64;    // RLIMIT_MEMLOCK (the task's soft limit, in bytes): what an unprivileged task may lock
}

// mm->flags.
@inline export const MMF_OOM_VICTIM: u32 = 1 << 25;  // the OOM killer sent SIGKILL to the owner
@inline export const MMF_OOM_SKIP: u32 = 1 << 21;    // reaped: the OOM killer looks past it
// Not Linux's: fork dropped VM_LOCKED from VMAs it copied, which may leave
// adjacent VMAs that vma_merge would merge (Linux leaves them too); the
// checker then does not ask this mm's VMAs to be merged.
@inline export const MMF_UNMERGED_BY_FORK: u32 = 1 << 31;

@inline export function get_mm_counter(mm: mm_struct, member: u32): i64 {
  return load<i64>(changetype<usize>(mm) + offsetof<mm_struct>("rss_stat0") + (<usize>member << 3));
}

@inline export function add_mm_counter(mm: mm_struct, member: u32, value: i64): void {
  const p = changetype<usize>(mm) + offsetof<mm_struct>("rss_stat0") + (<usize>member << 3);
  store<i64>(p, load<i64>(p) + value);
}
