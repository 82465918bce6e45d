// mm/fadvise.c: fadvise64, advice about an open file's page cache; and
// readahead(2) (mm/readahead.c), which is its POSIX_FADV_WILLNEED. Only
// a file on a backing device has a cache to act on (the host's disk); on
// tmpfs, /proc or a device the advice is checked and nothing else
// (noop_backing_dev_info). Browser-safe.

import { O_PATH, type OpenFile } from "../fs/fdtable.js";
import { S_IFIFO, S_IFREG } from "../fs/inode.js";
import { EBADF, EINVAL, ESPIPE } from "./errno.js";
import type { FileSyscalls } from "./files.js";

export const POSIX_FADV_NORMAL = 0, POSIX_FADV_RANDOM = 1, POSIX_FADV_SEQUENTIAL = 2, POSIX_FADV_WILLNEED = 3,
  POSIX_FADV_DONTNEED = 4, POSIX_FADV_NOREUSE = 5;
const PAGE_SHIFT = 12n;
const LLONG_MAX = (1n << 63n) - 1n;
const U64 = (v: bigint) => BigInt.asUintN(64, v);

/** fadvise64(fd, offset, len, advice): 0 or -errno. */
export function fadvise64(files: FileSyscalls, fd: number, offset: number, len: number, advice: number): number {
  const f = files.fds.get(fd);
  if (!f || f.flags & O_PATH) return -EBADF;
  return vfsFadvise(files, f, offset, len, advice);
}

/** readahead(fd, offset, count): a readable regular file's fadvise WILLNEED. */
export function readahead(files: FileSyscalls, fd: number, offset: number, count: number): number {
  const f = files.fds.get(fd);
  if (!f || !f.readable) return -EBADF;
  if (f.inode.type !== S_IFREG) return -EINVAL;
  // count is a size_t the call takes as a loff_t: past 2^63 it is negative.
  return vfsFadvise(files, f, offset, count >= 2 ** 63 ? -1 : count, POSIX_FADV_WILLNEED);
}

/** generic_fadvise: the checks in Linux's order, then the advice on the cache. */
function vfsFadvise(files: FileSyscalls, f: OpenFile, offset: number, len: number, advice: number): number {
  if (f.inode.type === S_IFIFO) return -ESPIPE;
  if (len < 0) return -EINVAL;
  if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE) return -EINVAL;
  const kfile = files.cached.get(f);
  // The host's disk alone backs its files with a device. SEQUENTIAL's doubled window and NOREUSE's LRU hint are not kept here.
  if (f.inode.mount.type !== "ext4" || kfile === undefined || !files.cache) return 0;
  if (advice <= POSIX_FADV_SEQUENTIAL) files.cache.fadviseRandom?.(kfile, advice === POSIX_FADV_RANDOM);
  const o = BigInt(offset), l = BigInt(len);
  const sum = U64(o + l);
  const endbyte = l === 0n || sum < l ? LLONG_MAX : sum - 1n;
  if (advice === POSIX_FADV_WILLNEED) {
    // The first and the last partial page too.
    const start = U64(o) >> PAGE_SHIFT, end = endbyte >> PAGE_SHIFT;
    const nr = U64(end - start + 1n) || U64(-1n);
    files.cache.readahead?.(kfile, Number(start), Number(nr > 1n << 52n ? 1n << 52n : nr));
  } else if (advice === POSIX_FADV_DONTNEED) {
    // Whole pages only: the last one when the range ends at its end or at the end of the file.
    const start = U64((o + 4095n) >> PAGE_SHIFT);
    let end = endbyte >> PAGE_SHIFT;
    if ((endbyte & 4095n) !== 4095n && endbyte !== BigInt(f.data?.size() ?? 0) - 1n) {
      if (end === 0n) return 0;
      end--;
    }
    if (end >= start) files.cache.invalidate?.(kfile, Number(start), Number(end));
  }
  return 0;
}
