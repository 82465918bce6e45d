/* Scatters free memory, then sleeps: touches PAGES pages of anonymous
 * memory (no huge pages), gives back every other one (MADV_DONTNEED), and
 * shows /proc/buddyinfo and the compaction counters of /proc/vmstat; then,
 * optionally, writes vm.compaction_proactiveness ("write=N"), sleeps SECS
 * seconds one at a time and shows them again. Ends by checking that the
 * pages it kept still hold what it wrote (compaction moves them).
 * usage: fragment_sleep PAGES SECS [write=N] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void show(const char *path, const char *prefix) {
  static char buf[16384];
  int fd = open(path, O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  buf[n < 0 ? 0 : n] = 0;
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    if (!prefix || !strncmp(line, prefix, strlen(prefix)) || !strncmp(line, "pgmigrate_success", 17)) printf("%s\n", line);
}

static void report(const char *when) {
  printf("-- %s\n", when);
  show("/proc/buddyinfo", NULL);
  show("/proc/vmstat", "compact_");
  fflush(stdout);
}

int main(int argc, char **argv) {
  long pages = argc > 1 ? atol(argv[1]) : 4096;
  int secs = argc > 2 ? atoi(argv[2]) : 0;
  unsigned char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  madvise(p, pages * 4096, MADV_NOHUGEPAGE);
  for (long i = 0; i < pages; i++) p[i * 4096] = (unsigned char)(i * 7 + 1);
  for (long i = 1; i < pages; i += 2) madvise(p + i * 4096, 4096, MADV_DONTNEED);
  report("fragmented");
  if (argc > 3 && !strncmp(argv[3], "write=", 6)) {
    int fd = open("/proc/sys/vm/compaction_proactiveness", O_WRONLY);
    ssize_t w = write(fd, argv[3] + 6, strlen(argv[3] + 6));
    close(fd);
    printf("write %s: %zd\n", argv[3] + 6, w);
    /* The wakeup runs kcompactd at the next point the CPU is free. */
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
    report("after the write");
  }
  for (int s = 0; s < secs; s++) sleep(1);
  if (secs) report("slept");
  long bad = 0;
  for (long i = 0; i < pages; i += 2) bad += p[i * 4096] != (unsigned char)(i * 7 + 1);
  printf("kept pages intact: %s\n", bad ? "no" : "yes");
  return 0;
}
