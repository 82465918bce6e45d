/* signals: handlers, masks, the alternate stack and the frame Linux builds.
 *   catch       (default) faults caught with si_addr/si_code and resumed,
 *               kill/tgkill to self, blocked then pending signals, SA_NODEFER,
 *               SA_RESETHAND, SA_ONSTACK on a sigaltstack, the frame's layout
 *   term        kill(self, SIGTERM) with no handler: killed by SIGTERM
 *   badstack    a SIGSEGV handler, and a fault with rsp on unmapped memory:
 *               the frame cannot be written, so SIGSEGV is forced (SI_KERNEL)
 *   norestorer  a handler without SA_RESTORER: x86-64 cannot return from it,
 *               so the signal becomes SIGSEGV (SI_KERNEL) */
#include "../lib/sys.h"

#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigpending 127
#define SYS_sigaltstack 131
#define SYS_kill 62
#define SYS_tgkill 234
#define SA_SIGINFO 0x4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000UL
#define SIGILL 4
#define SIGFPE 8
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGTERM 15
#define SIGBIT(s) (1UL << ((s) - 1))

struct kaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};
struct siginfo {
	int signo, errno_, code, pad;
	union {
		void *addr;
		struct { int pid; unsigned uid; } kill;
	};
	char rest[104];
};
struct stack { void *sp; int flags; size_t size; };
/* struct ucontext with its sigcontext (uapi/asm/sigcontext.h) */
struct ucontext {
	unsigned long flags;
	void *link;
	struct stack stack;
	unsigned long r8_r15[8], rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	unsigned short cs, gs, fs, ss;
	unsigned long err, trapno, oldmask, cr2;
	u8 *fpstate;
	unsigned long reserved1[8];
	unsigned long sigmask;
};

void restorer(void);
__asm__(".text\n restorer: movl $15, %eax\n syscall\n hlt\n");
/* The instructions the faults below happen at, and their lengths. */
void div_at(void), ud2_at(void), after_div(void), after_ud2(void);

static int getpid(void) { return syscall3(SYS_getpid, 0, 0, 0); }

static long action(int sig, void *handler, unsigned long flags, unsigned long mask)
{
	struct kaction a = { handler, flags | SA_RESTORER, restorer, mask };
	return syscall4(SYS_rt_sigaction, sig, &a, 0, 8);
}

static unsigned long blocked_now(void)
{
	unsigned long old = 0;
	syscall4(SYS_rt_sigprocmask, 0, 0, &old, 8);
	return old;
}

static void show(const char *what, unsigned long v)
{
	put_str(what);
	put_str(" ");
	put_hex(v);
	put_str("\n");
}

static volatile int calls;
static volatile unsigned long seen_code, seen_addr, seen_trapno, seen_err, seen_mask, seen_ucmask, seen_pid;
static volatile unsigned long seen_stack, seen_ssflags, frame_info_off, frame_align, fp_align, fcw, mxcsr;
static u8 altstack[16384] __attribute__((aligned(16)));

static void on_segv(int sig, struct siginfo *si, struct ucontext *uc)
{
	calls++;
	seen_code = si->code;
	seen_addr = (unsigned long)si->addr;
	seen_trapno = uc->trapno;
	seen_err = uc->err;
	seen_ucmask = uc->sigmask;
	seen_mask = blocked_now();
	frame_info_off = (unsigned long)si - (unsigned long)uc;
	frame_align = ((unsigned long)uc - 8) % 16;
	fp_align = (unsigned long)uc->fpstate % 64;
	fcw = *(unsigned short *)uc->fpstate;
	mxcsr = *(u32 *)(uc->fpstate + 24);
	/* Make the access succeed when the instruction runs again. */
	unsigned long page = seen_addr & ~(PAGE_SIZE - 1);
	if (si->code == 1)
		sys_mmap((void *)page, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	else
		sys_mprotect((void *)page, PAGE_SIZE, PROT_READ | PROT_WRITE);
}

static void on_trap(int sig, struct siginfo *si, struct ucontext *uc)
{
	calls++;
	seen_code = si->code;
	seen_addr = (unsigned long)si->addr;
	seen_trapno = uc->trapno;
	/* Resume after the instruction that trapped. */
	uc->rip = sig == SIGFPE ? (unsigned long)after_div : (unsigned long)after_ud2;
	uc->rax = 42;
}

static void on_usr(int sig, struct siginfo *si, struct ucontext *uc)
{
	int local;
	calls++;
	seen_code = si->code;
	seen_pid = si->kill.pid;
	seen_mask = blocked_now();
	seen_ucmask = uc->sigmask;
	seen_stack = (unsigned long)&local - (unsigned long)altstack;
	struct stack now;
	syscall3(SYS_sigaltstack, 0, &now, 0);
	seen_ssflags = now.flags;
}

static int catch(void)
{
	/* SEGV_MAPERR: a store to an unmapped page, which the handler maps. */
	action(SIGSEGV, on_segv, SA_SIGINFO, SIGBIT(SIGUSR2));
	volatile u8 *hole = (u8 *)0x300000000UL;
	*hole = 7;
	show("maperr calls", calls);
	show("  si_code", seen_code);
	show("  si_addr", seen_addr);
	show("  trapno", seen_trapno);
	show("  err", seen_err);
	show("  mask in handler", seen_mask);
	show("  uc_sigmask", seen_ucmask);
	show("  siginfo - ucontext", frame_info_off);
	show("  ucontext - 8 mod 16", frame_align);
	show("  fpstate mod 64", fp_align);
	show("  fcw", fcw);
	show("  mxcsr", mxcsr);
	show("  value", *hole);

	/* SEGV_ACCERR: a store to a read-only page, which the handler unprotects. */
	volatile u8 *ro = (u8 *)sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*ro = 9;
	show("accerr calls", calls);
	show("  si_code", seen_code);
	show("  si_addr == page", seen_addr == (unsigned long)ro);
	show("  err", seen_err);
	show("  value", *ro);

	/* FPE_INTDIV and ILL_ILLOPN at the instruction; the handler moves rip on. */
	action(SIGFPE, on_trap, SA_SIGINFO, 0);
	action(SIGILL, on_trap, SA_SIGINFO, 0);
	unsigned long rax;
	__asm__ volatile("xorl %%ecx, %%ecx\n movl $1, %%eax\n xorl %%edx, %%edx\n"
			 ".globl div_at\n div_at: divl %%ecx\n .globl after_div\n after_div:"
			 : "=a"(rax) : : "rcx", "rdx");
	show("intdiv calls", calls);
	show("  si_code", seen_code);
	show("  si_addr == insn", seen_addr == (unsigned long)div_at);
	show("  trapno", seen_trapno);
	show("  rax set by handler", rax);
	__asm__ volatile(".globl ud2_at\n ud2_at: ud2\n .globl after_ud2\n after_ud2:" : "=a"(rax));
	show("illopn calls", calls);
	show("  si_code", seen_code);
	show("  si_addr == insn", seen_addr == (unsigned long)ud2_at);
	show("  trapno", seen_trapno);

	/* kill and tgkill to self: SI_USER and SI_TKILL, si_pid ours. */
	action(SIGUSR1, on_usr, SA_SIGINFO, 0);
	syscall3(SYS_kill, getpid(), SIGUSR1, 0);
	show("kill calls", calls);
	show("  si_code", seen_code);
	show("  si_pid is ours", seen_pid == (unsigned long)getpid());
	show("  mask in handler", seen_mask);
	show("  mask after", blocked_now());
	syscall3(SYS_tgkill, getpid(), getpid(), SIGUSR1);
	show("tgkill calls", calls);
	show("  si_code", (u32)seen_code);
	show("kill to no such pid", -syscall3(SYS_kill, 99999, SIGUSR1, 0));
	show("kill with a bad signal", -syscall3(SYS_kill, getpid(), 65, 0));

	/* Blocked: pending until unblocked, then delivered before sigprocmask returns. */
	unsigned long set = SIGBIT(SIGUSR1), pending = 0;
	syscall4(SYS_rt_sigprocmask, 0, &set, 0, 8);
	syscall3(SYS_kill, getpid(), SIGUSR1, 0);
	syscall3(SYS_kill, getpid(), SIGUSR1, 0);
	syscall3(SYS_rt_sigpending, &pending, 8, 0);
	show("blocked calls", calls);
	show("  pending", pending);
	syscall4(SYS_rt_sigprocmask, 1, &set, 0, 8);
	show("unblocked calls", calls);
	show("  uc_sigmask", seen_ucmask);
	syscall3(SYS_rt_sigpending, &pending, 8, 0);
	show("  pending", pending);

	/* SA_NODEFER: the signal stays unblocked in its handler. SA_RESETHAND: once only. */
	action(SIGUSR2, on_usr, SA_SIGINFO | SA_NODEFER | SA_RESETHAND, 0);
	syscall3(SYS_kill, getpid(), SIGUSR2, 0);
	show("nodefer calls", calls);
	show("  mask in handler", seen_mask);
	struct kaction old;
	syscall4(SYS_rt_sigaction, SIGUSR2, 0, &old, 8);
	show("  handler after resethand", (unsigned long)old.handler);
	show("  flags after", old.flags);

	/* SA_ONSTACK: the handler runs on the alternate stack, which says so. */
	struct stack small = { altstack, 0, 1024 }, ss = { altstack, 0, sizeof altstack }, was;
	show("sigaltstack too small", -syscall3(SYS_sigaltstack, &small, 0, 0));
	show("sigaltstack", syscall3(SYS_sigaltstack, &ss, &was, 0));
	show("  old flags", was.flags);
	action(SIGUSR1, on_usr, SA_SIGINFO | SA_ONSTACK, 0);
	syscall3(SYS_kill, getpid(), SIGUSR1, 0);
	show("onstack calls", calls);
	show("  on the alternate stack", seen_stack < sizeof altstack);
	show("  ss_flags in handler", seen_ssflags);
	syscall3(SYS_sigaltstack, 0, &was, 0);
	show("  ss_flags after", was.flags);
	return 0;
}

static void on_any(int sig) { calls++; }

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "catch";
	put_str("signals ");
	put_str(what);
	put_str("\n");
	if (!memcmp(what, "catch", 6))
		return catch();
	if (!memcmp(what, "term", 5))
		syscall3(SYS_kill, getpid(), SIGTERM, 0);
	if (!memcmp(what, "badstack", 9)) {
		action(SIGSEGV, on_any, 0, 0);
		__asm__ volatile("movq $0x200000000, %%rsp\n movq $0, (%%rsp)" : : : "memory");
	}
	if (!memcmp(what, "norestorer", 11)) {
		struct kaction a = { on_any, 0, 0, 0 };
		syscall4(SYS_rt_sigaction, SIGUSR1, &a, 0, 8);
		syscall3(SYS_kill, getpid(), SIGUSR1, 0);
	}
	put_str("still running\n");
	return 1;
}
