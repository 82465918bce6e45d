// fs/fcntl.c: fcntl (its lock commands: locks.ts; its seal commands: memfd.ts); with dup, dup2 and dup3 (fs/file.c). Browser-safe.

import { O_APPEND, O_ASYNC, O_CLOEXEC, O_DIRECT, O_NOATIME, O_NONBLOCK, O_PATH } from "../fs/fdtable.js";
import { EBADF, EINVAL } from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLK, F_SETLKW, fcntlLock } from "./locks.js";
import { F_ADD_SEALS, F_GET_SEALS, memfdFcntl } from "./memfd.js";

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
const FD_CLOEXEC = 1;
/** The flags F_SETFL may change (SETFL_MASK). */
const SETFL_MASK = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

export function dup(files: FileSyscalls, fd: number): number {
  const f = files.fds.get(fd);
  return f ? files.fds.install(f, false) : -EBADF;
}

export function dup3(files: FileSyscalls, oldfd: number, newfd: number, flags: number, isDup2: boolean): number {
  if (!isDup2 && (flags & ~O_CLOEXEC)) return -EINVAL;
  if (!isDup2 && oldfd === newfd) return -EINVAL;
  const f = files.fds.get(oldfd);
  if (newfd < 0 || newfd >= files.fds.nofile()) return -EBADF;
  if (!f) return -EBADF;
  if (oldfd === newfd) return newfd;
  files.fds.installAt(newfd, f, (flags & O_CLOEXEC) !== 0);
  return newfd;
}

/** `arg` is an unsigned long that the commands here read as an int (do_fcntl's argi). */
export function fcntl(files: FileSyscalls, fd: number, cmd: number, arg: number): number {
  const f = files.fds.get(fd);
  if (!f) return -EBADF;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      // f_dupfd takes it as an unsigned int: a negative int is a huge lower bound.
      const min = arg >>> 0;
      if (min >= files.fds.nofile()) return -EINVAL;
      return files.fds.install(f, cmd === F_DUPFD_CLOEXEC, min);
    }
    case F_GETFD: return files.fds.isCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD: files.fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0); return 0;
    case F_GETFL: return f.flags;
    case F_SETFL:
      if (f.flags & O_PATH) return -EBADF;
      f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
      return 0;
    case F_GETLK: case F_SETLK: case F_SETLKW: case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
      return fcntlLock(files, f, cmd, arg);
    case F_ADD_SEALS: case F_GET_SEALS: return memfdFcntl(files, f, cmd, arg);
    default: return -EINVAL;
  }
}
