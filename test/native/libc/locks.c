/* Locks between processes: fcntl's POSIX record locks (F_SETLK, F_SETLKW,
 * F_GETLK, split and merged ranges, dropped by any close), open file
 * description locks, flock; and nice and times. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	int r = fcntl(fd, cmd, &fl);
	return r < 0 ? -errno : r;
}

static void getlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	int r = fcntl(fd, cmd, &fl);
	printf("getlk [%lld,+%lld): %d type %d range %lld+%lld pid %s\n", (long long)start, (long long)len, r, fl.l_type,
	       (long long)fl.l_start, (long long)fl.l_len,
	       fl.l_type == F_UNLCK ? "-" : fl.l_pid == getppid() ? "parent" : fl.l_pid == -1 ? "-1" : "other");
}

int main(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/libc_locks.%d", (int)getpid());
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	write(fd, "0123456789", 10);
	printf("setlk w 0-9: %d\n", lk(fd, F_SETLK, F_WRLCK, 0, 10));
	printf("unlock 3-5: %d\n", lk(fd, F_SETLK, F_UNLCK, 3, 3));
	printf("setlk r 20-: %d\n", lk(fd, F_SETLK, F_RDLCK, 20, 0));
	printf("setlk bad type: %d\n", lk(fd, F_SETLK, 7, 0, 1));
	printf("setlk negative start: %d\n", lk(fd, F_SETLK, F_WRLCK, -5, 1));
	printf("getlk unlck: %d\n", lk(fd, F_GETLK, F_UNLCK, 0, 1));
	int ro = open(path, O_RDONLY);
	printf("setlk w on read-only fd: %d\n", lk(ro, F_SETLK, F_WRLCK, 0, 1));
	printf("ofd setlk w 4: %d\n", lk(ro, F_OFD_SETLK, F_RDLCK, 4, 1));
	printf("ofd setlk w 0 (conflicts with own posix): %d\n", lk(fd, F_OFD_SETLK, F_WRLCK, 0, 1));
	printf("flock ex: %d\n", flock(fd, LOCK_EX) < 0 ? -errno : 0);
	printf("flock bad op: %d\n", flock(fd, 3) < 0 ? -errno : 0);
	int ready[2], go[2];
	pipe(ready);
	pipe(go);
	pid_t child = fork();
	if (child == 0) {
		int cfd = open(path, O_RDWR);
		getlk(cfd, F_GETLK, F_WRLCK, 0, 100);
		getlk(cfd, F_GETLK, F_WRLCK, 3, 3);
		getlk(cfd, F_GETLK, F_RDLCK, 20, 5);
		getlk(cfd, F_GETLK, F_WRLCK, 25, 5);
		getlk(cfd, F_OFD_GETLK, F_WRLCK, 4, 1);
		printf("child setlk w 8: %d\n", lk(cfd, F_SETLK, F_WRLCK, 8, 1));
		printf("child setlk r 21: %d\n", lk(cfd, F_SETLK, F_RDLCK, 21, 1));
		printf("child setlk w 4 (gap): %d\n", lk(cfd, F_SETLK, F_WRLCK, 4, 1));
		printf("child flock ex nb: %d\n", flock(cfd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0);
		printf("child flock on the parent's open file: %d\n", flock(fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0);
		fflush(stdout);
		write(ready[1], "r", 1);
		printf("child setlkw w 0: %d\n", lk(cfd, F_SETLKW, F_WRLCK, 0, 1));
		getlk(cfd, F_GETLK, F_WRLCK, 0, 10);
		fflush(stdout);
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	int dup_fd = open(path, O_RDONLY);
	close(dup_fd); /* any close drops this process's POSIX locks on the file */
	int status;
	waitpid(child, &status, 0);
	printf("child exited %d\n", WEXITSTATUS(status));
	getlk(fd, F_GETLK, F_WRLCK, 0, 10);

	/* Nice values relative to the one inherited. */
	int base = getpriority(PRIO_PROCESS, 0);
	int r = nice(5);
	printf("nice(5) %d, then %d\n", r - base, getpriority(PRIO_PROCESS, 0) - base);
	r = setpriority(PRIO_PROCESS, 0, 50);
	printf("setpriority 50: %d, then %d\n", r, getpriority(PRIO_PROCESS, 0));
	errno = 0;
	r = getpriority(9, 0);
	printf("getpriority bad which: %d %s\n", r, strerror(errno));
	r = getpriority(PRIO_PROCESS, 1 << 22);
	printf("getpriority no such process: %d %s\n", r, strerror(errno));
	struct tms t;
	printf("times: %d\n", times(&t) != (clock_t)-1);
	unlink(path);
	return 0;
}
