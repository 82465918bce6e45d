/* numa_demo: where Linux puts a program's pages on a NUMA machine. Maps
 * three regions of N pages (argv[1], default 64) and writes every page:
 * one under the default policy (first touch: the node of the CPU that
 * touched it), one mbind()-ed MPOL_BIND to the last node, one mbind()-ed
 * MPOL_INTERLEAVE over every node. Then asks the kernel where each page
 * is (move_pages with no target nodes) and prints pages per node, and the
 * first pages of the interleaved region one node digit each.
 * Try: faultline run --numa 2 programs/bin/numa_demo */
#include "../lib/sys.h"

#define SYS_mbind 237
#define SYS_get_mempolicy 239
#define SYS_move_pages 279
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_F_MEMS_ALLOWED 4
#define MAX_NODES 64
#define MAX_PAGES 4096

static void *pages[MAX_PAGES];
static int status[MAX_PAGES];
static int nodes[MAX_NODES], nnodes;

/* Printing that keeps count of the column, to line the table up. */
static int col;
static void out(const char *s) { put_str(s); col += (int)strlen(s); }
static void out_udec(unsigned long v)
{
	put_udec(v);
	do { col++; v /= 10; } while (v);
}
static void pad_to(int width) { while (col < width) out(" "); }

static void out_nodes(unsigned long mask)
{
	out("{");
	int first = 1;
	for (int i = 0; i < nnodes; i++)
		if (mask >> nodes[i] & 1) {
			if (!first) out(",");
			out_udec(nodes[i]);
			first = 0;
		}
	out("}");
}

/* Writes every page of a region, then asks where each one is. */
static void place(u8 *p, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		p[i * PAGE_SIZE] = 1;
		pages[i] = p + i * PAGE_SIZE;
	}
	long r = syscall6(SYS_move_pages, 0, n, (long)pages, 0, (long)status, 0);
	if (r) {
		put_str("move_pages failed: ");
		put_dec(r);
		put_str("\n");
		sys_exit(1);
	}
}

/* The label's row: pages per node, and why they are there. */
static void row(unsigned long n, const char *why)
{
	for (int i = 0; i < nnodes; i++) {
		unsigned long count = 0;
		for (unsigned long j = 0; j < n; j++) count += status[j] == nodes[i];
		int at = col + 8;
		unsigned long t = count;
		do { at--; t /= 10; } while (t);
		pad_to(at);
		out_udec(count);
	}
	out("   ");
	out(why);
	out("\n");
	col = 0;
}

#define LABEL 34

int main(int argc, char **argv)
{
	unsigned long n = parse_ulong(argc > 1 ? argv[1] : 0, 64);
	if (n < 1 || n > MAX_PAGES) n = 64;
	unsigned long allowed = 0, last;
	int mode;
	if (syscall6(SYS_get_mempolicy, (long)&mode, (long)&allowed, 64, 0, MPOL_F_MEMS_ALLOWED, 0)) return 1;
	for (int i = 0; i < MAX_NODES; i++)
		if (allowed >> i & 1) nodes[nnodes++] = i;
	last = 1UL << nodes[nnodes - 1];

	out("Where ");
	out_udec(n);
	out(" freshly written pages land under three memory policies, on nodes ");
	out_nodes(allowed);
	out(":\n\n");
	col = 0;
	out("policy");
	pad_to(LABEL);
	for (int i = 0; i < nnodes; i++) {
		out("  node ");
		out_udec(nodes[i]);
	}
	out("   why\n");
	col = 0;

	u8 *first = map_pages(n);
	place(first, n);
	out("first touch (no policy)");
	pad_to(LABEL);
	row(n, "the node of the CPU that wrote the page first");

	u8 *bound = map_pages(n);
	if (syscall6(SYS_mbind, (long)bound, n * PAGE_SIZE, MPOL_BIND, (long)&last, 65, 0)) return 2;
	place(bound, n);
	out("mbind MPOL_BIND ");
	out_nodes(last);
	pad_to(LABEL);
	row(n, "only the bound nodes, never a page elsewhere");

	u8 *spread = map_pages(n);
	if (syscall6(SYS_mbind, (long)spread, n * PAGE_SIZE, MPOL_INTERLEAVE, (long)&allowed, 65, 0)) return 3;
	place(spread, n);
	out("mbind MPOL_INTERLEAVE ");
	out_nodes(allowed);
	pad_to(LABEL);
	row(n, "page i on node number (vm_pgoff + i) mod nodes");

	put_str("\nThe interleaved region's first pages, one node digit each: ");
	for (unsigned long i = 0; i < n && i < 32; i++) {
		char c = (char)('0' + status[i]);
		sys_write(1, &c, 1);
	}
	put_str("\n");
	return 0;
}
