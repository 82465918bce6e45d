/* __thread variables: each thread sees its own copy, initialised from the
   TLS image, and main's copy is untouched by the others. */
#include <pthread.h>
#include <stdio.h>

static __thread long counter = 7;
static __thread char name[16] = "main";
static long *main_counter;

static void *work(void *arg) {
  long n = (long)arg;
  snprintf(name, sizeof name, "thread%ld", n);
  for (long i = 0; i < n * 1000; i++) counter++;
  printf("%s: counter %ld, &counter differs from main's: %d\n", name, counter, &counter != main_counter);
  return (void *)counter;
}

int main(void) {
  counter = 1;
  main_counter = &counter;
  for (long i = 1; i <= 4; i++) {
    pthread_t t;
    void *ret;
    pthread_create(&t, NULL, work, (void *)i);
    pthread_join(t, &ret);
    printf("joined %ld: %ld\n", i, (long)ret);
  }
  printf("%s: counter %ld\n", name, counter);
  return 0;
}
