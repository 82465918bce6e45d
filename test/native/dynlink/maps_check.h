/* Prints /proc/self/maps with each named file's device and inode replaced
 * by "=stat" when they are what stat(2) of that path gives (as Linux's
 * show_map_vma prints them), so a native run and a faultline run compare
 * line by line. The vDSO's lines are left out: faultline maps no vDSO.
 * The file is read with read(2) into a static buffer: nothing is mapped
 * between the open and the reads. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <unistd.h>

static char maps_text[65536];

static void print_maps(void)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	size_t len = 0;
	ssize_t n;
	while (fd >= 0 && len < sizeof maps_text - 1 && (n = read(fd, maps_text + len, sizeof maps_text - 1 - len)) > 0)
		len += n;
	if (fd >= 0)
		close(fd);
	maps_text[len] = 0;
	for (char *line = strtok(maps_text, "\n"); line; line = strtok(NULL, "\n")) {
		char range[64], perms[8], off[32], dev[16], path[400] = "";
		unsigned long ino;
		if (sscanf(line, "%63s %7s %31s %15s %lu %399s", range, perms, off, dev, &ino, path) < 5)
			continue;
		if (strstr(path, "[vvar") || !strcmp(path, "[vdso]") || !strcmp(path, "[vsyscall]"))
			continue;
		struct stat st;
		char want[16];
		if (path[0] == '/' && stat(path, &st) == 0) {
			snprintf(want, sizeof want, "%02x:%02x", major(st.st_dev), minor(st.st_dev));
			if (!strcmp(want, dev) && ino == st.st_ino) {
				printf("%s %s %s =stat %s\n", range, perms, off, path);
				continue;
			}
		}
		printf("%s %s %s %s %lu %s\n", range, perms, off, dev, ino, path);
	}
}
