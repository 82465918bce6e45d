// The decoder against iced-x86: where we decode, iced must agree on length,
// mnemonic and operands; where we say #UD, iced must say invalid or name an
// instruction outside the subset (or a form on the named allow-list below).
import { Code, Decoder, DecoderOptions, Instruction, Mnemonic, OpKind, Register } from "iced-x86";
import { decode, type Insn, type Operand } from "../../src/cpu/decode.js";
import { MM } from "../../src/cpu/insn.js";

export const IP = 0x401000;

/** Forms of subset mnemonics that we refuse on purpose (#UD), by iced Code name prefix. */
const ALLOWED_UD = [
  "Push_r16", "Pop_r16", "Push_imm16", "Pushw_imm8", "Push_rm16", "Pop_rm16", "Pushfw", "Popfw", // 16-bit stack operations
  "Call_rm16", "Jmp_rm16", "Retnw", "Leavew", "Call_rel16", "Jmp_rel16", "Jmp_rel8_16", // 16-bit control transfer (66 prefix)
  "Sal_", "Test_rm8_imm8", "Test_rm16_imm16", "Test_rm32_imm32", "Test_rm64_imm32", // the undocumented aliases (/6, /1)
  "Nop_rm", "Reservednop_", // 0F 1F /1../7 and other hint nops
  "Bswap_r16", // undefined result on hardware
  "Jmp_m16", "Call_m16", // far jmp and call
  "Pushq_FS", "Pushq_GS", "Popq_FS", "Popq_GS", "Pushw_FS", "Pushw_GS", "Popw_FS", "Popw_GS", // segment registers
  "Fnstenv_m14byte", "Fldenv_m14byte", "Fnsave_m94byte", "Frstor_m94byte", // the x87 environment's and state's 16-bit formats (66 prefix)
];
const allowedUd = (code: string, ours: Insn, bytes: Uint8Array): boolean => {
  if (ALLOWED_UD.some((p) => code.startsWith(p))) return true;
  const pre = prefixes(bytes);
  // near branches with a 66 prefix: Intel ignores it, AMD truncates rip to 16 bits
  if (pre.includes(0x66) && /^(J[a-z]+_rel|Loop[a-z]*_rel|Call_r|Jmp_r|Ret|Push|Pop|Leave)/.test(code)) return true;
  // moves to and from segment, control, debug registers
  if (/^Mov_(r\d+_)?(cr|dr|tr)|Sreg/.test(code)) return true;
  // endbr64 spellings we do not take (0F 1E without F3 FA)
  if (code.startsWith("Endbr") || code.startsWith("Rdsspd") || code.startsWith("Rdsspq")) return true;
  return ours.tooLong === true;
};

function prefixes(b: Uint8Array): number[] {
  const out: number[] = [];
  for (const x of b) {
    if ([0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65].includes(x) || (x >= 0x40 && x <= 0x4f)) out.push(x);
    else break;
  }
  return out;
}

/** The mnemonics we decoded so far: a #UD where iced names one of them must be on the allow-list. */
export const SUBSET = new Set<string>();
const NAMES64 = ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"];
function regName(r: number, sz: number): string {
  if (sz === 16) return `XMM${r}`;
  if (sz === 32) return `YMM${r}`;
  if (sz === MM) return `MM${r}`;
  if (sz === 10) return `ST${r}`;
  if (sz === 8) return NAMES64[r];
  if (sz === 4) return r < 8 ? "E" + NAMES64[r].slice(1) : NAMES64[r] + "D";
  if (sz === 2) return r < 8 ? NAMES64[r].slice(1) : NAMES64[r] + "W";
  if (r >= 16) return ["AH", "CH", "DH", "BH"][r - 16];
  return r < 4 ? ["AL", "CL", "DL", "BL"][r] : r < 8 ? ["SPL", "BPL", "SIL", "DIL"][r - 4] : NAMES64[r] + "L";
}
const u64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** Describes a mismatch between our operand and iced's operand i, or "". */
function compareOperand(o: Operand, ins: Instruction, i: number): string {
  const kind = ins.opKind(i);
  switch (o.k) {
    case "r":
      if (kind !== OpKind.Register) return `op${i} kind ${OpKind[kind]}, ours register`;
      return Register[ins.opRegister(i)] === regName(o.r, o.sz) ? "" : `op${i} ${Register[ins.opRegister(i)]}, ours ${regName(o.r, o.sz)}`;
    case "m": {
      // the string operands ds:rsi and es:rdi (esi, edi with 67)
      // and maskmovq's ds:rdi
      const str = [OpKind.MemorySegRSI, OpKind.MemorySegESI, OpKind.MemoryESRDI, OpKind.MemoryESEDI, OpKind.MemorySegRDI, OpKind.MemorySegEDI].indexOf(kind);
      if (str >= 0) {
        const want = [6, 6, 7, 7, 7, 7][str] === o.base && (str & 1) === (o.a32 ? 1 : 0) && o.index < 0 && o.dispLo === 0;
        const seg = str < 2 || str >= 4 ? (ins.memorySegment === Register.FS ? 4 : ins.memorySegment === Register.GS ? 5 : 0) : 0;
        return want && seg === o.seg ? "" : `op${i} ${OpKind[kind]} ${Register[ins.memorySegment]}, ours base ${o.base} seg ${o.seg}`;
      }
      if (kind !== OpKind.Memory) return `op${i} kind ${OpKind[kind]}, ours memory`;
      const asz = o.a32 ? 4 : 8;
      const base = o.rip ? (o.a32 ? "EIP" : "RIP") : o.base < 0 ? "None" : regName(o.base, asz);
      const index = o.index < 0 ? "None" : regName(o.index, asz);
      const got = `${Register[ins.memoryBase]}+${Register[ins.memoryIndex]}*${ins.memoryIndexScale}+${BigInt.asUintN(64, ins.memoryDisplacement).toString(16)}`;
      const want = `${base}+${index}*${o.scale}+${u64(o.dispLo, o.dispHi).toString(16)}`;
      if (got !== want) return `op${i} ${got}, ours ${want}`;
      const seg = ins.segmentPrefix === Register.FS ? 4 : ins.segmentPrefix === Register.GS ? 5 : 0;
      return seg === o.seg ? "" : `op${i} segment ${Register[ins.segmentPrefix]}`;
    }
    case "i": {
      if (kind === OpKind.Register || kind === OpKind.Memory || kind === OpKind.NearBranch64) return `op${i} kind ${OpKind[kind]}, ours immediate`;
      const mask = o.sz === 8 ? (1n << 64n) - 1n : (1n << BigInt(o.sz * 8)) - 1n;
      const theirs = ins.immediate(i) & mask, ours = u64(o.lo, o.hi) & mask;
      return theirs === ours ? "" : `op${i} immediate ${theirs.toString(16)}, ours ${ours.toString(16)}`;
    }
    case "j":
      if (kind !== OpKind.NearBranch64) return `op${i} kind ${OpKind[kind]}, ours branch`;
      return ins.nearBranch64 === BigInt.asUintN(64, BigInt(o.target)) ? "" : `op${i} target ${ins.nearBranch64.toString(16)}, ours ${o.target.toString(16)}`;
  }
}

/** "" when iced agrees with our decoding of `bytes`, else what differs. */
export function check(bytes: Uint8Array, ins: Instruction): string {
  // iced copies its input: one decoder per sample
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  dec.ip = BigInt(IP);
  dec.decodeOut(ins);
  dec.free();
  const ours = decode(bytes, bytes.length, IP);
  if (ours === null) return "ours ran out of bytes";
  const code = Code[ins.code];
  if (ours.op === "ud") {
    if (ins.isInvalid) return "";
    const mn = Mnemonic[ins.mnemonic].toLowerCase();
    if (!SUBSET.has(mn)) return "";
    return allowedUd(code, ours, bytes) ? "" : `we say #UD, iced ${code}`;
  }
  SUBSET.add(ours.op);
  if (ins.isInvalid) return `iced says invalid, ours ${ours.op}`;
  if (ins.length !== ours.len) return `length ${ins.length}, ours ${ours.len} (${code})`;
  const mn = Mnemonic[ins.mnemonic].toLowerCase();
  if (mn !== ours.op) return `mnemonic ${mn}, ours ${ours.op}`;
  // string instructions: the repeat prefix must agree
  if (ours.def.rep && (ins.hasRepPrefix ? 0xf3 : ins.hasRepnePrefix ? 0xf2 : 0) !== ours.rep) return "rep prefix";
  if (ins.opCount !== ours.ops.length) return `${ins.opCount} operands, ours ${ours.ops.length} (${code})`;
  for (let i = 0; i < ours.ops.length; i++) {
    const d = compareOperand(ours.ops[i], ins, i);
    if (d) return d + ` (${code})`;
  }
  return "";
}

/**
 * Checks a generated sample against iced: `generate` fills `bytes` and calls
 * `emit` for each encoding, twice (the first pass learns which mnemonics are
 * in the subset). @return the encodings checked in the second pass, those
 * both decoders decoded alike, and one example of each kind of disagreement.
 */
export function sampleAgainstIced(bytes: Uint8Array, generate: (emit: () => void) => void): { decoded: number; agreed: number; bad: string[] } {
  const ins = new Instruction();
  const bad: string[] = [];
  const kinds = new Set<string>();
  let decoded = 0, agreed = 0;
  for (let pass = 0; pass < 2; pass++) {
    generate(() => {
      const d = check(bytes, ins);
      if (pass === 0) return;
      decoded++;
      if (!d && !ins.isInvalid && decode(bytes, bytes.length, IP)?.op !== "ud") agreed++;
      const kind = d.replace(/-?[0-9a-f]{2,}/g, "");
      if (d && !kinds.has(kind) && bad.length < 40) {
        kinds.add(kind);
        bad.push(`${hex(bytes)}: ${d}`);
      }
    });
  }
  ins.free();
  return { decoded, agreed, bad };
}

/** Bytes as hex, for messages. */
export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

/** A xorshift generator: random(seed)(n) is in 0..n-1, the same sequence for the same seed. */
export function random(seed: number): (n: number) => number {
  let s = seed | 0;
  return (n) => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) % n;
  };
}
