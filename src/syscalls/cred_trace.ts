// strace's decoding of the credential calls (its uid.c): an id as
// unsigned decimal, (uid_t)-1 as -1; getresuid's ids in brackets once
// written; a group list as an array of at most 32 ids, then "...".

import { hex, intAt, pointer, STRING_LIMIT, type Peek } from "./trace.js";

const NGROUPS_MAX = 65536;

/** printuid: -1 for (uid_t)-1, else the id unsigned. */
const id = (v: number) => ((v >>> 0) === 0xffffffff ? "-1" : String(v >>> 0));


/** `count` ids from `addr`, the first STRING_LIMIT shown; the address when they cannot be read. */
function groupList(peek: Peek, addr: number, count: number): string {
  if (addr === 0) return "NULL";
  const shown = Math.min(count, STRING_LIMIT);
  const b = peek(addr, 4 * shown);
  if (!b) return hex(addr);
  const v = new DataView(b.buffer, b.byteOffset);
  const ids = Array.from({ length: shown }, (_, i) => id(v.getUint32(4 * i, true)));
  return `[${ids.join(", ")}${count > shown ? ", ..." : ""}]`;
}

/** The arguments of the set*id, getres*id and *groups calls, or undefined for another syscall. */
export function formatCredArgs(nr: number, a: readonly number[], ret: number, peek: Peek): string | undefined {
  const ok = ret >= 0;
  switch (nr) {
    case 105: // setuid
    case 106: // setgid
    case 122: // setfsuid
    case 123: // setfsgid
      return id(a[0]);
    case 113: // setreuid
    case 114: // setregid
      return `${id(a[0])}, ${id(a[1])}`;
    case 117: // setresuid
    case 119: // setresgid
      return `${id(a[0])}, ${id(a[1])}, ${id(a[2])}`;
    case 118: // getresuid
    case 120: // getresgid
      return [a[0], a[1], a[2]].map((p) => (ok ? intAt(peek, p, id) : pointer(p))).join(", ");
    case 115: // getgroups: the list the call wrote
      return `${a[0] | 0}, ${ok && (a[0] | 0) !== 0 ? groupList(peek, a[1], ret) : pointer(a[1])}`;
    case 116: { // setgroups: the list it was given, when its size is one the call takes
      const n = a[0] | 0;
      return `${n}, ${n >= 0 && n <= NGROUPS_MAX ? groupList(peek, a[1], n) : pointer(a[1])}`;
    }
    default:
      return undefined;
  }
}
