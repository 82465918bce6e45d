/* write() to /proc/sys/vm knobs. "errors": writes the kernel refuses (safe
 * to run natively: nothing changes). "effects": writes that take, read back,
 * and compact_memory's work seen in /proc/vmstat (faultline only). */
#include "../proc_io.h"

static long read_long(const char *path) {
  char buf[64] = {0};
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -errno;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n < 0 ? -errno : strtol(buf, NULL, 10);
}

static long vmstat(const char *name) { return proc_field("/proc/vmstat", name, " "); }

int main(int argc, char **argv) {
  const char *sw = "/proc/sys/vm/swappiness";
  if (argc > 1 && !strcmp(argv[1], "effects")) {
    try_write(sw, "33\n", 3);
    printf("swappiness %ld\n", read_long(sw));
    try_write(sw, " \t42 \n", 6);
    printf("swappiness %ld\n", read_long(sw));
    int fd = open(sw, O_WRONLY);
    printf("pwrite at 1: %zd\n", pwrite(fd, "7", 1, 1));
    close(fd);
    printf("swappiness %ld\n", read_long(sw));
    try_write(sw, "200", 3);
    printf("swappiness %ld\n", read_long(sw));
    /* A buddy allocator fresh from boot holds scattered pages: compaction scans them. */
    long before = vmstat("compact_migrate_scanned") + vmstat("compact_free_scanned");
    try_write("/proc/sys/vm/compact_memory", "1\n", 2);
    long after = vmstat("compact_migrate_scanned") + vmstat("compact_free_scanned");
    printf("compaction scanned pages: %s\n", after > before ? "yes" : "no");
    return 0;
  }
  const char *bad[] = {"201\n", "-1\n", "abc\n", "\n", "5x\n", "4294967296\n", "1.5\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) try_write(sw, bad[i], strlen(bad[i]));
  try_write(sw, "", 0);
  try_write("/proc/sys/vm/overcommit_memory", "3\n", 2);
  try_write("/proc/sys/vm/watermark_scale_factor", "0\n", 2);
  int fd = open("/proc/sys/vm/compact_memory", O_RDONLY);
  printf("open compact_memory O_RDONLY: %d %s\n", fd, fd < 0 ? strerror(errno) : "");
  fd = open("/proc/sys/vm/compact_memory", O_RDWR);
  printf("open compact_memory O_RDWR: %d %s\n", fd, fd < 0 ? strerror(errno) : "");
  return 0;
}
