// mmap, munmap, mprotect and madvise: argument checks and errno values,
// each checked against the expectation below and, on x86-64 Linux with
// gcc, against this machine's kernel running the same operations
// (test/native/mm_ops.c). Addresses used lie in [4 GiB, 8 GiB) and at
// 32 TiB, free in both address spaces.

import { describe, expect, it } from "vitest";
import { bootKernel, expectInvariants, openFile, E, MAP, PROT } from "../helpers/mm_kernel.js";
import { ADDR, describeOps, type OpCase } from "../helpers/mm_ops.js";

// fd 0 = a read-only file, -1 = none.
const CASES: OpCase[] = [
  ["mmap 0 0 3 0x22 -1 0", -E.EINVAL, "len 0"],
  ["mmap 0x100000800 4096 3 0x32 -1 0", -E.EINVAL, "MAP_FIXED at an unaligned address"],
  ["mmap 0 4096 3 0x20 -1 0", -E.EINVAL, "no mapping type"],
  ["mmap 0 4096 3 0x23 -1 0", -E.EINVAL, "MAP_SHARED_VALIDATE of anonymous memory"],
  ["mmap 0 4096 3 0x121 -1 0", -E.EINVAL, "MAP_GROWSDOWN|MAP_SHARED anonymous"],
  ["mmap 0 0xfffffffffffff000 3 0x22 -1 0", -E.ENOMEM, "len beyond TASK_SIZE"],
  ["mmap 0 0xffffffffffffffff 3 0x22 -1 0", -E.ENOMEM, "PAGE_ALIGN(len) overflows"],
  ["mmap 0 0x800000000000 1 0x22 -1 0", -E.ENOMEM, "len 2^47"],
  ["mmap 0x7ffffffff000 4096 1 0x32 -1 0", -E.ENOMEM, "MAP_FIXED at TASK_SIZE"],
  ["mmap 0x7fffffffe000 8192 1 0x32 -1 0", -E.ENOMEM, "MAP_FIXED across TASK_SIZE"],
  ["mmap 0xffff800000000000 8192 3 0x32 -1 0", -E.ENOMEM, "MAP_FIXED at the kernel's half"],
  ["mmap 0xfffffffffffff000 4096 3 0x32 -1 0", -E.ENOMEM, "MAP_FIXED at -4096"],
  ["mmap 0 4096 3 0x22 -1 100", -E.EINVAL, "unaligned offset"],
  ["mmap 0 4096 3 0x32 -1 0", -E.EPERM, "MAP_FIXED at 0 (below vm.mmap_min_addr; Linux lets only CAP_SYS_RAWIO)", true],
  ["mmap 0 4096 3 0x22 -1 4096", ADDR, "anonymous: the offset is ignored"],
  ["mmap 0 4096 1 0x02 -1 0", -E.EBADF, "no fd and no MAP_ANONYMOUS"],
  ["mmap 0 4096 3 0x40022 -1 0", -E.ENOMEM, "MAP_HUGETLB with no hugetlb pool"],
  ["mmap 0 0x10000000000 3 0x22 -1 0", -E.ENOMEM, "1 TiB private writable: more than RAM (overcommit heuristic)"],
  ["mmap 0x200000000000 0x10000000000 3 0x4032 -1 0", 0x200000000000, "1 TiB with MAP_NORESERVE"],
  ["munmap 0x200000000000 0x10000000000", 0, "unmap it"],
  ["mmap 0x200000000000 0x10000000000 1 0x32 -1 0", 0x200000000000, "1 TiB read-only: not charged"],
  ["munmap 0x200000000000 0x10000000000", 0, "unmap it"],
  // hints
  ["mmap 0x100000000 4096 3 0x22 -1 0", 0x100000000, "a free hint is honoured"],
  ["mmap 0x1000 4096 1 0x22 -1 0", 0x10000, "a hint below mmap_min_addr is raised to it"],
  ["munmap 0x10000 4096", 0, "unmap it"],
  ["mmap 0x100004321 4096 1 0x22 -1 0", 0x100004000, "an unaligned hint is rounded down"],
  // MAP_FIXED replaces, MAP_FIXED_NOREPLACE refuses
  ["mmap 0x100010000 0x4000 3 0x32 -1 0", 0x100010000, "MAP_FIXED"],
  ["mmap 0x100011000 0x1000 1 0x32 -1 0", 0x100011000, "MAP_FIXED over the middle of a mapping"],
  ["mmap 0x100012000 0x1000 1 0x100022 -1 0", -E.EEXIST, "MAP_FIXED_NOREPLACE over a mapping"],
  ["mmap 0x100020000 0x1000 1 0x100022 -1 0", 0x100020000, "MAP_FIXED_NOREPLACE where free"],
  // munmap
  ["munmap 0x100000000 0", -E.EINVAL, "len 0"],
  ["munmap 0x100000001 4096", -E.EINVAL, "unaligned"],
  ["munmap 0x7ffffffff000 8192", -E.EINVAL, "beyond TASK_SIZE"],
  ["munmap 0x150000000 4096", 0, "nothing mapped there"],
  ["munmap 0x100011000 1", 0, "len rounds up to a page"],
  // mprotect
  ["mprotect 0x150000000 4096 1", -E.ENOMEM, "nothing mapped"],
  ["mprotect 0x100010000 4096 0x80", -E.EINVAL, "unknown prot bit"],
  ["mprotect 0x100010001 4096 1", -E.EINVAL, "unaligned"],
  ["mprotect 0x100010000 0 1", 0, "len 0"],
  ["mprotect 0x100010000 0x4000 1", -E.ENOMEM, "a hole in the range"],
  ["mprotect 0x100012000 4096 0x01000001", -E.EINVAL, "PROT_GROWSDOWN on a VMA that does not grow"],
  ["mprotect 0x100012000 4096 0x03000001", -E.EINVAL, "PROT_GROWSDOWN|PROT_GROWSUP"],
  ["mprotect 0x100012000 4096 7", 0, "rwx on private anonymous memory"],
  // files (opened read-only)
  ["mmap 0x100100000 8192 1 0x12 0 0", 0x100100000, "private file mapping"],
  ["mprotect 0x100100000 8192 3", 0, "a private file mapping may become writable"],
  ["mmap 0x100200000 8192 3 0x11 0 0", -E.EACCES, "shared writable mapping of a read-only file"],
  ["mmap 0x100200000 8192 1 0x11 0 0", 0x100200000, "shared read-only mapping"],
  ["mprotect 0x100200000 8192 3", -E.EACCES, "it may not become writable"],
  ["mmap 0x100300000 8192 1 0x200013 0 0", -E.EOPNOTSUPP, "MAP_SHARED_VALIDATE with an unknown flag"],
  ["mmap 0x100300000 8192 1 0x100013 0 0", -E.EOPNOTSUPP, "MAP_SHARED_VALIDATE knows no MAP_FIXED_NOREPLACE"],
  ["mmap 0x100300000 8192 1 0x8000013 0 0", 0x100300000, "MAP_SHARED_VALIDATE knows MAP_HUGE_* size bits"],
  ["mmap 0x100400000 8192 1 0x200012 0 0", 0x100400000, "MAP_PRIVATE ignores unknown flags"],
  ["mmap 0x100500000 8192 1 0x112 0 0", -E.EINVAL, "MAP_GROWSDOWN file mapping"],
  ["mmap 0 8192 3 0x62 -1 0", 0x40000000, "MAP_32BIT: bottom-up from 1 GiB"],
  // madvise
  ["madvise 0x100010000 4096 1234", -E.EINVAL, "unknown advice"],
  ["madvise 0x150000000 4096 4", -E.ENOMEM, "nothing mapped"],
  ["madvise 0x100010001 4096 4", -E.EINVAL, "unaligned"],
  ["madvise 0x100010000 0x4000 4", -E.ENOMEM, "a hole in the range"],
  ["madvise 0x100010000 0 4", 0, "len 0"],
  ["madvise 0x100010000 4096 14", 0, "MADV_HUGEPAGE"],
  ["madvise 0x100100000 8192 8", -E.EINVAL, "MADV_FREE on a file mapping"],
  ["madvise 0x100100000 8192 3", 0, "MADV_WILLNEED"],
];

describeOps("mmap argument checks and errno values", CASES, (k) => openFile(k, 1 << 20));

describe("MAP_POPULATE of more than RAM", () => {
  // get_user_pages stops at the first fault that finds no memory and
  // mm_populate ignores the error: the mmap succeeds after faulting about
  // RAM's worth of pages, instead of trying every page of 64 TiB.
  it("gives up once memory is exhausted, and the mmap still succeeds", () => {
    const k = bootKernel(16);
    // The configured watermarks, unboosted: no kswapd runs here to undo a boost.
    k.exports.set_watermark_boost_factor(0);
    const mm = k.exports.mm_create();
    k.exports.mm_switch(mm);
    const faults = () => k.machine.counter("pgfault");
    const before = faults();
    const flags = MAP.PRIVATE | MAP.ANONYMOUS | MAP.NORESERVE | MAP.POPULATE;
    const addr = k.exports.sys_mmap(0, 2 ** 46, PROT.READ | PROT.WRITE, flags, 0, 0);
    expect(addr > 0 && addr % 4096 === 0, `got ${addr}`).toBe(true);
    expect(faults() - before).toBeLessThanOrEqual((16 << 20) / 4096);
    expect(k.machine.counter("nr_free_pages")).toBeLessThan(256);  // RAM is full: under 1 MiB free
    k.exports.mm_exit(mm);
    expectInvariants(k);
  });
});
