/* execve from a thread that is not the leader: the other threads are
   gone, and the new program runs with the process's pid. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char pidbuf[32];

static void *execer(void *arg) {
  char *argv[] = {(char *)arg, "again", pidbuf, NULL};
  execv("/proc/self/exe", argv);
  perror("execv");
  exit(1);
}

static void *spinner(void *arg) {
  (void)arg;
  for (;;) sched_yield();
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "again") == 0) {
    printf("after exec: same pid %d\n", getpid() == atoi(argv[2]));
    return 0;
  }
  snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
  pthread_t s, t;
  pthread_create(&s, NULL, spinner, NULL);
  pthread_create(&t, NULL, execer, argv[0]);
  for (;;) pause();
}
