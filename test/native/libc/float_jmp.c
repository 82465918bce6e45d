/* Doubles through printf and strtod, long double, setjmp/longjmp, qsort of doubles. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

static jmp_buf env;

static void deep(int n)
{
	if (n == 0)
		longjmp(env, 42);
	deep(n - 1);
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	printf("%.17g %.3e %g %a\n", 0.1, 6.02214076e23, 1.0 / 3, 2.5);
	printf("%.20Lf\n", 1.0L / 3);
	printf("%f %f\n", strtod("3.25e2", NULL), sqrt(2.0));
	double v[8] = { 3.5, -1, 1e300, -0.0, 2, 1e-300, 7, 0.5 };
	qsort(v, 8, sizeof v[0], cmpd);
	for (int i = 0; i < 8; i++)
		printf("%g ", v[i]);
	printf("\n");
	int r = setjmp(env);
	if (r == 0)
		deep(10);
	printf("longjmp gave %d\n", r);
	return 7;
}
