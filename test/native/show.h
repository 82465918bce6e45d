/* A call's result on a line of its own, with errno when it failed, flushed
 * (so that a program that forks or waits prints in order), and errno cleared
 * for the next call. */
#include <errno.h>
#include <stdio.h>

static void show(const char *what, long r) {
  printf("%s = %ld", what, r);
  if (r < 0) printf(" errno %d", errno);
  printf("\n");
  fflush(stdout);
  errno = 0;
}
