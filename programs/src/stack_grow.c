/* stack_grow: recurse D levels (argv[1], default 512), each frame holding a
 * 2 KiB array it writes, so the stack grows down about 1 MiB page by page
 * (expand_stack on each fault below the stack VMA). Prints a checksum that
 * depends on every frame. */
#include "../lib/sys.h"

static __attribute__((noinline)) unsigned long descend(unsigned long depth)
{
	volatile u8 frame[2048];
	for (unsigned long i = 0; i < sizeof(frame); i += 512)
		frame[i] = (u8)(depth + i / 512);
	unsigned long below = depth ? descend(depth - 1) : 0;
	unsigned long sum = below * 3;
	for (unsigned long i = 0; i < sizeof(frame); i += 512)
		sum += frame[i];
	return sum;
}

int main(int argc, char **argv)
{
	unsigned long depth = parse_ulong(argc > 1 ? argv[1] : 0, 512);
	unsigned long sum = descend(depth);
	put_str("depth ");
	put_udec(depth);
	put_str(", checksum ");
	put_hex(sum);
	put_str("\n");
	return 0;
}
