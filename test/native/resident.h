/* A line of mincore's answer for `pages` pages at p: "what: 1101…". */
#include <stdio.h>
#include <sys/mman.h>

static void resident(const char *what, void *p, size_t pages) {
  unsigned char v[64];
  mincore(p, pages * 4096, v);
  printf("%s: ", what);
  for (size_t i = 0; i < pages; i++) putchar('0' + (v[i] & 1));
  putchar('\n');
}
