// kernel/time (timekeeping.c's do_timer, include/linux/jiffies.h): jiffies,
// the tick count. The host's timer ticks it on the machine's virtual clock
// (one retired instruction a nanosecond, plus the time slept), so that
// whatever reads jiffies behaves the same on every run.

/** Ticks a second (CONFIG_HZ: 250, the distributions' choice). */
@inline export const HZ: u32 = 250;
/** jiffies at boot: 300 s before the 32-bit wrap, as Linux starts it, so wrap bugs show early. */
@inline export const INITIAL_JIFFIES: u64 = <u64>(<u32>(-300 * <i32>HZ));

export let jiffies: u64 = INITIAL_JIFFIES;

/** The timer interrupt: `ticks` ticks have passed (do_timer; an f64 holding an integer, as 64-bit values cross). */
export function do_timer(ticks: f64): void {
  jiffies += <u64>ticks;
}

/** time_after(a, b): is a later than b, across a wrap. */
@inline export function time_after(a: u64, b: u64): bool {
  return <i64>(b - a) < 0;
}

/** time_is_before_jiffies(a): is a earlier than now. */
@inline export function time_is_before_jiffies(a: u64): bool {
  return time_after(jiffies, a);
}
