// The oops text of the #PF handler, line by line, against the format of
// Linux's show_fault_oops, __die and dump_pagetable (arch/x86/mm/fault.c,
// arch/x86/kernel/dumpstack.c): the expected lines are built here from the
// error-code bits by Linux's rules.

import { describe, expect, it } from "vitest";
import { PF, sig, SIGKILL, SI_KERNEL, commWords, bootFaultEnv, type FaultEnv } from "../helpers/fault_cpu.js";
import { PROT, MAP } from "../helpers/mm_kernel.js";

const PAGE = 4096;
const hex4 = (n: number) => n.toString(16).padStart(4, "0");

/** show_fault_oops's two #PF lines for this error code (the access was user mode iff U). */
function header(code: number): string {
  const who = code & PF.U ? "user" : "supervisor";
  const what = code & PF.I ? "instruction fetch" : code & PF.W ? "write access" : "read access";
  const why = !(code & PF.P) ? "not-present page" : code & PF.RSVD ? "reserved bit violation"
    : code & PF.PK ? "protection keys violation" : "permissions violation";
  return `#PF: ${who} ${what} in ${code & PF.U ? "user" : "kernel"} mode\n#PF: error_code(0x${hex4(code)}) - ${why}\n`;
}

function process(e: FaultEnv): number {
  const mm = e.x.mm_create();
  e.x.mm_switch(mm);
  e.x.set_task(mm, 100, 1000, ...commWords("faulty"));
  return mm;
}

function mmap(e: FaultEnv, len: number, prot: number, addr = 0): number {
  const a = e.x.sys_mmap(addr, len, prot, MAP.PRIVATE | MAP.ANONYMOUS | (addr ? MAP.FIXED : 0), 0, 0);
  expect(a, `mmap: ${-a}`).toBeGreaterThan(0);
  return a;
}

describe("the oops a bad user page table or a kernel fetch from user memory prints", () => {
  it("names the access, the mode and the cause from the error code, and counts the oopses", () => {
    const e = bootFaultEnv();
    const mm = process(e);
    const a = mmap(e, PAGE, PROT.READ | PROT.WRITE);
    expect(e.cpu.access(a, "w").signal).toBe(0);
    // Reserved bit 51 in the pte: every access through it is a reserved-bit fault.
    e.x.mmu_walk_inspect(a, 0);
    const box = e.x.walk_mailbox_ptr();
    const at = e.view.getUint32(box + 16 + 16 * 3, true), good = e.view.getBigUint64(at, true);
    e.view.setBigUint64(at, good | (1n << 51n), true);
    const cases: ["r" | "w", boolean][] = [["r", true], ["w", true], ["r", false], ["w", false]];
    cases.forEach(([kind, user], i) => {
      e.cpu.tlb.clear();
      const before = e.k.dmesg().length;
      const r = e.cpu.access(a, kind, user);
      const code = PF.P | PF.RSVD | (kind === "w" ? PF.W : 0) | (user ? PF.U : 0);
      expect(r.faults).toEqual([code]);
      expect(r.signal).toBe(sig(SIGKILL, SI_KERNEL));
      const log = e.k.dmesg().slice(before);
      expect(log).toContain(`faulty: Corrupted page table at address ${a.toString(16)}\n`);
      expect(log).toContain(`BUG: unable to handle page fault for address: ${a.toString(16).padStart(16, "0")}\n` + header(code));
      expect(log).toContain(`Bad pagetable: ${hex4(code)} [#${i + 1}]\n`);
    });
    e.view.setBigUint64(at, good, true);
    e.x.mm_exit(mm);
  });

  it("a kernel fetch is an oops whether the page is present or not", () => {
    const e = bootFaultEnv();
    const mm = process(e);
    const a = mmap(e, 2 * PAGE, PROT.READ | PROT.EXEC);
    expect(e.cpu.access(a + PAGE, "r").signal).toBe(0);  // the second page present (the zero page)
    for (const [va, code, n] of [[a, PF.I, 1], [a + PAGE, PF.I | PF.P, 2]]) {
      const before = e.k.dmesg().length;
      e.cpu.tlb.clear();  // the stand-in's TLB does not keep the user bit SMEP checks
      const r = e.cpu.access(va, "x", false);
      expect(r.faults).toEqual([code]);
      expect(r.signal).toBe(sig(SIGKILL, SI_KERNEL));
      const log = e.k.dmesg().slice(before);
      expect(log).toContain(header(code));
      expect(log).toContain(`Oops: ${hex4(code)} [#${n}]\n`);
    }
    e.x.mm_exit(mm);
  });

  it("dumps the page-table entries down to the first one not present (dump_pagetable)", () => {
    const e = bootFaultEnv();
    const mm = process(e);
    // One page mapped at 1 GiB + 2 MiB: its pte table, pmd table and pud table exist.
    const a = mmap(e, PAGE, PROT.READ | PROT.EXEC, 0x40200000);
    expect(e.cpu.access(a, "r").signal).toBe(0);
    const dump = (va: number) => {
      const before = e.k.dmesg().length;
      e.cpu.access(va, "x", false);
      const [, line, next] = /\n(PGD .*)\n(.*)\n/.exec(e.k.dmesg().slice(before))!;
      // dump_pagetable is one line, and __die's follows it.
      expect(next).toMatch(/^Oops: /);
      return line.trimEnd();
    };
    const x = "[1-9a-f][0-9a-f]*";
    // The same pte table, another pte: all four levels, the last one empty.
    expect(dump(a + PAGE)).toMatch(new RegExp(`^PGD ${x} P4D ${x} PUD ${x} PMD ${x} PTE 0$`));
    // The same pmd table, another 2 MiB: no pte table.
    expect(dump(a + 0x200000)).toMatch(new RegExp(`^PGD ${x} P4D ${x} PUD ${x} PMD 0$`));
    // The same pud table, another GiB: no pmd table.
    expect(dump(a + 0x40000000)).toMatch(new RegExp(`^PGD ${x} P4D ${x} PUD 0$`));
    // Another 512 GiB: an empty pgd entry, and the folded p4d is that entry again.
    expect(dump(0x10000000000)).toBe("PGD 0 P4D 0");
    e.x.mm_exit(mm);
  });
});
