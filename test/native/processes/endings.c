/* How each process ends, as strace -f reports it: a child that exits 3, one
 * killed by its own SIGSEGV, one by a SIGTERM and one by a SIGKILL from its
 * parent; the parent gets a SIGCHLD for each (its default action ignores it)
 * and exits 0. Each child is reaped before the next is made. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int st;
  pid_t a = fork();
  if (a == 0) _exit(3);
  waitpid(a, &st, 0);
  pid_t b = fork();
  if (b == 0) {
    *(volatile int *)0 = 1;
    _exit(0);
  }
  waitpid(b, &st, 0);
  int sigs[] = {SIGTERM, SIGKILL};
  for (int i = 0; i < 2; i++) {
    pid_t c = fork();
    if (c == 0) {
      pause();
      _exit(0);
    }
    kill(c, sigs[i]);
    waitpid(c, &st, 0);
  }
  return 0;
}
