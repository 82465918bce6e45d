// mm/oom_kill.c: when a fault finds no memory, kill the task whose death
// frees the most (oom_badness), as Linux 5.15's page-fault OOM path does.
// There is one task per mm and, for now, one task: the current one. The
// victim gets SIGKILL (handle_page_fault reports it); the host ends it
// and calls mm_exit, which frees all it held.

import { mm_struct, PAGE_SIZE, MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES,
  MMF_OOM_VICTIM, get_mm_counter } from "./mm_types";
import { current_mm } from "./mmap";
import { count_vm_event, OOM_KILL } from "./vmstat";
import { printk, printk_char, printk_u64, panic } from "../kernel/panic";
import { trace_enter, trace_exit, FN_pagefault_out_of_memory, FN_out_of_memory } from "../kernel/trace";

/** The task's comm, as Linux prints it (up to 15 characters). */
export function printk_comm(mm: mm_struct): void {
  const comm = changetype<usize>(mm) + offsetof<mm_struct>("comm");
  for (let i = 0; i < 15; i++) {
    const c = load<u8>(comm + i);
    if (!c) break;
    printk_char(c);
  }
}

/** Whether the task owning mm has a SIGKILL coming. */
export function fatal_signal_pending(mm: mm_struct): bool {
  return (mm.flags & MMF_OOM_VICTIM) != 0;
}

/**
 * How much killing this task would free, in pages: its RSS, swap
 * entries and page tables (oom_score_adj is 0).
 */
export function oom_badness(mm: mm_struct): i64 {
  return get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES)
    + get_mm_counter(mm, MM_SWAPENTS) + get_mm_counter(mm, MM_SHMEMPAGES)
    + <i64>(mm.pgtables_bytes / PAGE_SIZE);
}

/** The task with the highest oom_badness (there is one task for now). */
function select_bad_process(): mm_struct | null {
  let chosen: mm_struct | null = null;
  let chosen_points = i64.MIN_VALUE;
  const mm = current_mm();
  if (mm !== null && oom_badness(mm) > chosen_points) {
    chosen = mm;
    chosen_points = oom_badness(mm);
  }
  return chosen;
}

function K(pages: i64): void { printk_u64(<u64>pages << 2); }

function __oom_kill_process(mm: mm_struct): void {
  mm.flags |= MMF_OOM_VICTIM;
  count_vm_event(OOM_KILL);
  printk("Out of memory: Killed process ");
  printk_u64(mm.pid);
  printk(" (");
  printk_comm(mm);
  printk(") total-vm:");
  K(<i64>mm.total_vm);
  printk("kB, anon-rss:");
  K(get_mm_counter(mm, MM_ANONPAGES));
  printk("kB, file-rss:");
  K(get_mm_counter(mm, MM_FILEPAGES));
  printk("kB, shmem-rss:");
  K(get_mm_counter(mm, MM_SHMEMPAGES));
  printk("kB, UID:");
  printk_u64(mm.uid);
  printk(" pgtables:");
  printk_u64(mm.pgtables_bytes >> 10);
  printk("kB oom_score_adj:0\n");
}

/**
 * Picks the task with the highest oom_badness and kills it. A task
 * already dying frees its memory soon: nothing more to do.
 * @return true (something will free memory); panics if nothing can.
 */
export function out_of_memory(): bool {
  trace_enter(FN_out_of_memory);
  const current = current_mm();
  if (current !== null && fatal_signal_pending(current)) {
    trace_exit(FN_out_of_memory, 1);
    return true;
  }
  const victim = select_bad_process();
  if (victim === null) panic("Out of memory and no killable processes...");
  const mm = changetype<mm_struct>(victim);
  printk_comm(mm);
  printk(" invoked oom-killer: gfp_mask=0x0(), order=0, oom_score_adj=0\n");
  __oom_kill_process(mm);
  trace_exit(FN_out_of_memory, 1);
  return true;
}

/** A fault ran out of memory: the OOM killer picks a victim (Linux 5.15). */
export function pagefault_out_of_memory(): void {
  trace_enter(FN_pagefault_out_of_memory);
  out_of_memory();
  trace_exit(FN_pagefault_out_of_memory);
}
