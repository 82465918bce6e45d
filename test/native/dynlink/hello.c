/* The smallest dynamically linked program: stdio, an exit status, and the
 * address space ld.so left (maps_check.h). */
#include <stdio.h>
#include "maps_check.h"

int main(int argc, char **argv)
{
	printf("hello from %s, %d arguments\n", argc > 1 ? argv[1] : "main", argc);
	print_maps();
	return 3;
}
