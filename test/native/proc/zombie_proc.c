// A zombie's /proc/<pid>: after its exit and before its parent's wait
// (waitid with WNOWAIT waits for the exit without reaping), its status and
// stat say Z, it has no memory lines, no descriptors, no maps and no exe,
// the files whose open takes its mm (environ, smaps_rollup) fail to open,
// and its exit code is stat's last field; once reaped it is gone.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[16384];

/** The whole file, or -errno. */
static ssize_t slurp(const char *path) {
  int f = open(path, O_RDONLY);
  if (f < 0) return -errno;
  ssize_t n = read(f, buf, sizeof buf - 1), e = errno;
  close(f);
  if (n < 0) return -e;
  buf[n] = 0;
  return n;
}

static int entries(const char *path) {
  DIR *d = opendir(path);
  if (!d) return -errno;
  int n = 0;
  while (readdir(d)) n++;
  closedir(d);
  return n;
}

int main(void) {
  pid_t pid = fork();
  if (pid == 0) _exit(3);
  siginfo_t si;
  waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
  char p[64], l[256];

  snprintf(p, sizeof p, "/proc/%d/status", pid);
  slurp(p);
  // The lines a zombie's status has, by name (their values, but State's and FDSize's and Threads', depend on the host).
  for (char *line = strtok(buf, "\n"); line; line = strtok(0, "\n")) {
    if (!strncmp(line, "State:", 6) || !strncmp(line, "FDSize:", 7) || !strncmp(line, "Threads:", 8) || !strncmp(line, "Name:", 5)) printf("status: %s\n", line);
    else printf("status has %.*s\n", (int)(strchr(line, ':') - line), line);
  }
  snprintf(p, sizeof p, "/proc/%d/stat", pid);
  slurp(p);
  char *fields[64];
  int n = 0;
  for (char *f = strtok(strrchr(buf, ')') + 2, " \n"); f && n < 64; f = strtok(0, " \n")) fields[n++] = f;
  // state, num_threads, vsize, rss, start_code, end_code, start_stack, exit_code (fields 3, 20, 23, 24, 26, 27, 28, 52)
  printf("stat: %d fields; state %s threads %s vsize %s rss %s code %s-%s stack %s exit_code %s\n", n + 2, fields[0], fields[17], fields[20],
         fields[21], fields[23], fields[24], fields[25], fields[49]);
  const char *empty[] = { "maps", "smaps", "numa_maps", "cmdline" };
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "/proc/%d/%s", pid, empty[i]);
    printf("%s: %zd bytes\n", empty[i], slurp(p));
  }
  // proc_mem_open finds no mm: ESRCH at open, where maps and smaps open and read nothing.
  const char *no_mm[] = { "environ", "smaps_rollup" };
  for (int i = 0; i < 2; i++) {
    snprintf(p, sizeof p, "/proc/%d/%s", pid, no_mm[i]);
    ssize_t n = slurp(p);
    printf("%s: %s\n", no_mm[i], n < 0 ? strerror(-n) : "opens");
  }
  snprintf(p, sizeof p, "/proc/%d/comm", pid);
  slurp(p);
  printf("comm: %s", buf);
  snprintf(p, sizeof p, "/proc/%d/exe", pid);
  printf("exe: %s\n", readlink(p, l, sizeof l) < 0 ? strerror(errno) : "a link");
  snprintf(p, sizeof p, "/proc/%d/fd", pid);
  printf("fd: %d entries\n", entries(p));
  snprintf(p, sizeof p, "/proc/%d/task", pid);
  printf("task: %d entries\n", entries(p));
  snprintf(p, sizeof p, "/proc/%d", pid);
  int listed = 0;
  DIR *d = opendir("/proc");
  for (struct dirent *e; (e = readdir(d));) listed |= !strcmp(e->d_name, p + 6);
  closedir(d);
  printf("/proc lists it: %d\n", listed);

  waitpid(pid, 0, 0);
  snprintf(p, sizeof p, "/proc/%d/status", pid);
  printf("reaped: %s\n", slurp(p) < 0 ? strerror(errno) : "still there");
  return 0;
}
