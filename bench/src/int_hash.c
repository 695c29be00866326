/* Integer-heavy workload: 64-bit multiply/shift/rotate hashing, division and modulo, and a
 * bit-array sieve, all on data that fits in L1/L2, so the time is the ALU path of the
 * translated code (flags, shifts, UDIV, MADD/UMULH), not memory. */
#include "common.h"

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* splitmix64 / murmur3-style finalizer: multiplies, xors and shifts. */
static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* xoshiro256** PRNG. */
static uint64_t s[4] = {1, 2, 3, 4};
static uint64_t next(void) {
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static uint64_t gcd(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Count primes below n with a bit-per-odd-number sieve (n/16 bytes: 64 KiB for 1M). */
static uint64_t sieve(uint32_t n) {
    static uint8_t bits[(1u << 20) / 16 + 1];
    uint32_t count = 1; /* 2 */
    for (uint32_t i = 0; i < sizeof bits; i++)
        bits[i] = 0;
    for (uint32_t i = 3; i < n; i += 2) {
        if (bits[i >> 4] & (1u << ((i >> 1) & 7)))
            continue;
        count++;
        for (uint64_t j = (uint64_t)i * i; j < n; j += 2 * i)
            bits[j >> 4] |= (uint8_t)(1u << ((j >> 1) & 7));
    }
    return count;
}

int main(int argc, char **argv) {
    long scale = bench_scale(argc, argv, 10);
    uint64_t acc = 0;
    for (long round = 0; round < scale; round++) {
        for (uint64_t i = 0; i < 2000000; i++)
            acc += mix(i + (uint64_t)round) ^ next();
        for (uint64_t i = 1; i < 200000; i++)
            acc += gcd(next() | 1, i * 2654435761u + 1);
        acc = rotl(acc, 13) ^ sieve(1u << 20);
    }
    bench_report("int_hash", acc);
    return 0;
}
