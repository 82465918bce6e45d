// The x86-64 MMU: emulated hardware, not Linux code. CR3, and the page walk
// the processor does on a TLB miss (Intel SDM vol. 3 §4.5), over the tables
// the kernel keeps in mm/pgtable.ts's format. The host's TLB (src/cpu/mmu.ts)
// calls mmu_walk on a miss.

import { PAGE_SHIFT } from "../../mm/mm_types";
import { _PAGE_PRESENT, _PAGE_RW, _PAGE_USER, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PSE, _PAGE_NX,
  MAXPHYADDR, PTE_PFN_MASK, PAGE_MASK, PGDIR_SHIFT, PTRS_PER_TABLE, entry_table,
  X86_PF_PROT, X86_PF_WRITE, X86_PF_USER, X86_PF_RSVD, X86_PF_INSTR } from "../../mm/pgtable";

// Bits MAXPHYADDR..51 of a present entry, which must be 0.
@inline const RSVD_ADDR_BITS: u64 = ((<u64>1 << 52) - 1) & ~((<u64>1 << MAXPHYADDR) - 1);

// The walk's result bits below the frame address (docs/abi.md).
@inline export const TLB_X: u32 = 1;
@inline export const TLB_W: u32 = 2;

/** CR3: the physical address of the current mm's PML4 (0: no user address space). */
let cr3: usize = 0;

/** switch_mm's load_cr3. The caller flushes the host TLB. */
export function load_cr3(pgd: usize): void { cr3 = pgd; }

// The inspect mailbox: what mmu_walk_inspect read at each level.
//  ╒═══ walk mailbox (72 bytes) ═════════════════════════════════╕
//   0        levels  u32   entries read (1..4)
//   8 + 16i  entry   u64   raw entry at level i (0 = pgd … 3 = pte)
//   16 + 16i where   u32   its physical address
//  ╘═════════════════════════════════════════════════════════════╛
const walk_mailbox: usize = memory.data(72, 8);

export function walk_mailbox_ptr(): usize { return walk_mailbox; }

/**
 * The walk the MMU does on a TLB miss, for an access with the #PF bits
 * W, U and I (P is ignored). CR0.WP, EFER.NXE and CR4.SMEP are on; SMAP
 * and protection keys are off (the syscall layer's user accesses run as
 * with EFLAGS.AC set). Effective permissions are the AND of RW and US and
 * the OR of NX over every level.
 * Accessed is set in every entry used, and Dirty in the leaf on a write,
 * only when the translation succeeds: a faulting access changes nothing.
 * @return a TLB entry (frame address | TLB_W | TLB_X: at least 4096, since
 * frame 0 is never mapped), or the #PF error code (below 4096; never -0).
 */
@inline function walk(va: u64, access: u32, inspect: bool): f64 {
  const fault_bits = access & (X86_PF_WRITE | X86_PF_USER | X86_PF_INSTR);
  let table: usize = cr3;
  let shift: u32 = PGDIR_SHIFT;
  let allow: u64 = _PAGE_RW | _PAGE_USER;
  let nx: u64 = 0;
  let level: u32 = 0;
  let e0: usize = 0, e1: usize = 0, e2: usize = 0, e3: usize = 0;
  let entry: u64;
  if (!table) return <f64>fault_bits;  // no user address space
  while (true) {
    const where = table + (<usize>(va >> shift) & (PTRS_PER_TABLE - 1)) * 8;
    entry = load<u64>(where);
    if (inspect) {
      store<u64>(walk_mailbox + 8 + level * 16, entry);
      store<u32>(walk_mailbox + 16 + level * 16, <u32>where);
      store<u32>(walk_mailbox, level + 1);
    }
    if (level == 0) e0 = where; else if (level == 1) e1 = where; else if (level == 2) e2 = where; else e3 = where;
    if (!(entry & _PAGE_PRESENT)) return <f64>fault_bits;
    let rsvd = entry & RSVD_ADDR_BITS;
    if (shift == PGDIR_SHIFT) rsvd |= entry & _PAGE_PSE;
    else if (shift != PAGE_SHIFT && (entry & _PAGE_PSE)) rsvd |= entry & ((<u64>1 << shift) - 1) & ~(<u64>0x1fff);
    if (rsvd) return <f64>(fault_bits | X86_PF_PROT | X86_PF_RSVD);
    allow &= entry;
    nx |= entry;
    if (shift == PAGE_SHIFT || (shift != PGDIR_SHIFT && (entry & _PAGE_PSE))) break;
    table = entry_table(entry);
    shift -= 9;
    level++;
  }
  nx &= _PAGE_NX;
  const user = (access & X86_PF_USER) != 0;
  if ((user && !(allow & _PAGE_USER))
      || ((access & X86_PF_WRITE) && !(allow & _PAGE_RW))
      || ((access & X86_PF_INSTR) && (nx || (!user && (allow & _PAGE_USER)))))
    return <f64>(fault_bits | X86_PF_PROT);

  if (!inspect) {
    set_accessed(e0);
    if (level > 0) set_accessed(e1);
    if (level > 1) set_accessed(e2);
    if (level > 2) set_accessed(e3);
    if (access & X86_PF_WRITE) {
      const leaf = level == 3 ? e3 : level == 2 ? e2 : e1;
      entry |= _PAGE_DIRTY;
      store<u64>(leaf, load<u64>(leaf) | _PAGE_DIRTY);
    }
  }
  const offset_mask = ((<u64>1 << shift) - 1) & PAGE_MASK;
  const frame = (entry & PTE_PFN_MASK & ~((<u64>1 << shift) - 1)) | (va & offset_mask);
  let bits: u32 = nx ? 0 : TLB_X;
  if ((allow & _PAGE_RW) && (entry & _PAGE_DIRTY)) bits |= TLB_W;
  return <f64>(frame | bits);
}

@inline function set_accessed(where: usize): void {
  const e = load<u64>(where);
  if (!(e & _PAGE_ACCESSED)) store<u64>(where, e | _PAGE_ACCESSED);
}

/** The MMU's walk for the current mm (docs/abi.md). */
export function mmu_walk(va: f64, access: u32): f64 {
  return walk(<u64>va, access, false);
}

/**
 * The same walk with no side effects, for /proc, debuggers and the
 * playground; the entries read are left in the walk mailbox.
 */
export function mmu_walk_inspect(va: f64, access: u32): f64 {
  store<u32>(walk_mailbox, 0);
  return walk(<u64>va, access, true);
}
