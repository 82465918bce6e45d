/* fork_cow: copy-on-write after fork. The parent fills N anonymous pages
 * (argv[1], default 64) and forks; parent and child then share every page
 * read-only. The child writes the first half (each write takes a COW fault
 * that copies the page: wp_page_copy), checks the second half still holds
 * the parent's bytes, and exits. The parent waits, checks its first half
 * kept its own bytes, and writes the second half (now mapped by it alone:
 * wp_page_reuse). Each side prints what it saw. */
#include "../lib/sys.h"

#define SYS_fork 57
#define SYS_wait4 61

static unsigned long sum(volatile u8 *p, unsigned long from, unsigned long to)
{
	unsigned long s = 0;
	for (unsigned long i = from; i < to; i++)
		s += p[i * PAGE_SIZE];
	return s;
}

static void report(const char *who, const char *what, unsigned long from, unsigned long to, unsigned long s)
{
	put_str(who);
	put_str(what);
	put_udec(from);
	put_str("..");
	put_udec(to);
	put_str(", sum ");
	put_udec(s);
	put_str("\n");
}

int main(int argc, char **argv)
{
	unsigned long pages = parse_ulong(argc > 1 ? argv[1] : 0, 64);
	unsigned long half = pages / 2;
	volatile u8 *p = map_pages(pages);
	for (unsigned long i = 0; i < pages; i++)
		p[i * PAGE_SIZE] = 1;
	long pid = syscall3(SYS_fork, 0, 0, 0);
	if (pid < 0) {
		put_str("fork failed: ");
		put_dec(pid);
		put_str("\n");
		return 1;
	}
	if (pid == 0) {
		for (unsigned long i = 0; i < half; i++)
			p[i * PAGE_SIZE] = 2;
		report("child:  ", "wrote pages ", 0, half, sum(p, 0, half));
		report("child:  ", "parent's pages ", half, pages, sum(p, half, pages));
		return 2;
	}
	int status = 0;
	long r = syscall4(SYS_wait4, pid, &status, 0, 0);
	if (r != pid) {
		put_str("wait4 failed: ");
		put_dec(r);
		put_str("\n");
		return 1;
	}
	put_str("parent: child exited with status ");
	put_dec((status >> 8) & 0xff);
	put_str("\n");
	report("parent: ", "own pages ", 0, half, sum(p, 0, half));
	for (unsigned long i = half; i < pages; i++)
		p[i * PAGE_SIZE] = 3;
	report("parent: ", "wrote pages ", half, pages, sum(p, half, pages));
	return 0;
}
