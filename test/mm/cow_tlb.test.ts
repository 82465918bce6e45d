// Why a missing TLB flush after wp_page_reuse cannot be observed, tested.
// Linux on x86 does not flush there either: ptep_set_access_flags only
// writes the pte, and a write through a stale read-only TLB entry faults,
// which makes the CPU drop that entry (SDM vol. 3, 4.10.4.1) before the
// walk that finds the pte writable. faultline's MMU has the same property
// by construction: an entry cached without write permission never serves a
// write (its write tag is empty), so the write walks again. These tests pin
// that property: if it broke, the reuse path would need its flush and a
// write after COW reuse would fault forever.

import { describe, expect, it } from "vitest";
import { Mmu, PF_USER, PF_WRITE, TLB_W } from "../../src/cpu/mmu.js";

describe("a read-only TLB entry and a write (wp_page_reuse needs no flush)", () => {
  it("a write after a read through a read-only entry walks again and sees the new pte", () => {
    let pte = 0x5000;   // frame 5, read-only
    const walks: number[] = [];
    const mmu = new Mmu(new ArrayBuffer(1 << 20), (va, access) => {
      walks.push(access);
      return access & PF_WRITE && !(pte & TLB_W) ? 1 | access : pte;   // a fault is its error code (docs/abi.md)
    });
    const va = 0x400000;
    expect(mmu.translate(va, 0, PF_USER)).toBe(0x5000);   // a read fills the entry, read-only
    expect(mmu.translate(va, 0, PF_USER)).toBe(0x5000);   // and hits it
    expect(walks).toHaveLength(1);
    // The write faults as a COW would.
    expect(mmu.translate(va, 0, PF_USER | PF_WRITE)).toBe(-1);
    expect(mmu.fault.errorCode).toBe(1 | PF_USER | PF_WRITE);
    // wp_page_reuse: the same frame, now writable; no flushPage.
    pte = 0x5000 | TLB_W;
    mmu.fault.kind = 0;
    expect(mmu.translate(va, 0, PF_USER | PF_WRITE)).toBe(0x5000);
    expect(walks).toHaveLength(3);
    // From now on writes hit the refreshed entry.
    expect(mmu.translate(va, 0, PF_USER | PF_WRITE)).toBe(0x5000);
    expect(walks).toHaveLength(3);
  });
});
