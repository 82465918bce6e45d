// mm/util.c: overcommit accounting, and vm_mmap_pgoff (do_mmap plus its prefault).

import { mm_struct } from "./mm_types";
import { IS_ERR_VALUE } from "../include/err";
import { do_mmap, mm_populate, mmap_populate } from "./mmap";
import { totalram_pages } from "./mm_init";
import { total_swap_pages } from "./swapfile";
import { ENOMEM } from "../include/errno";

/** Pages charged to private writable mappings (vm_committed_as; Committed_AS). */
let vm_committed_as: i64 = 0;
export function vm_committed_pages(): i64 { return vm_committed_as; }

export function vm_acct_memory(pages: i64): void { vm_committed_as += pages; }
export function vm_unacct_memory(pages: i64): void { vm_committed_as -= pages; }

// vm.overcommit_memory and vm.overcommit_ratio (sysctls, defaults as in Linux).
@inline export const OVERCOMMIT_GUESS: u32 = 0;
@inline export const OVERCOMMIT_ALWAYS: u32 = 1;
@inline export const OVERCOMMIT_NEVER: u32 = 2;
export let sysctl_overcommit_memory: u32 = OVERCOMMIT_GUESS;
export let sysctl_overcommit_ratio: u32 = 50;
export function set_overcommit_memory(v: u32): i32 {
  if (v > OVERCOMMIT_NEVER) return -22;
  sysctl_overcommit_memory = v;
  return 0;
}
export function set_overcommit_ratio(v: u32): i32 {
  sysctl_overcommit_ratio = v;
  return 0;
}

/** For /proc/meminfo: 0 CommitLimit, 1 Committed_AS, in pages. */
export function vm_commit_info(what: u32): f64 {
  return <f64>(what == 0 ? vm_commit_limit() : vm_committed_as);
}

/** CommitLimit: the ratio of RAM plus all swap (vm_commit_limit). */
export function vm_commit_limit(): i64 {
  return <i64>totalram_pages * sysctl_overcommit_ratio / 100 + total_swap_pages;
}

/**
 * Whether `pages` more may be committed (__vm_enough_memory): always
 * (OVERCOMMIT_ALWAYS); unless a single request is larger than RAM and
 * swap together (OVERCOMMIT_GUESS, the heuristic); or only within
 * CommitLimit (OVERCOMMIT_NEVER). Charges the pages when it allows them.
 * @return 0 or -ENOMEM.
 */
export function __vm_enough_memory(pages: u64): i32 {
  vm_acct_memory(<i64>pages);
  if (sysctl_overcommit_memory == OVERCOMMIT_ALWAYS) return 0;
  if (sysctl_overcommit_memory == OVERCOMMIT_GUESS) {
    if (pages <= <u64>(<i64>totalram_pages + total_swap_pages)) return 0;
  } else if (vm_committed_as <= vm_commit_limit()) {
    return 0;
  }
  vm_unacct_memory(<i64>pages);
  return -ENOMEM;
}

/** do_mmap plus the prefault (vm_mmap_pgoff). @return the address, or -errno. */
export function vm_mmap_pgoff(mm: mm_struct, f: u32, addr: u64, len: u64, prot: u32, flags: u32, pgoff: u64): i64 {
  const ret = do_mmap(mm, f, addr, len, prot, flags, pgoff);
  if (!IS_ERR_VALUE(ret) && mmap_populate) mm_populate(mm, <u64>ret, mmap_populate);
  return ret;
}
