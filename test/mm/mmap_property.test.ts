// Random sequences of mmap/munmap/mprotect/madvise/brk and user accesses
// against a reference model of the address space written here in TS, after
// Linux 6.x's rules: after every step the kernel's VMAs (bounds, flags,
// pgoff, whether an anonymous page was faulted in) and each call's result
// (or the access's signal) equal the model's, and the invariant checker,
// page tables included, finds nothing.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bootKernel, counters, expectInvariants, vmas, E, MAP, MADV, PAGE, PROT, VM, type Kernel } from "../helpers/mm_kernel.js";
import { sig, BUS_ADRERR, SEGV_ACCERR, SEGV_MAPERR, SIGBUS, SIGSEGV } from "../helpers/fault_cpu.js";

/** A VMA; `anon`: an anonymous page was faulted in (its anon_vma is set). */
interface MVma { start: number; end: number; flags: number; pgoff: number; anon: boolean }

const WINDOW = 0x100000000;           // the region the ops play in: 64 pages
const WPAGES = 64;
const START_BRK = WINDOW + 40 * PAGE;
const VM_ACCESS = VM.READ | VM.WRITE | VM.EXEC;
const RAND_SEQ = VM.SEQ_READ | VM.RAND_READ;

/** The address space as Linux would leave it. */
class Model {
  vmas: MVma[] = [];
  curbrk = START_BRK;

  constructor(readonly mmapBase: number) {}

  private mergeable(a: MVma, b: MVma): boolean {
    return a.end === b.start && a.flags === b.flags && !(a.flags & VM.SHARED)
      && a.pgoff + (a.end - a.start) / PAGE === b.pgoff;
  }

  /** Merges the VMA at index i with its neighbours where Linux's vma_merge would. */
  private mergeAround(i: number): void {
    if (i + 1 < this.vmas.length && this.mergeable(this.vmas[i], this.vmas[i + 1])) {
      this.vmas[i].end = this.vmas[i + 1].end;
      this.vmas[i].anon ||= this.vmas[i + 1].anon;
      this.vmas.splice(i + 1, 1);
    }
    if (i > 0 && this.mergeable(this.vmas[i - 1], this.vmas[i])) {
      this.vmas[i - 1].end = this.vmas[i].end;
      this.vmas[i - 1].anon ||= this.vmas[i].anon;
      this.vmas.splice(i, 1);
    }
  }

  private splitAt(addr: number): void {
    const i = this.vmas.findIndex((v) => v.start < addr && addr < v.end);
    if (i < 0) return;
    const v = this.vmas[i];
    this.vmas.splice(i + 1, 0, { start: addr, end: v.end, flags: v.flags, pgoff: v.pgoff + (addr - v.start) / PAGE, anon: v.anon });
    v.end = addr;
  }

  private insert(v: MVma): number {
    let i = this.vmas.findIndex((x) => x.start > v.start);
    if (i < 0) i = this.vmas.length;
    this.vmas.splice(i, 0, v);
    return i;
  }

  private free(start: number, end: number): boolean {
    return !this.vmas.some((v) => v.start < end && start < v.end);
  }

  munmap(start: number, len: number): number {
    if (start % PAGE || len === 0) return -E.EINVAL;
    const end = start + Math.ceil(len / PAGE) * PAGE;
    this.splitAt(start);
    this.splitAt(end);
    this.vmas = this.vmas.filter((v) => v.end <= start || v.start >= end);
    return 0;
  }

  /** The highest free gap below mmap_base (arch_get_unmapped_area_topdown). */
  private topdown(len: number): number {
    let high = this.mmapBase;
    for (let i = this.vmas.length - 1; i >= -1; i--) {
      const v = this.vmas[i];
      if (v && v.start >= high) continue;
      const low = v ? v.end : PAGE;
      if (high - low >= len) return high - len;
      if (v) high = Math.min(high, v.start);
    }
    throw new Error("model: no room");
  }

  mmap(addr: number, len: number, prot: number, flags: number): number {
    const end = (a: number) => a + Math.ceil(len / PAGE) * PAGE;
    if (len === 0) return -E.EINVAL;
    if (flags & MAP.FIXED_NOREPLACE) flags |= MAP.FIXED;
    const size = Math.ceil(len / PAGE) * PAGE;
    if (flags & MAP.FIXED) {
      if (addr % PAGE) return -E.EINVAL;
      if (flags & MAP.FIXED_NOREPLACE && !this.free(addr, end(addr))) return -E.EEXIST;
    } else {
      addr -= addr % PAGE;
      if (!(addr && this.free(addr, addr + size))) addr = this.topdown(size);
    }
    const shared = (flags & 0xf) === MAP.SHARED;
    let vmflags = (prot & VM_ACCESS) | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC;
    if (shared) vmflags |= VM.SHARED | VM.MAYSHARE;
    if (flags & MAP.NORESERVE) vmflags |= VM.NORESERVE;
    if ((vmflags & (VM.NORESERVE | VM.SHARED | VM.WRITE)) === VM.WRITE) vmflags |= VM.ACCOUNT;
    this.munmap(addr, size);
    this.mergeAround(this.insert({ start: addr, end: addr + size, flags: vmflags, pgoff: shared ? 0 : addr / PAGE, anon: false }));
    return addr;
  }

  /** One VMA's piece [start, end) gets `flags` (vma_modify_flags). */
  private modify(start: number, end: number, flags: number): void {
    this.splitAt(start);
    this.splitAt(end);
    const i = this.vmas.findIndex((v) => v.start === start);
    this.vmas[i].flags = flags;
    this.mergeAround(i);
  }

  mprotect(start: number, len: number, prot: number): number {
    if (start % PAGE) return -E.EINVAL;
    if (len === 0) return 0;
    const end = start + Math.ceil(len / PAGE) * PAGE;
    let v = this.vmas.find((x) => x.end > start);
    if (!v || v.start > start) return -E.ENOMEM;
    let at = start;
    while (v && at < end && v.start < end) {
      if (v.start > at) return -E.ENOMEM;
      const old = v.flags;
      let flags = (prot & VM_ACCESS) | (old & ~VM_ACCESS);
      if ((flags & ~(flags >> 4)) & VM_ACCESS) return -E.EACCES;
      const stop = Math.min(v.end, end);
      if (flags !== old) {
        if (flags & VM.WRITE) {
          if (!(old & (VM.ACCOUNT | VM.WRITE | VM.SHARED | VM.NORESERVE))) flags |= VM.ACCOUNT;
        } else if (old & VM.ACCOUNT && !v.anon) {
          flags &= ~VM.ACCOUNT;  // anonymous with no page faulted in yet
        }
        this.modify(at, stop, flags);
      }
      at = stop;
      v = this.vmas.find((x) => x.end > at);
    }
    return at < end ? -E.ENOMEM : 0;
  }

  madvise(start: number, len: number, advice: number): number {
    if (start % PAGE) return -E.EINVAL;
    const end = start + Math.ceil(len / PAGE) * PAGE;
    if (end === start) return 0;
    let error = 0;
    let at = start;
    for (;;) {
      const v = this.vmas.find((x) => x.end > at);
      if (!v) return -E.ENOMEM;
      if (at < v.start) {
        error = -E.ENOMEM;
        at = v.start;
        if (at >= end) break;
      }
      const stop = Math.min(v.end, end);
      let flags = v.flags;
      if (advice === MADV.NORMAL) flags &= ~RAND_SEQ;
      else if (advice === MADV.RANDOM) flags = (flags & ~VM.SEQ_READ) | VM.RAND_READ;
      else if (advice === MADV.SEQUENTIAL) flags = (flags & ~VM.RAND_READ) | VM.SEQ_READ;
      else if (advice === MADV.HUGEPAGE) flags = (flags & ~VM.NOHUGEPAGE) | VM.HUGEPAGE;
      else if (advice === MADV.NOHUGEPAGE) flags = (flags & ~VM.HUGEPAGE) | VM.NOHUGEPAGE;
      if (flags !== v.flags) this.modify(at, stop, flags);
      at = stop;
      if (at >= end) break;
    }
    return error;
  }

  brk(brk: number): number {
    const align = (x: number) => Math.ceil(x / PAGE) * PAGE;
    if (brk < START_BRK) return this.curbrk;
    const newbrk = align(brk), oldbrk = align(this.curbrk);
    if (newbrk === oldbrk) return (this.curbrk = brk);
    if (brk <= this.curbrk) {
      const v = this.vmas.find((x) => x.end > newbrk);
      if (!v || v.start >= oldbrk) return this.curbrk;
      this.munmap(newbrk, oldbrk - newbrk);
      return (this.curbrk = brk);
    }
    const next = this.vmas.find((x) => x.end > oldbrk);
    if (next && newbrk + PAGE > next.start) return this.curbrk;
    const flags = VM.READ | VM.WRITE | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC | VM.ACCOUNT;
    const prev = [...this.vmas].reverse().find((x) => x.start < oldbrk);
    if (prev && prev.start >= START_BRK && prev.end === oldbrk && prev.flags === flags
        && prev.pgoff + (prev.end - prev.start) / PAGE === oldbrk / PAGE) prev.end = newbrk;
    else this.insert({ start: oldbrk, end: newbrk, flags, pgoff: oldbrk / PAGE, anon: false });
    return (this.curbrk = brk);
  }

  /** A user access: the signal it ends in (access_error, do_anonymous_page), or 0. */
  touch(addr: number, write: boolean): number {
    const v = this.vmas.find((x) => x.start <= addr && addr < x.end);
    if (!v) return sig(SIGSEGV, SEGV_MAPERR);
    if (write ? !(v.flags & VM.WRITE) : !(v.flags & VM_ACCESS)) return sig(SIGSEGV, SEGV_ACCERR);
    if (v.flags & VM.SHARED) return sig(SIGBUS, BUS_ADRERR);
    if (write) v.anon = true;  // a private page of its own (a read maps the zero page)
    return 0;
  }
}

const page = fc.integer({ min: 0, max: WPAGES - 1 });
const pages = fc.integer({ min: 1, max: 12 });
const prot = fc.constantFrom(PROT.NONE, PROT.READ, PROT.READ | PROT.WRITE, PROT.READ | PROT.EXEC, 7);
const op = fc.oneof(
  fc.record({ op: fc.constant("mmap" as const), page, pages, prot,
    kind: fc.constantFrom(MAP.PRIVATE | MAP.FIXED, MAP.SHARED | MAP.FIXED, MAP.PRIVATE | MAP.FIXED_NOREPLACE,
      MAP.PRIVATE | MAP.FIXED | MAP.NORESERVE, MAP.PRIVATE) }),
  fc.record({ op: fc.constant("munmap" as const), page, pages }),
  fc.record({ op: fc.constant("mprotect" as const), page, pages, prot }),
  fc.record({ op: fc.constant("madvise" as const), page, pages,
    advice: fc.constantFrom(MADV.NORMAL, MADV.RANDOM, MADV.SEQUENTIAL, MADV.HUGEPAGE, MADV.NOHUGEPAGE) }),
  fc.record({ op: fc.constant("brk" as const), page: fc.integer({ min: 36, max: WPAGES }), bytes: fc.integer({ min: 0, max: PAGE - 1 }) }),
  fc.record({ op: fc.constant("touch" as const), page, write: fc.boolean() }),
  fc.record({ op: fc.constant("touch" as const), page, write: fc.boolean() }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function step(k: Kernel, m: Model, o: Op): [number, number] {
  const x = k.exports;
  const addr = WINDOW + o.page * PAGE;
  switch (o.op) {
    case "mmap": {
      const flags = o.kind | MAP.ANONYMOUS;
      return [x.sys_mmap(addr, o.pages * PAGE, o.prot, flags, 0, 0), m.mmap(addr, o.pages * PAGE, o.prot, flags)];
    }
    case "munmap": return [x.sys_munmap(addr, o.pages * PAGE), m.munmap(addr, o.pages * PAGE)];
    case "mprotect": return [x.sys_mprotect(addr, o.pages * PAGE, o.prot), m.mprotect(addr, o.pages * PAGE, o.prot)];
    case "madvise": return [x.sys_madvise(addr, o.pages * PAGE, o.advice), m.madvise(addr, o.pages * PAGE, o.advice)];
    case "brk": return [x.sys_brk(addr + o.bytes), m.brk(addr + o.bytes)];
    case "touch": return [k.cpu.access(addr + 8, o.write ? "w" : "r").signal, m.touch(addr + 8, o.write)];
  }
}

describe("the VMA set against a reference model", () => {
  it("agrees after every step of random mmap/munmap/mprotect/madvise/brk sequences", () => {
    const k = bootKernel(32);
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const mm = k.exports.mm_create();
        k.exports.mm_switch(mm);
        k.exports.mm_set_brk(START_BRK);
        const model = new Model(counters(k, mm).mmap_base);
        try {
          for (const [i, o] of ops.entries()) {
            const [got, want] = step(k, model, o);
            expect(got, `step ${i} ${JSON.stringify(o)}`).toBe(want);
            const kv = vmas(k, mm).map(({ start, end, flags, pgoff, anon }) => ({ start, end, flags, pgoff, anon: anon !== 0 }));
            expect(kv, `vmas after step ${i} ${JSON.stringify(o)}`).toEqual(model.vmas);
            expectInvariants(k);
          }
        } finally {
          k.exports.mm_exit(mm);
        }
      }),
      { numRuns: 200 },
    );
  });
});
