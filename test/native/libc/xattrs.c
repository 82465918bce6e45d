/* Extended attributes: set, get, list and remove them on a file and a
 * directory of its own under /tmp, with XATTR_CREATE and XATTR_REPLACE,
 * by path, by fd and on a symlink itself; and the errors each kind of file
 * gives: the program's own binary, /proc, /dev/null, a pipe, bad names and
 * sizes. Results and errno numbers, as the kernel gives them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "../show.h"

static void get(const char *path, const char *name) {
  char v[64];
  long r = getxattr(path, name, v, sizeof v);
  printf("get %s %s: %ld", path[0] == '/' && strncmp(path, "/tmp/", 5) == 0 ? "<tmp>" : path, name, r);
  if (r >= 0) printf(" \"%.*s\"", (int)r, v);
  else printf(" errno %d", errno);
  printf("\n");
  errno = 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names in name order: the file systems' orders differ (tmpfs's is by name, ext4's by creation). */
static void list(const char *what, long r, const char *buf) {
  printf("list %s: %ld", what, r);
  if (r < 0) printf(" errno %d", errno);
  const char *names[16];
  int n = 0;
  for (long k = 0; k < r && n < 16; k += strlen(buf + k) + 1) names[n++] = buf + k;
  qsort(names, n, sizeof names[0], by_name);
  for (int k = 0; k < n; k++) printf(" [%s]", names[k]);
  printf("\n");
  errno = 0;
}

int main(int argc, char **argv) {
  (void)argc;
  char dir[] = "/tmp/xattrsXXXXXX";
  if (!mkdtemp(dir)) return 1;
  char file[64], link[64];
  snprintf(file, sizeof file, "%s/f", dir);
  snprintf(link, sizeof link, "%s/l", dir);
  int fd = open(file, O_CREAT | O_RDWR, 0644);
  symlink("f", link);
  char buf[256];

  show("set user.a", setxattr(file, "user.a", "one", 3, 0));
  show("set user.a create", setxattr(file, "user.a", "two", 3, XATTR_CREATE));
  show("set user.b replace", setxattr(file, "user.b", "two", 3, XATTR_REPLACE));
  show("set user.a replace", setxattr(file, "user.a", "uno", 3, XATTR_REPLACE));
  show("fset user.b", fsetxattr(fd, "user.b", "", 0, 0));
  show("set trusted.t", setxattr(file, "trusted.t", "tt", 2, 0));
  show("set bad flags", setxattr(file, "user.c", "x", 1, 4));
  show("set user.", setxattr(file, "user.", "x", 1, 0));
  show("set bogus", setxattr(file, "bogus", "x", 1, 0));
  show("set empty name", setxattr(file, "", "x", 1, 0));
  char longname[300];
  memset(longname, 'u', sizeof longname - 1);
  memcpy(longname, "user.", 5);
  longname[sizeof longname - 1] = 0;
  show("set long name", setxattr(file, longname, "x", 1, 0));
  static char huge[65537];
  show("set huge value", setxattr(file, "user.big", huge, sizeof huge, 0));
  get(file, "user.a");
  get(file, "user.b");
  get(file, "user.none");
  get(link, "user.a");
  show("lget on the link", lgetxattr(link, "user.a", buf, sizeof buf));
  show("lset user. on the link", lsetxattr(link, "user.x", "x", 1, 0));
  show("get size 0", getxattr(file, "user.a", NULL, 0));
  show("get size 1", getxattr(file, "user.a", buf, 1));
  show("fget", fgetxattr(fd, "user.a", buf, sizeof buf));
  long n = listxattr(file, buf, sizeof buf);
  list("file", n, buf);
  show("list size 0", listxattr(file, NULL, 0));
  show("list size 3", listxattr(file, buf, 3));
  n = flistxattr(fd, buf, sizeof buf);
  list("fd", n, buf);
  show("remove user.b", removexattr(file, "user.b"));
  show("remove user.b again", removexattr(file, "user.b"));
  show("fremove trusted.t", fremovexattr(fd, "trusted.t"));
  n = listxattr(file, buf, sizeof buf);
  list("file after", n, buf);
  show("set on dir", setxattr(dir, "user.d", "dd", 2, 0));
  get(dir, "user.d");

  const char *others[] = { argv[0], "/proc/self/status", "/dev/null", "/nonexistent" };
  const char *names[] = { "user.x", "security.selinux", "system.posix_acl_access", "trusted.x", "bogus", "user." };
  for (unsigned i = 0; i < sizeof others / sizeof others[0]; i++) {
    for (unsigned j = 0; j < sizeof names / sizeof names[0]; j++) get(others[i], names[j]);
    list(others[i] == argv[0] ? "binary" : others[i], listxattr(others[i], buf, sizeof buf), buf);
    /* not the binary: the host's files are read-only under faultline */
    if (i > 0) show("remove user.x", removexattr(others[i], "user.x"));
  }
  show("set on /proc", setxattr("/proc/self/status", "user.x", "x", 1, 0));
  show("set user. on /dev/null", setxattr("/dev/null", "user.x", "x", 1, 0));
  int p[2];
  pipe(p);
  show("fget on a pipe", fgetxattr(p[0], "user.x", buf, sizeof buf));
  show("fget bogus on a pipe", fgetxattr(p[0], "bogus", buf, sizeof buf));
  show("fget bad fd", fgetxattr(99, "user.x", buf, sizeof buf));
  int path = open(file, O_PATH);
  show("fget O_PATH", fgetxattr(path, "user.a", buf, sizeof buf));

  unlink(link);
  unlink(file);
  rmdir(dir);
  return 0;
}
