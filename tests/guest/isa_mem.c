// Loads and stores in every A64 addressing mode (unsigned offset, unscaled, pre/post-index,
// register offset with each extend, PC-relative literal, pairs), sign-extending loads,
// acquire/release, exclusives (LDXR/STXR loops, pairs, CLREX) and the LSE atomics
// (LDADD/LDCLR/LDEOR/LDSET/LD[SU]MAX/LD[SU]MIN/SWP/CAS/CASP in every size and ordering).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t u64;

static uint8_t buf[256] __attribute__((aligned(16)));

static void fill(void) {
    for (unsigned i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)(i * 37 + 11) ^ (i >> 3);
}

static void dump(const char *what) {
    u64 h = 1469598103934665603ull;  // FNV-1a of the buffer, plus its first 32 bytes in full
    for (unsigned i = 0; i < sizeof(buf); i++) h = (h ^ buf[i]) * 1099511628211ull;
    printf("%-10s %016llx ", what, (unsigned long long)h);
    for (unsigned i = 0; i < 32; i++) printf("%02x", buf[i]);
    putchar('\n');
}

static void loads(void) {
    puts("== loads");
    fill();
    uint8_t *p = buf + 64;
    u64 r[24];
    asm volatile("ldrb %w0, [%1, #3]" : "=r"(r[0]) : "r"(p));
    asm volatile("ldrsb %w0, [%1, #5]" : "=r"(r[1]) : "r"(p));
    asm volatile("ldrsb %0, [%1, #6]" : "=r"(r[2]) : "r"(p));
    asm volatile("ldrh %w0, [%1, #10]" : "=r"(r[3]) : "r"(p));
    asm volatile("ldrsh %w0, [%1, #12]" : "=r"(r[4]) : "r"(p));
    asm volatile("ldrsh %0, [%1, #14]" : "=r"(r[5]) : "r"(p));
    asm volatile("ldr %w0, [%1, #20]" : "=r"(r[6]) : "r"(p));
    asm volatile("ldrsw %0, [%1, #24]" : "=r"(r[7]) : "r"(p));
    asm volatile("ldr %0, [%1, #40]" : "=r"(r[8]) : "r"(p));
    asm volatile("ldur %0, [%1, #-13]" : "=r"(r[9]) : "r"(p));  // unaligned, negative
    asm volatile("ldursh %w0, [%1, #-1]" : "=r"(r[10]) : "r"(p));
    asm volatile("ldursw %0, [%1, #7]" : "=r"(r[11]) : "r"(p));
    u64 q = (u64)p;
    asm volatile("ldr %0, [%1, #16]!" : "=r"(r[12]), "+r"(q));  // pre-index
    r[13] = q - (u64)p;
    asm volatile("ldrh %w0, [%1], #-6" : "=r"(r[14]), "+r"(q));  // post-index
    r[15] = q - (u64)p;
    u64 idx = 5, neg = (u64)-3;
    asm volatile("ldr %0, [%1, %2, lsl #3]" : "=r"(r[16]) : "r"(p), "r"(idx));
    asm volatile("ldrsh %0, [%1, %w2, sxtw #1]" : "=r"(r[17]) : "r"(p), "r"(neg));
    asm volatile("ldr %w0, [%1, %w2, uxtw]" : "=r"(r[18]) : "r"(p), "r"(idx));
    asm volatile("ldrb %w0, [%1, %2]" : "=r"(r[19]) : "r"(p), "r"(neg));
    asm volatile("ldr %0, 1f\n\tb 2f\n\t.balign 8\n1:\t.quad 0x0123456789abcdef\n2:" : "=r"(r[20]));
    asm volatile("ldrsw %0, 1f\n\tb 2f\n\t.balign 4\n1:\t.word 0x89abcdef\n2:" : "=r"(r[21]));
    asm volatile("ldar %0, [%1]" : "=r"(r[22]) : "r"(p + 8));
    asm volatile("ldarb %w0, [%1]" : "=r"(r[23]) : "r"(p + 9));
    for (int k = 0; k < 24; k++) printf("%llx%c", (unsigned long long)r[k], k % 8 == 7 ? '\n' : ' ');
    u64 a, b, c, d;
    asm volatile("ldp %0, %1, [%2, #-16]" : "=&r"(a), "=&r"(b) : "r"(p));
    asm volatile("ldp %w0, %w1, [%2, #8]" : "=&r"(c), "=&r"(d) : "r"(p));
    printf("ldp %llx %llx %llx %llx\n", (unsigned long long)a, (unsigned long long)b,
           (unsigned long long)c, (unsigned long long)d);
    asm volatile("ldpsw %0, %1, [%2, #4]" : "=&r"(a), "=&r"(b) : "r"(p));
    q = (u64)p;
    asm volatile("ldp %0, %1, [%2, #32]!" : "=&r"(c), "=&r"(d), "+r"(q));
    printf("ldpsw %llx %llx pre %llx %llx %lld\n", (unsigned long long)a, (unsigned long long)b,
           (unsigned long long)c, (unsigned long long)d, (long long)(q - (u64)p));
    asm volatile("ldp %0, %1, [%2], #-48" : "=&r"(c), "=&r"(d), "+r"(q));
    asm volatile("ldnp %0, %1, [%2, #16]" : "=&r"(a), "=&r"(b) : "r"(p));
    printf("post %llx %llx %lld ldnp %llx %llx\n", (unsigned long long)c, (unsigned long long)d,
           (long long)(q - (u64)p), (unsigned long long)a, (unsigned long long)b);
}

static void stores(void) {
    puts("== stores");
    fill();
    uint8_t *p = buf + 64;
    u64 v = 0x8899aabbccddeeffull, w = 0x0011223344556677ull;
    asm volatile("strb %w1, [%0, #1]" : : "r"(p), "r"(v) : "memory");
    asm volatile("strh %w1, [%0, #4]" : : "r"(p), "r"(v) : "memory");
    asm volatile("str %w1, [%0, #8]" : : "r"(p), "r"(v) : "memory");
    asm volatile("str %1, [%0, #16]" : : "r"(p), "r"(w) : "memory");
    asm volatile("stur %1, [%0, #-7]" : : "r"(p), "r"(v) : "memory");
    asm volatile("sturh %w1, [%0, #27]" : : "r"(p), "r"(w) : "memory");
    dump("offsets");
    u64 q = (u64)p;
    asm volatile("str %1, [%0, #-24]!" : "+r"(q) : "r"(w) : "memory");
    asm volatile("strb %w1, [%0], #100" : "+r"(q) : "r"(v) : "memory");
    printf("writeback %lld\n", (long long)(q - (u64)p));
    u64 idx = 3, neg = (u64)-9;
    asm volatile("str %1, [%0, %2, lsl #3]" : : "r"(p), "r"(v), "r"(idx) : "memory");
    asm volatile("strh %w1, [%0, %w2, sxtw #1]" : : "r"(p), "r"(w), "r"(neg) : "memory");
    asm volatile("str %w1, [%0, %w2, uxtw #2]" : : "r"(p), "r"(w), "r"(idx) : "memory");
    asm volatile("str xzr, [%0, #48]" : : "r"(p) : "memory");
    dump("regoffset");
    asm volatile("stp %1, %2, [%0, #-32]" : : "r"(p), "r"(v), "r"(w) : "memory");
    asm volatile("stp %w1, %w2, [%0, #60]" : : "r"(p), "r"(w), "r"(v) : "memory");
    q = (u64)p;
    asm volatile("stp %1, %2, [%0, #-64]!" : "+r"(q) : "r"(w), "r"(v) : "memory");
    asm volatile("stp %w1, %w2, [%0], #8" : "+r"(q) : "r"(v), "r"(v) : "memory");
    asm volatile("stnp %1, %2, [%0, #80]" : : "r"(p), "r"(v), "r"(w) : "memory");
    asm volatile("stlr %1, [%0]" : : "r"(p + 120), "r"(w) : "memory");
    asm volatile("stlrh %w1, [%0]" : : "r"(p + 130), "r"(v) : "memory");
    printf("pairs writeback %lld\n", (long long)(q - (u64)p));
    dump("pairs");
}

static void exclusives(void) {
    puts("== exclusives");
    fill();
    u64 *x = (u64 *)(buf + 16);
    uint32_t *wd = (uint32_t *)(buf + 32);
    u64 old, status, tries = 0;
    do {  // an atomic add with an LL/SC loop; it must succeed without interference
        asm volatile("ldxr %0, [%2]\n\tadd %0, %0, #0x123\n\tstxr %w1, %0, [%2]"
                     : "=&r"(old), "=&r"(status) : "r"(x) : "memory");
        tries++;
    } while (status != 0 && tries < 100);
    printf("ldxr/stxr ok=%d value %llx\n", status == 0, (unsigned long long)*x);
    asm volatile("ldaxr %w0, [%2]\n\tstlxr %w1, %w0, [%2]" : "=&r"(old), "=&r"(status) : "r"(wd) : "memory");
    printf("ldaxr/stlxr status %llu value %x\n", (unsigned long long)status, *wd);
    // A store-exclusive after CLREX must fail and leave memory alone.
    asm volatile("ldxr %0, [%2]\n\tclrex\n\tstxr %w1, xzr, [%2]" : "=&r"(old), "=&r"(status) : "r"(x) : "memory");
    printf("after clrex status %llu value %llx\n", (unsigned long long)status, (unsigned long long)*x);
    u64 a, b;
    asm volatile("ldxp %0, %1, [%3]\n\tstxp %w2, %1, %0, [%3]"
                 : "=&r"(a), "=&r"(b), "=&r"(status) : "r"(buf + 48) : "memory");
    printf("ldxp/stxp status %llu %llx %llx\n", (unsigned long long)status, (unsigned long long)a,
           (unsigned long long)b);
    asm volatile("ldxrb %w0, [%2]\n\tadd %w0, %w0, #1\n\tstxrb %w1, %w0, [%2]" : "=&r"(old), "=&r"(status) : "r"(buf + 3) : "memory");
    asm volatile("ldaxrh %w0, [%2]\n\tadd %w0, %w0, #1\n\tstlxrh %w1, %w0, [%2]" : "=&r"(old), "=&r"(status) : "r"(buf + 6) : "memory");
    dump("exclusive");
}

#define RMW(insn, reg, addr, operand, out) \
    asm volatile(insn " %" reg "1, %" reg "0, [%2]" : "=&r"(out) : "r"(operand), "r"(addr) : "memory")

static void lse_atomics(void) {
    puts("== lse atomics");
    fill();
    u64 o[24];
    u64 k = 0x8000000000000081ull;
    RMW("ldadd", "x", buf, k, o[0]);
    RMW("ldadda", "w", buf + 8, k, o[1]);
    RMW("ldaddlh", "w", buf + 12, k, o[2]);
    RMW("ldaddalb", "w", buf + 14, k, o[3]);
    RMW("ldclr", "x", buf + 16, k, o[4]);
    RMW("ldeoral", "w", buf + 24, k, o[5]);
    RMW("ldsetb", "w", buf + 28, k, o[6]);
    RMW("ldsmax", "x", buf + 32, k, o[7]);
    RMW("ldsminh", "w", buf + 40, k, o[8]);
    RMW("ldumax", "w", buf + 44, k, o[9]);
    RMW("lduminb", "w", buf + 48, k, o[10]);
    RMW("ldsmaxb", "w", buf + 49, k, o[11]);
    RMW("ldumin", "x", buf + 56, k, o[12]);
    RMW("swp", "x", buf + 64, k, o[13]);
    RMW("swpalh", "w", buf + 72, k, o[14]);
    RMW("swpb", "w", buf + 75, k, o[15]);
    asm volatile("stadd %0, [%1]" : : "r"(k), "r"(buf + 80) : "memory");
    asm volatile("stsmaxl %w0, [%1]" : : "r"(k), "r"(buf + 88) : "memory");
    // CAS: first with a wrong expected value (no store), then the right one.
    u64 expected = 0x1111, cur;
    asm volatile("cas %0, %2, [%1]" : "+r"(expected) : "r"(buf + 96), "r"(k) : "memory");
    o[16] = expected;
    asm volatile("casal %0, %2, [%1]" : "+r"(expected) : "r"(buf + 96), "r"(k) : "memory");
    o[17] = expected;
    memcpy(&cur, buf + 96, 8);
    o[18] = cur;
    uint32_t e32 = 0;
    memcpy(&e32, buf + 104, 4);
    asm volatile("casa %w0, %w2, [%1]" : "+r"(e32) : "r"(buf + 104), "r"(k) : "memory");
    o[19] = e32;
    uint32_t eh = 0xffff;
    asm volatile("caslh %w0, %w2, [%1]" : "+r"(eh) : "r"(buf + 110), "r"(k) : "memory");
    o[20] = eh;
    uint32_t eb = buf[113];
    asm volatile("casb %w0, %w2, [%1]" : "+r"(eb) : "r"(buf + 113), "r"(k) : "memory");
    o[21] = eb;
    // CASP on a 16-byte pair: expected = current contents, so it stores.
    register u64 x0 asm("x0"), x1 asm("x1");
    register u64 x2 asm("x2") = 0xa5a5a5a5a5a5a5a5ull, x3 asm("x3") = 0x5a5a5a5a5a5a5a5aull;
    memcpy((void *)&o[22], buf + 128, 16);
    x0 = o[22];
    x1 = o[23];
    asm volatile("caspal %0, %1, %2, %3, [%4]" : "+r"(x0), "+r"(x1) : "r"(x2), "r"(x3), "r"(buf + 128) : "memory");
    o[22] = x0;
    o[23] = x1;
    for (int i = 0; i < 24; i++) printf("%llx%c", (unsigned long long)o[i], i % 8 == 7 ? '\n' : ' ');
    dump("lse");
    memcpy(o, buf + 128, 16);
    printf("casp stored %llx %llx\n", (unsigned long long)o[0], (unsigned long long)o[1]);
}

int main(void) {
    loads();
    stores();
    exclusives();
    lse_atomics();
    return 0;
}
