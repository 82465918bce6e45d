// fs/exec.c's part here: the identity exec gives a task (pid, uid and
// comm, which Linux keeps in task_struct and we keep in its mm: one task
// per mm). The OOM killer and the oops paths print them.

import { mm_from_handle } from "../mm/mmap";

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
