// sendfile from /proc files: the kernel-wide ones and /proc/<pid>/mounts
// and mountinfo splice (their file operations have a splice_read), every
// other /proc/<pid> file (seq_file's single_open, pagemap's and
// kpageflags' own reads, fdinfo) is EINVAL.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

static const char *const files[] = {
  "/proc/meminfo", "/proc/buddyinfo", "/proc/vmstat", "/proc/zoneinfo", "/proc/sys/vm/swappiness", "/proc/stat", "/proc/uptime",
  "/proc/version", "/proc/mounts", "/proc/kpageflags", "/proc/kpagecount",
  "/proc/self/maps", "/proc/self/smaps", "/proc/self/smaps_rollup", "/proc/self/numa_maps", "/proc/self/status", "/proc/self/stat",
  "/proc/self/statm", "/proc/self/cmdline", "/proc/self/environ", "/proc/self/comm", "/proc/self/limits", "/proc/self/wchan",
  "/proc/self/syscall", "/proc/self/pagemap", "/proc/self/auxv", "/proc/self/mounts", "/proc/self/mountinfo",
  "/proc/self/fdinfo/1", "/proc/thread-self/status",
};

int main(void) {
  int out = open("/dev/null", O_WRONLY);
  for (unsigned i = 0; i < sizeof files / sizeof *files; i++) {
    int fd = open(files[i], O_RDONLY);
    ssize_t n = sendfile(out, fd, 0, 64);
    printf("%s: %s\n", files[i], fd < 0 ? "cannot open" : n < 0 ? strerror(errno) : n > 0 ? "spliced" : "nothing");
    close(fd);
  }
  return 0;
}
