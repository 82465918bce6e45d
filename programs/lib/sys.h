/* sys.h: the tiny freestanding library of faultline's guest programs:
 * raw Linux x86-64 syscalls (returning -errno like the kernel does) and
 * unbuffered printing to fd 1. No libc, no SSE (-mgeneral-regs-only). */
#ifndef FAULTLINE_SYS_H
#define FAULTLINE_SYS_H

typedef unsigned long size_t;
typedef long ssize_t;
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long i64;

#define SYS_read 0
#define SYS_write 1
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_brk 12
#define SYS_getpid 39
#define SYS_uname 63
#define SYS_exit_group 231

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define PAGE_SIZE 4096UL

static inline long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define syscall3(n, a, b, c) syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define syscall4(n, a, b, c, d) syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static inline long sys_write(int fd, const void *buf, size_t len) { return syscall3(SYS_write, fd, buf, len); }
static inline long sys_read(int fd, void *buf, size_t len) { return syscall3(SYS_read, fd, buf, len); }
static inline long sys_brk(void *addr) { return syscall3(SYS_brk, addr, 0, 0); }
static inline long sys_munmap(void *addr, size_t len) { return syscall3(SYS_munmap, addr, len, 0); }
static inline long sys_mprotect(void *addr, size_t len, int prot) { return syscall3(SYS_mprotect, addr, len, prot); }
static inline long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	return syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}
/* mmap's result: an address, or -errno (the last page of the address space). */
static inline int is_err(long r) { return (unsigned long)r >= -4095UL; }
static inline __attribute__((noreturn)) void sys_exit(int status)
{
	syscall3(SYS_exit_group, status, 0, 0);
	__builtin_unreachable();
}

size_t strlen(const char *s);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void put_str(const char *s);
void put_dec(long v);
void put_udec(unsigned long v);
void put_hex(unsigned long v);		/* 0x-prefixed, lowercase */
void put_hex_bytes(const u8 *p, size_t n);	/* two digits a byte, no prefix */
unsigned long parse_ulong(const char *s, unsigned long fallback);
/* mmap `pages` private anonymous read-write pages, or print why and exit(1). */
void *map_pages(unsigned long pages);

#endif
