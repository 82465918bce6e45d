// fadvise64 and readahead on a file of the host's disk (argv[1], 47.5
// pages, written and synced before): which pages the page cache holds,
// by mincore of a mapping of it, after each advice. DONTNEED drops the
// clean unmapped pages wholly in its range (the last partial page only
// at the end of the file), WILLNEED and readahead read theirs in; a page
// a process maps stays; after RANDOM a read brings in just its pages.
// Ranges stay below the read-ahead window (its size differs: faultline's
// is 128 KiB, a disk's here may be larger).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096L
static unsigned char *map;
static long pages;

static void resident(const char *what) {
  unsigned char vec[64];
  char line[65];
  if (mincore(map, pages * PAGE, vec)) return perror("mincore");
  for (long i = 0; i < pages; i++) line[i] = vec[i] & 1 ? '1' : '.';
  line[pages] = 0;
  printf("%-34s %s\n", what, line);
}

/** Waits for the reads advice started on pages [first, first + n) (the I/O is asynchronous natively): a read of a cached page starts no more. */
static void settle(int fd, long first, long n) {
  char c;
  for (long i = first; i < first + n && i < pages; i++) pread(fd, &c, 1, i * PAGE);
}

static void show(const char *what, long r) {
  if (r < 0) printf("%s: %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) return perror(argv[1]), 1;
  pages = (st.st_size + PAGE - 1) / PAGE;
  map = mmap(0, pages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return perror("mmap"), 1;

  show("DONTNEED all", posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
  resident("after DONTNEED of the whole file");
  show("WILLNEED", posix_fadvise(fd, 2 * PAGE + 100, 3 * PAGE, POSIX_FADV_WILLNEED));
  settle(fd, 2, 4);
  resident("WILLNEED bytes 2p+100..5p+99");
  show("readahead", readahead(fd, 20 * PAGE, 2 * PAGE));
  settle(fd, 20, 2);
  resident("readahead pages 20, 21");
  show("WILLNEED", posix_fadvise(fd, 30 * PAGE, 1, POSIX_FADV_WILLNEED));
  show("WILLNEED", posix_fadvise(fd, 46 * PAGE, 4 * PAGE, POSIX_FADV_WILLNEED));
  settle(fd, 30, 1);
  settle(fd, 46, 2);
  resident("WILLNEED page 30, pages 46-");
  show("DONTNEED", posix_fadvise(fd, 3 * PAGE + 1, 2 * PAGE, POSIX_FADV_DONTNEED));
  resident("DONTNEED bytes 3p+1..5p");
  show("DONTNEED", posix_fadvise(fd, 46 * PAGE, 2048, POSIX_FADV_DONTNEED));
  resident("DONTNEED half of page 46");
  show("DONTNEED", posix_fadvise(fd, 47 * PAGE, 2048, POSIX_FADV_DONTNEED));
  resident("DONTNEED the end of page 47 (EOF)");
  show("DONTNEED", posix_fadvise(fd, 30 * PAGE, PAGE, POSIX_FADV_DONTNEED));
  resident("DONTNEED page 30");
  // Page 2 mapped by a mapping of its own: a fault on the whole file's
  // mapping would map its cached neighbours too (fault-around), and Linux
  // skips one it finds locked at that moment, so which stay would vary.
  unsigned char *one = mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, 2 * PAGE);
  if (one == MAP_FAILED) return perror("mmap"), 1;
  volatile unsigned char c = one[0];
  (void)c;
  show("DONTNEED all", posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
  resident("page 2 mapped, then DONTNEED all");
  munmap(one, PAGE);
  munmap(map, pages * PAGE);
  map = mmap(0, pages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
  show("DONTNEED all", posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
  resident("unmapped, DONTNEED all");
  // RANDOM: a read brings in the pages it asks for and no more (natively the window would be a disk's).
  static char buf[3 * PAGE];
  show("RANDOM", posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM));
  show("read page 10", pread(fd, buf, 1, 10 * PAGE + 5));
  show("read pages 12-14", pread(fd, buf, 3 * PAGE, 12 * PAGE));
  resident("RANDOM: read page 10, pages 12-14");
  show("NORMAL", posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL));
  show("DONTNEED all", posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));

  for (int advice = 0; advice <= 6; advice++) {
    char what[32];
    snprintf(what, sizeof what, "fadvise64 advice %d", advice);
    show(what, syscall(SYS_fadvise64, fd, 0L, 0L, advice));
  }
  show("fadvise64 negative len", syscall(SYS_fadvise64, fd, 0L, -1L, POSIX_FADV_DONTNEED));
  show("fadvise64 negative offset", syscall(SYS_fadvise64, fd, -PAGE, 0L, POSIX_FADV_DONTNEED));
  show("readahead huge count", syscall(SYS_readahead, fd, 0L, -1L));
  show("readahead offset -1", syscall(SYS_readahead, fd, -1L, PAGE));
  show("fallocate", fallocate(fd, 0, 0, PAGE));
  show("fallocate punch", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE));
  resident("at the end");
  return 0;
}
