/* tmpfs_sum: a tmpfs file's data through write, read, mmap, fork and
 * ftruncate, checksummed. DIR (argv[1]) is a tmpfs directory (/dev/shm
 * natively, /tmp in faultline); MIB (argv[2], default 24) the file's size.
 * Run with RAM smaller than MIB and swap, the file's pages must go to swap
 * and come back with the bytes they had: the output equals the native
 * run's. The fault counts printed are the process's own (getrusage) for
 * touching a small file through shared mappings, with its RssShmem. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../xorshift.h"

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The file's checksum through read(2) in chunks that straddle pages. */
static uint64_t read_sum(int fd, size_t size)
{
	static unsigned char buf[12345];
	uint64_t sum = 0;
	size_t pos = 0;
	while (pos < size) {
		ssize_t n = pread(fd, buf, sizeof buf, pos);
		if (n <= 0)
			die("pread");
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 131 + buf[i];
		pos += n;
	}
	return sum;
}

static long faults(int major)
{
	static struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return major ? ru.ru_majflt : ru.ru_minflt;
}

/* One line of /proc/self/status. */
static void print_status(const char *name)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		die("/proc/self/status");
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, name, strlen(name)))
			fputs(line, stdout);
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	size_t mib = argc > 2 ? strtoul(argv[2], 0, 10) : 24;
	size_t size = mib << 20, words = size / 8;
	char path[256];
	snprintf(path, sizeof path, "%s/tmpfs_sum.%d", dir, (int)getpid());
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (fd < 0)
		die("open");

	/* Written in 64 KiB chunks. */
	static uint64_t chunk[8192];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (size_t w = 0; w < words; w += 8192) {
		for (size_t i = 0; i < 8192; i++)
			chunk[i] = xorshift(&seed);
		if (write(fd, chunk, sizeof chunk) != sizeof chunk)
			die("write");
	}
	struct stat st;
	fstat(fd, &st);
	printf("size %lld\n", (long long)st.st_size);
	printf("read: %016llx\n", (unsigned long long)read_sum(fd, size));

	/* A shared mapping reads the same bytes, in random order. */
	uint64_t *map = mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	uint64_t r = 12345, rsum = 0;
	for (size_t k = 0; k < words / 64; k++)
		rsum += map[xorshift(&r) % words];
	printf("mapped: %016llx\n", (unsigned long long)rsum);

	/* A forked child writes through its copy of the shared mapping: the parent and read(2) see it. */
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		for (size_t i = 0; i < words; i += 97)
			map[i] ^= i;
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	uint64_t seen = 0;
	for (size_t i = 0; i < words; i += 97)
		seen = seen * 31 + map[i];
	printf("child wrote: %016llx %016llx\n", (unsigned long long)seen, (unsigned long long)read_sum(fd, size));

	/* A private mapping's writes stay private. */
	uint64_t *priv = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (priv == MAP_FAILED)
		die("mmap private");
	for (size_t i = 0; i < words; i += 1021)
		priv[i] = ~priv[i];
	uint64_t psum = 0;
	for (size_t i = 0; i < words; i += 1021)
		psum = psum * 31 + priv[i] + map[i];
	printf("private: %016llx %016llx\n", (unsigned long long)psum, (unsigned long long)read_sum(fd, size));
	munmap(priv, size);
	munmap(map, size);

	/* Shrink to a third and an odd size, grow back: the tail reads as zeros. */
	size_t cut = size / 3 + 1000;
	if (ftruncate(fd, cut))
		die("ftruncate");
	fstat(fd, &st);
	printf("cut %lld: %016llx\n", (long long)st.st_size, (unsigned long long)read_sum(fd, cut));
	if (ftruncate(fd, size))
		die("ftruncate");
	printf("grown: %016llx\n", (unsigned long long)read_sum(fd, size));
	close(fd);
	unlink(path);

	/* Faults touching 1 MiB of tmpfs already in the cache: fault-around maps 16 pages a fault. */
	snprintf(path, sizeof path, "%s/tmpfs_small.%d", dir, (int)getpid());
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 1 << 20))
		die("small file");
	for (int i = 0; i < 256; i++)
		pwrite(fd, &i, sizeof i, (off_t)i << 12);
	/* At a 64 KiB boundary, so that every fault-around window is whole. */
	char *area = mmap(0, (1 << 20) + (64 << 10), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *at = (char *)(((uintptr_t)area + 0xffff) & ~(uintptr_t)0xffff);
	volatile unsigned char *s = mmap(at, 1 << 20, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	if (area == MAP_FAILED || s != (unsigned char *)at)
		die("mmap small");
	faults(0); /* its first call may fault in its own buffer */
	long min0 = faults(0), maj0 = faults(1);
	unsigned t = 0;
	for (int i = 0; i < 256; i++)
		t += s[i << 12];
	long min1 = faults(0), maj1 = faults(1);
	printf("shared read faults: %ld minor %ld major (%u)\n", min1 - min0, maj1 - maj0, t);
	print_status("RssShmem:");
	/* A hole faulted in by a write through a shared mapping: one fault a page. */
	if (ftruncate(fd, 2 << 20))
		die("grow");
	volatile unsigned char *w = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 1 << 20);
	min0 = faults(0);
	for (int i = 0; i < 256; i++)
		w[i << 12] = i;
	printf("hole write faults: %ld minor\n", faults(0) - min0);
	close(fd);
	unlink(path);
	return 0;
}
