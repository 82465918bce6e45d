/* copy_file_range and sync_file_range: copies between files of one file
 * system, with and without offsets of their own, short at the end of the
 * input, within one file and overlapping; and the errors Linux gives for bad
 * descriptors, directories, pipes, devices, modes, flags, offsets, and a
 * copy across file systems (a memfd's and /tmp's, /proc's and /tmp's).
 * sync_file_range's flag, range and file-type checks. Results, errno
 * numbers and the bytes copied, as the kernel gives them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../show.h"

/* The file's bytes and size, and its offset. */
static void contents(const char *what, int fd) {
  char buf[128];
  long n = pread(fd, buf, sizeof buf, 0);
  printf("%s: %ld \"%.*s\" at %ld\n", what, n, n > 0 ? (int)n : 0, buf, (long)lseek(fd, 0, SEEK_CUR));
}

int main(void) {
  char dir[] = "/tmp/copyrangeXXXXXX";
  if (!mkdtemp(dir)) return 1;
  char a[64], b[64];
  snprintf(a, sizeof a, "%s/a", dir);
  snprintf(b, sizeof b, "%s/b", dir);
  int in = open(a, O_CREAT | O_RDWR, 0644);
  int out = open(b, O_CREAT | O_RDWR, 0644);
  const char *text = "0123456789abcdefghijklmnopqrstuvwxyz";
  if (write(in, text, strlen(text)) != (long)strlen(text)) return 1;

  /* the file offsets: the input's is at its end, then rewound */
  show("at end of input", copy_file_range(in, NULL, out, NULL, 10, 0));
  lseek(in, 0, SEEK_SET);
  show("10 by file offsets", copy_file_range(in, NULL, out, NULL, 10, 0));
  contents("out", out);
  contents("in", in);
  /* offsets of its own: the files' stay */
  loff_t off_in = 20, off_out = 4;
  show("6 at 20 to 4", copy_file_range(in, &off_in, out, &off_out, 6, 0));
  printf("offsets now %lld %lld\n", (long long)off_in, (long long)off_out);
  contents("out", out);
  contents("in", in);
  /* short at the end of the input; past it nothing; a huge count */
  off_in = 30;
  show("100 at 30", copy_file_range(in, &off_in, out, NULL, 100, 0));
  off_in = 36;
  show("at the end", copy_file_range(in, &off_in, out, NULL, 5, 0));
  off_in = 1000;
  show("past the end", copy_file_range(in, &off_in, out, NULL, 5, 0));
  off_in = 0;
  off_out = 100;
  show("SIZE_MAX into a hole", copy_file_range(in, &off_in, out, &off_out, SIZE_MAX, 0));
  printf("offsets now %lld %lld\n", (long long)off_in, (long long)off_out);
  struct stat st;
  fstat(out, &st);
  printf("out size %lld\n", (long long)st.st_size);
  show("count 0", copy_file_range(in, NULL, out, NULL, 0, 0));

  /* within one file: apart, then overlapping */
  off_in = 0;
  off_out = 40;
  show("same file apart", copy_file_range(in, &off_in, in, &off_out, 4, 0));
  off_in = 0;
  off_out = 2;
  show("same file overlapping", copy_file_range(in, &off_in, in, &off_out, 4, 0));
  off_in = 8;
  off_out = 4;
  show("same file overlapping below", copy_file_range(in, &off_in, in, &off_out, 6, 0));
  contents("in", in);

  /* the errors */
  show("flags 1", copy_file_range(in, NULL, out, NULL, 1, 1));
  show("bad fd in", copy_file_range(99, NULL, out, NULL, 1, 0));
  show("bad fd out", copy_file_range(in, NULL, 99, NULL, 1, 0));
  show("bad fd out, flags 1", copy_file_range(in, NULL, 99, NULL, 1, 1));
  show("bad off_in", copy_file_range(in, (loff_t *)8, out, NULL, 1, 0));
  show("bad off_out, flags 1", copy_file_range(in, NULL, out, (loff_t *)8, 1, 1));
  off_in = -1;
  show("off_in -1", copy_file_range(in, &off_in, out, NULL, 1, 0));
  show("off_in -1 count 0", copy_file_range(in, &off_in, out, NULL, 0, 0));
  off_in = 0;
  off_out = -5;
  show("off_out -5", copy_file_range(in, &off_in, out, &off_out, 1, 0));
  off_out = INT64_MAX;
  show("off_out at the top", copy_file_range(in, &off_in, out, &off_out, 10, 0));
  int ro = open(a, O_RDONLY), wo = open(b, O_WRONLY), ap = open(b, O_WRONLY | O_APPEND), path = open(a, O_PATH);
  show("from write-only", copy_file_range(wo, NULL, out, NULL, 1, 0));
  show("to read-only", copy_file_range(in, NULL, ro, NULL, 1, 0));
  show("to O_APPEND", copy_file_range(in, NULL, ap, NULL, 1, 0));
  show("from O_PATH", copy_file_range(path, NULL, out, NULL, 1, 0));
  int d = open(dir, O_RDONLY | O_DIRECTORY);
  show("from a directory", copy_file_range(d, NULL, out, NULL, 1, 0));
  show("to a directory", copy_file_range(in, NULL, d, NULL, 1, 0));
  int p[2];
  pipe(p);
  show("from a pipe", copy_file_range(p[0], NULL, out, NULL, 1, 0));
  show("to a pipe", copy_file_range(in, NULL, p[1], NULL, 1, 0));
  int null = open("/dev/null", O_RDWR);
  show("to /dev/null", copy_file_range(in, NULL, null, NULL, 1, 0));
  show("directory to a pipe", copy_file_range(d, NULL, p[1], NULL, 1, 0));

  /* across file systems: a memfd (the internal tmpfs) and /tmp; /proc and /tmp */
  int m1 = memfd_create("one", MFD_ALLOW_SEALING), m2 = memfd_create("two", MFD_ALLOW_SEALING);
  write(m1, "memfd bytes", 11);
  off_in = 0;
  show("memfd to memfd", copy_file_range(m1, &off_in, m2, NULL, 100, 0));
  contents("memfd two", m2);
  off_in = 0;
  show("memfd to /tmp", copy_file_range(m1, &off_in, out, NULL, 5, 0));
  show("/tmp to memfd", copy_file_range(in, NULL, m2, NULL, 5, 0));
  int status = open("/proc/self/status", O_RDONLY);
  show("/proc to /tmp", copy_file_range(status, NULL, out, NULL, 5, 0));
  show("seal", fcntl(m2, F_ADD_SEALS, F_SEAL_WRITE));
  off_in = 0;
  show("memfd to a write-sealed memfd", copy_file_range(m1, &off_in, m2, NULL, 5, 0));
  show("seal against growing", fcntl(m1, F_ADD_SEALS, F_SEAL_GROW));
  off_in = 0;
  off_out = 8;
  show("growing a sealed memfd", copy_file_range(m2, &off_in, m1, &off_out, 100, 0));
  off_in = 0;
  off_out = 2;
  show("within a sealed memfd", copy_file_range(m2, &off_in, m1, &off_out, 3, 0));
  contents("memfd one", m1);

  /* sync_file_range */
  show("sync all", sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER));
  show("sync a range", sync_file_range(out, 4096, 100, SYNC_FILE_RANGE_WRITE));
  show("sync no flags", sync_file_range(out, 0, 10, 0));
  show("sync flags 8", sync_file_range(out, 0, 10, 8));
  show("sync offset -1", sync_file_range(out, -1, 10, 0));
  show("sync nbytes -1", sync_file_range(out, 0, -1, 0));
  show("sync wrapping", sync_file_range(out, 1LL << 62, 1LL << 62, 0));
  show("sync far out", sync_file_range(out, 1LL << 60, 1LL << 60, 0));
  show("sync bad fd", sync_file_range(99, 0, 0, 8));
  show("sync O_PATH", sync_file_range(path, 0, 0, 0));
  show("sync read-only", sync_file_range(ro, 0, 0, 0));
  show("sync a directory", sync_file_range(d, 0, 0, 0));
  show("sync a pipe", sync_file_range(p[0], 0, 0, 0));
  show("sync a pipe, flags 8", sync_file_range(p[0], 0, 0, 8));
  show("sync /dev/null", sync_file_range(null, 0, 0, 0));
  show("sync a memfd", sync_file_range(m1, 0, 0, 0));
  show("sync /proc", sync_file_range(status, 0, 0, 0));

  unlink(a);
  unlink(b);
  rmdir(dir);
  return 0;
}
