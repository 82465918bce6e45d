// memfd_create: an unlinked tmpfs file named "memfd:NAME" (/proc/self/fd
// and /proc/self/maps show "/memfd:NAME (deleted)"), read, written,
// truncated and mapped shared; its flags' errors; its seals (fcntl
// F_ADD_SEALS, F_GET_SEALS) with what each refuses; fallocate on it
// (st_blocks counts the pages, a punched hole frees and zeroes); and
// fadvise64 and readahead, which tmpfs checks and ignores.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096
#ifndef MFD_EXEC
#define MFD_EXEC 0x10
#define MFD_NOEXEC_SEAL 0x8
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x20
#endif

static int memfd(const char *name, unsigned flags) {
  return syscall(SYS_memfd_create, name, flags);
}

static void show(const char *what, long r) {
  if (r < 0) printf("%s: %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

/** The perms and path of the maps line at `addr`. */
static void maps_line(void *addr) {
  char want[32], line[512];
  snprintf(want, sizeof want, "%lx-", (unsigned long)addr);
  FILE *f = fopen("/proc/self/maps", "r");
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, want, strlen(want))) continue;
    char perms[8], path[256] = "";
    unsigned long off;
    sscanf(line, "%*s %7s %lx %*s %*s %255[^\n]", perms, &off, path);
    printf("maps: %s %lx %s\n", perms, off, path);
  }
  fclose(f);
}

int main(void) {
  char link[64], target[256];
  int fd = memfd("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  show("memfd_create", fd >= 0);
  show("F_GETFD", fcntl(fd, F_GETFD));
  show("F_GETFL", fcntl(fd, F_GETFL));
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  target[n > 0 ? n : 0] = 0;
  printf("fd link: %s\n", target);
  struct stat st;
  fstat(fd, &st);
  printf("mode %o nlink %ld size %ld blocks %ld\n", st.st_mode, (long)st.st_nlink, (long)st.st_size, (long)st.st_blocks);

  show("write", write(fd, "hello, memfd", 12));
  show("ftruncate", ftruncate(fd, 3 * PAGE));
  fstat(fd, &st);
  printf("size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
  char *s = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (s == MAP_FAILED) return perror("mmap"), 1;
  printf("mapped: %.12s\n", s);
  strcpy(s + 2 * PAGE, "through the mapping");
  char buf[32] = "";
  show("pread", pread(fd, buf, 19, 2 * PAGE));
  printf("read: %s\n", buf);
  maps_line(s);

  // An open of the fd link is another open of the same file.
  int again = open(link, O_RDWR);
  show("reopen", again >= 0);
  show("pread again", pread(again, buf, 5, 0));
  close(again);

  // Seals.
  show("F_GET_SEALS", fcntl(fd, F_GET_SEALS));
  show("F_SEAL_WRITE while mapped shared", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
  show("unknown seal", fcntl(fd, F_ADD_SEALS, 0x100));
  show("F_SEAL_SHRINK|F_SEAL_GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
  show("F_GET_SEALS", fcntl(fd, F_GET_SEALS));
  show("shrink", ftruncate(fd, PAGE));
  show("grow", ftruncate(fd, 4 * PAGE));
  show("same size", ftruncate(fd, 3 * PAGE));
  show("write past the end", pwrite(fd, "x", 1, 3 * PAGE));
  show("write across the end", pwrite(fd, "xyz", 3, 3 * PAGE - 1));
  show("write inside", pwrite(fd, "H", 1, 0));
  show("fallocate past the end", fallocate(fd, 0, 0, 4 * PAGE));
  show("fallocate inside", fallocate(fd, 0, 0, 3 * PAGE));
  munmap(s, 3 * PAGE);
  // A shared mapping of a file open for writing may become writable (VM_MAYWRITE): it too refuses F_SEAL_WRITE.
  char *r = mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, 0);
  show("F_SEAL_WRITE with a read-only shared mapping", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
  munmap(r, PAGE);
  char *p = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  show("F_SEAL_WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
  show("write sealed", pwrite(fd, "h", 1, 0));
  show("punch sealed", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE));
  show("mmap shared writable", mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
  r = mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, 0);
  show("mmap shared read-only", r == MAP_FAILED ? -1 : 0);
  show("mprotect it writable", mprotect(r, PAGE, PROT_READ | PROT_WRITE));
  show("mmap private writable", mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
  p[1] = 'E';
  printf("still: %.5s, private: %.5s\n", r, p);
  show("F_SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
  show("F_GET_SEALS", fcntl(fd, F_GET_SEALS));
  show("after F_SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
  show("after F_SEAL_SEAL, none", fcntl(fd, F_ADD_SEALS, 0));

  int plain = memfd("plain", 0);
  show("F_GET_SEALS unsealable", fcntl(plain, F_GET_SEALS));
  show("F_ADD_SEALS unsealable", fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE));
  show("F_GET_FD plain", fcntl(plain, F_GETFD));
  int noexec = memfd("noexec", MFD_NOEXEC_SEAL);
  fstat(noexec, &st);
  printf("noexec mode %o\n", st.st_mode);
  show("F_GET_SEALS noexec", fcntl(noexec, F_GET_SEALS));
  show("fchmod noexec 0755", fchmod(noexec, 0755));
  show("fchmod noexec 0600", fchmod(noexec, 0600));
  show("fchmod plain 0644", fchmod(plain, 0644));
  fstat(plain, &st);
  printf("plain mode %o\n", st.st_mode);
  int exec = memfd("exec", MFD_EXEC | MFD_ALLOW_SEALING);
  show("F_GET_SEALS exec", fcntl(exec, F_GET_SEALS));
  int pfd[2];
  pipe(pfd);
  show("F_GET_SEALS pipe", fcntl(pfd[0], F_GET_SEALS));
  show("F_ADD_SEALS pipe", fcntl(pfd[0], F_ADD_SEALS, F_SEAL_SEAL));
  int ro = open("/proc/self/exe", O_RDONLY);
  show("F_GET_SEALS file", fcntl(ro, F_GET_SEALS));

  // fallocate: pages without data, counted in st_blocks; a hole punched frees them, zeroing partial pages.
  int fa = memfd("fallocate", 0);
  show("fallocate 2 pages", fallocate(fa, 0, 0, 2 * PAGE));
  fstat(fa, &st);
  printf("size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
  show("FALLOC_FL_KEEP_SIZE", fallocate(fa, FALLOC_FL_KEEP_SIZE, 4 * PAGE, PAGE));
  fstat(fa, &st);
  printf("size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
  show("fallocate again", fallocate(fa, 0, PAGE, 4 * PAGE + 10));
  fstat(fa, &st);
  printf("size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
  char *m = mmap(0, 6 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fa, 0);
  char *c = mmap(0, 6 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fa, 0);
  memset(m, 'm', 5 * PAGE);
  c[3 * PAGE] = 'c';   // private copies of pages 3 and 1
  c[PAGE + 1] = 'd';
  show("punch a hole", fallocate(fa, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 3 * PAGE));
  fstat(fa, &st);
  printf("size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
  long nonzero[6] = {0};
  for (int i = 0; i < 5 * PAGE; i++) nonzero[i / PAGE] += m[i] != 0;
  printf("nonzero bytes by page: %ld %ld %ld %ld %ld, private copies: %c %c %d\n", nonzero[0], nonzero[1], nonzero[2], nonzero[3], nonzero[4],
    c[3 * PAGE], c[PAGE + 1], c[PAGE]);
  show("punch within a page", fallocate(fa, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4 * PAGE + 10, 20));
  printf("bytes 9..31: %d %d %d %d\n", m[4 * PAGE + 9], m[4 * PAGE + 10], m[4 * PAGE + 29], m[4 * PAGE + 30]);
  show("punch past the end", fallocate(fa, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4 * PAGE, 100 * PAGE));
  fstat(fa, &st);
  printf("size %ld blocks %ld byte %d\n", (long)st.st_size, (long)st.st_blocks, m[4 * PAGE]);
  show("punch without keep size", fallocate(fa, FALLOC_FL_PUNCH_HOLE, 0, PAGE));
  show("FALLOC_FL_NO_HIDE_STALE", fallocate(fa, 4, 0, PAGE));
  show("FALLOC_FL_ZERO_RANGE", fallocate(fa, FALLOC_FL_ZERO_RANGE, 0, PAGE));
  show("FALLOC_FL_COLLAPSE_RANGE", fallocate(fa, FALLOC_FL_COLLAPSE_RANGE, 0, PAGE));
  show("FALLOC_FL_COLLAPSE_RANGE|KEEP_SIZE", fallocate(fa, FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, PAGE));
  show("FALLOC_FL_INSERT_RANGE", fallocate(fa, FALLOC_FL_INSERT_RANGE, 0, PAGE));
  show("two modes", fallocate(fa, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, PAGE));
  show("len 0", fallocate(fa, 0, 0, 0));
  show("offset -1", fallocate(fa, 0, -1, PAGE));
  show("past the largest file", fallocate(fa, 0, 0x7fffffffffff0000L, 0x20000));
  show("bad fd", fallocate(99, 0, 0, PAGE));
  int pp[2];
  pipe(pp);
  show("pipe write end", fallocate(pp[1], 0, 0, PAGE));
  show("pipe read end", fallocate(pp[0], 0, 0, PAGE));
  show("read-only file", fallocate(ro, 0, 0, PAGE));
  int null = open("/dev/null", O_RDWR);
  show("/dev/null", fallocate(null, 0, 0, PAGE));
  int sealed = memfd("sealed", MFD_ALLOW_SEALING);
  ftruncate(sealed, PAGE);
  fcntl(sealed, F_ADD_SEALS, F_SEAL_GROW);
  show("sealed against growing, inside", fallocate(sealed, 0, 0, PAGE));
  show("sealed against growing, keep size", fallocate(sealed, FALLOC_FL_KEEP_SIZE, 0, 2 * PAGE));

  // fadvise and readahead: tmpfs takes the advice and has nothing to do.
  show("fadvise DONTNEED", posix_fadvise(fa, 0, 0, POSIX_FADV_DONTNEED) ? -1 : 0);
  printf("byte %d\n", m[0]);
  show("fadvise64", syscall(SYS_fadvise64, fa, 0, 0, POSIX_FADV_WILLNEED));
  show("fadvise64 bad advice", syscall(SYS_fadvise64, fa, 0, 0, 6));
  show("fadvise64 negative len", syscall(SYS_fadvise64, fa, 0, -1L, POSIX_FADV_NORMAL));
  show("fadvise64 bad fd", syscall(SYS_fadvise64, 99, 0, 0, POSIX_FADV_NORMAL));
  show("fadvise64 pipe", syscall(SYS_fadvise64, pp[0], 0, 0, POSIX_FADV_NORMAL));
  show("fadvise64 pipe, bad advice", syscall(SYS_fadvise64, pp[0], 0, 0, 9));
  show("fadvise64 /dev/null", syscall(SYS_fadvise64, null, 0, 0, POSIX_FADV_DONTNEED));
  show("fadvise64 /dev/null, bad advice", syscall(SYS_fadvise64, null, 0, 0, 7));
  show("readahead", readahead(fa, 0, PAGE));
  show("readahead pipe", readahead(pp[0], 0, PAGE));
  show("readahead /dev/null", readahead(null, 0, PAGE));
  show("readahead bad fd", readahead(99, 0, PAGE));
  char wol[64];
  snprintf(wol, sizeof wol, "/proc/self/fd/%d", fa);
  int wo = open(wol, O_WRONLY);
  show("readahead write-only", readahead(wo, 0, PAGE));
  show("readahead huge count", readahead(fa, 0, (size_t)-1));

  // Errors.
  char name[300];
  memset(name, 'n', sizeof name);
  name[249] = 0;
  show("249-byte name", memfd(name, 0) >= 0);
  name[249] = 'n';
  name[250] = 0;
  show("250-byte name", memfd(name, 0));
  show("unknown flag", memfd("x", 0x100));
  show("MFD_EXEC|MFD_NOEXEC_SEAL", memfd("x", MFD_EXEC | MFD_NOEXEC_SEAL));
  show("bad name pointer", memfd((const char *)1, 0));
  show("empty name", memfd("", 0) >= 0);
  // The maps line of an unnamed one, and of a name with a slash.
  int slash = memfd("a/b", 0);
  ftruncate(slash, PAGE);
  char *q = mmap(0, PAGE, PROT_READ, MAP_SHARED, slash, 0);
  maps_line(q);
  return 0;
}
