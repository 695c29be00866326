#include <stdint.h>
#include <arm_acle.h>
uint64_t collatz_steps(uint64_t n) { uint64_t s = 0; while (n != 1) { n = (n & 1) ? 3*n + 1 : n >> 1; s++; } return s; }
uint64_t isqrt(uint64_t n) { if (n < 2) return n; int shift = (64 - __builtin_clzll(n)) & ~1; uint64_t r = 0; while (shift >= 0) { r <<= 1; uint64_t c = r + 1; if (c*c <= (n >> shift)) r = c; shift -= 2; } return r; }
uint64_t fnv1a(uint64_t v) { uint64_t h = 0xcbf29ce484222325ull; for (int i = 0; i < 8; i++) { h ^= (v >> (8*i)) & 0xff; h *= 0x100000001b3ull; } return h; }
uint64_t gcd(uint64_t a, uint64_t b) { while (b) { uint64_t t = a % b; a = b; b = t; } return a; }
int64_t divmix(int64_t x) { return x / 7 + x % 10 + (int32_t)x / 3 + (uint32_t)x / 1000 + (x >> 3) / -5; }
uint32_t crcc(uint64_t x, uint32_t acc) { return __crc32cd(__crc32w(acc, (uint32_t)x), x); }
uint64_t bits(uint64_t x) { uint32_t w = (uint32_t)x; return (uint64_t)__builtin_clzll(x | 1) + __builtin_ctzll(x | (1ull<<63)) * 100 + (uint64_t)__builtin_bswap32(w) * 7 + ((x >> 13) & 0x3ff) + (uint64_t)(((int64_t)x << 7) >> 19) + (int64_t)(int16_t)(x >> 20) + __builtin_clrsbll((int64_t)x); }
