/* A producer and two consumers over a small ring guarded by a mutex and two
   condition variables: every item is consumed once, whatever the interleaving. */
#include <pthread.h>
#include <stdio.h>

#define ITEMS 3000
#define RING 4

static int ring[RING], head, count, done;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER, nonfull = PTHREAD_COND_INITIALIZER;

static void *producer(void *arg) {
  (void)arg;
  for (int i = 1; i <= ITEMS; i++) {
    pthread_mutex_lock(&lock);
    while (count == RING) pthread_cond_wait(&nonfull, &lock);
    ring[(head + count++) % RING] = i;
    pthread_cond_signal(&nonempty);
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_lock(&lock);
  done = 1;
  pthread_cond_broadcast(&nonempty);
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void *consumer(void *arg) {
  long *sum = arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (count == 0 && !done) pthread_cond_wait(&nonempty, &lock);
    if (count == 0) { pthread_mutex_unlock(&lock); return NULL; }
    int v = ring[head];
    head = (head + 1) % RING;
    count--;
    pthread_cond_signal(&nonfull);
    pthread_mutex_unlock(&lock);
    sum[0] += v;
    sum[1]++;
  }
}

int main(void) {
  pthread_t p, c[2];
  long sums[2][2] = {{0, 0}, {0, 0}};
  pthread_create(&c[0], NULL, consumer, sums[0]);
  pthread_create(&c[1], NULL, consumer, sums[1]);
  pthread_create(&p, NULL, producer, NULL);
  pthread_join(p, NULL);
  pthread_join(c[0], NULL);
  pthread_join(c[1], NULL);
  printf("consumed %ld items, sum %ld (expected %d)\n", sums[0][1] + sums[1][1], sums[0][0] + sums[1][0], ITEMS * (ITEMS + 1) / 2);
  return 0;
}
