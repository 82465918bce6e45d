/* fcntl's argument is an unsigned long that F_DUPFD and F_SETFD read as an
 * int (do_fcntl's argi): the high 32 bits go unseen, and a negative int is
 * a huge unsigned lower bound. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  static const unsigned long args[] = {3, 0x100000005UL, 0xffffffff00000007UL, 0x80000000UL, (unsigned long)-1};
  static const int cmds[] = {F_DUPFD, F_DUPFD_CLOEXEC};
  for (unsigned i = 0; i < sizeof args / sizeof *args; i++) {
    for (int c = 0; c < 2; c++) {
      long r = syscall(SYS_fcntl, 0, cmds[c], args[i]);
      printf("%s %#lx = %ld%s%s\n", c ? "F_DUPFD_CLOEXEC" : "F_DUPFD", args[i], r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
      if (r >= 0) {
        printf("  F_GETFD = %ld\n", syscall(SYS_fcntl, r, F_GETFD));
        close((int)r);
      }
    }
  }
  long r = syscall(SYS_fcntl, 0, F_SETFD, 0x100000001UL);
  printf("F_SETFD 0x100000001 = %ld, F_GETFD = %ld\n", r, syscall(SYS_fcntl, 0, F_GETFD));
  return 0;
}
