// Test-only machine: a CPU over a flat page map instead of the kernel.
// The walk honours docs/abi.md: an entry is frame | TLB_W | TLB_X, or
// -error_code (P set when the page is present but the access is refused).
import { execFileSync } from "node:child_process";
import { expect } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseElf, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/loader/elf.js";
import { Cpu, type CpuModel, Mmu, PF_INSTR, X86_64_V2, PF_PROT, PF_WRITE, STOP_SYSCALL, TLB_W, TLB_X } from "../../src/cpu/index.js";
import { needs, TOOLS } from "../helpers/tools.js";

export const PROT_R = 1, PROT_W = 2, PROT_X = 4;

interface Pte { frame: number; prot: number; dirty: boolean }

export class FlatMachine {
  readonly memory: WebAssembly.Memory;
  readonly ram: Uint8Array;
  readonly pages = new Map<number, Pte>();
  readonly mmu: Mmu;
  readonly cpu: Cpu;
  private nextFrame = 1;
  walks: { va: number; access: number }[] = [];

  constructor(ramPages = 16384, model: CpuModel = X86_64_V2) {
    this.memory = new WebAssembly.Memory({ initial: ramPages / 16, maximum: ramPages / 16 });
    this.ram = new Uint8Array(this.memory.buffer);
    this.mmu = new Mmu(this.memory, (va, access) => this.walk(va, access));
    this.cpu = new Cpu(this.mmu, model);
  }

  walk(va: number, access: number): number {
    this.walks.push({ va, access });
    const p = this.pages.get(Math.floor(va / 4096));
    if (p === undefined) return access;
    const refused = ((access & PF_WRITE) && !(p.prot & PROT_W)) || ((access & PF_INSTR) && !(p.prot & PROT_X));
    if (refused) return access | PF_PROT;
    if (access & PF_WRITE) p.dirty = true;
    return p.frame * 4096 + (p.dirty && p.prot & PROT_W ? TLB_W : 0) + (p.prot & PROT_X ? TLB_X : 0);
  }

  /** Maps [va, va+len) (page-rounded) with fresh zeroed frames. */
  map(va: number, len: number, prot: number): void {
    for (let p = Math.floor(va / 4096); p * 4096 < va + len; p++) {
      if (this.nextFrame * 4096 >= this.ram.length) throw new Error("FlatMachine.map: out of frames");
      if (!this.pages.has(p)) this.pages.set(p, { frame: this.nextFrame++, prot, dirty: false });
      else this.pages.get(p)!.prot = prot;
    }
  }

  unmap(va: number): void {
    this.pages.delete(Math.floor(va / 4096));
    this.mmu.flushPage(va);
  }

  protect(va: number, prot: number): void {
    this.pages.get(Math.floor(va / 4096))!.prot = prot;
    this.mmu.flushPage(va);
  }

  /** Writes bytes to mapped memory, whatever the protection (a loader's view). */
  poke(va: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const p = this.pages.get(Math.floor((va + i) / 4096))!;
      this.ram[p.frame * 4096 + ((va + i) % 4096)] = bytes[i];
    }
  }

  peek(va: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const p = this.pages.get(Math.floor((va + i) / 4096))!;
      out[i] = this.ram[p.frame * 4096 + ((va + i) % 4096)];
    }
    return out;
  }

  /**
   * Runs a program that talks to the host with write(1, buf, len) and exit(code):
   * returns its stdout bytes and exit status, or the first other stop.
   */
  runProgram(maxInsns = 1e8, stdin = new Uint8Array(0)): { out: Uint8Array; stop: number; exit: number } {
    const chunks: Uint8Array[] = [];
    let inPos = 0;
    const all = (): Uint8Array => Buffer.concat(chunks);
    let left = maxInsns;
    for (;;) {
      const stop = this.cpu.run(left);
      left -= this.cpu.lastRetired;
      if (stop !== STOP_SYSCALL) return { out: all(), stop, exit: -1 };
      const nr = this.cpu.getReg(0);
      if (nr === 1) {
        const bytes = this.peek(this.cpu.getReg(6), this.cpu.getReg(2));
        chunks.push(bytes);
        this.cpu.setReg(0, bytes.length);
      } else if (nr === 0) {
        const n = Math.min(this.cpu.getReg(2), stdin.length - inPos);
        this.poke(this.cpu.getReg(6), stdin.subarray(inPos, inPos + n));
        inPos += n;
        this.cpu.setReg(0, n);
      } else if (nr === 60 || nr === 231) {
        return { out: all(), stop, exit: this.cpu.getReg(7) & 0xff };
      } else this.cpu.setReg(0, -38);
    }
  }
}

let asDir: string | null = null;
/** True when GNU as, ld and objcopy for x86-64 can run here. */
export const haveToolchain = () => needs(TOOLS.x86_64_linux, TOOLS.as, TOOLS.ld, TOOLS.objcopy);

/** Assembles AT&T source (64-bit) into flat bytes that start at `base`. */
export function assemble(src: string, base = 0x401000): Uint8Array {
  asDir ??= mkdtempSync(join(tmpdir(), "faultline-as-"));
  const s = join(asDir, "t.s"), o = join(asDir, "t.o"), e = join(asDir, "t.elf"), b = join(asDir, "t.bin");
  writeFileSync(s, ".text\n.globl _start\n_start:\n" + src + "\n");
  execFileSync("as", ["--64", "-o", o, s]);
  execFileSync("ld", ["-static", "-nostdlib", "-Ttext=0x" + base.toString(16), "-o", e, o]);
  execFileSync("objcopy", ["-O", "binary", "-j", ".text", e, b]);
  return new Uint8Array(readFileSync(b));
}

/** A machine with `code` at 0x401000 (r-x), a stack below 0x7fff0000 and rsp set. */
export function machineWith(code: Uint8Array, base = 0x401000, ramPages?: number, model?: CpuModel): FlatMachine {
  const m = new FlatMachine(ramPages, model);
  m.map(base, code.length + 1, PROT_R | PROT_X);
  m.poke(base, code);
  m.map(0x7ffe0000, 0x10000, PROT_R | PROT_W);
  m.cpu.rip = base;
  m.cpu.rsp = 0x7fff0000;
  return m;
}

/**
 * The end of a generated test program: writes [buf, %r15) to stdout (a pipe
 * may take it in pieces) and exits 0.
 */
const WRITE_RECORDS_AND_EXIT = `
  lea buf(%rip), %rsi
  mov %r15, %rdx
  sub %rsi, %rdx
  1: test %rdx, %rdx
  jz 2f
  mov $1, %eax
  mov $1, %edi
  syscall
  add %rax, %rsi
  sub %rax, %rdx
  jmp 1b
  2: mov $60, %eax
  xor %edi, %edi
  syscall
`;

/**
 * A generated test program's source: `body` runs with %r15 at buf, each case
 * appending its record there; then the records go to stdout and it exits.
 * `data` follows the code; `bss` is the page-aligned .bss, buf among it.
 */
export function flatProgram(body: string[], data: string[], bss: string[]): string {
  return `
  .text
  .globl _start
  _start:
  lea buf(%rip), %r15
  ${body.join("\n")}
  ${WRITE_RECORDS_AND_EXIT}
  .align 16
  ${data.join("\n")}
  .bss
  .align 4096
  ${bss.join("\n")}
  `;
}

/**
 * Builds a static no-libc program from AT&T source: text at 0x401000, bss at 0x10000000.
 * @return the ELF path (to run natively) and the flat text bytes (to load here).
 */
export function buildProgram(src: string): { elf: string; text: Uint8Array } {
  asDir ??= mkdtempSync(join(tmpdir(), "faultline-as-"));
  const s = join(asDir, "p.s"), o = join(asDir, "p.o"), e = join(asDir, "p.elf"), b = join(asDir, "p.bin");
  writeFileSync(s, src);
  execFileSync("as", ["--64", "-o", o, s]);
  execFileSync("ld", ["-static", "-nostdlib", "-Ttext=0x401000", "-Tbss=0x10000000", "-o", e, o]);
  execFileSync("objcopy", ["-O", "binary", "-j", ".text", e, b]);
  return { elf: e, text: new Uint8Array(readFileSync(b)) };
}

/**
 * A static ELF loaded on a flat page map, with a minimal initial stack
 * (argc, argv, an empty envp and auxv): enough for programs that only
 * read, write and exit. On a CPU of `model` (default x86-64-v2).
 */
export function loadElf(file: Uint8Array, args: string[], ramPages?: number, model?: CpuModel): FlatMachine {
  const plan = parseElf(file);
  const m = new FlatMachine(ramPages, model);
  for (const s of plan.segments) {
    const prot = (s.prot & PROT_READ ? PROT_R : 0) | (s.prot & PROT_WRITE ? PROT_W : 0) | (s.prot & PROT_EXEC ? PROT_X : 0);
    m.map(s.vaddr, s.memsz, prot);
    m.poke(s.vaddr, file.subarray(s.offset, s.offset + s.filesz));
  }
  const top = 0x7ffffffff000;
  m.map(top - 0x40000, 0x40000, PROT_R | PROT_W);
  const strings = args.map((a) => new TextEncoder().encode(a + "\0"));
  let p = top - 16;
  const ptrs: number[] = [];
  for (const s of strings) {
    p -= s.length;
    m.poke(p, s);
    ptrs.push(p);
  }
  const words = [args.length, ...ptrs, 0, 0, 0, 0];
  const sp = Math.floor((p - words.length * 8) / 16) * 16;
  const stack = new DataView(new ArrayBuffer(words.length * 8));
  words.forEach((w, i) => stack.setBigUint64(i * 8, BigInt(w), true));
  m.poke(sp, new Uint8Array(stack.buffer));
  m.cpu.rip = plan.entry;
  m.cpu.rsp = sp;
  return m;
}

/**
 * The two ways the emulator runs guest code, as it.each rows [name, jitThreshold]:
 * each instruction through its compiled Op, and every block translated from its first run.
 */
export const EXECUTION_MODES = [
  ["compiled Ops", Infinity],
  ["translated blocks", 0],
] as const;

/** EXECUTION_MODES with a case stride: every case through the compiled Ops, every `stride`th through translated blocks (slower to build). */
export const sampledModes = (stride: number) =>
  EXECUTION_MODES.map(([mode, jitThreshold]) => [mode, jitThreshold, jitThreshold === 0 ? stride : 1] as const);

/**
 * Builds a generated program (flatProgram's source) and runs it natively:
 * its flat text, to run here, and the hardware's records (its stdout).
 */
export function nativeRecords(asm: string): { text: Uint8Array; ref: Uint8Array } {
  const { elf, text } = buildProgram(asm);
  return { text, ref: new Uint8Array(execFileSync(elf, { maxBuffer: 1 << 28 })) };
}

/**
 * Runs a generated program's text (flatProgram, buildProgram) with `bssBytes`
 * of .bss mapped at 0x10000000 and blocks translated after `jitThreshold`
 * runs (on a CPU of `model`, default x86-64-v2): its stdout, once it has exited 0.
 */
export function runGenerated(text: Uint8Array, bssBytes: number, jitThreshold: number, model?: CpuModel): Uint8Array {
  const m = machineWith(text, undefined, undefined, model);
  m.cpu.jitThreshold = jitThreshold;
  m.map(0x10000000, bssBytes, PROT_R | PROT_W);
  const r = m.runProgram(1e8);
  expect(r.stop).toBe(STOP_SYSCALL);
  expect(r.exit).toBe(0);
  return r.out;
}

const hexWords = (a: ArrayLike<number>): string => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, "0")).join(" ");

/**
 * The cases whose records (`record` bytes each) differ between the hardware's
 * output and ours, described with their inputs (when they have them).
 * `undefinedBits(i)`: the bits of each word of case i's record that the
 * architecture leaves undefined (none compared).
 */
export function differentRecords(cases: { desc: string; input?: Uint32Array }[], hwOut: Uint8Array, ourOut: Uint8Array, record: number,
  undefinedBits?: (i: number) => Map<number, number>): string[] {
  const words = record / 4;
  const hw = new Uint32Array(hwOut.buffer, hwOut.byteOffset, hwOut.length / 4);
  const emu = new Uint32Array(ourOut.buffer, ourOut.byteOffset, ourOut.length / 4);
  const bad: string[] = [];
  cases.forEach((c, i) => {
    const want = hw.slice(i * words, (i + 1) * words), got = emu.slice(i * words, (i + 1) * words);
    for (const [w, bits] of undefinedBits?.(i) ?? []) {
      want[w] &= ~bits;
      got[w] &= ~bits;
    }
    const input = c.input ? `\n  in   ${hexWords(c.input)}` : "";
    if (hexWords(got) !== hexWords(want)) bad.push(`${c.desc}${input}\n  ours ${hexWords(got)}\n  hw   ${hexWords(want)}`);
  });
  return bad;
}
