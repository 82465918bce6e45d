/* The test programs' pseudo-random sequence (xorshift64): the same on
 * every machine, so a checksum of it is a reference. */
#include <stdint.h>

static inline uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}
