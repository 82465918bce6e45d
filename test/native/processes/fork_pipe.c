/* fork_pipe: the parent's read waits on a pipe while its child naps and
 * then writes; then the child's write of twice the pipe's size waits on
 * the full pipe while the parent naps and then drains it. Each wait spans
 * the other process's calls: strace -f cuts the waiting call's line there
 * ("<unfinished ...>") and ends it when it returns ("<... resumed>"). */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char big[2 << 16];

static void nap(void)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

int main(void)
{
	int p[2], go[2];
	if (pipe(p) != 0 || pipe(go) != 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		nap();
		if (write(p[1], "hello", 5) != 5 || read(go[0], &c, 1) != 1)
			_exit(1);
		if (write(p[1], big, sizeof(big)) != sizeof(big))
			_exit(2);
		_exit(3);
	}
	close(p[1]);
	char buf[16];
	ssize_t n = read(p[0], buf, sizeof(buf));
	if (write(go[1], "!", 1) != 1)
		return 1;
	nap();
	long total = 0;
	ssize_t got;
	while ((got = read(p[0], big, sizeof(big))) > 0)
		total += got;
	int st;
	waitpid(pid, &st, 0);
	printf("read %zd: %.*s, then %ld bytes; child exited %d\n", n, (int)n, buf, total, WEXITSTATUS(st));
	return 0;
}
