// mm/page_io.c: reading and writing a swap page. The swap device is the
// host's (a block device outside RAM): the kernel hands it one page at a
// time, and the copy is done when the call returns, so a page under
// writeback here is clean at once.

import { page, PG_uptodate, PG_dirty } from "./mm_types";
import { page_address } from "./mmzone";
import { count_vm_event, PSWPIN, PSWPOUT } from "./vmstat";
import { swp_offset } from "./swapops";
import { folio_swap_entry } from "./swap_state";
import { trace_enter, trace_exit, FN_swap_writepage, FN_swap_readpage } from "../kernel/trace";

/** The host's swap device: copies RAM at `pa` to slot `offset`. */
@external("env", "swap_write_page")
declare function swap_write_page(offset: u32, pa: f64): void;

/** The host's swap device: copies slot `offset` to RAM at `pa`. */
@external("env", "swap_read_page")
declare function swap_read_page(offset: u32, pa: f64): void;

/** Writes a swap-cache page to its slot (swap_writepage); the page is clean after. */
export function swap_writepage(pg: page): void {
  const offset = swp_offset(folio_swap_entry(pg));
  trace_enter(FN_swap_writepage, offset);
  pg.flags &= ~PG_dirty;
  swap_write_page(offset, <f64>page_address(pg));
  count_vm_event(PSWPOUT);
  trace_exit(FN_swap_writepage);
}

/** Fills a new swap-cache page from its slot (swap_read_folio). */
export function swap_readpage(pg: page): void {
  const offset = swp_offset(folio_swap_entry(pg));
  trace_enter(FN_swap_readpage, offset);
  swap_read_page(offset, <f64>page_address(pg));
  pg.flags |= PG_uptodate;
  count_vm_event(PSWPIN);
  trace_exit(FN_swap_readpage);
}
