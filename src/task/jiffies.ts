// include/linux/jiffies.h: the tick. Debian's kernels are built with
// CONFIG_HZ 250, and so is everything here that counts in jiffies.

/** Ticks per second (CONFIG_HZ). */
export const HZ = 250;
/** A jiffy in ns. */
export const TICK_NSEC = 1e9 / HZ;
