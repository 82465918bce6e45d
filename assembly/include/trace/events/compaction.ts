// include/trace/events/compaction.h: the compaction tracepoints kcompactd
// and compact_zone fire, each recording its TP_STRUCT fields in order (the
// host's src/trace/events.ts holds their names and TP_printk formats, by
// the same ids).

import { trace_system_on, trace_event_record, TRACE_SYSTEM_COMPACTION } from "../../../kernel/trace";

// Event ids. Append only; src/trace/events.ts's table follows this order.
@inline export const TP_mm_compaction_begin: u32 = 0;
@inline export const TP_mm_compaction_end: u32 = 1;
@inline export const TP_mm_compaction_wakeup_kcompactd: u32 = 2;
@inline export const TP_mm_compaction_kcompactd_wake: u32 = 3;
@inline export const TP_mm_compaction_kcompactd_sleep: u32 = 4;

/** compact_zone's start: the zone's span, where the scanners start, sync or async. */
@inline export function trace_mm_compaction_begin(zone_start: u32, migrate_pfn: u32, free_pfn: u32, zone_end: u32, sync: bool): void {
  if (trace_system_on(TRACE_SYSTEM_COMPACTION)) {
    trace_event_record(TP_mm_compaction_begin, zone_start, migrate_pfn, free_pfn, zone_end, sync);
  }
}

/** compact_zone's end: where the scanners stopped, and the compact_result. */
@inline export function trace_mm_compaction_end(zone_start: u32, migrate_pfn: u32, free_pfn: u32, zone_end: u32, sync: bool, status: u32): void {
  if (trace_system_on(TRACE_SYSTEM_COMPACTION)) {
    trace_event_record(TP_mm_compaction_end, zone_start, migrate_pfn, free_pfn, zone_end, sync, status);
  }
}

/** kcompactd is woken: for an order (-1: a proactive round), from zones up to highest_zoneidx. */
@inline export function trace_mm_compaction_wakeup_kcompactd(nid: u32, order: i32, highest_zoneidx: u32): void {
  if (trace_system_on(TRACE_SYSTEM_COMPACTION)) {
    trace_event_record(TP_mm_compaction_wakeup_kcompactd, nid, order, highest_zoneidx);
  }
}

/** kcompactd_do_work starts. */
@inline export function trace_mm_compaction_kcompactd_wake(nid: u32, order: i32, highest_zoneidx: u32): void {
  if (trace_system_on(TRACE_SYSTEM_COMPACTION)) {
    trace_event_record(TP_mm_compaction_kcompactd_wake, nid, order, highest_zoneidx);
  }
}

/** kcompactd goes to wait. */
@inline export function trace_mm_compaction_kcompactd_sleep(nid: u32): void {
  if (trace_system_on(TRACE_SYSTEM_COMPACTION)) trace_event_record(TP_mm_compaction_kcompactd_sleep, nid);
}
