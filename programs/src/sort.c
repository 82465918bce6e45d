/* sort: N (argv[1], default 20000) pseudo-random 64-bit keys sorted by an
 * in-place quicksort (median of three, insertion sort below 16) and a
 * heapsort, results compared; prints a checksum of the order and extremes. */
#include "../lib/sys.h"

#define MAX_N 100000
static u64 a[MAX_N], b[MAX_N];

static u64 next_key(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void swap(u64 *x, u64 *y)
{
	u64 t = *x;
	*x = *y;
	*y = t;
}

static void quicksort(u64 *v, long lo, long hi)
{
	while (hi - lo > 16) {
		long mid = lo + (hi - lo) / 2;
		if (v[mid] < v[lo]) swap(&v[mid], &v[lo]);
		if (v[hi] < v[lo]) swap(&v[hi], &v[lo]);
		if (v[hi] < v[mid]) swap(&v[hi], &v[mid]);
		u64 pivot = v[mid];
		long i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot) i++;
			while (v[j] > pivot) j--;
			if (i <= j) swap(&v[i++], &v[j--]);
		}
		/* recurse into the smaller side, loop on the larger */
		if (j - lo < hi - i) {
			quicksort(v, lo, j);
			lo = i;
		} else {
			quicksort(v, i, hi);
			hi = j;
		}
	}
	for (long i = lo + 1; i <= hi; i++) {
		u64 k = v[i];
		long j = i - 1;
		while (j >= lo && v[j] > k) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = k;
	}
}

static void sift_down(u64 *v, unsigned long root, unsigned long n)
{
	for (;;) {
		unsigned long child = 2 * root + 1;
		if (child >= n) return;
		if (child + 1 < n && v[child + 1] > v[child]) child++;
		if (v[root] >= v[child]) return;
		swap(&v[root], &v[child]);
		root = child;
	}
}

static void heapsort(u64 *v, unsigned long n)
{
	for (unsigned long i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (unsigned long end = n; end-- > 1;) {
		swap(&v[0], &v[end]);
		sift_down(v, 0, end);
	}
}

int main(int argc, char **argv)
{
	unsigned long n = parse_ulong(argc > 1 ? argv[1] : 0, 20000);
	if (n < 1 || n > MAX_N) n = 20000;
	u64 seed = 88172645463325252UL;
	for (unsigned long i = 0; i < n; i++)
		a[i] = b[i] = next_key(&seed) % 1000000007UL;
	quicksort(a, 0, (long)n - 1);
	heapsort(b, n);
	unsigned long unsorted = 0, differ = 0;
	u64 hash = 1469598103934665603UL;
	for (unsigned long i = 0; i < n; i++) {
		unsorted += i && a[i - 1] > a[i];
		differ += a[i] != b[i];
		hash = (hash ^ a[i]) * 1099511628211UL;
	}
	put_str("sorted ");
	put_udec(n);
	put_str(" keys: min ");
	put_udec(a[0]);
	put_str(", max ");
	put_udec(a[n - 1]);
	put_str(", out of order ");
	put_udec(unsorted);
	put_str(", quicksort vs heapsort differ ");
	put_udec(differ);
	put_str(", hash ");
	put_hex(hash);
	put_str("\n");
	return unsorted || differ;
}
