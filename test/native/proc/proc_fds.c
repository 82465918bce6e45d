// /proc/self/fd and /proc/self/fdinfo as a program sees them: the name of
// each kind of file (pipe, socket, eventfd, timerfd, pidfd, epoll, files by
// path, an unlinked file, a directory, an O_PATH descriptor), each link's
// mode, fdinfo's lines, reopening through the links, and /dev/fd and
// /dev/stdin. What a run cannot reproduce (inode numbers, mount ids, a
// timer's nanoseconds, pids) is checked here against the program's own
// fstat, mountinfo and getpid, and printed as the check's result.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <unistd.h>

static char dir[64];

/** The mount id mountinfo gives the mount of device `dev`, or -1 when none shows it. */
static int mount_of(dev_t dev) {
  FILE *f = fopen("/proc/self/mountinfo", "r");
  char line[4096];
  int found = -1;
  while (fgets(line, sizeof line, f)) {
    int id, parent;
    unsigned maj, min;
    if (sscanf(line, "%d %d %u:%u", &id, &parent, &maj, &min) == 4 && maj == major(dev) && min == minor(dev) && found < 0) found = id;
  }
  fclose(f);
  return found;
}

/** readlink of /proc/self/fd/N, its inode number checked against fstat and the temporary directory's name shown as D. */
static void link_of(int fd) {
  char p[64], l[512], out[512];
  struct stat st, lst;
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(p, l, sizeof l - 1);
  if (n < 0) { printf("fd %d: readlink %s\n", fd, strerror(errno)); return; }
  l[n] = 0;
  fstat(fd, &st);
  lstat(p, &lst);
  char *br = strchr(l, '[');
  if (br && br[1] >= '0' && br[1] <= '9') {
    unsigned long ino = strtoul(br + 1, 0, 10);
    snprintf(out, sizeof out, "%.*s[%s]", (int)(br - l), l, ino == st.st_ino ? "st_ino" : "OTHER");
  } else if (!strncmp(l, dir, strlen(dir))) {
    snprintf(out, sizeof out, "D%s", l + strlen(dir));
  } else {
    snprintf(out, sizeof out, "%s", l);
  }
  printf("fd %d -> %s (link mode %o size %ld blocks %ld)\n", fd, out, lst.st_mode, (long)lst.st_size, (long)lst.st_blocks);
}

/** /proc/self/fdinfo/N, line by line; what depends on the run is checked. */
static void info_of(int fd) {
  char p[64], buf[4096];
  struct stat st;
  fstat(fd, &st);
  snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(p, "r");
  if (!f) { printf("fdinfo %d: %s\n", fd, strerror(errno)); return; }
  while (fgets(buf, sizeof buf, f)) {
    long v;
    unsigned long ino, sdev;
    int tfd;
    unsigned events;
    if (sscanf(buf, "mnt_id:\t%ld", &v) == 1) {
      int m = mount_of(st.st_dev);
      printf("  mnt_id: %s\n", m < 0 ? "not in mountinfo" : m == v ? "its mount's" : "ANOTHER");
    } else if (sscanf(buf, "ino:\t%lu", &ino) == 1) {
      printf("  ino: %s\n", ino == st.st_ino ? "st_ino" : "OTHER");
    } else if (sscanf(buf, "eventfd-id: %ld", &v) == 1) {
      printf("  eventfd-id: %s\n", v >= 0 ? "an id" : "BAD");
    } else if (sscanf(buf, "it_value: (%ld,", &v) == 1) {
      printf("  it_value: (%ld, ns)\n", v);
    } else if (sscanf(buf, "Pid:\t%ld", &v) == 1 || sscanf(buf, "NSpid:\t%ld", &v) == 1) {
      printf("  %.*s %s\n", (int)(strchr(buf, ':') - buf + 1), buf, v == getpid() ? "getpid()" : v == -1 ? "-1" : "OTHER");
    } else if (sscanf(buf, "tfd: %d events: %x data: %*x pos:%*d ino:%lx sdev:%lx", &tfd, &events, &ino, &sdev) == 4) {
      struct stat t;
      fstat(tfd, &t);
      printf("  tfd %d events %x: %s\n", tfd, events, ino == t.st_ino && sdev == t.st_dev ? "its inode and device" : "OTHER");
    } else {
      printf("  %s", buf);
    }
  }
  fclose(f);
}

static void show(const char *what, int fd) {
  printf("%s:\n", what);
  link_of(fd);
  info_of(fd);
}

/** open of /proc/self/fd/N: the fd or the error. */
static int reopen(int fd, int flags) {
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  int r = open(p, flags);
  printf("reopen of fd %d (flags %o): %s\n", fd, flags, r < 0 ? strerror(errno) : "a descriptor");
  return r;
}

int main(void) {
  // Only what this program opens: descriptors a native run inherits go.
  for (int fd = 3; fd < 1024; fd++) close(fd);
  strcpy(dir, "/tmp/proc_fds-XXXXXX");
  if (!mkdtemp(dir)) return 1;
  struct stat st;

  int p[2];
  pipe2(p, O_NONBLOCK);
  show("pipe read end", p[0]);
  show("pipe write end", p[1]);
  int s[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, s);
  show("socket", s[0]);
  int e = eventfd(5, EFD_CLOEXEC);
  show("eventfd", e);
  int t = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec its = { { 1, 0 }, { 2, 500 } };
  timerfd_settime(t, 0, &its, 0);
  show("timerfd", t);
  int pf = syscall(SYS_pidfd_open, getpid(), 0);
  show("pidfd", pf);
  int ep = epoll_create1(0);
  struct epoll_event ev = { EPOLLIN, { .u64 = 7 } };
  epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
  show("epoll", ep);

  char path[128];
  snprintf(path, sizeof path, "%s/file", dir);
  int f = open(path, O_RDWR | O_CREAT | O_APPEND, 0600);
  write(f, "abcdef", 6);
  show("file", f);
  lseek(f, 2, SEEK_SET);
  fcntl(f, F_SETFL, O_NONBLOCK);
  show("file after lseek and F_SETFL", f);
  int ro = open(path, O_RDONLY);
  show("file read-only", ro);
  unlink(path);
  show("unlinked file", f);
  int again = reopen(f, O_RDONLY);
  char b[16] = { 0 };
  printf("reopened unlinked file reads %zd bytes \"%s\" from its own offset %ld\n", read(again, b, 3), b, (long)lseek(again, 0, SEEK_CUR));
  int d = open(dir, O_RDONLY | O_DIRECTORY);
  show("directory", d);
  int op = open(dir, O_PATH);
  show("O_PATH", op);
  int dd = reopen(op, O_RDONLY | O_DIRECTORY);
  printf("reopened directory: fstat is a directory %d\n", fstat(dd, &st) == 0 && S_ISDIR(st.st_mode));
  int dn = open("/dev/null", O_WRONLY | O_CLOEXEC);
  show("/dev/null", dn);

  // A pipe opened again is the same pipe.
  int w2 = reopen(p[1], O_WRONLY);
  write(w2, "hi", 2);
  memset(b, 0, sizeof b);
  printf("through the reopened write end: %zd \"%s\"\n", read(p[0], b, sizeof b), b);
  int r2 = reopen(p[0], O_RDWR);
  write(p[1], "yo", 2);
  memset(b, 0, sizeof b);
  printf("through the reopened read end: %zd \"%s\"\n", read(r2, b, sizeof b), b);
  reopen(s[0], O_RDWR);
  reopen(e, O_RDWR);
  reopen(t, O_RDONLY);
  reopen(ep, O_RDONLY);
  int pf2 = reopen(pf, O_RDONLY);
  if (pf2 >= 0) info_of(pf2);

  // The directories themselves.
  int open_fds = 0;
  for (int fd = 0; fd < 1024; fd++) open_fds += fcntl(fd, F_GETFD) >= 0;
  lstat("/proc/self/fd", &st);
  printf("/proc/self/fd: mode %o nlink %ld, size is the open descriptors: %d\n", st.st_mode, (long)st.st_nlink, st.st_size == open_fds);
  lstat("/proc/self/fdinfo", &st);
  printf("/proc/self/fdinfo: mode %o size %ld\n", st.st_mode, (long)st.st_size);
  lstat("/proc/self/fdinfo/0", &st);
  printf("/proc/self/fdinfo/0: mode %o size %ld\n", st.st_mode, (long)st.st_size);
  DIR *fds = opendir("/proc/self/fd");
  int listed = 0, ascending = 1, last = -1;
  for (struct dirent *de; (de = readdir(fds));) {
    if (de->d_name[0] == '.') continue;
    int fd = atoi(de->d_name);
    ascending &= fd > last;
    last = fd;
    listed++;
  }
  closedir(fds);
  printf("readdir lists every descriptor, its own too: %d, lowest first: %d\n", listed == open_fds + 1, ascending);

  // Closed descriptors have neither.
  char l[256];
  close(dn);
  printf("closed: readlink %s, fdinfo %s\n", readlink("/proc/self/fd/1000", l, sizeof l) < 0 ? strerror(errno) : "found",
         open("/proc/self/fdinfo/1000", O_RDONLY) < 0 ? strerror(errno) : "found");

  // /dev/fd and the standard streams' links.
  const char *links[] = { "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr" };
  for (int i = 0; i < 4; i++) {
    ssize_t n = readlink(links[i], l, sizeof l - 1);
    l[n < 0 ? 0 : n] = 0;
    printf("%s -> %s\n", links[i], l);
  }
  snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
  struct stat a, bst;
  fstat(p[0], &a);
  stat(path, &bst);
  printf("stat of /dev/fd/N is its file: %d\n", a.st_ino == bst.st_ino && a.st_dev == bst.st_dev && a.st_mode == bst.st_mode);
  fstat(1, &a);
  stat("/dev/stdout", &bst);
  printf("stat of /dev/stdout is fd 1's file: %d\n", a.st_ino == bst.st_ino && a.st_dev == bst.st_dev);
  rmdir(dir);
  return 0;
}
