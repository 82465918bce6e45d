// /proc/self/limits (proc_pid_limits) against getrlimit: each line's name,
// columns and unit (the values differ between machines), and whether its soft and
// hard values agree with getrlimit's; then the same after setrlimit, in a
// forked child (which inherits them) and read by the parent through
// /proc/<pid>/limits. Prints only what Linux and faultline must agree on.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long long parse(const char *s) { return strncmp(s, "unlimited", 9) ? strtoull(s, NULL, 10) : RLIM_INFINITY; }

static void check(const char *path, const char *who) {
  FILE *f = fopen(path, "r");
  char line[256];
  int i = -1, agree = 0;
  while (fgets(line, sizeof line, f)) {
    if (i < 0) { printf("%s: %s", who, line); i++; continue; }
    struct rlimit r;
    getrlimit(i, &r);
    if (parse(line + 26) == r.rlim_cur && parse(line + 47) == r.rlim_max) agree++;
    else printf("%s: differs from getrlimit: %s", who, line);
    // The name, then the soft and hard values in 20 columns each, then the unit: "%-25s %-20s %-20s %-10s".
    if (!strcmp(who, "main")) printf("%s: [%.26s] %s [%s", who, line, line[25] == ' ' && line[26] != ' ' && line[46] == ' ' && line[47] != ' ' && line[67] == ' ' ? "columns" : "other columns", line + 68);
    i++;
  }
  fclose(f);
  printf("%s: %d limits, %d agree with getrlimit\n", who, i, agree);
}

int main(void) {
  check("/proc/self/limits", "main");
  struct rlimit r = {512, 2048};
  setrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = 1 << 20, r.rlim_max = 4 << 20;
  setrlimit(RLIMIT_STACK, &r);
  r.rlim_cur = r.rlim_max = RLIM_INFINITY;
  setrlimit(RLIMIT_CORE, &r);
  fflush(stdout);
  int go[2], done[2];
  pipe(go), pipe(done);
  pid_t pid = fork();
  if (pid == 0) {
    check("/proc/self/limits", "child");
    fflush(stdout);
    write(done[1], "x", 1);
    char c;
    read(go[0], &c, 1);
    _exit(0);
  }
  char c, path[64];
  read(done[0], &c, 1);
  snprintf(path, sizeof path, "/proc/%d/limits", pid);
  check(path, "parent, the child's");
  FILE *f = fopen(path, "r");
  char line[256];
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "Max open files", 14) || !strncmp(line, "Max stack size", 14) || !strncmp(line, "Max core file size", 18)) printf("%s", line);
  fclose(f);
  write(go[1], "x", 1);
  waitpid(pid, NULL, 0);
  return 0;
}
