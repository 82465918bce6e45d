/* Timers and sleeps on CPU-time clocks: a POSIX timer on the thread's own
 * clock (CLOCK_THREAD_CPUTIME_ID) fires once the thread has run that long;
 * one on another thread's clock by id; clock_nanosleep on the process's
 * clock while another thread runs; the clocks clock_nanosleep refuses
 * (CLOCK_THREAD_CPUTIME_ID, the caller's own thread clock by id) and an id
 * naming no thread. Times print as comparisons only. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The kernel's CPU clock ids: ~pid << 3 | per-thread 4 | CPUCLOCK_SCHED 2. */
#define THREAD_CLOCK(tid) ((clockid_t)((~(unsigned)(tid) << 3) | 6))

static volatile int stop;
static volatile unsigned long spins;
static volatile sig_atomic_t got;
static volatile pid_t burner_tid;

static void on_signal(int sig)
{
	(void)sig;
	got++;
}

static void *burn(void *arg)
{
	burner_tid = syscall(SYS_gettid);
	while (!stop) spins++;
	return arg;
}

static long long ns(clockid_t clock)
{
	struct timespec t;
	if (clock_gettime(clock, &t) != 0) return -1;
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void show(const char *what, long r, int err)
{
	printf("%-40s %ld %s\n", what, r, r < 0 ? strerror(err) : "");
}

int main(void)
{
	struct timespec ts = { 0, 20000000 };
	long r = syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL);
	show("clock_nanosleep thread clock", r, errno);
	r = syscall(SYS_clock_nanosleep, THREAD_CLOCK(0), 0, &ts, NULL);
	show("clock_nanosleep own thread clock by id", r, errno);
	r = syscall(SYS_clock_nanosleep, THREAD_CLOCK(syscall(SYS_gettid)), 0, &ts, NULL);
	show("clock_nanosleep own thread clock by tid", r, errno);

	signal(SIGUSR1, on_signal);
	struct sigevent ev = { 0 };
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	timer_t t, other;
	show("timer_create thread clock", timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &t), errno);
	struct itimerspec its = { { 0, 0 }, { 0, 20000000 } }, left;
	show("timer_settime 20 ms of CPU", timer_settime(t, 0, &its, NULL), errno);
	timer_gettime(t, &left);
	printf("armed: %d\n", left.it_value.tv_sec == 0 && left.it_value.tv_nsec > 0 && left.it_value.tv_nsec <= 20000000);
	while (!got) spins++;
	printf("thread timer fired %d\n", (int)got);
	timer_gettime(t, &left);
	printf("disarmed: %d\n", left.it_value.tv_sec == 0 && left.it_value.tv_nsec == 0);

	pthread_t th;
	pthread_create(&th, NULL, burn, NULL);
	while (!burner_tid) sched_yield();
	got = 0;
	show("timer_create the other thread's clock", timer_create(THREAD_CLOCK(burner_tid), &ev, &other), errno);
	show("timer_settime 20 ms of its CPU", timer_settime(other, 0, &its, NULL), errno);
	show("timer_create no such thread", timer_create(THREAD_CLOCK(999999), &ev, &other), errno);
	struct timespec before, after;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &before);
	r = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &ts, NULL);
	show("clock_nanosleep process clock 20 ms", r, r);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &after);
	long ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
	printf("process ran >= 20 ms meanwhile: %d\n", ms >= 20);
	while (!got) sched_yield();
	printf("other thread's timer fired %d\n", (int)got);

	/* Reading the clocks: each thread's is its own, the process's sums them, by id too. */
	clockid_t burner_clock, own_clock;
	pthread_getcpuclockid(th, &burner_clock);
	clock_getcpuclockid(getpid(), &own_clock);
	long long burner = ns(burner_clock), main_thread = ns(CLOCK_THREAD_CPUTIME_ID), process = ns(CLOCK_PROCESS_CPUTIME_ID);
	printf("the other thread's clock by id: 20 ms or more: %d\n", burner >= 20000000);
	printf("this thread's clock below the process's: %d\n", main_thread >= 0 && main_thread < process);
	printf("the process's clock by pid: at least its own reading: %d\n", ns(own_clock) >= process);
	stop = 1;
	pthread_join(th, NULL);

	/* A child's CPU time is its own: it starts near 0, and its 50 ms are not the parent's. */
	long long before_child = ns(CLOCK_PROCESS_CPUTIME_ID);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		long long start = ns(CLOCK_PROCESS_CPUTIME_ID);
		printf("child's clock starts below 10 ms: %d\n", start >= 0 && start < 10000000);
		while (ns(CLOCK_PROCESS_CPUTIME_ID) - start < 50000000)
			for (int i = 0; i < 100000; i++) spins++;
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("the parent ran under 25 ms meanwhile: %d\n", ns(CLOCK_PROCESS_CPUTIME_ID) - before_child < 25000000);
	return 0;
}
