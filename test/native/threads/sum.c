/* N threads each sum their own range into a per-thread slot; main joins
   them in order and prints every slot and the total. */
#include <pthread.h>
#include <stdio.h>

#define N 8
#define PER 200000L

static long slots[N];

static void *sum(void *arg) {
  long i = (long)arg, s = 0;
  for (long x = i * PER; x < (i + 1) * PER; x++) s += x % 1000;
  slots[i] = s;
  return (void *)(i + 100);
}

int main(void) {
  pthread_t t[N];
  for (long i = 0; i < N; i++)
    if (pthread_create(&t[i], NULL, sum, (void *)i) != 0) return 1;
  long total = 0;
  for (int i = 0; i < N; i++) {
    void *ret;
    if (pthread_join(t[i], &ret) != 0) return 2;
    printf("thread %d: slot %ld, returned %ld\n", i, slots[i], (long)ret);
    total += slots[i];
  }
  printf("total %ld\n", total);
  return 0;
}
