/* A dynamically linked program using libm directly and a shared object
 * through dlopen/dlsym: its results, dlerror for a missing library, and
 * the address space with both loaded (maps_check.h). */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "maps_check.h"

int main(int argc, char **argv)
{
	volatile double x = 2.0;
	printf("sqrt %.17g cos %.17g pow %.17g\n", sqrt(x), cos(x), pow(x, 0.5));
	void *missing = dlopen("/nonexistent/libnothing.so", RTLD_NOW);
	printf("missing library: %s\n", missing ? "loaded" : "refused");
	if (argc < 2)
		return 1;
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		printf("dlopen: %s\n", dlerror());
		return 1;
	}
	int (*twice)(int) = (int (*)(int))dlsym(h, "plugin_twice");
	double (*hyp)(double, double) = (double (*)(double, double))dlsym(h, "plugin_hypot");
	int *calls = (int *)dlsym(h, "plugin_calls");
	printf("dlsym unknown: %s\n", dlsym(h, "plugin_nothing") ? "found" : "none");
	printf("twice %d hypot %.17g calls %d\n", twice(21), hyp(3, 4), *calls);
	print_maps();
	printf("dlclose %d\n", dlclose(h));
	return 0;
}
