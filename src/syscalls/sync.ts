// fs/sync.c: fsync, fdatasync and sync_file_range. Nothing here is written
// back to a disk; what the calls answer is whether the file has an fsync
// operation, or a page cache to start writeback on. Browser-safe.

import { O_PATH } from "../fs/fdtable.js";
import { DirInode, RegularInode } from "../fs/inode.js";
import { EBADF, EINVAL, ESPIPE } from "./errno.js";
import type { FileSyscalls } from "./files.js";

/** /proc and /sys: their files have no fsync operation. */
const NO_FSYNC_DEVS = [0x16, 0x15];

/** vfs_fsync: regular files and directories have one; pipes, the character devices, /proc and /sys have none (EINVAL). */
export function fsync(files: FileSyscalls, fd: number): number {
  const f = files.fds.get(fd);
  if (!f || f.flags & O_PATH) return -EBADF;
  const hasFsync = (f.inode instanceof RegularInode || f.inode instanceof DirInode) && !NO_FSYNC_DEVS.includes(f.inode.mount.dev);
  return hasFsync ? 0 : -EINVAL;
}

/** SYNC_FILE_RANGE_WAIT_BEFORE, _WRITE and _WAIT_AFTER. */
const SYNC_FILE_RANGE_VALID = 7;

/**
 * sync_file_range(fd, offset, nbytes, flags): the range's checks (a wrapping
 * end is EINVAL; nbytes 0 runs to the end of the file), then a regular file
 * or a directory has a mapping to write back, with nothing dirty for a disk;
 * anything else (a symbolic link opens only with O_PATH) is ESPIPE.
 */
export function syncFileRange(files: FileSyscalls, fd: number, offset: number, nbytes: number, flags: number): number {
  const f = files.fds.get(fd);
  if (!f || f.flags & O_PATH) return -EBADF;
  if (flags & ~SYNC_FILE_RANGE_VALID) return -EINVAL;
  if (offset < 0 || nbytes < 0 || offset + nbytes >= 2 ** 63) return -EINVAL;
  return f.inode instanceof RegularInode || f.inode instanceof DirInode ? 0 : -ESPIPE;
}
