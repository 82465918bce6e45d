/* openat2: struct open_how's size and fields checked bit by bit (EINVAL,
 * E2BIG, EFAULT), build_open_flags' refusals in their order, and the
 * RESOLVE_* flags on a tree of its own under /tmp: no symbolic links, no
 * magic links (/proc/self/fd, exe), beneath a directory or rooted in it
 * (".." and absolute links), no mount crossings (/proc, /dev), the dentry
 * cache alone. openat's quiet masking of the same flags. Results, errno
 * numbers and which file each open reached, as the kernel gives them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* linux/openat2.h's, which musl's headers lack */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct open_how {
  uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20

static long openat2_(int dirfd, const char *path, unsigned long long flags, unsigned long long mode, unsigned long long resolve) {
  struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
  return syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* The result; for a file opened, its first line (each file of the tree holds its name). */
static void show(const char *what, long r) {
  printf("%s = %s", what, r < 0 ? "-1" : "fd");
  if (r < 0) printf(" errno %d", errno);
  else {
    char buf[64] = "";
    long n = pread(r, buf, sizeof buf - 1, 0);
    if (n > 0) printf(" \"%.*s\"", (int)strcspn(buf, "\n"), buf);
    close(r);
  }
  printf("\n");
  errno = 0;
}

static void put(const char *path, const char *text) {
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  write(fd, text, strlen(text));
  close(fd);
}

int main(void) {
  char dir[] = "/tmp/openat2XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char p[128], q[128];
  snprintf(p, sizeof p, "%s/sub", dir);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/sub/file", dir);
  put(p, "sub/file");
  snprintf(p, sizeof p, "%s/top", dir);
  put(p, "top");
  /* links: relative within, absolute to the file, relative leaving, to a directory, absolute within the tree's root */
  snprintf(p, sizeof p, "%s/inside", dir);
  symlink("sub/file", p);
  snprintf(q, sizeof q, "%s/sub/file", dir);
  snprintf(p, sizeof p, "%s/abs", dir);
  symlink(q, p);
  snprintf(p, sizeof p, "%s/leave", dir);
  symlink("../x", p);
  snprintf(p, sizeof p, "%s/subdir", dir);
  symlink("sub", p);
  snprintf(p, sizeof p, "%s/rooted", dir);
  symlink("/sub/file", p);
  int d = open(dir, O_RDONLY | O_DIRECTORY);
  struct open_how how = { .flags = O_RDONLY };

  /* the struct */
  show("plain", openat2_(d, "top", O_RDONLY, 0, 0));
  show("size 23", syscall(SYS_openat2, d, "top", &how, 23));
  static char huge[4200];
  memcpy(huge, &how, sizeof how);
  show("size 4097", syscall(SYS_openat2, d, "top", huge, 4097));
  char big[64] = {0};
  memcpy(big, &how, sizeof how);
  show("size 64, zero tail", syscall(SYS_openat2, d, "top", big, 64));
  big[40] = 1;
  show("size 64, a tail byte", syscall(SYS_openat2, d, "top", big, 64));
  show("how unreadable", syscall(SYS_openat2, d, "top", (void *)8, sizeof how));
  /* the tail is read before the struct: an unreadable tail past a zero page's end */
  char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(page + 4096, 4096);
  memcpy(page + 4096 - 24, &how, 24);
  show("tail unreadable", syscall(SYS_openat2, d, "top", page + 4096 - 24, 32));
  show("flags bit 40", openat2_(d, "top", 1ULL << 40, 0, 0));
  show("flags 040000000", openat2_(d, "top", 040000000, 0, 0));
  show("O_CLOEXEC", openat2_(d, "top", O_RDONLY | O_CLOEXEC, 0, 0));
  show("mode without O_CREAT", openat2_(d, "top", O_RDONLY, 0644, 0));
  show("mode 010000", openat2_(d, "new", O_CREAT | O_WRONLY, 010644, 0));
  show("mode bit 40", openat2_(d, "new", O_CREAT | O_WRONLY, 1ULL << 40, 0));
  show("O_CREAT 0600", openat2_(d, "new", O_CREAT | O_WRONLY, 0600, 0));
  show("resolve 0x40", openat2_(d, "top", O_RDONLY, 0, 0x40));
  show("resolve bit 40", openat2_(d, "top", O_RDONLY, 0, 1ULL << 40));
  show("BENEATH|IN_ROOT", openat2_(d, "top", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT));
  show("O_PATH|O_RDWR", openat2_(d, "top", O_PATH | O_RDWR, 0, 0));
  show("O_PATH|O_NOFOLLOW", openat2_(d, "top", O_PATH | O_NOFOLLOW, 0, 0));
  show("O_CREAT|O_DIRECTORY", openat2_(d, "top", O_CREAT | O_DIRECTORY, 0, 0));
  show("O_TMPFILE read-only", openat2_(d, ".", O_TMPFILE | O_RDONLY, 0, 0));
  show("flags before the name", openat2_(d, (char *)8, 1ULL << 40, 0, 0));
  show("name unreadable", openat2_(d, (char *)8, O_RDONLY, 0, 0));
  show("bad dirfd", openat2_(99, "top", O_RDONLY, 0, 0));

  /* RESOLVE_NO_SYMLINKS */
  show("NO_SYMLINKS plain", openat2_(d, "sub/file", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
  show("NO_SYMLINKS last", openat2_(d, "inside", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
  show("NO_SYMLINKS on the way", openat2_(d, "subdir/file", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
  show("NO_SYMLINKS O_PATH|O_NOFOLLOW", openat2_(d, "inside", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS));
  show("NO_SYMLINKS /proc/self", openat2_(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
  show("symlinks followed", openat2_(d, "subdir/file", O_RDONLY, 0, 0));

  /* RESOLVE_NO_MAGICLINKS */
  char fdpath[64];
  snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", d);
  show("/proc/self/fd/N", openat2_(AT_FDCWD, fdpath, O_RDONLY, 0, 0));
  show("NO_MAGICLINKS /proc/self/fd/N", openat2_(AT_FDCWD, fdpath, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS));
  show("NO_MAGICLINKS /proc/self/exe", openat2_(AT_FDCWD, "/proc/self/exe", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS));
  show("NO_MAGICLINKS /proc/self/status", openat2_(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS));
  show("NO_MAGICLINKS O_PATH|O_NOFOLLOW fd/N", openat2_(AT_FDCWD, fdpath, O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_MAGICLINKS));

  /* RESOLVE_BENEATH */
  show("BENEATH inside", openat2_(d, "sub/file", O_RDONLY, 0, RESOLVE_BENEATH));
  show("BENEATH down and up", openat2_(d, "sub/../top", O_RDONLY, 0, RESOLVE_BENEATH));
  show("BENEATH ..", openat2_(d, "../x", O_RDONLY, 0, RESOLVE_BENEATH));
  show("BENEATH . at the top", openat2_(d, ".", O_RDONLY, 0, RESOLVE_BENEATH));
  show("BENEATH absolute", openat2_(d, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH));
  show("BENEATH absolute, bad dirfd", openat2_(99, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH));
  show("BENEATH link inside", openat2_(d, "inside", O_RDONLY, 0, RESOLVE_BENEATH));
  show("BENEATH link absolute", openat2_(d, "abs", O_RDONLY, 0, RESOLVE_BENEATH));
  show("BENEATH link leaving", openat2_(d, "leave", O_RDONLY, 0, RESOLVE_BENEATH));
  int sub = openat(d, "sub", O_RDONLY | O_DIRECTORY);
  show("BENEATH sub ../top", openat2_(sub, "../top", O_RDONLY, 0, RESOLVE_BENEATH));

  /* RESOLVE_IN_ROOT */
  show("IN_ROOT absolute", openat2_(d, "/sub/file", O_RDONLY, 0, RESOLVE_IN_ROOT));
  show("IN_ROOT .. above", openat2_(d, "../../top", O_RDONLY, 0, RESOLVE_IN_ROOT));
  show("IN_ROOT link rooted", openat2_(d, "rooted", O_RDONLY, 0, RESOLVE_IN_ROOT));
  show("link rooted, not in root", openat2_(d, "rooted", O_RDONLY, 0, 0));
  show("IN_ROOT link absolute", openat2_(d, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT));
  show("IN_ROOT sub ../top", openat2_(sub, "../top", O_RDONLY, 0, RESOLVE_IN_ROOT));
  show("IN_ROOT absolute, bad dirfd", openat2_(99, "/sub/file", O_RDONLY, 0, RESOLVE_IN_ROOT));
  show("IN_ROOT O_CREAT", openat2_(d, "/sub/made", O_CREAT | O_WRONLY, 0644, RESOLVE_IN_ROOT));
  snprintf(p, sizeof p, "%s/sub/made", dir);
  struct stat st;
  printf("made in the root's sub: %d\n", stat(p, &st) == 0);

  /* RESOLVE_NO_XDEV */
  int root = open("/", O_RDONLY | O_DIRECTORY), proc = open("/proc", O_RDONLY | O_DIRECTORY);
  show("NO_XDEV / proc/self/status", openat2_(root, "proc/self/status", O_RDONLY, 0, RESOLVE_NO_XDEV));
  show("NO_XDEV / proc", openat2_(root, "proc", O_RDONLY | O_DIRECTORY, 0, RESOLVE_NO_XDEV));
  show("NO_XDEV / dev/null", openat2_(root, "dev/null", O_RDONLY, 0, RESOLVE_NO_XDEV));
  show("NO_XDEV /proc self/status", openat2_(proc, "self/status", O_RDONLY, 0, RESOLVE_NO_XDEV));
  show("NO_XDEV /proc ..", openat2_(proc, "..", O_RDONLY | O_DIRECTORY, 0, RESOLVE_NO_XDEV));
  show("NO_XDEV /proc/self/status absolute", openat2_(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_XDEV));
  show("NO_XDEV fd/N", openat2_(proc, fdpath + 6, O_RDONLY, 0, RESOLVE_NO_XDEV));
  show("BENEATH /proc self/fd/N", openat2_(proc, fdpath + 6, O_RDONLY, 0, RESOLVE_BENEATH));
  show("IN_ROOT /proc self/fd/N", openat2_(proc, fdpath + 6, O_RDONLY, 0, RESOLVE_IN_ROOT));
  show("NO_XDEV in the tree", openat2_(d, "subdir/file", O_RDONLY, 0, RESOLVE_NO_XDEV));

  /* RESOLVE_CACHED */
  show("CACHED", openat2_(d, "sub/file", O_RDONLY, 0, RESOLVE_CACHED));
  show("CACHED O_CREAT", openat2_(d, "top", O_CREAT | O_RDONLY, 0, RESOLVE_CACHED));
  show("CACHED O_TRUNC", openat2_(d, "top", O_TRUNC | O_WRONLY, 0, RESOLVE_CACHED));
  show("CACHED magic link", openat2_(AT_FDCWD, fdpath, O_RDONLY, 0, RESOLVE_CACHED));

  /* openat drops what openat2 refuses */
  show("openat flags 040000000", openat(d, "top", O_RDONLY | 040000000));
  show("openat mode without O_CREAT", openat(d, "top", O_RDONLY, 0644));
  show("openat O_PATH|O_RDWR", openat(d, "top", O_PATH | O_RDWR));
  show("openat O_CREAT|O_DIRECTORY, name unreadable", openat(d, (char *)8, O_CREAT | O_DIRECTORY, 0644));
  show("openat O_TMPFILE read-only", openat(d, ".", O_TMPFILE | O_RDONLY, 0600));

  const char *names[] = {"sub/file", "sub/made", "sub", "top", "new", "inside", "abs", "leave", "subdir", "rooted"};
  for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++) {
    snprintf(p, sizeof p, "%s/%s", dir, names[k]);
    if (unlink(p) != 0) rmdir(p);
  }
  rmdir(dir);
  return 0;
}
