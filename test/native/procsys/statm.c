/* /proc/self/statm against /proc/self/status (the same mm counters in
 * pages, not kB) and against what the program does: a private anonymous
 * mapping adds to the size and, page by page as it is written, to the
 * resident set; a shared file mapping that is read adds to the shared part.
 * Prints the changes, which do not depend on the machine. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct statm { unsigned long size, resident, shared, text, lib, data, dt; };

/* A /proc file's text, read without stdio: no allocation between two reads moves the counters. */
static char text[8192];
static const char *readfile(const char *path) {
  int fd = open(path, O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
  if (n < 0) {
    perror(path);
    exit(1);
  }
  close(fd);
  text[n] = 0;
  return text;
}

static struct statm statm(const char *path) {
  struct statm s;
  if (sscanf(readfile(path), "%lu %lu %lu %lu %lu %lu %lu", &s.size, &s.resident, &s.shared, &s.text, &s.lib, &s.data, &s.dt) != 7) {
    fprintf(stderr, "%s: not seven numbers\n", path);
    exit(1);
  }
  return s;
}

/* A status field in pages (its kB over 4). */
static unsigned long status_pages(const char *name) {
  const char *line = strstr(readfile("/proc/self/status"), name);
  return line ? strtoul(line + strlen(name) + 1, NULL, 10) / 4 : ~0UL;
}

/* Whether statm and status agree (read back to back; nothing runs between).
 * `when` NULL: once unprinted, as its first run touches pages of stack and stdio. */
static void agree(const char *when) {
  struct statm s = statm("/proc/self/statm");
  unsigned long size = status_pages("VmSize"), rss = status_pages("VmRSS");
  unsigned long shared = status_pages("RssFile") + status_pages("RssShmem");
  unsigned long data = status_pages("VmData") + status_pages("VmStk");
  if (when) printf("%s: size %s, resident %s, shared %s, data %s, lib %lu, dt %lu, text %s\n", when,
         s.size == size ? "agrees" : "differs", s.resident == rss ? "agrees" : "differs",
         s.shared == shared ? "agrees" : "differs", s.data == data ? "agrees" : "differs", s.lib, s.dt,
         s.text > 0 ? "nonzero" : "zero");
}

int main(void) {
  agree(NULL);
  agree("start");
  struct statm a = statm("/proc/self/statm");
  char *p = mmap(NULL, 64 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct statm b = statm("/proc/self/statm");
  printf("mmap 64 pages: size +%ld, resident +%ld, data +%ld\n", (long)(b.size - a.size), (long)(b.resident - a.resident), (long)(b.data - a.data));
  for (int i = 0; i < 40; i++) p[i << 12] = 1;
  struct statm c = statm("/proc/self/statm");
  printf("write 40 of them: size +%ld, resident +%ld\n", (long)(c.size - b.size), (long)(c.resident - b.resident));
  agree("written");

  char path[] = "/tmp/statm-XXXXXX";
  int fd = mkstemp(path);
  static char page[4096];
  for (int i = 0; i < 8; i++) write(fd, page, sizeof page);
  volatile char *q = mmap(NULL, 8 << 12, PROT_READ, MAP_SHARED, fd, 0);
  struct statm d = statm("/proc/self/statm");
  for (int i = 0; i < 8; i++) (void)q[i << 12];
  struct statm e = statm("/proc/self/statm");
  printf("read a shared file mapping of 8 pages: size +%ld, resident +%ld, shared +%ld, data +%ld\n",
         (long)(e.size - c.size), (long)(e.resident - d.resident), (long)(e.shared - d.shared), (long)(e.data - c.data));
  agree("file mapped");
  unlink(path);

  munmap(p, 64 << 12);
  struct statm f = statm("/proc/self/statm");
  printf("munmap the 64: size -%ld, resident -%ld\n", (long)(e.size - f.size), (long)(e.resident - f.resident));

  /* A zombie's statm: its mm is gone, every field 0. */
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  char zpath[64], stat[512];
  snprintf(zpath, sizeof zpath, "/proc/%d/stat", pid);
  for (;;) {
    FILE *z = fopen(zpath, "r");
    size_t n = fread(stat, 1, sizeof stat - 1, z);
    fclose(z);
    stat[n] = 0;
    if (strstr(stat, ") Z ")) break;
    usleep(1000);
  }
  snprintf(zpath, sizeof zpath, "/proc/%d/statm", pid);
  struct statm zs = statm(zpath);
  printf("zombie: %lu %lu %lu %lu %lu %lu %lu\n", zs.size, zs.resident, zs.shared, zs.text, zs.lib, zs.data, zs.dt);
  waitpid(pid, NULL, 0);
  return 0;
}
