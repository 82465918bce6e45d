// include/uapi/asm-generic/mman-common.h, mman.h and arch/x86's
// uapi/asm/mman.h: mmap's prot and flags, as user space passes them.

@inline export const PROT_READ: u32 = 0x1;
@inline export const PROT_WRITE: u32 = 0x2;
@inline export const PROT_EXEC: u32 = 0x4;
@inline export const PROT_SEM: u32 = 0x8;
@inline export const PROT_GROWSDOWN: u32 = 0x01000000;
@inline export const PROT_GROWSUP: u32 = 0x02000000;
@inline export const MAP_SHARED: u32 = 0x01;
@inline export const MAP_PRIVATE: u32 = 0x02;
@inline export const MAP_SHARED_VALIDATE: u32 = 0x03;
@inline export const MAP_TYPE: u32 = 0x0f;
@inline export const MAP_FIXED: u32 = 0x10;
@inline export const MAP_ANONYMOUS: u32 = 0x20;
@inline export const MAP_32BIT: u32 = 0x40;
@inline export const MAP_ABOVE4G: u32 = 0x80;
@inline export const MAP_GROWSDOWN: u32 = 0x0100;
@inline export const MAP_DENYWRITE: u32 = 0x0800;
@inline export const MAP_EXECUTABLE: u32 = 0x1000;
@inline export const MAP_LOCKED: u32 = 0x2000;
@inline export const MAP_NORESERVE: u32 = 0x4000;
@inline export const MAP_POPULATE: u32 = 0x8000;
@inline export const MAP_NONBLOCK: u32 = 0x10000;
@inline export const MAP_STACK: u32 = 0x20000;
@inline export const MAP_HUGETLB: u32 = 0x40000;
@inline export const MAP_SYNC: u32 = 0x80000;
@inline export const MAP_FIXED_NOREPLACE: u32 = 0x100000;
@inline export const MAP_UNINITIALIZED: u32 = 0x4000000;
@inline export const MAP_HUGE_2MB: u32 = 21 << 26;
@inline export const MAP_HUGE_1GB: u32 = 30 << 26;
