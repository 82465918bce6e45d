// The kernel's ABI: every export the host may call, and nothing else.
// Numbers only cross (DESIGN rule 5); see docs/abi.md.
export { log_buf_ptr, log_buf_next } from "./kernel/panic";
export { trace_set, trace_ring_ptr, trace_ring_next, trace_ring_events, trace_fn_names, trace_events_set, trace_events_ptr, trace_events_next, trace_events_records } from "./kernel/trace";
export { fault_stats_ptr } from "./mm/fault_stats";
export { start_kernel as boot } from "./init/main";
export { abi_alloc_pages as alloc_pages, abi_free_pages as free_pages, drain_all_pages } from "./mm/page_alloc";
export { check_invariants } from "./mm/debug";
export { kernel_layout } from "./kernel/layout";
export { mm_create, mm_switch, mm_switch_remote, mm_exit, mm_get, mm_set_rlimit, mm_set_code, mm_set_args, mm_set_brk, mm_set_stack,
  vm_mmap, sys_mmap, sys_munmap, sys_brk } from "./mm/mmap";
export { sys_mprotect } from "./mm/mprotect";
export { sys_mremap } from "./mm/mremap";
export { sys_madvise } from "./mm/madvise";
export { sys_msync } from "./mm/msync";
export { do_mincore } from "./mm/mincore";
export { sys_mlock2, sys_munlock, sys_mlockall, sys_munlockall } from "./mm/mlock";
export { file_open, file_set_size, file_page, filemap_get_pages, force_page_cache_readahead, file_fadvise_random, file_fsync, file_put } from "./mm/filemap";
export { mapping_try_invalidate } from "./mm/truncate";
export {
  shmem_get_inode, shmem_i_size, shmem_i_blocks, shmem_read_folio, shmem_write_begin, shmem_write_end, shmem_setattr, shmem_fallocate, mapping_writably_mapped,
} from "./mm/shmem";
export { proc_vma_next, proc_mm_counters, proc_smaps_range } from "./fs/proc/task_mmu";
export { kmem_caches_ptr, kmem_caches_count } from "./mm/slab";
export { mmu_walk, mmu_walk_inspect, walk_mailbox_ptr } from "./arch/x86/mmu";
export { handle_page_fault } from "./arch/x86/mm/fault";
export { thp_set_enabled } from "./mm/huge_memory";
export { set_task, mm_exec } from "./fs/exec";
export { mm_fork } from "./kernel/fork";
export { arch_setup_additional_pages, vdso_image_pa, vdso_time_data_pa } from "./arch/x86/entry/vdso";
export { oom_take_victim, mm_set_oom_score_adj, proc_oom_score } from "./mm/oom_kill";
export { rmap_page_mapcount } from "./mm/rmap";
export { kswapd } from "./mm/vmscan";
export { lru_add_drain } from "./mm/swap";
export { swapon, swap_info } from "./mm/swapfile";
export { vm_commit_info } from "./mm/util";
export { sysctl_get, sysctl_set } from "./kernel/sysctl";
export { drop_caches_sysctl_handler } from "./fs/drop_caches";
export { compact_memory, set_extfrag_threshold, kcompactd, kcompactd_timeout, abi_wakeup_kcompactd as wakeup_kcompactd, alloc_pages_compact } from "./mm/compaction";
export { set_watermark_boost_factor } from "./mm/page_alloc";
export { set_forbids_zeropage } from "./mm/memory";
export { numa_add_memblk, numa_set_distance, numa_set_node } from "./arch/x86/mm/numa";
export { sanitize_mpol_flags, user_nodemask_ptr, kernel_set_mempolicy, kernel_mbind, kernel_get_mempolicy, mempolicy_result_ptr,
  kernel_set_mempolicy_home_node, kernel_migrate_pages, kernel_move_page, kernel_page_node, set_iw_weight,
  get_il_weight, weighted_interleave_auto, weighted_interleave_auto_store } from "./mm/mempolicy";
export { proc_numa_maps } from "./fs/proc/task_mmu";
export { do_timer } from "./kernel/time";
export { need_resched_ptr } from "./kernel/sched";
