// The memory-policy calls beyond the basic error paths, on a machine with
// node 0 alone: set_mempolicy_home_node (its checks, the VMAs it splits),
// nodemasks naming nodes up to 1023 (Linux's MAX_NUMNODES here: accepted,
// intersected with the nodes that have memory, kept whole for
// MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES), MPOL_F_MEMS_ALLOWED and
// /proc/self/status' Mems_allowed, getcpu and sched_getcpu, weighted
// interleave. Built static with glibc and musl; test/syscalls/mempolicy.test.ts
// compares faultline's one-node output with this machine's. Addresses print
// as page offsets from the probe's own mapping, so runs compare.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mempolicy.h"

#define BAD ((void *)8)
#define PAGE 4096

static unsigned long big[1024];
static char *p;
static int pol;

static void show(const char *what, long r) {
  printf("%-48s = %ld", what, r);
  if (r < 0) printf(" errno %d", errno);
  printf("\n");
}

/** A mask of the nodes listed, ending with -1. */
static unsigned long *nodes(int first, ...) {
  memset(big, 0, sizeof big);
  va_list ap;
  va_start(ap, first);
  for (int nid = first; nid >= 0; nid = va_arg(ap, int)) big[nid / 64] |= 1UL << (nid % 64);
  va_end(ap);
  return big;
}

/** The task's (or, with addr, the VMA's) policy and the first long of its mask. */
static void get(const char *what, void *addr) {
  memset(big, 0xff, sizeof big);
  pol = -1;
  long r = syscall(SYS_get_mempolicy, &pol, big, 1025, addr, addr ? MPOL_F_ADDR : 0);
  printf("  %-46s = %ld mode %#x mask %#lx %#lx\n", what, r, pol, big[0], big[1]);
}

/** A /proc file's text. */
static char *slurp(const char *path) {
  static char buf[1 << 16];
  int fd = open(path, O_RDONLY);
  int n = 0, r;
  while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
  close(fd);
  buf[n] = 0;
  return buf;
}

/** The VMAs of /proc/self/numa_maps within [p, p + 16 pages), as page offsets, with numa_maps' policy. */
static void vmas(const char *what) {
  char *buf = slurp("/proc/self/numa_maps");
  printf("  %s:", what);
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    char *end;
    unsigned long start = strtoul(line, &end, 16);
    if (start < (unsigned long)p || start >= (unsigned long)p + 16 * PAGE) continue;
    char policy[64] = "";
    sscanf(end, " %63s", policy);
    printf(" [%lu %s]", (start - (unsigned long)p) / PAGE, policy);
  }
  printf("\n");
}

static void status_mems(void) {
  char *buf = slurp("/proc/self/status");
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    if (!strncmp(line, "Mems_allowed", 12)) printf("  %s\n", line);
}

/** More error paths: PROT_NONE, file and shared mappings, holes, words past 32 bits. */
static void other_paths(void) {
  static unsigned long m1[16] = {1};
  char *q = mmap(0, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *ro = mmap(0, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  static char page[PAGE];
  char name[64];
  snprintf(name, sizeof name, "/tmp/mempolicy_api.%d", getpid());
  int fd = open(name, O_CREAT | O_RDWR | O_TRUNC, 0600);
  if (fd < 0 || write(fd, page, PAGE) != PAGE || ftruncate(fd, 2 * PAGE)) exit(1);
  unlink(name);
  char *f = mmap(0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
  char *sh = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int pol = -1;
  show("get_mempolicy(NODE|ADDR, PROT_NONE)", syscall(SYS_get_mempolicy, &pol, NULL, 0, ro, MPOL_F_NODE | MPOL_F_ADDR));
  show("get_mempolicy(NODE|ADDR, file)", syscall(SYS_get_mempolicy, &pol, NULL, 0, f, MPOL_F_NODE | MPOL_F_ADDR)); printf(" %d\n", pol);
  show("get_mempolicy(NODE|ADDR, shared)", syscall(SYS_get_mempolicy, &pol, NULL, 0, sh, MPOL_F_NODE | MPOL_F_ADDR)); printf(" %d\n", pol);
  show("get_mempolicy(ADDR, unaligned)", syscall(SYS_get_mempolicy, &pol, NULL, 0, q + 5, MPOL_F_ADDR)); printf(" %d\n", pol);
  show("get_mempolicy(ADDR|MEMS)", syscall(SYS_get_mempolicy, &pol, NULL, 0, q, MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED));
  show("get_mempolicy(NODE, task bind)", (syscall(SYS_set_mempolicy, MPOL_BIND, m1, 65), syscall(SYS_get_mempolicy, &pol, NULL, 0, 0, MPOL_F_NODE)));
  show("get_mempolicy(NODE, task interleave)", (syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, m1, 65), syscall(SYS_get_mempolicy, &pol, NULL, 0, 0, MPOL_F_NODE))); printf(" %d\n", pol);
  show("get_mempolicy(NODE, task weighted)", (syscall(SYS_set_mempolicy, MPOL_WEIGHTED_INTERLEAVE, m1, 65), syscall(SYS_get_mempolicy, &pol, NULL, 0, 0, MPOL_F_NODE))); printf(" %d\n", pol);
  syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0);
  show("mbind(PROT_NONE, BIND)", syscall(SYS_mbind, ro, PAGE, MPOL_BIND, m1, 65, 0));
  show("mbind(file, BIND, MOVE|STRICT)", syscall(SYS_mbind, f, PAGE, MPOL_BIND, m1, 65, MPOL_MF_MOVE | MPOL_MF_STRICT));
  show("mbind(shared, INTERLEAVE)", syscall(SYS_mbind, sh, 2 * PAGE, MPOL_INTERLEAVE, m1, 65, 0));
  show("get_mempolicy(ADDR, shared)", syscall(SYS_get_mempolicy, &pol, NULL, 0, sh, MPOL_F_ADDR)); printf(" %d\n", pol);
  show("mbind(len wraps)", syscall(SYS_mbind, q, -2L * PAGE, MPOL_BIND, m1, 65, 0));
  show("mbind(len huge, DEFAULT)", syscall(SYS_mbind, q, 1UL << 46, MPOL_DEFAULT, NULL, 0, 0));
  show("mbind(start high)", syscall(SYS_mbind, (void *)(1UL << 47), PAGE, MPOL_BIND, m1, 65, 0));
  show("mbind(start noncanonical)", syscall(SYS_mbind, (void *)(1UL << 63), PAGE, MPOL_BIND, m1, 65, 0));
  show("mbind(DEFAULT, hole)", syscall(SYS_mbind, (void *)0x10000, PAGE, MPOL_DEFAULT, NULL, 0, 0));
  show("mbind(DEFAULT, hole, STRICT)", syscall(SYS_mbind, (void *)0x10000, PAGE, MPOL_DEFAULT, NULL, 0, MPOL_MF_STRICT));
  show("mbind(LOCAL, hole)", syscall(SYS_mbind, (void *)0x10000, PAGE, MPOL_LOCAL, NULL, 0, 0));
  show("mbind(PREFERRED NULL)", syscall(SYS_mbind, q, PAGE, MPOL_PREFERRED, NULL, 0, 0));
  show("get_mempolicy(ADDR) pref-null", syscall(SYS_get_mempolicy, &pol, m1, 64, q, MPOL_F_ADDR)); printf(" %d %lx\n", pol, m1[0]);
  m1[0] = 1;
  show("mbind(PREFERRED_MANY|NUMA_BALANCING)", syscall(SYS_mbind, q, PAGE, MPOL_PREFERRED_MANY | MPOL_F_NUMA_BALANCING, m1, 65, 0));
  show("get_mempolicy(ADDR)", syscall(SYS_get_mempolicy, &pol, NULL, 0, q, MPOL_F_ADDR)); printf(" %#x\n", pol);
  show("set_mempolicy(BIND|NUMA_BALANCING)", syscall(SYS_set_mempolicy, MPOL_BIND | MPOL_F_NUMA_BALANCING, m1, 65));
  show("get_mempolicy()", syscall(SYS_get_mempolicy, &pol, NULL, 0, 0, 0)); printf(" %#x\n", pol);
  show("set_mempolicy(mode 1<<20)", syscall(SYS_set_mempolicy, 1 << 20, m1, 65));
  show("set_mempolicy(mode 0x10000|BIND)", syscall(SYS_set_mempolicy, 0x10000 | MPOL_BIND, m1, 65));
  show("set_mempolicy(mode 1L<<32|BIND)", syscall(SYS_set_mempolicy, (1L << 32) | MPOL_BIND, m1, 65));
  show("mbind(mode 1L<<32|BIND)", syscall(SYS_mbind, q, PAGE, (1L << 32) | MPOL_BIND, m1, 65, 0));
  show("mbind(flags 1L<<32)", syscall(SYS_mbind, q, PAGE, MPOL_BIND, m1, 65, 1L << 32));
  show("move_pages(flags 1L<<32)", syscall(SYS_move_pages, 0, 1, &q, NULL, &pol, 1L << 32));
  show("get_mempolicy(flags 1L<<32)", syscall(SYS_get_mempolicy, &pol, NULL, 0, 0, 1L << 32));
  show("migrate_pages(pid -1)", syscall(SYS_migrate_pages, -1, 65, m1, m1));
  show("migrate_pages(maxnode 0)", syscall(SYS_migrate_pages, 0, 0, m1, m1));
  show("migrate_pages(NULL, NULL)", syscall(SYS_migrate_pages, 0, 65, NULL, NULL));
  show("move_pages(pid -1)", syscall(SYS_move_pages, -1, 1, &q, NULL, &pol, 0));
  show("move_pages(nr huge, bad pages)", syscall(SYS_move_pages, 0, 1UL << 62, BAD, NULL, &pol, 0));
  q[0] = 1;
  int nodes[2] = {0, 0}, st[2] = {9, 9};
  void *pg[2] = {q, q};
  show("move_pages(same page twice)", syscall(SYS_move_pages, 0, 2, pg, nodes, st, MPOL_MF_MOVE)); printf(" %d %d\n", st[0], st[1]);
  void *pg2[2] = {f, sh};
  show("move_pages(file, shared)", syscall(SYS_move_pages, 0, 2, pg2, nodes, st, MPOL_MF_MOVE)); printf(" %d %d\n", st[0], st[1]);
  show("move_pages(stat file, shared)", syscall(SYS_move_pages, 0, 2, pg2, NULL, st, 0)); printf(" %d %d\n", st[0], st[1]);
  volatile char c = f[0] + sh[0]; (void)c;
  show("move_pages(stat file, shared touched)", syscall(SYS_move_pages, 0, 2, pg2, NULL, st, 0)); printf(" %d %d\n", st[0], st[1]);
  show("move_pages(file, shared touched)", syscall(SYS_move_pages, 0, 2, pg2, nodes, st, MPOL_MF_MOVE)); printf(" %d %d\n", st[0], st[1]);
  void *pg3[1] = {ro};
  show("move_pages(stat PROT_NONE)", syscall(SYS_move_pages, 0, 1, pg3, NULL, st, 0)); printf(" %d\n", st[0]);
  show("move_pages(PROT_NONE)", syscall(SYS_move_pages, 0, 1, pg3, nodes, st, 0)); printf(" %d\n", st[0]);
}

/**
 * The kernel's own mappings ([vvar], [vdso], ...): move_pages' status before and after
 * get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR), which get_user_pages refuses for VM_IO and VM_PFNMAP;
 * a read maps [vvar]'s page, which move_pages does not count as a page (no struct page of its own).
 */
static void special_mappings(void) {
  char *maps = slurp("/proc/self/maps");
  for (char *line = strtok(maps, "\n"); line; line = strtok(NULL, "\n")) {
    char *name = strstr(line, " [v");
    if (!name) continue;
    void *at = (void *)strtoul(line, NULL, 16);
    int st[2] = {99, 99};
    pol = -1;
    syscall(SYS_move_pages, 0, 1, &at, NULL, &st[0], 0);
    long r = syscall(SYS_get_mempolicy, &pol, NULL, 0, at, MPOL_F_NODE | MPOL_F_ADDR);
    if (!strcmp(name, " [vvar]")) (void)*(volatile char *)at;  // its data page, a PFN mapped by a read
    syscall(SYS_move_pages, 0, 1, &at, NULL, &st[1], 0);
    printf("%-14s move_pages %d, get_mempolicy(NODE|ADDR) %ld %d, move_pages %d\n", name + 1, st[0], r < 0 ? -errno : r, pol, st[1]);
  }
}

int main(void) {
  p = mmap(0, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || munmap(p + 12 * PAGE, 4 * PAGE)) return 1;

  // set_mempolicy_home_node: start, flags, home_node, then the VMAs.
  show("home_node(unmapped)", syscall(SYS_set_mempolicy_home_node, 0x10000, PAGE, 0, 0));
  show("home_node(unaligned)", syscall(SYS_set_mempolicy_home_node, p + 1, PAGE, 0, 0));
  show("home_node(flags 1)", syscall(SYS_set_mempolicy_home_node, p, PAGE, 0, 1));
  show("home_node(flags 1 << 32)", syscall(SYS_set_mempolicy_home_node, p, PAGE, 0, 1UL << 32));
  show("home_node(node 1: offline)", syscall(SYS_set_mempolicy_home_node, p, PAGE, 1, 0));
  show("home_node(node 1023)", syscall(SYS_set_mempolicy_home_node, p, PAGE, 1023, 0));
  show("home_node(node 1024)", syscall(SYS_set_mempolicy_home_node, p, PAGE, 1024, 0));
  show("home_node(node -1)", syscall(SYS_set_mempolicy_home_node, p, PAGE, -1L, 0));
  show("home_node(no policy)", syscall(SYS_set_mempolicy_home_node, p, PAGE, 0, 0));
  show("home_node(len 0)", syscall(SYS_set_mempolicy_home_node, p, 0, 0, 0));
  show("home_node(len wraps)", syscall(SYS_set_mempolicy_home_node, p, -2L * PAGE, 0, 0));
  show("home_node(bad start, len 0)", syscall(SYS_set_mempolicy_home_node, -PAGE, 0, 0, 0));
  show("mbind(BIND {0}, pages 2-5)", syscall(SYS_mbind, p + 2 * PAGE, 4 * PAGE, MPOL_BIND, nodes(0, -1), 65, 0));
  show("mbind(PREFERRED_MANY {0}, pages 6-7)", syscall(SYS_mbind, p + 6 * PAGE, 2 * PAGE, MPOL_PREFERRED_MANY, nodes(0, -1), 65, 0));
  show("mbind(INTERLEAVE {0}, pages 9-10)", syscall(SYS_mbind, p + 9 * PAGE, 2 * PAGE, MPOL_INTERLEAVE, nodes(0, -1), 65, 0));
  vmas("before");
  show("home_node(page 3)", syscall(SYS_set_mempolicy_home_node, p + 3 * PAGE, PAGE, 0, 0));
  vmas("after page 3");
  show("home_node(page 3 again)", syscall(SYS_set_mempolicy_home_node, p + 3 * PAGE, 1, 0, 0));
  show("home_node(pages 0-7: default, bind, many)", syscall(SYS_set_mempolicy_home_node, p, 8 * PAGE, 0, 0));
  vmas("after pages 0-7");
  show("home_node(pages 7-11: many, interleave)", syscall(SYS_set_mempolicy_home_node, p + 7 * PAGE, 5 * PAGE, 0, 0));
  show("home_node(pages 8-11: default, interleave)", syscall(SYS_set_mempolicy_home_node, p + 8 * PAGE, 4 * PAGE, 0, 0));
  show("home_node(pages 11-15: default, hole)", syscall(SYS_set_mempolicy_home_node, p + 11 * PAGE, 5 * PAGE, 0, 0));
  vmas("at the end");
  get("get_mempolicy(page 3)", p + 3 * PAGE);
  for (int i = 2; i < 8; i++) p[i * PAGE] = 1;
  int status[6] = {9, 9, 9, 9, 9, 9};
  void *pages[6] = {p + 2 * PAGE, p + 3 * PAGE, p + 4 * PAGE, p + 5 * PAGE, p + 6 * PAGE, p + 7 * PAGE};
  show("move_pages(stat, pages 2-7)", syscall(SYS_move_pages, 0, 6, pages, NULL, status, 0));
  printf("  status %d %d %d %d %d %d\n", status[0], status[1], status[2], status[3], status[4], status[5]);
  // A fresh mapping: VMAs with different anon_vmas would not merge again (faultline's vma_merge merges them).
  if (mmap(p, 12 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p) return 1;
  vmas("fresh");

  // Nodemasks naming nodes past those with memory, up to 1023.
  show("set_mempolicy(BIND {0,8})", syscall(SYS_set_mempolicy, MPOL_BIND, nodes(0, 8, -1), 65));
  get("get_mempolicy", 0);
  show("set_mempolicy(BIND {0,64})", syscall(SYS_set_mempolicy, MPOL_BIND, nodes(0, 64, -1), 1025));
  get("get_mempolicy", 0);
  show("set_mempolicy(BIND {64})", syscall(SYS_set_mempolicy, MPOL_BIND, nodes(64, -1), 1025));
  show("set_mempolicy(BIND {8}, maxnode 9)", syscall(SYS_set_mempolicy, MPOL_BIND, nodes(8, -1), 9));
  show("set_mempolicy(BIND|STATIC {64})", syscall(SYS_set_mempolicy, MPOL_BIND | MPOL_F_STATIC_NODES, nodes(64, -1), 1025));
  show("set_mempolicy(BIND|STATIC {0,63,64,1023})", syscall(SYS_set_mempolicy, MPOL_BIND | MPOL_F_STATIC_NODES, nodes(0, 63, 64, 1023, -1), 1025));
  get("get_mempolicy", 0);
  show("set_mempolicy(INTERLEAVE|RELATIVE {1,64})", syscall(SYS_set_mempolicy, MPOL_INTERLEAVE | MPOL_F_RELATIVE_NODES, nodes(1, 64, -1), 1025));
  get("get_mempolicy", 0);
  show("set_mempolicy(BIND|RELATIVE {1023})", syscall(SYS_set_mempolicy, MPOL_BIND | MPOL_F_RELATIVE_NODES, nodes(1023, -1), 1025));
  get("get_mempolicy", 0);
  show("set_mempolicy(BIND {1023})", syscall(SYS_set_mempolicy, MPOL_BIND, nodes(1023, -1), 1025));
  show("set_mempolicy(INTERLEAVE {1023})", syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, nodes(1023, -1), 1025));
  show("set_mempolicy(PREFERRED {1023})", syscall(SYS_set_mempolicy, MPOL_PREFERRED, nodes(1023, -1), 1025));
  show("set_mempolicy(PREFERRED {5,0})", syscall(SYS_set_mempolicy, MPOL_PREFERRED, nodes(0, 5, -1), 65));
  get("get_mempolicy", 0);
  show("set_mempolicy(PREFERRED|STATIC {5})", syscall(SYS_set_mempolicy, MPOL_PREFERRED | MPOL_F_STATIC_NODES, nodes(5, -1), 65));
  show("set_mempolicy(PREFERRED_MANY {0,100})", syscall(SYS_set_mempolicy, MPOL_PREFERRED_MANY, nodes(0, 100, -1), 1025));
  get("get_mempolicy", 0);
  show("set_mempolicy(LOCAL {100})", syscall(SYS_set_mempolicy, MPOL_LOCAL, nodes(100, -1), 1025));
  show("set_mempolicy(DEFAULT {100})", syscall(SYS_set_mempolicy, MPOL_DEFAULT, nodes(100, -1), 1025));
  show("set_mempolicy(BIND {1024}, maxnode 1026)", syscall(SYS_set_mempolicy, MPOL_BIND, nodes(0, 1024, -1), 1026));
  show("set_mempolicy(BIND {1024}, maxnode 1025)", syscall(SYS_set_mempolicy, MPOL_BIND, nodes(0, 1024, -1), 1025));
  show("set_mempolicy(BIND {1087}, maxnode 1030)", syscall(SYS_set_mempolicy, MPOL_BIND, nodes(0, 1087, -1), 1030));
  show("set_mempolicy(BIND {0}, maxnode 4096)", syscall(SYS_set_mempolicy, MPOL_BIND, nodes(0, -1), 4096));

  // Weighted interleave, as the task's policy and a VMA's.
  show("set_mempolicy(WEIGHTED_INTERLEAVE {0,9})", syscall(SYS_set_mempolicy, MPOL_WEIGHTED_INTERLEAVE, nodes(0, 9, -1), 65));
  get("get_mempolicy", 0);
  pol = -1;
  show("get_mempolicy(MPOL_F_NODE)", syscall(SYS_get_mempolicy, &pol, NULL, 0, 0, MPOL_F_NODE));
  printf("  node %d\n", pol);
  show("set_mempolicy(WEIGHTED_INTERLEAVE, NULL)", syscall(SYS_set_mempolicy, MPOL_WEIGHTED_INTERLEAVE, NULL, 0));
  show("set_mempolicy(WEIGHTED_INTERLEAVE|STATIC {3})", syscall(SYS_set_mempolicy, MPOL_WEIGHTED_INTERLEAVE | MPOL_F_STATIC_NODES, nodes(3, -1), 65));
  show("mbind(WEIGHTED_INTERLEAVE {0}, pages 0-3)", syscall(SYS_mbind, p, 4 * PAGE, MPOL_WEIGHTED_INTERLEAVE, nodes(0, -1), 65, MPOL_MF_STRICT | MPOL_MF_MOVE));
  show("home_node(weighted)", syscall(SYS_set_mempolicy_home_node, p, PAGE, 0, 0));
  show("set_mempolicy(DEFAULT)", syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0));

  // mbind keeps the whole user mask: VMAs merge only when it is the same.
  show("mbind(BIND|STATIC {0,64}, page 0)", syscall(SYS_mbind, p, PAGE, MPOL_BIND | MPOL_F_STATIC_NODES, nodes(0, 64, -1), 1025, 0));
  show("mbind(BIND|STATIC {0}, page 1)", syscall(SYS_mbind, p + PAGE, PAGE, MPOL_BIND | MPOL_F_STATIC_NODES, nodes(0, -1), 1025, 0));
  show("mbind(BIND|STATIC {0,512}, page 2)", syscall(SYS_mbind, p + 2 * PAGE, PAGE, MPOL_BIND | MPOL_F_STATIC_NODES, nodes(0, 512, -1), 1025, 0));
  vmas("masks differ");
  get("get_mempolicy(page 0)", p);
  show("mbind(BIND|STATIC {0,64}, pages 1-2)", syscall(SYS_mbind, p + PAGE, 2 * PAGE, MPOL_BIND | MPOL_F_STATIC_NODES, nodes(0, 64, -1), 1025, 0));
  vmas("masks alike");
  show("mbind(BIND {64}, page 3)", syscall(SYS_mbind, p + 3 * PAGE, PAGE, MPOL_BIND, nodes(64, -1), 1025, 0));
  show("mbind(BIND|RELATIVE {64}, page 3)", syscall(SYS_mbind, p + 3 * PAGE, PAGE, MPOL_BIND | MPOL_F_RELATIVE_NODES, nodes(64, -1), 1025, 0));
  get("get_mempolicy(page 3)", p + 3 * PAGE);
  show("mbind(BIND {0,1023}, page 4, STRICT)", syscall(SYS_mbind, p + 4 * PAGE, PAGE, MPOL_BIND, nodes(0, 1023, -1), 1025, MPOL_MF_STRICT));
  show("mbind(BIND {1024}, maxnode 1026)", syscall(SYS_mbind, p + 4 * PAGE, PAGE, MPOL_BIND, nodes(1024, -1), 1026, 0));
  show("mbind(DEFAULT, all)", syscall(SYS_mbind, p, 12 * PAGE, MPOL_DEFAULT, NULL, 0, 0));

  // migrate_pages with masks past node 63.
  show("migrate_pages({0,100} to {0,200})", syscall(SYS_migrate_pages, 0, 1025, nodes(0, 100, -1), nodes(0, 200, -1)));
  static unsigned long from[32] = {1}, to[32];
  to[3] = 1;
  show("migrate_pages({0} to {192})", syscall(SYS_migrate_pages, 0, 1025, from, to));
  to[31] = 1UL << 63;
  show("migrate_pages({0} to {192,2047}, maxnode 2000)", syscall(SYS_migrate_pages, 0, 2000, from, to));
  to[31] = 0;
  show("migrate_pages({0} to {192}, maxnode 2000)", syscall(SYS_migrate_pages, 0, 2000, from, to));

  // The nodes this task may use: get_mempolicy and /proc/self/status.
  for (unsigned long maxnode = 1; maxnode <= 4097; maxnode = maxnode * 2 + 1) {
    memset(big, 0xff, sizeof big);
    pol = -1;
    long r = syscall(SYS_get_mempolicy, &pol, big, maxnode, 0, MPOL_F_MEMS_ALLOWED);
    printf("get_mempolicy(MEMS_ALLOWED, maxnode %4lu)         = %ld", maxnode, r);
    if (r < 0) printf(" errno %d", errno);
    printf(" mode %d mask %#lx %#lx\n", pol, big[0], big[1]);
  }
  show("get_mempolicy(MEMS_ALLOWED|ADDR)", syscall(SYS_get_mempolicy, &pol, big, 64, p, MPOL_F_MEMS_ALLOWED | MPOL_F_ADDR));
  show("get_mempolicy(MEMS_ALLOWED, addr)", syscall(SYS_get_mempolicy, &pol, big, 64, p, MPOL_F_MEMS_ALLOWED));
  status_mems();

  other_paths();
  special_mappings();

  // getcpu: the CPU (any of this machine's) and its node; both pointers are written.
  unsigned cpu = 777, node = 777;
  long ncpu = sysconf(_SC_NPROCESSORS_CONF);
  show("getcpu(&cpu, &node, NULL)", syscall(SYS_getcpu, &cpu, &node, NULL));
  printf("  cpu known %d node %u\n", cpu < (unsigned)ncpu, node);
  node = 777;
  show("getcpu(NULL, &node, NULL)", syscall(SYS_getcpu, NULL, &node, NULL));
  printf("  node %u\n", node);
  show("getcpu(NULL, NULL, NULL)", syscall(SYS_getcpu, NULL, NULL, NULL));
  node = 777;
  show("getcpu(bad, &node, NULL)", syscall(SYS_getcpu, BAD, &node, NULL));
  printf("  node %u\n", node);
  show("getcpu(&cpu, bad, NULL)", syscall(SYS_getcpu, &cpu, BAD, NULL));
  show("getcpu(&cpu, &node, bad cache)", syscall(SYS_getcpu, &cpu, &node, BAD));
  int c = sched_getcpu();
  printf("sched_getcpu: known %d\n", c >= 0 && c < ncpu);
  return 0;
}
