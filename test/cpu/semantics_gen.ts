// Generates the instruction-semantics program: every case loads edge-case
// operands, sets RFLAGS, runs one instruction and records rax, rbx, rdx and
// RFLAGS (32 bytes) into a buffer that the program writes to stdout at the
// end. The same program runs natively and under the emulator; each case
// carries the mask of the flags the SDM defines for it.
import { flatProgram } from "./flat.js";

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
export const ALL = CF | PF | AF | ZF | SF | OF;
const FLAG_INIT = [0x202, 0x202 | ALL];

export interface Case {
  desc: string;
  /** Defined flags (the record's RFLAGS is compared under this mask). */
  flags: number;
  /** Compare rax, rbx, rdx (bits 0, 1, 2). */
  regs: number;
}

const M64 = (1n << 64n) - 1n;
const VALUES = [0n, 1n, 2n, 0x7fffffffffffffffn, 0x8000000000000000n, M64, 0x5555555555555555n, 0xaaaaaaaaaaaaaaaan,
  0x8000000000000001n, 0x7ffffffffffffffen, 0x0123456789abcdefn, 0xfedcba9876543210n, 0x80n, 0x7fn, 0x8000n, 0x80000000n];
const SIZES = [8, 16, 32, 64];
const REG: Record<string, Record<number, string>> = {
  a: { 8: "%al", 16: "%ax", 32: "%eax", 64: "%rax" },
  b: { 8: "%bl", 16: "%bx", 32: "%ebx", 64: "%rbx" },
  c: { 8: "%cl", 16: "%cx", 32: "%ecx", 64: "%rcx" },
  d: { 8: "%dl", 16: "%dx", 32: "%edx", 64: "%rdx" },
};
const SUFFIX: Record<number, string> = { 8: "b", 16: "w", 32: "l", 64: "q" };
const hex = (v: bigint): string => "0x" + (v & M64).toString(16);
const trunc = (v: bigint, n: number): bigint => v & ((1n << BigInt(n)) - 1n);
const sext = (v: bigint, n: number): bigint => {
  v = trunc(v, n);
  return v >> BigInt(n - 1) ? v - (1n << BigInt(n)) : v;
};

/** Every case, or every `stride`-th one (a shorter program for the slower translated mode). */
export function generate(stride = 1): { asm: string; cases: Case[] } {
  const out: string[] = [];
  const cases: Case[] = [];
  let ci = 0;
  const emit = (desc: string, flags: number, a: bigint, b: bigint, c: bigint, d: bigint, body: string, opts: { regs?: number; finit?: number; mem?: boolean } = {}): void => {
    const finit = opts.finit ?? FLAG_INIT[ci % 2];
    if (ci++ % stride !== 0) return;
    out.push(`# ${desc}`,
      `movabs $${hex(a)}, %rax`, `movabs $${hex(b)}, %rbx`, `movabs $${hex(c)}, %rcx`, `movabs $${hex(d)}, %rdx`);
    if (opts.mem) out.push("mov %rbx, -64(%rsp)");
    out.push(`push $${finit}`, "popfq", body, "pushfq", "pop %r8");
    if (opts.mem) out.push("mov -64(%rsp), %rbx");
    out.push("mov %rax, (%r15)", "mov %rbx, 8(%r15)", "mov %rdx, 16(%r15)", "mov %r8, 24(%r15)", "add $32, %r15");
    cases.push({ desc: `${desc} [flags in ${finit.toString(16)}]`, flags: flags, regs: opts.regs ?? 7 });
  };

  // two-operand ALU: register, memory and immediate forms
  const alu: [string, number][] = [["add", ALL], ["adc", ALL], ["sub", ALL], ["sbb", ALL], ["cmp", ALL],
    ["and", ALL & ~AF], ["or", ALL & ~AF], ["xor", ALL & ~AF], ["test", ALL & ~AF]];
  for (const [op, fl] of alu) {
    for (const n of SIZES) {
      const s = SUFFIX[n];
      for (const a of VALUES) {
        for (const b of VALUES) {
          const both = op === "adc" || op === "sbb";
          for (const finit of both ? FLAG_INIT : [undefined]) {
            emit(`${op}${s} ${hex(b)}, ${hex(a)}`, fl, a, b, 0n, 0n, `${op} ${REG.b[n]}, ${REG.a[n]}`, { finit });
          }
        }
        // memory destination and memory source
        const b = VALUES[(Number(a & 0xffn) + 5) % VALUES.length];
        emit(`${op}${s} reg, mem ${hex(a)}`, fl, a, b, 0n, 0n, `${op} ${REG.a[n]}, -64(%rsp)`, { mem: true });
        if (op !== "test") emit(`${op}${s} mem, reg ${hex(a)}`, fl, a, b, 0n, 0n, `${op} -64(%rsp), ${REG.a[n]}`, { mem: true });
        for (const imm of [0n, 1n, -1n, 0x7fn, -0x80n, 0x1234n]) {
          if (n === 8 && (imm > 0x7fn)) continue;
          const im = n === 8 ? sext(imm, 8) : n === 16 ? sext(imm, 16) : imm;
          emit(`${op}${s} $${im}, ${hex(a)}`, fl, a, 0n, 0n, 0n, `${op}${s} $${im}, ${REG.a[n]}`);
        }
      }
    }
  }
  // high-byte registers
  for (const op of ["add", "sub", "xor", "mov"]) {
    emit(`${op} %bh, %ah`, op === "mov" ? ALL : op === "xor" ? ALL & ~AF : ALL, 0x1234n, 0x8f00n, 0n, 0n, `${op} %bh, %ah`);
    emit(`${op} %ah, %bl`, op === "mov" ? ALL : op === "xor" ? ALL & ~AF : ALL, 0xf0ffn, 0x12n, 0n, 0n, `${op} %ah, %bl`);
  }

  // one-operand ALU
  for (const op of ["inc", "dec", "neg", "not"]) {
    for (const n of SIZES) {
      for (const a of VALUES) {
        for (const finit of FLAG_INIT) emit(`${op}${SUFFIX[n]} ${hex(a)}`, ALL, a, 0n, 0n, 0n, `${op} ${REG.a[n]}`, { finit });
      }
      emit(`${op}${SUFFIX[n]} mem`, ALL, 0n, 0x80n, 0n, 0n, `${op}${SUFFIX[n]} -64(%rsp)`, { mem: true });
    }
  }

  // shifts and rotates by %cl and by immediates
  const counts = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65];
  for (const op of ["shl", "shr", "sar", "rol", "ror", "rcl", "rcr"]) {
    for (const n of SIZES) {
      for (const a of VALUES.slice(0, 12)) {
        for (const c of counts) {
          const masked = c & (n === 64 ? 63 : 31);
          let fl = ALL;
          if (masked !== 0) {
            const rot = op[0] === "r" && op !== "rcl" && op !== "rcr" ? true : false;
            if (op === "rcl" || op === "rcr" || rot) fl = (masked === 1 ? ALL : ALL & ~OF);
            else {
              fl = ALL & ~AF;
              if (masked !== 1) fl &= ~OF;
              if ((op === "shl" || op === "shr") && masked >= n) fl &= ~CF;
            }
          }
          const finit = op === "rcl" || op === "rcr" ? FLAG_INIT[(c + Number(a & 1n)) % 2] : undefined;
          emit(`${op}${SUFFIX[n]} %cl=${c}, ${hex(a)}`, fl, a, 0n, BigInt(c), 0n, `${op} %cl, ${REG.a[n]}`, { finit });
        }
        emit(`${op}${SUFFIX[n]} $1, ${hex(a)}`, op === "rcl" || op === "rcr" || op[0] === "r" ? ALL : ALL & ~AF, a, 0n, 0n, 0n, `${op}${SUFFIX[n]} $1, ${REG.a[n]}`);
        // the shifts by other immediates, their flags read after (the translation's K_RES form)
        if (op[0] === "s" && n >= 32) {
          for (const c of [2, 7, 31, 32, 33, 63].filter((c) => c < n)) {
            emit(`${op}${SUFFIX[n]} $${c}, ${hex(a)}`, ALL & ~AF & ~OF, a, 0n, 0n, 0n, `${op}${SUFFIX[n]} $${c}, ${REG.a[n]}`);
          }
        }
      }
      emit(`${op}${SUFFIX[n]} $5, mem`, op[0] === "r" ? ALL & ~OF : ALL & ~AF & ~OF, 0n, 0x8123456789abcdefn, 0n, 0n, `${op}${SUFFIX[n]} $5, -64(%rsp)`, { mem: true });
    }
  }
  for (const op of ["shld", "shrd"]) {
    for (const n of [16, 32, 64]) {
      for (const a of [1n, 0x8000000000000001n, 0x0123456789abcdefn, M64]) {
        for (const b of [0n, 0xfedcba9876543210n, M64]) {
          for (const c of [0, 1, 2, 7, 15, 16, 31, 33, 63]) {
            const masked = c & (n === 64 ? 63 : 31);
            if (n === 16 && masked > 16) continue; // undefined result
            const fl = masked === 0 ? ALL : masked === 1 ? ALL & ~AF : ALL & ~AF & ~OF;
            emit(`${op}${SUFFIX[n]} %cl=${c}, ${hex(b)}, ${hex(a)}`, fl, a, b, BigInt(c), 0n, `${op} %cl, ${REG.b[n]}, ${REG.a[n]}`);
            emit(`${op}${SUFFIX[n]} $${c}, ${hex(b)}, ${hex(a)}`, fl, a, b, 0n, 0n, `${op} $${c}, ${REG.b[n]}, ${REG.a[n]}`);
          }
        }
      }
    }
  }

  // multiply and divide
  for (const n of SIZES) {
    for (const a of VALUES) {
      for (const b of VALUES) {
        for (const op of ["mul", "imul"]) emit(`${op}${SUFFIX[n]} ${hex(b)} * ${hex(a)}`, CF | OF, a, b, 0n, 0x1111n, `${op} ${REG.b[n]}`);
        if (n > 8) {
          emit(`imul${SUFFIX[n]} r, r ${hex(b)} * ${hex(a)}`, CF | OF, a, b, 0n, 0n, `imul ${REG.b[n]}, ${REG.a[n]}`);
          emit(`imul${SUFFIX[n]} r, r, imm ${hex(b)} * -3`, CF | OF, a, b, 0n, 0n, `imul $-3, ${REG.b[n]}, ${REG.a[n]}`);
          emit(`imul${SUFFIX[n]} r, r, imm ${hex(b)} * 1000`, CF | OF, a, b, 0n, 0n, `imul $1000, ${REG.b[n]}, ${REG.a[n]}`);
        }
        for (const op of ["div", "idiv"]) {
          for (const d of [0n, 1n, M64, 0x7fn]) {
            // skip #DE (tested on its own): quotient must fit
            const half = n === 8 ? 16 : 2 * n;
            const dividend = n === 8 ? trunc(a, 16) : (trunc(d, n) << BigInt(n)) | trunc(a, n);
            const divisor = trunc(b, n);
            if (divisor === 0n) continue;
            if (op === "div") {
              if (dividend / divisor >= 1n << BigInt(n)) continue;
            } else {
              const sd = sext(dividend, half), sv = sext(divisor, n);
              const q = sd / sv;
              if (q >= 1n << BigInt(n - 1) || q < -(1n << BigInt(n - 1))) continue;
            }
            emit(`${op}${SUFFIX[n]} ${hex(d)}:${hex(a)} / ${hex(b)}`, 0, a, b, 0n, d, `${op} ${REG.b[n]}`);
          }
        }
      }
    }
  }

  // the one-operand forms with a memory operand (rdx:rax by the stack's copy of rbx)
  for (const [a, b, d] of [[0x123456789abcdefn, 0x10n, 0x3n], [M64, M64, 0x7ffffffffffffffen], [0x8000000000000000n, 0xfffffffffffffff0n, M64]]) {
    for (const insn of ["mulq -64(%rsp)", "imulq -64(%rsp)", "mull -64(%rsp)", "imull -64(%rsp)", "divq -64(%rsp)", "idivq -64(%rsp)", "divl -64(%rsp)", "idivl -64(%rsp)"]) {
      // rdx = 0, or its sign, before the divisions: a quotient that fits
      const div = insn.includes("div"), signed = insn.startsWith("i");
      const hi = !div ? d : signed ? (insn.endsWith("q -64(%rsp)") ? (a >> 63n ? M64 : 0n) : (a & 0x80000000n ? M64 : 0n)) : 0n;
      emit(`${insn} ${hex(hi)}:${hex(a)}, ${hex(b)}`, div ? 0 : CF | OF, a, b, 0n, hi, insn, { mem: true });
    }
  }

  // bit tests and scans
  for (const n of [16, 32, 64]) {
    for (const a of VALUES) {
      for (const bit of [0n, 1n, 15n, 16n, 31n, 32n, 63n, 64n, 100n]) {
        for (const op of ["bt", "bts", "btr", "btc"]) emit(`${op}${SUFFIX[n]} ${bit}, ${hex(a)}`, CF | ZF, a, bit, 0n, 0n, `${op} ${REG.b[n]}, ${REG.a[n]}`);
        for (const op of ["bt", "bts"]) emit(`${op}${SUFFIX[n]} $${bit & 63n}, ${hex(a)}`, CF | ZF, a, 0n, 0n, 0n, `${op}${SUFFIX[n]} $${bit & 63n}, ${REG.a[n]}`);
      }
      for (const op of ["bsf", "bsr"]) emit(`${op}${SUFFIX[n]} ${hex(a)}`, ZF, 0x5a5a5a5a5a5a5a5an, a, 0n, 0n, `${op} ${REG.b[n]}, ${REG.a[n]}`);
      for (const op of ["tzcnt", "lzcnt"]) emit(`${op}${SUFFIX[n]} ${hex(a)}`, CF | ZF, 0x5a5a5a5a5a5a5a5an, a, 0n, 0n, `${op} ${REG.b[n]}, ${REG.a[n]}`);
      emit(`popcnt${SUFFIX[n]} ${hex(a)}`, ALL, 0n, a, 0n, 0n, `popcnt ${REG.b[n]}, ${REG.a[n]}`);
    }
  }
  // bit string in memory: offsets past the operand, negative offsets
  for (const bit of [0n, 7n, 8n, 63n, 64n + 3n, -1n, -9n]) {
    emit(`btsq mem, ${bit}`, CF | ZF, 0n, 0x00ff00ff00ff00ffn, 0n, bit, `btsq %rdx, -64(%rsp)`, { mem: true, regs: bit >= 0n && bit < 64n ? 7 : 5 });
  }

  // exchange, compare-exchange, byte swap, conversions
  for (const n of SIZES) {
    for (const a of VALUES.slice(0, 8)) {
      const b = VALUES[(Number(a & 7n) + 3) % VALUES.length];
      emit(`xadd${SUFFIX[n]} ${hex(a)}`, ALL, a, b, 0n, 0n, `xadd ${REG.b[n]}, ${REG.a[n]}`);
      emit(`xchg${SUFFIX[n]} ${hex(a)}`, ALL, a, b, 0n, 0n, `xchg ${REG.b[n]}, ${REG.a[n]}`);
      emit(`cmpxchg${SUFFIX[n]} eq ${hex(a)}`, ALL, a, a, 0n, b, `cmpxchg ${REG.d[n]}, ${REG.b[n]}`);
      emit(`cmpxchg${SUFFIX[n]} ne ${hex(a)}`, ALL, a, b, 0n, 0x77n, `cmpxchg ${REG.d[n]}, ${REG.b[n]}`);
      emit(`cmpxchg${SUFFIX[n]} mem ${hex(a)}`, ALL, a, a, 0n, 0x77n, `cmpxchg ${REG.d[n]}, -64(%rsp)`, { mem: true });
      emit(`xadd${SUFFIX[n]} mem ${hex(a)}`, ALL, a, b, 0n, 0n, `xadd ${REG.a[n]}, -64(%rsp)`, { mem: true });
    }
  }
  for (const a of VALUES) {
    for (const insn of ["bswap %eax", "bswap %rax", "cbtw", "cwtl", "cltq", "cwtd", "cltd", "cqto",
      "movzbl %al, %ebx", "movzwl %ax, %ebx", "movzbq %al, %rbx", "movzwq %ax, %rbx", "movzbw %al, %bx",
      "movsbl %al, %ebx", "movswl %ax, %ebx", "movsbq %al, %rbx", "movswq %ax, %rbx", "movslq %eax, %rbx", "movsbw %al, %bx",
      "movzbl %ah, %ebx", "lea 0x10(%rax,%rax,4), %ebx", "lea -8(%rax,%rax,8), %rbx", "lea 0x7fffffff(%rax), %bx",
      "mov %eax, %ebx", "mov %ax, %bx", "mov %al, %bl"]) {
      emit(`${insn} ${hex(a)}`, ALL, a, 0xdddddddddddddddn, 0n, 0xeeeeeeeeeeeeeeen, insn);
    }
    for (let cc = 0; cc < 16; cc++) {
      const name = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"][cc];
      for (const b of [0n, 1n, M64, 0x8000000000000000n]) {
        emit(`cmp+set${name} ${hex(b)}, ${hex(a)}`, ALL, a, b, 0n, 0n, `cmp %rbx, %rax\nset${name} %dl`);
        emit(`cmpl+cmov${name} ${hex(b)}, ${hex(a)}`, ALL, a, b, 0n, 0n, `cmp %ebx, %eax\ncmov${name} %eax, %edx`);
      }
      emit(`add+cmov${name}q ${hex(a)}`, ALL, a, 0x8000000000000000n, 0n, 0n, `add %rbx, %rax\ncmov${name} %rax, %rdx`);
    }
  }
  // setcc and cmovcc on the flags popf left (no arithmetic before them to say how to read them),
  // every form: a byte register, ah, memory; 16-, 32- and 64-bit moves, from memory too
  const mixed = [0x202, 0x202 | ALL, 0x202 | SF | CF, 0x202 | OF | ZF | PF];
  for (let cc = 0; cc < 16; cc++) {
    const name = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"][cc];
    for (const finit of mixed) {
      const a = 0x1111111111111111n, b = 0x8badf00ddeadbeefn, d = 0x2222222222222222n;
      emit(`set${name} %dl`, ALL, a, b, 0n, d, `set${name} %dl`, { finit });
      emit(`set${name} %ah`, ALL, a, b, 0n, d, `set${name} %ah`, { finit });
      emit(`set${name} mem`, ALL, a, b, 0n, d, `set${name} -64(%rsp)`, { finit, mem: true });
      emit(`cmov${name}w`, ALL, a, b, 0n, d, `cmov${name} %bx, %dx`, { finit });
      emit(`cmov${name}l`, ALL, a, b, 0n, d, `cmov${name} %ebx, %edx`, { finit });
      emit(`cmov${name}q mem`, ALL, a, b, 0n, d, `cmov${name} -64(%rsp), %rdx`, { finit, mem: true });
    }
  }

  // lock on read-modify-write forms; cmpxchg8b and cmpxchg16b, equal and not
  for (const insn of ["lock addq %rax, -64(%rsp)", "lock subl %eax, -64(%rsp)", "lock xaddq %rax, -64(%rsp)", "lock cmpxchgq %rdx, -64(%rsp)",
    "lock btsq $5, -64(%rsp)", "lock incl -64(%rsp)", "lock notw -64(%rsp)", "lock negb -64(%rsp)", "xchg %rax, -64(%rsp)"]) {
    emit(insn, ALL, 0x123456789abcdefn, 0x8000000000000005n, 0n, 0x8000000000000005n, insn, { mem: true });
  }
  for (const [a, d] of [[0x1111111189abcdefn, 0x2222222201234567n], [0x89abcdefn, 0x01234567n], [0n, 0n]]) {
    // memory (rbx) = 0x0123456789abcdef: equal when edx:eax says so; the new value is ecx:ebx
    emit(`cmpxchg8b ${hex(d)}:${hex(a)}`, ZF, a, 0x0123456789abcdefn, 0x5555555566666666n, d, "lock cmpxchg8b -64(%rsp)", { mem: true });
    for (const half of [0, 8]) {
      // a 16-byte aligned pair: low qword rbx, high qword 0x77; new value rcx:rbx; rbx reads back one half
      emit(`cmpxchg16b ${hex(d)}:${hex(a)} [${half}]`, ZF, a, 0x0123456789abcdefn, 0x5555555566666666n, d & 0xffn ? 0x77n : d,
        `lea -128(%rsp), %rsi\nand $-16, %rsi\nmov %rbx, (%rsi)\nmovq $0x77, 8(%rsi)\nlock cmpxchg16b (%rsi)\nmov ${half}(%rsi), %rbx`);
    }
  }
  emit("cmpxchg16b equal", ZF, 0x0123456789abcdefn, 0x0123456789abcdefn, 0x5555555566666666n, 0x77n,
    "lea -128(%rsp), %rsi\nand $-16, %rsi\nmov %rbx, (%rsi)\nmovq $0x77, 8(%rsi)\nlock cmpxchg16b (%rsi)\nmov 8(%rsi), %rbx");

  // the address-size prefix: 32-bit effective addresses, and no effect without a memory operand
  for (const a of [0n, 0xffffffffn, 0x1234567880000000n, M64]) {
    for (const insn of ["lea 0x10(%eax,%ebx,4), %rdx", "lea -1(%eax), %edx", "lea (%eax,%ebx), %dx", "lea buf(%eip), %rdx",
      ".byte 0x67; call 1f\n1: pop %rdx", "mov %rax, 40(%r15d)\nmov 40(%r15), %rdx", "add %eax, 44(%r15d)\nmov 40(%r15), %rdx"]) {
      emit(`${insn.replaceAll("\n", "; ")} ${hex(a)}`, ALL, a, 0x9abcdef0fedcba98n, 0n, 0n, insn);
    }
  }

  // jumps and calls through a register or memory (the address each leaves is recorded)
  for (const insn of ["lea 1f(%rip), %rdx\njmp *%rdx\nud2\n1:", "lea 1f(%rip), %rdx\nmov %rdx, -64(%rsp)\njmp *-64(%rsp)\nud2\n1:",
    "lea 1f(%rip), %rdx\ncall *%rdx\nud2\n1: pop %rbx", "lea 1f(%rip), %rdx\nmov %rdx, -64(%rsp)\ncall *-64(%rsp)\nud2\n1: pop %rbx"]) {
    emit(insn.replaceAll("\n", "; "), ALL, 0n, 0n, 0n, 0n, insn, { mem: true });
  }

  return { asm: flatProgram(out, [], [`buf: .skip ${cases.length * 32 + 4096}`]), cases };
}
