/* File attributes and names on a fresh directory under /tmp: chmod,
 * chown, utimensat/utimes/utime, symlink, link, mknod (a FIFO opened from
 * two processes), fsync, each with the errno Linux gives when it fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

static void show(const char *what, int r)
{
	printf("%-28s %d %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static void mode_of(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		printf("lstat %s: %s\n", path, strerror(errno));
		return;
	}
	printf("%s: mode %o nlink %lu uid %u gid %u size %lld\n", path, st.st_mode, (unsigned long)st.st_nlink,
	       st.st_uid, st.st_gid, (long long)st.st_size);
}

static void times_of(const char *path)
{
	struct stat st;
	stat(path, &st);
	printf("%s: atime %lld.%09ld mtime %lld.%09ld\n", path, (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

int main(void)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/libc_file_attrs.%d", (int)getpid());
	if (mkdir(dir, 0755) < 0 || chdir(dir) < 0) {
		printf("setup: %s\n", strerror(errno));
		return 1;
	}
	umask(022);
	int fd = open("f", O_CREAT | O_WRONLY, 0666);
	write(fd, "hello\n", 6);

	show("chmod 0751", chmod("f", 0751));
	mode_of("f");
	show("fchmod 04755", fchmod(fd, 04755));
	mode_of("f");
	show("chown -1 -1 (suid goes)", chown("f", -1, -1));
	mode_of("f");
	show("fchmod 02775", fchmod(fd, 02775));
	show("fchown 0 0 (sgid+gx goes)", fchown(fd, 0, 0));
	mode_of("f");
	show("fchmodat 0640", fchmodat(AT_FDCWD, "f", 0640, 0));
	show("chmod missing", chmod("missing", 0644));
	show("chmod missing/x", chmod("f/x", 0644));
	show("fchmod bad fd", fchmod(99, 0644));
	show("fchownat bad flags", fchownat(AT_FDCWD, "f", 0, 0, 0x8000));
	show("chown 5 7", chown("f", 5, 7));
	mode_of("f");
	show("chown back", chown("f", 0, 0));

	struct timespec ts[2] = { { 1577934245, 123456789 }, { 1000000000, 5 } };
	show("utimensat", utimensat(AT_FDCWD, "f", ts, 0));
	times_of("f");
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 1234567890;
	ts[1].tv_nsec = 0;
	show("utimensat omit atime", utimensat(AT_FDCWD, "f", ts, 0));
	times_of("f");
	ts[1].tv_nsec = 1000000000;
	show("utimensat bad nsec", utimensat(AT_FDCWD, "f", ts, 0));
	show("utimensat bad flags", utimensat(AT_FDCWD, "f", NULL, 0x8000));
	show("futimens", futimens(fd, (struct timespec[2]){ { 42, 0 }, { 43, 999 } }));
	times_of("f");
	struct timeval tv[2] = { { 100, 250000 }, { 200, 500000 } };
	show("utimes", utimes("f", tv));
	times_of("f");
	tv[0].tv_usec = 1000000;
	show("utimes bad usec", utimes("f", tv));
	struct utimbuf ub = { 300, 400 };
	show("utime", utime("f", &ub));
	times_of("f");
	show("utime missing", utime("missing", &ub));

	show("symlink", symlink("f", "s"));
	show("symlink exists", symlink("f", "s"));
	show("symlink dangling", symlink("nowhere", "d"));
	show("symlink empty target", symlink("", "e"));
	show("symlink trailing /", symlink("f", "t/"));
	char buf[64] = { 0 };
	ssize_t n = readlink("s", buf, sizeof(buf) - 1);
	printf("readlink s: %zd %s\n", n, buf);
	mode_of("s");
	show("stat dangling", access("d", F_OK));
	show("lchown link", lchown("s", 3, 4));
	mode_of("s");
	mode_of("f");

	show("link", link("f", "h"));
	mode_of("f");
	show("link exists", link("f", "h"));
	show("link a directory", link(".", "dl"));
	show("link missing", link("missing", "m2"));
	show("linkat follow", linkat(AT_FDCWD, "s", AT_FDCWD, "h2", AT_SYMLINK_FOLLOW));
	show("linkat nofollow", linkat(AT_FDCWD, "s", AT_FDCWD, "s2", 0));
	mode_of("s2");
	mode_of("f");
	show("unlink f", unlink("f"));
	mode_of("h");
	fd = open("h", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	printf("read h: %zd %s", n, buf);
	close(fd);
	show("rename h2 over h (one inode)", rename("h2", "h"));
	mode_of("h");

	show("mknod fifo", mknod("p", S_IFIFO | 0666, 0));
	mode_of("p");
	show("mkfifo exists", mkfifo("p", 0600));
	show("mknod dir", mknod("q", S_IFDIR | 0755, 0));
	show("mknod bad type", mknod("q", 0170000 | 0644, 0));
	show("mknod regular", mknod("r", 0600, 0));
	mode_of("r");
	show("open fifo wronly nonblock", open("p", O_WRONLY | O_NONBLOCK));
	int rd = open("p", O_RDONLY | O_NONBLOCK);
	show("open fifo rdonly nonblock", rd < 0 ? -1 : 0);
	int wr = open("p", O_WRONLY | O_NONBLOCK);
	show("open fifo wronly now", wr < 0 ? -1 : 0);
	show("write fifo", write(wr, "through", 7));
	memset(buf, 0, sizeof(buf));
	show("read fifo", read(rd, buf, sizeof(buf)));
	printf("fifo gave: %s\n", buf);
	close(wr);
	show("read fifo at eof", read(rd, buf, sizeof(buf)));
	close(rd);
	pid_t child = fork();
	if (child == 0) {
		int w = open("p", O_WRONLY);
		write(w, "from child", 10);
		_exit(w < 0);
	}
	rd = open("p", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	n = read(rd, buf, sizeof(buf));
	int st;
	waitpid(child, &st, 0);
	printf("blocking open: %zd %s, child %d\n", n, buf, WEXITSTATUS(st));
	close(rd);

	int pfd[2];
	pipe(pfd);
	show("fsync a pipe", fsync(pfd[0]));
	fd = open("r", O_RDWR);
	show("fsync a file", fsync(fd));
	show("fdatasync a file", fdatasync(fd));
	show("fsync bad fd", fsync(99));
	close(fd);
	sync();

	const char *names[] = { "s", "s2", "d", "h", "h2", "p", "r" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(names[i]);
	chdir("/");
	show("rmdir", rmdir(dir));
	return 0;
}
