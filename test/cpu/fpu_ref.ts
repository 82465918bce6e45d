// The real CPU as a reference for floating point: builds test/cpu/native/fpu_ref.c
// and runs batches of (op, control word, a, b) records through it.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** `m`: the memory operand of x87 memory forms. */
export interface Rec { op: number; ctl: number; a: bigint; b: bigint; m?: bigint }
/** `mem`: what an x87 store wrote. */
export interface Res { r: bigint; st: number; fl: number; mem: bigint }

export const canRunNative = (): boolean => {
  if (process.platform !== "linux" || process.arch !== "x64") return false;
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

let exe: string | null = null;
function harness(): string {
  if (exe) return exe;
  const src = fileURLToPath(new URL("./native/fpu_ref.c", import.meta.url));
  exe = join(mkdtempSync(join(tmpdir(), "faultline-fpu-")), "fpu_ref");
  execFileSync("gcc", ["-O1", "-o", exe, src]);
  return exe;
}

const M64 = (1n << 64n) - 1n;

export function runNative(recs: Rec[]): Res[] {
  const inb = Buffer.alloc(recs.length * 48);
  recs.forEach((x, k) => {
    const o = k * 48;
    inb.writeUInt32LE(x.op, o);
    inb.writeUInt32LE(x.ctl, o + 4);
    inb.writeBigUInt64LE(x.a & M64, o + 8);
    inb.writeBigUInt64LE((x.a >> 64n) & M64, o + 16);
    inb.writeBigUInt64LE(x.b & M64, o + 24);
    inb.writeBigUInt64LE((x.b >> 64n) & M64, o + 32);
    inb.writeBigUInt64LE((x.m ?? 0n) & M64, o + 40);
  });
  const out = execFileSync(harness(), { input: inb, maxBuffer: 1 << 30 });
  if (out.length !== recs.length * 32) throw new Error(`fpu_ref: ${out.length} bytes for ${recs.length} records`);
  return recs.map((_, k) => ({
    r: out.readBigUInt64LE(k * 32) | (out.readBigUInt64LE(k * 32 + 8) << 64n),
    st: out.readUInt32LE(k * 32 + 16),
    fl: out.readUInt32LE(k * 32 + 20),
    mem: out.readBigUInt64LE(k * 32 + 24),
  }));
}

/** A small deterministic generator (xorshift64*). */
export class Rng {
  private s: bigint;
  constructor(seed: number) { this.s = BigInt(seed) * 0x9e3779b97f4a7c15n & M64 || 1n; }
  next64(): bigint {
    let x = this.s;
    x ^= x >> 12n; x ^= (x << 25n) & M64; x ^= x >> 27n;
    this.s = x;
    return (x * 0x2545f4914f6cdd1dn) & M64;
  }
  int(n: number): number { return Number(this.next64() % BigInt(n)); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
}

/**
 * Interesting encodings of a binary format with `ebits` exponent and
 * `fbits` fraction bits (f80: the integer bit is part of the fraction).
 */
export function specials(ebits: number, fbits: number, explicit: boolean): bigint[] {
  const emax = (1n << BigInt(ebits)) - 1n;
  const one = explicit ? 1n << BigInt(fbits - 1) : 0n; // the integer bit
  const pack = (s: number, e: bigint, f: bigint): bigint => (BigInt(s) << BigInt(ebits + fbits)) | (e << BigInt(fbits)) | f;
  const q = 1n << BigInt(fbits - (explicit ? 2 : 1));
  const fmax = (1n << BigInt(fbits)) - 1n;
  const bias = emax >> 1n;
  const out: bigint[] = [];
  for (const s of [0, 1]) {
    out.push(pack(s, 0n, 0n), pack(s, 0n, 1n), pack(s, 0n, (explicit ? one : q << 1n) - 1n), pack(s, 1n, one), pack(s, bias, one),
      pack(s, bias, one | 1n), pack(s, emax - 1n, fmax), pack(s, emax, one), pack(s, emax, one | q), pack(s, emax, one | q | 0x1234n),
      pack(s, emax, one | 1n), pack(s, emax, one | 0x4321n), pack(s, bias + 1n, one | (q >> 1n)), pack(s, bias - 1n, fmax));
  }
  return out;
}

/** A random encoding with its exponent often near the edges. */
export function randomFloat(rng: Rng, ebits: number, fbits: number, explicit: boolean): bigint {
  const emax = (1n << BigInt(ebits)) - 1n;
  const bias = emax >> 1n;
  let e: bigint;
  switch (rng.int(6)) {
    case 0: e = BigInt(rng.int(4)); break;
    case 1: e = emax - BigInt(rng.int(3)); break;
    case 2: e = bias - 40n + BigInt(rng.int(80)); break;
    case 3: e = bias - BigInt(rng.int(4)); break;
    default: e = rng.next64() & emax;
  }
  let f = rng.next64() & ((1n << BigInt(fbits)) - 1n);
  if (fbits > 64) f |= (rng.next64() << 64n) & ((1n << BigInt(fbits)) - 1n);
  if (rng.int(4) === 0) f &= ~((1n << BigInt(rng.int(fbits))) - 1n); // short significands: exact results
  if (explicit && e !== 0n && rng.int(16) !== 0) f |= 1n << BigInt(fbits - 1);
  return (BigInt(rng.int(2)) << BigInt(ebits + fbits)) | (e << BigInt(fbits)) | f;
}

/** A random signed integer of `bits` bits (as its two's complement), often short or at the edges. */
export function randomInt(rng: Rng, bits: number): bigint {
  const m = (1n << BigInt(bits)) - 1n;
  switch (rng.int(5)) {
    case 0: return rng.pick([0n, 1n, m, 1n << BigInt(bits - 1), m >> 1n, (1n << BigInt(bits - 1)) + 1n]);
    case 1: return (rng.next64() & m) >> BigInt(rng.int(bits));
    case 2: return m - ((rng.next64() & m) >> BigInt(rng.int(bits)));
    default: return rng.next64() & m;
  }
}

export const hex = (x: bigint): string => "0x" + x.toString(16);
