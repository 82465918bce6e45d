// process_vm_readv and process_vm_writev between a parent and its child:
// scattered pieces both sides, pages the child has not touched yet (faulted
// in for the copy), a transfer cut short by an unmapped or read-only page
// (the bytes so far, or EFAULT when none), and the calls' argument errors.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(ssize_t r) {
  static char b[64];
  if (r >= 0) snprintf(b, sizeof b, "%zd", r);
  else snprintf(b, sizeof b, "%s", strerror(errno));
  return b;
}

int main(void) {
  // Three pages the child fills before the fork, three it never touches, a read-only one, and a hole.
  char *area = mmap(0, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 3 * 4096; i++) area[i] = 'a' + i % 26;
  munmap(area + 7 * 4096, 4096);
  mprotect(area + 6 * 4096, 4096, PROT_READ);
  int ready[2], done[2];
  pipe(ready);
  pipe(done);
  pid_t child = fork();
  if (child == 0) {
    // The parent's writes land in this copy only.
    char c;
    write(ready[1], "r", 1);
    read(done[0], &c, 1);
    char seen[64];
    int n = snprintf(seen, sizeof seen, "%.5s %.5s %.3s", area + 100, area + 4 * 4096, area + 5 * 4096 - 1);
    write(ready[1], seen, n);
    return 0;
  }
  char c;
  read(ready[0], &c, 1);

  char a[10] = { 0 }, b[7000] = { 0 };
  struct iovec local[2] = { { a, 9 }, { b, sizeof b } };
  struct iovec remote[2] = { { area + 4090, 12 }, { area + 5000, 5000 } };
  ssize_t r = process_vm_readv(child, local, 2, remote, 2, 0);
  printf("readv across pages and pieces: %s: %.9s %.3s %.6s\n", err(r), a, b, b + 4995);

  // Pages the child never touched read as zeros; a hole ends the transfer.
  struct iovec untouched = { area + 3 * 4096, 4096 };
  struct iovec mine = { b, 4096 };
  memset(b, 1, sizeof b);
  r = process_vm_readv(child, &mine, 1, &untouched, 1, 0);
  printf("an untouched page: %s, zero %d\n", err(r), b[0] == 0 && b[4095] == 0);
  struct iovec to_hole = { area + 7 * 4096 - 100, 200 };
  struct iovec big = { b, 200 };
  printf("into the hole: %s\n", err(process_vm_readv(child, &big, 1, &to_hole, 1, 0)));
  struct iovec hole = { area + 7 * 4096, 10 };
  printf("the hole alone: %s\n", err(process_vm_readv(child, &big, 1, &hole, 1, 0)));
  struct iovec two[2] = { { area, 10 }, { area + 7 * 4096, 10 } };
  printf("a piece then the hole: %s\n", err(process_vm_readv(child, &big, 1, two, 2, 0)));
  struct iovec bad_local = { (void *)8, 10 };
  printf("to an unmapped local buffer: %s\n", err(process_vm_readv(child, &bad_local, 1, two, 1, 0)));

  // Writes: into a page it has, one it never touched, and the read-only one.
  struct iovec src = { "HELLO", 5 };
  struct iovec at[3] = { { area + 100, 5 }, { area + 4 * 4096, 5 }, { area + 6 * 4096, 5 } };
  printf("writev to three pieces, the last read-only: %s\n", err(process_vm_writev(child, (struct iovec[]){ { "HELLOHELLOHELLO", 15 } }, 1, at, 3, 0)));
  printf("writev to the read-only page alone: %s\n", err(process_vm_writev(child, &src, 1, &at[2], 1, 0)));
  struct iovec across = { area + 5 * 4096 - 1, 3 };
  printf("writev across a page it never touched: %s\n", err(process_vm_writev(child, &(struct iovec){ "xyz", 3 }, 1, &across, 1, 0)));
  printf("ours unchanged: %.5s\n", area + 100);

  // Argument errors.
  printf("flags 1: %s\n", err(process_vm_readv(child, local, 2, remote, 2, 1)));
  printf("nothing local: %s\n", err(process_vm_readv(child, local, 0, remote, 2, 0)));
  printf("nothing remote: %s\n", err(process_vm_readv(child, local, 2, remote, 0, 0)));
  printf("1025 pieces: %s\n", err(process_vm_readv(child, local, 1025, remote, 2, 0)));
  printf("remote iovecs nowhere: %s\n", err(process_vm_readv(child, local, 2, (struct iovec *)8, 2, 0)));
  struct iovec negative = { area, (size_t)-1 };
  printf("a negative remote length: %s\n", err(process_vm_readv(child, local, 2, &negative, 1, 0)));
  printf("pid 0: %s\n", err(process_vm_readv(0, local, 2, remote, 2, 0)));
  printf("itself: %s\n", err(process_vm_readv(getpid(), local, 1, remote, 1, 0)));

  write(done[1], "d", 1);
  int status;
  waitpid(child, &status, 0);
  char seen[64] = { 0 };
  read(ready[0], seen, sizeof seen - 1);
  printf("child saw: %s\n", seen);
  printf("reaped: %s\n", err(process_vm_readv(child, local, 2, remote, 2, 0)));
  return 0;
}
