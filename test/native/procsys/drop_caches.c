/* echo 1 > /proc/sys/vm/drop_caches with a file read into the page cache
 * (argv[1], clean and used by nobody else) and its first pages mapped:
 * the unmapped pages leave the cache (touching them again is a major
 * fault), the mapped ones stay (no major fault), Cached falls by the
 * dropped pages, free memory rises (by less: the per-CPU lists keep some)
 * and drop_pagecache counts the write. Bad values change nothing. */
#include "../proc_io.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEPT 4

static void drop(const char *text) {
  int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
  ssize_t r = write(fd, text, strlen(text));
  printf("write \"%.*s\": %zd %s\n", (int)strcspn(text, "\n"), text, r, r < 0 ? strerror(errno) : "");
  close(fd);
}

static long majflt(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_majflt;
}

int main(int argc, char **argv) {
  long page = sysconf(_SC_PAGESIZE);
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  fstat(fd, &st);
  long pages = (st.st_size + page - 1) / page;
  char *buf = malloc(st.st_size);
  for (ssize_t got = 0, n; got < st.st_size && (n = read(fd, buf + got, st.st_size - got)) > 0; got += n) {}
  volatile char sum = 0;
  char *kept = mmap(NULL, KEPT * page, PROT_READ, MAP_SHARED, fd, 0);
  for (int i = 0; i < KEPT; i++) sum += kept[i * page];

  const char *bad[] = {"0\n", "64\n", "abc\n", "-1\n", "1.5\n"};
  for (int i = 0; i < 5; i++) drop(bad[i]);
  int rd = open("/proc/sys/vm/drop_caches", O_RDONLY);
  printf("open for reading: %d %s\n", rd, rd < 0 ? strerror(errno) : "");

  long free0 = proc_field("/proc/meminfo", "MemFree", ":"), cached0 = proc_field("/proc/meminfo", "Cached", ":"), dp0 = proc_field("/proc/vmstat", "drop_pagecache", " ");
  long ds0 = proc_field("/proc/vmstat", "drop_slab", " ");
  drop("1\n");
  long free1 = proc_field("/proc/meminfo", "MemFree", ":"), cached1 = proc_field("/proc/meminfo", "Cached", ":");
  printf("drop_pagecache +%ld, drop_slab +%ld\n", proc_field("/proc/vmstat", "drop_pagecache", " ") - dp0, proc_field("/proc/vmstat", "drop_slab", " ") - ds0);
  printf("Cached fell by the unmapped pages: %s\n", (cached0 - cached1) * 1024 >= (pages - KEPT) * page ? "yes" : "no");
  printf("MemFree rose: %s\n", free1 > free0 ? "yes" : "no");
  drop("2\n");
  printf("drop_slab +%ld\n", proc_field("/proc/vmstat", "drop_slab", " ") - ds0);

  char *all = mmap(NULL, pages * page, PROT_READ, MAP_SHARED, fd, 0);
  long m0 = majflt();
  for (int i = 0; i < KEPT; i++) sum += all[i * page];
  long m1 = majflt();
  for (long i = KEPT; i < pages; i++) sum += all[i * page];
  long m2 = majflt();
  printf("mapped pages stayed: %s\n", m1 == m0 ? "yes" : "no");
  printf("unmapped pages were dropped: %s\n", m2 > m1 ? "yes" : "no");
  return 0;
}
