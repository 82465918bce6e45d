// The libm-heavy workload for bench/sse.ts: exp, log, sin and pow, PASSES
// times over 1,000 arguments each. glibc takes their FMA variants on an
// x86-64-v3 CPU (vfmadd, vblendv) and their SSE2 ones on x86-64-v2: scalar
// floating point rather than string loops. The sum printed lets the bench
// compare the run with the native one (on the same CPU level only: the two
// variants differ in the last bit).
// Usage: libm_loop PASSES
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long passes = argc > 1 ? atol(argv[1]) : 1;
  double sum = 0;
  for (long p = 0; p < passes; p++)
    for (int i = 1; i <= 1000; i++) {
      double x = i * 1e-3 + p * 1e-7;
      sum += exp(-x) + log(x) + sin(x) + pow(x, 0.3);
    }
  printf("%.17g\n", sum);
  return 0;
}
