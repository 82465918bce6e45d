// The vDSO a program is given: AT_SYSINFO_EHDR names an ELF image mapped as
// [vdso] after [vvar] and [vvar_vclock]; their /proc/self/maps and smaps
// lines; the clocks read through it (no syscall: strace shows none); what
// fork and exec keep; the special mappings' refusals (split, grow); and
// mlockall passing over them.
// Prints only what Linux and faultline must agree on.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show_maps(const char *who) {
  unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
  FILE *f = fopen("/proc/self/smaps", "r");
  char line[512];
  int in = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long start, end;
    if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
      in = strstr(line, "[vvar") || strstr(line, "[vdso]");
      if (in) printf("%s: %s", who, line);
      if (start == vdso) printf("%s: AT_SYSINFO_EHDR starts %s, %s\n", who, strstr(line, "[vdso]") ? "[vdso]" : "another mapping",
                                memcmp((void *)vdso, "\177ELF", 4) == 0 ? "an ELF header" : "no ELF header");
    } else if (in && (!strncmp(line, "VmFlags", 7) || !strncmp(line, "Anonymous", 9) || !strncmp(line, "Size", 4))) {
      printf("%s: %s", who, line);
    }
  }
  fclose(f);
}

static void clocks(int n) {
  struct timespec a, b;
  struct timeval tv;
  long back = 0;
  for (int i = 0; i < n; i++) {
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_REALTIME, &b);
    gettimeofday(&tv, NULL);
    if (time(NULL) < b.tv_sec || tv.tv_sec < b.tv_sec) back++;
    struct timespec c;
    clock_gettime(CLOCK_MONOTONIC, &c);
    if (c.tv_sec < a.tv_sec || (c.tv_sec == a.tv_sec && c.tv_nsec < a.tv_nsec)) back++;
  }
  printf("clocks: %d rounds, %ld went back\n", n, back);
}

/** A call's result, then its errno (read after the call). */
static void report(const char *what, long r) {
  int e = errno;
  printf("%s: %ld %s\n", what, r, r ? strerror(e) : "");
  errno = 0;
}

int main(int argc, char **argv) {
  if (argc > 1) {  // the image exec gave
    show_maps("exec");
    clocks(10);
    // mlockall passes over the special mappings: no "lo" in their VmFlags
    report("mlockall current", mlockall(MCL_CURRENT));
    show_maps("locked");
    clocks(10);
    return 0;
  }
  show_maps("main");
  clocks(100);
  char *vdso = (char *)getauxval(AT_SYSINFO_EHDR);
  char *vvar = vdso - 6 * 4096;
  report("munmap half the vdso", munmap(vdso + 4096, 4096));
  report("mprotect half the vvar", mprotect(vvar, 4096, PROT_NONE));
  report("mremap the vdso larger", mremap(vdso, 8192, 16384, 0) == MAP_FAILED ? -1 : 0);
  report("mremap the vvar larger", mremap(vvar, 16384, 20480, 0) == MAP_FAILED ? -1 : 0);
  report("mremap the vdso smaller", mremap(vdso, 8192, 4096, 0) == MAP_FAILED ? -1 : 0);
  report("madvise the vvar away", madvise(vvar, 4096, MADV_DONTNEED));
  report("madvise the vdso away", madvise(vdso, 8192, MADV_DONTNEED));
  report("madvise half the vdso dontfork", madvise(vdso, 4096, MADV_DONTFORK));
  report("mprotect the whole vdso writable", mprotect(vdso, 8192, PROT_READ | PROT_WRITE | PROT_EXEC));
  report("mprotect the whole vvar writable", mprotect(vvar, 16384, PROT_READ | PROT_WRITE));
  vdso[8191] = vdso[8191];  // a private copy of the image's last page
  show_maps("after");
  clocks(10);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    show_maps("child");
    clocks(10);
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
    return 127;
  }
  int status;
  waitpid(pid, &status, 0);
  printf("child: status %d\n", status);
  return 0;
}
