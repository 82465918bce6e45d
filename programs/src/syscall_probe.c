/* syscall_probe: the syscalls beyond memory, with results that are the same
 * on every Linux x86-64 machine: getpid/gettid agree, uname names Linux on
 * x86_64, clocks are valid and do not go backwards, getrandom fills its
 * buffer, arch_prctl sets a working FS base, and Linux's errno for a set
 * of bad calls (printed as negative numbers, as the raw syscall returns). */
#include "../lib/sys.h"

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
struct timespec {
	long tv_sec, tv_nsec;
};

#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_ioctl 16
#define SYS_gettid 186
#define SYS_arch_prctl 158
#define SYS_set_tid_address 218
#define SYS_clock_gettime 228
#define SYS_getrandom 318
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define TCGETS 0x5401

static void report(const char *what, long value)
{
	put_str(what);
	put_str(" = ");
	put_dec(value);
	put_str("\n");
}

static void yes_no(const char *what, int ok)
{
	put_str(what);
	put_str(ok ? ": yes\n" : ": no\n");
}

static u64 tls_block[4] = { 0, 0x1122334455667788UL, 0, 0 };

int main(void)
{
	long pid = syscall3(SYS_getpid, 0, 0, 0);
	yes_no("getpid positive", pid > 0);
	yes_no("gettid == getpid", syscall3(SYS_gettid, 0, 0, 0) == pid);
	yes_no("set_tid_address == getpid", syscall3(SYS_set_tid_address, 0, 0, 0) == pid);

	struct utsname u;
	report("uname", syscall3(SYS_uname, &u, 0, 0));
	put_str("sysname ");
	put_str(u.sysname);
	put_str(", machine ");
	put_str(u.machine);
	put_str("\n");

	struct timespec t0, t1;
	report("clock_gettime(CLOCK_MONOTONIC)", syscall3(SYS_clock_gettime, 1, &t0, 0));
	for (volatile int i = 0; i < 1000; i++)
		;
	syscall3(SYS_clock_gettime, 1, &t1, 0);
	yes_no("monotonic does not go backwards",
	       t1.tv_sec > t0.tv_sec || (t1.tv_sec == t0.tv_sec && t1.tv_nsec >= t0.tv_nsec));
	yes_no("tv_nsec in range", t0.tv_nsec >= 0 && t0.tv_nsec < 1000000000L);
	report("clock_gettime(CLOCK_REALTIME)", syscall3(SYS_clock_gettime, 0, &t0, 0));
	report("clock_gettime(bad clock)", syscall3(SYS_clock_gettime, 100, &t0, 0));
	report("clock_gettime(bad pointer)", syscall3(SYS_clock_gettime, 1, 8, 0));

	u8 rnd[16];
	report("getrandom(16)", syscall3(SYS_getrandom, rnd, 16, 0));
	report("getrandom(bad flags)", syscall3(SYS_getrandom, rnd, 16, 0x100));

	report("arch_prctl(ARCH_SET_FS)", syscall3(SYS_arch_prctl, ARCH_SET_FS, tls_block, 0));
	u64 via_fs;
	__asm__ volatile("movq %%fs:8, %0" : "=r"(via_fs));
	put_str("read through %fs: ");
	put_hex(via_fs);
	put_str("\n");
	u64 fs_base = 0;
	report("arch_prctl(ARCH_GET_FS)", syscall3(SYS_arch_prctl, ARCH_GET_FS, &fs_base, 0));
	yes_no("FS base read back", fs_base == (u64)tls_block);
	report("arch_prctl(bad code)", syscall3(SYS_arch_prctl, 0x9999, 0, 0));

	struct iovec {
		const void *base;
		size_t len;
	} iov[2] = { { "writev: two ", 12 }, { "pieces\n", 7 } };
	report("writev", syscall3(20, 1, iov, 2));
	report("writev(bad iovcnt)", syscall3(20, 1, iov, -1));
	report("write(1, bad pointer)", syscall3(SYS_write, 1, 1, 5));
	report("write(7)", syscall3(SYS_write, 7, "x", 1));
	report("uname(bad pointer)", syscall3(SYS_uname, 16, 0, 0));
	report("ioctl(1, TCGETS)", syscall3(SYS_ioctl, 1, TCGETS, &u));
	u64 mask = 0;
	report("rt_sigprocmask(SIG_BLOCK)", syscall4(SYS_rt_sigprocmask, 0, &mask, 0, 8));
	report("rt_sigprocmask(bad how)", syscall4(SYS_rt_sigprocmask, 7, &mask, 0, 8));
	report("rt_sigprocmask(bad size)", syscall4(SYS_rt_sigprocmask, 0, &mask, 0, 4));
	u64 act[4] = { 0, 0, 0, 0 };
	report("rt_sigaction(SIGSEGV)", syscall4(SYS_rt_sigaction, 11, 0, act, 8));
	report("rt_sigaction(SIGKILL, new)", syscall4(SYS_rt_sigaction, 9, act, 0, 8));
	report("rt_sigaction(signal 0)", syscall4(SYS_rt_sigaction, 0, 0, act, 8));
	return 0;
}
