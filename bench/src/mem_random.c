/* Memory-heavy workload over a 64 MiB array: random read-modify-writes (TLB- and
 * cache-missing loads and stores), a dependent pointer chase (load latency through the
 * emulator's address translation), and big memcpy/memset (the libc string routines). */
#include "common.h"
#include <string.h>

#define WORDS (64u << 20) / 8 /* 64 MiB of uint64_t */

int main(int argc, char **argv) {
    long scale = bench_scale(argc, argv, 10);
    uint64_t *a = malloc((size_t)WORDS * 8);
    uint64_t *copy = malloc((size_t)WORDS * 8 / 4);
    if (!a || !copy)
        return 1;
    for (uint64_t i = 0; i < WORDS; i++)
        a[i] = i * 0x9e3779b97f4a7c15ULL;
    uint64_t x = 88172645463325252ULL, acc = 0;
    for (long round = 0; round < scale; round++) {
        /* Random read-modify-write. */
        for (int i = 0; i < 2000000; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            uint64_t *p = &a[x & (WORDS - 1)];
            *p = *p * 3 + (uint64_t)i;
            acc += *p;
        }
        /* A pointer chase: each load's address depends on the previous load. */
        uint64_t idx = (uint64_t)round;
        for (int i = 0; i < 1000000; i++) {
            idx = (a[idx & (WORDS - 1)] >> 3) ^ (uint64_t)i;
            acc ^= idx;
        }
        /* Streaming: 16 MiB copies and fills. */
        memcpy(copy, a + (round & 3) * (WORDS / 4), (size_t)WORDS * 8 / 4);
        memset(a + ((round + 1) & 3) * (WORDS / 4), round & 0xff, (size_t)WORDS * 8 / 8);
        acc += copy[round * 4099 % (WORDS / 4)];
    }
    bench_report("mem_random", acc);
    free(copy);
    free(a);
    return 0;
}
