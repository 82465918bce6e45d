// fs/ioctl.c: ioctl. Browser-safe.

import { O_PATH } from "../fs/fdtable.js";
import { EBADF, ENOTTY } from "./errno.js";
import type { FileSyscalls } from "./files.js";

export function ioctl(files: FileSyscalls, fd: number): number {
  const f = files.fds.get(fd);
  if (!f || f.flags & O_PATH) return -EBADF;
  return -ENOTTY; // no file here is a terminal
}
