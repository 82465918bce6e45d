/* futex(FUTEX_WAKE_OP) directly: the operation on the second word (SET,
   ADD, OR, ANDN, XOR; 1 << oparg with FUTEX_OP_OPARG_SHIFT; 12-bit signed
   arguments), its comparison with the old value deciding whether the
   second word's waiters wake too, and its errors; then the wakes counted
   with threads asleep on both words (a wake count of 0 still wakes one). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../asleep.h"

/* include/uapi/linux/futex.h (musl ships no linux/ headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE_OP 5
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR 4
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2
#define FUTEX_OP_CMP_LE 3
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP_CMP_GE 5
#define FUTEX_OP(op, oparg, cmp, cmparg) \
  ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static long futex(void *uaddr, int op, int val, long val2, void *uaddr2, int val3) {
  return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static int w1, w2;

static void op(const char *what, int before, int nr, long nr2, void *u1, void *u2, unsigned encoded, int shared) {
  if (u2 == &w2) w2 = before;
  errno = 0;
  long r = futex(u1, FUTEX_WAKE_OP | (shared ? 0 : FUTEX_PRIVATE_FLAG), nr, nr2, u2, (int)encoded);
  printf("%-34s %2ld %-34s w2 %#x\n", what, r, r < 0 ? strerror(errno) : "", (unsigned)w2);
}

static volatile pid_t tids[4];
static long results[4];

static void *waiter(void *arg) {
  long i = (long)arg;
  int *w = i < 2 ? &w1 : &w2;
  int val = *w;
  tids[i] = syscall(SYS_gettid);
  results[i] = futex(w, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val, 0, NULL, 0);
  return NULL;
}

int main(void) {
  char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(hole, 4096);
  op("set 5, eq 0", 0, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0), 0);
  op("add 3, gt 4", 5, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 4), 0);
  op("add -1, lt -1", 0, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_ADD, -1, FUTEX_OP_CMP_LT, -1), 0);
  op("or 0xf0, ne 1", 1, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_OR, 0xf0, FUTEX_OP_CMP_NE, 1), 0);
  op("andn 0x11, le 0", 0xff, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_ANDN, 0x11, FUTEX_OP_CMP_LE, 0), 0);
  op("xor 0x7ff, ge -2048", 0x700, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_XOR, 0x7ff, FUTEX_OP_CMP_GE, -2048), 0);
  op("or 1<<4", 0, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 0), 0);
  op("set 1<<31", 0, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 31, FUTEX_OP_CMP_EQ, 0), 0);
  op("set 1<<40 (shift over 31)", 0, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 40, FUTEX_OP_CMP_EQ, 0), 0);
  op("set 1<<-1", 0, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, -1, FUTEX_OP_CMP_EQ, 0), 0);
  op("op 5", 9, 1, 1, &w1, &w2, FUTEX_OP(5, 1, FUTEX_OP_CMP_EQ, 0), 0);
  op("op 7", 9, 1, 1, &w1, &w2, FUTEX_OP(7, 1, FUTEX_OP_CMP_EQ, 0), 0);
  op("cmp 6", 9, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_ADD, 1, 6, 0), 0);
  op("cmp 15", 9, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_ADD, 1, 15, 0), 0);
  op("second word read-only", 0, 1, 1, &w1, ro, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0), 0);
  op("second word unmapped", 0, 1, 1, &w1, hole, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0), 0);
  op("second word misaligned", 0, 1, 1, &w1, (char *)&w2 + 1, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0), 0);
  op("first word misaligned", 0, 1, 1, (char *)&w1 + 2, &w2, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0), 0);
  op("first word unmapped", 0, 1, 1, hole, &w2, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0), 0);
  op("first word unmapped, shared", 0, 1, 1, hole, &w2, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0), 1);
  op("shared, nobody waits", 0, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0), 1);

  pthread_t t[4];
  w1 = w2 = 0;
  for (long i = 0; i < 4; i++) {
    pthread_create(&t[i], NULL, waiter, (void *)i);
    while (!tids[i]) sched_yield();
    wait_asleep(tids[i]);
  }
  op("1 and 1 of 2 and 2 waiters", 0, 1, 1, &w1, &w2, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0), 0);
  op("5 and 5, comparison false", 1, 5, 5, &w1, &w2, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0), 0);
  op("0 and 0 wake one", 0, 0, 0, &w1, &w2, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0), 0);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  printf("waiters' futex waits returned %ld %ld %ld %ld\n", results[0], results[1], results[2], results[3]);
  return 0;
}
