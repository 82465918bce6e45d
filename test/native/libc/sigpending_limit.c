// RLIMIT_SIGPENDING (__sigqueue_alloc): with the limit at 16, sigqueue of a
// blocked real-time signal succeeds until the user's queue is full, then
// fails with EAGAIN, as tgkill of one does; kill of one already queued is
// absorbed, kill of another, and sigqueue of a standard signal, leave it
// pending with no siginfo of its own (SI_USER, no sender). Every process of
// the user counts, so a run as root becomes a user of its own (100000 + its
// pid), and the queue's fill is printed against SigQ's count before it.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int count[65], code[65], pid[65], value[65];

static void handler(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  count[sig]++;
  code[sig] = si->si_code;
  pid[sig] = si->si_pid;
  value[sig] = si->si_value.sival_int;
}

static int sigq(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  int n = -1;
  while (fgets(line, sizeof line, f)) sscanf(line, "SigQ:\t%d/", &n);
  fclose(f);
  return n;
}

int main(void) {
  uid_t own = 100000 + getpid();
  if (geteuid() == 0 && setresuid(own, own, own)) return 2;
  const int sigs[] = {SIGUSR1, SIGRTMIN, SIGRTMIN + 1, SIGRTMIN + 2};
  sigset_t set;
  sigemptyset(&set);
  for (int i = 0; i < 4; i++) {
    struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO};
    sigaction(sigs[i], &sa, NULL);
    sigaddset(&set, sigs[i]);
  }
  sigprocmask(SIG_BLOCK, &set, NULL);
  struct rlimit r = {16, 16};
  setrlimit(RLIMIT_SIGPENDING, &r);

  int before = sigq(), queued = 0, err = 0;
  for (int i = 0; i < 40 && !err; i++) {
    if (sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = i}) == 0) queued++;
    else err = errno;
  }
  printf("sigqueue SIGRTMIN: the queue filled (%s), then %s\n", before + queued == 16 ? "to the limit" : "not to the limit", strerror(err));
  printf("SigQ at the limit: %s\n", sigq() == 16 ? "yes" : "no");
  printf("kill SIGRTMIN: %d\n", kill(getpid(), SIGRTMIN));
  printf("kill SIGRTMIN+1, twice: %d %d\n", kill(getpid(), SIGRTMIN + 1), kill(getpid(), SIGRTMIN + 1));
  long t = syscall(SYS_tgkill, getpid(), gettid(), SIGRTMIN + 2);
  printf("tgkill SIGRTMIN+2: %ld %s\n", t, t ? strerror(errno) : "");
  printf("sigqueue SIGUSR1: %d\n", sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 7}));
  printf("SigQ still at the limit: %s\n", sigq() == 16 ? "yes" : "no");

  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("SIGRTMIN: %s, last value %s\n", count[SIGRTMIN] == queued ? "each queued one once" : "another count", value[SIGRTMIN] == queued - 1 ? "the last queued" : "another");
  for (int i = 0; i < 4; i++) {
    if (sigs[i] == SIGRTMIN) continue;
    printf("signal %d: delivered %d, si_code %d, sender %s\n", sigs[i], count[sigs[i]], code[sigs[i]], pid[sigs[i]] == getpid() ? "self" : pid[sigs[i]] == 0 ? "none" : "another");
  }
  printf("sigqueue after: %d\n", sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 1}));
  return 0;
}
