// A memfd's pages are shmem pages: /proc/meminfo's Shmem grows by what is
// written to it, whether by write(2) or through a shared mapping, and
// shrinks again by a hole punched and by the last close. Prints the
// changes in kB (faultline's are exact; a native run's move with the rest
// of the machine).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long shmem_kb(void) {
  char line[128];
  long kb = -1;
  FILE *f = fopen("/proc/meminfo", "r");
  while (fgets(line, sizeof line, f)) sscanf(line, "Shmem: %ld kB", &kb);
  fclose(f);
  return kb;
}

int main(void) {
  static char buf[64 * 4096];
  long base = shmem_kb();
  int fd = memfd_create("shmem", MFD_CLOEXEC);
  memset(buf, 1, sizeof buf);
  write(fd, buf, sizeof buf);
  printf("written: %+ld kB\n", shmem_kb() - base);
  ftruncate(fd, 2 * sizeof buf);
  char *p = mmap(0, 2 * sizeof buf, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  memset(p + sizeof buf, 2, sizeof buf);
  printf("mapped and touched: %+ld kB\n", shmem_kb() - base);
  fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, sizeof buf);
  printf("hole punched: %+ld kB\n", shmem_kb() - base);
  munmap(p, 2 * sizeof buf);
  close(fd);
  printf("closed: %+ld kB\n", shmem_kb() - base);
  return 0;
}
