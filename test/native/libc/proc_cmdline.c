/* /proc/<pid>/cmdline and environ: the argument and environment strings as
 * exec left them, of this process and of a child; a process that writes
 * over its last argument's NUL (setproctitle's way) shows its argv running
 * on into the environment up to the next NUL. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void show(const char *what, const char *path) {
  char buf[4096];
  int fd = open(path, O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
  if (fd >= 0) close(fd);
  printf("%s: %zd [", what, n);
  for (ssize_t i = 0; i < n; i++) putchar(buf[i] ? buf[i] : '|');
  printf("]\n");
}

int main(int argc, char **argv) {
  show("cmdline", "/proc/self/cmdline");
  show("environ", "/proc/self/environ");
  int p[2];
  pipe(p);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(p[1]);
    read(p[0], &c, 1);
    _exit(0);
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
  show("child's cmdline", path);
  close(p[1]);
  waitpid(pid, NULL, 0);
  show("reaped child's cmdline", path);
  /* The last argument's NUL becomes a space: the area is one string, up to its first NUL... */
  char *last = argv[argc - 1];
  last[strlen(last)] = ' ';
  show("retitled", "/proc/self/cmdline");
  /* ...which setproctitle moves, writing the arguments as one. */
  for (int i = 1; i < argc; i++) argv[i][-1] = ' ';
  show("retitled whole", "/proc/self/cmdline");
  (void)environ;
  return 0;
}
