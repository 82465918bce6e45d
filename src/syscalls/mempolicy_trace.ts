// strace's decoding of the memory-policy syscalls (its numa.c): modes and
// flags by name, nodemasks as arrays of longs ("[0x00000000000003]"), and
// move_pages' arrays. Arrays strace reads when the call returns (the mode and
// mask get_mempolicy fills, move_pages' status) show as an address after an
// error, as strace shows them. Names as the strace this project checks
// against (6.1) knows them: MPOL_WEIGHTED_INTERLEAVE is still "0x6 /* MPOL_??? */".

import { unsigned } from "./args.js";
import { ERRNO } from "./errno.js";
import { flags, hex, STRING_LIMIT, udec, type Peek } from "./trace.js";

const MPOL_MODES: Record<number, string> = {
  0: "MPOL_DEFAULT", 1: "MPOL_PREFERRED", 2: "MPOL_BIND", 3: "MPOL_INTERLEAVE", 4: "MPOL_LOCAL", 5: "MPOL_PREFERRED_MANY",
};
const MPOL_MODE_FLAGS: [number, string][] = [[1 << 15, "MPOL_F_STATIC_NODES"], [1 << 14, "MPOL_F_RELATIVE_NODES"], [1 << 13, "MPOL_F_NUMA_BALANCING"]];
const MBIND_FLAGS: [number, string][] = [[1, "MPOL_MF_STRICT"], [2, "MPOL_MF_MOVE"], [4, "MPOL_MF_MOVE_ALL"]];
const GET_MEMPOLICY_FLAGS: [number, string][] = [[1, "MPOL_F_NODE"], [2, "MPOL_F_ADDR"], [4, "MPOL_F_MEMS_ALLOWED"]];
const MOVE_PAGES_FLAGS: [number, string][] = [[2, "MPOL_MF_MOVE"], [4, "MPOL_MF_MOVE_ALL"]];

const addr = (v: number) => (v === 0 ? "NULL" : hex(v));

/** printflags: names, unknown bits as hex; only unknown bits: "0x8 /* MPOL_??? *\/". */
function flagNames(v: number, names: [number, string][]): string {
  const known = names.reduce((m, [bit]) => m | bit, 0);
  if (v !== 0 && (v & known) === 0) return `${hex(v)} /* MPOL_??? */`;
  return flags(v, names);
}

/** printxval: a mode by name, else "0x7 /* MPOL_??? *\/". */
function modeName(mode: number): string {
  return MPOL_MODES[mode] ?? `${hex(mode)} /* MPOL_??? */`;
}

/** print_mode: the mode and its MPOL_F_* flags. */
function printMode(arg: number): string {
  const f = arg & 0xe000;
  const mode = unsigned(arg) - f;
  if (!f) return modeName(mode);
  if (MPOL_MODES[mode] === undefined) return flags(unsigned(arg) > 0xffffffff ? arg : arg >>> 0, MPOL_MODE_FLAGS);
  return `${MPOL_MODES[mode]}|${flags(f, MPOL_MODE_FLAGS)}`;
}

/**
 * strace's print_array: NULL, "[]", the address when the first element
 * cannot be read (or, with `atExit`, after an error), at most 32
 * elements then "...".
 */
function array(peek: Peek, at: number, count: number, size: number, show: (b: DataView, off: number) => string, unreadable: boolean): string {
  if (at === 0) return "NULL";
  if (count === 0) return "[]";
  if (unreadable) return hex(at);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i >= STRING_LIMIT) {
      out.push("...");
      break;
    }
    const b = peek(at + i * size, size);
    if (!b) {
      if (i === 0) return hex(at);
      out.push(`...`);
      break;
    }
    out.push(show(new DataView(b.buffer, b.byteOffset, b.byteLength), 0));
  }
  return `[${out.join(", ")}]`;
}

const long = (b: DataView, o: number) => b.getUint32(o + 4, true) * 2 ** 32 + b.getUint32(o, true);

/** print_node: each long as %#016lx ("0x" and 14 digits; zero as 16 zeros). */
function nodeWord(b: DataView, o: number): string {
  const v = (BigInt(b.getUint32(o + 4, true)) << 32n) | BigInt(b.getUint32(o, true));
  return v === 0n ? "0".repeat(16) : "0x" + v.toString(16).padStart(14, "0");
}

/** print_nodemask: (maxnode - 1) bits as longs, or the address for a maxnode strace will not read. */
function nodemask(peek: Peek, at: number, maxnodeArg: number, unreadable = false): string {
  const maxnode = unsigned(maxnodeArg);
  const n = Math.floor((maxnode + 62) / 64);
  if (n < Math.floor(maxnode / 64) || (maxnode && !n)) return hex(at);
  return array(peek, at, n, 8, nodeWord, unreadable);
}

function status(b: DataView, o: number): string {
  const v = b.getInt32(o, true);
  const e = v < 0 ? ERRNO[-v] : undefined;
  return e ? `-${e[0]}` : String(v);
}

/** The arguments of syscall `nr` if it is one of these, else undefined. */
export function formatMempolicyArgs(nr: number, a: readonly number[], ret: number, peek: Peek): string | undefined {
  const failed = ret < 0;
  switch (nr) {
    case 237: // mbind
      return `${addr(a[0])}, ${udec(a[1])}, ${printMode(a[2])}, ${nodemask(peek, a[3], a[4])}, ${udec(a[4])}, ${flagNames(a[5] >>> 0, MBIND_FLAGS)}`;
    case 238: // set_mempolicy
      return `${printMode(a[0] >>> 0)}, ${nodemask(peek, a[1], a[2])}, ${udec(a[2])}`;
    case 239: { // get_mempolicy: the mode and mask as the call left them
      const p = a[0] !== 0 && !failed ? peek(a[0], 4) : null;
      const mode = a[0] === 0 ? "NULL" : p ? `[${modeName(new DataView(p.buffer, p.byteOffset).getInt32(0, true) >>> 0)}]` : hex(a[0]);
      return `${mode}, ${nodemask(peek, a[1], a[2], failed)}, ${udec(a[2])}, ${addr(a[3])}, ${flagNames(unsigned(a[4]) > 0xffffffff ? a[4] : a[4] >>> 0, GET_MEMPOLICY_FLAGS)}`;
    }
    case 256: // migrate_pages
      return `${a[0] | 0}, ${udec(a[1])}, ${nodemask(peek, a[2], a[1])}, ${nodemask(peek, a[3], a[1])}`;
    case 279: { // move_pages
      const n = unsigned(a[1]);
      const pages = array(peek, a[2], n, 8, (b, o) => addr(long(b, o)), false);
      const nodes = array(peek, a[3], n, 4, (b, o) => String(b.getInt32(o, true)), false);
      return `${a[0] | 0}, ${udec(a[1])}, ${pages}, ${nodes}, ${array(peek, a[4], n, 4, status, failed)}, ${flagNames(a[5] >>> 0, MOVE_PAGES_FLAGS)}`;
    }
    case 450: // set_mempolicy_home_node
      return `${addr(a[0])}, ${udec(a[1])}, ${udec(a[2])}, ${hex(a[3])}`;
    default:
      return undefined;
  }
}
