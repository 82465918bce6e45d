// lib/ratelimit.c: at most `burst` messages in every `interval` jiffies; the
// rest are counted, and the count is printed when a later interval begins.
//
//  ╒═══ struct ratelimit_state (24 bytes) ═══╕
//    0  interval  i32  jiffies (0: no limit)
//    4  burst     i32
//    8  printed   i32  in this interval
//   12  missed    i32  suppressed since the last report
//   16  begin     u64  jiffies when this interval began (0: not yet)

import { HZ, jiffies, time_is_before_jiffies } from "../kernel/time";
import { printk, printk_u64 } from "../kernel/panic";

@inline export const DEFAULT_RATELIMIT_INTERVAL: i32 = 5 * <i32>HZ;
@inline export const DEFAULT_RATELIMIT_BURST: i32 = 10;

@unmanaged
export class ratelimit_state {
  interval: i32;
  burst: i32;
  printed: i32;
  missed: i32;
  begin: u64;
}

// DEFINE_RATELIMIT_STATE(name, interval, burst) is, in the kernel image:
//   changetype<ratelimit_state>(memory.data<i32>([interval, burst, 0, 0, 0, 0], 8))

/**
 * May the caller `func` print now (___ratelimit)? A new interval first
 * reports how many calls the last one suppressed, as
 * "func: N callbacks suppressed".
 */
export function ___ratelimit(rs: ratelimit_state, func: string): bool {
  const interval = rs.interval;
  const burst = rs.burst;
  if (!interval) return true;
  if (!rs.begin) rs.begin = jiffies;
  if (time_is_before_jiffies(rs.begin + <u64>interval)) {
    if (rs.missed) {
      printk(func);
      printk(": ");
      printk_u64(<u64>rs.missed);
      printk(" callbacks suppressed\n");
      rs.missed = 0;
    }
    rs.begin = jiffies;
    rs.printed = 0;
  }
  if (burst && burst > rs.printed) {
    rs.printed++;
    return true;
  }
  rs.missed++;
  return false;
}
