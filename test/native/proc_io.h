/* Small helpers of the /proc and /sys test programs: a write reported with
 * its result or errno, and one "name value" field of a /proc file. */
#ifndef PROC_IO_H
#define PROC_IO_H
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void try_write(const char *path, const char *text, size_t len) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) { printf("open %s: %s\n", path, strerror(errno)); return; }
  ssize_t r = write(fd, text, len);
  printf("write %zu bytes to %s: %zd %s\n", len, path, r, r < 0 ? strerror(errno) : "");
  close(fd);
}

/* The number after `name` and one of `sep` at the start of a line of `path`, or -1. */
static inline long proc_field(const char *path, const char *name, const char *sep) {
  static char buf[16384];
  int fd = open(path, O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  buf[n < 0 ? 0 : n] = 0;
  size_t len = strlen(name);
  for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
    if (!strncmp(p, name, len) && p[len] && strchr(sep, p[len])) return strtol(p + len + 1, NULL, 10);
  return -1;
}
#endif
