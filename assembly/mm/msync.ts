// mm/msync.c: msync(2). Its errors and its walk over the range's VMAs. The
// file a MAP_SHARED mapping writes to is a tmpfs file (the host's files are
// read-only here), whose fsync has nothing to write (noop_fsync): MS_SYNC
// waits for nothing.

import { PAGE_SIZE, VM_LOCKED } from "./mm_types";
import { current_mm, arg64 } from "./mmap";
import { find_vma } from "./vma";
import { ENOMEM, EINVAL, EBUSY } from "../include/errno";

@inline const MS_ASYNC: i32 = 1;
@inline const MS_INVALIDATE: i32 = 2;
@inline const MS_SYNC: i32 = 4;

/** msync(2). @return 0 or -errno: ENOMEM when part of the range is unmapped (the rest is still synced). */
export function sys_msync(start_in: f64, len_in: f64, flags: i32): i32 {
  let start = arg64(start_in);
  let len = arg64(len_in);
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return -EINVAL;
  if (start & (PAGE_SIZE - 1)) return -EINVAL;
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) return -EINVAL;
  len = (len + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1);
  const end = start + len;
  if (end < start) return -ENOMEM;
  if (end == start) return 0;
  const mm = current_mm();
  if (mm === null) return -ENOMEM;
  // Unmapped parts of [start, end) are skipped but make the answer ENOMEM;
  // MS_ASYNC alone has nothing to do, so it stops at the first.
  let unmapped_error: i32 = 0;
  let vma = find_vma(mm, start);
  while (true) {
    if (vma === null) return -ENOMEM;
    if (start < vma.vm_start) {
      if (flags == MS_ASYNC) return -ENOMEM;
      start = vma.vm_start;
      if (start >= end) return -ENOMEM;
      unmapped_error = -ENOMEM;
    }
    if ((flags & MS_INVALIDATE) && (vma.vm_flags & VM_LOCKED)) return -EBUSY;
    start = vma.vm_end;
    // MS_SYNC of a shared file mapping: vfs_fsync_range, which has nothing to write
    if (start >= end) break;
    vma = find_vma(mm, start);
  }
  return unmapped_error;
}
