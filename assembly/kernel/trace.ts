// The function_graph tracer's kernel half: seed functions call
// trace_enter(FN_x, arg) on entry and trace_exit(FN_x, ret) on every
// return. When tracing is off that is one load and a branch. When on, each
// event is 16 bytes in a ring the host reads (src/trace/ring.ts). The ring
// is boot memory (memblock, TRACE_RING_BYTES), handed over by
// trace_ring_init; tracing stays off until then.
//
// CONFIG_FTRACE (asconfig.json) builds the tracers in: the "trace" target
// (build/kernel.trace.wasm) and the debug build have them. The release
// build (build/kernel.wasm) has none: every trace_enter, trace_exit and
// tracepoint compiles to nothing, so its hot paths carry no trace test, and
// trace_set and trace_events_set leave tracing off. Both builds reserve the
// ring, so the same program gives the same counters on either.
//
//  ╒═════════ trace event (16 bytes) ═══════════════════════════════════╕
//   0  word0  u32  fn id | TRACE_EXIT (bit 31)
//   4  arg    u32  enter: the argument; exit: the return value (below)
//   8  ts     f64  the trace clock at the event (below)
//  ╘════════════════════════════════════════════════════════════════════╛
//
// The clock, chosen by trace_set(mode):
//   TRACE_CLOCK_COUNTER  ts = the event's sequence number (trace_next before
//     the event), Linux's `counter` trace_clock: a count, not time. A
//     duration is the number of events written between a call and its
//     return, so the same run gives the same trace byte for byte.
//   TRACE_CLOCK_HOST     ts = env.trace_clock(), host nanoseconds (measured
//     wall time; differs run to run). The import is called only in this mode.
//
// Arguments, by convention (docs/abi.md "Tracing"):
//   fault-path functions (do_user_addr_fault … do_anonymous_page): enter arg
//     = the fault address's low 32 bits; exit = the vm_fault_t result.
//   allocator functions (__alloc_pages … expand, __free_pages …): enter arg =
//     the order; exit of a function returning a page = its pfn, or
//     TRACE_NO_PAGE when it returns none.
//
// Names live here, in one table: trace_fn_names() points at a static string
// (UTF-16LE, its byte length in the u32 at ptr - 4), NUL-separated.

@inline export const TRACE_EXIT: u32 = 0x80000000;
@inline export const TRACE_NO_PAGE: u32 = 0xffffffff;
@inline export const TRACE_EVENT_SIZE: u32 = 16;
@inline export const TRACE_RING_EVENTS: u32 = 1 << 16;
// trace_set modes
@inline export const TRACE_OFF: u32 = 0;
@inline export const TRACE_CLOCK_COUNTER: u32 = 1;
@inline export const TRACE_CLOCK_HOST: u32 = 2;

@external("env", "trace_clock")
declare function host_trace_clock(): f64;

@inline export const TRACE_RING_BYTES: u32 = TRACE_RING_EVENTS * TRACE_EVENT_SIZE;

let ring: usize = 0;
let trace_on: u32 = TRACE_OFF;
let trace_next: u32 = 0;  // events ever written; the ring wraps

/** Boot hands the ring its memory (TRACE_RING_BYTES). */
export function trace_ring_init(buf: usize): void { ring = buf; }
/**
 * Turns tracing off (TRACE_OFF) or on with a clock (TRACE_CLOCK_*); off
 * until the ring exists, and always without CONFIG_FTRACE.
 * @return the mode now in effect
 */
export function trace_set(mode: u32): u32 {
  trace_on = CONFIG_FTRACE && ring ? mode : TRACE_OFF;
  return trace_on;
}
export function trace_ring_ptr(): usize { return ring; }
export function trace_ring_next(): u32 { return trace_next; }
export function trace_ring_events(): u32 { return TRACE_RING_EVENTS; }

function trace_event(word0: u32, arg: u32): void {
  const slot = ring + ((trace_next & (TRACE_RING_EVENTS - 1)) * TRACE_EVENT_SIZE);
  store<u32>(slot, word0);
  store<u32>(slot, arg, 4);
  store<f64>(slot, trace_on == TRACE_CLOCK_HOST ? host_trace_clock() : <f64>trace_next, 8);
  trace_next++;
}

/** Are the function-graph events being recorded? Never without CONFIG_FTRACE. */
@inline export function tracing(): bool { return CONFIG_FTRACE && trace_on != TRACE_OFF; }

@inline export function trace_enter(fn: u32, arg: u32 = 0): void {
  if (CONFIG_FTRACE && trace_on) trace_event(fn, arg);
}

@inline export function trace_exit(fn: u32, ret: u32 = 0): void {
  if (CONFIG_FTRACE && trace_on) trace_event(fn | TRACE_EXIT, ret);
}

// Function ids. Append only; keep FN_NAMES in the same order.
@inline export const FN_do_user_addr_fault: u32 = 0;
@inline export const FN_handle_mm_fault: u32 = 1;
@inline export const FN___handle_mm_fault: u32 = 2;
@inline export const FN_handle_pte_fault: u32 = 3;
@inline export const FN_do_anonymous_page: u32 = 4;
@inline export const FN_alloc_zeroed_user_highpage_movable: u32 = 5;
@inline export const FN_alloc_pages_vma: u32 = 6;
@inline export const FN___alloc_pages: u32 = 7;
@inline export const FN_get_page_from_freelist: u32 = 8;
@inline export const FN_rmqueue: u32 = 9;
@inline export const FN___rmqueue: u32 = 10;
@inline export const FN___rmqueue_smallest: u32 = 11;
@inline export const FN_get_page_from_free_area: u32 = 12;
@inline export const FN_expand: u32 = 13;
@inline export const FN___rmqueue_fallback: u32 = 14;
@inline export const FN_rmqueue_pcplist: u32 = 15;
@inline export const FN_rmqueue_bulk: u32 = 16;
@inline export const FN_prep_new_page: u32 = 17;
@inline export const FN___alloc_pages_slowpath: u32 = 18;
@inline export const FN___free_pages: u32 = 19;
@inline export const FN_free_unref_page: u32 = 20;
@inline export const FN_free_pcppages_bulk: u32 = 21;
@inline export const FN___free_one_page: u32 = 22;
@inline export const FN_find_vma: u32 = 23;
@inline export const FN_expand_stack: u32 = 24;
@inline export const FN_access_error: u32 = 25;
@inline export const FN_do_wp_page: u32 = 26;
@inline export const FN_wp_page_copy: u32 = 27;
@inline export const FN_create_huge_pmd: u32 = 28;
@inline export const FN_do_fault: u32 = 29;
@inline export const FN_pte_alloc: u32 = 30;
@inline export const FN_pmd_alloc: u32 = 31;
@inline export const FN_pud_alloc: u32 = 32;
@inline export const FN_set_pte_at: u32 = 33;
@inline export const FN_bad_area: u32 = 34;
@inline export const FN_do_sigbus: u32 = 35;
@inline export const FN_pagefault_out_of_memory: u32 = 36;
@inline export const FN_out_of_memory: u32 = 37;
@inline export const FN_clear_page: u32 = 38;
@inline export const FN_copy_user_highpage: u32 = 39;
@inline export const FN_flush_tlb_page: u32 = 40;
@inline export const FN_do_read_fault: u32 = 41;
@inline export const FN_do_cow_fault: u32 = 42;
@inline export const FN_pgtable_bad: u32 = 43;
@inline export const FN_wp_page_reuse: u32 = 44;
@inline export const FN_dup_mmap: u32 = 45;
@inline export const FN_copy_page_range: u32 = 46;
@inline export const FN_copy_huge_pmd: u32 = 47;
@inline export const FN_do_huge_pmd_wp_page: u32 = 48;
@inline export const FN_split_huge_page: u32 = 49;
@inline export const FN_oom_reap_task_mm: u32 = 50;
@inline export const FN_try_to_compact_pages: u32 = 51;
@inline export const FN_compact_zone: u32 = 52;
@inline export const FN_isolate_migratepages: u32 = 53;
@inline export const FN_isolate_freepages: u32 = 54;
@inline export const FN_migrate_pages: u32 = 55;
@inline export const FN___alloc_pages_direct_compact: u32 = 56;
@inline export const FN_kcompactd_do_work: u32 = 57;
@inline export const FN_compact_node: u32 = 58;
@inline export const FN_wake_all_kswapds: u32 = 59;
@inline export const FN___alloc_pages_direct_reclaim: u32 = 60;
@inline export const FN_should_reclaim_retry: u32 = 61;
@inline export const FN___alloc_pages_may_oom: u32 = 62;
@inline export const FN_try_to_free_pages: u32 = 63;
@inline export const FN_shrink_node: u32 = 64;
@inline export const FN_shrink_lruvec: u32 = 65;
@inline export const FN_shrink_active_list: u32 = 66;
@inline export const FN_shrink_inactive_list: u32 = 67;
@inline export const FN_shrink_folio_list: u32 = 68;
@inline export const FN_folio_referenced: u32 = 69;
@inline export const FN_try_to_unmap: u32 = 70;
@inline export const FN_add_to_swap: u32 = 71;
@inline export const FN_pageout: u32 = 72;
@inline export const FN_swap_writepage: u32 = 73;
@inline export const FN_kswapd: u32 = 74;
@inline export const FN_balance_pgdat: u32 = 75;
@inline export const FN_wakeup_kswapd: u32 = 76;
@inline export const FN_do_swap_page: u32 = 77;
@inline export const FN_swapin_readahead: u32 = 78;
@inline export const FN_swap_readpage: u32 = 79;

// One literal: a concatenation would allocate at start-up, into RAM the buddy owns.
const FN_NAMES = "do_user_addr_fault\0handle_mm_fault\0__handle_mm_fault\0handle_pte_fault\0do_anonymous_page\0alloc_zeroed_user_highpage_movable\0alloc_pages_vma\0__alloc_pages\0get_page_from_freelist\0rmqueue\0__rmqueue\0__rmqueue_smallest\0get_page_from_free_area\0expand\0__rmqueue_fallback\0rmqueue_pcplist\0rmqueue_bulk\0prep_new_page\0__alloc_pages_slowpath\0__free_pages\0free_unref_page\0free_pcppages_bulk\0__free_one_page\0find_vma\0expand_stack\0access_error\0do_wp_page\0wp_page_copy\0create_huge_pmd\0do_fault\0pte_alloc\0pmd_alloc\0pud_alloc\0set_pte_at\0bad_area\0do_sigbus\0pagefault_out_of_memory\0out_of_memory\0clear_page\0copy_user_highpage\0flush_tlb_page\0do_read_fault\0do_cow_fault\0pgtable_bad\0wp_page_reuse\0dup_mmap\0copy_page_range\0copy_huge_pmd\0do_huge_pmd_wp_page\0split_huge_page\0oom_reap_task_mm\0try_to_compact_pages\0compact_zone\0isolate_migratepages\0isolate_freepages\0migrate_pages\0__alloc_pages_direct_compact\0kcompactd_do_work\0compact_node\0wake_all_kswapds\0__alloc_pages_direct_reclaim\0should_reclaim_retry\0__alloc_pages_may_oom\0try_to_free_pages\0shrink_node\0shrink_lruvec\0shrink_active_list\0shrink_inactive_list\0shrink_folio_list\0folio_referenced\0try_to_unmap\0add_to_swap\0pageout\0swap_writepage\0kswapd\0balance_pgdat\0wakeup_kswapd\0do_swap_page\0swapin_readahead\0swap_readpage\0";

export function trace_fn_names(): usize { return changetype<usize>(FN_NAMES); }

// ─── trace events ──────────────────────────────────────────────────────────
//
// The event tracer's kernel half (Linux's tracepoints, as
// /sys/kernel/tracing/events/*/enable turns them on): a tracepoint of an
// enabled subsystem writes one record, its event id and its fields, to a
// small ring the host drains after each kernel call that can fire one,
// stamps with the virtual clock and the running task, and prints with the
// event's TP_printk format (src/trace/events.ts). Off: one load and a branch.
//
//  ╒═══════ event record (32 bytes) ═══════╕
//   0  id         u32  TP_* (below)
//   4  fields[7]  i32  the event's fields, in its TP_STRUCT order
//  ╘═══════════════════════════════════════╛

@inline export const TRACE_EVENT_RECORD_SIZE: u32 = 32;
@inline export const TRACE_EVENT_RECORDS: u32 = 64;
// Subsystems, one enable bit each.
@inline export const TRACE_SYSTEM_COMPACTION: u32 = 1;

const event_ring: usize = memory.data(<i32>(TRACE_EVENT_RECORDS * TRACE_EVENT_RECORD_SIZE), 8);
let events_on: u32 = 0;
let events_next: u32 = 0;  // records ever written; the ring wraps

/**
 * Enables the subsystems whose bits are set in `mask` (TRACE_SYSTEM_*),
 * disables the others; none without CONFIG_FTRACE. @return the mask now in effect
 */
export function trace_events_set(mask: u32): u32 {
  events_on = CONFIG_FTRACE ? mask : 0;
  return events_on;
}
export function trace_events_ptr(): usize { return event_ring; }
export function trace_events_next(): u32 { return events_next; }
export function trace_events_records(): u32 { return TRACE_EVENT_RECORDS; }

/** Whether tracepoints of `system` record (trace_<event>_enabled). */
@inline export function trace_system_on(system: u32): bool { return CONFIG_FTRACE && (events_on & system) != 0; }

/** Writes one event record. */
export function trace_event_record(id: u32, f0: i32 = 0, f1: i32 = 0, f2: i32 = 0, f3: i32 = 0, f4: i32 = 0, f5: i32 = 0, f6: i32 = 0): void {
  const rec = event_ring + (events_next & (TRACE_EVENT_RECORDS - 1)) * TRACE_EVENT_RECORD_SIZE;
  store<u32>(rec, id);
  store<i32>(rec, f0, 4);
  store<i32>(rec, f1, 8);
  store<i32>(rec, f2, 12);
  store<i32>(rec, f3, 16);
  store<i32>(rec, f4, 20);
  store<i32>(rec, f5, 24);
  store<i32>(rec, f6, 28);
  events_next++;
}
