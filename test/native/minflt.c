/*
 * Minor faults (getrusage's ru_minflt) around workloads, natively and under
 * faultline. The program first reads its own file, as a warm page cache
 * would hold it natively after the build.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

static long minflt(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_minflt;
}

static char buf[1 << 16];
static volatile char sink;

int main(int argc, char **argv)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	off_t size = 0;
	for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
		size += n;
	long t = minflt(), n;
	char *p = malloc(1 << 20);
	memset(p, 1, 1 << 20);
	n = minflt();
	printf("malloc of 1 MiB (mmap), written: %ld\n", n - t);
	t = minflt();
	for (int i = 0; i < 200; i++)
		memset(malloc(1000), i, 1000);
	n = minflt();
	printf("200 mallocs of 1000 bytes (brk), written: %ld\n", n - t);
	t = minflt();
	char *m = mmap(0, size, PROT_READ, MAP_PRIVATE, fd, 0);
	for (off_t o = 0; o < size; o += 4096)
		sink += m[o];
	n = minflt();
	printf("its own file mapped and read, %ld pages: %ld\n", (long)(size + 4095) / 4096, n - t);
	t = minflt();
	char *w = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	for (off_t o = 0; o < size; o += 4096)
		w[o]++;
	n = minflt();
	printf("mapped privately and written: %ld\n", n - t);
	t = minflt();
	char *a = mmap(0, 64 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 64; i++)
		a[i << 12] = 1;
	n = minflt();
	printf("64 anonymous pages written: %ld\n", n - t);
	return p[100] - 1;
}
