/* trap: end by the CPU exception argv[1] names, after saying which:
 *   ud2      #UD  -> SIGILL  (ILL_ILLOPN at rip)
 *   div0     #DE  -> SIGFPE  (FPE_INTDIV at rip)
 *   int3     #BP  -> SIGTRAP (SI_KERNEL)
 *   hlt      #GP  -> SIGSEGV (SI_KERNEL): hlt is privileged
 *   noncanon #GP  -> SIGSEGV (SI_KERNEL): a non-canonical address
 *   nx       #PF  -> SIGSEGV (SEGV_ACCERR): a jump into a non-executable page */
#include "../lib/sys.h"

static u8 not_code[16] = { 0xc3 };	/* ret, in .data: readable, not executable */

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	put_str("trap ");
	put_str(what);
	put_str("\n");
	if (!memcmp(what, "ud2", 4))
		__asm__ volatile("ud2");
	if (!memcmp(what, "div0", 5)) {
		unsigned long zero = 0, lo = 1, hi = 0;
		__asm__ volatile("divq %2" : "+a"(lo), "+d"(hi) : "r"(zero));
	}
	if (!memcmp(what, "int3", 5))
		__asm__ volatile("int3");
	if (!memcmp(what, "hlt", 4))
		__asm__ volatile("hlt");
	if (!memcmp(what, "noncanon", 9)) {
		unsigned long v;
		__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(0x8000000000000000UL));
	}
	if (!memcmp(what, "nx", 3))
		((void (*)(void))not_code)();
	put_str("no trap\n");
	return 1;
}
