/* qsort and bsearch over records, and setjmp/longjmp out of a deep recursion. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	int key;
	char name[12];
};

static int by_key(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return (x->key > y->key) - (x->key < y->key);
}

static jmp_buf out;
static volatile int bottom = 500;

static int descend(int depth)
{
	if (depth >= bottom)
		longjmp(out, depth);
	if (depth > 100000)
		return 0;
	return descend(depth + 1) + 1;
}

int main(void)
{
	enum { N = 5000 };
	static struct rec recs[N];
	unsigned x = 1;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245 + 12345;
		recs[i].key = (int)(x >> 8) % 100000;
		snprintf(recs[i].name, sizeof(recs[i].name), "r%d", i);
	}
	qsort(recs, N, sizeof(recs[0]), by_key);
	int sorted = 1;
	for (int i = 1; i < N; i++)
		sorted &= recs[i - 1].key <= recs[i].key;
	printf("sorted %d, first %d %s, last %d %s\n", sorted, recs[0].key, recs[0].name, recs[N - 1].key, recs[N - 1].name);
	struct rec want = { .key = recs[N / 2].key };
	struct rec *hit = bsearch(&want, recs, N, sizeof(recs[0]), by_key);
	printf("bsearch %d\n", hit && hit->key == want.key);

	volatile int rounds = 0;
	int r = setjmp(out);
	if (r == 0)
		descend(0);
	printf("longjmp returned %d\n", r);
	if (++rounds < 3)
		longjmp(out, rounds + 1000);
	printf("rounds %d\n", rounds);
	return 0;
}
