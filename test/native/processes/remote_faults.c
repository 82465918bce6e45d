/* Whose faults process_vm_writev's are: the pages it fills in another
 * process's memory fault there, but GUP charges the faults to the caller
 * (current->min_flt), not to the process whose memory it is. Each window
 * holds one call: the counts are exact. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 256

static char buf[PAGES * 4096], text[1024];

/** Field 10 of /proc/<pid>/stat: its minor faults. */
static long stat_minflt(pid_t pid) {
  char p[64];
  snprintf(p, sizeof p, "/proc/%d/stat", pid);
  FILE *f = fopen(p, "r");
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  char *s = strrchr(text, ')') + 2;
  for (int i = 3; i < 10; i++) s = strchr(s, ' ') + 1;
  return atol(s);
}

static long minflt(int who) {
  struct rusage r;
  getrusage(who, &r);
  return r.ru_minflt;
}

int main(void) {
  int up[2], down[2];
  pipe(up);
  pipe(down);
  pid_t pid = fork();
  if (!pid) {
    char *m = mmap(0, sizeof buf, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(m, sizeof buf, MADV_NOHUGEPAGE);
    write(up[1], &m, sizeof m);
    char c;
    read(down[0], &c, 1);
    long before = minflt(RUSAGE_SELF), sum = 0;
    for (int i = 0; i < PAGES; i++) sum += m[i * 4096];
    // The pages are there already: reading them takes no fault.
    _exit(sum == PAGES && minflt(RUSAGE_SELF) == before ? 0 : 1);
  }
  char *m;
  read(up[0], &m, sizeof m);
  memset(buf, 1, sizeof buf);
  struct iovec local = { buf, sizeof buf }, remote = { m, sizeof buf };

  long child = stat_minflt(pid), self = minflt(RUSAGE_SELF), thread = minflt(RUSAGE_THREAD);
  ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
  long self1 = minflt(RUSAGE_SELF), thread1 = minflt(RUSAGE_THREAD), child1 = stat_minflt(pid);
  printf("writev %zd: caller %ld (thread %ld), target %ld\n", n, self1 - self, thread1 - thread, child1 - child);

  long self2 = minflt(RUSAGE_SELF);
  n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  long self3 = minflt(RUSAGE_SELF), child2 = stat_minflt(pid);
  printf("readv %zd: caller %ld, target %ld\n", n, self3 - self2, child2 - child1);

  write(down[1], "x", 1);
  int status;
  waitpid(pid, &status, 0);
  printf("target read them without a fault: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return 0;
}
