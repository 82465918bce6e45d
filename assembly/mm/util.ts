// mm/util.c: overcommit accounting, and vm_mmap_pgoff (do_mmap plus its prefault).

import { mm_struct } from "./mm_types";
import { IS_ERR_VALUE } from "../include/err";
import { do_mmap, mm_populate, mmap_populate } from "./mmap";
import { totalram_pages } from "./mm_init";
import { ENOMEM } from "../include/errno";

/** Pages charged to private writable mappings (vm_committed_as; Committed_AS). */
let vm_committed_as: i64 = 0;
export function vm_committed_pages(): i64 { return vm_committed_as; }

export function vm_acct_memory(pages: i64): void { vm_committed_as += pages; }
export function vm_unacct_memory(pages: i64): void { vm_committed_as -= pages; }

/**
 * Overcommit's heuristic mode (vm.overcommit_memory = 0, OVERCOMMIT_GUESS):
 * refuse only a single request larger than all of RAM (we have no swap).
 * Charges the pages when it allows them. @return 0 or -ENOMEM.
 */
export function __vm_enough_memory(pages: u64): i32 {
  vm_acct_memory(<i64>pages);
  if (pages > <u64>totalram_pages) {
    vm_unacct_memory(<i64>pages);
    return -ENOMEM;
  }
  return 0;
}

/** do_mmap plus the prefault (vm_mmap_pgoff). @return the address, or -errno. */
export function vm_mmap_pgoff(mm: mm_struct, f: u32, addr: u64, len: u64, prot: u32, flags: u32, pgoff: u64): i64 {
  const ret = do_mmap(mm, f, addr, len, prot, flags, pgoff);
  if (!IS_ERR_VALUE(ret) && mmap_populate) mm_populate(mm, <u64>ret, mmap_populate);
  return ret;
}
