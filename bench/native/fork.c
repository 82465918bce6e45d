// Linux's own fork and copy-on-write cost, for bench/fork.ts: map an
// anonymous region, write every page, then fork; the parent times fork()
// (dup_mmap's page-table copy), the child times a write to every page
// (one COW fault each; the parent still maps them all) and reports it
// through a pipe.
// Usage: fork MIB   Prints: <pages> <fork ns> <cow ns>
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "now.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MIB\n", argv[0]);
    return 2;
  }
  size_t len = (size_t)atoi(argv[1]) << 20, page = 4096;
  char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  if (madvise(p, len, MADV_NOHUGEPAGE)) { perror("madvise"); return 1; }
  for (size_t i = 0; i < len; i += page) p[i] = 1;
  int fds[2];
  if (pipe(fds)) { perror("pipe"); return 1; }
  double t0 = now_ns();
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) {
    double t = now_ns();
    for (size_t i = 0; i < len; i += page) p[i] = 2;
    double cow = now_ns() - t;
    if (write(fds[1], &cow, sizeof cow) != sizeof cow) _exit(1);
    _exit(0);
  }
  double fork_ns = now_ns() - t0;
  double cow = 0;
  if (read(fds[0], &cow, sizeof cow) != sizeof cow) { perror("read"); return 1; }
  int status;
  waitpid(pid, &status, 0);
  printf("%zu %.0f %.0f\n", len / page, fork_ns, cow);
  return 0;
}
