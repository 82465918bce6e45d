/* unshare: nothing (0), the fd table and the cwd a thread shares with the
 * main one (CLONE_FILES, CLONE_FS: the other thread keeps its own), what
 * only a lone thread may unshare (CLONE_THREAD, CLONE_SIGHAND, CLONE_VM:
 * EINVAL beside a thread), CLONE_SYSVSEM, unknown flags; and the namespaces
 * a process without CAP_SYS_ADMIN asks for (EPERM). Results and errno
 * numbers as the kernel gives them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../show.h"

static int shared_fd;
static pthread_barrier_t started, checked;

/* Takes its own fd table and cwd, then closes the fd and moves: the main thread's stay. */
static void *unsharer(void *arg) {
  (void)arg;
  show("thread: unshare CLONE_FILES", unshare(CLONE_FILES));
  show("thread: close its copy", close(shared_fd));
  show("thread: unshare CLONE_FS", unshare(CLONE_FS));
  show("thread: chdir /proc", chdir("/proc"));
  return NULL;
}

/* Stays alive while the main thread tries what a lone thread alone may. */
static void *sitter(void *arg) {
  (void)arg;
  pthread_barrier_wait(&started);
  pthread_barrier_wait(&checked);
  return NULL;
}

int main(void) {
  show("unshare 0", unshare(0));
  show("CLONE_FILES alone", unshare(CLONE_FILES));
  show("CLONE_FS alone", unshare(CLONE_FS));
  show("CLONE_THREAD alone", unshare(CLONE_THREAD));
  show("CLONE_SIGHAND alone", unshare(CLONE_SIGHAND));
  show("CLONE_VM alone", unshare(CLONE_VM));
  show("CLONE_SYSVSEM", unshare(CLONE_SYSVSEM));
  show("CLONE_IO", unshare(0x80000000));
  show("bit 32", syscall(SYS_unshare, 1UL << 32));
  show("CSIGNAL bits", unshare(SIGCHLD));

  chdir("/tmp");
  shared_fd = open("/dev/null", O_RDONLY);
  pthread_t th;
  pthread_create(&th, NULL, unsharer, NULL);
  pthread_join(th, NULL);
  show("main: its fd still open", fcntl(shared_fd, F_GETFD));
  char cwd[64];
  printf("main: cwd %s\n", getcwd(cwd, sizeof cwd));

  pthread_barrier_init(&started, NULL, 2);
  pthread_barrier_init(&checked, NULL, 2);
  pthread_create(&th, NULL, sitter, NULL);
  pthread_barrier_wait(&started);
  show("beside a thread: CLONE_THREAD", unshare(CLONE_THREAD));
  show("beside a thread: CLONE_SIGHAND", unshare(CLONE_SIGHAND));
  show("beside a thread: CLONE_VM", unshare(CLONE_VM));
  show("beside a thread: CLONE_NEWUTS|CLONE_VM", unshare(CLONE_NEWUTS | CLONE_VM));
  show("beside a thread: CLONE_FILES", unshare(CLONE_FILES));
  show("beside a thread: CLONE_FS", unshare(CLONE_FS));
  pthread_barrier_wait(&checked);
  pthread_join(th, NULL);

  /* without CAP_SYS_ADMIN: a child that gave up root */
  pid_t pid = fork();
  if (pid == 0) {
    show("child: setuid 65534", setuid(65534));
    show("child: CLONE_NEWNS", unshare(CLONE_NEWNS));
    show("child: CLONE_NEWUTS", unshare(CLONE_NEWUTS));
    show("child: CLONE_NEWIPC", unshare(CLONE_NEWIPC));
    show("child: CLONE_NEWNET", unshare(CLONE_NEWNET));
    show("child: CLONE_NEWPID", unshare(CLONE_NEWPID));
    show("child: CLONE_NEWCGROUP", unshare(CLONE_NEWCGROUP));
    show("child: CLONE_NEWTIME", unshare(0x80));
    show("child: CLONE_NEWUTS|CLONE_FILES", unshare(CLONE_NEWUTS | CLONE_FILES));
    show("child: CLONE_NEWUTS|0x80000000", unshare(CLONE_NEWUTS | 0x80000000));
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  printf("child exited %d\n", WEXITSTATUS(status));
  return 0;
}
