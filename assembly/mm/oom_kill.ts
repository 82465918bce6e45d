// mm/oom_kill.c: when reclaim cannot free memory for an allocation
// (__alloc_pages_may_oom), kill the task whose death frees the most
// (oom_badness), choosing among every process (one task per mm: the mm
// list is the task list). The victim is marked (the host reads it with
// oom_take_victim and ends every task using that mm; a faulting victim
// gets SIGKILL from handle_page_fault) and its private memory is reaped,
// as the oom_reaper does: at once for another task, so the allocation's
// retry finds memory; when the victim is the allocating task itself, once
// it is out of the fault it was in (oom_reap_pending), as Linux's reaper
// thread runs after the victim's own work.

import { mm_struct, vm_area_struct, PAGE_SIZE, MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES,
  VM_SHARED, MMF_OOM_VICTIM, MMF_OOM_SKIP, get_mm_counter } from "./mm_types";
import { current_mm, mmlist_first, mm_from_handle, get_mm_rss, flush_tlb_mm } from "./mmap";
import { first_vma, vma_next } from "./vma";
import { unmap_page_range, vma_is_anonymous } from "./memory";
import { totalram_pages } from "./mm_init";
import { count_vm_event, OOM_KILL } from "./vmstat";
import { total_swap_pages } from "./swapfile";
import { __GFP_ZERO, __GFP_COMP, __GFP_ACCOUNT, GFP_HIGHUSER_MOVABLE, GFP_HIGHUSER, GFP_USER, GFP_KERNEL, GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT } from "./gfp";
import { printk, printk_char, printk_u64, printk_hex, panic } from "../kernel/panic";
import { node_states_memory } from "../arch/x86/mm/numa";
import { NODE_DATA, nr_online_nodes } from "./mmzone";
import { mempolicy_in_oom_domain } from "./mempolicy";
import { trace_enter, trace_exit, FN_pagefault_out_of_memory, FN_out_of_memory, FN_oom_reap_task_mm } from "../kernel/trace";

@inline export const OOM_SCORE_ADJ_MIN: i32 = -1000;
@inline export const OOM_SCORE_ADJ_MAX: i32 = 1000;

/** The last victim not yet collected by the host (oom_take_victim), or 0. */
let oom_victim: u32 = 0;
/** The allocating task was chosen: reap it once its fault is over (oom_reap_deferred). */
let oom_reap_pending: u32 = 0;

/** The current task is the OOM killer's victim (tsk_is_oom_victim(current)). */
export function oom_victim_current(): bool {
  const current = current_mm();
  return current !== null && (current.flags & MMF_OOM_VICTIM) != 0;
}

/** Reaps a victim whose reaping waited for its own fault to end. */
export function oom_reap_deferred(): void {
  if (!oom_reap_pending) return;
  const mm = mm_from_handle(oom_reap_pending);
  oom_reap_pending = 0;
  if (mm !== null && (mm.flags & MMF_OOM_VICTIM) && !(mm.flags & MMF_OOM_SKIP)) oom_reap_task_mm(mm);
}

/** gfp flags as %pGg prints them: the composite Linux name first, then the other bits. */
function printk_gfp(gfp: u32): void {
  let rest = gfp;
  let first = true;
  let c: u32 = 0;
  let name = "";
  if ((rest & GFP_TRANSHUGE) == GFP_TRANSHUGE) { c = GFP_TRANSHUGE; name = "GFP_TRANSHUGE"; }
  else if ((rest & GFP_TRANSHUGE_LIGHT) == GFP_TRANSHUGE_LIGHT) { c = GFP_TRANSHUGE_LIGHT; name = "GFP_TRANSHUGE_LIGHT"; }
  else if ((rest & GFP_HIGHUSER_MOVABLE) == GFP_HIGHUSER_MOVABLE) { c = GFP_HIGHUSER_MOVABLE; name = "GFP_HIGHUSER_MOVABLE"; }
  else if ((rest & GFP_HIGHUSER) == GFP_HIGHUSER) { c = GFP_HIGHUSER; name = "GFP_HIGHUSER"; }
  else if ((rest & GFP_USER) == GFP_USER) { c = GFP_USER; name = "GFP_USER"; }
  else if ((rest & GFP_KERNEL) == GFP_KERNEL) { c = GFP_KERNEL; name = "GFP_KERNEL"; }
  if (c) {
    printk(name);
    rest &= ~c;
    first = false;
  }
  if (rest & __GFP_ZERO) { printk(first ? "__GFP_ZERO" : "|__GFP_ZERO"); first = false; }
  if (rest & __GFP_COMP) { printk(first ? "__GFP_COMP" : "|__GFP_COMP"); first = false; }
  if (rest & __GFP_ACCOUNT) { printk(first ? "__GFP_ACCOUNT" : "|__GFP_ACCOUNT"); first = false; }
}

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

/** printk of a signed decimal right-aligned in `width` columns (printf's %<width>d). */
function printk_num(v: i64, width: i32): void {
  let digits = 1;
  for (let x = v < 0 ? -v : v; x >= 10; x /= 10) digits++;
  if (v < 0) digits++;
  for (let i = digits; i < width; i++) printk_char(0x20);
  if (v < 0) {
    printk_char(0x2d);
    printk_u64(<u64>(-v));
  } else {
    printk_u64(<u64>v);
  }
}

/**
 * How much killing this task would free, in pages: its RSS, swap entries
 * and page tables, moved by oom_score_adj in thousandths of all memory.
 * i64.MIN_VALUE for a task that must not be chosen: oom_score_adj -1000,
 * or already reaped (MMF_OOM_SKIP).
 */
export function oom_badness(mm: mm_struct, totalpages: i64): i64 {
  const adj = <i64>mm.oom_score_adj;
  if (adj == OOM_SCORE_ADJ_MIN || (mm.flags & MMF_OOM_SKIP)) return i64.MIN_VALUE;
  const points = get_mm_rss(mm) + get_mm_counter(mm, MM_SWAPENTS) + <i64>(mm.pgtables_bytes / PAGE_SIZE);
  return points + adj * (totalpages / 1000);
}

/**
 * The task with the highest oom_badness, the later one on a tie, as
 * select_bad_process walks the task list; init (pid 1) only when no other
 * can be (Linux never kills it and panics instead: here it dies, ending
 * the run); null when none may be killed, or when a victim is still dying.
 */
function select_bad_process(totalpages: i64, nodemask: u64): mm_struct | null {
  let chosen: mm_struct | null = null, init: mm_struct | null = null;
  let chosen_points = i64.MIN_VALUE;
  for (let m = changetype<usize>(mmlist_first()); m; m = <usize>changetype<mm_struct>(m).mmlist) {
    const mm = changetype<mm_struct>(m);
    if ((mm.flags & MMF_OOM_VICTIM) && !(mm.flags & MMF_OOM_SKIP)) return null;
    if (!mempolicy_in_oom_domain(mm, nodemask)) continue;
    const points = oom_badness(mm, totalpages);
    if (points == i64.MIN_VALUE) continue;
    if (mm.pid == 1) init = mm; // is_global_init
    else if (points >= chosen_points) { chosen = mm; chosen_points = points; }
  }
  return chosen !== null ? chosen : init;
}

function K(pages: i64): void { printk_u64(<u64>pages << 2); }

/** A nodemask as Linux's %*pbl prints it: ranges, "0-1,3". */
function printk_nodelist(mask: u64): void {
  let first = true;
  for (let n: u32 = 0; n < 64; n++) {
    if (!((mask >> n) & 1)) continue;
    let e = n;
    while (e + 1 < 64 && ((mask >> (e + 1)) & 1)) e++;
    if (!first) printk_char(0x2c);
    printk_u64(n);
    if (e > n) {
      printk_char(0x2d);
      printk_u64(e);
    }
    first = false;
    n = e;
  }
}

/** The task table Linux prints before a kill (dump_tasks, vm.oom_dump_tasks = 1). */
function dump_tasks(): void {
  printk("Tasks state (memory values in pages):\n");
  printk("[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name\n");
  for (let m = changetype<usize>(mmlist_first()); m; m = <usize>changetype<mm_struct>(m).mmlist) {
    const mm = changetype<mm_struct>(m);
    printk("[");
    printk_num(mm.pid, 7);
    printk("] ");
    printk_num(mm.uid, 5);
    printk(" ");
    printk_num(mm.pid, 5);
    printk(" ");
    printk_num(<i64>mm.total_vm, 8);
    printk(" ");
    printk_num(get_mm_rss(mm), 8);
    printk(" ");
    printk_num(get_mm_counter(mm, MM_ANONPAGES), 8);
    printk(" ");
    printk_num(get_mm_counter(mm, MM_FILEPAGES), 8);
    printk(" ");
    printk_num(get_mm_counter(mm, MM_SHMEMPAGES), 9);
    printk(" ");
    printk_num(<i64>mm.pgtables_bytes, 8);
    printk(" ");
    printk_num(get_mm_counter(mm, MM_SWAPENTS), 8);
    printk("         ");
    printk_num(mm.oom_score_adj, 5);
    printk(" ");
    printk_comm(mm);
    printk("\n");
  }
}

function print_rss(mm: mm_struct): void {
  printk("anon-rss:");
  K(get_mm_counter(mm, MM_ANONPAGES));
  printk("kB, file-rss:");
  K(get_mm_counter(mm, MM_FILEPAGES));
  printk("kB, shmem-rss:");
  K(get_mm_counter(mm, MM_SHMEMPAGES));
  printk("kB");
}

function __oom_kill_process(mm: mm_struct): void {
  mm.flags |= MMF_OOM_VICTIM;
  oom_victim = <u32>changetype<usize>(mm);
  count_vm_event(OOM_KILL);
  printk("Out of memory: Killed process ");
  printk_u64(mm.pid);
  printk(" (");
  printk_comm(mm);
  printk(") total-vm:");
  K(<i64>mm.total_vm);
  printk("kB, ");
  print_rss(mm);
  printk(", UID:");
  printk_u64(mm.uid);
  printk(" pgtables:");
  printk_u64(mm.pgtables_bytes >> 10);
  printk("kB oom_score_adj:");
  printk_num(mm.oom_score_adj, 0);
  printk("\n");
}

/**
 * Frees the victim's private memory before it exits (oom_reap_task_mm):
 * the pages of every anonymous or private VMA are unmapped; the VMAs stay
 * for exit_mmap. The reaped mm is marked MMF_OOM_SKIP.
 */
function oom_reap_task_mm(mm: mm_struct): void {
  trace_enter(FN_oom_reap_task_mm, mm.pid);
  for (let vma: vm_area_struct | null = first_vma(mm); vma !== null; vma = vma_next(changetype<vm_area_struct>(vma))) {
    if (vma_is_anonymous(vma) || !(vma.vm_flags & VM_SHARED)) unmap_page_range(mm, vma, vma.vm_start, vma.vm_end);
  }
  flush_tlb_mm(mm);
  mm.flags |= MMF_OOM_SKIP;
  printk("oom_reaper: reaped process ");
  printk_u64(mm.pid);
  printk(" (");
  printk_comm(mm);
  printk("), now ");
  print_rss(mm);
  printk("\n");
  trace_exit(FN_oom_reap_task_mm);
}

/**
 * Picks the task with the highest oom_badness and kills it. A task
 * already dying frees its memory soon: nothing more to do.
 * @return true (something will free memory); panics if nothing can.
 */
export function out_of_memory(gfp: u32, order: u32, nodemask: u64 = 0): bool {
  trace_enter(FN_out_of_memory);
  const current = current_mm();
  if (current === null || !fatal_signal_pending(current)) {
    // constrained_alloc: a policy's nodemask that leaves out a node with
    // memory limits the OOM to those nodes (their pages, and tasks that may
    // use them); __GFP_THISNODE allocations never come here. Unconstrained,
    // the nodemask is dropped (oc->nodemask = NULL).
    let totalpages = <i64>totalram_pages + total_swap_pages;
    if (nodemask != 0 && (node_states_memory & ~nodemask) != 0) {
      totalpages = total_swap_pages;
      for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
        if ((nodemask >> nid) & 1) totalpages += NODE_DATA(nid).node_present_pages;
      }
    } else {
      nodemask = 0;
    }
    const victim = select_bad_process(totalpages, nodemask);
    if (victim === null) {
      // A victim still dying (never here: victims are reaped at once), or none at all.
      panic("Out of memory and no killable processes...");
    }
    oom_kill_process(changetype<mm_struct>(victim), current, gfp, order, nodemask);
  }
  trace_exit(FN_out_of_memory, 1);
  return true;
}

/**
 * Tells why (dump_header), kills the victim, and reaps its memory (at once,
 * or after the fault when it is the faulting task). `nodemask`: the policy's
 * nodes when the OOM is constrained to them (CONSTRAINT_MEMORY_POLICY), else 0.
 */
function oom_kill_process(mm: mm_struct, current: mm_struct | null, gfp: u32, order: u32, nodemask: u64): void {
  // dump_header: the invoking task's line, then the task table.
  if (current !== null) printk_comm(current);
  printk(" invoked oom-killer: gfp_mask=");
  printk_hex(gfp);
  printk("(");
  printk_gfp(gfp);
  printk("), order=");
  printk_u64(order);
  printk(", oom_score_adj=");
  printk_num(current !== null ? current.oom_score_adj : 0, 0);
  printk("\n");
  dump_tasks();
  printk("oom-kill:constraint=CONSTRAINT_");
  printk(nodemask ? "MEMORY_POLICY" : "NONE");
  printk(",nodemask=");
  if (nodemask) printk_nodelist(nodemask);
  else printk("(null)");
  printk(",cpuset=/,mems_allowed=");
  printk_nodelist(node_states_memory);
  printk(",global_oom,task_memcg=/,task=");
  printk_comm(mm);
  printk(",pid=");
  printk_u64(mm.pid);
  printk(",uid=");
  printk_u64(mm.uid);
  printk("\n");
  __oom_kill_process(mm);
  if (mm === current) oom_reap_pending = <u32>changetype<usize>(mm);
  else oom_reap_task_mm(mm);
}

/** A fault ran out of memory: the OOM killer picks a victim (Linux 5.15). */
export function pagefault_out_of_memory(): void {
  trace_enter(FN_pagefault_out_of_memory);
  out_of_memory(0, 0);
  trace_exit(FN_pagefault_out_of_memory);
}

// ─── the host's calls ──────────────────────────────────────────────────────

/**
 * The mm of the last task the OOM killer chose, once: the host ends every
 * task using it (SIGKILL) and calls mm_exit. @return the handle, or 0.
 */
export function oom_take_victim(): u32 {
  const mm = mm_from_handle(oom_victim);
  oom_victim = 0;
  return mm !== null && (mm.flags & MMF_OOM_VICTIM) ? <u32>changetype<usize>(mm) : 0;
}

/** /proc/<pid>/oom_score_adj of the task of `handle`. @return 0, or -EINVAL (bad handle or out of range). */
export function mm_set_oom_score_adj(handle: u32, adj: i32): i32 {
  const mm = mm_from_handle(handle);
  if (mm === null || adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX) return -22;
  mm.oom_score_adj = adj;
  return 0;
}

/**
 * /proc/<pid>/oom_score: oom_badness scaled to 0..2000 as proc_oom_score
 * does (1000 + points * 1000 / totalpages). @return it, or -1 for a bad handle.
 */
export function proc_oom_score(handle: u32): i32 {
  const mm = mm_from_handle(handle);
  if (mm === null) return -1;
  const totalpages = <i64>totalram_pages + total_swap_pages;
  const badness = oom_badness(mm, totalpages);
  if (badness == i64.MIN_VALUE) return 0;
  return <i32>(1000 + badness * 1000 / totalpages);
}
