/* Shared by the benchmark programs: argument parsing and the checksum line.
 * Every program prints one line "name: checksum" so the harness can check that emu, QEMU
 * and the native build computed the same thing (a fast wrong answer is not a result). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The work scale: argv[1] if given (the harness's --quick passes a smaller one), else the
 * default calibrated to take a few seconds under QEMU. */
static inline long bench_scale(int argc, char **argv, long default_scale) {
    if (argc > 1) {
        long s = strtol(argv[1], NULL, 10);
        if (s > 0)
            return s;
    }
    return default_scale;
}

/* The optimiser must not delete work whose result is only printed as a checksum. */
static inline void bench_report(const char *name, uint64_t checksum) {
    printf("%s: %016llx\n", name, (unsigned long long)checksum);
}
#endif
