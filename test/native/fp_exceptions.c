/*
 * Unmasked floating-point exceptions: SSE (#XM at the instruction) and x87
 * (#MF at the next waiting x87 instruction) end in SIGFPE with the si_code
 * Linux's fpu__exception_code derives; the handler prints si_code, si_addr
 * relative to the program, the trap number and the saved MXCSR and x87
 * words. `fp_exceptions N` runs case N; `fp_exceptions N die` without the
 * handler, so that the process dies of the signal.
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

extern char __executable_start[];
static const char *name;

static void on_fpe(int sig, siginfo_t *si, void *p)
{
	ucontext_t *uc = p;
	unsigned short *st0 = uc->uc_mcontext.fpregs->_st[0].significand;
	printf("%s: signal %d si_code %d si_addr +%#lx trapno %lld mxcsr %#x cwd %#x swd %#x st0 %04x%04x%04x%04x%04x\n", name, sig,
	       si->si_code, (unsigned long)((char *)si->si_addr - __executable_start), (long long)uc->uc_mcontext.gregs[REG_TRAPNO],
	       uc->uc_mcontext.fpregs->mxcsr, uc->uc_mcontext.fpregs->cwd, uc->uc_mcontext.fpregs->swd, st0[4], st0[3], st0[2], st0[1],
	       st0[0]);
	fflush(stdout);
	_exit(0);
}

/* Unmasks `e` (FE_* bits) in both units: glibc's feenableexcept, or (musl has none) the same by hand. */
static void unmask(int e)
{
#ifdef __GLIBC__
	feenableexcept(e);
#else
	unsigned short cw;
	unsigned mx;
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	cw &= ~e;
	__asm__ volatile("fldcw %0" : : "m"(cw));
	__asm__ volatile("stmxcsr %0" : "=m"(mx));
	mx &= ~(e << 7);
	__asm__ volatile("ldmxcsr %0" : : "m"(mx));
#endif
}

static volatile double d0 = 0.0, d1 = 1.0, d3 = 3.0, dbig = 1e308, dtiny = 1e-308;
static volatile float f0 = 0.0f, f1 = 1.0f;
static volatile long double l0 = 0.0L, l1 = 1.0L, lbig = 1e4930L, ltiny = 0x1.8p-16382L, lhalf = 0x1p-40L;
static volatile double r;
static volatile float fr;
static volatile long double lr;

static void run(int c)
{
	switch (c) {
	case 0: name = "sse divide by zero"; unmask(FE_DIVBYZERO); r = d1 / d0; break;
	case 1: name = "sse invalid"; unmask(FE_INVALID); r = d0 / d0; break;
	case 2: name = "sse overflow"; unmask(FE_OVERFLOW); r = dbig * dbig; break;
	/* the denormal operand is masked and flagged; underflow (and precision) are raised */
	case 3: name = "sse underflow"; unmask(FE_UNDERFLOW); r = dtiny * dtiny; break;
	case 4: name = "sse inexact"; unmask(FE_INEXACT); r = d1 / d3; break;
	case 5: name = "sse overflow and inexact"; unmask(FE_OVERFLOW | FE_INEXACT); r = dbig * dbig; break;
	case 6: name = "sse float divide by zero"; unmask(FE_DIVBYZERO); fr = f1 / f0; break;
	case 7: name = "sse sqrt of -1"; unmask(FE_INVALID); r = __builtin_sqrt(-d1); break;
	case 8: name = "sse masked"; unmask(FE_OVERFLOW); r = d1 / d0; printf("%s: %g\n", name, r); break;
	case 9: name = "x87 divide by zero"; unmask(FE_DIVBYZERO); lr = l1 / l0; break;
	case 10: name = "x87 invalid"; unmask(FE_INVALID); lr = l0 / l0; break;
	/* an unmasked overflow leaves the result divided by 2^24576 in st(0), C1 from its rounding */
	case 11: name = "x87 overflow"; unmask(FE_OVERFLOW); lr = lbig * lbig; break;
	case 12: name = "x87 inexact"; unmask(FE_INEXACT); lr = l1 / 3.0L; break;
	/* a flag already set, then unmasked: the next waiting instruction raises it */
	case 13: name = "x87 pending"; lr = l1 / l0; unmask(FE_DIVBYZERO); lr = l1 + l1; break;
	/* an unmasked underflow leaves the result multiplied by 2^24576, even when exact */
	case 14: name = "x87 underflow"; unmask(FE_UNDERFLOW); lr = ltiny * ltiny; break;
	case 15: name = "x87 exact underflow"; unmask(FE_UNDERFLOW); lr = ltiny * lhalf; break;
	/* an overflowing store to a double stores nothing and leaves st(0) */
	case 16: name = "x87 overflow on store"; unmask(FE_OVERFLOW); r = lbig; lr = l1 + l1; break;
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fpe;
	sa.sa_flags = SA_SIGINFO;
	if (argc < 2)
		return 2;
	if (argc < 3)
		sigaction(SIGFPE, &sa, 0);
	run(atoi(argv[1]));
	printf("%s: no signal\n", name);
	return 0;
}
