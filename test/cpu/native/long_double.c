/* long double <math.h>: sinl, cosl, tanl, atan2l, expl, logl, log1pl, powl
 * and their kin, which glibc and musl compute with the x87 transcendentals
 * (fsin, fcos, fptan, fpatan, f2xm1, fyl2x, fyl2xp1, fscale), printed to the
 * last digit and as the 80 bits of the result. */
#include <math.h>
#include <stdio.h>
#include <string.h>

static const long double xs[] = {
	0.0L, -0.0L, 1e-4000L, 1e-300L, 1e-20L, 1e-5L, 0.1L, 0.5L, 0.75L, 1.0L, 1.5L, 2.0L, 2.5L, 3.14159265358979323846L,
	10.0L, 100.0L, 12345.678L, 1e10L, 1e18L, 9.2e18L, 1e19L, 1e300L, 1e4000L, -0.3L, -2.0L, -100.5L, -1e10L,
};

static void show(const char *f, long double x, long double r)
{
	unsigned long long m;
	unsigned short se;
	memcpy(&m, &r, 8);
	memcpy(&se, (char *)&r + 8, 2);
	printf("%s(%.21Lg) = %.21Lg %04x%016llx\n", f, x, r, se, m);
}

int main(void)
{
	unsigned long long s = 0x9e3779b97f4a7c15ull;
	long double more[24];
	for (int i = 0; i < 24; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		more[i] = ldexpl((long double)(s >> 11), (int)(s % 61) - 80);
	}
	for (int k = 0; k < 2; k++) {
		const long double *v = k ? more : xs;
		int n = k ? 24 : (int)(sizeof xs / sizeof xs[0]);
		for (int i = 0; i < n; i++) {
			long double x = v[i];
			show("sinl", x, sinl(x));
			show("cosl", x, cosl(x));
			show("tanl", x, tanl(x));
			show("atanl", x, atanl(x));
			show("atan2l(x,-3)", x, atan2l(x, -3.0L));
			show("atan2l(1,x)", x, atan2l(1.0L, x));
			show("expl", x, expl(x));
			show("exp2l", x, exp2l(x));
			show("expm1l", x, expm1l(x));
			show("logl", x, logl(x));
			show("log2l", x, log2l(x));
			show("log10l", x, log10l(x));
			show("log1pl", x, log1pl(x));
			show("powl(x,2.5)", x, powl(x, 2.5L));
			show("powl(1.5,x)", x, powl(1.5L, x));
			show("sqrtl", x, sqrtl(x));
			show("asinl", x, asinl(x));
			show("acosl", x, acosl(x));
			show("sinhl", x, sinhl(x));
			show("tanhl", x, tanhl(x));
			show("fmodl(x,0.7)", x, fmodl(x, 0.7L));
		}
	}
	return 0;
}
