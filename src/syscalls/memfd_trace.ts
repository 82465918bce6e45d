// strace's decoding of memfd_create, fadvise64, readahead, fallocate,
// copy_file_range and sync_file_range (its memfd.c, fadvise.c, readahead.c,
// fallocate.c, copy_file_range.c, sync_file_range.c) and the seals fcntl
// takes and gives (F_ADD_SEALS, F_GET_SEALS), as strace 6.1 names them:
// it knows neither MFD_NOEXEC_SEAL and MFD_EXEC nor F_SEAL_EXEC.

import { flagsOrUnknown, hex, named, pointer, udec, userString, type Peek } from "./trace.js";

/** The seals strace names. */
export const SEALS: [number, string][] = [[1, "F_SEAL_SEAL"], [2, "F_SEAL_SHRINK"], [4, "F_SEAL_GROW"], [8, "F_SEAL_WRITE"], [0x10, "F_SEAL_FUTURE_WRITE"]];
const MFD: [number, string][] = [[1, "MFD_CLOEXEC"], [2, "MFD_ALLOW_SEALING"], [4, "MFD_HUGETLB"]];
const FADV: Record<number, string> = {
  0: "POSIX_FADV_NORMAL", 1: "POSIX_FADV_RANDOM", 2: "POSIX_FADV_SEQUENTIAL", 3: "POSIX_FADV_WILLNEED", 4: "POSIX_FADV_DONTNEED",
  5: "POSIX_FADV_NOREUSE",
};
const FALLOC: [number, string][] = [
  [1, "FALLOC_FL_KEEP_SIZE"], [2, "FALLOC_FL_PUNCH_HOLE"], [4, "FALLOC_FL_NO_HIDE_STALE"], [8, "FALLOC_FL_COLLAPSE_RANGE"],
  [0x10, "FALLOC_FL_ZERO_RANGE"], [0x20, "FALLOC_FL_INSERT_RANGE"], [0x40, "FALLOC_FL_UNSHARE_RANGE"],
];

const SYNC_FILE_RANGE: [number, string][] = [[1, "SYNC_FILE_RANGE_WAIT_BEFORE"], [2, "SYNC_FILE_RANGE_WRITE"], [4, "SYNC_FILE_RANGE_WAIT_AFTER"]];

/** A register as signed decimal, as strace's %lld (BigInt: String() would round a word past 2^53). */
const sdec = (v: number) => BigInt(v).toString();

/**
 * copy_file_range's loff_t at `addr` as strace reads it when the call enters: a copy of `ret` bytes moved it on
 * by that many since.
 */
function loffBefore(peek: Peek, addr: number, ret: number): string {
  const b = addr === 0 ? null : peek(addr, 8);
  if (!b) return pointer(addr);
  return `[${new DataView(b.buffer, b.byteOffset).getBigInt64(0, true) - BigInt(Math.max(ret, 0))}]`;
}

/** The arguments of memfd_create, fadvise64, readahead, fallocate, copy_file_range and sync_file_range, or undefined for another syscall. */
export function formatFileSpaceArgs(nr: number, a: readonly number[], ret: number, peek: Peek): string | undefined {
  switch (nr) {
    case 319: // memfd_create
      return `${userString(peek, a[0]) ?? hex(a[0])}, ${flagsOrUnknown(a[1] >>> 0, MFD, "0", "MFD")}`;
    case 221: // fadvise64
      return `${a[0] | 0}, ${sdec(a[1])}, ${udec(a[2])}, ${named(a[3] | 0, FADV, "POSIX_FADV")}`;
    case 187: // readahead
      return `${a[0] | 0}, ${sdec(a[1])}, ${udec(a[2])}`;
    case 285: // fallocate
      return `${a[0] | 0}, ${flagsOrUnknown(a[1] >>> 0, FALLOC, "0", "FALLOC_FL")}, ${sdec(a[2])}, ${sdec(a[3])}`;
    case 326: // copy_file_range
      return `${a[0] | 0}, ${loffBefore(peek, a[1], ret)}, ${a[2] | 0}, ${loffBefore(peek, a[3], ret)}, ${udec(a[4])}, ${a[5] >>> 0}`;
    case 277: // sync_file_range
      return `${a[0] | 0}, ${sdec(a[1])}, ${sdec(a[2])}, ${flagsOrUnknown(a[3] >>> 0, SYNC_FILE_RANGE, "0", "SYNC_FILE_RANGE")}`;
    default:
      return undefined;
  }
}
