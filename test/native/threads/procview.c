/* /proc as threads see it: Threads: in status, num_threads in stat, one
   /proc/self/task/<tid> directory per thread with its own stat, status
   and comm (a name set by the thread itself with PR_SET_NAME). */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_barrier_t ready, done;
static pid_t tids[2];

static void *worker(void *arg) {
  long i = (long)arg;
  char name[16];
  snprintf(name, sizeof name, "worker%ld", i);
  prctl(PR_SET_NAME, name);
  tids[i] = syscall(SYS_gettid);
  pthread_barrier_wait(&ready);
  pthread_barrier_wait(&done);
  return NULL;
}

static void line_of(const char *path, const char *key) {
  char buf[4096];
  FILE *f = fopen(path, "r");
  if (!f) { printf("%s: cannot open\n", path); return; }
  while (fgets(buf, sizeof buf, f)) if (strncmp(buf, key, strlen(key)) == 0) printf("%s", buf);
  fclose(f);
}

static void stat_of(const char *path, pid_t expect) {
  char buf[4096];
  FILE *f = fopen(path, "r");
  if (!f || !fgets(buf, sizeof buf, f)) { printf("%s: cannot read\n", path); return; }
  fclose(f);
  char *close = strrchr(buf, ')'), *comm = strchr(buf, '(');
  int threads = 0, field = 3;
  char state = close[2];
  for (char *p = close + 2; *p; p++) if (*p == ' ' && ++field == 20) threads = atoi(p + 1);
  /* A worker past the barrier may still be on its way to sleep natively: R or S alike. */
  const char *st = state == 'R' && expect == getpid() ? "R" : state == 'R' || state == 'S' ? "R or S" : "other";
  printf("stat: pid field is %s, comm %.*s, state %s, num_threads %d\n", atoi(buf) == expect ? "right" : "wrong",
         (int)(close - comm + 1), comm, st, threads);
}

static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int main(void) {
  pthread_barrier_init(&ready, NULL, 3);
  pthread_barrier_init(&done, NULL, 3);
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  pthread_barrier_wait(&ready);
  line_of("/proc/self/status", "Threads:");
  stat_of("/proc/self/stat", getpid());
  DIR *d = opendir("/proc/self/task");
  int n = 0, seen[16];
  struct dirent *e;
  while ((e = readdir(d)) && n < 16) if (e->d_name[0] != '.') seen[n++] = atoi(e->d_name);
  closedir(d);
  qsort(seen, n, sizeof seen[0], cmp);
  printf("task/ holds %d threads: main first %d, then the workers %d\n", n, seen[0] == getpid(),
         n == 3 && ((seen[1] == tids[0] && seen[2] == tids[1]) || (seen[1] == tids[1] && seen[2] == tids[0])));
  for (int i = 0; i < 2; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tids[i]);
    stat_of(path, tids[i]);
    snprintf(path, sizeof path, "/proc/self/task/%d/status", tids[i]);
    line_of(path, "Name:");
    line_of(path, "Threads:");
    snprintf(path, sizeof path, "/proc/%d/task/%d/comm", getpid(), tids[i]);
    line_of(path, "");
  }
  pthread_barrier_wait(&done);
  pthread_join(t[0], NULL);
  pthread_join(t[1], NULL);
  line_of("/proc/self/status", "Threads:");
  return 0;
}
