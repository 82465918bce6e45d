// lib/iov_iter.c's part of the machine: import_iovec, the one reader of a
// user's struct iovec array (readv, writev, preadv, pwritev, preadv2,
// pwritev2, sendmsg, recvmsg, sendmmsg, recvmmsg), and the copies between
// its pieces and the kernel (copy_from_iter, copy_to_iter). Browser-safe.

import { TASK_SIZE } from "../abi.js";
import { EFAULT, EINVAL } from "./errno.js";
import type { FileUserMemory } from "./files.js";

/** MAX_RW_COUNT: the most one read/write moves (INT_MAX rounded down to a page). */
export const MAX_RW_COUNT = 0x7ffff000;
/** UIO_MAXIOV: the most pieces one call takes. */
export const UIO_MAXIOV = 1024;

/** A user buffer's piece: [iov_base, iov_len]. */
export type Iovec = [number, number];

/** access_ok: the range lies within the user address space. */
export function access_ok(addr: number, len: number): boolean {
  return len <= TASK_SIZE && addr >= 0 && addr <= TASK_SIZE - len;
}

/**
 * iovec_from_user: `nr_segs` iovecs from `uvec` (none read when 0): more
 * than UIO_MAXIOV is EINVAL, an unreadable array EFAULT, a negative
 * (ssize_t) length EINVAL.
 */
export function iovec_from_user(mem: FileUserMemory, uvec: number, nr_segs: number): Iovec[] | number {
  if (nr_segs === 0) return [];
  if (nr_segs > UIO_MAXIOV) return -EINVAL;
  const b = new Uint8Array(16 * nr_segs);
  if (mem.copyFromUser(b, uvec, b.length) !== 0) return -EFAULT;
  const v = new DataView(b.buffer);
  const iov: Iovec[] = [];
  for (let i = 0; i < nr_segs; i++) {
    if (v.getInt32(16 * i + 12, true) < 0) return -EINVAL;
    iov.push([v.getUint32(16 * i + 4, true) * 0x1_0000_0000 + v.getUint32(16 * i, true),
      v.getUint32(16 * i + 12, true) * 0x1_0000_0000 + v.getUint32(16 * i + 8, true)]);
  }
  return iov;
}

/**
 * __import_iovec: iovec_from_user; then each piece must lie in user space
 * (EFAULT) — a lone piece once cut to MAX_RW_COUNT (import_ubuf), several
 * as given — and the pieces are cut so that they add up to MAX_RW_COUNT at most.
 */
export function import_iovec(mem: FileUserMemory, uvec: number, nr_segs: number): Iovec[] | number {
  const iov = iovec_from_user(mem, uvec, nr_segs);
  if (typeof iov === "number") return iov;
  let total = 0;
  for (const seg of iov) {
    if (nr_segs === 1) seg[1] = Math.min(seg[1], MAX_RW_COUNT);
    if (!access_ok(seg[0], seg[1])) return -EFAULT;
    seg[1] = Math.min(seg[1], MAX_RW_COUNT - total);
    total += seg[1];
  }
  return iov;
}

/** iov_iter_count: the bytes the pieces hold. */
export function iov_iter_count(iov: Iovec[]): number {
  return iov.reduce((n, [, len]) => n + len, 0);
}

/** copy_from_iter: `n` bytes of the pieces from `offset`, or -EFAULT when a piece cannot be read. */
export function copy_from_iter(mem: FileUserMemory, iov: Iovec[], offset: number, n: number): Uint8Array | number {
  const out = new Uint8Array(n);
  let at = 0, skip = offset;
  for (const [base, len] of iov) {
    if (at === n) break;
    if (skip >= len) {
      skip -= len;
      continue;
    }
    const k = Math.min(len - skip, n - at);
    if (mem.copyFromUser(out.subarray(at, at + k), base + skip, k) !== 0) return -EFAULT;
    at += k;
    skip = 0;
  }
  return out;
}

/** copy_to_iter: `data` into the pieces from `offset`, page by page; how many bytes made it before a fault. */
export function copy_to_iter(mem: FileUserMemory, iov: Iovec[], offset: number, data: Uint8Array): number {
  let at = 0, skip = offset;
  for (const [base, len] of iov) {
    if (at === data.length) break;
    if (skip >= len) {
      skip -= len;
      continue;
    }
    const k = Math.min(len - skip, data.length - at);
    for (let done = 0; done < k;) {
      const n = Math.min(k - done, 4096 - ((base + skip + done) % 4096));
      if (mem.copyToUser(base + skip + done, data.subarray(at + done, at + done + n)) !== 0) return at + done;
      done += n;
    }
    at += k;
    skip = 0;
  }
  return at;
}
