// /proc/self/pagemap, /proc/kpageflags and /proc/kpagecount of the pages a
// program maps: anonymous ones written, read (the zero page), mlocked and
// made PROT_NONE, a file's, shared anonymous ones, and the anonymous ones a
// fork shares until a write copies one. Each line shows a page's pagemap
// flag bits (55-63; the pfn differs from run to run) and, for a present
// page, the kpageflags bits that do not hang on when the kernel drains a
// per-cpu batch or scans a list (not LRU, ACTIVE, REFERENCED), and its
// kpagecount. Then what pread of these files refuses, and /proc/self/auxv
// against the vector on the stack; last, what an exec leaves the descriptors
// of both. argv[1]: a file of at least 4 pages.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define BIT(n) (1ULL << (n))
// KPF_* (include/uapi/linux/kernel-page-flags.h) and, past 32, the kernel's own (RESERVED, MLOCKED, OWNER_2).
// A file page's folio may be large (the file system's choice), so a file page shows no COMPOUND_* or THP.
#define SHOWN (BIT(3) | BIT(4) | BIT(7) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(15) | BIT(16) | BIT(18) | BIT(22) \
               | BIT(24) | BIT(26) | BIT(32) | BIT(33))
#define KPF_ANON 12
#define KPF_OWNER_2 34   // PG_anon_exclusive on an anonymous page (a file page's is the file system's)

extern char **environ;
static int pm, kflags, kcount;

static uint64_t word(int fd, uint64_t index) {
  uint64_t w = 0;
  if (pread(fd, &w, 8, index * 8) != 8) printf("pread %llu: %s\n", (unsigned long long)index, strerror(errno));
  return w;
}

static void show(const char *what, char *base, int pages) {
  for (int i = 0; i < pages; i++) {
    uint64_t e = word(pm, (uintptr_t)(base + i * PAGE) / PAGE);
    printf("%s %d: pagemap %03llx", what, i, (unsigned long long)(e >> 55));
    if (e >> 63) {
      uint64_t pfn = e & (BIT(55) - 1), f = word(kflags, pfn);
      uint64_t shown = f & BIT(KPF_ANON) ? SHOWN | BIT(KPF_OWNER_2) : SHOWN & ~(BIT(15) | BIT(16) | BIT(22));
      printf(" kpageflags %09llx kpagecount %llu", (unsigned long long)(f & shown), (unsigned long long)word(kcount, pfn));
    }
    printf("\n");
  }
}

/** A call's result: its value, and its errno when it failed. */
static void result(const char *what, long long r) {
  printf("%s: %lld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static void refused(const char *what, int fd, size_t count, off_t at) {
  char buf[16];
  result(what, pread(fd, buf, count, at));
}

int main(int argc, char **argv) {
  if (argc == 4) {
    // Exec'd with a pagemap and an auxv descriptor opened before: they hold the old mm, whose pages are gone, whose vector is not.
    uint64_t e[4];
    result("after exec, the pagemap opened before", pread(atoi(argv[2]), e, 8, (uintptr_t)e / PAGE * 8));
    result("after exec, the auxv opened before", pread(atoi(argv[3]), e, 32, 0));
    return 0;
  }
  pm = open("/proc/self/pagemap", O_RDONLY);
  kflags = open("/proc/kpageflags", O_RDONLY);
  kcount = open("/proc/kpagecount", O_RDONLY);
  int file = open(argv[1], O_RDONLY);
  if (pm < 0 || kflags < 0 || kcount < 0 || file < 0) return 1;

  char *anon = mmap(0, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  anon[0] = anon[PAGE] = anon[2 * PAGE] = 1;
  (void)*(volatile char *)(anon + 3 * PAGE);
  anon[4 * PAGE] = 1;
  mlock(anon + 4 * PAGE, PAGE);
  anon[5 * PAGE] = 1;
  mprotect(anon + 5 * PAGE, PAGE, PROT_NONE);
  // Every page read: which of them fault-around maps hangs on the page cache's state.
  char *mapped = mmap(0, 4 * PAGE, PROT_READ, MAP_PRIVATE, file, 0);
  for (int i = 0; i < 4; i++) (void)*(volatile char *)(mapped + i * PAGE);
  char *shared = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  shared[0] = 1;
  show("anon", anon, 8);
  show("file", mapped, 4);
  show("shared", shared, 2);
  // One read across the three mappings (mmap placed them top-down, side by side) and the page past them.
  uint64_t run[15];
  printf("one read from the shared mapping's start: %zd bytes:", pread(pm, run, sizeof run, (uintptr_t)shared / PAGE * 8));
  for (int i = 0; i < 15; i++) printf(" %03llx", (unsigned long long)(run[i] >> 55));
  printf("\n");

  int ready[2];
  pipe(ready);
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    pm = open("/proc/self/pagemap", O_RDONLY);
    show("child anon", anon, 5);
    show("child shared", shared, 1);
    anon[0] = 2;
    show("child after its write, anon", anon, 1);
    fflush(stdout);
    write(ready[1], "", 1);
    pause();
    _exit(0);
  }
  char c;
  read(ready[0], &c, 1);
  show("parent, anon", anon, 2);
  anon[0] = 3;
  show("parent after its write, anon", anon, 1);
  char p[64];
  snprintf(p, sizeof p, "/proc/%d/pagemap", child);
  int theirs = open(p, O_RDONLY);
  uint64_t e = word(theirs, (uintptr_t)(anon + PAGE) / PAGE);
  printf("the child's pagemap, anon 1: %03llx\n", (unsigned long long)(e >> 55));
  kill(child, SIGKILL);
  siginfo_t si;
  waitid(P_PID, child, &si, WEXITED | WNOWAIT);
  result("the zombie's pagemap, opened before", read(theirs, &e, 8));
  result("opening it", open(p, O_RDONLY));
  snprintf(p, sizeof p, "/proc/%d/auxv", child);
  result("opening its auxv", open(p, O_RDONLY));
  waitpid(child, 0, 0);

  // What pagemap_read and kpageflags_read refuse, and where they end.
  off_t at = (uintptr_t)anon / PAGE * 8;
  refused("pagemap, 8 bytes at a word", pm, 8, at);
  refused("pagemap, 8 bytes off a word", pm, 8, at + 4);
  refused("pagemap, 12 bytes", pm, 12, at);
  refused("pagemap, 0 bytes off a word", pm, 0, at + 1);
  refused("pagemap, the last page below TASK_SIZE", pm, 16, (0x7ffffffff000ULL / PAGE - 1) * 8);
  refused("pagemap, at TASK_SIZE", pm, 8, 0x7ffffffff000ULL / PAGE * 8);
  refused("pagemap, far beyond", pm, 8, 0x100000000000000LL);
  refused("pagemap, a page no VMA holds", pm, 8, 0x10000 / PAGE * 8);
  refused("kpageflags, 4 bytes", kflags, 4, 0);
  refused("kpageflags, off a word", kflags, 8, 4);
  refused("kpageflags, far beyond", kflags, 8, 1LL << 40);
  refused("kpagecount, far beyond", kcount, 8, 1LL << 40);
  result("lseek pagemap SEEK_END", lseek(pm, 0, SEEK_END));
  printf("lseek pagemap SEEK_SET: %d\n", lseek(pm, at, SEEK_SET) == at);
  printf("mmap pagemap: %s\n", mmap(0, PAGE, PROT_READ, MAP_PRIVATE, pm, 0) == MAP_FAILED ? strerror(errno) : "mapped");

  const char *files[] = { "/proc/self/pagemap", "/proc/self/auxv", "/proc/kpageflags", "/proc/kpagecount" };
  for (int i = 0; i < 4; i++) {
    struct stat st;
    stat(files[i], &st);
    printf("%s: mode %o, size %lld\n", files[i], st.st_mode, (long long)st.st_size);
  }

  // /proc/self/auxv is the vector exec left above the environment.
  char **env = environ;
  while (*env) env++;
  Elf64_auxv_t *stack = (Elf64_auxv_t *)(env + 1);
  Elf64_auxv_t file_auxv[64];
  int a = open("/proc/self/auxv", O_RDONLY);
  ssize_t n = read(a, file_auxv, sizeof file_auxv);
  int entries = 0;
  while (stack[entries].a_type != AT_NULL) entries++;
  // (Not the count: faultline has no rseq, so no AT_RSEQ_FEATURE_SIZE, AT_RSEQ_ALIGN.)
  printf("auxv: the stack's, AT_NULL's pair included: %s\n", n == (entries + 1) * 16 && !memcmp(stack, file_auxv, n) ? "yes" : "no");
  for (int i = 0; i <= entries; i++) {
    unsigned long t = file_auxv[i].a_type;
    if (t == AT_PAGESZ || t == AT_CLKTCK || t == AT_PHENT || t == AT_FLAGS || t == AT_UID || t == AT_EUID || t == AT_GID
        || t == AT_EGID || t == AT_SECURE || t == AT_NULL)
      printf("auxv %lu = %lu\n", t, (unsigned long)file_auxv[i].a_un.a_val);
  }

  char fds[2][16];
  snprintf(fds[0], sizeof fds[0], "%d", pm);
  snprintf(fds[1], sizeof fds[1], "%d", a);
  fflush(stdout);
  execl("/proc/self/exe", argv[0], argv[1], fds[0], fds[1], (char *)0);
  return 1;
}
