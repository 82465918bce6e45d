// fs/signalfd.c: signalfd and signalfd4, a file that reads the calling
// task's pending signals of its mask (its own queue, then its process's),
// each as a struct signalfd_siginfo, and polls readable while one is
// pending. The reader is `current`: a signalfd inherited by fork reads the
// child's signals. Browser-safe.

import { O_CLOEXEC, O_NONBLOCK, O_RDWR, OpenFile } from "../fs/fdtable.js";
import { ANON_INODE_FS, OpsInode } from "../fs/anon.js";
import { siginfo_layout, siginfoBytes, type SigInfo } from "../task/signal.js";
import { current } from "./current.js";
import { EAGAIN, EBADF, EFAULT, EINVAL } from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { POLLIN } from "./poll.js";

/** sizeof(struct signalfd_siginfo). */
const SIGNALFD_SIGINFO_SIZE = 128;
const SFD_CLOEXEC = O_CLOEXEC, SFD_NONBLOCK = O_NONBLOCK;
/** SIGKILL's and SIGSTOP's bits, which no mask holds. */
const UNCATCHABLE = (1 << (9 - 1)) | (1 << (19 - 1));

class SignalfdInode extends OpsInode {
  override readonly anonName = "[signalfd]";
  /** The signals it reads (ctx->sigmask, which Linux keeps inverted). */
  readonly sigmask = new Uint32Array(2);
  /** The poll mask last seen: each change moves `events` on, for edge-triggered epoll. */
  private last = 0;

  constructor(ino: number) {
    super(ino, 0o600, ANON_INODE_FS, 0);
  }

  /** signalfd_read: as many whole signalfd_siginfo as fit and are pending; none is EAGAIN (a blocking read waits for one). */
  read(_f: OpenFile, len: number): Uint8Array | number {
    if (len < SIGNALFD_SIGINFO_SIZE) return -EINVAL;
    const taken: Uint8Array[] = [];
    for (let info; taken.length < Math.floor(len / SIGNALFD_SIGINFO_SIZE) && (info = current.signals?.dequeue(this.sigmask));) taken.push(signalfd_copyinfo(info));
    if (taken.length === 0) return -EAGAIN;
    const out = new Uint8Array(taken.length * SIGNALFD_SIGINFO_SIZE);
    taken.forEach((b, i) => out.set(b, i * SIGNALFD_SIGINFO_SIZE));
    return out;
  }

  /** No write op: vfs_write's EINVAL. */
  write(): number {
    return -EINVAL;
  }

  poll(): number {
    const mask = current.signals?.pendingIn(this.sigmask) ? POLLIN : 0;
    if (mask !== this.last) {
      this.last = mask;
      this.events++;
    }
    return mask;
  }

  /** signalfd_show_fdinfo: the mask as render_sigset_t writes it, signal 64 first. */
  override showFdinfo(): string {
    return `sigmask:\t${((BigInt(this.sigmask[1]) << 32n) | BigInt(this.sigmask[0])).toString(16).padStart(16, "0")}\n`;
  }
}

/**
 * signalfd_copyinfo: the preamble, then the fields of the signal's
 * siginfo layout, from the siginfo copy_siginfo_to_user would give.
 */
function signalfd_copyinfo(info: SigInfo): Uint8Array {
  const si = new DataView(siginfoBytes(info).buffer);
  const out = new Uint8Array(SIGNALFD_SIGINFO_SIZE);
  const v = new DataView(out.buffer);
  const copy32 = (to: number, from: number) => v.setInt32(to, si.getInt32(from, true), true);
  const copy64 = (to: number, from: number) => v.setBigInt64(to, si.getBigInt64(from, true), true);
  copy32(0, 0); // ssi_signo, ssi_errno, ssi_code
  copy32(4, 4);
  copy32(8, 8);
  const layout = siginfo_layout(info.signo, info.code);
  if (layout === "kill" || layout === "chld" || layout === "rt") {
    copy32(12, 16); // ssi_pid, ssi_uid
    copy32(16, 20);
  }
  if (layout === "timer" || layout === "rt") {
    copy64(48, 24); // ssi_ptr, ssi_int: si_value
    copy32(44, 24);
  }
  if (layout === "timer") {
    copy32(24, 16); // ssi_tid, ssi_overrun
    copy32(32, 20);
  } else if (layout === "poll") {
    copy32(28, 16); // ssi_band, ssi_fd
    copy32(20, 24);
  } else if (layout === "fault") copy64(72, 16); // ssi_addr
  else if (layout === "chld") {
    copy32(40, 24); // ssi_status, ssi_utime, ssi_stime
    copy64(56, 32);
    copy64(64, 40);
  } else if (layout === "sys") {
    copy64(88, 16); // ssi_call_addr, ssi_syscall, ssi_arch
    copy32(84, 24);
    copy32(96, 28);
  }
  return out;
}

/**
 * signalfd4(ufd, mask, sizemask, flags) (signalfd: no flags): the mask
 * (sizeof(sigset_t) bytes, SIGKILL and SIGSTOP dropped); ufd -1 makes a
 * new signalfd, another fd must be one (EINVAL), whose mask it replaces.
 */
export function signalfd4(files: FileSyscalls, ufd: number, maskAddr: number, sizemask: number, flags: number): number {
  if (sizemask !== 8) return -EINVAL;
  const mask = new Uint32Array(2);
  if (files.mem.copyFromUser(new Uint8Array(mask.buffer), maskAddr, 8) !== 0) return -EFAULT;
  if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) return -EINVAL;
  mask[0] &= ~UNCATCHABLE;
  if (ufd === -1) {
    const inode = new SignalfdInode(files.ns.ino());
    inode.sigmask.set(mask);
    return files.fds.install(new OpenFile(inode, O_RDWR | (flags & SFD_NONBLOCK), null, null), (flags & SFD_CLOEXEC) !== 0);
  }
  const f = files.fds.get(ufd);
  if (!f) return -EBADF;
  if (!(f.inode instanceof SignalfdInode)) return -EINVAL;
  f.inode.sigmask.set(mask);
  f.inode.events++;
  return ufd;
}
