/* printf with ints and strings, argv and getenv: libc's stdio formatting and buffering. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	printf("argc %d, argv[0] %s\n", argc, argv[0]);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = \"%s\" (%zu bytes)\n", i, argv[i], sizeof(char) * (size_t)snprintf(NULL, 0, "%s", argv[i]));
	printf("[%5d] [%-5d] [%05d] [%+d] [%x] [%#o] [%lld] [%llu]\n", 42, 42, 42, 42, 255, 8, LLONG_MIN, ULLONG_MAX);
	printf("[%10s] [%-10s] [%.3s] [%c%c]\n", "right", "left", "truncate", 'o', 'k');
	const char *home = getenv("HOME");
	printf("HOME %s\n", home ? home : "(unset)");
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%s-%d-%s", "a", -7, "z");
	printf("snprintf %d %s\n", n, buf);
	fflush(stdout);
	printf("after fflush\n");
	return argc > 1 ? atoi(argv[1]) : 0;
}
