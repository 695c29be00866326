// pthreads: several threads updating a mutex-protected counter and an atomic counter,
// a producer/consumer queue on a condition variable, thread-local storage, and joins with
// return values. Only order-independent totals are printed, so the output is deterministic.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

enum { THREADS = 4, ITERATIONS = 20000, ITEMS = 3000, QUEUE = 8 };

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long locked_counter;
static long atomic_counter;
static __thread long thread_local_sum;  // TLS: each thread's own copy (TPIDR_EL0-relative)

static void *count(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < ITERATIONS; i++) {
        pthread_mutex_lock(&counter_lock);
        locked_counter += id + 1;
        pthread_mutex_unlock(&counter_lock);
        __atomic_fetch_add(&atomic_counter, 2, __ATOMIC_SEQ_CST);
        thread_local_sum += i;
    }
    return (void *)(thread_local_sum + id);
}

static struct {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    int items[QUEUE];
    int head, count, done;
} queue = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0, 0};

static void *produce(void *arg) {
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&queue.lock);
        while (queue.count == QUEUE) pthread_cond_wait(&queue.not_full, &queue.lock);
        queue.items[(queue.head + queue.count) % QUEUE] = i;
        queue.count++;
        pthread_cond_signal(&queue.not_empty);
        pthread_mutex_unlock(&queue.lock);
    }
    pthread_mutex_lock(&queue.lock);
    queue.done = 1;
    pthread_cond_broadcast(&queue.not_empty);
    pthread_mutex_unlock(&queue.lock);
    return NULL;
}

static void *consume(void *arg) {
    long *totals = arg;  // [sum, count]
    for (;;) {
        pthread_mutex_lock(&queue.lock);
        while (queue.count == 0 && !queue.done) pthread_cond_wait(&queue.not_empty, &queue.lock);
        if (queue.count == 0 && queue.done) {
            pthread_mutex_unlock(&queue.lock);
            return NULL;
        }
        int item = queue.items[queue.head];
        queue.head = (queue.head + 1) % QUEUE;
        queue.count--;
        pthread_cond_signal(&queue.not_full);
        pthread_mutex_unlock(&queue.lock);
        totals[0] += item;
        totals[1]++;
    }
}

int main(void) {
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, count, (void *)t);
    long returned = 0;
    for (int t = 0; t < THREADS; t++) {
        void *value;
        pthread_join(threads[t], &value);
        returned += (long)value;
    }
    printf("mutex counter %ld (expected %ld)\n", locked_counter, (long)ITERATIONS * (1 + 2 + 3 + 4));
    printf("atomic counter %ld (expected %ld)\n", atomic_counter, (long)ITERATIONS * THREADS * 2);
    printf("thread-local sums %ld, main thread's own %ld\n", returned, thread_local_sum);

    pthread_t producer, consumers[3];
    long totals[3][2] = {{0}};
    pthread_create(&producer, NULL, produce, NULL);
    for (int c = 0; c < 3; c++) pthread_create(&consumers[c], NULL, consume, totals[c]);
    pthread_join(producer, NULL);
    long sum = 0, items = 0;
    for (int c = 0; c < 3; c++) {
        pthread_join(consumers[c], NULL);
        sum += totals[c][0];
        items += totals[c][1];
    }
    printf("queue: %ld items, sum %ld (expected %d)\n", items, sum, ITEMS * (ITEMS + 1) / 2);
    return 0;
}
