// Helpers of the timer probes: itimerspec values in ns, their rounded
// display (a native run takes real time), an errno line, a sleep that goes
// on through signals, and a time some ms later.
#ifndef PROBE_TIMESPEC_H
#define PROBE_TIMESPEC_H
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static inline void errno_of(const char *what, long r) {
  printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static inline struct itimerspec its(long value_ns, long interval_ns) {
  struct itimerspec v = {{interval_ns / 1000000000, interval_ns % 1000000000}, {value_ns / 1000000000, value_ns % 1000000000}};
  return v;
}

/* An itimerspec to a tenth of a second. */
static inline void show(const char *what, struct itimerspec v) {
  printf("%s: value %.1f interval %.1f\n", what, v.it_value.tv_sec + v.it_value.tv_nsec / 1e9,
         v.it_interval.tv_sec + v.it_interval.tv_nsec / 1e9);
}

static inline void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&t, &t) == -1 && errno == EINTR) {}
}

/* `clock`'s time `ms` from now. */
static inline struct timespec in_ms(clockid_t clock, long ms) {
  struct timespec t;
  clock_gettime(clock, &t);
  t.tv_nsec += ms * 1000000;
  t.tv_sec += t.tv_nsec / 1000000000;
  t.tv_nsec %= 1000000000;
  return t;
}
#endif
