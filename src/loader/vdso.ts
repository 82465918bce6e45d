// The vDSO (arch/x86/entry/vdso): a small x86-64 ELF shared object that exec
// maps into every program ([vdso], after [vvar] and [vvar_vclock]) and names
// in AT_SYSINFO_EHDR, so that glibc and musl read the clocks without a
// syscall. It is built here, byte by byte, with no assembler: each
// instruction is hand-encoded, its assembly beside it in the form iced-x86
// prints it (test/loader/vdso.test.ts decodes the image and compares).
//
// Its code reads the time data page at the start of [vvar] as Linux's
// vDSO reads vdso_time_data: a sequence count, the clock mode, the counter
// value and base time of the last update, and x86's CPU/node word. The
// counter is rdtsc, which faultline makes the instructions retired (the
// virtual clock, syscalls/index.ts); updateVsyscall keeps the page such
// that a vDSO reading equals what the clock_gettime syscall returns at
// the same instruction.

import { PAGE_SIZE, VDSO_PAGES, VVAR_PAGES, VVAR_VCLOCK_PAGES } from "../abi.js";
import { TICK_NSEC } from "../task/jiffies.js";

// ─── the time data page (our vdso_time_data) ───────────────────────────────

/** Offsets in the time data page. */
export const VD_SEQ = 0x00;          // u32: odd while an update is under way
export const VD_CLOCK_MODE = 0x04;   // s32: VDSO_CLOCKMODE_TSC, or NONE (every call takes the syscall)
export const VD_CYCLE_LAST = 0x08;   // u64: the counter at the last update
export const VD_MULT = 0x10;         // u32: ns = ((cycles - cycle_last) * mult + nsec) >> shift
export const VD_SHIFT = 0x14;        // u32
export const VD_BASETIME = 0x18;     // {u64 sec, u64 nsec << shift} for each clock id 0..11
export const VD_CPU_NODE = 0xd8;     // u32: node << 12 | cpu (what x86's vdso_read_cpunode decodes)
export const VD_HRTIMER_RES = 0xdc;  // u32: clock_getres of the high-resolution clocks, ns

export const VDSO_CLOCKMODE_NONE = 0;
export const VDSO_CLOCKMODE_TSC = 1;
/** The clocks the vDSO serves (VDSO_HRES | VDSO_COARSE | VDSO_RAW): the CPU-time and alarm clocks take the syscall. */
export const VDSO_CLOCKS = [0, 1, 4, 5, 6, 7, 11];
const REALTIME_CLOCKS = [0, 5, 11];
/** The coarse clocks' resolution (LOW_RES_NSEC: one tick), as clock_getres gives it. */
const LOW_RES_NSEC = TICK_NSEC;

const TWO32 = 2 ** 32;
function setU64(v: DataView, at: number, n: number): void {
  v.setUint32(at, n % TWO32, true);
  v.setUint32(at + 4, Math.floor(n / TWO32), true);
}

/**
 * update_vsyscall: writes the time data for a virtual clock that reads
 * `idleNs` plus the instructions retired, CLOCK_REALTIME `epochSec` ahead.
 * rdtsc counts the instructions before it, while the syscall's clock also
 * counts the syscall instruction: the base is one nanosecond on, so that
 * the vDSO reads the clock as of its rdtsc's retirement.
 */
export function updateVsyscall(page: DataView, idleNs: number, epochSec: number, cpuNode: number): void {
  page.setUint32(VD_SEQ, (page.getUint32(VD_SEQ, true) + 1) >>> 0, true);
  page.setInt32(VD_CLOCK_MODE, VDSO_CLOCKMODE_TSC, true);
  setU64(page, VD_CYCLE_LAST, 0);
  page.setUint32(VD_MULT, 1, true);
  page.setUint32(VD_SHIFT, 0, true);
  const base = idleNs + 1;
  for (const id of VDSO_CLOCKS) {
    setU64(page, VD_BASETIME + 16 * id, Math.floor(base / 1e9) + (REALTIME_CLOCKS.includes(id) ? epochSec : 0));
    setU64(page, VD_BASETIME + 16 * id + 8, base % 1e9);
  }
  page.setUint32(VD_CPU_NODE, (cpuNode << 12) >>> 0, true);
  page.setUint32(VD_HRTIMER_RES, 1, true);
  page.setUint32(VD_SEQ, (page.getUint32(VD_SEQ, true) + 1) >>> 0, true);
}

// ─── the code ──────────────────────────────────────────────────────────────

/** One instruction: its bytes, and a label its rel8/rel32 field (the last bytes) points at. */
export interface Insn {
  asm: string;
  bytes: number[];
  rel?: { to: string; size: 1 | 4 };
  label?: string;
}

const i = (asm: string, ...bytes: number[]): Insn => ({ asm, bytes });
/** An instruction ending in a displacement to `to`: a branch, a call, or rip-relative. */
const r = (asm: string, to: string, size: 1 | 4, ...bytes: number[]): Insn => ({ asm, bytes, rel: { to, size } });
const at = (label: string): Insn => ({ asm: "", bytes: [], label });
const imm32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** The served-clock mask for bt: bit id set for each clock in VDSO_CLOCKS. */
const CLOCK_MASK = VDSO_CLOCKS.reduce((m, id) => m | (1 << id), 0);
const COARSE_MASK = (1 << 5) | (1 << 6);

/**
 * The functions, in the image's order. Each exported one follows the C ABI
 * and falls back to the syscall where Linux's does. Operands a label
 * names print as its address in the image; `vvar` is the time data page,
 * (VVAR_PAGES + VVAR_VCLOCK_PAGES) pages below the image.
 */
export const CODE: Insn[] = [
  // do_hres(r11d = a served clock id): CF clear and rax = sec, rdx = nsec;
  // CF set when the clock mode says no vDSO clock.
  at("do_hres"),
  r("lea r8, [vvar]", "vvar", 4, 0x4c, 0x8d, 0x05),
  i("shl r11d, 4", 0x41, 0xc1, 0xe3, 0x04),
  i("add r11, r8", 0x4d, 0x01, 0xc3),
  at("retry"),
  i("mov r10d, [r8]", 0x45, 0x8b, 0x10),                       // seq = vdso_read_begin
  i("test r10b, 1", 0x41, 0xf6, 0xc2, 0x01),
  r("jne retry", "retry", 1, 0x75),
  i("cmp dword ptr [r8+4], 0", 0x41, 0x83, 0x78, 0x04, 0x00),  // VDSO_CLOCKMODE_NONE?
  r("je none", "none", 1, 0x74),
  // rdtsc follows a branch, so it starts a block: the count it reads is exact.
  i("rdtsc", 0x0f, 0x31),
  i("shl rdx, 0x20", 0x48, 0xc1, 0xe2, 0x20),
  i("or rax, rdx", 0x48, 0x09, 0xd0),
  i("sub rax, [r8+8]", 0x49, 0x2b, 0x40, 0x08),                // - cycle_last
  i("mov ecx, [r8+0x10]", 0x41, 0x8b, 0x48, 0x10),             // * mult
  i("imul rax, rcx", 0x48, 0x0f, 0xaf, 0xc1),
  i("add rax, [r11+0x20]", 0x49, 0x03, 0x43, 0x20),            // + basetime[clk].nsec
  i("mov ecx, [r8+0x14]", 0x41, 0x8b, 0x48, 0x14),             // >> shift
  i("shr rax, cl", 0x48, 0xd3, 0xe8),
  i("mov rdx, [r11+0x18]", 0x49, 0x8b, 0x53, 0x18),            // basetime[clk].sec
  i("cmp r10d, [r8]", 0x45, 0x3b, 0x10),                       // vdso_read_retry
  r("jne retry", "retry", 1, 0x75),
  i("mov r9, rdx", 0x49, 0x89, 0xd1),
  i("xor edx, edx", 0x31, 0xd2),
  i("mov ecx, 0x3b9aca00", 0xb9, ...imm32(1e9)),              // NSEC_PER_SEC
  i("div rcx", 0x48, 0xf7, 0xf1),
  i("add rax, r9", 0x4c, 0x01, 0xc8),
  i("clc", 0xf8),
  i("ret", 0xc3),
  at("none"),
  i("stc", 0xf9),
  i("ret", 0xc3),

  // int __vdso_clock_gettime(clockid_t clock, struct timespec *ts)
  at("__vdso_clock_gettime"),
  i("cmp edi, 0xb", 0x83, 0xff, 0x0b),
  r("ja cgt_sys", "cgt_sys", 1, 0x77),
  i(`mov eax, 0x${CLOCK_MASK.toString(16)}`, 0xb8, ...imm32(CLOCK_MASK)),
  i("bt eax, edi", 0x0f, 0xa3, 0xf8),
  r("jae cgt_sys", "cgt_sys", 1, 0x73),
  i("mov r11d, edi", 0x41, 0x89, 0xfb),
  r("call do_hres", "do_hres", 4, 0xe8),
  r("jb cgt_sys", "cgt_sys", 1, 0x72),
  i("mov [rsi], rax", 0x48, 0x89, 0x06),
  i("mov [rsi+8], rdx", 0x48, 0x89, 0x56, 0x08),
  i("xor eax, eax", 0x31, 0xc0),
  i("ret", 0xc3),
  at("cgt_sys"),
  i("mov eax, 0xe4", 0xb8, ...imm32(228)),                     // __NR_clock_gettime
  i("syscall", 0x0f, 0x05),
  i("ret", 0xc3),

  // int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz)
  at("__vdso_gettimeofday"),
  i("test rdi, rdi", 0x48, 0x85, 0xff),
  r("je gtod_tz", "gtod_tz", 1, 0x74),
  i("xor r11d, r11d", 0x45, 0x31, 0xdb),                       // CLOCK_REALTIME
  r("call do_hres", "do_hres", 4, 0xe8),
  r("jb gtod_sys", "gtod_sys", 1, 0x72),
  i("mov [rdi], rax", 0x48, 0x89, 0x07),
  i("mov rax, rdx", 0x48, 0x89, 0xd0),
  i("xor edx, edx", 0x31, 0xd2),
  i("mov ecx, 0x3e8", 0xb9, ...imm32(1000)),                   // NSEC_PER_USEC
  i("div rcx", 0x48, 0xf7, 0xf1),
  i("mov [rdi+8], rax", 0x48, 0x89, 0x47, 0x08),
  at("gtod_tz"),
  i("test rsi, rsi", 0x48, 0x85, 0xf6),
  r("je gtod_ok", "gtod_ok", 1, 0x74),
  i("mov qword ptr [rsi], 0", 0x48, 0xc7, 0x06, 0x00, 0x00, 0x00, 0x00), // sys_tz: UTC, no DST
  at("gtod_ok"),
  i("xor eax, eax", 0x31, 0xc0),
  i("ret", 0xc3),
  at("gtod_sys"),
  i("mov eax, 0x60", 0xb8, ...imm32(96)),                      // __NR_gettimeofday
  i("syscall", 0x0f, 0x05),
  i("ret", 0xc3),

  // time_t __vdso_time(time_t *t)
  at("__vdso_time"),
  i("xor r11d, r11d", 0x45, 0x31, 0xdb),                       // CLOCK_REALTIME
  r("call do_hres", "do_hres", 4, 0xe8),
  r("jb time_sys", "time_sys", 1, 0x72),
  i("test rdi, rdi", 0x48, 0x85, 0xff),
  r("je time_ret", "time_ret", 1, 0x74),
  i("mov [rdi], rax", 0x48, 0x89, 0x07),
  at("time_ret"),
  i("ret", 0xc3),
  at("time_sys"),
  i("mov eax, 0xc9", 0xb8, ...imm32(201)),                     // __NR_time
  i("syscall", 0x0f, 0x05),
  i("ret", 0xc3),

  // long __vdso_getcpu(unsigned *cpu, unsigned *node, void *tcache)
  at("__vdso_getcpu"),
  r("lea r8, [vvar]", "vvar", 4, 0x4c, 0x8d, 0x05),
  i("mov eax, [r8+0xd8]", 0x41, 0x8b, 0x80, ...imm32(VD_CPU_NODE)),
  i("test rdi, rdi", 0x48, 0x85, 0xff),
  r("je getcpu_node", "getcpu_node", 1, 0x74),
  i("mov ecx, eax", 0x89, 0xc1),
  i("and ecx, 0xfff", 0x81, 0xe1, ...imm32(0xfff)),
  i("mov [rdi], ecx", 0x89, 0x0f),
  at("getcpu_node"),
  i("test rsi, rsi", 0x48, 0x85, 0xf6),
  r("je getcpu_ok", "getcpu_ok", 1, 0x74),
  i("shr eax, 0xc", 0xc1, 0xe8, 0x0c),
  i("mov [rsi], eax", 0x89, 0x06),
  at("getcpu_ok"),
  i("xor eax, eax", 0x31, 0xc0),
  i("ret", 0xc3),

  // int __vdso_clock_getres(clockid_t clock, struct timespec *res)
  at("__vdso_clock_getres"),
  i("cmp edi, 0xb", 0x83, 0xff, 0x0b),
  r("ja getres_sys", "getres_sys", 1, 0x77),
  i(`mov eax, 0x${CLOCK_MASK.toString(16)}`, 0xb8, ...imm32(CLOCK_MASK)),
  i("bt eax, edi", 0x0f, 0xa3, 0xf8),
  r("jae getres_sys", "getres_sys", 1, 0x73),
  r("lea r8, [vvar]", "vvar", 4, 0x4c, 0x8d, 0x05),
  i("mov ecx, [r8+0xdc]", 0x41, 0x8b, 0x88, ...imm32(VD_HRTIMER_RES)),
  i(`mov eax, 0x${COARSE_MASK.toString(16)}`, 0xb8, ...imm32(COARSE_MASK)),
  i("bt eax, edi", 0x0f, 0xa3, 0xf8),
  r("jae getres_put", "getres_put", 1, 0x73),
  i("mov ecx, 0x3d0900", 0xb9, ...imm32(LOW_RES_NSEC)),
  at("getres_put"),
  i("test rsi, rsi", 0x48, 0x85, 0xf6),
  r("je getres_ok", "getres_ok", 1, 0x74),
  i("mov qword ptr [rsi], 0", 0x48, 0xc7, 0x06, 0x00, 0x00, 0x00, 0x00),
  i("mov [rsi+8], rcx", 0x48, 0x89, 0x4e, 0x08),
  at("getres_ok"),
  i("xor eax, eax", 0x31, 0xc0),
  i("ret", 0xc3),
  at("getres_sys"),
  i("mov eax, 0xe5", 0xb8, ...imm32(229)),                     // __NR_clock_getres
  i("syscall", 0x0f, 0x05),
  i("ret", 0xc3),
];

/** The exported functions: each __vdso_ name, and its plain name as a weak alias. */
export const VDSO_FUNCTIONS = ["clock_gettime", "gettimeofday", "time", "getcpu", "clock_getres"];

/** Lays out CODE at `base`: its bytes, each label's address, and each instruction's address. */
export function assemble(code: Insn[], base: number, labels: Record<string, number>): { bytes: Uint8Array; labels: Record<string, number>; addrs: number[] } {
  const addrs: number[] = [];
  const all = { ...labels };
  let pc = base;
  for (const x of code) {
    if (x.label !== undefined) all[x.label] = pc;
    addrs.push(pc);
    pc += x.bytes.length + (x.rel?.size ?? 0);
  }
  const out = new Uint8Array(pc - base);
  code.forEach((x, n) => {
    const o = addrs[n] - base;
    out.set(x.bytes, o);
    if (!x.rel) return;
    const end = addrs[n] + x.bytes.length + x.rel.size;
    const target = all[x.rel.to];
    if (target === undefined) throw new Error(`vdso: no label ${x.rel.to}`);
    const disp = target - end;
    if (x.rel.size === 1 && (disp < -128 || disp > 127)) throw new Error(`vdso: ${x.asm}: rel8 out of range`);
    const d = new DataView(out.buffer, o + x.bytes.length, x.rel.size);
    if (x.rel.size === 1) d.setInt8(0, disp);
    else d.setInt32(0, disp, true);
  });
  return { bytes: out, labels: all, addrs };
}

// ─── the ELF image ─────────────────────────────────────────────────────────

/** The System V ELF hash (DT_HASH buckets; vd_hash) of an ASCII name. */
export function elfHash(name: string): number {
  let h = 0;
  for (let k = 0; k < name.length; k++) {
    h = ((h << 4) + name.charCodeAt(k)) >>> 0;
    const g = h & 0xf0000000;
    if (g) h ^= g >>> 24;
    h &= ~g;
    h >>>= 0;
  }
  return h;
}

const SONAME = "linux-vdso.so.1";
const VERSION = "LINUX_2.6";
const STB_GLOBAL = 1, STB_WEAK = 2, STT_FUNC = 2;
const SHT_PROGBITS = 1, SHT_STRTAB = 3, SHT_HASH = 5, SHT_DYNAMIC = 6, SHT_DYNSYM = 11, SHT_GNU_VERDEF = 0x6ffffffd, SHT_GNU_VERSYM = 0x6fffffff;
const SHF_ALLOC = 2, SHF_EXECINSTR = 4;
const DT_NULL = 0, DT_HASH = 4, DT_STRTAB = 5, DT_SYMTAB = 6, DT_STRSZ = 10, DT_SYMENT = 11, DT_SONAME = 14;
const DT_VERSYM = 0x6ffffff0, DT_VERDEF = 0x6ffffffc, DT_VERDEFNUM = 0x6ffffffd;
const TEXT_SECTION = 7;

/** A string table of ASCII names under construction. */
class StrTab {
  private bytes: number[] = [0];
  private at = new Map<string, number>();
  add(s: string): number {
    let o = this.at.get(s);
    if (o === undefined) {
      o = this.bytes.length;
      for (let k = 0; k < s.length; k++) this.bytes.push(s.charCodeAt(k));
      this.bytes.push(0);
      this.at.set(s, o);
    }
    return o;
  }
  get data(): Uint8Array { return Uint8Array.from(this.bytes); }
}

export interface VdsoImage {
  bytes: Uint8Array;
  /** Each symbol's offset in the image (the __vdso_ names and their aliases). */
  symbols: Record<string, number>;
  /** Where .text starts, its bytes, and the instructions with their offsets. */
  text: { offset: number; size: number; code: Insn[]; addrs: number[]; labels: Record<string, number> };
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/** vdso_image_64: the vDSO as an ELF shared object linked at 0, at most VDSO_PAGES pages. */
export function buildVdsoImage(): VdsoImage {
  const names: Array<[string, number]> = [];
  for (const f of VDSO_FUNCTIONS) names.push([`__vdso_${f}`, STB_GLOBAL], [f, STB_WEAK]);
  const nsyms = names.length + 1;
  const dynstr = new StrTab();
  const soname = dynstr.add(SONAME);
  const version = dynstr.add(VERSION);
  const symName = names.map(([n]) => dynstr.add(n));
  const str = dynstr.data;

  // Offsets: header, program headers, then the sections in order.
  const PHNUM = 2;
  const hashOff = 64 + 56 * PHNUM;
  const nbucket = 3;
  const hashSize = 4 * (2 + nbucket + nsyms);
  const dynsymOff = align(hashOff + hashSize, 8);
  const dynstrOff = dynsymOff + 24 * nsyms;
  const versymOff = align(dynstrOff + str.length, 2);
  const verdefOff = align(versymOff + 2 * nsyms, 4);
  const verdefSize = 2 * (20 + 8);
  const DYN_ENTRIES = 10;
  const dynamicOff = align(verdefOff + verdefSize, 8);
  const textOff = align(dynamicOff + 16 * DYN_ENTRIES, 16);
  const vvar = -(VVAR_PAGES + VVAR_VCLOCK_PAGES) * PAGE_SIZE;
  const text = assemble(CODE, textOff, { vvar });
  const shstr = new StrTab();
  const sections: Array<[name: string, type: number, flags: number, off: number, size: number, link: number, info: number, align: number, entsize: number]> = [
    ["", 0, 0, 0, 0, 0, 0, 0, 0],
    [".hash", SHT_HASH, SHF_ALLOC, hashOff, hashSize, 2, 0, 8, 4],
    [".dynsym", SHT_DYNSYM, SHF_ALLOC, dynsymOff, 24 * nsyms, 3, 1, 8, 24],
    [".dynstr", SHT_STRTAB, SHF_ALLOC, dynstrOff, str.length, 0, 0, 1, 0],
    [".gnu.version", SHT_GNU_VERSYM, SHF_ALLOC, versymOff, 2 * nsyms, 2, 0, 2, 2],
    [".gnu.version_d", SHT_GNU_VERDEF, SHF_ALLOC, verdefOff, verdefSize, 3, 2, 4, 0],
    [".dynamic", SHT_DYNAMIC, SHF_ALLOC, dynamicOff, 16 * DYN_ENTRIES, 3, 0, 8, 16],
    [".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, textOff, text.bytes.length, 0, 0, 16, 0],
    [".shstrtab", SHT_STRTAB, 0, 0, 0, 0, 0, 1, 0],
  ];
  const shName = sections.map(([n]) => shstr.add(n));
  const shstrOff = textOff + text.bytes.length;
  const shstrData = shstr.data;
  sections[8][3] = shstrOff;
  sections[8][4] = shstrData.length;
  const shOff = align(shstrOff + shstrData.length, 8);
  const size = shOff + 64 * sections.length;
  if (size > VDSO_PAGES * PAGE_SIZE) throw new Error("vdso: image larger than its pages");

  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  const u16 = (o: number, x: number) => v.setUint16(o, x, true);
  const u32 = (o: number, x: number) => v.setUint32(o, x >>> 0, true);
  const u64 = (o: number, x: number) => setU64(v, o, x);

  // Elf64_Ehdr
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);     // ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE
  u16(16, 3);                                         // ET_DYN
  u16(18, 62);                                        // EM_X86_64
  u32(20, 1);
  u64(32, 64);                                        // e_phoff
  u64(40, shOff);
  u16(52, 64); u16(54, 56); u16(56, PHNUM); u16(58, 64); u16(60, sections.length); u16(62, 8);
  // PT_LOAD (r-x): the whole image; PT_DYNAMIC (r--: glibc then leaves it unrelocated)
  const phdr = (o: number, type: number, flags: number, off: number, sz: number, al: number) => {
    u32(o, type); u32(o + 4, flags); u64(o + 8, off); u64(o + 16, off); u64(o + 24, off); u64(o + 32, sz); u64(o + 40, sz); u64(o + 48, al);
  };
  phdr(64, 1, 5, 0, size, PAGE_SIZE);
  phdr(64 + 56, 2, 4, dynamicOff, 16 * DYN_ENTRIES, 8);

  // .hash: nbucket, nchain, buckets, chains
  u32(hashOff, nbucket);
  u32(hashOff + 4, nsyms);
  const bucket = new Array<number>(nbucket).fill(0);
  const chain = new Array<number>(nsyms).fill(0);
  names.forEach(([n], k) => {
    const idx = k + 1, b = elfHash(n) % nbucket;
    chain[idx] = bucket[b];
    bucket[b] = idx;
  });
  bucket.forEach((x, k) => u32(hashOff + 8 + 4 * k, x));
  chain.forEach((x, k) => u32(hashOff + 8 + 4 * nbucket + 4 * k, x));

  // .dynsym: Elf64_Sym {st_name, st_info, st_other, st_shndx, st_value, st_size}
  const symbols: Record<string, number> = {};
  names.forEach(([n, bind], k) => {
    const o = dynsymOff + 24 * (k + 1);
    const value = text.labels[n.startsWith("__vdso_") ? n : `__vdso_${n}`];
    symbols[n] = value;
    u32(o, symName[k]);
    out[o + 4] = (bind << 4) | STT_FUNC;
    u16(o + 6, TEXT_SECTION);
    u64(o + 8, value);
  });
  out.set(str, dynstrOff);
  // .gnu.version: every symbol LINUX_2.6 (index 2), the null symbol local
  for (let k = 1; k < nsyms; k++) u16(versymOff + 2 * k, 2);
  // .gnu.version_d: the base definition (the soname), then LINUX_2.6
  const verdef = (o: number, flags: number, ndx: number, name: string, nameOff: number, next: number) => {
    u16(o, 1); u16(o + 2, flags); u16(o + 4, ndx); u16(o + 6, 1); u32(o + 8, elfHash(name)); u32(o + 12, 20); u32(o + 16, next);
    u32(o + 20, nameOff); u32(o + 24, 0);
  };
  verdef(verdefOff, 1, 1, SONAME, soname, 28);        // VER_FLG_BASE
  verdef(verdefOff + 28, 0, 2, VERSION, version, 0);
  // .dynamic
  const dyn: Array<[number, number]> = [
    [DT_HASH, hashOff], [DT_STRTAB, dynstrOff], [DT_SYMTAB, dynsymOff], [DT_STRSZ, str.length], [DT_SYMENT, 24],
    [DT_SONAME, soname], [DT_VERSYM, versymOff], [DT_VERDEF, verdefOff], [DT_VERDEFNUM, 2], [DT_NULL, 0],
  ];
  dyn.forEach(([tag, val], k) => { u64(dynamicOff + 16 * k, tag); u64(dynamicOff + 16 * k + 8, val); });
  out.set(text.bytes, textOff);
  out.set(shstrData, shstrOff);
  sections.forEach(([, type, flags, off, sz, link, info, al, ent], k) => {
    const o = shOff + 64 * k;
    u32(o, shName[k]); u32(o + 4, type); u64(o + 8, flags); u64(o + 16, flags & SHF_ALLOC ? off : 0); u64(o + 24, off);
    u64(o + 32, sz); u32(o + 40, link); u32(o + 44, info); u64(o + 48, al); u64(o + 56, ent);
  });
  return { bytes: out, symbols, text: { offset: textOff, size: text.bytes.length, code: CODE, addrs: text.addrs, labels: text.labels } };
}

/**
 * The image's bytes as the CLI's bundle carries them: scripts/bundle.mjs
 * builds the image as it bundles, sparing every start the build (~2M
 * instructions). Not defined elsewhere, where vdsoBytes builds it.
 */
declare const FAULTLINE_VDSO_IMAGE: number[] | undefined;

let bytes: Uint8Array | null = null;
/** The image's bytes, built once. */
export function vdsoBytes(): Uint8Array {
  return (bytes ??= typeof FAULTLINE_VDSO_IMAGE !== "undefined" ? new Uint8Array(FAULTLINE_VDSO_IMAGE) : buildVdsoImage().bytes);
}
