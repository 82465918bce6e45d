/* pie_hello: a static-PIE (ET_DYN, no PT_INTERP) program. Built with
 * -fPIE -static-pie and written without absolute addresses in data, so it
 * needs no relocations (the build checks readelf -r). Prints a greeting
 * and a sum over a read-only table reached RIP-relatively. */
#include "../lib/sys.h"

static const u32 table[8] = { 3, 1, 4, 1, 5, 9, 2, 6 };
static u64 counter = 40;

int main(void)
{
	u64 sum = 0;
	for (int i = 0; i < 8; i++)
		sum += table[i] * (u64)(i + 1);
	counter += 2;
	put_str("Hello from a static PIE: table sum ");
	put_udec(sum);
	put_str(", counter ");
	put_udec(counter);
	put_str("\n");
	return 0;
}
