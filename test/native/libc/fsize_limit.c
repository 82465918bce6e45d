// RLIMIT_FSIZE (generic_write_check_limits, inode_newsize_ok): a write is cut
// at the limit and one starting at or past it fails with EFBIG and sends
// SIGXFSZ, as do pwrite, writev, sendfile and copy_file_range; a write of
// nothing does neither; ftruncate and fallocate growing the file past the
// limit fail the same way (reaching it exactly is allowed), shrinking is not
// limited; a pipe has no size limit. A child left with SIGXFSZ's default
// action is killed by it. The files are on tmpfs (/dev/shm), where fallocate
// checks the limit even when it keeps the size (ext4's does not).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIMIT 10000

static volatile int signals;
static char buf[16384];

static void on_xfsz(int sig) {
  (void)sig;
  signals++;
}

/** One call's result, its errno, and the SIGXFSZ it sent. */
static void show(const char *what, long r) {
  int seen = signals;
  signals = 0;
  printf("%s: %ld%s%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "", seen ? ", SIGXFSZ" : "");
}

static long size(int fd) {
  struct stat st;
  fstat(fd, &st);
  return st.st_size;
}

int main(void) {
  signal(SIGXFSZ, on_xfsz);
  struct rlimit rl = { LIMIT, LIMIT };
  if (setrlimit(RLIMIT_FSIZE, &rl)) return perror("setrlimit"), 1;
  char path[] = "/dev/shm/fsize_limitXXXXXX", src[] = "/dev/shm/fsize_srcXXXXXX";
  int fd = mkstemp(path), in = mkstemp(src);
  if (fd < 0 || in < 0) return perror("mkstemp"), 1;
  unlink(path);
  unlink(src);
  memset(buf, 'x', sizeof buf);
  show("write 8192", write(fd, buf, 8192));
  show("write 8192 more (cut at the limit)", write(fd, buf, 8192));
  show("write 1 at the limit", write(fd, buf, 1));
  show("write 0 at the limit", write(fd, buf, 0));
  printf("size %ld\n", size(fd));
  show("pwrite 1 at limit - 1", pwrite(fd, buf, 1, LIMIT - 1));
  show("pwrite 1 at the limit", pwrite(fd, buf, 1, LIMIT));
  show("pwrite 1 far past it", pwrite(fd, buf, 1, 1 << 20));
  struct iovec iov[2] = { { buf, 100 }, { buf, 100 } };
  show("pwritev 200 at limit - 50", pwritev(fd, iov, 2, LIMIT - 50));
  show("pwritev 200 at the limit", pwritev(fd, iov, 2, LIMIT));
  show("ftruncate to limit + 1", ftruncate(fd, LIMIT + 1));
  show("ftruncate to the limit", ftruncate(fd, LIMIT));
  show("ftruncate to 4000", ftruncate(fd, 4000));
  show("fallocate to limit + 1", fallocate(fd, 0, 0, LIMIT + 1));
  show("fallocate keeping the size, past the limit", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, LIMIT + 4096));
  show("fallocate to the limit", fallocate(fd, 0, 0, LIMIT));
  printf("size %ld\n", size(fd));
  show("ftruncate to 4000", ftruncate(fd, 4000));
  write(in, buf, 8192);
  off_t off = 0;
  lseek(fd, 8000, SEEK_SET);
  show("sendfile 8192 at 8000 (cut)", sendfile(fd, in, &off, 8192));
  off = 0;
  show("sendfile 8192 at the limit", sendfile(fd, in, &off, 8192));
  loff_t from = 0, to = 9000;
  show("copy_file_range 8192 at 9000 (cut)", copy_file_range(in, &from, fd, &to, 8192, 0));
  from = 0, to = LIMIT;
  show("copy_file_range 8192 at the limit", copy_file_range(in, &from, fd, &to, 8192, 0));
  int fl = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, fl | O_APPEND);
  show("append 1 to a file at the limit", write(fd, buf, 1));
  int p[2];
  pipe(p);
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  long piped = 0, r;
  while ((r = write(p[1], buf, sizeof buf)) > 0) piped += r;
  printf("pipe: %s\n", piped > LIMIT ? "past the limit" : "cut");
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGXFSZ, SIG_DFL);
    lseek(fd, LIMIT, SEEK_SET);
    fcntl(fd, F_SETFL, fl);
    write(fd, buf, 1);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  printf("child: %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  return 0;
}
