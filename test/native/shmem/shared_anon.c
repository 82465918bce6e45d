/* shared_anon: MAP_SHARED|MAP_ANONYMOUS memory and MAP_SHARED of /dev/zero
 * (shmem_zero_setup's unlinked tmpfs file). Prints the /proc/self/maps
 * line of such a mapping (its inode number only as "distinct, non-zero"),
 * the faults and RssShmem of touching it, what a forked child's writes
 * leave for the parent, mremap's move and SIGBUS past the file's end, and
 * a checksum of MIB (argv[1], default 24) MiB of it written by the parent
 * and rewritten in part by a child. With RAM smaller than MIB and swap, the
 * pages go to swap and come back with their bytes: the output equals the
 * native run's. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../xorshift.h"

#define PAGE 4096

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *map_shared(size_t len, int fd)
{
	char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* A whole /proc file (proc files read a page at a time). */
static char *slurp(const char *name)
{
	static char buf[1 << 16];
	int fd = open(name, O_RDONLY);
	size_t n = 0;
	ssize_t r;
	if (fd < 0)
		die(name);
	while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return buf;
}

static long rss_shmem_kb(void)
{
	char *l = strstr(slurp("/proc/self/status"), "RssShmem:");
	return l ? strtol(l + 9, 0, 10) : -1;
}

/* The maps line of the mapping at p: prints all but the addresses and the inode; returns the inode. */
static unsigned long maps_line(char *p)
{
	char want[32], perms[8], dev[8], name[64];
	unsigned long off, ino;
	snprintf(want, sizeof want, "%lx-", (unsigned long)p);
	for (char *l = slurp("/proc/self/maps"); l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : 0) {
		if (strncmp(l, want, strlen(want)))
			continue;
		name[0] = 0;
		if (sscanf(l, "%*s %7s %lx %7s %lu %63[^\n]", perms, &off, dev, &ino, name) < 4)
			break;
		printf("maps: %s %08lx %s %s\n", perms, off, dev, name);
		return ino;
	}
	printf("maps: no line\n");
	return 0;
}

static sigjmp_buf bus_env;

static void on_bus(int sig)
{
	siglongjmp(bus_env, sig);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], 0, 10) : 24;

	/* The mapping as /proc shows it; two mappings are two inodes. */
	long shmem0 = rss_shmem_kb();
	char *a = map_shared(16 * PAGE, -1);
	char *b = map_shared(16 * PAGE, -1);
	unsigned long ia = maps_line(a), ib = maps_line(b);
	printf("inodes: %s\n", ia && ib && ia != ib ? "distinct, non-zero" : "wrong");

	/* One fault a page written, one a page read (holes: no fault-around). */
	long f0 = minflt();
	for (int i = 0; i < 16; i++)
		a[i * PAGE] = (char)(i + 1);
	long f1 = minflt();
	int sum = 0;
	for (int i = 0; i < 16; i++)
		sum += b[i * PAGE];
	long f2 = minflt();
	printf("write faults %ld, read faults %ld, read sum %d\n", f1 - f0, f2 - f1, sum);
	printf("RssShmem +%ld kB\n", rss_shmem_kb() - shmem0);

	/* MAP_POPULATE faults every page in at mmap: none later. */
	char *pop = mmap(0, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pop == MAP_FAILED)
		die("mmap");
	f0 = minflt();
	for (int i = 0; i < 16; i++)
		pop[i * PAGE] = 1;
	printf("populated: RssShmem +%ld kB, write faults %ld\n", rss_shmem_kb() - shmem0, minflt() - f0);
	munmap(pop, 16 * PAGE);

	/* A forked child's writes are the parent's too; so are /dev/zero's. */
	int zfd = open("/dev/zero", O_RDWR);
	if (zfd < 0)
		die("/dev/zero");
	char *z = map_shared(2 * PAGE, zfd);
	close(zfd);
	maps_line(z);
	z[0] = 3;
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		a[100] = 7;
		b[5 * PAGE] = 9;
		z[PAGE] = z[0] + 1;
		_exit(0);
	}
	waitpid(pid, 0, 0);
	printf("after fork: %d %d %d %d %d\n", a[0], a[100], a[15 * PAGE], b[5 * PAGE], z[PAGE]);

	/* mremap moves the pages; growing it is past the file's end: SIGBUS. */
	char *m = mremap(a, 16 * PAGE, 32 * PAGE, MREMAP_MAYMOVE);
	if (m == MAP_FAILED)
		die("mremap");
	printf("mremap: %d %d\n", m[100], m[15 * PAGE]);
	signal(SIGBUS, on_bus);
	int sig = sigsetjmp(bus_env, 1);
	if (!sig)
		m[16 * PAGE] = 1;
	printf("past the end: signal %d\n", sig);
	if (munmap(m, 32 * PAGE) || munmap(b, 16 * PAGE) || munmap(z, 2 * PAGE))
		die("munmap");
	printf("unmapped: RssShmem +%ld kB\n", rss_shmem_kb() - shmem0);

	/* MIB MiB: the parent writes it all, a child rewrites every other page. */
	size_t len = mib << 20;
	uint64_t *big = (uint64_t *)map_shared(len, -1);
	uint64_t s = 88172645463325252ull;
	for (size_t i = 0; i < len / 8; i++)
		big[i] = xorshift(&s);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		for (size_t i = 0; i < len / 8; i += 2 * PAGE / 8)
			big[i] ^= i;
		_exit(0);
	}
	waitpid(pid, 0, 0);
	uint64_t check = 0;
	for (size_t i = 0; i < len / 8; i++)
		check = check * 1000003 + big[i];
	printf("%zu MiB: %016llx\n", mib, (unsigned long long)check);
	return 0;
}
