/* process_madvise: advice on pieces of the caller's own memory through its
 * pidfd (any advice: MADV_DONTNEED empties the pages), and on a child's
 * (MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED; a destructive one is EINVAL);
 * the count of bytes advised before a piece that fails, and the errors:
 * flags, pieces, descriptors that are no pidfd, a child that has exited.
 * Results and errno numbers as the kernel gives them. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../show.h"

#ifndef MADV_COLD
#define MADV_COLD 20
#define MADV_PAGEOUT 21
#endif


static long pm(int pidfd, struct iovec *iov, size_t n, int advice, unsigned flags) {
  return syscall(SYS_process_madvise, pidfd, iov, n, advice, flags);
}

int main(void) {
  const long P = 4096;
  char *mem = mmap(NULL, 16 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(mem, 7, 16 * P);
  munmap(mem + 12 * P, P); /* a hole */
  int self = syscall(SYS_pidfd_open, getpid(), 0);

  struct iovec two[2] = {{mem, 2 * P}, {mem + 4 * P, 3 * P}};
  show("self MADV_COLD", pm(self, two, 2, MADV_COLD, 0));
  show("self MADV_PAGEOUT", pm(self, two, 2, MADV_PAGEOUT, 0));
  show("self MADV_WILLNEED", pm(self, two, 2, MADV_WILLNEED, 0));
  printf("bytes kept: %d %d\n", mem[0], mem[5 * P]);
  show("self MADV_DONTNEED", pm(self, two, 2, MADV_DONTNEED, 0));
  printf("bytes now: %d %d %d\n", mem[0], mem[5 * P], mem[3 * P]);
  show("none", pm(self, two, 0, MADV_COLD, 0));
  struct iovec empty[2] = {{mem + 1, 0}, {mem, P}};
  show("a misaligned empty piece first", pm(self, empty, 2, MADV_COLD, 0));
  struct iovec empties[2] = {{mem, P}, {mem + 1, 0}};
  show("a misaligned empty piece after", pm(self, empties, 2, MADV_COLD, 0));
  struct iovec bad2[2] = {{mem, P}, {mem + 1, P}};
  show("misaligned second", pm(self, bad2, 2, MADV_COLD, 0));
  show("misaligned first", pm(self, bad2 + 1, 1, MADV_COLD, 0));
  struct iovec hole[2] = {{mem + 10 * P, 4 * P}, {mem, P}};
  show("over the hole", pm(self, hole, 2, MADV_COLD, 0));
  struct iovec then_hole[2] = {{mem, P}, {mem + 10 * P, 4 * P}};
  show("over the hole second", pm(self, then_hole, 2, MADV_COLD, 0));
  show("advice 999", pm(self, two, 2, 999, 0));
  show("flags 1", pm(self, two, 2, MADV_COLD, 1));
  show("flags 1, bad fd", pm(99, two, 2, MADV_COLD, 1));
  static struct iovec many[1025];
  show("vlen 1025", pm(self, many, 1025, MADV_COLD, 0));
  show("vec unreadable", pm(self, (struct iovec *)8, 1, MADV_COLD, 0));
  show("vec unreadable, bad fd", pm(99, (struct iovec *)8, 1, MADV_COLD, 0));
  show("bad fd", pm(99, two, 2, MADV_COLD, 0));
  show("not a pidfd", pm(1, two, 2, MADV_COLD, 0));

  int ready[2], go[2];
  pipe(ready);
  pipe(go);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char c = 1;
    mem[0] = 9;
    write(ready[1], &c, 1);
    read(go[0], &c, 1);
    printf("child: bytes %d %d\n", mem[0], mem[5 * P]);
    fflush(stdout);
    _exit(0);
  }
  char c;
  read(ready[0], &c, 1);
  int child = syscall(SYS_pidfd_open, pid, 0);
  show("child MADV_COLD", pm(child, two, 2, MADV_COLD, 0));
  show("child MADV_PAGEOUT", pm(child, two, 2, MADV_PAGEOUT, 0));
  show("child MADV_WILLNEED", pm(child, two, 2, MADV_WILLNEED, 0));
  show("child MADV_DONTNEED", pm(child, two, 2, MADV_DONTNEED, 0));
  show("child MADV_FREE", pm(child, two, 2, MADV_FREE, 0));
  show("child advice 999", pm(child, two, 2, 999, 0));
  show("child over the hole", pm(child, hole, 2, MADV_PAGEOUT, 0));
  write(go[1], &c, 1);
  siginfo_t si;
  waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
  show("child exited", pm(child, two, 2, MADV_COLD, 0));
  waitpid(pid, NULL, 0);
  show("child reaped", pm(child, two, 2, MADV_COLD, 0));
  return 0;
}
