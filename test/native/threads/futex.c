/* futex(2) directly: EAGAIN when the word differs, EFAULT on an unmapped
   address, ETIMEDOUT after a relative and an absolute timeout, EINVAL for
   a bad op or timespec, and a wake that finds nobody returns 0. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* include/uapi/linux/futex.h (musl ships no linux/ headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

static long futex(void *uaddr, int op, int val, void *timeout, void *uaddr2, int val3) {
  return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

static void show(const char *what, long r) {
  printf("%-36s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

int main(void) {
  int word = 5;
  void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(hole, 4096);
  struct timespec rel = {0, 1000000}, bad = {0, 1000000000};
  show("wait, value differs", futex(&word, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0));
  show("wait, unmapped", futex(hole, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
  show("wait, shared, unmapped", futex(hole, FUTEX_WAIT, 0, NULL, NULL, 0));
  show("wait, misaligned", futex((char *)&word + 1, FUTEX_WAIT_PRIVATE, 5, NULL, NULL, 0));
  show("wait, 1 ms", futex(&word, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0));
  show("wait, bad timespec", futex(&word, FUTEX_WAIT_PRIVATE, 5, &bad, NULL, 0));
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  now.tv_nsec += 2000000;
  if (now.tv_nsec >= 1000000000) { now.tv_sec++; now.tv_nsec -= 1000000000; }
  show("wait_bitset, absolute monotonic", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &now, NULL, FUTEX_BITSET_MATCH_ANY));
  show("wait_bitset, bitset 0", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &now, NULL, 0));
  show("wake, nobody waits", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  show("wake, shared, unmapped", futex(hole, FUTEX_WAKE, 1, NULL, NULL, 0));
  show("wake, unmapped", futex(hole, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  show("wake_bitset, bitset 0", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0));
  show("op 99", futex(&word, 99, 0, NULL, NULL, 0));
  return 0;
}
