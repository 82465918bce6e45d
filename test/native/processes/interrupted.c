/* Calls a signal interrupts, as strace -f shows them: a pipe read
   (ERESTARTSYS: EINTR without SA_RESTART, run again with it), nanosleep
   (ERESTART_RESTARTBLOCK) and pause (ERESTARTNOHAND), each interrupted by
   a child's SIGUSR1 once the parent sleeps in it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../asleep.h"

static volatile int handled;
static int told[2];
/* The handler tells the child it ran (write is async-signal-safe). */
static void handler(int sig) {
  (void)sig;
  handled++;
  if (write(told[1], "h", 1) != 1) _exit(1);
}

static void on_usr1(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigaction(SIGUSR1, &sa, NULL);
}

/* A child that sends SIGUSR1 to its parent once the parent sleeps, and then, given a pipe, writes a byte to it once the handler ran and the parent sleeps again. */
static void interrupter(int fd) {
  pid_t parent = getpid();
  if (fork() != 0) return;
  wait_asleep(parent);
  kill(parent, SIGUSR1);
  char h;
  if (read(told[0], &h, 1) != 1) _exit(1);
  if (fd >= 0) {
    wait_asleep(parent);
    if (write(fd, "x", 1) != 1) _exit(1);
  }
  _exit(0);
}

int main(void) {
  int p[2];
  if (pipe(p) != 0 || pipe(told) != 0) return 1;
  char c;
  on_usr1(0);
  interrupter(-1);
  long r = read(p[0], &c, 1);
  printf("read: %ld %s, handled %d\n", r, r < 0 ? strerror(errno) : "", handled);
  wait(NULL);
  on_usr1(SA_RESTART);
  interrupter(p[1]);
  r = read(p[0], &c, 1);
  printf("read under SA_RESTART: %ld %s, handled %d\n", r, r < 0 ? strerror(errno) : "", handled);
  wait(NULL);
  interrupter(-1);
  struct timespec ts = {100, 0};
  r = nanosleep(&ts, NULL);
  printf("nanosleep: %ld %s, handled %d\n", r, r < 0 ? strerror(errno) : "", handled);
  wait(NULL);
  interrupter(-1);
  r = pause();
  printf("pause: %ld %s, handled %d\n", r, r < 0 ? strerror(errno) : "", handled);
  wait(NULL);
  return 0;
}
