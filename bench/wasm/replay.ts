// The allocator benchmarks run inside wasm, as the fault path calls the
// allocator: this entry links the kernel and adds drivers that generate
// each workload's operations (mulberry32, as bench/alloc.ts and
// bench/native/buddy.c generate them: the same sequence by construction,
// checked by a checksum) and replay them. Built by `npm run bench` only;
// the kernel's ABI (assembly/index.ts) does not change.

export { start_kernel as boot } from "../../assembly/init/main";
import { __alloc_pages_node, __free_pages } from "../../assembly/mm/page_alloc";
import { page_to_pfn } from "../../assembly/mm/mmzone";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "../../assembly/mm/gfp";
import { page } from "../../assembly/mm/mm_types";

@inline const OP_FREE: u32 = 1 << 16;

let seed: u32 = 0;
/** mulberry32's next 32 bits. */
function next(): u32 {
  seed += 0x6d2b79f5;
  let t = (seed ^ (seed >>> 15)) * (1 | seed);
  t = (t + (t ^ (t >>> 7)) * (61 | t)) ^ t;
  return t ^ (t >>> 14);
}
/** floor(random * n), exactly as the JS and C generators compute it. */
@inline function below(n: u32): u32 { return <u32>((<u64>next() * n) >> 32); }

// Work space: 4 MiB from the allocator itself:
//   [0, 2.5M) ops, int32 pairs (order | OP_FREE, slot): MAX_OPS
//   [2.5M, 3M) slots, the struct page each slot holds or 0: MAX_SLOTS
//   [3M, 4M) the generators' scratch
@inline const MAX_OPS: u32 = (5 << 20) / 2 / 8;
@inline const MAX_SLOTS: u32 = (512 << 10) / 4;
let ops: usize = 0;
let slots: usize = 0;
let scratch: usize = 0;
let nops: u32 = 0;

function workspace(): void {
  if (ops) return;
  const p = __alloc_pages_node(0, GFP_KERNEL, 10);
  if (!p) unreachable();
  ops = <usize>page_to_pfn(changetype<page>(p)) << 12;
  slots = ops + (5 << 19);
  scratch = ops + (3 << 20);
}

let nslots: u32 = 0;

@inline function emit(op: u32, slot: u32, sum: u32): u32 {
  if (nops >= MAX_OPS || slot >= MAX_SLOTS) unreachable();
  store<u32>(ops + (<usize>nops << 3), op);
  store<u32>(ops + (<usize>nops << 3), slot, 4);
  nops++;
  if (slot >= nslots) nslots = slot + 1;
  return sum * 31 + op * 7 + slot;
}

/** The slots the ops name, empty (0), before the clock starts: as the C driver's calloc. */
function clear_slots(): void {
  memory.fill(slots, 0, <usize>nslots << 2);
}

/** n order-0 allocations, then frees in a random order. @return the ops' checksum */
export function gen_random_frees(n: u32, s: u32): u32 {
  workspace();
  seed = s;
  nops = nslots = 0;
  let sum: u32 = 0;
  const perm = scratch;
  for (let i: u32 = 0; i < n; i++) {
    sum = emit(0, i, sum);
    store<u32>(perm + (<usize>i << 2), i);
  }
  for (let i = n - 1; i > 0; i--) {
    const j = below(i + 1);
    const a = load<u32>(perm + (<usize>i << 2));
    store<u32>(perm + (<usize>i << 2), load<u32>(perm + (<usize>j << 2)));
    store<u32>(perm + (<usize>j << 2), a);
  }
  for (let i: u32 = 0; i < n; i++) sum = emit(OP_FREE, load<u32>(perm + (<usize>i << 2)), sum);
  clear_slots();
  return sum;
}

/** Orders 0-9, allocating under half of RAM and freeing a random held block above it. */
export function gen_mixed(n: u32, s: u32, ram_pages: u32): u32 {
  workspace();
  seed = s;
  nops = nslots = 0;
  let sum: u32 = 0;
  const held = scratch;                      // [slot, order] pairs
  const free_slots = scratch + (512 << 10);
  let nheld: u32 = 0, nfree: u32 = 0, next_slot: u32 = 0, held_pages: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (held_pages < ram_pages / 2 || nheld == 0) {
      const order = below(10);
      let slot = next_slot;
      if (nfree) {
        nfree--;
        slot = load<u32>(free_slots + (<usize>nfree << 2));
      } else {
        next_slot++;
      }
      sum = emit(order, slot, sum);
      store<u32>(held + (<usize>nheld << 3), slot);
      store<u32>(held + (<usize>nheld << 3), order, 4);
      nheld++;
      held_pages += 1 << order;
    } else {
      const k = below(nheld);
      const slot = load<u32>(held + (<usize>k << 3));
      const order = load<u32>(held + (<usize>k << 3), 4);
      nheld--;
      store<u64>(held + (<usize>k << 3), load<u64>(held + (<usize>nheld << 3)));
      sum = emit(order | OP_FREE, slot, sum);
      store<u32>(free_slots + (<usize>nfree << 2), slot);
      nfree++;
      held_pages -= 1 << order;
    }
  }
  clear_slots();
  return sum;
}

/** order-0 alloc+free pairs. */
export function gen_pairs(n: u32): u32 {
  workspace();
  nops = nslots = 0;
  let sum: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    sum = emit(0, 0, sum);
    sum = emit(OP_FREE, 0, sum);
  }
  clear_slots();
  return sum;
}

/**
 * Replays the generated ops through __alloc_pages / __free_pages (the timed
 * part: the generators emptied the slots). A slot holds the struct page
 * address or 0 (NULL), as the C driver's holds its struct page pointer.
 */
export function replay(): void {
  // The loop's bounds in locals, as the C loop keeps them in registers.
  const op_end = ops + (<usize>nops << 3), slot_base = slots;
  for (let at_op = ops; at_op < op_end; at_op += 8) {
    const op = load<u32>(at_op);
    const at = slot_base + (<usize>load<u32>(at_op, 4) << 2);
    if (op & OP_FREE) {
      const p = <usize>load<u32>(at);
      if (p) __free_pages(changetype<page>(p), op & 0xffff);
    } else {
      store<u32>(at, <u32>changetype<usize>(__alloc_pages_node(0, GFP_HIGHUSER_MOVABLE, op)));
    }
  }
}
