// fs/eventpoll.c: epoll_create, epoll_create1, epoll_ctl and epoll_wait
// (epoll_pwait, epoll_pwait2 with their masks: index.ts). An epoll file
// holds its items (a file and the fd it was added by) and a ready list:
// an item joins its tail when it is found ready, a level-triggered one
// goes back to the tail once reported, an edge-triggered one waits for its
// file's next change (the file's `events` count moving on), a one-shot
// one is disarmed until EPOLL_CTL_MOD. Browser-safe.

import { O_CLOEXEC, O_RDWR, OpenFile } from "../fs/fdtable.js";
import { ANON_INODE_FS, OpsInode } from "../fs/anon.js";
import { S_IFIFO } from "../fs/inode.js";
import { PipeInode } from "../fs/pipe.js";
import { EBADF, EEXIST, EFAULT, EINVAL, ELOOP, ENOENT, EPERM } from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { POLLERR, POLLHUP, POLLIN, pollMask, type PollState } from "./poll.js";

const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
const EPOLLEXCLUSIVE = 1 << 28, EPOLLWAKEUP = 1 << 29, EPOLLONESHOT = 1 << 30, EPOLLET = 2 ** 31;
/** The bits an item keeps once disarmed (EP_PRIVATE_BITS). */
const EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
/** What EPOLLEXCLUSIVE may come with (EPOLLEXCLUSIVE_OK_BITS). */
const EPOLLEXCLUSIVE_OK_BITS = 0x1 | 0x4 | 0x8 | 0x10 | 0x40 | 0x100 | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
/** The most events one epoll_wait returns (INT_MAX / sizeof(struct epoll_event)). */
const EP_MAX_EVENTS = Math.floor(0x7fffffff / 12);

interface Item {
  fd: number;
  file: OpenFile;
  events: number;
  /** epoll_data, as two 32-bit halves. */
  data: [number, number];
  /** The file's `events` count when last reported (edge-triggered items). */
  seen: number;
}

/** The count a file's changes move on: pipes' and fs/anon.ts files'. */
function changes(f: OpenFile): number {
  return f.inode instanceof OpsInode || f.inode instanceof PipeInode ? f.inode.events : 0;
}

class EpollInode extends OpsInode {
  readonly items: Item[] = [];
  /** The ready list (rdllist), in the order its items joined. */
  private ready: Item[] = [];

  override readonly anonName = "[eventpoll]";

  constructor(ino: number) {
    super(ino, 0o600, ANON_INODE_FS, 0);
  }

  /** ep_show_fdinfo: a line per watched file (in the order they were added); epoll_ctl added EPOLLERR and EPOLLHUP to its events. */
  override showFdinfo(): string {
    const hex = (d: [number, number]) => ((BigInt(d[1] >>> 0) << 32n) | BigInt(d[0] >>> 0)).toString(16);
    return this.items.filter((i) => i.file.refs > 0).map((i) => `tfd: ${String(i.fd).padStart(8)} events: ${((i.events | POLLERR | POLLHUP) >>> 0).toString(16).padStart(8)} `
      + `data: ${hex(i.data).padStart(16)}  pos:${i.file.pos} ino:${i.file.inode.ino.toString(16)} sdev:${i.file.inode.mount.dev.toString(16)}\n`).join("");
  }

  read(): number {
    return -EINVAL;
  }
  write(): number {
    return -EINVAL;
  }

  /** An item's events now (0: nothing to report): its file's poll mask, armed bits only, edge-triggered ones once per change. */
  private fired(item: Item): number {
    if (item.file.refs === 0) return 0;
    const mask = pollMask(item.file) & (item.events | POLLERR | POLLHUP) & ~EP_PRIVATE_BITS;
    if (!(item.events & ~EP_PRIVATE_BITS)) return 0;
    if (item.events & EPOLLET && changes(item.file) === item.seen) return 0;
    return mask;
  }

  /** The ready list brought up to date: items gone unready leave it, newly ready ones join its tail. */
  private scan(): Item[] {
    // eventpoll_release: an item goes when its file's last descriptor does.
    for (let i = this.items.length - 1; i >= 0; i--) if (this.items[i].file.refs === 0) this.items.splice(i, 1);
    this.ready = this.ready.filter((item) => this.items.includes(item) && this.fired(item) !== 0);
    for (const item of this.items) if (!this.ready.includes(item) && this.fired(item) !== 0) this.ready.push(item);
    return this.ready;
  }

  poll(): number {
    return this.scan().length > 0 ? POLLIN | 0x40 : 0;
  }

  /** ep_send_events: up to `max` of the ready list as struct epoll_event (12 bytes, packed). */
  send(max: number, out: DataView): number {
    const taken = this.scan().slice(0, max);
    taken.forEach((item, i) => {
      out.setUint32(12 * i, this.fired(item) >>> 0, true);
      out.setUint32(12 * i + 4, item.data[0], true);
      out.setUint32(12 * i + 8, item.data[1], true);
    });
    this.ready = this.ready.slice(taken.length);
    for (const item of taken) {
      item.seen = changes(item.file);
      if (item.events & EPOLLONESHOT) item.events &= EP_PRIVATE_BITS;
      else if (!(item.events & EPOLLET)) this.ready.push(item);
    }
    return taken.length;
  }

  /** Whether `target` is this epoll or reachable through its items (ep_loop_check). */
  reaches(target: EpollInode): boolean {
    return this === target || this.items.some((i) => i.file.inode instanceof EpollInode && i.file.inode.reaches(target));
  }
}

export function epollCreate1(files: FileSyscalls, flags: number): number {
  if (flags & ~O_CLOEXEC) return -EINVAL;
  return files.fds.install(new OpenFile(new EpollInode(files.ns.ino()), O_RDWR, null, null), (flags & O_CLOEXEC) !== 0);
}

/** file_can_poll: pipes, FIFOs, streams of their own poll; regular files, directories and the memory devices have none. */
function canPoll(f: OpenFile): boolean {
  return f.inode instanceof OpsInode || f.inode instanceof PipeInode || f.inode.type === S_IFIFO;
}

export function epollCtl(files: FileSyscalls, epfd: number, op: number, fd: number, eventAddr: number): number {
  const ev = new Uint8Array(12);
  if (op !== EPOLL_CTL_DEL && files.mem.copyFromUser(ev, eventAddr, 12) !== 0) return -EFAULT;
  const v = new DataView(ev.buffer);
  const events = v.getUint32(0, true);
  const ep = files.fds.get(epfd);
  if (!ep) return -EBADF;
  const tf = files.fds.get(fd);
  if (!tf) return -EBADF;
  if (!canPoll(tf)) return -EPERM;
  if (ep === tf || !(ep.inode instanceof EpollInode)) return -EINVAL;
  const epoll = ep.inode;
  if (op !== EPOLL_CTL_DEL && events & EPOLLEXCLUSIVE) {
    if (op === EPOLL_CTL_MOD) return -EINVAL;
    if (tf.inode instanceof EpollInode || events & ~EPOLLEXCLUSIVE_OK_BITS) return -EINVAL;
  }
  const at = epoll.items.findIndex((i) => i.file === tf && i.fd === fd);
  const item = epoll.items[at];
  switch (op) {
    case EPOLL_CTL_ADD:
      if (item) return -EEXIST;
      if (tf.inode instanceof EpollInode && tf.inode.reaches(epoll)) return -ELOOP;
      // An edge-triggered item reports what is ready when it is added: it has not seen the file's state.
      epoll.items.push({ fd, file: tf, events, data: [v.getUint32(4, true), v.getUint32(8, true)], seen: changes(tf) - 1 });
      return 0;
    case EPOLL_CTL_DEL:
      if (!item) return -ENOENT;
      epoll.items.splice(at, 1);
      return 0;
    case EPOLL_CTL_MOD:
      if (!item) return -ENOENT;
      if (item.events & EPOLLEXCLUSIVE) return -EINVAL;
      item.events = events;
      item.data = [v.getUint32(4, true), v.getUint32(8, true)];
      item.seen = changes(tf) - 1;
      return 0;
    default:
      return -EINVAL;
  }
}

/** epoll_wait: do_epoll_wait's checks, then the ready items, or a wait (poll.ts's) for one. */
export function epollWait(files: FileSyscalls, polls: PollState, epfd: number, events: number, maxevents: number, timeoutNs: number | null): number {
  if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) return -EINVAL;
  if (events < 0 || events + 12 * maxevents > 2 ** 47) return -EFAULT;
  const ep = files.fds.get(epfd);
  if (!ep) return -EBADF;
  if (!(ep.inode instanceof EpollInode)) return -EINVAL;
  const epoll = ep.inode;
  return polls.wait(timeoutNs, (write) => {
    if (!write) return epoll.poll() ? 1 : 0;
    const out = new Uint8Array(12 * Math.min(maxevents, epoll.items.length));
    const n = epoll.send(maxevents, new DataView(out.buffer));
    if (n > 0 && files.mem.copyToUser(events, out.subarray(0, 12 * n)) !== 0) return -EFAULT;
    return n;
  });
}
