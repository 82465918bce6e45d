// The op tables the mm argument-check suites share: each line is one
// syscall as test/native/mm_ops.c reads it ("mmap addr len prot flags fd
// off", "mremap old old_len new_len flags new", …), run on a booted kernel
// and, natively, on this machine's Linux, each answer checked against the
// table's expectation.

import { beforeAll, describe, expect, it } from "vitest";
import { bootKernel, expectInvariants, nativeMmOps, runNative, PAGE, type Kernel } from "./mm_kernel.js";
import { needs, TOOLS } from "./tools.js";

/** Any page-aligned address: placement differs natively (the native process has a vDSO and a binary). */
export const ADDR = "addr";
export type Expect = number | typeof ADDR;
/** [op line, expected result, why]; a fourth field true: an unprivileged task's answer, which root (CAP_SYS_RAWIO) does not get natively. */
export type OpCase = [string, Expect, string, boolean?];

/** Runs one op line on the kernel's current mm; `file` (a kernel file handle) stands for fd 0, any other fd for none. */
export function runOp(k: Kernel, line: string, file = 0): number {
  const [op, ...a] = line.split(" ");
  const n = a.map((s) => Number(BigInt(s)));
  const x = k.exports;
  switch (op) {
    case "mmap": return x.sys_mmap(n[0], n[1], n[2], n[3], a[4] === "0" ? file : 0, n[5]);
    case "munmap": return x.sys_munmap(n[0], n[1]);
    case "mprotect": return x.sys_mprotect(n[0], n[1], n[2]);
    case "madvise": return x.sys_madvise(n[0], n[1], n[2]);
    case "mremap": return x.sys_mremap(n[0], n[1], n[2], n[3], n[4]);
  }
  throw new Error(`bad op ${line}`);
}

const matches = (got: number, want: Expect) => (want === ADDR ? got > 0 && got % PAGE === 0 : got === want);

/**
 * The suite of one table: the ops run in order on one fresh mm (of a
 * 64 MiB machine; `file` opens what fd 0 stands for), each answer as
 * expected, the invariants kept after them all, and Linux on this machine
 * giving the same answers.
 */
export function describeOps(title: string, cases: OpCase[], file?: (k: Kernel) => number): void {
  describe(title, () => {
    let k: Kernel;
    let results: number[];
    beforeAll(() => {
      k = bootKernel(64);
      k.exports.mm_switch(k.exports.mm_create());
      const f = file?.(k) ?? 0;
      results = cases.map(([op]) => runOp(k, op, f));
    });

    it.each(cases.map((c, i) => [i, ...c] as const))("%i: %s → %s (%s)", (i, _op, want) => {
      expect(matches(results[i], want), `got ${results[i]}`).toBe(true);
    });

    it("keeps its invariants through all of them", () => expectInvariants(k));

    it.runIf(needs(TOOLS.x86_64_linux, TOOLS.gcc, TOOLS.libc_a, TOOLS.setarch))("Linux on this machine gives the same results", () => {
      const native = cases.filter((c) => !c[3] || process.getuid?.() !== 0);
      const got = runNative(nativeMmOps(), native.map(([op]) => op)).map(Number);
      const diffs = native.flatMap(([op, want], i) => (matches(got[i], want) ? [] : [`${op}: Linux ${got[i]}, expected ${want}`]));
      expect(diffs).toEqual([]);
    });
  });
}
