// include/uapi/asm-generic/errno-base.h, errno.h: the error numbers system
// calls return negated. Only those this kernel returns.

@inline export const EPERM: i32 = 1;
@inline export const ENOENT: i32 = 2;
@inline export const EIO: i32 = 5;
@inline export const EBADF: i32 = 9;
@inline export const EAGAIN: i32 = 11;
@inline export const ENOMEM: i32 = 12;
@inline export const EACCES: i32 = 13;
@inline export const EFAULT: i32 = 14;
@inline export const EBUSY: i32 = 16;
@inline export const EEXIST: i32 = 17;
@inline export const ENODEV: i32 = 19;
@inline export const EINVAL: i32 = 22;
@inline export const EFBIG: i32 = 27;
@inline export const EOVERFLOW: i32 = 75;
@inline export const EOPNOTSUPP: i32 = 95;
