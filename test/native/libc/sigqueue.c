// rt_sigqueueinfo and rt_tgsigqueueinfo: sigqueue's value reaches a
// handler's siginfo_t and sigwaitinfo, real-time signals queue each their
// own, a caller may not claim a kernel's, kill's or tkill's si_code to
// another process (EPERM), and the calls' other errors (E2BIG, EFAULT,
// ESRCH, EINVAL) come in Linux's order.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int got_code, got_value, got_self;

static void handler(int sig, siginfo_t *si, void *uc) {
  (void)sig, (void)uc;
  got_code = si->si_code;
  got_value = si->si_value.sival_int;
  got_self = si->si_pid == getpid();
}

static long queueinfo(pid_t pid, int sig, siginfo_t *si) {
  return syscall(SYS_rt_sigqueueinfo, pid, sig, si) < 0 ? -errno : 0;
}

static long tgqueueinfo(pid_t tgid, pid_t tid, int sig, siginfo_t *si) {
  return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, si) < 0 ? -errno : 0;
}

static siginfo_t info(int code, int value) {
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_code = code;
  si.si_pid = getpid();
  si.si_value.sival_int = value;
  return si;
}

static const char *err(long r) {
  return r == 0 ? "0" : strerror((int)-r);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, 0);

  union sigval v = { .sival_int = 42 };
  sigqueue(getpid(), SIGUSR1, v);
  printf("sigqueue to itself: handler saw code %d value %d from itself %d\n", got_code, got_value, got_self);

  // Real-time signals queue each their own value; a standard one is queued once.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 1);
  sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, 0);
  for (int i = 1; i <= 3; i++) {
    siginfo_t si = info(SI_QUEUE, 100 + i);
    queueinfo(getpid(), SIGRTMIN + 1, &si);
    si = info(SI_QUEUE, 200 + i);
    queueinfo(getpid(), SIGUSR2, &si);
  }
  struct timespec zero = { 0, 0 };
  siginfo_t w;
  while (sigtimedwait(&set, &w, &zero) > 0)
    printf("sigwaitinfo: %s code %d value %d pid is ours %d\n", w.si_signo == SIGUSR2 ? "SIGUSR2" : "SIGRTMIN+1", w.si_code, w.si_value.sival_int,
           w.si_pid == getpid());

  // To itself a caller may claim any code; the handler sees it.
  siginfo_t si = info(SI_USER, 7);
  long r = queueinfo(getpid(), SIGUSR1, &si);
  printf("SI_USER to itself: %s, handler saw code %d\n", err(r), got_code);
  si = info(3, 8);
  r = queueinfo(getpid(), SIGUSR1, &si);
  printf("a positive code to itself: %s, handler saw code %d\n", err(r), got_code);

  // Errors, in the calls' order.
  // Past struct kernel_siginfo's 48 bytes.
  union { siginfo_t si; unsigned char raw[128]; } big = { .si = info(-100, 1) };
  printf("an unknown code with its extra bytes zero: %s\n", err(queueinfo(getpid(), SIGUSR1, &big.si)));
  big.raw[100] = 1;
  printf("an unknown code with extra bytes set: %s\n", err(queueinfo(getpid(), SIGUSR1, &big.si)));
  big.si = info(SI_QUEUE, 1);
  big.raw[100] = 1;
  printf("SI_QUEUE with extra bytes set: %s\n", err(queueinfo(getpid(), SIGUSR1, &big.si)));
  printf("a siginfo nowhere: %s\n", err(queueinfo(getpid(), SIGUSR1, (siginfo_t *)8)));
  si = info(SI_QUEUE, 1);
  printf("signal 65: %s; signal 0: %s\n", err(queueinfo(getpid(), 65, &si)), err(queueinfo(getpid(), 0, &si)));

  // The child waits for SIGUSR1 blocked from the start: it cannot reach its handler first.
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigprocmask(SIG_BLOCK, &s, 0);
  pid_t child = fork();
  if (child == 0) {
    siginfo_t got;
    sigwaitinfo(&s, &got);
    _exit(got.si_code == SI_QUEUE ? got.si_value.sival_int : 99);
  }
  const int codes[] = { SI_USER, SI_KERNEL, 1, SI_TKILL };
  for (int i = 0; i < 4; i++) {
    si = info(codes[i], 1);
    printf("code %d to another process: %s; to its thread: %s\n", codes[i], err(queueinfo(child, SIGUSR1, &si)),
           err(tgqueueinfo(child, child, SIGUSR1, &si)));
  }
  si = info(SI_QUEUE, 9);
  printf("SI_QUEUE to it: %s\n", err(queueinfo(child, SIGUSR1, &si)));
  int status;
  waitpid(child, &status, 0);
  sigprocmask(SIG_UNBLOCK, &s, 0);
  printf("it took value %d\n", WEXITSTATUS(status));
  printf("to it once reaped: %s; to pid 0: %s; to pid -1: %s\n", err(queueinfo(child, SIGUSR1, &si)), err(queueinfo(0, SIGUSR1, &si)),
         err(queueinfo(-1, SIGUSR1, &si)));

  // rt_tgsigqueueinfo.
  si = info(SI_QUEUE, 11);
  r = tgqueueinfo(getpid(), gettid(), SIGUSR1, &si);
  printf("to its own thread: %s, handler saw value %d\n", err(r), got_value);
  printf("tgid 0: %s; tid -1: %s; a tgid not its own: %s; signal 65: %s\n", err(tgqueueinfo(0, gettid(), SIGUSR1, &si)),
         err(tgqueueinfo(getpid(), -1, SIGUSR1, &si)), err(tgqueueinfo(child, gettid(), SIGUSR1, &si)), err(tgqueueinfo(getpid(), gettid(), 65, &si)));
  return 0;
}
