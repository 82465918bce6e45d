// include/linux/err.h: a result that is an address or -errno in one value.

@inline export function err(errno: i32): i64 { return -(<i64>errno); }
@inline export function IS_ERR_VALUE(x: i64): bool { return <u64>x >= <u64>-4095; }  // MAX_ERRNO: an address above 2^63 is not an error
