/* segv_readonly: read a PROT_READ mapping (fine: the zero page), then write
 * it. Linux sends SIGSEGV with SEGV_ACCERR; exit status 139. */
#include "../lib/sys.h"

int main(void)
{
	long m = sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile u8 *p = (volatile u8 *)m;
	put_str("read ");
	put_udec(p[0]);
	put_str(", now writing\n");
	p[0] = 1;
	put_str("not reached\n");
	return 0;
}
