/* stdio on files: write a file in /tmp with fprintf, read it back with
 * fgets and fread, read this program's own ELF header, list a directory. */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	(void)argc;
	const char *dir = "/tmp/libc_files.d";
	mkdir(dir, 0755);
	char path[256];
	snprintf(path, sizeof(path), "%s/data.txt", dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		printf("fopen w: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < 100; i++)
		fprintf(f, "line %d of %s\n", i, "data");
	fclose(f);

	f = fopen(path, "r");
	char line[128];
	int lines = 0;
	unsigned long sum = 0;
	while (fgets(line, sizeof(line), f)) {
		lines++;
		for (char *p = line; *p; p++)
			sum = sum * 31 + (unsigned char)*p;
	}
	printf("lines %d, hash %lu, at end %d\n", lines, sum, feof(f) != 0);
	fseek(f, 0, SEEK_END);
	printf("size %ld\n", ftell(f));
	fclose(f);

	struct stat st;
	int r = stat(path, &st);
	printf("stat %d, size %lld, regular %d\n", r, (long long)st.st_size, S_ISREG(st.st_mode));

	f = fopen(argv[0], "rb");
	unsigned char elf[16];
	size_t got = fread(elf, 1, sizeof(elf), f);
	printf("own header %zu bytes: %02x %c%c%c class %d\n", got, elf[0], elf[1], elf[2], elf[3], elf[4]);
	fclose(f);

	printf("missing: %s\n", fopen("/tmp/libc_files.d/nope", "r") ? "found" : strerror(errno));

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/extra%d", dir, i);
		fclose(fopen(path, "w"));
	}
	DIR *d = opendir(dir);
	char *names[16];
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) && count < 16)
		names[count++] = strdup(e->d_name);
	closedir(d);
	qsort(names, count, sizeof(names[0]), cmp);
	printf("entries:");
	for (int i = 0; i < count; i++)
		printf(" %s", names[i]);
	printf("\n");

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/extra%d", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/data.txt", dir);
	// An unlinked file lives on while open (tmpfile's way): written, grown, read back.
	int fd = open(path, O_RDWR);
	r = unlink(path);
	printf("unlink %d, rmdir %d\n", r, rmdir(dir));
	char buf[16] = {0};
	printf("unlinked: pwrite %zd, ftruncate %d", pwrite(fd, "LINE", 4, 0), ftruncate(fd, 8192));
	printf(", size %lld, pread %zd %s\n", fstat(fd, &st) ? -1LL : (long long)st.st_size, pread(fd, buf, 6, 0), buf);
	close(fd);
	char cwd[256];
	printf("cwd ends in programs/bin: %d\n", getcwd(cwd, sizeof(cwd)) && strstr(cwd, "programs/bin") != NULL);
	return 0;
}
