/* files_probe: the file syscalls and their errors, one line per call:
 * "what result" (a count, or -errno). Run with cwd programs/bin. Only
 * results that are the same on any Linux are printed: no inode numbers,
 * times, or directory order (ext4 and tmpfs list entries differently). */
#include "../lib/sys.h"

#define AT_FDCWD -100
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_DIRECTORY 0200000
#define O_CLOEXEC 02000000
#define AT_EMPTY_PATH 0x1000
#define AT_REMOVEDIR 0x200

static long sc(long n, long a, long b, long c, long d, long e) { return syscall6(n, a, b, c, d, e, 0); }
#define SYS(n, ...) sc_args(n, __VA_ARGS__, 0, 0, 0, 0, 0)
#define sc_args(n, a, b, c, d, e, ...) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e))

static void show(const char *what, long r)
{
	put_str(what);
	put_str(" ");
	put_dec(r);
	put_str("\n");
}

static char buf[8192];
static u8 st[144];
static u8 stx[256];
static char longname[4200];

static u32 st_mode(void) { return *(u32 *)(st + 24); }
static long st_size(void) { return *(long *)(st + 48); }
static long st_rdev(void) { return *(long *)(st + 40); }

/* The names a getdents64 buffer holds, sorted, with their d_type. */
static void show_dir(const char *what, long n)
{
	const char *names[32];
	u8 types[32];
	int count = 0;
	for (long at = 0; at < n && count < 32;) {
		unsigned short reclen = *(unsigned short *)(buf + at + 16);
		types[count] = (u8)buf[at + 18];
		names[count++] = buf + at + 19;
		at += reclen;
	}
	for (int i = 1; i < count; i++)
		for (int j = i; j > 0; j--) {
			const char *a = names[j - 1], *b = names[j];
			int k = 0;
			while (a[k] && a[k] == b[k])
				k++;
			if ((u8)a[k] <= (u8)b[k])
				break;
			names[j - 1] = b;
			names[j] = a;
			u8 t = types[j - 1];
			types[j - 1] = types[j];
			types[j] = t;
		}
	put_str(what);
	for (int i = 0; i < count; i++) {
		put_str(" ");
		put_str(names[i]);
		put_str(":");
		put_dec(types[i]);
	}
	put_str("\n");
}

static int contains(const char *hay, long n, const char *needle)
{
	long m = strlen(needle);
	for (long i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return 1;
	return 0;
}

int main(void)
{
	char *bad = (char *)1;
	long r, fd, fd2;

	SYS(95, 022);	/* umask */

	/* A host file, read-only. */
	fd = SYS(257, AT_FDCWD, "./files_probe", O_RDONLY);
	show("openat", fd);
	r = SYS(0, fd, buf, 4);
	show("read", r);
	show("elf", buf[0] == 0x7f && buf[1] == 'E' && buf[2] == 'L' && buf[3] == 'F');
	show("fstat", SYS(5, fd, st));
	show("fstat.mode_type", st_mode() & 0170000);
	long size = st_size();
	show("lseek.end_is_size", SYS(8, fd, 0, 2) == size);
	show("lseek.cur", SYS(8, fd, 0, 1) - size);
	show("lseek.set", SYS(8, fd, 1, 0));
	show("read.after_seek", SYS(0, fd, buf, 3));
	show("elf2", buf[0] == 'E' && buf[2] == 'F');
	show("pread64", SYS(17, fd, buf, 2, 2));
	show("pread.bytes", buf[0] == 'F');
	show("lseek.cur_unchanged", SYS(8, fd, 0, 1));
	show("pread.negative", SYS(17, fd, buf, 2, -1));
	show("lseek.negative", SYS(8, fd, -5, 0));
	show("lseek.whence", SYS(8, fd, 0, 9));
	show("lseek.past_end", SYS(8, fd, 100, 2) - size);
	show("read.at_end", SYS(0, fd, buf, 10));
	show("read.badbuf", SYS(0, fd, bad, 10) + (SYS(8, fd, 0, 0) * 0));
	show("read.badbuf_partial_ok", SYS(0, fd, buf + sizeof(buf) - 4, 4));
	show("write.rdonly", SYS(1, fd, "x", 1));
	show("ftruncate.rdonly", SYS(77, fd, 0));
	show("ioctl.file", SYS(16, fd, 0x5401, buf));
	show("ioctl.badfd", SYS(16, 99, 0x5401, buf));
	show("fcntl.getfl", SYS(72, fd, 3));
	show("fcntl.getfd", SYS(72, fd, 1));
	show("fcntl.setfd", SYS(72, fd, 2, 1));
	show("fcntl.getfd2", SYS(72, fd, 1));
	show("fcntl.setfl", SYS(72, fd, 4, O_APPEND | O_WRONLY));
	show("fcntl.getfl2", SYS(72, fd, 3));
	show("fcntl.dupfd", SYS(72, fd, 0, 20));
	show("fcntl.dupfd_cloexec", SYS(72, fd, 1030, 20));
	show("fcntl.getfd21", SYS(72, 21, 1));
	show("fcntl.bad", SYS(72, fd, 9999));
	show("fcntl.badfd", SYS(72, 99, 1));
	show("dup", SYS(32, fd));
	show("dup2", SYS(33, fd, 10));
	show("dup2.same", SYS(33, fd, fd));
	show("dup2.badfd", SYS(33, 99, 10));
	show("dup3.same", SYS(292, fd, fd, 0));
	show("dup3.flags", SYS(292, fd, 11, 1));
	show("dup3", SYS(292, fd, 11, O_CLOEXEC));
	show("dup3.getfd", SYS(72, 11, 1));
	show("close", SYS(3, 20));
	show("close.again", SYS(3, 20));
	show("read.closed", SYS(0, 20, buf, 1));
	show("dup.shares_offset", (SYS(8, 10, 7, 0), SYS(8, fd, 0, 1)));
	show("newfstatat.empty", SYS(262, fd, "", st, AT_EMPTY_PATH));
	show("newfstatat.empty_size", st_size() == size);
	show("newfstatat.empty_noflag", SYS(262, fd, "", st, 0));
	show("newfstatat.badflags", SYS(262, AT_FDCWD, "files_probe", st, 1));
	show("newfstatat.notdir_fd", SYS(262, fd, "x", st, 0));
	show("stat", SYS(4, "files_probe", st, 0));
	show("stat.size", st_size() == size);
	show("lstat.dir", (SYS(6, ".", st, 0), st_mode() & 0170000));
	show("statx", SYS(332, AT_FDCWD, "files_probe", 0, 0x7ff, stx));
	show("statx.size", *(long *)(stx + 40) == size);
	show("statx.mode", *(unsigned short *)(stx + 28) & 0170000);
	show("statx.badflags", SYS(332, AT_FDCWD, "files_probe", 0x6000, 0x7ff, stx));
	show("statx.reserved", SYS(332, AT_FDCWD, "files_probe", 0, 0x80000000, stx));
	show("stat.badbuf", SYS(4, "files_probe", bad, 0));
	show("fstat.badfd", SYS(5, 99, st));

	/* Paths that fail. */
	show("open.enoent", SYS(2, "./no_such_file", O_RDONLY));
	show("open.enotdir", SYS(2, "./files_probe/x", O_RDONLY));
	show("open.trailing_slash", SYS(2, "./files_probe/", O_RDONLY));
	show("open.efault", SYS(2, bad, O_RDONLY));
	show("open.empty", SYS(2, "", O_RDONLY));
	memset(longname, 'a', 300);
	show("open.name_too_long", SYS(2, longname, O_RDONLY));
	memset(longname, '/', 4100);
	show("open.path_too_long", SYS(2, longname, O_RDONLY));
	longname[4095] = 0;
	show("open.path_4095", SYS(2, longname, O_RDONLY | O_DIRECTORY) >= 0);
	show("open.dir_wronly", SYS(2, ".", O_WRONLY));
	show("open.dir_creat", SYS(2, ".", O_RDONLY | O_CREAT, 0644));
	show("open.creat_directory", SYS(2, "x", O_RDONLY | O_CREAT | O_DIRECTORY, 0644));
	show("open.file_directory", SYS(2, "files_probe", O_RDONLY | O_DIRECTORY));
	show("openat.badfd", SYS(257, 99, "x", O_RDONLY));
	show("openat.notdir", SYS(257, fd, "x", O_RDONLY));
	show("openat.abs_ignores_fd", SYS(257, 99, "/", O_RDONLY | O_DIRECTORY) >= 0);
	show("read.dir", (fd2 = SYS(2, ".", O_RDONLY | O_DIRECTORY), SYS(0, fd2, buf, 10)));
	show("getdents64.small", SYS(217, fd2, buf, 8));
	show("getdents64.notdir", SYS(217, fd, buf, sizeof(buf)));
	show("getdents64.badfd", SYS(217, 99, buf, sizeof(buf)));
	show("readlink.notlink", SYS(89, "files_probe", buf, 100));
	show("readlink.enoent", SYS(89, "nope", buf, 100));
	show("readlink.size0", SYS(89, "files_probe", buf, 0));
	r = SYS(89, "/proc/self/exe", buf, sizeof(buf));
	show("readlink.exe", r > 12 && !memcmp(buf + r - 12, "/files_probe", 12));
	show("readlink.exe_truncated", SYS(89, "/proc/self/exe", buf, 3));
	show("access", SYS(21, "files_probe", 4));
	show("access.x", SYS(21, "files_probe", 1));
	show("access.mode", SYS(21, "files_probe", 8));
	show("access.enoent", SYS(21, "nope", 0));
	show("faccessat2.flags", SYS(439, AT_FDCWD, "files_probe", 0, 0x4));

	/* The memory devices. */
	fd2 = SYS(2, "/dev/null", O_RDWR);
	show("null.write", SYS(1, fd2, "hello", 5));
	show("null.read", SYS(0, fd2, buf, 5));
	show("null.lseek", SYS(8, fd2, 100, 0));
	show("null.fstat", (SYS(5, fd2, st), st_mode() & 0170000));
	show("null.rdev", st_rdev());
	SYS(3, fd2);
	fd2 = SYS(2, "/dev/zero", O_RDONLY);
	buf[0] = 1;
	buf[7] = 1;
	show("zero.read", SYS(0, fd2, buf, 8));
	show("zero.bytes", buf[0] == 0 && buf[7] == 0);
	SYS(3, fd2);
	fd2 = SYS(2, "/dev/full", O_WRONLY);
	show("full.write", SYS(1, fd2, "x", 1));
	SYS(3, fd2);
	fd2 = SYS(2, "/dev/urandom", O_RDONLY);
	show("urandom.read", SYS(0, fd2, buf, 16));
	SYS(3, fd2);
	show("lseek.pipe", SYS(8, 0, 0, 1));
	show("pread.pipe", SYS(17, 0, buf, 1, 0));

	/* faultline's own /proc files read like Linux's. */
	fd2 = SYS(2, "/proc/self/maps", O_RDONLY);
	r = SYS(0, fd2, buf, sizeof(buf));
	show("maps.stack", contains(buf, r, "[stack]\n"));
	show("maps.fstat_size", (SYS(5, fd2, st), st_size()));
	SYS(3, fd2);
	fd2 = SYS(2, "/proc/self/status", O_RDONLY);
	r = SYS(0, fd2, buf, sizeof(buf));
	show("status.name", contains(buf, r, "Name:\tfiles_probe\n"));
	SYS(3, fd2);
	fd2 = SYS(2, "/proc/buddyinfo", O_RDONLY);
	r = SYS(0, fd2, buf, sizeof(buf));
	show("buddyinfo", contains(buf, r, "Node 0, zone"));
	SYS(3, fd2);
	fd2 = SYS(2, "/proc/self/exe", O_RDONLY);
	show("exe.read", SYS(0, fd2, buf, 4));
	show("exe.elf", buf[1] == 'E');
	SYS(3, fd2);

	/* tmpfs at /tmp: create, write, read back, rename, remove. */
	SYS(87, "/tmp/files_probe.d/a", 0);
	SYS(87, "/tmp/files_probe.d/b", 0);
	SYS(84, "/tmp/files_probe.d/sub", 0);
	SYS(84, "/tmp/files_probe.d", 0);
	show("mkdir", SYS(83, "/tmp/files_probe.d", 0755));
	show("mkdir.exists", SYS(83, "/tmp/files_probe.d", 0755));
	show("mkdir.enoent", SYS(83, "/tmp/no/such", 0755));
	show("chdir", SYS(80, "/tmp/files_probe.d"));
	r = SYS(79, buf, sizeof(buf));
	show("getcwd", r);
	show("getcwd.path", !memcmp(buf, "/tmp/files_probe.d", 19));
	show("getcwd.erange", SYS(79, buf, 5));
	show("getcwd.efault", SYS(79, bad, 100));
	fd2 = SYS(257, AT_FDCWD, "a", O_CREAT | O_WRONLY | O_TRUNC, 0666);
	show("creat", fd2 >= 3);
	show("write", SYS(1, fd2, "hello world\n", 12));
	show("write.badbuf", SYS(1, fd2, bad, 12));
	show("fstat.tmp", (SYS(5, fd2, st), st_size()));
	show("fstat.tmp_mode", st_mode());
	show("read.wronly", SYS(0, fd2, buf, 1));
	show("pwrite64", SYS(18, fd2, "HELLO", 5, 0));
	show("lseek.hole", SYS(8, fd2, 20, 0));
	show("write.after_hole", SYS(1, fd2, "!", 1));
	show("ftruncate", SYS(77, fd2, 16));
	show("ftruncate.negative", SYS(77, fd2, -1));
	show("close.tmp", SYS(3, fd2));
	show("open.excl", SYS(2, "a", O_CREAT | O_EXCL | O_WRONLY, 0644));
	fd2 = SYS(2, "a", O_RDWR | O_APPEND);
	show("append.write", SYS(1, fd2, "++", 2));
	show("append.size", SYS(8, fd2, 0, 1));
	show("pread.tmp", SYS(17, fd2, buf, 100, 0));
	show("pread.bytes", !memcmp(buf, "HELLO world\n\0\0\0\0++", 18));
	{
		struct { const char *base; long len; } iov[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
		show("writev", SYS(20, fd2, iov, 3));
		char x[3], y[4];
		struct { char *base; long len; } riov[2] = { { x, 3 }, { y, 4 } };
		SYS(8, fd2, 16, 0);
		show("readv", SYS(19, fd2, riov, 2));
		show("readv.bytes", x[0] == '+' && x[2] == 'a' && y[0] == 'b' && y[2] == 'd');
		show("readv.negative", SYS(19, fd2, riov, -1));
		show("preadv", SYS(295, fd2, riov, 2, 1));
	}
	SYS(3, fd2);
	show("rename", SYS(82, "a", "b"));
	show("stat.renamed_away", SYS(4, "a", st));
	show("stat.renamed", (SYS(4, "b", st), st_size()));
	show("mkdir.sub", SYS(258, AT_FDCWD, "sub", 0700));
	fd2 = SYS(2, "sub/c", O_CREAT | O_WRONLY, 0600);
	SYS(3, fd2);
	fd2 = SYS(2, ".", O_RDONLY | O_DIRECTORY);
	r = SYS(217, fd2, buf, sizeof(buf));
	show_dir("getdents64", r);
	show("getdents64.end", SYS(217, fd2, buf, sizeof(buf)));
	show("lseek.dir_rewind", SYS(8, fd2, 0, 0));
	show("getdents64.again", SYS(217, fd2, buf, sizeof(buf)) == r);
	show("newfstatat.dirfd", SYS(262, fd2, "b", st, 0));
	show("openat.dirfd", (r = SYS(257, fd2, "sub/c", O_RDONLY), r >= 3));
	SYS(3, r);
	show("rename.dir_over_file", SYS(82, "sub", "b"));
	show("rename.file_over_dir", SYS(82, "b", "sub"));
	show("rename.into_itself", SYS(82, "sub", "sub/x"));
	show("rename.enoent", SYS(82, "nope", "x"));
	show("renameat2.noreplace", SYS(316, AT_FDCWD, "b", AT_FDCWD, "sub/c", 1));
	show("renameat2.badflags", SYS(316, AT_FDCWD, "b", AT_FDCWD, "c", 8));
	show("rmdir.notempty", SYS(84, "sub"));
	show("rmdir.notdir", SYS(84, "b"));
	show("rmdir.dot", SYS(84, "."));
	show("unlink.dir", SYS(87, "sub"));
	show("unlink.enoent", SYS(87, "nope"));
	show("unlinkat.badflags", SYS(263, AT_FDCWD, "b", 1));
	show("chdir.notdir", SYS(80, "b"));
	show("chdir.enoent", SYS(80, "nope"));
	show("fchdir", SYS(81, fd2));
	show("fchdir.notdir", SYS(81, fd));
	show("unlink", SYS(87, "b"));
	show("unlinkat", SYS(263, fd2, "sub/c", 0));
	show("unlinkat.removedir", SYS(263, AT_FDCWD, "sub", AT_REMOVEDIR));
	show("getdents64.empty", (SYS(8, fd2, 0, 0), r = SYS(217, fd2, buf, sizeof(buf)), 0));
	show_dir("getdents64.emptydir", r);
	SYS(3, fd2);
	show("chdir.up", SYS(80, ".."));
	show("rmdir", SYS(84, "files_probe.d"));
	show("rmdir.gone", SYS(84, "files_probe.d"));

	/* The rest of what libc asks at start-up. */
	show("getuid", SYS(102, 0));
	show("geteuid", SYS(107, 0));
	show("getgid", SYS(104, 0));
	show("getegid", SYS(108, 0));
	show("sysinfo", SYS(99, buf));
	show("sysinfo.mem_unit", *(u32 *)(buf + 104));
	show("sysinfo.efault", SYS(99, bad));
	show("prlimit64.badres", SYS(302, 0, 99, 0, buf));
	show("prlimit64.esrch", SYS(302, 99999999, 7, 0, buf));
	show("prlimit64.get", SYS(302, 0, 7, 0, buf));
	show("getrlimit", SYS(97, 3, buf));
	show("set_robust_list.len", SYS(273, buf, 23));
	show("set_robust_list", SYS(273, buf, 24));
	show("sched_getaffinity.len", SYS(204, 0, 12, buf));
	show("sched_getaffinity", SYS(204, 0, 128, buf));
	show("sched_yield", SYS(24, 0));
	{
		long ts[2] = { 0, 1000000000 };
		show("nanosleep.einval", SYS(35, ts, 0));
		ts[1] = 1000;
		show("nanosleep", SYS(35, ts, 0));
		show("nanosleep.efault", SYS(35, bad, 0));
		show("clock_nanosleep.thread", SYS(230, 3, 0, ts, 0));
		show("clock_nanosleep", SYS(230, 1, 0, ts, 0));
		show("clock_getres", SYS(229, 1, ts));
		show("clock_getres.ns", ts[0] == 0 && ts[1] == 1);
		show("gettimeofday", SYS(96, ts, 0));
		show("time", SYS(201, 0) > 1700000000);
		show("time.efault", SYS(201, bad));
	}
	SYS(3, fd);
	return 0;
}
