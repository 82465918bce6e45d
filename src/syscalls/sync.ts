// fs/sync.c: fsync and fdatasync. Nothing here is written back to a disk;
// what the call answers is whether the file has an fsync operation. Browser-safe.

import { O_PATH } from "../fs/fdtable.js";
import { DirInode, RegularInode } from "../fs/inode.js";
import { EBADF, EINVAL } from "./errno.js";
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
