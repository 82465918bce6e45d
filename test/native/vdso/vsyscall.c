// The vsyscall page, as a program linked before the vDSO calls it:
// gettimeofday, time and getcpu at their fixed addresses, each emulated by
// the #PF handler with a `ret`; and what Linux refuses, each in a child of
// its own whose SIGSEGV is reported (si_code, si_addr, the frame's error
// code and trap number): a misaligned entry, a pointer the call cannot
// write, a kernel pointer, a bad stack, a read, a write, a jump past the
// page. Last, /proc/self/maps' and smaps' gate VMA.
// Prints only what Linux and faultline must agree on.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define VSYSCALL 0xffffffffff600000UL
typedef long (*gettimeofday_fn)(struct timeval *, void *);
typedef long (*time_fn)(long *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static void on_segv(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  char line[160];
  int n = snprintf(line, sizeof line, "SIGSEGV code %d addr %lx err %lld trapno %lld\n", si->si_code, (unsigned long)si->si_addr,
                   uc->uc_mcontext.gregs[REG_ERR], uc->uc_mcontext.gregs[REG_TRAPNO]);
  write(1, line, n);
  _exit(sig);
}

static void in_child(const char *what, void (*fn)(void)) {
  printf("%s: ", what);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    static char alt[65536];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigaction(SIGSEGV, &sa, NULL);
    fn();
    printf("returned\n");
    exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  printf("%s: status %#x\n", what, status);
}

static void misaligned(void) { ((time_fn)(VSYSCALL + 0x100))(NULL); }
static void unwritable(void) { ((gettimeofday_fn)VSYSCALL)((struct timeval *)8, NULL); }
static void kernel_pointer(void) { ((time_fn)(VSYSCALL + 0x400))((long *)0xffff800000000000UL); }
static void bad_stack(void) { __asm__ volatile("mov $0x10, %%rsp; jmp *%0" : : "r"(VSYSCALL + 0x400), "D"(0)); }
static void read_page(void) { printf("%lx\n", *(volatile unsigned long *)VSYSCALL); }
static void write_page(void) { *(volatile unsigned long *)VSYSCALL = 1; }
static void past_page(void) { ((time_fn)(VSYSCALL + 0x1000))(NULL); }

int main(void) {
  struct timeval tv, tv2;
  long t = 0, t0 = time(NULL);
  gettimeofday(&tv2, NULL);
  long r = ((gettimeofday_fn)VSYSCALL)(&tv, NULL);
  printf("gettimeofday: %ld, %s\n", r, tv.tv_sec >= tv2.tv_sec && tv.tv_sec - tv2.tv_sec < 5 ? "now" : "wrong");
  printf("gettimeofday(NULL, NULL): %ld\n", ((gettimeofday_fn)VSYSCALL)(NULL, NULL));
  r = ((time_fn)(VSYSCALL + 0x400))(&t);
  /* Linux's time() reads the seconds the tick last set, which can lag t0 (read
     from the precise clock through musl's vDSO call) by a second near its turn */
  printf("time: %s, stored %s\n", r >= t0 - 1 && r - t0 < 5 ? "now" : "wrong", t == r ? "the same" : "another");
  printf("time(NULL): %s\n", ((time_fn)(VSYSCALL + 0x400))(NULL) - t0 < 5 ? "now" : "wrong");
  unsigned cpu = 99, node = 99;
  r = ((getcpu_fn)(VSYSCALL + 0x800))(&cpu, &node, NULL);
  printf("getcpu: %ld, node %u\n", r, node);
  fflush(stdout);

  in_child("misaligned", misaligned);
  in_child("unwritable", unwritable);
  in_child("kernel pointer", kernel_pointer);
  in_child("bad stack", bad_stack);
  in_child("read", read_page);
  in_child("write", write_page);
  in_child("past the page", past_page);

  char line[512];
  const char *files[] = {"/proc/self/maps", "/proc/self/smaps"};
  for (int i = 0; i < 2; i++) {
    FILE *f = fopen(files[i], "r");
    int in = 0;
    while (fgets(line, sizeof line, f)) {
      if (strchr(line, '-') && strstr(line, " 00:00 ")) in = strstr(line, "[vsyscall]") != NULL;
      if (in) printf("%s: %s", files[i], line);
    }
    fclose(f);
  }
  return 0;
}
