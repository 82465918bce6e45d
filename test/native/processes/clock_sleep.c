/* clock_sleep: CLOCK_MONOTONIC's whole seconds before and after a sleep of
 * argv[1] seconds (default 2). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

int main(int argc, char **argv)
{
	struct timespec nap = { argc > 1 ? atoi(argv[1]) : 2, 0 };
	long before = seconds();
	nanosleep(&nap, NULL);
	printf("%ld %ld\n", before, seconds());
	return 0;
}
