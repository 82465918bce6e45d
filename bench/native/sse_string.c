// The SSE-heavy workload for bench/sse.ts: glibc's memset, memcpy, strlen
// and memchr (their SSE2 forms under faultline, whose cpuid offers no AVX)
// over a 64 KiB buffer, PASSES times, lengths and alignments varying by
// pass. The checksum printed keeps the work from being optimised away and
// lets the bench compare the run with the native one.
// Usage: sse_string PASSES
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE (64 * 1024)
static char a[SIZE + 64], b[SIZE + 64];

/** Hides where p points from the compiler, so no call is folded away. */
static char *opaque(char *p) {
  __asm__("" : "+r"(p));
  return p;
}

int main(int argc, char **argv) {
  long passes = argc > 1 ? atol(argv[1]) : 1;
  unsigned long sum = 0;
  for (long i = 0; i < passes; i++) {
    char *src = opaque(a + i % 16), *dst = opaque(b + i % 13);
    size_t n = SIZE - 1 - (size_t)(i * 37) % 4096;
    memset(src, 'a' + i % 26, n);
    src[n] = 0;
    src[n - 1 - (size_t)(i * 101) % 8192] = 'Z';
    memcpy(dst, src, n + 1);
    size_t len = strlen(opaque(dst));
    char *z = memchr(opaque(dst), 'Z', len);
    sum = sum * 31 + len + (size_t)(z - dst);
  }
  printf("%ld passes, checksum %016lx\n", passes, sum);
  return 0;
}
