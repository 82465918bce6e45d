// A signal interrupts code holding values in all sixteen YMM registers; the
// handler reads the frame's XSAVE image (arch/x86/kernel/fpu/signal.c), then
// clobbers every YMM register. The interrupted code must see its registers
// back; a handler that edits the frame's AVX state changes them; one that
// erases FP_XSTATE_MAGIC2 gets the legacy (fxrstor) restore, which leaves
// the upper halves in their init state (zero). A forked child starts with
// its parent's YMM registers. Only what an x86-64-v3 CPU
// shares with a larger one is printed (not the sizes, which AVX-512 grows).
#define _GNU_SOURCE
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

#define UC_FP_XSTATE 1

static uint8_t in[512], out[512];
static int mode;
static struct {
  unsigned long uc_flags;
  uint32_t magic1, extended, xstate_size, magic2;
  uint64_t xfeatures, xstate_bv;
  int ymm3_in_frame;
} seen;

static void handler(int sig, siginfo_t *si, void *ucv) {
  (void)sig; (void)si;
  ucontext_t *uc = ucv;
  uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
  seen.uc_flags = uc->uc_flags;
  memcpy(&seen.magic1, fp + 464, 4);
  memcpy(&seen.extended, fp + 468, 4);
  memcpy(&seen.xfeatures, fp + 472, 8);
  memcpy(&seen.xstate_size, fp + 480, 4);
  memcpy(&seen.magic2, fp + seen.xstate_size, 4);
  memcpy(&seen.xstate_bv, fp + 512, 8);
  // the AVX component (YMM0..15's upper halves) at 576 in the standard format
  seen.ymm3_in_frame = memcmp(fp + 576 + 16 * 3, in + 32 * 3 + 16, 16) == 0;
  if (mode == 1) memset(fp + 576 + 16 * 5, 0x5a, 16);
  if (mode == 2) memset(fp + seen.xstate_size, 0, 4);
  __asm__ volatile("vpcmpeqb %%ymm0, %%ymm0, %%ymm0\n"
#define C(n) "vmovdqa %%ymm0, %%ymm" #n "\n"
                   C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8) C(9) C(10) C(11) C(12) C(13) C(14) C(15)
                   ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                   "xmm12", "xmm13", "xmm14", "xmm15");
}

/** Loads in[] into ymm0..15, sends itself SIGUSR1 by raw syscalls (no libc between), stores ymm0..15 to out[]. */
static void interrupted(void) {
  __asm__ volatile(
#define L(n) "vmovdqu " #n "*32(%[in]), %%ymm" #n "\n"
      L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
      "mov $39, %%eax\n syscall\n mov %%eax, %%edi\n"
      "mov $62, %%eax\n mov $10, %%esi\n syscall\n"
#define S(n) "vmovdqu %%ymm" #n ", " #n "*32(%[out])\n"
      S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
      :: [in] "r"(in), [out] "r"(out)
      : "rax", "rdi", "rsi", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
        "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

/** Loads in[] into ymm0..15, forks by a raw syscall, stores ymm0..15 to out[] in each process: the child's pid, or 0 in the child. */
static long forked(void) {
  long pid;
  // in and out in rsi and rdi, which the syscall keeps (and fork ignores)
  __asm__ volatile(
      L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
      "mov $57, %%eax\n syscall\n"
      S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
      : "=a"(pid) : [in] "S"(in), [out] "D"(out)
      : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
        "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
  return pid;
}

static int upper_zero(int r) {
  for (int i = 16; i < 32; i++) if (out[32 * r + i]) return 0;
  return 1;
}

int main(void) {
  for (int i = 0; i < 512; i++) in[i] = (uint8_t)(i * 73 + 5);
  struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };
  sigaction(SIGUSR1, &sa, 0);
  unsigned a, b, c, d;
  __cpuid_count(0xd, 0, a, b, c, d);

  mode = 0;
  interrupted();
  printf("uc_flags & UC_FP_XSTATE: %lu\n", seen.uc_flags & UC_FP_XSTATE);
  printf("magic1 %s, magic2 %s\n", seen.magic1 == FP_XSTATE_MAGIC1 ? "ok" : "bad", seen.magic2 == FP_XSTATE_MAGIC2 ? "ok" : "bad");
  printf("extended_size = xstate_size + 4: %d\n", seen.extended == seen.xstate_size + 4);
  printf("xstate_size is cpuid 0xd's size for XCR0: %d\n", seen.xstate_size == b);
  printf("xfeatures x87|SSE|AVX: %d, XSTATE_BV x87|SSE|AVX: %d\n", (int)(seen.xfeatures & 7), (int)(seen.xstate_bv & 7));
  printf("the frame holds ymm3's upper half: %d\n", seen.ymm3_in_frame);
  printf("ymm0..15 restored: %d\n", memcmp(in, out, 512) == 0);

  mode = 1;
  interrupted();
  int others = 1;
  for (int r = 0; r < 16; r++) if (r != 5 && memcmp(in + 32 * r, out + 32 * r, 32)) others = 0;
  uint8_t want[16];
  memset(want, 0x5a, 16);
  printf("edited frame: ymm5's upper half from the frame %d, its lower half %d, the others %d\n",
         memcmp(out + 32 * 5 + 16, want, 16) == 0, memcmp(out + 32 * 5, in + 32 * 5, 16) == 0, others);

  mode = 2;
  interrupted();
  int lows = 1, zeros = 1;
  for (int r = 0; r < 16; r++) {
    if (memcmp(in + 32 * r, out + 32 * r, 16)) lows = 0;
    if (!upper_zero(r)) zeros = 0;
  }
  printf("no magic2: the xmm registers restored %d, the upper halves zero %d\n", lows, zeros);

  int fds[2];
  if (pipe(fds)) return 1;
  fflush(stdout);
  memset(out, 0, sizeof out);
  long pid = forked();
  if (pid == 0) {
    (void)!write(fds[1], out, sizeof out);
    _exit(0);
  }
  uint8_t child[512];
  size_t got = 0;
  while (got < sizeof child) {
    ssize_t n = read(fds[0], child + got, sizeof child - got);
    if (n <= 0) break;
    got += n;
  }
  waitpid(pid, 0, 0);
  printf("fork: the child's ymm0..15 are its parent's %d\n", got == sizeof child && memcmp(child, in, 512) == 0);
  return 0;
}
