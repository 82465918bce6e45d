// ELF64 x86-64 executables: validation and the load plan, computed as
// Linux's load_elf_binary (fs/binfmt_elf.c) computes it with randomization
// off. Browser-safe: the input is a Uint8Array or a FileData.
//
// A file faultline cannot run is refused with an Error whose message starts
// "exec format error:" (Linux's ENOEXEC). The checks are Linux's own (ELF
// identity, e_phentsize, the phdr table size limit, PT_INTERP's size and
// NUL, p_filesz <= p_memsz, segments below TASK_SIZE) plus a few Linux leaves to the mmap calls or to
// the program's first fault, refused here up front: segment bytes past the
// end of the file, segments not in ascending order or overlapping, p_offset
// and p_vaddr disagreeing modulo the page size or p_align, and an entry
// point outside every executable segment.

import { withCode } from "../errors.js";
import type { FileData } from "../fs/file_data.js";
import { PAGE_SIZE, TASK_SIZE, MMAP_MIN_ADDR, PROT_READ, PROT_WRITE, PROT_EXEC } from "../abi.js";

export { PAGE_SIZE, TASK_SIZE, MMAP_MIN_ADDR, PROT_READ, PROT_WRITE, PROT_EXEC,
  MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE } from "../abi.js";
/** The stack top without randomization (STACK_TOP): the end of user space. */
export const STACK_TOP = TASK_SIZE;
/**
 * Where the top-down mmap area starts without randomization (mm/util.c
 * mmap_base): TASK_SIZE less a gap of the stack rlimit (8 MiB) plus the
 * stack guard gap, raised to the 128 MiB minimum.
 */
export const MMAP_BASE = TASK_SIZE - 128 * 1024 * 1024;
/**
 * ELF_ET_DYN_BASE (arch/x86/include/asm/elf.h): 2/3 of the 47-bit user
 * window. A PIE with an interpreter loads here (page aligned down: the
 * classic 0x555555554000); a static PIE does not (it goes to the mmap
 * area), but since Linux 6.9 its brk starts here, page aligned, even
 * without randomization.
 */
export const ELF_ET_DYN_BASE = Math.floor(TASK_SIZE / 3) * 2;

const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_GNU_STACK = 0x6474e551;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_X86_64 = 62;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
/** PATH_MAX: the longest PT_INTERP load_elf_binary accepts. */
const PATH_MAX = 4096;

/** One PT_LOAD, biased, with the page extents Linux's elf_load maps. */
export interface LoadSegment {
  vaddr: number;
  memsz: number;
  filesz: number;
  offset: number;
  /** PROT_* from p_flags. */
  prot: number;
  /** File-backed private mapping [mapStart, mapEnd) from file offset mapOffset (empty when p_filesz is 0). */
  mapStart: number;
  mapEnd: number;
  mapOffset: number;
  /** padzero: [zeroStart, zeroEnd), the rest of the last file page after p_filesz, is cleared (empty without bss). */
  zeroStart: number;
  zeroEnd: number;
  /** Anonymous mapping [bssStart, bssEnd) for the rest of p_memsz (vm_brk_flags: read-write, exec if the segment is). */
  bssStart: number;
  bssEnd: number;
}

export interface LoadPlan {
  type: "ET_EXEC" | "ET_DYN";
  /**
   * Added to every p_vaddr: 0 for ET_EXEC; ELF_ET_DYN_BASE for a PIE with an
   * interpreter; for a static PIE or an ET_DYN interpreter, where the
   * top-down mmap area puts the image.
   */
  loadBias: number;
  entry: number;
  /** AT_PHDR, AT_PHENT, AT_PHNUM. */
  phdr: number;
  phent: number;
  phnum: number;
  segments: LoadSegment[];
  /** PT_GNU_STACK with PF_X: the stack VMA gets VM_EXEC. */
  execStack: boolean;
  /** mm->start_brk = mm->brk. */
  brk: number;
  /** PT_INTERP's path (the dynamic loader), null for a static program. */
  interp: string | null;
}

/** What is being loaded: the program execve names, or the interpreter its PT_INTERP names (load_elf_interp). */
export type ElfRole = "program" | "interpreter";

/** An ENOEXEC refusal. */
function enoexec(reason: string): Error {
  return withCode(new Error(`exec format error: ${reason}`), "ENOEXEC");
}

const pageStart = (a: number) => a - (a % PAGE_SIZE);
const pageAlign = (a: number) => pageStart(a + PAGE_SIZE - 1);
const hex = (n: number) => `0x${n.toString(16)}`;

function protOf(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

function isPowerOfTwo(n: number): boolean {
  if (!Number.isFinite(n) || n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** A little-endian u64 as a number; Infinity when it does not fit in 53 bits (and so is absurd anyway). */
function u64(view: DataView, at: number): number {
  const hi = view.getUint32(at + 4, true);
  return hi >= 0x200000 ? Infinity : hi * 0x1_0000_0000 + view.getUint32(at, true);
}

interface Phdr {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

/**
 * Validate an ELF64 x86-64 executable and compute where everything goes.
 * An interpreter's own PT_INTERP is not read (Linux ignores it), and an
 * ET_DYN interpreter goes where a top-down mmap of its extent lands,
 * unaligned, as load_elf_interp's first elf_map puts it.
 * @raise Error "exec format error: ..." for anything faultline cannot run
 * (EIO when the PT_INTERP path cannot be read whole, as Linux's elf_read).
 */
export function parseElf(file: Uint8Array | FileData, mmapBase = MMAP_BASE, role: ElfRole = "program"): LoadPlan {
  const size = file instanceof Uint8Array ? file.length : file.size();
  // Only the headers are read here (as load_elf_binary reads them); the
  // segments reach RAM through the page cache when the program faults.
  const bytesAt = (pos: number, len: number): Uint8Array => {
    if (file instanceof Uint8Array) return file.subarray(pos, pos + len);
    const buf = new Uint8Array(Math.max(0, Math.min(len, size - pos)));
    return buf.subarray(0, file.read(pos, buf));
  };
  const ehdr = bytesAt(0, EHDR_SIZE);
  if (ehdr.length < EHDR_SIZE) throw enoexec(`file too short for an ELF header (${size} bytes)`);
  if (ehdr[0] !== 0x7f || ehdr[1] !== 0x45 || ehdr[2] !== 0x4c || ehdr[3] !== 0x46)
    throw enoexec("bad magic (not an ELF file)");
  // load_elf_interp checks no more of the identity than the magic.
  if (role === "program") {
    if (ehdr[4] !== 2) throw enoexec(`not a 64-bit ELF file (EI_CLASS ${ehdr[4]})`);
    if (ehdr[5] !== 1) throw enoexec(`not little-endian (EI_DATA ${ehdr[5]})`);
    if (ehdr[6] !== 1) throw enoexec(`unknown ELF version (EI_VERSION ${ehdr[6]})`);
  }
  const view = new DataView(ehdr.buffer, ehdr.byteOffset, ehdr.byteLength);
  const eType = view.getUint16(16, true);
  if (eType !== ET_EXEC && eType !== ET_DYN) throw enoexec(`not an executable (e_type ${eType})`);
  const machine = view.getUint16(18, true);
  if (machine !== EM_X86_64) throw enoexec(`not an x86-64 program (e_machine ${machine})`);
  if (role === "program" && view.getUint32(20, true) !== 1) throw enoexec(`unknown ELF version (e_version ${view.getUint32(20, true)})`);
  const eEntry = u64(view, 24);
  const phoff = u64(view, 32);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  if (phentsize !== PHDR_SIZE) throw enoexec(`e_phentsize ${phentsize}, expected ${PHDR_SIZE}`);
  // elf_read_phdrs: the table must be non-empty and fit in one page.
  if (phnum === 0 || phnum * PHDR_SIZE > PAGE_SIZE) throw enoexec(`absurd program header count (e_phnum ${phnum})`);
  if (phoff + phnum * PHDR_SIZE > size) throw enoexec("program headers past the end of the file (truncated?)");
  const table = bytesAt(phoff, phnum * PHDR_SIZE);
  const phView = new DataView(table.buffer, table.byteOffset, table.byteLength);

  const phdrs: Phdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * PHDR_SIZE;
    phdrs.push({
      type: phView.getUint32(at, true),
      flags: phView.getUint32(at + 4, true),
      offset: u64(phView, at + 8),
      vaddr: u64(phView, at + 16),
      filesz: u64(phView, at + 32),
      memsz: u64(phView, at + 40),
      align: u64(phView, at + 48),
    });
  }

  // load_elf_binary: the first PT_INTERP names the interpreter.
  let interp: string | null = null;
  const interpHdr = role === "program" ? phdrs.find((p) => p.type === PT_INTERP) : undefined;
  if (interpHdr) {
    if (interpHdr.filesz > PATH_MAX || interpHdr.filesz < 2) throw enoexec(`PT_INTERP of ${interpHdr.filesz} bytes`);
    const bytes = interpHdr.offset < size ? bytesAt(interpHdr.offset, interpHdr.filesz) : new Uint8Array(0);
    if (bytes.length < interpHdr.filesz) throw withCode(new Error("exec failed: PT_INTERP past the end of the file"), "EIO");
    if (bytes[bytes.length - 1] !== 0) throw enoexec("PT_INTERP path not NUL-terminated");
    interp = new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
  }

  const loads = phdrs.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) throw enoexec("no PT_LOAD segment");
  let previousEnd = 0;
  for (const [i, p] of loads.entries()) {
    const what = `PT_LOAD ${i} (p_vaddr ${hex(p.vaddr)})`;
    if (p.filesz > p.memsz) throw enoexec(`${what}: p_filesz larger than p_memsz`);
    if (p.memsz > TASK_SIZE || p.vaddr > TASK_SIZE - p.memsz) throw enoexec(`${what}: beyond the user address space`);
    if (p.filesz > 0 && p.offset + p.filesz > size) throw enoexec(`${what}: file bytes past the end of the file`);
    if (p.offset % PAGE_SIZE !== p.vaddr % PAGE_SIZE)
      throw enoexec(`${what}: p_offset ${hex(p.offset)} and p_vaddr disagree modulo the page size`);
    if (p.align > 1 && (!isPowerOfTwo(p.align) || p.offset % p.align !== p.vaddr % p.align))
      throw enoexec(`${what}: p_align ${hex(p.align)} inconsistent with p_offset and p_vaddr`);
    if (p.vaddr < previousEnd) throw enoexec(`${what}: overlaps or precedes the previous segment`);
    if (eType === ET_EXEC && p.memsz > 0 && p.vaddr < MMAP_MIN_ADDR) throw enoexec(`${what}: below mmap_min_addr`);
    previousEnd = p.vaddr + p.memsz;
  }

  // The load bias. A PIE with an interpreter goes to ELF_ET_DYN_BASE,
  // aligned down to its largest power-of-two p_align. A static PIE (ET_DYN
  // without PT_INTERP) is mapped where a top-down mmap of its whole extent
  // lands (mmap_base down), aligned the same way; an interpreter there too,
  // unaligned.
  let loadBias = 0;
  if (eType === ET_DYN) {
    const first = loads[0];
    const last = loads[loads.length - 1];
    const total = pageAlign(last.vaddr + last.memsz - pageStart(first.vaddr));
    const alignment = role === "interpreter" ? PAGE_SIZE : Math.max(PAGE_SIZE, ...loads.map((p) => p.align));
    if (interp !== null) {
      loadBias = pageStart(ELF_ET_DYN_BASE - (ELF_ET_DYN_BASE % alignment) - first.vaddr);
    } else {
      let base = mmapBase - total;
      base -= base % alignment;
      if (base < MMAP_MIN_ADDR) throw enoexec("image too large for the address space");
      loadBias = base - pageStart(first.vaddr);
    }
  }

  const segments = loads.map((p): LoadSegment => {
    const vaddr = p.vaddr + loadBias;
    const fileEnd = vaddr + p.filesz;
    const memEnd = vaddr + p.memsz;
    const hasBss = p.memsz > p.filesz;
    // elf_load: the file part is mapped page-rounded; with bss, padzero
    // clears the rest of the last file page and vm_brk_flags maps the pages
    // after it anonymously.
    const zeroStart = p.filesz > 0 ? fileEnd : pageStart(vaddr);
    return {
      vaddr,
      memsz: p.memsz,
      filesz: p.filesz,
      offset: p.offset,
      prot: protOf(p.flags),
      mapStart: pageStart(vaddr),
      mapEnd: p.filesz > 0 ? pageAlign(fileEnd) : pageStart(vaddr),
      mapOffset: pageStart(p.offset),
      zeroStart,
      zeroEnd: hasBss && p.filesz > 0 ? pageAlign(fileEnd) : zeroStart,
      bssStart: pageAlign(zeroStart),
      bssEnd: hasBss ? pageAlign(memEnd) : pageAlign(zeroStart),
    };
  });

  const entry = eEntry + loadBias;
  if (!segments.some((s) => s.prot & PROT_EXEC && entry >= s.vaddr && entry < s.vaddr + s.memsz))
    throw enoexec(`entry point ${hex(entry)} outside every executable segment`);

  // AT_PHDR: the phdr table's address in the segment whose file bytes hold it.
  let phdr = 0;
  for (const p of loads)
    if (p.offset <= phoff && phoff < p.offset + p.filesz) phdr = phoff - p.offset + p.vaddr;

  const gnuStack = phdrs.find((p) => p.type === PT_GNU_STACK);
  const imageEnd = Math.max(...segments.map((s) => s.vaddr + s.memsz));
  return {
    type: eType === ET_EXEC ? "ET_EXEC" : "ET_DYN",
    loadBias,
    entry,
    phdr: phdr + loadBias,
    phent: PHDR_SIZE,
    phnum,
    segments,
    execStack: gnuStack !== undefined && (gnuStack.flags & PF_X) !== 0,
    brk: pageAlign(eType === ET_DYN && interp === null ? ELF_ET_DYN_BASE : imageEnd),
    interp,
  };
}

/** A refusal of the interpreter before the point of no return (load_elf_binary's retval there). */
function elibbad(reason: string): Error {
  return withCode(new Error(`exec failed: bad ELF interpreter: ${reason}`), "ELIBBAD");
}

/**
 * The checks load_elf_binary makes of the interpreter before the point of
 * no return: a whole ELF header (EIO when the file is shorter, as elf_read
 * reports it), the magic and e_machine, and a program header table
 * load_elf_phdrs can read (ELIBBAD). The rest (e_type, the segments) is
 * load_elf_interp's, past that point: see parseElf with role "interpreter".
 * @raise Error with code EIO or ELIBBAD
 */
export function checkInterpreter(file: FileData): void {
  const ehdr = new Uint8Array(EHDR_SIZE);
  if (file.read(0, ehdr) < EHDR_SIZE) throw withCode(new Error("exec failed: interpreter shorter than an ELF header"), "EIO");
  if (ehdr[0] !== 0x7f || ehdr[1] !== 0x45 || ehdr[2] !== 0x4c || ehdr[3] !== 0x46) throw elibbad("bad magic");
  const view = new DataView(ehdr.buffer);
  if (view.getUint16(18, true) !== EM_X86_64) throw elibbad(`e_machine ${view.getUint16(18, true)}`);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  if (phentsize !== PHDR_SIZE || phnum === 0 || phnum * PHDR_SIZE > PAGE_SIZE) throw elibbad(`e_phentsize ${phentsize}, e_phnum ${phnum}`);
  const table = new Uint8Array(phnum * PHDR_SIZE);
  if (u64(view, 32) >= file.size() || file.read(u64(view, 32), table) < table.length) throw elibbad("program headers past the end of the file");
}
