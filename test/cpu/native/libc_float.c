/* Floating point through a C library: printf of doubles and long doubles
 * (musl formats through long double, on the x87), strtod, rounding modes,
 * <math.h> and integer conversions. Built with musl-gcc by
 * test/cpu/libc_float.test.ts and run natively and under faultline. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static volatile double vd[] = { 0.1, -2.5e-310, 1e300, 3.141592653589793, -0.0, 1.0 / 3, 123456789.125, 5e-324, 1.7976931348623157e308 };
static volatile long double vl[] = { 1.0L / 3, -0.1L, 1e4000L, 3.36210314311209350626e-4932L, 2.5L };
static volatile float vf[] = { 0.1f, 1e38f, -3.5f, 1.17549435e-38f };

int main(int argc, char **argv) {
	(void)argv;
	for (unsigned i = 0; i < sizeof vd / sizeof vd[0]; i++)
		printf("%.17g %e %f %a %g\n", vd[i], vd[i], vd[i], vd[i], vd[i]);
	for (unsigned i = 0; i < sizeof vl / sizeof vl[0]; i++)
		printf("%.21Lg %Lf %La\n", vl[i], vl[i], vl[i]);
	for (unsigned i = 0; i < sizeof vf / sizeof vf[0]; i++)
		printf("%.9g %d %ld\n", vf[i], (int)vf[i], (long)(vf[i] * 1e3));
	double x = argc;
	for (int i = 0; i < 40; i++) x = x * 1.5 + sqrt(x) / 3 - floor(x / 7);
	printf("%.17g %ld\n", x, (long)x);
	long double y = argc;
	for (int i = 0; i < 40; i++) y = y * 1.25L + 1 / (y + 1);
	printf("%.21Lg %lld\n", y, (long long)y);
	const char *nums[] = { "0.1", "1e-320", "2.2250738585072011e-308", "123456789012345678901234567890", "-inf", "nan", "0x1.8p3" };
	for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++) printf("%s -> %.17g\n", nums[i], strtod(nums[i], 0));
	const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
	for (unsigned i = 0; i < 4; i++) {
		fesetround(modes[i]);
		volatile double a = 1, b = 3;
		volatile long double c = 1, d = 3;
		printf("mode %u: %.17g %.21Lg %ld %.17g\n", i, a / b, c / d, lrint(2.5), rint(-2.5));
	}
	fesetround(FE_TONEAREST);
	feclearexcept(FE_ALL_EXCEPT);
	volatile double z = 0;
	volatile double inf = 1 / z;
	printf("%g %d\n", inf, fetestexcept(FE_DIVBYZERO) != 0);
	printf("%.17g %.17g %.17g %.17g\n", fmod(10.5, 3.25), remainder(10.5, 3.25), ldexp(1.5, -1070), frexp(1e300, &argc));
	printf("%.17g %.17g %.17g\n", exp(1.0), log(10.0), pow(2.0, 0.5));
	printf("%.21Lg %.21Lg\n", fmodl(1e30L, 7.0L), sqrtl(2.0L));
	return 0;
}
