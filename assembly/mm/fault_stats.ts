// Fault counters Linux does not keep in /proc/vmstat, for --stats. They sit
// apart from vm_events so /proc/vmstat prints only Linux's own names.
//
//  ╒═══ fault_stats (u64 each) ═══════════════════════════════════════════╕
//   0  FAULT_ZERO_PAGE  do_anonymous_page mapped the shared zero page (a read)
//   8  FAULT_COW        a write copied a page: wp_page_copy, do_cow_fault
//  ╘═════════════════════════════════════════════════════════════════════╛

@inline export const FAULT_ZERO_PAGE: u32 = 0;
@inline export const FAULT_COW: u32 = 1;
@inline export const NR_FAULT_STATS: u32 = 2;

const fault_stats: usize = memory.data(<i32>NR_FAULT_STATS << 3, 8);

export function fault_stats_ptr(): usize { return fault_stats; }

@inline export function count_fault_stat(item: u32): void {
  const p = fault_stats + (<usize>item << 3);
  store<u64>(p, load<u64>(p) + 1);
}
