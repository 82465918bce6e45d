/* Processes: fork with copy-on-write in both directions, pipes (more than
 * their 64 KiB), wait statuses, exec, vfork, posix_spawn, a child catching
 * its own SIGSEGV, killing a child, SIGCHLD and SIGPIPE. Only the parent
 * prints after its children have ended, so the output does not depend on
 * how the processes interleave; no pid is printed, only how they relate. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static int data[4096] = {1};
static sigjmp_buf jump;
static volatile sig_atomic_t chld;

static void status(const char *what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d (status 0x%x)\n", what, WEXITSTATUS(st), st);
  else if (WIFSIGNALED(st)) printf("%s: killed by signal %d (status 0x%x)\n", what, WTERMSIG(st), st);
  else printf("%s: status 0x%x\n", what, st);
}

static int reap(pid_t pid, const char *what) {
  int st = 0;
  pid_t got = waitpid(pid, &st, 0);
  if (got != pid) printf("%s: waitpid gave %s\n", what, got < 0 ? strerror(errno) : "another pid");
  status(what, st);
  return st;
}

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  printf("child caught signal %d, si_code %d, si_addr %p\n", sig, si->si_code, si->si_addr);
  fflush(stdout);
  siglongjmp(jump, 1);
}

static void on_chld(int sig) {
  (void)sig;
  chld++;
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "exec-child") == 0) {
    printf("exec'd child: %s, FOO=%s, data[0]=%d\n", argv[2], getenv("FOO"), data[0]);
    return 42;
  }
  pid_t me = getpid();
  int p[2];

  /* The child's writes stay its own. */
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    data[0] = 2;
    data[4095] = 7;
    printf("child: data[0]=%d data[4095]=%d parent is the forker: %s\n", data[0], data[4095], getppid() == me ? "yes" : "no");
    exit(data[0] + data[4095]);
  }
  reap(pid, "cow child");
  printf("parent after the child wrote: data[0]=%d data[4095]=%d\n", data[0], data[4095]);

  /* The parent's writes stay its own: the child looks only once the parent has written. */
  if (pipe(p) != 0) return 1;
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    char c;
    close(p[1]);
    if (read(p[0], &c, 1) != 1) _exit(100);
    _exit(data[0] * 10 + data[1]);
  }
  close(p[0]);
  data[0] = 9;
  data[1] = 9;
  if (write(p[1], "x", 1) != 1) return 1;
  close(p[1]);
  reap(pid, "child reading after the parent wrote");

  /* 200000 bytes through a pipe: the writer waits for the reader, EOF after the last writer closes. */
  if (pipe(p) != 0) return 1;
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    char buf[7000];
    long total = 0, sum = 0;
    ssize_t n;
    close(p[1]);
    while ((n = read(p[0], buf, sizeof buf)) > 0)
      for (ssize_t i = 0; i < n; i++) total++, sum += (unsigned char)buf[i];
    printf("reader: %ld bytes, sum %ld, then EOF (%zd)\n", total, sum, n);
    exit(0);
  }
  close(p[0]);
  {
    static char big[200000];
    for (int i = 0; i < (int)sizeof big; i++) big[i] = (char)(i * 7);
    ssize_t w = write(p[1], big, sizeof big);
    printf("writer: write gave %zd\n", w);
    close(p[1]);
  }
  reap(pid, "pipe reader");

  /* Exit codes and signals, as wait encodes them. */
  fflush(stdout);
  if ((pid = fork()) == 0) _exit(3);
  reap(pid, "exit(3)");
  if ((pid = fork()) == 0) { raise(SIGUSR1); _exit(0); }
  reap(pid, "raise(SIGUSR1)");
  if ((pid = fork()) == 0) { for (;;) pause(); }
  kill(pid, SIGKILL);
  reap(pid, "kill(SIGKILL)");
  if ((pid = fork()) == 0) { for (;;) pause(); }
  kill(pid, SIGTERM);
  reap(pid, "kill(SIGTERM)");

  /* A child catches its own SIGSEGV. */
  fflush(stdout);
  if ((pid = fork()) == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(jump, 1) == 0) *(volatile int *)16 = 1;
    _exit(11);
  }
  reap(pid, "SIGSEGV handled");
  if ((pid = fork()) == 0) { *(volatile int *)16 = 1; _exit(0); }
  reap(pid, "SIGSEGV unhandled");

  /* SIGPIPE: a write to a pipe no one reads. */
  if (pipe(p) != 0) return 1;
  close(p[0]);
  fflush(stdout);
  if ((pid = fork()) == 0) { (void)!write(p[1], "x", 1); _exit(0); }
  reap(pid, "write to a closed pipe");
  signal(SIGPIPE, SIG_IGN);
  {
    ssize_t w = write(p[1], "x", 1);
    printf("with SIGPIPE ignored: write gives %zd (%s)\n", w, strerror(errno));
  }
  close(p[1]);

  /* SIGCHLD reaches a handler (SA_RESTART: waitpid goes on). */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_chld;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  fflush(stdout);
  if ((pid = fork()) == 0) _exit(0);
  reap(pid, "with a SIGCHLD handler");
  printf("SIGCHLD handler ran %d time(s)\n", (int)chld);
  signal(SIGCHLD, SIG_DFL);

  /* execve, with dup2 across fork: the new program's stdout is a pipe the parent reads. */
  if (pipe(p) != 0) return 1;
  fflush(stdout);
  if ((pid = fork()) == 0) {
    char *args[] = {"processes", "exec-child", "by execve", NULL};
    char *env[] = {"FOO=from-execve", NULL};
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    execve("/proc/self/exe", args, env);
    _exit(127);
  }
  close(p[1]);
  {
    char buf[256];
    ssize_t n, got = 0;
    while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0) got += n;
    buf[got] = 0;
    printf("the parent read from the pipe: %s", buf);
    close(p[0]);
  }
  reap(pid, "execve");

  /* vfork: the parent waits until the child execs or exits. */
  fflush(stdout);
  if ((pid = vfork()) == 0) _exit(5);
  reap(pid, "vfork");

  /* posix_spawn (CLONE_VM|CLONE_VFORK underneath). */
  {
    char *args[] = {"processes", "exec-child", "by posix_spawn", NULL};
    fflush(stdout);
    int r = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ);
    if (r != 0) printf("posix_spawn: %s\n", strerror(r));
    else reap(pid, "posix_spawn");
    r = posix_spawn(&pid, "/nonexistent", NULL, NULL, args, environ);
    printf("posix_spawn of a missing file: %s\n", r == 0 ? "started" : strerror(r));
    if (r == 0) reap(pid, "posix_spawn of a missing file");
  }

  /* No children left. */
  for (int options = 0; options <= WNOHANG; options += WNOHANG) {
    errno = 0;
    pid_t got = waitpid(-1, NULL, options);
    printf("waitpid(-1, NULL, %d) with no children: %d (%s)\n", options, (int)got, strerror(errno));
  }
  return 0;
}
