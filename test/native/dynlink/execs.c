/* Forks and execs each argument in turn: the child's exit status, or the
 * errno its execve failed with (a missing or malformed interpreter). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			char *args[] = { argv[i], "child", NULL };
			execv(argv[i], args);
			printf("%s: execve errno %d (%s)\n", argv[i], errno, strerror(errno));
			fflush(stdout);
			_exit(127);
		}
		int status;
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status))
			printf("%s: signal %d\n", argv[i], WTERMSIG(status));
		else
			printf("%s: exit %d\n", argv[i], WEXITSTATUS(status));
	}
	return 0;
}
