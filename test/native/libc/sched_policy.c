/* Scheduling policies and the other per-task knobs a program may set or ask
 * about: sched_setscheduler and kin (with SCHED_RESET_ON_FORK across fork),
 * sched_setaffinity, personality, ioprio, membarrier, protection keys (none
 * on this CPU) and close_range. Results and errno numbers, as the kernel
 * gives them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHOW(call) do { errno = 0; long r_ = (long)(call); printf("%s = %ld", #call, r_); if (r_ < 0) printf(" errno %d", errno); printf("\n"); } while (0)

static long sc(long nr, long a, long b, long c) { return syscall(nr, a, b, c); }

static void param(int policy, int prio) {
  struct sched_param p = { .sched_priority = prio };
  printf("policy %d prio %d: ", policy, prio);
  SHOW(sc(SYS_sched_setscheduler, 0, policy, (long)&p));
  struct sched_param q = { .sched_priority = -7 };
  long r = sc(SYS_sched_getparam, 0, (long)&q, 0);
  printf("  now %ld, param %ld %d\n", sc(SYS_sched_getscheduler, 0, 0, 0), r, q.sched_priority);
}

int main(void) {
  struct sched_param p = { 0 };
  struct timespec ts = { 7, 7 };
  SHOW(sc(SYS_sched_getscheduler, 0, 0, 0));
  SHOW(sc(SYS_sched_getscheduler, -1, 0, 0));
  SHOW(sc(SYS_sched_getscheduler, 99999, 0, 0));
  SHOW(sc(SYS_sched_getparam, 0, 0, 0));
  SHOW(sc(SYS_sched_setscheduler, 0, 0, 0));
  SHOW(sc(SYS_sched_setparam, -1, (long)&p, 0));
  for (int pol = -1; pol <= 8; pol++)
    printf("priorities of %d: %ld..%ld\n", pol, sc(SYS_sched_get_priority_min, pol, 0, 0), sc(SYS_sched_get_priority_max, pol, 0, 0));
  int tries[][2] = { { 0, 5 }, { 3, 0 }, { 5, 0 }, { 1, 0 }, { 1, 10 }, { 2, 99 }, { 2, 100 }, { 4, 0 }, { 6, 0 }, { 8, 0 }, { 1, -1 }, { 2, 3 } };
  for (unsigned k = 0; k < sizeof tries / sizeof tries[0]; k++) param(tries[k][0], tries[k][1]);
  SHOW(sc(SYS_sched_rr_get_interval, 0, (long)&ts, 0));
  printf("rr %ld %ld\n", (long)ts.tv_sec, ts.tv_nsec);
  p.sched_priority = 20;
  SHOW(sc(SYS_sched_setparam, 0, (long)&p, 0));
  SHOW(sc(SYS_sched_getparam, 0, (long)&p, 0));
  printf("prio %d\n", p.sched_priority);
  p.sched_priority = 0;
  SHOW(sc(SYS_sched_setparam, 0, (long)&p, 0));
  p.sched_priority = 4;
  SHOW(sc(SYS_sched_setscheduler, 0, SCHED_FIFO | SCHED_RESET_ON_FORK, (long)&p));
  SHOW(sc(SYS_sched_getscheduler, 0, 0, 0));
  SHOW(sc(SYS_sched_rr_get_interval, 0, (long)&ts, 0));
  printf("fifo %ld %ld\n", (long)ts.tv_sec, ts.tv_nsec);
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    struct sched_param c = { -1 };
    printf("child: %ld, ", sc(SYS_sched_getscheduler, 0, 0, 0));
    sc(SYS_sched_getparam, 0, (long)&c, 0);
    printf("prio %d\n", c.sched_priority);
    return 0;
  }
  waitpid(child, NULL, 0);
  p.sched_priority = 0;
  SHOW(sc(SYS_sched_setscheduler, 0, SCHED_BATCH, (long)&p));
  SHOW(sc(SYS_sched_rr_get_interval, 0, (long)&ts, 0));
  printf("batch %ld %ld\n", (long)ts.tv_sec, ts.tv_nsec);

  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  SHOW(sc(SYS_sched_setaffinity, 0, sizeof set, (long)&set));
  CPU_ZERO(&set);
  CPU_SET(100, &set);
  SHOW(sc(SYS_sched_setaffinity, 0, sizeof set, (long)&set));
  SHOW(sc(SYS_sched_setaffinity, 0, 0, (long)&set));

  SHOW(sc(SYS_personality, 0xffffffff, 0, 0));
  SHOW(sc(SYS_personality, 0x0040000, 0, 0));
  SHOW(sc(SYS_personality, 0xffffffff, 0, 0));
  SHOW(sc(SYS_personality, 0, 0, 0));

  SHOW(sc(SYS_ioprio_get, 1, 0, 0));
  SHOW(sc(SYS_ioprio_set, 1, 0, (2 << 13) | 4));
  SHOW(sc(SYS_ioprio_get, 1, 0, 0));
  SHOW(sc(SYS_ioprio_set, 1, 0, (2 << 13) | 8));
  SHOW(sc(SYS_ioprio_set, 1, 0, (3 << 13)));
  SHOW(sc(SYS_ioprio_set, 1, 0, 1));
  SHOW(sc(SYS_ioprio_set, 1, 0, 4 << 13));
  SHOW(sc(SYS_ioprio_set, 1, 0, 0x10000 | (3 << 13) | 0x1ff8));
  SHOW(sc(SYS_ioprio_get, 1, 0, 0));
  SHOW(sc(SYS_ioprio_get, 1, getpid(), 0));
  SHOW(sc(SYS_ioprio_get, 0, 0, 0));

  /* query, query with a flag, the global ones, private expedited before and after its registration, registrations, unknown */
  long barriers[][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 2, 0 }, { 8, 0 }, { 16, 0 }, { 8, 0 }, { 512, 0 }, { 3, 0 }, { 1024, 0 } };
  for (unsigned k = 0; k < sizeof barriers / sizeof barriers[0]; k++) {
    printf("membarrier(%ld, %ld): ", barriers[k][0], barriers[k][1]);
    SHOW(sc(SYS_membarrier, barriers[k][0], barriers[k][1], 0));
  }

  SHOW(sc(SYS_pkey_alloc, 0, 0, 0));
  SHOW(sc(SYS_pkey_free, 1, 0, 0));
  char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  m[0] = 1;
  SHOW(syscall(SYS_pkey_mprotect, m, 4096, PROT_READ, -1));
  SHOW(syscall(SYS_pkey_mprotect, m, 4096, PROT_READ, 1));

  int fds[4];
  for (int k = 0; k < 4; k++) fds[k] = open("/dev/null", O_RDONLY);
  printf("fds %d %d %d %d\n", fds[0], fds[1], fds[2], fds[3]);
  SHOW(sc(SYS_close_range, fds[1], fds[2], 0));
  SHOW(fcntl(fds[1], F_GETFD));
  SHOW(fcntl(fds[3], F_GETFD));
  SHOW(sc(SYS_close_range, fds[3], fds[3], 4 /* CLOSE_RANGE_CLOEXEC */));
  SHOW(fcntl(fds[3], F_GETFD));
  SHOW(sc(SYS_close_range, 5, 3, 0));
  SHOW(sc(SYS_close_range, 3, 3, 8));
  SHOW(sc(SYS_close_range, fds[0], ~0U, 2 /* CLOSE_RANGE_UNSHARE */));
  SHOW(fcntl(fds[0], F_GETFD));
  SHOW(fcntl(fds[3], F_GETFD));
  return 0;
}
