/* hashtable: an open-addressing (linear probing, tombstones) table of
 * 64-bit keys to values. Inserts N keys (argv[1], default 30000), looks up
 * present and absent keys, deletes every third, re-inserts some, and prints
 * the counts and a checksum of the values found. */
#include "../lib/sys.h"

#define CAP (1 << 16)		/* a power of two above N / load factor */
#define EMPTY 0
#define TOMB 1
static u64 keys[CAP], vals[CAP];

static u64 mix(u64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdUL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53UL;
	return k ^ (k >> 33);
}

/* keys 0 and 1 mark empty and deleted slots, so user keys are shifted by 2 */
static long find(u64 key)
{
	for (u64 i = mix(key) & (CAP - 1);; i = (i + 1) & (CAP - 1)) {
		if (keys[i] == EMPTY) return -1;
		if (keys[i] == key + 2) return i;
	}
}

static int insert(u64 key, u64 val)
{
	long tomb = -1;
	for (u64 i = mix(key) & (CAP - 1);; i = (i + 1) & (CAP - 1)) {
		if (keys[i] == key + 2) {
			vals[i] = val;
			return 0;
		}
		if (keys[i] == TOMB && tomb < 0) tomb = i;
		if (keys[i] == EMPTY) {
			long slot = tomb >= 0 ? tomb : (long)i;
			keys[slot] = key + 2;
			vals[slot] = val;
			return 1;
		}
	}
}

static int erase(u64 key)
{
	long i = find(key);
	if (i < 0) return 0;
	keys[i] = TOMB;
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long n = parse_ulong(argc > 1 ? argv[1] : 0, 30000);
	if (n > CAP / 2) n = CAP / 2;
	unsigned long inserted = 0, found = 0, missing = 0, erased = 0;
	u64 sum = 0;
	for (u64 k = 0; k < n; k++)
		inserted += insert(k * 2654435761UL, k * k + 7);
	for (u64 k = 0; k < n; k++) {
		long i = find(k * 2654435761UL);
		if (i >= 0) {
			found++;
			sum += vals[i];
		}
		missing += find(k * 2654435761UL + 1) < 0;
	}
	for (u64 k = 0; k < n; k += 3)
		erased += erase(k * 2654435761UL);
	unsigned long reinserted = 0, after = 0;
	for (u64 k = 0; k < n; k += 6)
		reinserted += insert(k * 2654435761UL, k);
	for (u64 k = 0; k < n; k++) {
		long i = find(k * 2654435761UL);
		if (i >= 0) {
			after++;
			sum = sum * 3 + vals[i];
		}
	}
	put_str("inserted ");
	put_udec(inserted);
	put_str(", found ");
	put_udec(found);
	put_str(", absent ");
	put_udec(missing);
	put_str(", erased ");
	put_udec(erased);
	put_str(", reinserted ");
	put_udec(reinserted);
	put_str(", present ");
	put_udec(after);
	put_str(", checksum ");
	put_hex(sum);
	put_str("\n");
	return 0;
}
