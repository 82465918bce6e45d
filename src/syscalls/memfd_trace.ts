// strace's decoding of memfd_create, fadvise64, readahead and fallocate
// (its memfd.c, fadvise.c, readahead.c, fallocate.c) and the seals fcntl
// takes and gives (F_ADD_SEALS, F_GET_SEALS), as strace 6.1 names them:
// it knows neither MFD_NOEXEC_SEAL and MFD_EXEC nor F_SEAL_EXEC.

import { flagsOrUnknown, hex, named, udec, userString, type Peek } from "./trace.js";

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

/** A register as signed decimal, as strace's %lld (BigInt: String() would round a word past 2^53). */
const sdec = (v: number) => BigInt(v).toString();

/** The arguments of memfd_create, fadvise64, readahead and fallocate, or undefined for another syscall. */
export function formatFileSpaceArgs(nr: number, a: readonly number[], peek: Peek): string | undefined {
  switch (nr) {
    case 319: // memfd_create
      return `${userString(peek, a[0]) ?? hex(a[0])}, ${flagsOrUnknown(a[1] >>> 0, MFD, "0", "MFD")}`;
    case 221: // fadvise64
      return `${a[0] | 0}, ${sdec(a[1])}, ${udec(a[2])}, ${named(a[3] | 0, FADV, "POSIX_FADV")}`;
    case 187: // readahead
      return `${a[0] | 0}, ${sdec(a[1])}, ${udec(a[2])}`;
    case 285: // fallocate
      return `${a[0] | 0}, ${flagsOrUnknown(a[1] >>> 0, FALLOC, "0", "FALLOC_FL")}, ${sdec(a[2])}, ${sdec(a[3])}`;
    default:
      return undefined;
  }
}
