/* /proc/<tid> of a thread that is not the leader: Linux serves it (the
   thread's own pid, comm and state in stat, the process's threads under
   task/) though readdir of /proc lists only processes; /proc/thread-self
   names the calling thread's task/<tid> directory. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_barrier_t ready, done;
static pid_t tid;

static void first_line(const char *path, const char *key) {
  char buf[4096];
  FILE *f = fopen(path, "r");
  if (!f) { printf("%s: cannot open\n", path); return; }
  while (fgets(buf, sizeof buf, f)) if (strncmp(buf, key, strlen(key)) == 0) { printf("%s", buf); break; }
  fclose(f);
}

static void stat_of(const char *what, const char *path, pid_t expect) {
  char buf[4096];
  FILE *f = fopen(path, "r");
  if (!f || !fgets(buf, sizeof buf, f)) { printf("%s: cannot read\n", what); return; }
  fclose(f);
  char *close = strrchr(buf, ')'), *comm = strchr(buf, '(');
  int threads = 0, ppid = atoi(close + 4), field = 3;
  for (char *p = close + 2; *p; p++) if (*p == ' ' && ++field == 20) threads = atoi(p + 1);
  printf("%s: pid field %s, comm %.*s, ppid %s, num_threads %d\n", what, atoi(buf) == expect ? "right" : "wrong",
         (int)(close - comm + 1), comm, ppid == getppid() ? "the process's parent" : "other", threads);
}

static void link_of(const char *what, const char *path) {
  char buf[256], want[256];
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  if (n < 0) { printf("%s: readlink fails\n", what); return; }
  buf[n] = 0;
  snprintf(want, sizeof want, "%d/task/%d", getpid(), (int)syscall(SYS_gettid));
  printf("%s: %s\n", what, strcmp(buf, want) == 0 ? "<pid>/task/<tid>" : buf);
}

static char buf1[65536], buf2[65536];

static int slurp(const char *path, char *buf) {
  int fd = open(path, O_RDONLY), n = 0, r;
  if (fd < 0) return -1;
  while ((r = read(fd, buf + n, 65535 - n)) > 0) n += r;
  close(fd);
  return n;
}

static int same(const char *a, const char *b) {
  int na = slurp(a, buf1), nb = slurp(b, buf2);
  return na > 0 && na == nb && memcmp(buf1, buf2, na) == 0;
}

static void *worker(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "worker");
  tid = syscall(SYS_gettid);
  link_of("thread's thread-self", "/proc/thread-self");
  first_line("/proc/thread-self/comm", "");
  stat_of("thread-self/stat", "/proc/thread-self/stat", tid);
  pthread_barrier_wait(&ready);
  pthread_barrier_wait(&done);
  return NULL;
}

int main(void) {
  pthread_barrier_init(&ready, NULL, 2);
  pthread_barrier_init(&done, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_barrier_wait(&ready);
  char path[64], dir[32];
  snprintf(dir, sizeof dir, "/proc/%d", tid);
  struct stat st;
  printf("stat %s: %s\n", "/proc/<tid>", stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? "a directory" : "missing");
  int listed = 0, pid_listed = 0;
  DIR *d = opendir("/proc");
  struct dirent *e;
  while ((e = readdir(d))) { if (atoi(e->d_name) == tid) listed = 1; if (atoi(e->d_name) == getpid()) pid_listed = 1; }
  closedir(d);
  printf("readdir /proc lists the pid %d, the tid %d\n", pid_listed, listed);
  snprintf(path, sizeof path, "/proc/%d/stat", tid);
  stat_of("/proc/<tid>/stat", path, tid);
  snprintf(path, sizeof path, "/proc/%d/comm", tid);
  first_line(path, "");
  snprintf(path, sizeof path, "/proc/%d/status", tid);
  first_line(path, "Name:");
  first_line(path, "Threads:");
  snprintf(path, sizeof path, "/proc/%d/maps", tid);
  printf("/proc/<tid>/maps is /proc/self/maps: %d\n", same(path, "/proc/self/maps"));
  char a[256], b[256];
  snprintf(path, sizeof path, "/proc/%d/exe", tid);
  ssize_t na = readlink(path, a, sizeof a), nb = readlink("/proc/self/exe", b, sizeof b);
  printf("/proc/<tid>/exe is /proc/self/exe's target: %d\n", na > 0 && na == nb && memcmp(a, b, na) == 0);
  snprintf(path, sizeof path, "/proc/%d/task", tid);
  d = opendir(path);
  int n = 0;
  while (d && (e = readdir(d))) if (e->d_name[0] != '.') n++;
  if (d) closedir(d);
  printf("/proc/<tid>/task holds %d threads\n", n);
  snprintf(path, sizeof path, "/proc/%d/task/%d/comm", tid, tid);
  first_line(path, "");
  snprintf(path, sizeof path, "/proc/%d/task/%d/comm", tid, getpid());
  first_line(path, "");
  link_of("main's thread-self", "/proc/thread-self");
  stat_of("thread-self/stat", "/proc/thread-self/stat", getpid());
  pthread_barrier_wait(&done);
  pthread_join(t, NULL);
  snprintf(path, sizeof path, "/proc/%d/stat", tid);
  printf("after join, %s\n", access(path, F_OK) == 0 ? "/proc/<tid> still there" : "/proc/<tid> gone");
  return 0;
}
