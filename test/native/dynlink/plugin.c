/* A shared object dlopen.c loads: code, data written at load time, and libm. */
#include <math.h>

int plugin_calls;

int plugin_twice(int x)
{
	plugin_calls++;
	return 2 * x;
}

double plugin_hypot(double a, double b)
{
	plugin_calls++;
	return sqrt(a * a + b * b);
}
