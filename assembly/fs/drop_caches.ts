// fs/drop_caches.c: a write to /proc/sys/vm/drop_caches. 1 drops every
// inode's clean, unused page cache; 2 frees what the slab shrinkers can
// (no cache here has a shrinker, so it counts the call alone); 4 only
// quiets the kernel's log line, which this kernel does not print.

import { address_space, first_mapping } from "../mm/filemap";
import { invalidate_mapping_pages } from "../mm/truncate";
import { lru_add_drain } from "../mm/swap";
import { count_vm_event, DROP_PAGECACHE, DROP_SLAB } from "../mm/vmstat";
import { EINVAL } from "../include/errno";

/** Every live inode's cache (iterate_supers(drop_pagecache_sb)); one without pages is skipped. */
function drop_pagecache_sb(): void {
  for (let a = first_mapping(); a; a = changetype<address_space>(<usize>a).next) {
    const m = changetype<address_space>(<usize>a);
    if (m.nrpages) invalidate_mapping_pages(m, 0, <u64>-1);
  }
}

/**
 * drop_caches_sysctl_handler once proc_dointvec_minmax read the value:
 * 1..63, as the 6.18 kernel this is checked against bounds it (upstream
 * bounds it 1..4); the bits above 4 do nothing here. @return 0 or -EINVAL
 */
export function drop_caches_sysctl_handler(value: u32): i32 {
  if (value < 1 || value > 63) return -EINVAL;
  if (value & 1) {
    lru_add_drain();   // lru_add_drain_all: pages in the per-CPU batch are held by it
    drop_pagecache_sb();
    count_vm_event(DROP_PAGECACHE);
  }
  if (value & 2) count_vm_event(DROP_SLAB);   // drop_slab: no shrinker to run
  return 0;
}
