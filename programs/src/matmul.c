/* matmul: C = A x B for N x N matrices of 64-bit integers (argv[1],
 * default 96, at most 128), wrapping arithmetic, then a checksum of C and
 * its trace. */
#include "../lib/sys.h"

#define MAX 128
static u64 A[MAX][MAX], B[MAX][MAX], C[MAX][MAX];

int main(int argc, char **argv)
{
	unsigned long n = parse_ulong(argc > 1 ? argv[1] : 0, 96);
	if (n < 1 || n > MAX) n = 96;
	u64 s = 0x243f6a8885a308d3UL;
	for (unsigned long i = 0; i < n; i++)
		for (unsigned long j = 0; j < n; j++) {
			s = s * 6364136223846793005UL + 1442695040888963407UL;
			A[i][j] = s >> 11;
			s = s * 6364136223846793005UL + 1442695040888963407UL;
			B[i][j] = (s >> 20) - (1UL << 43);
		}
	for (unsigned long i = 0; i < n; i++)
		for (unsigned long j = 0; j < n; j++) {
			u64 acc = 0;
			for (unsigned long k = 0; k < n; k++)
				acc += A[i][k] * B[k][j];
			C[i][j] = acc;
		}
	u64 sum = 0, trace = 0;
	for (unsigned long i = 0; i < n; i++) {
		trace += C[i][i];
		for (unsigned long j = 0; j < n; j++)
			sum = (sum ^ C[i][j]) * 0x100000001b3UL;
	}
	put_str("n ");
	put_udec(n);
	put_str(", checksum ");
	put_hex(sum);
	put_str(", trace ");
	put_dec((i64)trace);
	put_str("\n");
	return 0;
}
