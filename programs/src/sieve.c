/* sieve: the sieve of Eratosthenes up to N (argv[1], default 2000000, at
 * most 8000000) in a byte array in .bss; prints the prime count, the
 * largest prime and the sum of all primes found. */
#include "../lib/sys.h"

#define MAX 8000000
static u8 composite[MAX + 1];

int main(int argc, char **argv)
{
	unsigned long n = parse_ulong(argc > 1 ? argv[1] : 0, 2000000);
	if (n < 2 || n > MAX) n = 2000000;
	for (unsigned long i = 2; i * i <= n; i++)
		if (!composite[i])
			for (unsigned long j = i * i; j <= n; j += i)
				composite[j] = 1;
	unsigned long count = 0, largest = 0, sum = 0;
	for (unsigned long i = 2; i <= n; i++)
		if (!composite[i]) {
			count++;
			largest = i;
			sum += i;
		}
	put_str("primes up to ");
	put_udec(n);
	put_str(": ");
	put_udec(count);
	put_str(", largest ");
	put_udec(largest);
	put_str(", sum ");
	put_udec(sum);
	put_str("\n");
	return 0;
}
