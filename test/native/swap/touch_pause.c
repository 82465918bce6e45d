/* touch_pause: writes MIB MiB of anonymous memory (argv[1], default 20),
 * says so, then waits for a signal that never comes: with RAM below MIB,
 * kswapd has work left when every process sleeps. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t bytes = (size_t)(argc > 1 ? atoi(argv[1]) : 20) << 20;
	char *a = malloc(bytes);
	if (!a)
		return 1;
	for (size_t i = 0; i < bytes; i += 4096)
		a[i] = 1;
	printf("touched %zu MiB\n", bytes >> 20);
	fflush(stdout);
	pause();
	return 0;
}
