// libm on an x86-64-v3 CPU: glibc picks its FMA variants of exp, log, pow,
// sin, cos, tan, atan and atan2 (__exp_fma, __sin_fma …), which use vfmadd,
// vblendvpd and the other AVX forms; every result bit for bit as natively.
#include <math.h>
#include <stdio.h>
#include <string.h>

static unsigned long long bits(double d) {
  unsigned long long u;
  memcpy(&u, &d, sizeof u);
  return u;
}

int main(void) {
  double (*const f[])(double) = { exp, log, sin, cos, tan, atan, sqrt, expm1, cbrt };
  const char *names[] = { "exp", "log", "sin", "cos", "tan", "atan", "sqrt", "expm1", "cbrt" };
  for (int k = 0; k < 9; k++) {
    unsigned long long sum = 0;
    for (int i = 1; i <= 400; i++) sum = sum * 31 + bits(f[k](i * 0.0731 - (k == 1 || k == 6 ? 0 : 7.5)));
    printf("%s %016llx\n", names[k], sum);
  }
  unsigned long long p = 0, a = 0;
  for (int i = 1; i <= 400; i++) {
    p = p * 31 + bits(pow(i * 0.37, 1.0 / i - 0.5));
    a = a * 31 + bits(atan2(i * 0.21 - 40, 17 - i * 0.05));
  }
  printf("pow %016llx\natan2 %016llx\n", p, a);
  return 0;
}
