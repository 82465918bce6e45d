/* statfs and fstatfs of the file systems every Linux has (proc, pipefs,
 * sockfs, anon_inodefs) and their errors: what does not depend on the host's
 * disks. Then, after a line "--", the flags and what /tmp says. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, int r, const struct statfs *s) {
  if (r) { printf("%s: %s\n", what, strerror(errno)); return; }
  printf("%s: type=%#lx bsize=%ld namelen=%ld frsize=%ld blocks=%lu bfree=%lu files=%lu ffree=%lu\n", what,
         (unsigned long)s->f_type, (long)s->f_bsize, (long)s->f_namelen, (long)s->f_frsize,
         (unsigned long)s->f_blocks, (unsigned long)s->f_bfree, (unsigned long)s->f_files, (unsigned long)s->f_ffree);
}

int main(void) {
  struct statfs s;
  int p[2], sv[2];
  pipe(p);
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  int efd = eventfd(0, 0);
  show("/proc", statfs("/proc", &s), &s);
  show("/proc/self/maps", statfs("/proc/self/maps", &s), &s);
  show("pipe", fstatfs(p[0], &s), &s);
  show("socket", fstatfs(sv[0], &s), &s);
  show("eventfd", fstatfs(efd, &s), &s);
  show("/nonexistent", statfs("/nonexistent/x", &s), &s);
  show("NULL path", (int)syscall(SYS_statfs, NULL, &s), &s);
  show("NULL buf", (int)syscall(SYS_statfs, "/proc", NULL), &s);
  show("fd -1", fstatfs(-1, &s), &s);
  show("fd 99", fstatfs(99, &s), &s);
  show("fstatfs NULL buf", (int)syscall(SYS_fstatfs, p[0], NULL), &s);
  printf("--\n");
  statfs("/proc", &s);
  printf("/proc flags=%#lx\n", (unsigned long)s.f_flags);
  fstatfs(p[0], &s);
  printf("pipe flags=%#lx\n", (unsigned long)s.f_flags);
  int r = statfs("/tmp", &s);
  show("/tmp", r, &s);
  printf("/tmp flags=%#lx\n", (unsigned long)s.f_flags);
  FILE *f = fopen("/tmp/statfs_probe_file", "w");
  if (f) {
    static char page[4096 * 3];
    fwrite(page, 1, sizeof page, f);
    fclose(f);
    show("/tmp after 12 KiB", statfs("/tmp", &s), &s);
    unlink("/tmp/statfs_probe_file");
  }
  return 0;
}
