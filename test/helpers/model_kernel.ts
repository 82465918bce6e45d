// A model of the kernel's mm for tests of the host side (CPU, loader,
// syscalls) that do not need the Wasm kernel: VMAs with Linux's mmap,
// munmap, mprotect, mremap and brk rules, page tables as a map from virtual page to
// frame, demand paging with stack growth, and the walk/fault contract of
// docs/abi.md. Private file pages are copied at their first fault (the
// real kernel maps the page cache and copies on write; a program cannot
// tell the difference). It is not the kernel and counts nothing.

import {
  type ExecKernel, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, MMAP_BASE, PAGE_SIZE as PAGE, PROT_EXEC, PROT_WRITE, TASK_SIZE } from "../../src/loader/index.js";
import type { FileData } from "../../src/fs/file_data.js";
import type { OpenFile } from "../../src/fs/pagecache.js";
import { EBADF, EFAULT, EINVAL, ENOMEM, SEGV_ACCERR as ACCERR, SEGV_MAPERR as MAPERR, SIGSEGV, type SyscallKernel } from "../../src/syscalls/index.js";

const STACK_LIMIT = 8 * 1024 * 1024;
const EEXIST = 17;
const MREMAP_MAYMOVE = 1;
/** handle_page_fault's results: signo << 16 | si_code. */
const SEGV_MAPERR = (SIGSEGV << 16) | MAPERR;
const SEGV_ACCERR = (SIGSEGV << 16) | ACCERR;

export interface Vma {
  start: number;
  end: number;
  prot: number;
  /** Frames of the file's page cache, for a file mapping. */
  file: number[] | null;
  pgoff: number;
  growsDown: boolean;
}

const pageAlign = (n: number) => Math.ceil(n / PAGE) * PAGE;

export class ModelKernel implements ExecKernel, SyscallKernel {
  readonly ram: Uint8Array;
  private readonly freeFrames: number[] = [];
  private readonly files = new Map<number, number[]>();
  private nextFile = 1;
  /** The VMAs, in no particular order. */
  vmas: Vma[] = [];
  /** Present pages: virtual page number -> frame address. */
  private readonly pte = new Map<number, number>();
  startBrk = 0;
  brk = 0;
  /** Files created and not yet put. */
  get openFiles(): number {
    return this.files.size;
  }
  /** The Mmu's flushPage, once connected. */
  flushPage: (va: number) => void = () => {};

  constructor(readonly memory: ArrayBuffer) {
    this.ram = new Uint8Array(memory);
    for (let f = this.ram.length - PAGE; f >= PAGE; f -= PAGE) this.freeFrames.push(f);
  }

  get framesInUse(): number {
    return this.ram.length / PAGE - 1 - this.freeFrames.length;
  }

  private allocFrame(): number {
    const f = this.freeFrames.pop();
    if (f === undefined) throw new Error("model kernel: out of memory");
    this.ram.fill(0, f, f + PAGE);
    return f;
  }

  // ---- exec ----
  /** exec's page cache: a file's frames, filled from its FileData at open. */
  readonly pageCache = {
    open: (data: FileData): OpenFile => {
      const frames = Array.from({ length: Math.ceil(data.size() / PAGE) }, () => this.allocFrame());
      frames.forEach((f, i) => data.read(i * PAGE, this.ram.subarray(f, f + PAGE)));
      this.files.set(this.nextFile, frames);
      return { data, handle: this.nextFile++, mode: 1 };
    },
    close: (file: OpenFile): void => {
      this.files.delete(file.handle); // mappings keep their own reference to the frames
    },
  };
  vm_mmap(addr: number, len: number, prot: number, flags: number, file: number, pgoff: number): number {
    return this.doMmap(addr, len, prot, flags, file ? this.files.get(file)! : null, pgoff);
  }
  mm_set_brk(start: number): void {
    this.startBrk = this.brk = start;
  }
  /** exec's layout fields (mm_set_code, mm_set_args), as the real kernel's mm_struct keeps them. */
  layout: Record<string, number> = {};
  mm_set_code(start_code: number, end_code: number, start_data: number, end_data: number): void {
    Object.assign(this.layout, { start_code, end_code, start_data, end_data });
  }
  mm_set_args(start_stack: number, arg_start: number, arg_end: number, env_start: number, env_end: number): void {
    Object.assign(this.layout, { start_stack, arg_start, arg_end, env_start, env_end });
  }
  /** The model maps no vDSO: 0, so exec gives no AT_SYSINFO_EHDR and the libcs take the syscalls. */
  arch_setup_additional_pages(): number {
    return 0;
  }
  mm_set_stack(start: number, end: number, prot: number): number {
    this.unmap(start, end);
    this.insert({ start, end, prot, file: null, pgoff: 0, growsDown: true });
    return 0;
  }

  // ---- syscalls ----
  sys_mmap(addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
    if (!(flags & MAP_ANONYMOUS)) return -EBADF; // no files to map by descriptor
    return this.doMmap(addr, len, prot, flags, null, off / PAGE);
  }
  sys_munmap(addr: number, len: number): number {
    if (addr % PAGE || len === 0 || len > TASK_SIZE || addr > TASK_SIZE - len) return -EINVAL;
    this.unmap(addr, addr + pageAlign(len));
    return 0;
  }
  sys_mprotect(addr: number, len: number, prot: number): number {
    if (addr % PAGE || prot & ~(7 | 0x3000000)) return -EINVAL;
    if (len === 0) return 0;
    const end = addr + pageAlign(len);
    if (end <= addr || end > TASK_SIZE) return -ENOMEM;
    // the whole range must be mapped
    let at = addr;
    for (const v of this.vmas) if (v.start <= at && at < v.end) at = v.end;
    if (at < end) return -ENOMEM;
    for (const v of this.split(addr, end)) {
      v.prot = prot;
      for (let p = v.start; p < v.end; p += PAGE) this.flushPage(p);
    }
    return 0;
  }
  sys_brk(addr: number): number {
    if (addr < this.startBrk) return this.brk;
    const oldEnd = pageAlign(this.brk);
    const newEnd = pageAlign(addr);
    if (newEnd < oldEnd) this.unmap(newEnd, oldEnd);
    else if (newEnd > oldEnd) {
      if (this.vmas.some((v) => v.start < newEnd + PAGE && oldEnd < v.end)) return this.brk;
      this.insert({ start: oldEnd, end: newEnd, prot: 3, file: null, pgoff: 0, growsDown: false });
    }
    this.brk = addr;
    return addr;
  }
  sys_mremap(addr: number, oldLen: number, newLen: number, flags: number, _newAddr: number): number {
    // MREMAP_FIXED, MREMAP_DONTUNMAP and old_len 0 (duplicating a shared
    // mapping) are not modelled: no program run on the model asks for them.
    if (addr % PAGE || flags & ~MREMAP_MAYMOVE || newLen === 0 || oldLen === 0) return -EINVAL;
    const oldEnd = addr + pageAlign(oldLen);
    const size = pageAlign(newLen);
    const v = this.find(addr);
    if (!v || oldEnd > v.end) return -EFAULT;
    if (addr + size <= oldEnd) {
      this.unmap(addr + size, oldEnd);
      return addr;
    }
    // grow in place when the range ends its VMA and nothing follows it
    const grown = addr + size;
    if (oldEnd === v.end && grown <= TASK_SIZE && !this.vmas.some((o) => o.start < grown && oldEnd < o.end)) {
      v.end = grown;
      return addr;
    }
    if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
    const to = this.doMmap(0, size, v.prot, MAP_PRIVATE | MAP_ANONYMOUS, v.file, v.pgoff + (addr - v.start) / PAGE);
    if (to < 0) return to;
    for (let p = addr; p < oldEnd; p += PAGE) {
      const frame = this.pte.get(p / PAGE);
      if (frame === undefined) continue;
      this.pte.delete(p / PAGE);
      this.pte.set((to + p - addr) / PAGE, frame);
      this.flushPage(p);
    }
    this.unmap(addr, oldEnd);
    return to;
  }
  sys_madvise(addr: number, len: number, advice: number): number {
    // madvise_behavior_valid: 0-4, 8-25 (FREE..COLLAPSE), 100-103 (HWPOISON..GUARD_REMOVE)
    const valid = (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25) || (advice >= 100 && advice <= 103);
    if (addr % PAGE || !valid) return -EINVAL;
    if (advice === 4) // MADV_DONTNEED: anonymous pages read back as zero
      for (let p = addr; p < addr + pageAlign(len); p += PAGE) this.dropPage(p);
    return 0;
  }

  // ---- the walk and the fault handler ----
  /** A TLB entry (frame | TLB_W | TLB_X, at least 4096) or the #PF error code (below 4096). */
  walk = (va: number, access: number): number => {
    const frame = this.pte.get(Math.floor(va / PAGE));
    if (frame === undefined) return access;  // the #PF error code (below 4096)
    const v = this.find(va)!;
    if (!this.permits(v, access)) return access | 1;
    return frame + (v.prot & PROT_WRITE ? 2 : 0) + (v.prot & PROT_EXEC ? 1 : 0);
  };

  handle_page_fault = (cr2: number, errorCode: number): number => {
    let v = this.find(cr2);
    if (!v) {
      const stack = this.vmas.find((s) => s.growsDown && s.start > cr2 && s.end - pageAlign(cr2 + 1) < STACK_LIMIT);
      if (!stack || this.vmas.some((o) => o !== stack && o.end > cr2 && o.start < stack.start)) return SEGV_MAPERR;
      stack.start = cr2 - (cr2 % PAGE);
      v = stack;
    }
    if (!this.permits(v, errorCode)) return SEGV_ACCERR;
    const vpn = Math.floor(cr2 / PAGE);
    if (!this.pte.has(vpn)) {
      const frame = this.allocFrame();
      if (v.file) {
        const index = v.pgoff + (vpn * PAGE - v.start) / PAGE;
        if (index < v.file.length) this.ram.copyWithin(frame, v.file[index], v.file[index] + PAGE);
      }
      this.pte.set(vpn, frame);
    }
    return 0;
  };

  private permits(v: Vma, access: number): boolean {
    if (access & 2) return (v.prot & PROT_WRITE) !== 0;
    if (access & 16) return (v.prot & PROT_EXEC) !== 0;
    return v.prot !== 0;
  }

  private find(va: number): Vma | undefined {
    return this.vmas.find((v) => v.start <= va && va < v.end);
  }

  private doMmap(addr: number, len: number, prot: number, flags: number, file: number[] | null, pgoff: number): number {
    if (len === 0) return -EINVAL;
    const size = pageAlign(len);
    if (size > TASK_SIZE) return -ENOMEM;
    const type = flags & 3;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== 3) return -EINVAL;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      if (addr % PAGE) return -EINVAL;
      if (addr + size > TASK_SIZE) return -ENOMEM;
      if (flags & MAP_FIXED_NOREPLACE && this.vmas.some((v) => v.start < addr + size && addr < v.end)) return -EEXIST;
      this.unmap(addr, addr + size);
    } else {
      // top-down: the highest gap below mmap_base
      let top = MMAP_BASE;
      const sorted = [...this.vmas].sort((a, b) => b.start - a.start);
      for (const v of sorted) if (v.start < top && v.end > top - size) top = Math.min(top, v.start);
      addr = top - size;
    }
    this.insert({ start: addr, end: addr + size, prot, file, pgoff, growsDown: false });
    return addr;
  }

  private insert(v: Vma): void {
    this.vmas.push(v);
  }

  /** Split VMAs at start and end; return the pieces inside [start, end). */
  private split(start: number, end: number): Vma[] {
    const inside: Vma[] = [];
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) {
        out.push(v);
        continue;
      }
      const cut = (s: number, e: number) => ({ ...v, start: s, end: e, pgoff: v.pgoff + (s - v.start) / PAGE });
      if (v.start < start) out.push(cut(v.start, start));
      const mid = cut(Math.max(v.start, start), Math.min(v.end, end));
      out.push(mid);
      inside.push(mid);
      if (v.end > end) out.push(cut(end, v.end));
    }
    this.vmas = out;
    return inside;
  }

  private unmap(start: number, end: number): void {
    const gone = this.split(start, end);
    this.vmas = this.vmas.filter((v) => !gone.includes(v));
    for (let p = start; p < end; p += PAGE) this.dropPage(p);
  }

  private dropPage(va: number): void {
    const vpn = Math.floor(va / PAGE);
    const frame = this.pte.get(vpn);
    if (frame === undefined) return;
    this.pte.delete(vpn);
    this.freeFrames.push(frame);
    this.flushPage(va);
  }

  /** The address space's pages go back (the model keeps file pages for good). */
  exit(): void {
    for (const frame of this.pte.values()) this.freeFrames.push(frame);
    this.pte.clear();
    this.vmas = [];
  }
}
