// Where pages land under each memory policy: first touch, mbind's bind,
// interleave and preferred, set_mempolicy's interleave, and move_pages to
// the last node. Each line shows one node digit per page, read back two
// ways (get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR) and move_pages with no
// nodes; a '!' where they disagree). Interleave lines also give the first
// page's index modulo the node count: Linux's interleave_nid takes the
// index-th node of the mask, the index being the page's offset in the
// anonymous VMA plus its vm_pgoff, i.e. its virtual page number.
// Built static with glibc and musl; test/syscalls/mempolicy.test.ts runs it.
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MPOL_MF_MOVE 2
#define PAGES 16
#define PAGE 4096

static int nodes[64], nnodes;

static char *region(void) {
  char *p = mmap(0, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? 0 : p;
}

static void touch(char *p) {
  for (int i = 0; i < PAGES; i++) p[i * PAGE] = 1;
}

/** One digit per page: its node, '!' when the two ways of asking disagree. */
static void show(const char *what, char *p) {
  void *pages[PAGES];
  int status[PAGES];
  char line[PAGES + 1];
  for (int i = 0; i < PAGES; i++) pages[i] = p + i * PAGE;
  long r = syscall(SYS_move_pages, 0, PAGES, pages, NULL, status, 0);
  for (int i = 0; i < PAGES; i++) {
    int node = -1;
    long g = syscall(SYS_get_mempolicy, &node, NULL, 0, p + i * PAGE, MPOL_F_NODE | MPOL_F_ADDR);
    line[i] = g || r || node != status[i] || node < 0 || node > 9 ? '!' : '0' + node;
  }
  line[PAGES] = 0;
  printf("%-22s %s", what, line);
}

static void interleave_index(char *p) {
  printf("  (first page's index mod %d: %lu)", nnodes, ((unsigned long)p / PAGE) % nnodes);
}

int main(void) {
  unsigned long allowed[1] = {0}, all, last;
  int mode;
  if (syscall(SYS_get_mempolicy, &mode, allowed, 64, 0, MPOL_F_MEMS_ALLOWED)) return 1;
  for (int n = 0; n < 64; n++)
    if (allowed[0] >> n & 1) nodes[nnodes++] = n;
  all = allowed[0];
  last = 1UL << nodes[nnodes - 1];
  printf("nodes:");
  for (int i = 0; i < nnodes; i++) printf(" %d", nodes[i]);
  printf("\n");

  char *first = region();
  touch(first);
  show("first touch", first);
  printf("\n");

  char *bind = region();
  if (syscall(SYS_mbind, bind, PAGES * PAGE, MPOL_BIND, &last, 65, 0)) return 2;
  touch(bind);
  show("mbind bind last", bind);
  printf("\n");

  char *il = region();
  if (syscall(SYS_mbind, il, PAGES * PAGE, MPOL_INTERLEAVE, &all, 65, 0)) return 3;
  touch(il);
  show("mbind interleave all", il);
  interleave_index(il);
  printf("\n");

  char *pref = region();
  if (syscall(SYS_mbind, pref, PAGES * PAGE, MPOL_PREFERRED, &last, 65, 0)) return 4;
  touch(pref);
  show("mbind preferred last", pref);
  printf("\n");

  char *task = region();
  if (syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, &all, 65)) return 5;
  touch(task);
  if (syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0)) return 6;
  show("task interleave all", task);
  interleave_index(task);
  printf("\n");

  void *pages[PAGES];
  int to[PAGES], status[PAGES];
  for (int i = 0; i < PAGES; i++) {
    pages[i] = first + i * PAGE;
    to[i] = nodes[nnodes - 1];
  }
  long moved = syscall(SYS_move_pages, 0, PAGES, pages, to, status, MPOL_MF_MOVE);
  show("move_pages to last", first);
  printf("  (returned %ld)\n", moved);
  return 0;
}
