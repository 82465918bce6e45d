/* Writes root may try on /proc and /sys that change nothing: a read-only
 * /proc file (open succeeds, write fails), the current value of an int
 * sysctl written back in other spellings and with more after it, and THP
 * and weighted-interleave sysfs files given what their parsers refuse or
 * the word they already hold. Safe to run natively as root. */
#include "../proc_io.h"

static void w(const char *path, const char *text) { try_write(path, text, strlen(text)); }

static char *slurp(const char *path) {
  static char buf[4096];
  int fd = open(path, O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  buf[n < 0 ? 0 : n] = 0;
  return buf;
}

int main(void) {
  const char *ro[] = {"/proc/meminfo", "/proc/vmstat", "/proc/buddyinfo", "/proc/zoneinfo", "/proc/pagetypeinfo", "/proc/swaps",
                      "/proc/self/maps", "/proc/self/smaps", "/proc/self/smaps_rollup", "/proc/self/status", "/proc/self/stat",
                      "/proc/self/numa_maps"};
  for (size_t i = 0; i < sizeof ro / sizeof *ro; i++) w(ro[i], "1\n");
  /* comm is the one a process may write: 15 bytes of it, newline and all. */
  w("/proc/self/comm", "a-name-of-twenty-bytes\n");
  printf("comm now: %s|\n", slurp("/proc/self/comm"));
  char task[64];
  snprintf(task, sizeof task, "/proc/self/task/%d/comm", getpid());
  int tfd = open(task, O_WRONLY);
  printf("task/<tid>/comm: %zd\n", write(tfd, "x\n", 2));
  close(tfd);
  printf("comm now: %s|\n", slurp("/proc/self/comm"));
  int fd = open("/proc/meminfo", O_RDWR);
  printf("open /proc/meminfo O_RDWR: %s\n", fd < 0 ? strerror(errno) : "ok");

  const char *sw = "/proc/sys/vm/swappiness";
  int v = atoi(slurp(sw));
  char t[64];
  const char *forms[] = {"%d 6\n", "%d\t6", " %d \v6", "%d\n\n\n8", "%#x\n", "%#o\n", "%d,6", "%d\r", "+%d", "%d 7 8"};
  for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
    int n = snprintf(t, sizeof t, forms[i], v);
    int f = open(sw, O_WRONLY);
    ssize_t r = write(f, t, n);
    /* The value's own digits differ from one machine to the next: what is left over is what counts. */
    printf("form %zu: %zd %s\n", i, r < 0 ? r : n - r, r < 0 ? strerror(errno) : "left");
    close(f);
  }
  fd = open(sw, O_WRONLY);
  printf("pwrite at 1: %zd\n", pwrite(fd, "7", 1, 1));
  close(fd);
  char pad[5000];
  int n = snprintf(pad, sizeof pad, "%d", v);
  memset(pad + n, ' ', sizeof pad - n);
  try_write(sw, pad, sizeof pad);

  const char *thp = "/sys/kernel/mm/transparent_hugepage/";
  const char *files[] = {"enabled", "defrag"};
  for (int i = 0; i < 2; i++) {
    char path[128], cur[64];
    snprintf(path, sizeof path, "%s%s", thp, files[i]);
    char *s = strchr(slurp(path), '['), *e = s ? strchr(s, ']') : NULL;
    snprintf(cur, sizeof cur, "%.*s", e ? (int)(e - s - 1) : 0, s ? s + 1 : "");
    const char *bad[] = {"bogus\n", "[madvise]\n", "madvise never", "madvis\n", " madvise\n", "madvise\n\n", "\n"};
    for (size_t j = 0; j < sizeof bad / sizeof *bad; j++) w(path, bad[j]);
    w(path, "");
    char line[80];
    snprintf(line, sizeof line, "%s\n", cur);
    int f = open(path, O_WRONLY);
    printf("%s: the current word written back: %zd\n", files[i], write(f, line, strlen(line)) == (ssize_t)strlen(line) ? (ssize_t)0 : (ssize_t)-1);
    printf("%s: without its newline: %zd\n", files[i], write(f, cur, strlen(cur)) == (ssize_t)strlen(cur) ? (ssize_t)0 : (ssize_t)-1);
    close(f);
  }
  char path[128];
  snprintf(path, sizeof path, "%shpage_pmd_size", thp);
  w(path, "1\n");
  printf("hpage_pmd_size: %s", slurp(path));

  const char *wi = "/sys/kernel/mm/mempolicy/weighted_interleave/";
  snprintf(path, sizeof path, "%snode0", wi);
  const char *bad[] = {"0\n", "256\n", "abc\n", "-1\n", "5 6\n", "1\n\n", "0x\n"};
  for (size_t j = 0; j < sizeof bad / sizeof *bad; j++) w(path, bad[j]);
  w(path, "");
  /* This machine's kernel names the auto file __auto_type (its compiler's C23 auto); Linux's name is auto. */
  snprintf(path, sizeof path, "%sauto", wi);
  if (access(path, F_OK)) snprintf(path, sizeof path, "%s__auto_type", wi);
  const char *autobad[] = {"x\n", "2\n", "o\n", "1\n", "on\n", "true\n"};
  for (size_t j = 0; j < sizeof autobad / sizeof *autobad; j++) {
    int f = open(path, O_WRONLY);
    ssize_t r = write(f, autobad[j], strlen(autobad[j]));
    printf("auto \"%.*s\": %zd %s\n", (int)strcspn(autobad[j], "\n"), autobad[j], r, r < 0 ? strerror(errno) : "");
    close(f);
  }
  return 0;
}
