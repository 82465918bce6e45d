// fs/exec.c's part here: the address space exec replaces (exec_mmap) and
// the identity exec gives a task (pid, uid and comm, which Linux keeps in
// task_struct and we keep in its mm: one task per mm). The OOM killer and
// the oops paths print them.

import { mm_from_handle, mm_alloc, mmput, switch_mm } from "../mm/mmap";
import { arch_pick_mmap_layout } from "../arch/x86/mm/mmap";
import { VM_NOHUGEPAGE } from "../mm/mm_types";

/**
 * Names the task of address space `mm` (__set_task_comm): comm is up to
 * 15 ASCII bytes, NUL-padded, passed as four little-endian u32 words.
 * A bad handle is ignored.
 */
export function set_task(mm: u32, pid: u32, uid: u32, comm0: u32, comm1: u32, comm2: u32, comm3: u32): void {
  const m = mm_from_handle(mm);
  if (m === null) return;
  m.pid = pid;
  m.uid = uid;
  m.comm = <u64>comm0 | <u64>comm1 << 32;
  m.comm_hi = <u64>comm2 | <u64>(comm3 & 0x00ffffff) << 32;  // comm[15] stays NUL
}

/**
 * execve's new address space (exec_mmap): a fresh, empty mm for the task
 * that ran in `old`, carrying the task's identity, oom_score_adj, the
 * rlimits mm reads and THP settings; it becomes current, and the task's use of the
 * old mm ends (freed unless a CLONE_VM sharer still runs in it).
 * The host loads the new program into it; a failure after this point
 * kills the task, as in Linux. @return the new handle, or 0 on ENOMEM
 * or a bad handle (the old mm is then untouched).
 */
export function mm_exec(old: u32): u32 {
  const oldmm = mm_from_handle(old);
  if (oldmm === null) return 0;
  const mm = mm_alloc();
  if (mm === null) return 0;
  arch_pick_mmap_layout(mm, oldmm.rlim_stack);
  mm.rlim_as = oldmm.rlim_as;
  mm.rlim_data = oldmm.rlim_data;
  mm.rlim_memlock = oldmm.rlim_memlock;
  mm.pid = oldmm.pid;
  mm.uid = oldmm.uid;
  mm.comm = oldmm.comm;
  mm.comm_hi = oldmm.comm_hi;
  mm.oom_score_adj = oldmm.oom_score_adj;
  mm.thp_disabled = oldmm.thp_disabled;
  mm.def_flags = oldmm.def_flags & VM_NOHUGEPAGE;
  // The task's memory policy survives execve: it moves to the new mm.
  mm.mempolicy = oldmm.mempolicy;
  mm.il_prev = oldmm.il_prev;
  oldmm.mempolicy = 0;
  switch_mm(mm);
  mmput(oldmm);
  return <u32>changetype<usize>(mm);
}
