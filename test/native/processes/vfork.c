/* vfork: the parent sleeps in the call until its child execs (busybox's
   true) or exits, and strace -f shows the parent's vfork cut around the
   child's calls. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int status;
  pid_t child = vfork();
  if (child == 0) {
    char *argv[] = {"true", NULL};
    execve("/bin/busybox", argv, NULL);
    _exit(127);
  }
  waitpid(child, &status, 0);
  printf("exec'd child: exit %d\n", WEXITSTATUS(status));
  child = vfork();
  if (child == 0) _exit(3);
  waitpid(child, &status, 0);
  printf("exiting child: exit %d\n", WEXITSTATUS(status));
  return 0;
}
