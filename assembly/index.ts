// The kernel's ABI: every export the host may call, and nothing else.
// Numbers only cross (DESIGN rule 5); see docs/abi.md.
export { log_buf_ptr, log_buf_next } from "./kernel/panic";
export { trace_set, trace_ring_ptr, trace_ring_next, trace_ring_events, trace_fn_names } from "./kernel/trace";
export { fault_stats_ptr } from "./mm/fault_stats";
export { start_kernel as boot } from "./init/main";
export { abi_alloc_pages as alloc_pages, abi_free_pages as free_pages, drain_all_pages } from "./mm/page_alloc";
export { check_invariants } from "./mm/debug";
export { kernel_layout } from "./kernel/layout";
