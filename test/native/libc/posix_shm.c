// POSIX shared memory and named semaphores, which glibc and musl keep as
// files in the tmpfs at /dev/shm: shm_open, ftruncate and a shared mapping
// a child writes through; O_EXCL on a name taken; sem_open across fork;
// shm_unlink and sem_unlink take the names away; /dev/shm is a sticky
// directory anyone may write in, on a tmpfs.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define TMPFS_MAGIC 0x01021994

int main(void) {
  char shm[64], sem[64];
  snprintf(shm, sizeof shm, "/posix_shm.%d", getpid());
  snprintf(sem, sizeof sem, "/posix_sem.%d", getpid());
  struct stat st;
  struct statfs sf;
  printf("/dev/shm: mode %o, %s\n", stat("/dev/shm", &st) ? 0 : st.st_mode & 07777,
         statfs("/dev/shm", &sf) ? strerror(errno) : sf.f_type == TMPFS_MAGIC ? "tmpfs" : "not tmpfs");
  int fd = shm_open(shm, O_CREAT | O_EXCL | O_RDWR, 0600);
  printf("shm_open: %s\n", fd < 0 ? strerror(errno) : "ok");
  if (fd < 0) return 1;
  printf("again with O_EXCL: %s\n", shm_open(shm, O_CREAT | O_EXCL | O_RDWR, 0600) < 0 ? strerror(errno) : "ok");
  ftruncate(fd, 8192);
  fstat(fd, &st);
  printf("size %ld, mode %o\n", (long)st.st_size, st.st_mode & 0777);
  char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  sem_t *s = sem_open(sem, O_CREAT | O_EXCL, 0600, 0);
  printf("sem_open: %s\n", s == SEM_FAILED ? strerror(errno) : "ok");
  if (p == MAP_FAILED || s == SEM_FAILED) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    // The child's own opens of both names reach the same objects.
    int cfd = shm_open(shm, O_RDWR, 0);
    char *q = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
    strcpy(q + 4096, "written by the child");
    sem_t *cs = sem_open(sem, 0);
    sem_post(cs);
    sem_post(cs);
    _exit(0);
  }
  waitpid(pid, 0, 0);
  sem_wait(s);
  int value = -1;
  sem_getvalue(s, &value);
  printf("after the child's two posts and one wait: %d\n", value);
  printf("the parent reads: %s\n", p + 4096);
  char path[80];
  snprintf(path, sizeof path, "/dev/shm%s", shm);
  printf("the file: %s\n", access(path, F_OK) ? strerror(errno) : "there");
  int r = shm_unlink(shm);
  printf("shm_unlink: %d, then shm_open: %s\n", r, shm_open(shm, O_RDWR, 0) < 0 ? strerror(errno) : "ok");
  printf("the mapping still reads: %s\n", p + 4096);
  sem_close(s);
  r = sem_unlink(sem);
  printf("sem_unlink: %d, then sem_open: %s\n", r, sem_open(sem, 0) == SEM_FAILED ? strerror(errno) : "ok");
  return 0;
}
