/* unevictable: the mlocked pages as /proc counts them. Each step prints
 * how the unevictable_pgs_* events of /proc/vmstat moved (exact, unlike
 * nr_mlock and nr_unevictable, which Linux folds from per-CPU deltas
 * late) and this process's VmLck and smaps_rollup Locked: mlock
 * of present pages, again, munlock of half, mlock faulting pages in,
 * MLOCK_ONFAULT, copy-on-write of locked pages shared with a forked
 * child, munmap, mremap, mprotect, MADV_DONTNEED_LOCKED and refaults,
 * munlockall, MAP_LOCKED, mlockall.
 * Linux batches mlock work per CPU: run it on one CPU (taskset) and
 * every step ends with a drain, an mlock and munlock of a page never
 * touched (mlock_vma_pages_range drains the batch before and after). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096L
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif
#define N_VMSTAT 7

static const char *vmstat_names[N_VMSTAT] = {
  "unevictable_pgs_culled", "unevictable_pgs_scanned", "unevictable_pgs_rescued",
  "unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_cleared", "unevictable_pgs_stranded",
};
static long last[N_VMSTAT];
static char *drainer;

static long field(const char *path, const char *name) {
  char line[256];
  size_t n = strlen(name);
  long v = -1;
  FILE *f = fopen(path, "r");
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, name, n) && (line[n] == ' ' || line[n] == ':')) {
      v = strtol(line + n + 1, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

static void drain(void) {
  mlock2(drainer, PAGE, MLOCK_ONFAULT);
  munlock(drainer, PAGE);
}

static void read_counters(long *v) {
  for (int i = 0; i < N_VMSTAT; i++) v[i] = field("/proc/vmstat", vmstat_names[i]);
}

/** The step's name, the events counted, VmLck and the rollup's Locked. */
static void step(const char *what) {
  long now[N_VMSTAT];
  drain();
  read_counters(now);
  printf("%s:", what);
  for (int i = 0; i < N_VMSTAT; i++)
    if (now[i] != last[i]) printf(" %s%+ld", vmstat_names[i], now[i] - last[i]);
  printf(" | VmLck %ld kB, Locked %ld kB\n", field("/proc/self/status", "VmLck"), field("/proc/self/smaps_rollup", "Locked"));
  fflush(stdout);
  memcpy(last, now, sizeof last);
}

static char *map(long pages, int flags) {
  return mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

static void touch(char *p, long pages) {
  for (long i = 0; i < pages; i++) p[i * PAGE] = 1;
}

int main(void) {
  drainer = map(1, 0);
  read_counters(last);
  char *a = map(64, 0);
  touch(a, 64);
  step("64 pages touched");
  printf("mlock: %d\n", mlock(a, 64 * PAGE));
  step("mlock of 64 present pages");
  printf("mlock again: %d\n", mlock(a, 64 * PAGE));
  step("mlock again");
  printf("munlock: %d\n", munlock(a + 32 * PAGE, 32 * PAGE));
  step("munlock of the upper 32");
  char *b = map(32, 0);
  printf("mlock: %d\n", mlock(b, 32 * PAGE));
  step("mlock faulting 32 pages in");
  char *c = map(16, 0);
  printf("mlock2 onfault: %d\n", mlock2(c, 16 * PAGE, MLOCK_ONFAULT));
  step("mlock2 MLOCK_ONFAULT of 16 pages");
  touch(c, 8);
  step("8 of them touched");

  /* A child shares the locked pages copy-on-write; its VMAs are not locked. */
  int go[2], ready[2];
  char x;
  pipe(go);
  pipe(ready);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    printf("child VmLck %ld kB\n", field("/proc/self/status", "VmLck"));
    fflush(stdout);
    write(ready[1], "x", 1);
    read(go[0], &x, 1);
    touch(a, 4);
    _exit(0);
  }
  read(ready[0], &x, 1);
  touch(a, 2);
  touch(b, 3);
  step("the parent writes 5 locked pages its child shares");
  write(go[1], "x", 1);
  waitpid(pid, NULL, 0);
  step("the child wrote 4 of them and exited");

  printf("munmap: %d\n", munmap(b, 32 * PAGE));
  step("munmap of 32 locked pages");
  char *m = mremap(a, 32 * PAGE, 48 * PAGE, MREMAP_MAYMOVE);
  printf("mremap: %s\n", m == MAP_FAILED ? "failed" : "ok");
  step("mremap of 32 locked pages to 48");
  printf("mprotect: %d\n", mprotect(m + 8 * PAGE, 8 * PAGE, PROT_READ));
  step("mprotect splitting the locked VMA");
  printf("munmap: %d\n", munmap(m + 40 * PAGE, 4 * PAGE));
  step("munmap of 4 pages inside it");
  printf("madvise DONTNEED_LOCKED: %d\n", madvise(m, 4 * PAGE, MADV_DONTNEED_LOCKED));
  step("MADV_DONTNEED_LOCKED of 4 locked pages");
  touch(m, 4);
  step("the 4 touched again");
  printf("munlockall: %d\n", munlockall());
  step("munlockall");
  char *l = map(8, MAP_LOCKED);
  printf("MAP_LOCKED: %s\n", l == MAP_FAILED ? "failed" : "ok");
  step("mmap of 8 pages MAP_LOCKED");
  printf("munmap: %d\n", munmap(l, 8 * PAGE));
  step("munmap of them");
  printf("mlockall: %d\n", mlockall(MCL_CURRENT | MCL_FUTURE));
  char *f = map(5, 0);
  printf("mmap after MCL_FUTURE: %s\n", f == MAP_FAILED ? "failed" : "ok");
  step("mlockall(MCL_CURRENT | MCL_FUTURE), 5 pages mapped after");
  printf("munlockall: %d\n", munlockall());
  step("munlockall");
  return 0;
}
