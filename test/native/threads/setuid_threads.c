/* setuid in a threaded process: the call changes the calling thread's
 * credentials only, and libc (glibc's SIGSETXID, musl's __synccall) makes
 * every thread make it; a thread's raw setresuid stays its own, as
 * /proc/self/task/<tid>/status shows. Run as root. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_barrier_t before, after, done;
static long seen[3][2];
static pid_t tids[3];

static void *worker(void *arg) {
  long i = (long)arg;
  tids[i] = gettid();
  pthread_barrier_wait(&before);
  pthread_barrier_wait(&after); /* main has called setuid */
  seen[i][0] = syscall(SYS_getuid);
  seen[i][1] = syscall(SYS_geteuid);
  pthread_barrier_wait(&done);
  if (i == 2) syscall(SYS_setresuid, -1, 0, -1); /* this thread alone, back to euid 0 */
  pthread_barrier_wait(&done);
  pthread_barrier_wait(&done); /* main reads the status files */
  return NULL;
}

static void uid_line(pid_t tid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
  FILE *f = fopen(path, "r");
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "Uid:", 4)) printf("  %s", line);
  fclose(f);
}

int main(void) {
  pthread_t t[3];
  pthread_barrier_init(&before, NULL, 4);
  pthread_barrier_init(&after, NULL, 4);
  pthread_barrier_init(&done, NULL, 4);
  for (long i = 0; i < 3; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  pthread_barrier_wait(&before);
  printf("setresuid(1000, 1000, 0): %d\n", setresuid(1000, 1000, 0));
  pthread_barrier_wait(&after);
  pthread_barrier_wait(&done);
  for (int i = 0; i < 3; i++) printf("thread %d: uid %ld euid %ld\n", i, seen[i][0], seen[i][1]);
  pthread_barrier_wait(&done);
  printf("after thread 2's raw setresuid(-1, 0, -1): main euid %ld\n", syscall(SYS_geteuid));
  for (int i = 0; i < 3; i++) uid_line(tids[i]);
  pthread_barrier_wait(&done);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  printf("setuid(0) with the saved uid 0: %d\n", setuid(0));
  printf("getuid %d geteuid %d\n", getuid(), geteuid());
  return 0;
}
