/* Credentials: the set*id, getres*id, setfs*id and *groups calls with
 * Linux's rules (root may do anything; others may only move among their
 * own ids), what exec does to them, /proc/self/status's Uid, Gid, Groups
 * and capability lines, and what the ids gate: kill, setpriority,
 * prlimit, mlock, RLIMIT_NPROC. Each part runs in a child, which drops
 * root there; the parent stays root. Run as root. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *errname(int e) {
  switch (e) {
  case EPERM: return "EPERM";
  case ESRCH: return "ESRCH";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES";
  case EFAULT: return "EFAULT";
  case EINVAL: return "EINVAL";
  default: return "another errno";
  }
}

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, errname(errno));
  else printf("%s: %ld\n", what, r);
}

/* The call itself, for arguments a libc wrapper might not pass on as they are. */
static long raw(long nr, long a, long b, long c) {
  return syscall(nr, a, b, c);
}

/* fork, with nothing buffered to print twice. */
static pid_t fork_flushed(void) {
  fflush(stdout);
  return fork();
}

static void exit_flushed(void) {
  fflush(stdout);
  _exit(0);
}

static void ids(const char *when) {
  uid_t r, e, s;
  gid_t rg, eg, sg;
  getresuid(&r, &e, &s);
  getresgid(&rg, &eg, &sg);
  int fsuid = setfsuid(-1), fsgid = setfsgid(-1);
  printf("%s: uid %u %u %u fs %d, gid %u %u %u fs %d, getuid %u geteuid %u getgid %u getegid %u\n", when, r, e, s, fsuid, rg, eg, sg,
    fsgid, getuid(), geteuid(), getgid(), getegid());
}

static unsigned long long hexfield(const char *line) {
  return strtoull(strchr(line, ':') + 1, NULL, 16);
}

/* /proc/self/status's id lines as they are; the capability sets relative to the bounding set (the machine's may lack some). */
static void status(const char *when) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[512];
  unsigned long long bnd = 0, prm = 0, eff = 0;
  printf("%s status:", when);
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) || !strncmp(line, "Groups:", 7)) {
      line[strlen(line) - 1] = 0;
      printf(" [%s]", line);
    }
    if (!strncmp(line, "CapPrm:", 7)) prm = hexfield(line);
    if (!strncmp(line, "CapEff:", 7)) eff = hexfield(line);
    if (!strncmp(line, "CapBnd:", 7)) bnd = hexfield(line);
  }
  fclose(f);
  printf(" CapPrm %s CapEff ", prm == bnd ? "all" : prm ? "some" : "none");
  if (eff == bnd || eff == 0) printf("%s\n", eff ? "all" : "none");
  else printf("all but %#llx\n", bnd & ~eff);
}

static void groups(void) {
  gid_t list[8] = {30, 10, 20, 10};
  show("setgroups 4", setgroups(4, list));
  int n = getgroups(8, list);
  printf("getgroups: %d:", n);
  for (int i = 0; i < n; i++) printf(" %u", list[i]);
  printf("\n");
  show("getgroups(0, NULL)", getgroups(0, NULL));
  show("getgroups(2)", getgroups(2, list));
  show("getgroups(-1)", raw(SYS_getgroups, -1, 0, 0));
  gid_t bad[2] = {5, (gid_t)-1};
  show("setgroups [5, -1]", setgroups(2, bad));
  show("setgroups 70000", raw(SYS_setgroups, 70000, (long)list, 0));
  show("setgroups bad address", raw(SYS_setgroups, 1, 8, 0));
  show("getresuid bad address", raw(SYS_getresuid, 8, 0, 0));
  status("groups");
}

/* Root: every id may be set to anything; then, as uid 1000, only among its own. */
static void rules(void) {
  show("setuid(-1)", raw(SYS_setuid, -1, 0, 0));
  show("setgid(-1)", raw(SYS_setgid, -1, 0, 0));
  show("setresgid(100, 200, 300)", raw(SYS_setresgid, 100, 200, 300));
  show("setregid(-1, 400)", raw(SYS_setregid, -1, 400, 0));
  ids("after setregid(-1, 400)");
  show("setregid(500, -1)", raw(SYS_setregid, 500, -1, 0));
  ids("after setregid(500, -1)");
  show("setfsuid(7)", setfsuid(7));
  status("fsuid 7");
  show("setfsuid(0)", setfsuid(0));
  show("setresuid(1000, 1001, 1002)", raw(SYS_setresuid, 1000, 1001, 1002));
  ids("after setresuid");
  status("after setresuid");
  show("setuid(0)", raw(SYS_setuid, 0, 0, 0));
  show("setgroups as 1001", raw(SYS_setgroups, 0, 0, 0));
  show("setgid(0)", raw(SYS_setgid, 0, 0, 0));
  show("setgid(200)", raw(SYS_setgid, 200, 0, 0));
  show("setgid(500)", raw(SYS_setgid, 500, 0, 0));
  show("setresuid(1002, -1, -1)", raw(SYS_setresuid, 1002, -1, -1));
  show("setresuid(-1, 1003, -1)", raw(SYS_setresuid, -1, 1003, -1));
  show("setreuid(1001, -1)", raw(SYS_setreuid, 1001, -1, 0));
  ids("after setreuid(1001, -1)");
  show("setreuid(-1, 1002)", raw(SYS_setreuid, -1, 1002, 0));
  ids("after setreuid(-1, 1002)");
  show("setfsuid(5)", setfsuid(5));
  show("setfsuid(1001)", setfsuid(1001));
  show("setfsgid(9)", setfsgid(9));
  ids("after setfs*id");
  show("setuid(1001)", raw(SYS_setuid, 1001, 0, 0));
  ids("after setuid(1001)");
  show("setresgid(-1, -1, 200)", raw(SYS_setresgid, -1, -1, 200));
  show("setresgid(-1, 300, -1)", raw(SYS_setresgid, -1, 300, -1));
  status("uid 1001");
}

/* Root keeps its power in the saved uid: seteuid away and back. */
static void saved(void) {
  show("seteuid(1000)", seteuid(1000));
  ids("after seteuid(1000)");
  status("euid 1000");
  show("kill(parent, 0) with euid 1000, uid 0", kill(getppid(), 0));
  show("seteuid(0)", seteuid(0));
  status("euid 0 again");
  show("setuid(1000)", setuid(1000));
  ids("after setuid(1000)");
  show("setuid(0)", setuid(0));
  status("uid 1000");
}

/* exec keeps the ids, the saved ones becoming the effective ones. */
static void exec_ids(void) {
  show("setresgid(4000, 5000, 6000)", raw(SYS_setresgid, 4000, 5000, 6000));
  show("setresuid(0, 2000, 3000)", raw(SYS_setresuid, 0, 2000, 3000));
  char *argv[] = {"creds", "after-exec", NULL};
  fflush(stdout);
  execv("/proc/self/exe", argv);
  show("execv", -1);
}

/* A child that sets its ids, says it is ready, and waits to be let go. */
static pid_t target(uid_t r, uid_t e, uid_t s, int ready[2], int hold[2]) {
  pid_t p = fork();
  if (p == 0) {
    close(ready[0]);
    close(hold[1]);
    raw(SYS_setresuid, r, e, s);
    write(ready[1], "x", 1);
    char c;
    read(hold[0], &c, 1);
    _exit(0);
  }
  return p;
}

static void kills(void) {
  int ready[2], hold[2];
  pipe(ready);
  pipe(hold);
  /* One after the other, so that their calls come in the same order each run. */
  char c;
  pid_t other = target(3000, 3000, 3000, ready, hold);
  read(ready[0], &c, 1);
  pid_t saved = target(3000, 3000, 1000, ready, hold);
  read(ready[0], &c, 1);
  pid_t p = fork_flushed();
  if (p == 0) {
    setsid();
    raw(SYS_setresuid, 1000, 1000, 1000);
    show("kill(root parent, 0)", kill(getppid(), 0));
    show("kill(uid 3000, 0)", kill(other, 0));
    show("kill(uid 3000, SIGUSR1)", kill(other, SIGUSR1));
    show("kill(uid 3000, SIGCONT), another session", kill(other, SIGCONT));
    show("tgkill(uid 3000, SIGUSR1)", raw(SYS_tgkill, other, other, SIGUSR1));
    siginfo_t si = {.si_code = SI_QUEUE};
    show("rt_sigqueueinfo(uid 3000)", raw(SYS_rt_sigqueueinfo, other, SIGUSR1, (long)&si));
    show("kill(saved uid 1000, 0)", kill(saved, 0));
    show("kill(own group, 0)", kill(0, 0));
    show("kill(self, 0)", kill(getpid(), 0));
    exit_flushed();
  }
  waitpid(p, NULL, 0);
  /* The same, in the targets' session: SIGCONT goes. */
  p = fork_flushed();
  if (p == 0) {
    raw(SYS_setresuid, 1000, 1000, 1000);
    show("kill(uid 3000, SIGCONT), same session", kill(other, SIGCONT));
    exit_flushed();
  }
  waitpid(p, NULL, 0);
  close(hold[1]);
  int st;
  waitpid(other, &st, 0);
  printf("uid 3000 target: %s\n", WIFEXITED(st) ? "exited" : "killed");
  waitpid(saved, &st, 0);
}

/* A uid no other process has: natively, other runs of this program may go on beside this one. */
static uid_t own_uid(uid_t base) {
  return base + getpid() % 10000;
}

static void limits(void) {
  uid_t user = own_uid(40000);
  setpgid(0, 0);
  int n0 = getpriority(PRIO_PROCESS, 0);
  struct rlimit memlock = {8192, 8192};
  /* The call itself: musl has sched_setscheduler return ENOSYS. */
  struct sched_param sp = {0};
  show("root: SCHED_OTHER with SCHED_RESET_ON_FORK", raw(SYS_sched_setscheduler, 0, SCHED_OTHER | SCHED_RESET_ON_FORK, (long)&sp));
  show("setrlimit MEMLOCK 8192", setrlimit(RLIMIT_MEMLOCK, &memlock));
  char *area = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  show("root: mlock 16 KiB past RLIMIT_MEMLOCK", mlock(area, 4 * 4096));
  munlock(area, 4 * 4096);
  show("setuid(user)", setuid(user));
  show("mlock 16 KiB", mlock(area, 4 * 4096));
  show("mlock 8 KiB", mlock(area, 2 * 4096));
  show("mlock 4 KiB more", mlock(area + 2 * 4096, 4096));
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_MEMLOCK, &none);
  show("mlock with RLIMIT_MEMLOCK 0", mlock(area + 3 * 4096, 4096));
  show("setpriority(+3)", setpriority(PRIO_PROCESS, 0, n0 + 3));
  show("setpriority(+1)", setpriority(PRIO_PROCESS, 0, n0 + 1));
  printf("nice now +%d\n", getpriority(PRIO_PROCESS, 0) - n0);
  show("setpriority(PRIO_USER, own uid, +3)", setpriority(PRIO_USER, user, n0 + 3));
  show("SCHED_OTHER, SCHED_RESET_ON_FORK dropped", raw(SYS_sched_setscheduler, 0, SCHED_OTHER, (long)&sp));
  show("SCHED_IDLE", raw(SYS_sched_setscheduler, 0, SCHED_IDLE | SCHED_RESET_ON_FORK, (long)&sp));
  show("SCHED_IDLE back to SCHED_OTHER past RLIMIT_NICE", raw(SYS_sched_setscheduler, 0, SCHED_OTHER | SCHED_RESET_ON_FORK, (long)&sp));
  sp.sched_priority = 1;
  show("SCHED_FIFO without RLIMIT_RTPRIO", raw(SYS_sched_setscheduler, 0, SCHED_FIFO | SCHED_RESET_ON_FORK, (long)&sp));
  sp.sched_priority = 0;
  show("ioprio_set: best-effort", raw(SYS_ioprio_set, 1, 0, 2 << 13 | 4));
  show("ioprio_set: real-time", raw(SYS_ioprio_set, 1, 0, 1 << 13 | 4));
  int hold[2];
  pipe(hold);
  pid_t kid = fork_flushed();
  if (kid == 0) {
    char c;
    close(hold[1]);
    read(hold[0], &c, 1);
    /* Its parent has set its RLIMIT_AS to 32 MiB. */
    _exit(mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? 1 : 0);
  }
  show("setpriority(root parent, +5)", setpriority(PRIO_PROCESS, getppid(), n0 + 5));
  printf("getpriority(root parent): +%d\n", getpriority(PRIO_PROCESS, getppid()) - n0);
  show("setpriority(own child, +5)", setpriority(PRIO_PROCESS, kid, n0 + 5));
  show("setpriority(own child, +4)", setpriority(PRIO_PROCESS, kid, n0 + 4));
  printf("getpriority(own child): +%d\n", getpriority(PRIO_PROCESS, kid) - n0);
  show("setpriority(PRIO_PGRP, 0, +6)", setpriority(PRIO_PGRP, 0, n0 + 6));
  printf("getpriority(PRIO_PGRP, 0): +%d\n", getpriority(PRIO_PGRP, 0) - n0);
  show("setpriority(PRIO_PROCESS, no such pid)", setpriority(PRIO_PROCESS, 999999, n0));
  struct rlimit lim = {4 << 20, 4 << 20}, got;
  show("prlimit(root parent, STACK, get)", prlimit(getppid(), RLIMIT_STACK, NULL, &got));
  show("prlimit(own child, STACK, set 4 MiB)", prlimit(kid, RLIMIT_STACK, &lim, NULL));
  show("prlimit(own child, STACK, get)", prlimit(kid, RLIMIT_STACK, NULL, &got));
  printf("own child's stack limit: %lu %lu\n", (unsigned long)got.rlim_cur, (unsigned long)got.rlim_max);
  struct rlimit as = {32 << 20, 32 << 20};
  show("prlimit(own child, AS, 32 MiB)", prlimit(kid, RLIMIT_AS, &as, NULL));
  close(hold[1]);
  int st;
  waitpid(kid, &st, 0);
  printf("own child's mmap of 64 MiB: %s\n", WEXITSTATUS(st) ? "refused" : "made");
  struct rlimit r;
  getrlimit(RLIMIT_NOFILE, &r);
  struct rlimit up = {r.rlim_cur, r.rlim_max + 1}, down = {r.rlim_cur - 1, r.rlim_max - 1}, back = {r.rlim_cur, r.rlim_max};
  show("setrlimit NOFILE hard +1", setrlimit(RLIMIT_NOFILE, &up));
  show("prlimit NOFILE hard +1, old", prlimit(0, RLIMIT_NOFILE, &up, &r));
  show("setrlimit NOFILE hard -1", setrlimit(RLIMIT_NOFILE, &down));
  show("setrlimit NOFILE back up", setrlimit(RLIMIT_NOFILE, &back));
}

/* RLIMIT_NPROC counts the tasks of the real uid until they are reaped; root's are not limited. */
static void nproc(void) {
  struct rlimit two = {2, 2};
  setrlimit(RLIMIT_NPROC, &two);
  pid_t a = fork();
  if (a == 0) _exit(0);
  pid_t b = fork();
  if (b == 0) _exit(0);
  printf("root forks past RLIMIT_NPROC: %s\n", a > 0 && b > 0 ? "yes" : "no");
  waitpid(a, NULL, 0);
  waitpid(b, NULL, 0);
  setuid(own_uid(50000));
  a = fork();
  if (a == 0) _exit(0);
  show("a user's second task", a > 0);
  b = fork();
  show("third task, the second a zombie", b);
  if (b == 0) _exit(0);
  waitpid(a, NULL, 0);
  b = fork();
  if (b == 0) _exit(0);
  show("third task, the second reaped", b > 0);
  waitpid(b, NULL, 0);
}

/* SCM_CREDENTIALS: with `uid` given, that pid, uid and gid; else what the kernel adds. @return sendmsg's result */
static long send_creds(int fd, int explicit, pid_t pid, uid_t uid, gid_t gid) {
  char ctl[CMSG_SPACE(sizeof(struct ucred))] = {0};
  struct iovec iov = {"x", 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
  if (explicit) {
    m.msg_control = ctl;
    m.msg_controllen = sizeof ctl;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred u = {pid, uid, gid};
    memcpy(CMSG_DATA(c), &u, sizeof u);
  }
  return sendmsg(fd, &m, 0);
}

static void recv_creds(int fd, const char *what) {
  char ctl[CMSG_SPACE(sizeof(struct ucred))], b;
  struct iovec iov = {&b, 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
  recvmsg(fd, &m, 0);
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  struct ucred u;
  memcpy(&u, CMSG_DATA(c), sizeof u);
  printf("%s: pid %s, uid %u, gid %u\n", what, u.pid == getpid() ? "own" : "another", u.uid, u.gid);
}

/* A socket's peer credentials are the effective ids; the ones a message carries the real ids, or ids of its own. */
static void sockets(void) {
  raw(SYS_setresgid, 7, 8, 9);
  raw(SYS_setresuid, 1000, 1001, 1002);
  int sv[2], on = 1;
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  struct ucred peer;
  socklen_t len = sizeof peer;
  getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &peer, &len);
  printf("SO_PEERCRED: pid %s, uid %u, gid %u\n", peer.pid == getpid() ? "own" : "another", peer.uid, peer.gid);
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  show("send", send_creds(sv[0], 0, 0, 0, 0));
  recv_creds(sv[1], "SO_PASSCRED");
  show("send SCM_CREDENTIALS, the saved ids", send_creds(sv[0], 1, getpid(), 1002, 9));
  recv_creds(sv[1], "SCM_CREDENTIALS");
  show("send SCM_CREDENTIALS, another uid", send_creds(sv[0], 1, getpid(), 5, 9));
  show("send SCM_CREDENTIALS, another gid", send_creds(sv[0], 1, getpid(), 1000, 5));
  show("send SCM_CREDENTIALS, another pid", send_creds(sv[0], 1, getppid(), 1000, 7));
}

/* RLIMIT_SIGPENDING counts the signals queued to a user's tasks: root's do not count against another user. */
static void sigpending_user(void) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  union sigval v = {0};
  for (int i = 0; i < 3; i++) sigqueue(getpid(), SIGRTMIN, v);
  pid_t p = fork_flushed();
  if (p == 0) {
    setuid(own_uid(40000));
    struct rlimit r = {4, 4};
    setrlimit(RLIMIT_SIGPENDING, &r);
    int n = 0;
    while (sigqueue(getpid(), SIGRTMIN, v) == 0) n++;
    printf("queued %d as another user, then %s\n", n, errname(errno));
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (fgets(line, sizeof line, f))
      if (!strncmp(line, "SigQ:", 5)) printf("%s", line);
    fclose(f);
    exit_flushed();
  }
  waitpid(p, NULL, 0);
}

struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

/* capget and capset: root drops capabilities from its sets, and what they gate follows. */
static void caps(void) {
  struct cap_header h = {0x20080522, 0};
  struct cap_data d[2];
  show("capget", raw(SYS_capget, (long)&h, (long)d, 0));
  printf("CAP_KILL %u, CAP_SETUID %u, CAP_SYS_NICE %u in effect; inheritable %#x\n", d[0].effective >> 5 & 1, d[0].effective >> 7 & 1,
    d[0].effective >> 23 & 1, d[0].inheritable);
  int ready[2], hold[2];
  pipe(ready);
  pipe(hold);
  pid_t other = target(3000, 3000, 3000, ready, hold);
  char c;
  read(ready[0], &c, 1);
  d[0].effective &= ~(1u << 5);
  show("capset: CAP_KILL out of effect", raw(SYS_capset, (long)&h, (long)d, 0));
  status("no CAP_KILL");
  show("kill(uid 3000, 0) without CAP_KILL", kill(other, 0));
  d[0].effective |= 1u << 5;
  show("capset: CAP_KILL back", raw(SYS_capset, (long)&h, (long)d, 0));
  show("kill(uid 3000, 0)", kill(other, 0));
  d[0].effective &= ~(1u << 23);
  d[0].permitted &= ~(1u << 23);
  show("capset: CAP_SYS_NICE dropped", raw(SYS_capset, (long)&h, (long)d, 0));
  show("setpriority below the current nice", setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) - 1));
  d[0].permitted |= 1u << 23;
  show("capset: CAP_SYS_NICE permitted again", raw(SYS_capset, (long)&h, (long)d, 0));
  d[0].permitted &= ~(1u << 23);
  d[0].inheritable = 1u << 23;
  show("capset: CAP_SYS_NICE inheritable, with CAP_SETPCAP", raw(SYS_capset, (long)&h, (long)d, 0));
  d[0].effective &= ~(1u << 8);
  d[0].inheritable = 1u << 23 | 1u << 5;
  show("capset: CAP_SETPCAP out of effect, CAP_KILL inheritable too", raw(SYS_capset, (long)&h, (long)d, 0));
  d[0].inheritable = 1u << 5;
  show("capset: CAP_SYS_NICE no longer inheritable", raw(SYS_capset, (long)&h, (long)d, 0));
  d[0].inheritable = 1u << 5 | 1u << 23;
  show("capset: CAP_SYS_NICE inheritable again, without CAP_SETPCAP", raw(SYS_capset, (long)&h, (long)d, 0));
  h.pid = getppid();
  show("capset of another process", raw(SYS_capset, (long)&h, (long)d, 0));
  h.pid = other;
  show("capget of uid 3000", raw(SYS_capget, (long)&h, (long)d, 0));
  printf("its sets: %#x %#x %#x\n", d[0].effective, d[0].permitted, d[0].inheritable);
  h.pid = 0;
  h.version = 0x12345;
  show("capget of a version unknown", raw(SYS_capget, (long)&h, (long)d, 0));
  printf("version written back: %#x\n", h.version);
  h.version = 0x12345;
  show("capget of a version unknown, no data", raw(SYS_capget, (long)&h, 0, 0));
  h.version = 0x20080522;
  show("capget, data at a bad address", raw(SYS_capget, (long)&h, 8, 0));
  raw(SYS_capget, (long)&h, (long)d, 0);
  printf("inheritable %#x; CAP_SYS_NICE %u, CAP_SETPCAP %u permitted\n", d[0].inheritable, d[0].permitted >> 23 & 1, d[0].permitted >> 8 & 1);
  status("caps");
  close(hold[1]);
  waitpid(other, NULL, 0);
}

/* set*uid to a user past RLIMIT_NPROC goes; the execve after it does not. */
static void nproc_exec(void) {
  uid_t user = own_uid(40000);
  struct rlimit zero = {0, 0};
  setrlimit(RLIMIT_NPROC, &zero);
  int ready[2], hold[2];
  pipe(ready);
  pipe(hold);
  pid_t h = fork_flushed();
  if (h == 0) {
    char c;
    setuid(user);
    write(ready[1], "x", 1);
    close(hold[1]);
    read(hold[0], &c, 1);
    _exit(0);
  }
  char c;
  read(ready[0], &c, 1);
  show("setuid(user), another task of the user running", setuid(user));
  char *argv[] = {"creds", "after-exec", NULL};
  show("execv", execv("/proc/self/exe", argv));
  close(hold[1]);
  waitpid(h, NULL, 0);
}

static void in_child(const char *name, void (*part)(void)) {
  pid_t p = fork_flushed();
  if (p == 0) {
    printf("-- %s\n", name);
    part();
    exit_flushed();
  }
  int st;
  waitpid(p, &st, 0);
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "after-exec")) {
    ids("after exec");
    status("after exec");
    printf("auxv: AT_UID %lu AT_EUID %lu AT_GID %lu AT_EGID %lu AT_SECURE %lu\n", getauxval(AT_UID), getauxval(AT_EUID), getauxval(AT_GID),
      getauxval(AT_EGID), getauxval(AT_SECURE));
    return 0;
  }
  ids("start");
  status("start");
  in_child("groups", groups);
  in_child("rules", rules);
  in_child("saved", saved);
  in_child("exec", exec_ids);
  in_child("kill", kills);
  in_child("sockets", sockets);
  in_child("sigpending", sigpending_user);
  in_child("capabilities", caps);
  in_child("limits", limits);
  in_child("nproc", nproc);
  in_child("nproc exec", nproc_exec);
  return 0;
}
