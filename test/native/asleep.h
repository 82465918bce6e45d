// wait_asleep for the probes: a way to know, natively too, that a thread
// or process sleeps in the kernel before the call that should find it there.
#ifndef PROBE_ASLEEP_H
#define PROBE_ASLEEP_H
#include <sched.h>
#include <stdio.h>
#include <string.h>

/* Until the task's state in /proc/<tid>/stat is S: asleep in the one call the probe has it make that sleeps. */
static void wait_asleep(pid_t tid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", tid);
  for (;;) {
    FILE *f = fopen(path, "r");
    int asleep = f && fgets(buf, sizeof buf, f) && strrchr(buf, ')')[2] == 'S';
    if (f) fclose(f);
    if (asleep) return;
    sched_yield();
  }
}
#endif
