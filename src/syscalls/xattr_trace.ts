// strace's decoding of the xattr calls (its xattr.c): the file (a path or
// an fd), the name as a string of at most 32 bytes, a value as a string of
// its size (its address when over XATTR_SIZE_MAX), a list as the names it
// holds with their NULs, the flags.

import { buffer, flagsOrUnknown, hex, path, quote, STRING_LIMIT, udec, type Peek } from "./trace.js";

const XATTR_FLAGS: [number, string][] = [[1, "XATTR_CREATE"], [2, "XATTR_REPLACE"]];
const XATTR_SIZE_MAX = 65536;

/** A NUL-terminated name: its first 32 bytes, "..." after when longer. */
function name(peek: Peek, addr: number): string {
  const b = peek(addr, STRING_LIMIT + 1) ?? peek(addr, 1);
  if (!b) return hex(addr);
  const nul = b.indexOf(0);
  return nul >= 0 ? quote(b.subarray(0, nul), false) : quote(b.subarray(0, STRING_LIMIT), true);
}

/** A value of `len` bytes: a string, or the address when there is none to show. */
function value(peek: Peek, addr: number, len: number): string {
  return len > XATTR_SIZE_MAX ? hex(addr) : buffer(peek, addr, len);
}

/** The arguments of the twelve xattr calls, or undefined for another syscall. */
export function formatXattrArgs(nr: number, a: readonly number[], ret: number, peek: Peek): string | undefined {
  if (nr < 188 || nr > 199) return undefined;
  const form = (nr - 188) % 3, file = form === 2 ? String(a[0] | 0) : path(peek, a[0]);
  const ok = ret >= 0;
  if (nr <= 190) return `${file}, ${name(peek, a[1])}, ${value(peek, a[2], a[3] >>> 0)}, ${udec(a[3])}, ${flagsOrUnknown(a[4] >>> 0, XATTR_FLAGS, "0", "XATTR")}`;
  if (nr <= 193) return `${file}, ${name(peek, a[1])}, ${ok && a[2] !== 0 ? value(peek, a[2], ret) : a[2] === 0 ? "NULL" : hex(a[2])}, ${udec(a[3])}`;
  if (nr <= 196) {
    const list = ok && a[1] !== 0 ? peek(a[1], ret) : null;
    return `${file}, ${list ? quote(list, false) : a[1] === 0 ? "NULL" : hex(a[1])}, ${udec(a[2])}`;
  }
  return `${file}, ${name(peek, a[1])}`;
}
