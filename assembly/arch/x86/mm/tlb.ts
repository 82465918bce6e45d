// arch/x86/mm/tlb.c: TLB shootdown. The host's software TLB caches walk
// results, so every PTE change or removal tells it what to drop (a
// none -> present change needs nothing: no translation was cached).

import { PAGE_SHIFT } from "../../../mm/mm_types";
import { trace_enter, trace_exit, FN_flush_tlb_page } from "../../../kernel/trace";

@external("env", "flush_tlb_page")
declare function host_flush_tlb_page(va: f64): void;

@external("env", "flush_tlb_all")
declare function host_flush_tlb_all(): void;

/**
 * Above this many pages one full flush is cheaper than single ones
 * (Linux's tlb_single_page_flush_ceiling).
 */
@inline const tlb_single_page_flush_ceiling: u64 = 33;

/** Drops the translation of the page at va. */
export function flush_tlb_page(va: u64): void {
  trace_enter(FN_flush_tlb_page, <u32>va);
  host_flush_tlb_page(<f64>va);
  trace_exit(FN_flush_tlb_page);
}

/** Drops every translation of the current mm (flush_tlb_mm). */
export function flush_tlb_all(): void {
  host_flush_tlb_all();
}

/** Drops the translations of [start, end), page by page or all at once. */
export function flush_tlb_range(start: u64, end: u64): void {
  if ((end - start) >> PAGE_SHIFT > tlb_single_page_flush_ceiling) {
    host_flush_tlb_all();
    return;
  }
  for (let va = start; va < end; va += 1 << PAGE_SHIFT) host_flush_tlb_page(<f64>va);
}
