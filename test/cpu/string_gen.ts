// Generates the string-instruction program: movs, cmps, stos, lods and scas
// at every size, plain, rep and repne, with and without the address-size
// prefix (67: esi, edi, ecx), both directions, an fs override; and loop,
// loope, loopne with rcx and (67) ecx. Each case fills a 256-byte area from
// one of four templates, sets the registers and RFLAGS, runs one
// instruction and records rsi, rdi, rcx, rax, RFLAGS and the area.
import { flatProgram } from "./flat.js";
import { Rng } from "./fpu_ref.js";

export const RECORD = 5 * 8 + 256;
/** The RFLAGS bits compared: the arithmetic flags and DF. */
export const FLAGS = 0xcd5 | 0x400;

export interface StringCase { desc: string }

const hex = (v: bigint): string => "0x" + BigInt.asUintN(64, v).toString(16);

/**
 * The templates, source half [0,128) and destination half [128,256):
 * equal halves (repe runs out its count); equal but one byte (repe stops
 * there); different but one byte (repne stops there); random bytes.
 */
function templates(r: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let t = 0; t < 4; t++) {
    const a = new Uint8Array(256);
    for (let i = 0; i < 128; i++) a[i] = r() & 0xff;
    for (let i = 0; i < 128; i++) a[128 + i] = t === 3 ? r() & 0xff : t < 2 ? a[i] : a[i] ^ (1 + (r() % 255));
    if (t === 1) for (const i of [66, 75, 54]) a[128 + i] ^= 0x40;
    if (t === 2) for (const i of [67, 58, 81]) a[128 + i] = a[i];
    out.push(a);
  }
  return out;
}

export function generate(): { asm: string; cases: StringCase[] } {
  const rng = new Rng(0x57a1e5);
  const r = (): number => Number(rng.next64() & 0xffffffffn);
  const tmpl = templates(r);
  const cases: StringCase[] = [];
  const body: string[] = [];
  const emit = (desc: string, t: number, regs: { rsi: bigint; rdi: bigint; rcx: bigint; rax: bigint }, flags: number, insn: string): void => {
    const k = cases.length;
    cases.push({ desc });
    body.push(`# ${desc}`, `lea tmpl${t}(%rip), %r9`, "xor %r10d, %r10d",
      `f${k}: mov (%r9,%r10,8), %r11`, "mov %r11, (%rbx,%r10,8)", "inc %r10", "cmp $32, %r10", `jne f${k}`,
      `movabs $${hex(regs.rsi)}, %rsi`, `movabs $${hex(regs.rdi)}, %rdi`, `movabs $${hex(regs.rcx)}, %rcx`, `movabs $${hex(regs.rax)}, %rax`,
      `push $${flags}`, "popfq", insn.replaceAll("NEXT", `n${k}`), "pushfq", "pop %r8", "cld",
      "mov %rsi, (%r15)", "mov %rdi, 8(%r15)", "mov %rcx, 16(%r15)", "mov %rax, 24(%r15)", "mov %r8, 32(%r15)",
      "xor %r10d, %r10d", `c${k}: mov (%rbx,%r10,8), %r11`, "mov %r11, 40(%r15,%r10,8)", "inc %r10", "cmp $32, %r10", `jne c${k}`,
      `add $${RECORD}, %r15`);
  };
  const AREA = 0x10000000n; // the bss starts with the area
  const randFlags = (df: number): number => 0x202 | (r() & 0x8d5) | (df ? 0x400 : 0);

  const kinds = [["movs", false], ["cmps", false], ["stos", true], ["lods", false], ["scas", true]] as const;
  const sizes = [["b", 1], ["w", 2], ["l", 4], ["q", 8]] as const;
  for (const [name, usesAl] of kinds) {
    for (const [suf, sz] of sizes) {
      for (const [pname, pre] of [["", ""], ["rep", ".byte 0xf3\n"], ["repne", ".byte 0xf2\n"]] as const) {
        for (const a32 of [false, true]) {
          for (const df of [0, 1]) {
            for (const count of pre === "" ? [3n] : [0n, 1n, 2n, 5n, 7n]) {
              const t = r() % 4;
              // start mid-half so that seven elements fit either way
              const off = BigInt(56 + (r() % 8));
              let rsi = AREA + off, rdi = AREA + 128n + off, rcx = count;
              // the high halves are ignored (and cleared when written) with 67
              if (a32) { rsi |= 0x5555000000000000n; rdi |= 0x1234567800000000n; rcx |= 0xabcd000000000000n; }
              let rax = (BigInt(r()) << 32n) | BigInt(r());
              // scas: sometimes the accumulator matches the destination at a later element
              if (usesAl && name === "scas" && r() % 2 === 0) {
                const at = Number(off) + (df ? -1 : 1) * sz * (r() % 4);
                let v = 0n;
                for (let i = sz - 1; i >= 0; i--) v = (v << 8n) | BigInt(tmpl[t][128 + at + i]);
                rax = (rax & ~((1n << BigInt(8 * sz)) - 1n)) | v;
              }
              const insn = `${pre}${a32 ? ".byte 0x67\n" : ""}${name}${suf}`;
              emit(`${pname} ${a32 ? "addr32 " : ""}${name}${suf} rcx=${hex(rcx)} df=${df} tmpl${t}`, t, { rsi, rdi, rcx, rax }, randFlags(df), insn);
            }
          }
        }
      }
    }
    // an fs override of the source (fs base 0 here): a plain address
    emit(`fs rep ${name}b`, 1, { rsi: AREA + 60n, rdi: AREA + 188n, rcx: 4n, rax: 0x41n }, 0x202, `.byte 0x64, 0xf3\n${name}b`);
  }
  // 0x67 with the count 0 in ecx but not in rcx: nothing runs
  emit("rep addr32 movsb ecx=0", 0, { rsi: AREA, rdi: AREA + 128n, rcx: 0x100000000n, rax: 0n }, 0x202, ".byte 0xf3, 0x67\nmovsb");

  for (const [name, zfWant] of [["loop", -1], ["loope", 1], ["loopne", 0]] as const) {
    for (const a32 of [false, true]) {
      for (const rcx of [0n, 1n, 2n, 0xffffffffn, 0x100000000n, 0x100000001n, 0xffffffff00000000n, -1n]) {
        for (const zf of [0, 1]) {
          const flags = 0x202 | (r() & 0x895) | (zf ? 0x40 : 0);
          emit(`${a32 ? "addr32 " : ""}${name} rcx=${hex(rcx)} zf=${zf} (${zfWant})`, 0, { rsi: 0n, rdi: 0n, rcx, rax: 0n }, flags,
            `${a32 ? ".byte 0x67\n" : ""}${name} NEXT\nmov $0x77, %al\nNEXT:`);
        }
      }
    }
  }

  const data = tmpl.map((a, t) => `tmpl${t}: .byte ${Array.from(a).join(", ")}`);
  const asm = flatProgram(["lea area(%rip), %rbx", ...body], data, ["area: .skip 4096", `buf: .skip ${cases.length * RECORD + 4096}`]);
  return { asm, cases };
}
