// include/uapi/asm-generic/errno-base.h, errno.h: the error numbers system
// calls return negated. Only those this kernel returns.

// @ts-ignore: decorator
@inline export const EPERM: i32 = 1;
// @ts-ignore: decorator
@inline export const EBADF: i32 = 9;
// @ts-ignore: decorator
@inline export const EAGAIN: i32 = 11;
// @ts-ignore: decorator
@inline export const ENOMEM: i32 = 12;
// @ts-ignore: decorator
@inline export const EACCES: i32 = 13;
// @ts-ignore: decorator
@inline export const EFAULT: i32 = 14;
// @ts-ignore: decorator
@inline export const EEXIST: i32 = 17;
// @ts-ignore: decorator
@inline export const ENODEV: i32 = 19;
// @ts-ignore: decorator
@inline export const EINVAL: i32 = 22;
// @ts-ignore: decorator
@inline export const EOVERFLOW: i32 = 75;
// @ts-ignore: decorator
@inline export const EOPNOTSUPP: i32 = 95;
