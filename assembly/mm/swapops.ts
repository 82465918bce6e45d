// include/linux/swapops.h and arch/x86/include/asm/pgtable_64.h: a swap
// entry and its form in a non-present PTE.
//
// A swp_entry_t names a slot: the swap device's type and the page offset
// in it. In a PTE it is stored as x86-64 Linux stores it: P and PROTNONE
// clear (so pte_present is false and pte_none too), the type in bits
// 59..63 and the offset *inverted* in bits 9..58 (the L1TF mitigation: a
// speculative walk of a swap PTE points at no real memory). Bit 7 (PSE,
// _PAGE_SWP_EXCLUSIVE) says the page was exclusive to this mm when it was
// swapped out.
//
//  63    59 58                                   9 8 7 6      1 0
//  ┌──────┬──────────────────────────────────────┬─┬─┬────────┬─┐
//  │ type │          ~offset (50 bits)           │0│E│   0    │0│
//  └──────┴──────────────────────────────────────┴─┴─┴────────┴─┘

import { _PAGE_PRESENT, _PAGE_PROTNONE, _PAGE_PSE } from "./pgtable";

@inline const SWP_TYPE_BITS: u64 = 5;
@inline const SWP_OFFSET_FIRST_BIT: u64 = 9;   // _PAGE_BIT_PROTNONE + 1
@inline const SWP_OFFSET_SHIFT: u64 = SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS;
@inline export const _PAGE_SWP_EXCLUSIVE: u64 = _PAGE_PSE;

/**
 * swp_entry_t: the generic form, type << SWP_TYPE_SHIFT | offset. This
 * kernel has one swap device (type 0), so the value is the offset.
 */
@inline export function swp_entry(type: u32, offset: u32): u64 { return (<u64>type << 58) | offset; }
@inline export function swp_type(entry: u64): u32 { return <u32>(entry >> 58); }
@inline export function swp_offset(entry: u64): u32 { return <u32>(entry & ((<u64>1 << 58) - 1)); }

/** __swp_entry: the arch form of (type, offset). */
@inline function __swp_entry(type: u32, offset: u32): u64 {
  return ((~<u64>offset << SWP_OFFSET_SHIFT) >> SWP_TYPE_BITS) | (<u64>type << (64 - SWP_TYPE_BITS));
}
@inline function __swp_type(pte: u64): u32 { return <u32>(pte >> (64 - SWP_TYPE_BITS)); }
@inline function __swp_offset(pte: u64): u32 { return <u32>((~pte << SWP_TYPE_BITS) >> SWP_OFFSET_SHIFT); }

/** A PTE that is neither none nor present holds a swap entry (is_swap_pte). */
@inline export function is_swap_pte(pte: u64): bool {
  return pte != 0 && !(pte & (_PAGE_PRESENT | _PAGE_PROTNONE));
}
/** The swap entry a swap PTE holds (pte_to_swp_entry); the exclusive bit is not part of it. */
@inline export function pte_to_swp_entry(pte: u64): u64 {
  const arch = pte & ~_PAGE_SWP_EXCLUSIVE;
  return swp_entry(__swp_type(arch), __swp_offset(arch));
}
@inline export function swp_entry_to_pte(entry: u64): u64 {
  return __swp_entry(swp_type(entry), swp_offset(entry));
}
@inline export function pte_swp_exclusive(pte: u64): bool { return (pte & _PAGE_SWP_EXCLUSIVE) != 0; }
@inline export function pte_swp_mkexclusive(pte: u64): u64 { return pte | _PAGE_SWP_EXCLUSIVE; }
@inline export function pte_swp_clear_exclusive(pte: u64): u64 { return pte & ~_PAGE_SWP_EXCLUSIVE; }
