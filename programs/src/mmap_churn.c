/* mmap_churn: R rounds (argv[1], default 200) of mmap/touch/munmap over
 * varied sizes, a partial munmap that splits a VMA, mprotect to read-only
 * and back, madvise(MADV_DONTNEED), and the error values Linux gives for
 * bad arguments. */
#include "../lib/sys.h"

static void report(const char *what, long value)
{
	put_str(what);
	put_str(" = ");
	put_dec(value);
	put_str("\n");
}

int main(int argc, char **argv)
{
	unsigned long rounds = parse_ulong(argc > 1 ? argv[1] : 0, 200);
	unsigned long sum = 0, failures = 0;

	for (unsigned long r = 0; r < rounds; r++) {
		unsigned long pages = 1 + (r * 7) % 13;
		long m = sys_mmap(0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (is_err(m)) {
			failures++;
			continue;
		}
		volatile u64 *p = (volatile u64 *)m;
		for (unsigned long i = 0; i < pages; i++)
			p[i * PAGE_SIZE / 8] = r + i;
		for (unsigned long i = 0; i < pages; i++)
			sum += p[i * PAGE_SIZE / 8];
		if (pages > 2) {
			/* punch a hole in the middle: one VMA becomes two */
			failures += sys_munmap((void *)(m + PAGE_SIZE), PAGE_SIZE) != 0;
			failures += sys_munmap((void *)m, PAGE_SIZE) != 0;
			failures += sys_munmap((void *)(m + 2 * PAGE_SIZE), (pages - 2) * PAGE_SIZE) != 0;
		} else {
			failures += sys_munmap((void *)m, pages * PAGE_SIZE) != 0;
		}
	}
	put_str("rounds ");
	put_udec(rounds);
	put_str(", checksum ");
	put_udec(sum);
	put_str(", failures ");
	put_udec(failures);
	put_str("\n");

	/* mprotect: read-only, read it, then writable again and write it */
	long m = sys_mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile u64 *q = (volatile u64 *)m;
	q[0] = 41;
	report("mprotect(PROT_READ)", sys_mprotect((void *)m, 2 * PAGE_SIZE, PROT_READ));
	unsigned long seen = q[0] + q[PAGE_SIZE / 8];
	report("mprotect(PROT_READ|PROT_WRITE)", sys_mprotect((void *)m, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE));
	q[PAGE_SIZE / 8] = 1;
	report("read back", seen + q[0] + q[PAGE_SIZE / 8]);

	/* MADV_DONTNEED drops private anonymous pages: they read back as zero */
	q[2 * PAGE_SIZE / 8] = 7;
	report("madvise(MADV_DONTNEED)", syscall3(28, (void *)(m + 2 * PAGE_SIZE), PAGE_SIZE, 4));
	report("after MADV_DONTNEED", q[2 * PAGE_SIZE / 8]);
	report("madvise(unaligned)", syscall3(28, (void *)(m + 1), PAGE_SIZE, 4));
	report("madvise(bad advice)", syscall3(28, (void *)m, PAGE_SIZE, 999));

	/* Linux's answers to bad requests */
	report("mmap(len 0)", sys_mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	report("mmap(no MAP_PRIVATE/SHARED)", sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_ANONYMOUS, -1, 0));
	report("mmap(unaligned MAP_FIXED)", sys_mmap((void *)(m + 1), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	report("munmap(unaligned)", sys_munmap((void *)(m + 1), PAGE_SIZE));
	report("munmap(len 0)", sys_munmap((void *)m, 0));
	report("mprotect(unaligned)", sys_mprotect((void *)(m + 1), PAGE_SIZE, PROT_READ));
	report("mprotect(bad prot)", sys_mprotect((void *)m, PAGE_SIZE, 0x100));
	report("munmap(whole)", sys_munmap((void *)m, 4 * PAGE_SIZE));
	report("mprotect(unmapped)", sys_mprotect((void *)m, PAGE_SIZE, PROT_READ));
	report("munmap(unmapped)", sys_munmap((void *)m, PAGE_SIZE));
	return 0;
}
