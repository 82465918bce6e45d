/* segv_null: store through a null pointer. Linux sends SIGSEGV
 * (SEGV_MAPERR at address 0); the shell reports exit status 139. */
#include "../lib/sys.h"

int main(void)
{
	put_str("writing to address 0\n");
	*(volatile int *)0 = 1;
	put_str("not reached\n");
	return 0;
}
