/* futex's priority-inheritance operations directly, on the owner-TID word
   protocol: FUTEX_LOCK_PI takes a free word (its tid in it), refuses the
   caller's own (EDEADLK) and a word naming no task (ESRCH, FUTEX_WAITERS
   left set); a locker that must wait sets FUTEX_WAITERS and is handed the
   lock by FUTEX_UNLOCK_PI (its tid and FUTEX_WAITERS in the word) or by the
   owner's exit (FUTEX_OWNER_DIED too); FUTEX_UNLOCK_PI by anyone but the owner is EPERM;
   FUTEX_TRYLOCK_PI never waits; a word a FUTEX_WAIT
   waiter sleeps on is no PI futex (EINVAL); the timeouts (LOCK_PI: absolute
   CLOCK_REALTIME; LOCK_PI2: absolute CLOCK_MONOTONIC unless
   FUTEX_CLOCK_REALTIME); FUTEX_WAKE on a word with a PI waiter (EINVAL). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../asleep.h"

/* include/uapi/linux/futex.h (musl ships no linux/ headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

static long futex(void *uaddr, int op, int val, const struct timespec *ts) {
  return syscall(SYS_futex, uaddr, op | FUTEX_PRIVATE_FLAG, val, ts, NULL, 0);
}
static pid_t gettid_(void) { return syscall(SYS_gettid); }

static unsigned word;
static pid_t me;

/* The word, with any tid spelled as who it is. */
static const char *spell(unsigned w, pid_t owner, const char *name) {
  static char buf[96];
  pid_t tid = w & FUTEX_TID_MASK;
  snprintf(buf, sizeof buf, "%s%s%s", w & FUTEX_WAITERS ? "WAITERS|" : "", w & FUTEX_OWNER_DIED ? "OWNER_DIED|" : "",
           tid == 0 ? "0" : tid == me ? "main" : tid == owner ? name : tid == 0x3ffffffe ? "nobody" : "other");
  return buf;
}

static void show(const char *what, long r, pid_t owner, const char *name) {
  printf("%-40s %3ld %-32s word %s\n", what, r, r < 0 ? strerror(errno) : "", spell(word, owner, name));
}

static volatile pid_t holder, waiter;
static volatile int go, got;
static long waiter_ret;
static unsigned waiter_saw;

/* Takes the word and holds it until told, then unlocks (or, told so, exits holding it). */
static void *hold(void *arg) {
  long r = futex(&word, FUTEX_LOCK_PI, 0, NULL);
  holder = gettid_();
  if (r != 0) printf("holder: lock %ld\n", r);
  while (!go) sched_yield();
  if (arg == NULL) {
    r = futex(&word, FUTEX_UNLOCK_PI, 0, NULL);
    if (r != 0) printf("holder: unlock %ld\n", r);
  }
  return NULL;
}

static void *wait_lock(void *arg) {
  (void)arg;
  waiter = gettid_();
  waiter_ret = futex(&word, FUTEX_LOCK_PI, 0, NULL);
  waiter_saw = word;
  got = 1;
  while (go != 2) sched_yield();
  long r = futex(&word, FUTEX_UNLOCK_PI, 0, NULL);
  if (r != 0) printf("waiter: unlock %ld %s\n", r, strerror(errno));
  return NULL;
}

static void *plain_wait(void *arg) {
  (void)arg;
  waiter = gettid_();
  futex(&word, FUTEX_WAIT, 7, NULL);
  return NULL;
}

static void deadline(struct timespec *ts, clockid_t clock) {
  clock_gettime(clock, ts);
  ts->tv_nsec += 2000000;
  if (ts->tv_nsec >= 1000000000) { ts->tv_sec++; ts->tv_nsec -= 1000000000; }
}

/* One round: a holder thread, a waiter thread that blocks on it, checks while both are there, and the hand-over. */
static void contended(int holder_exits) {
  pthread_t h, w;
  word = 0;
  holder = waiter = 0;
  go = got = 0;
  pthread_create(&h, NULL, hold, holder_exits ? (void *)1 : NULL);
  while (!holder) sched_yield();
  show("held by a thread", 0, holder, "holder");
  pthread_create(&w, NULL, wait_lock, NULL);
  while (!waiter) sched_yield();
  wait_asleep(waiter);
  show("a waiter blocks: FUTEX_WAITERS", 0, holder, "holder");
  if (!holder_exits) {
    struct timespec ts, bad = {0, 1000000000};
    show("unlock by a non-owner", futex(&word, FUTEX_UNLOCK_PI, 0, NULL), holder, "holder");
    show("trylock", futex(&word, FUTEX_TRYLOCK_PI, 0, NULL), holder, "holder");
    deadline(&ts, CLOCK_REALTIME);
    show("lock_pi, realtime deadline", futex(&word, FUTEX_LOCK_PI, 0, &ts), holder, "holder");
    deadline(&ts, CLOCK_MONOTONIC);
    show("lock_pi2, monotonic deadline", futex(&word, FUTEX_LOCK_PI2, 0, &ts), holder, "holder");
    deadline(&ts, CLOCK_REALTIME);
    show("lock_pi2|CLOCK_REALTIME, deadline", futex(&word, FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME, 0, &ts), holder, "holder");
    show("lock_pi, bad timespec", futex(&word, FUTEX_LOCK_PI, 0, &bad), holder, "holder");
    show("lock_pi|CLOCK_REALTIME", futex(&word, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL), holder, "holder");
    show("wake with a PI waiter", futex(&word, FUTEX_WAKE, 1, NULL), holder, "holder");
  }
  go = 1;
  while (!got) sched_yield();
  word = waiter_saw;
  show(holder_exits ? "owner exited: the waiter has it" : "unlocked: the waiter has it", waiter_ret, waiter, "waiter");
  go = 2;
  pthread_join(w, NULL);
  pthread_join(h, NULL);
  show("the waiter unlocked", 0, waiter, "waiter");
}

int main(void) {
  me = gettid_();
  void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(hole, 4096);
  show("lock a free word", futex(&word, FUTEX_LOCK_PI, 0, NULL), 0, "");
  show("lock it again", futex(&word, FUTEX_LOCK_PI, 0, NULL), 0, "");
  show("trylock it again", futex(&word, FUTEX_TRYLOCK_PI, 0, NULL), 0, "");
  show("unlock", futex(&word, FUTEX_UNLOCK_PI, 0, NULL), 0, "");
  show("unlock a free word", futex(&word, FUTEX_UNLOCK_PI, 0, NULL), 0, "");
  show("trylock a free word", futex(&word, FUTEX_TRYLOCK_PI, 0, NULL), 0, "");
  word |= FUTEX_WAITERS;
  show("unlock with FUTEX_WAITERS, none waits", futex(&word, FUTEX_UNLOCK_PI, 0, NULL), 0, "");
  word = FUTEX_WAITERS;
  show("lock, FUTEX_WAITERS and no owner", futex(&word, FUTEX_LOCK_PI, 0, NULL), 0, "");
  futex(&word, FUTEX_UNLOCK_PI, 0, NULL);
  word = FUTEX_OWNER_DIED;
  show("lock, FUTEX_OWNER_DIED", futex(&word, FUTEX_LOCK_PI, 0, NULL), 0, "");
  show("unlock", futex(&word, FUTEX_UNLOCK_PI, 0, NULL), 0, "");
  word = 0x3ffffffe;
  show("lock, owner is no task", futex(&word, FUTEX_LOCK_PI, 0, NULL), 0, "");
  show("trylock, owner is no task", futex(&word, FUTEX_TRYLOCK_PI, 0, NULL), 0, "");
  show("unlock, owner is no task", futex(&word, FUTEX_UNLOCK_PI, 0, NULL), 0, "");
  word = 0;
  show("lock, misaligned", futex((char *)&word + 1, FUTEX_LOCK_PI, 0, NULL), 0, "");
  show("unlock, misaligned", futex((char *)&word + 1, FUTEX_UNLOCK_PI, 0, NULL), 0, "");
  show("lock, unmapped", futex(hole, FUTEX_LOCK_PI, 0, NULL), 0, "");
  show("trylock, unmapped", futex(hole, FUTEX_TRYLOCK_PI, 0, NULL), 0, "");
  show("unlock, unmapped", futex(hole, FUTEX_UNLOCK_PI, 0, NULL), 0, "");
  word = 7;
  pthread_t w;
  waiter = 0;
  pthread_create(&w, NULL, plain_wait, NULL);
  while (!waiter) sched_yield();
  wait_asleep(waiter);
  show("lock, a FUTEX_WAIT waiter on it", futex(&word, FUTEX_LOCK_PI, 0, NULL), 0, "");
  show("wake it", futex(&word, FUTEX_WAKE, 1, NULL), 0, "");
  pthread_join(w, NULL);
  word = 0;
  contended(0);
  contended(1);
  word = 0;
  pthread_t h;
  holder = 0;
  go = 1;
  pthread_create(&h, NULL, hold, (void *)1);
  pthread_join(h, NULL);
  show("owner exited holding it", 0, holder, "holder");
  show("lock", futex(&word, FUTEX_LOCK_PI, 0, NULL), holder, "holder");
  return 0;
}
