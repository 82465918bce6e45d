/* Resource limits a program sets on itself, as the kernel enforces them:
 * RLIMIT_NOFILE (open, pipe, dup2, F_DUPFD, poll), RLIMIT_AS (mmap, malloc,
 * mremap, brk), RLIMIT_DATA (brk, private writable mmap but not a
 * read-only one), RLIMIT_STACK (a recursion past it is SIGSEGV in a child);
 * and that a child inherits them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1L << 20)

static void result(const char *what, long r) {
  printf("%s: %s %s\n", what, r < 0 ? "-1" : "ok", r < 0 ? strerror(errno) : "");
}

static int set(int resource, rlim_t cur, rlim_t max) {
  struct rlimit rl = { cur, max };
  return setrlimit(resource, &rl);
}

static long mapped(size_t len, int prot) {
  void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? -1 : (long)(munmap(p, len), 0);
}

static int depth(int n) {
  volatile char frame[1024];
  frame[0] = (char)n;
  return n == 0 ? frame[0] : depth(n - 1) + frame[0];
}

int main(void) {
  /* RLIMIT_NOFILE: descriptors stay below it. */
  for (int fd = 3; fd < 10; fd++) close(fd);
  result("setrlimit NOFILE 10", set(RLIMIT_NOFILE, 10, 4096));
  int opened = 0, fd;
  while ((fd = open("/dev/null", O_RDONLY)) >= 0) opened++;
  printf("opened %d\n", opened);
  result("open past the limit", fd);
  result("dup2 to 9", dup2(0, 9));
  result("dup2 to 10", dup2(0, 10));
  result("F_DUPFD 10", fcntl(0, F_DUPFD, 10));
  int p[2];
  result("pipe", pipe(p));
  struct pollfd fds[11] = {{0}};
  result("poll 11", poll(fds, 11, 0));
  result("poll 10", poll(fds, 10, 0));
  close(9);
  close(8);
  result("pipe", pipe(p));
  printf("pipe fds %d %d\n", p[0], p[1]);
  result("setrlimit NOFILE 4096", set(RLIMIT_NOFILE, 4096, 4096));
  result("dup2 to 2000", dup2(0, 2000));
  result("F_DUPFD 3000", fcntl(0, F_DUPFD, 3000));
  result("setrlimit NOFILE above max", set(RLIMIT_NOFILE, 5000, 4096));
  for (fd = 3; fd < 10; fd++) close(fd);

  /* RLIMIT_AS: what the process maps in all. */
  result("mmap 64 MiB", mapped(64 * MiB, PROT_READ));
  result("setrlimit AS 48 MiB", set(RLIMIT_AS, 48 * MiB, RLIM_INFINITY));
  result("mmap 64 MiB", mapped(64 * MiB, PROT_READ));
  result("mmap 8 MiB", mapped(8 * MiB, PROT_READ));
  errno = 0;
  void *big = malloc(64 * MiB);
  result("malloc 64 MiB", big ? 0 : -1);
  char *m = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  result("mremap to 64 MiB", mremap(m, 8 * MiB, 64 * MiB, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0);
  result("MAP_FIXED over itself", mmap(m, 8 * MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
  munmap(m, 8 * MiB);
  result("sbrk 64 MiB", sbrk(64 * MiB) == (void *)-1 ? -1 : 0);
  result("setrlimit AS infinity", set(RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY));

  /* RLIMIT_DATA: private writable memory and the heap. */
  result("setrlimit DATA 16 MiB", set(RLIMIT_DATA, 16 * MiB, RLIM_INFINITY));
  result("mmap rw 32 MiB", mapped(32 * MiB, PROT_READ | PROT_WRITE));
  result("mmap ro 32 MiB", mapped(32 * MiB, PROT_READ));
  result("sbrk 32 MiB", sbrk(32 * MiB) == (void *)-1 ? -1 : 0);
  result("sbrk 1 MiB", sbrk(MiB) == (void *)-1 ? -1 : 0);
  sbrk(-MiB);
  result("setrlimit DATA infinity", set(RLIMIT_DATA, RLIM_INFINITY, RLIM_INFINITY));

  /* RLIMIT_STACK: a child lowers it, then recurses 2 MiB deep; another stays within. */
  for (int deep = 0; deep < 2; deep++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      set(RLIMIT_STACK, MiB, RLIM_INFINITY);
      printf("child sum %d\n", depth(deep ? 2048 : 256) & 0xff);
      fflush(stdout);
      _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  }

  /* A child inherits the limits. */
  set(RLIMIT_AS, 48 * MiB, RLIM_INFINITY);
  fflush(stdout);
  if (fork() == 0) {
    result("child mmap 64 MiB", mapped(64 * MiB, PROT_READ));
    fflush(stdout);
    _exit(0);
  }
  wait(NULL);
  return 0;
}
