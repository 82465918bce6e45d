// The address-space views against the real files of the Linux this runs
// on: same structure and padding (values differ), and hand-checked values.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  GATE_VMA, showMapVma,
  PM_FILE, PM_MMAP_EXCLUSIVE, PM_PRESENT, PM_SWAP, VM_EXEC, VM_READ, VM_WRITE, pagemapEntry, pagemapLine,
  procMaps, procSmapsRollup, taskMem, nodemaskBitmap, type MmInfo, type PteInfo, type VmArea,
} from "../../src/proc/task_mmu.js";
import type { SmapsCounts } from "../../src/kernel.js";

const mm0: MmInfo = {
  start_code: 0x401000, end_code: 0x4023a5, start_brk: 0x405000, brk: 0x407000, start_stack: 0x7ffffffde8f0,
  total_vm: 0, locked_vm: 0, data_vm: 0, exec_vm: 0, stack_vm: 0, hiwater_vm: 0, hiwater_rss: 0,
  rss: { file: 0, anon: 0, swapents: 0, shmem: 0 }, pgtables_bytes: 0,
};

describe("/proc/self/maps", () => {
  it("rebuilds this machine's own maps lines byte for byte", () => {
    const real = readFileSync("/proc/self/maps", "utf8").split("\n").filter(Boolean);
    const re = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+):([0-9a-f]+) (\d+) ?\s*(.*)$/;
    let checked = 0;
    for (const line of real) {
      const m = re.exec(line)!;
      expect(m, line).not.toBeNull();
      const name = m[8];
      if (name === "[vsyscall]") {
        expect(showMapVma(GATE_VMA, mm0)).toBe(line + "\n");
        checked++;
        continue;
      }
      if (name.startsWith("[") && name !== "[heap]" && name !== "[stack]") continue; // vvar, vdso: their own tests
      const start = parseInt(m[1], 16), end = parseInt(m[2], 16), perms = m[3];
      const flags = (perms[0] === "r" ? VM_READ : 0) | (perms[1] === "w" ? VM_WRITE : 0) | (perms[2] === "x" ? VM_EXEC : 0) | (perms[3] === "s" ? 0x80 : 0);
      const isFile = name !== "" && !name.startsWith("[");
      const vma: VmArea = {
        start, end, flags, pgoff: parseInt(m[4], 16) / 4096,
        file: isFile ? { path: name, dev: [parseInt(m[5], 16), parseInt(m[6], 16)], ino: Number(m[7]) } : null,
      };
      const mm = { ...mm0, start_brk: 1, brk: 0, start_stack: 0 };
      if (name === "[heap]") { mm.start_brk = start; mm.brk = end; }
      if (name === "[stack]") mm.start_stack = end - 8;
      expect(showMapVma(vma, mm)).toBe(line + "\n");
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
  });

  it("names heap and stack, keeps the trailing space of an unnamed mapping, shows file offsets", () => {
    const vmas: VmArea[] = [
      { start: 0x400000, end: 0x401000, flags: VM_READ, pgoff: 0, file: { path: "/prog/hello" } },
      { start: 0x401000, end: 0x403000, flags: VM_READ | VM_EXEC, pgoff: 1, file: { path: "/prog/hello" } },
      { start: 0x405000, end: 0x407000, flags: VM_READ | VM_WRITE, pgoff: 0x405, file: null },
      { start: 0x7f0000000000, end: 0x7f0000004000, flags: VM_READ | VM_WRITE, pgoff: 0x7f0000000, file: null },
      { start: 0x7ffffffdd000, end: 0x7ffffffff000, flags: VM_READ | VM_WRITE, pgoff: 0, file: null },
    ];
    expect(procMaps(vmas, mm0)).toBe(
      "00400000-00401000 r--p 00000000 00:00 0                                  /prog/hello\n" +
      "00401000-00403000 r-xp 00001000 00:00 0                                  /prog/hello\n" +
      "00405000-00407000 rw-p 00000000 00:00 0                                  [heap]\n" +
      "7f0000000000-7f0000004000 rw-p 00000000 00:00 0 \n" +
      "7ffffffdd000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n" +
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n");
  });
});

describe("/proc/self/status's memory lines (task_mem)", () => {
  const mm: MmInfo = {
    ...mm0, total_vm: 40, locked_vm: 0, data_vm: 3, exec_vm: 2, stack_vm: 34, hiwater_vm: 41, hiwater_rss: 9,
    rss: { file: 2, anon: 5, swapents: 0, shmem: 0 }, pgtables_bytes: 4 * 4096,
  };
  const ours = taskMem(mm);

  it("prints the Vm*/Rss* lines and HugetlbPages as this machine's Linux does, in its order and padding", () => {
    const real = readFileSync("/proc/self/status", "utf8").split("\n").filter((l) => /^(Vm|Rss|Hugetlb)/.test(l));
    const lines = ours.split("\n").filter(Boolean);
    expect(lines.map((l) => l.split(":")[0])).toEqual(real.map((l) => l.split(":")[0]));
    for (const l of [...lines, ...real]) expect(l).toMatch(/^\w+:\t[ \d]{8} kB$/);
  });

  it("computes the values from the mm (kB = pages * 4)", () => {
    expect(ours).toBe(
      "VmPeak:\t     164 kB\nVmSize:\t     160 kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\n" +
      "VmHWM:\t      36 kB\nVmRSS:\t      28 kB\nRssAnon:\t      20 kB\nRssFile:\t       8 kB\nRssShmem:\t       0 kB\n" +
      // text: PAGE_ALIGN(0x4023a5) - 0x401000 = 8 kB, all of exec_vm: VmLib 0
      "VmData:\t      12 kB\nVmStk:\t     136 kB\nVmExe:\t       8 kB\nVmLib:\t       0 kB\nVmPTE:\t      16 kB\nVmSwap:\t       0 kB\n" +
      "HugetlbPages:\t       0 kB\n");
  });

  it("shows Mems_allowed's bitmap as this machine's Linux does (1024 nodes wide)", () => {
    const real = readFileSync("/proc/self/status", "utf8");
    expect(`Mems_allowed:\t${nodemaskBitmap([0])}`).toBe(/^Mems_allowed:.*$/m.exec(real)![0]);
    expect(nodemaskBitmap([0, 1, 2])).toBe(`${"00000000,".repeat(31)}00000007`);
  });
});

describe("/proc/self/smaps_rollup", () => {
  const vmas: VmArea[] = [
    { start: 0x400000, end: 0x402000, flags: VM_READ | VM_EXEC, pgoff: 0, file: { path: "/prog/hello" } },
    { start: 0x7ffffffdd000, end: 0x7ffffffff000, flags: VM_READ | VM_WRITE, pgoff: 0, file: null },
  ];
  const counts: SmapsCounts = {
    Rss: 12288, Pss: 10240, Pss_Anon: 4096, Pss_File: 2048, Pss_Shmem: 4096, Pss_Dirty: 8191, Pss_Locked: 0,
    Shared_Clean: 4096, Shared_Dirty: 0, Private_Clean: 4096, Private_Dirty: 4096, Referenced: 12288, Anonymous: 4096,
    AnonHugePages: 0, LazyFree: 0, Swap: 8192, SwapPss: 6144,
  };
  const text = procSmapsRollup(vmas, counts);

  it("prints the counts in kB, rounded down, under a [rollup] line spanning the VMAs", () => {
    expect(text).toBe(
      "00400000-7ffffffff000 ---p 00000000 00:00 0                              [rollup]\n" +
      "Rss:                  12 kB\nPss:                  10 kB\nPss_Dirty:             7 kB\nPss_Anon:              4 kB\n" +
      "Pss_File:              2 kB\nPss_Shmem:             4 kB\nShared_Clean:          4 kB\nShared_Dirty:          0 kB\n" +
      "Private_Clean:         4 kB\nPrivate_Dirty:         4 kB\nReferenced:           12 kB\nAnonymous:             4 kB\n" +
      "KSM:                   0 kB\nLazyFree:              0 kB\nAnonHugePages:         0 kB\nShmemPmdMapped:        0 kB\n" +
      "FilePmdMapped:         0 kB\nShared_Hugetlb:        0 kB\nPrivate_Hugetlb:       0 kB\nSwap:                  8 kB\n" +
      "SwapPss:               6 kB\nLocked:                0 kB\n");
  });

  it("has the real file's lines, in its order and columns", () => {
    const real = readFileSync("/proc/self/smaps_rollup", "utf8").split("\n").filter(Boolean);
    const ours = text.split("\n").filter(Boolean);
    // The header is a maps line: name at column 73, the same fields after the range.
    expect(ours[0].indexOf("[rollup]")).toBe(73);
    expect(real[0].indexOf("[rollup]")).toBe(73);
    expect(ours[0].split(/ +/).slice(1)).toEqual(real[0].split(/ +/).slice(1));
    expect(ours.slice(1).map((l) => l.split(":")[0])).toEqual(real.slice(1).map((l) => l.split(":")[0]));
    for (const l of [...ours.slice(1), ...real.slice(1)]) expect(l.indexOf(" kB")).toBe(24);
  });
});

describe("pagemap", () => {
  it("sets present, pfn, exclusive and file bits as pagemap.rst defines them", () => {
    const anon: PteInfo = { pfn: 0x1234, size: 4096, dirty: true, young: true, page: { anon: true, mapcount: 1 } };
    expect(pagemapEntry(anon, 0x7000)).toBe(PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x1234n);
    const file: PteInfo = { pfn: 0x20, size: 4096, dirty: false, young: false, page: { anon: false, mapcount: 2 } };
    expect(pagemapEntry(file, 0x400000)).toBe(PM_PRESENT | PM_FILE | 0x20n);
    const thp: PteInfo = { pfn: 0x800, size: 2 << 20, dirty: true, young: true, page: { anon: true, mapcount: 1 } };
    expect(pagemapEntry(thp, 0x200000 + 5 * 4096 + 17)).toBe(PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x805n);
    expect(pagemapEntry(null, 0x9000)).toBe(0n);
    // A swapped page: its type in bits 0-4, its offset above them.
    const swapped = pagemapEntry({ type: 0, offset: 0x1234 }, 0x9000);
    expect(swapped).toBe(PM_SWAP | (0x1234n << 5n));
    expect(pagemapLine(0x9000, swapped)).toBe("000000009000 4000000000024680 present=0 swapped=1 type=0 offset=0x1234\n");
    expect(pagemapLine(0x7123, PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x1234n)).toBe(
      "000000007000 8100000000001234 present=1 pfn=0x1234 soft-dirty=0 exclusive=1 file/shared-anon=0 swapped=0\n");
    expect(pagemapLine(0x9000, 0n)).toBe("000000009000 0000000000000000 present=0\n");
  });
});
