// The memory-policy syscalls' errors and nodemask rules that do not depend
// on how many nodes a machine has, on a machine with node 0 alone: each call
// prints its result and errno, and the masks and modes the kernel wrote back.
// Built static with glibc and musl; test/syscalls/mempolicy.test.ts compares
// faultline's one-node output with this machine's.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mempolicy.h"

#define BAD ((void *)8)

static unsigned long big[1024];   // 64 Kbit: more than the 32 Kbit a mask may have
static int pol;

static void show(const char *what, long r) {
  printf("%-44s = %ld", what, r);
  if (r < 0) printf(" errno %d", errno);
  printf("\n");
}

static void mask(unsigned long m0) {
  memset(big, 0, sizeof big);
  big[0] = m0;
}

int main(void) {
  // Four pages with a hole of four after them.
  char *p = mmap(0, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || munmap(p + 4 * 4096, 4 * 4096)) return 1;

  // set_mempolicy: sanitize_mpol_flags, then get_nodes, then mpol_new.
  mask(1);
  show("set_mempolicy(7)", syscall(SYS_set_mempolicy, 7, big, 65));
  show("set_mempolicy(-1)", syscall(SYS_set_mempolicy, -1, big, 65));
  show("set_mempolicy(99, bad mask)", syscall(SYS_set_mempolicy, 99, BAD, 65));
  show("set_mempolicy(BIND, bad mask)", syscall(SYS_set_mempolicy, MPOL_BIND, BAD, 65));
  show("set_mempolicy(BIND, NULL)", syscall(SYS_set_mempolicy, MPOL_BIND, NULL, 0));
  show("set_mempolicy(BIND, maxnode 0)", syscall(SYS_set_mempolicy, MPOL_BIND, big, 0));
  show("set_mempolicy(BIND, maxnode 1)", syscall(SYS_set_mempolicy, MPOL_BIND, big, 1));
  show("set_mempolicy(BIND, {0}, maxnode 2)", syscall(SYS_set_mempolicy, MPOL_BIND, big, 2));
  mask(2);
  show("set_mempolicy(BIND, {1}, maxnode 2)", syscall(SYS_set_mempolicy, MPOL_BIND, big, 2));
  mask(1);
  show("set_mempolicy(BIND, maxnode 32769)", syscall(SYS_set_mempolicy, MPOL_BIND, big, 32769));
  show("set_mempolicy(BIND, maxnode 32770)", syscall(SYS_set_mempolicy, MPOL_BIND, big, 32770));
  big[16] = 1;   // node 1024, past every MAX_NUMNODES
  show("set_mempolicy(BIND, {0,1024})", syscall(SYS_set_mempolicy, MPOL_BIND, big, 2048));
  show("set_mempolicy(BIND, {0,1024}, maxnode 1025)", syscall(SYS_set_mempolicy, MPOL_BIND, big, 1025));
  mask(1);
  show("set_mempolicy(INTERLEAVE|STATIC|RELATIVE)", syscall(SYS_set_mempolicy, MPOL_INTERLEAVE | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, big, 65));
  show("set_mempolicy(INTERLEAVE|NUMA_BALANCING)", syscall(SYS_set_mempolicy, MPOL_INTERLEAVE | MPOL_F_NUMA_BALANCING, big, 65));
  show("set_mempolicy(BIND|NUMA_BALANCING)", syscall(SYS_set_mempolicy, MPOL_BIND | MPOL_F_NUMA_BALANCING, big, 65));
  show("set_mempolicy(DEFAULT, {0})", syscall(SYS_set_mempolicy, MPOL_DEFAULT, big, 65));
  show("set_mempolicy(LOCAL, {0})", syscall(SYS_set_mempolicy, MPOL_LOCAL, big, 65));
  show("set_mempolicy(LOCAL, NULL)", syscall(SYS_set_mempolicy, MPOL_LOCAL, NULL, 0));
  show("set_mempolicy(PREFERRED, NULL)", syscall(SYS_set_mempolicy, MPOL_PREFERRED, NULL, 0));
  show("set_mempolicy(PREFERRED|STATIC, NULL)", syscall(SYS_set_mempolicy, MPOL_PREFERRED | MPOL_F_STATIC_NODES, NULL, 0));
  show("set_mempolicy(PREFERRED_MANY, NULL)", syscall(SYS_set_mempolicy, MPOL_PREFERRED_MANY, NULL, 0));
  show("set_mempolicy(INTERLEAVE, {0})", syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, big, 65));

  // get_mempolicy: maxnode against nr_node_ids, flags, then copy_nodes_to_user.
  memset(big, 0xff, sizeof big);
  pol = -1;
  show("get_mempolicy()", syscall(SYS_get_mempolicy, &pol, big, 64, 0, 0));
  printf("  mode %d mask %#lx\n", pol, big[0]);
  memset(big, 0xff, sizeof big);
  show("get_mempolicy(maxnode 200)", syscall(SYS_get_mempolicy, &pol, big, 200, 0, 0));
  printf("  mask %#lx %#lx %#lx %#lx\n", big[0], big[1], big[2], big[3]);
  show("get_mempolicy(maxnode 0)", syscall(SYS_get_mempolicy, &pol, big, 0, 0, 0));
  show("get_mempolicy(maxnode 1)", syscall(SYS_get_mempolicy, &pol, big, 1, 0, 0));
  show("get_mempolicy(NULL mask, maxnode 0)", syscall(SYS_get_mempolicy, &pol, NULL, 0, 0, 0));
  show("get_mempolicy(bad mode)", syscall(SYS_get_mempolicy, BAD, big, 64, 0, 0));
  show("get_mempolicy(bad mask)", syscall(SYS_get_mempolicy, &pol, BAD, 64, 0, 0));
  show("get_mempolicy(maxnode 1M)", syscall(SYS_get_mempolicy, &pol, big, 1 << 20, 0, 0));
  show("get_mempolicy(maxnode 32769)", syscall(SYS_get_mempolicy, &pol, big, 32769, 0, 0));
  show("get_mempolicy(maxnode 32770)", syscall(SYS_get_mempolicy, &pol, big, 32770, 0, 0));
  show("get_mempolicy(flags 8)", syscall(SYS_get_mempolicy, &pol, big, 64, 0, 8));
  show("get_mempolicy(addr, no MPOL_F_ADDR)", syscall(SYS_get_mempolicy, &pol, big, 64, p, 0));
  pol = -1;
  show("get_mempolicy(MPOL_F_NODE), interleave", syscall(SYS_get_mempolicy, &pol, NULL, 0, 0, MPOL_F_NODE));
  printf("  node %d\n", pol);
  show("get_mempolicy(MPOL_F_ADDR, unmapped)", syscall(SYS_get_mempolicy, &pol, NULL, 0, 4096, MPOL_F_ADDR));
  show("get_mempolicy(MEMS_ALLOWED|NODE)", syscall(SYS_get_mempolicy, &pol, big, 64, 0, MPOL_F_MEMS_ALLOWED | MPOL_F_NODE));
  pol = -1;
  show("get_mempolicy(MEMS_ALLOWED)", syscall(SYS_get_mempolicy, &pol, big, 64, 0, MPOL_F_MEMS_ALLOWED));
  printf("  mode %d mask %#lx\n", pol, big[0]);
  show("set_mempolicy(DEFAULT, NULL)", syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0));
  show("get_mempolicy(MPOL_F_NODE), default", syscall(SYS_get_mempolicy, &pol, NULL, 0, 0, MPOL_F_NODE));
  pol = -1;
  show("get_mempolicy(NODE|ADDR), untouched", syscall(SYS_get_mempolicy, &pol, NULL, 0, p, MPOL_F_NODE | MPOL_F_ADDR));
  printf("  node %d\n", pol);

  // mbind: do_mbind's checks, then the VMA's policy.
  mask(1);
  show("mbind(unaligned)", syscall(SYS_mbind, p + 1, 4096, MPOL_BIND, big, 65, 0));
  show("mbind(flags 8)", syscall(SYS_mbind, p, 4096, MPOL_BIND, big, 65, 8));
  show("mbind(len 0)", syscall(SYS_mbind, p, 0, MPOL_BIND, big, 65, 0));
  show("mbind(unmapped)", syscall(SYS_mbind, (void *)0x10000, 4096, MPOL_BIND, big, 65, 0));
  show("mbind(into the hole)", syscall(SYS_mbind, p, 5 * 4096, MPOL_BIND, big, 65, 0));
  show("mbind(mode 9)", syscall(SYS_mbind, p, 4096, 9, big, 65, 0));
  show("mbind(bad mask)", syscall(SYS_mbind, p, 4096, MPOL_BIND, BAD, 65, 0));
  show("mbind(BIND, NULL)", syscall(SYS_mbind, p, 4096, MPOL_BIND, NULL, 0, 0));
  show("mbind(BIND {0}, second page)", syscall(SYS_mbind, p + 4096, 4096, MPOL_BIND, big, 65, MPOL_MF_STRICT | MPOL_MF_MOVE));
  show("mbind(INTERLEAVE {0}, last page)", syscall(SYS_mbind, p + 3 * 4096, 4096, MPOL_INTERLEAVE | MPOL_F_STATIC_NODES, big, 65, 0));
  for (int i = 0; i < 4; i++) {
    memset(big, 0xff, 64);
    pol = -1;
    long r = syscall(SYS_get_mempolicy, &pol, big, 64, p + i * 4096, MPOL_F_ADDR);
    printf("  page %d: %ld mode %#x mask %#lx\n", i, r, pol, big[0]);
  }
  show("mbind(DEFAULT, all)", syscall(SYS_mbind, p, 4 * 4096, MPOL_DEFAULT, NULL, 0, MPOL_MF_STRICT));
  show("get_mempolicy(MPOL_F_ADDR) after", syscall(SYS_get_mempolicy, &pol, NULL, 0, p + 4096, MPOL_F_ADDR));
  printf("  mode %d\n", pol);

  // move_pages and migrate_pages on the caller.
  p[0] = 1;
  p[2 * 4096] = 1;
  void *pages[4] = {p, p + 4096, p + 2 * 4096, (void *)4096};
  int status[4] = {9, 9, 9, 9}, nodes[4] = {0, 0, 0, 0};
  show("move_pages(stat)", syscall(SYS_move_pages, 0, 4, pages, NULL, status, 0));
  printf("  status %d %d %d %d\n", status[0], status[1], status[2], status[3]);
  show("move_pages(to 0)", syscall(SYS_move_pages, 0, 4, pages, nodes, status, MPOL_MF_MOVE));
  printf("  status %d %d %d %d\n", status[0], status[1], status[2], status[3]);
  nodes[1] = -1;
  show("move_pages(node -1)", syscall(SYS_move_pages, 0, 4, pages, nodes, status, 0));
  nodes[1] = 4096;
  show("move_pages(node 4096)", syscall(SYS_move_pages, 0, 4, pages, nodes, status, 0));
  show("move_pages(flags 1)", syscall(SYS_move_pages, 0, 4, pages, NULL, status, 1));
  show("move_pages(pid 999999)", syscall(SYS_move_pages, 999999, 4, pages, NULL, status, 0));
  show("move_pages(bad pages)", syscall(SYS_move_pages, 0, 4, BAD, NULL, status, 0));
  show("move_pages(bad status)", syscall(SYS_move_pages, 0, 4, pages, NULL, BAD, 0));
  show("move_pages(bad nodes)", syscall(SYS_move_pages, 0, 4, pages, BAD, status, 0));
  show("move_pages(0 pages)", syscall(SYS_move_pages, 0, 0, BAD, NULL, BAD, 0));
  unsigned long from = 1, to = 1;
  show("migrate_pages({0} to {0})", syscall(SYS_migrate_pages, 0, 64, &from, &to));
  to = 0;
  show("migrate_pages({0} to {})", syscall(SYS_migrate_pages, 0, 64, &from, &to));
  show("migrate_pages(pid 999999)", syscall(SYS_migrate_pages, 999999, 64, &from, &to));
  show("migrate_pages(bad old)", syscall(SYS_migrate_pages, 0, 64, BAD, &to));
  show("migrate_pages(bad new)", syscall(SYS_migrate_pages, 0, 64, &from, BAD));
  return 0;
}
