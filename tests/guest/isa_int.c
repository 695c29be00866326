// Integer instruction groups, each checked over a table of edge-case operands:
// add/sub (immediate, shifted, extended, with carry) and the flags they set, logical and
// bitfield operations, multiply/divide, conditional select/compare, CRC32, and branches
// (every condition code, compare-and-branch, test-and-branch, calls, jump tables).
// Every result is printed, so a wrong instruction shows up as a diff line naming it.
#include <stdint.h>
#include <stdio.h>

typedef uint64_t u64;

static const u64 edge_values[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff,
    0x123456789abcdef0, 0xfedcba9876543210, 0x5555555555555555, 63, 64,
};
#define N_EDGE (sizeof(edge_values) / sizeof(edge_values[0]))

// NZCV as a 4-bit number, read with CSET so it needs no system register access.
#define READ_FLAGS(f)                                                                   \
    asm volatile("cset %w0, mi\n\tcset w9, eq\n\tbfi %w0, w9, #1, #1\n\t"              \
                 "cset w9, cs\n\tbfi %w0, w9, #2, #1\n\tcset w9, vs\n\tbfi %w0, w9, #3, #1" \
                 : "=&r"(f) : : "x9")

// A flag-setting two-operand instruction: result and flags (N=1, Z=2, C=4, V=8).
#define FLAGS_OP(insn, reg, a, b, r, f)                                                  \
    do {                                                                                \
        asm volatile(insn " %" reg "0, %" reg "2, %" reg "3\n\t" : "=r"(r) : "0"(0), "r"(a), "r"(b) : "cc"); \
        READ_FLAGS(f);                                                                  \
    } while (0)

static void add_sub_flags(void) {
    puts("== add/sub/adc/sbc with flags");
    for (unsigned i = 0; i < N_EDGE; i++) {
        for (unsigned j = 0; j < N_EDGE; j++) {
            u64 a = edge_values[i], b = edge_values[j];
            u64 r[8];
            unsigned f[8];
            FLAGS_OP("adds", "x", a, b, r[0], f[0]);
            FLAGS_OP("subs", "x", a, b, r[1], f[1]);
            FLAGS_OP("adds", "w", a, b, r[2], f[2]);
            FLAGS_OP("subs", "w", a, b, r[3], f[3]);
            // ADCS/SBCS with carry in = 1 (set by a compare that cannot borrow).
            asm volatile("cmp xzr, xzr\n\tadcs %0, %2, %3" : "=r"(r[4]) : "0"(0), "r"(a), "r"(b) : "cc");
            READ_FLAGS(f[4]);
            asm volatile("cmn xzr, xzr\n\tsbcs %0, %2, %3" : "=r"(r[5]) : "0"(0), "r"(a), "r"(b) : "cc");
            READ_FLAGS(f[5]);
            asm volatile("cmp xzr, xzr\n\tsbcs %w0, %w2, %w3" : "=r"(r[6]) : "0"(0), "r"(a), "r"(b) : "cc");
            READ_FLAGS(f[6]);
            FLAGS_OP("ands", "x", a, b, r[7], f[7]);
            printf("%016llx %016llx:", (unsigned long long)a, (unsigned long long)b);
            for (int k = 0; k < 8; k++) printf(" %llx/%x", (unsigned long long)r[k], f[k]);
            putchar('\n');
        }
    }
}

static void add_sub_forms(void) {
    puts("== add/sub immediate, shifted and extended register forms");
    for (unsigned i = 0; i < N_EDGE; i++) {
        u64 a = edge_values[i], b = edge_values[(i * 7 + 3) % N_EDGE];
        u64 r[16];
        asm volatile("add %0, %1, #0xfff" : "=r"(r[0]) : "r"(a));
        asm volatile("sub %0, %1, #0xabc, lsl #12" : "=r"(r[1]) : "r"(a));
        asm volatile("add %w0, %w1, #1" : "=r"(r[2]) : "r"(a));
        asm volatile("add %0, %1, %2, lsl #7" : "=r"(r[3]) : "r"(a), "r"(b));
        asm volatile("sub %0, %1, %2, lsr #13" : "=r"(r[4]) : "r"(a), "r"(b));
        asm volatile("add %0, %1, %2, asr #63" : "=r"(r[5]) : "r"(a), "r"(b));
        asm volatile("sub %w0, %w1, %w2, asr #31" : "=r"(r[6]) : "r"(a), "r"(b));
        asm volatile("add %0, %1, %w2, uxtb #2" : "=r"(r[7]) : "r"(a), "r"(b));
        asm volatile("add %0, %1, %w2, sxth #1" : "=r"(r[8]) : "r"(a), "r"(b));
        asm volatile("sub %0, %1, %w2, sxtw #4" : "=r"(r[9]) : "r"(a), "r"(b));
        asm volatile("add %0, %1, %2, uxtx #3" : "=r"(r[10]) : "r"(a), "r"(b));
        asm volatile("add %w0, %w1, %w2, sxtb" : "=r"(r[11]) : "r"(a), "r"(b));
        asm volatile("neg %0, %1" : "=r"(r[12]) : "r"(a));
        asm volatile("negs %w0, %w1" : "=r"(r[13]) : "r"(a) : "cc");
        asm volatile("movz %0, #0xbeef, lsl #32\n\tmovk %0, #0x1234, lsl #16" : "=&r"(r[14]));
        asm volatile("movn %w0, #0x1234, lsl #16" : "=r"(r[15]));
        printf("%016llx:", (unsigned long long)a);
        for (int k = 0; k < 16; k++) printf(" %llx", (unsigned long long)r[k]);
        putchar('\n');
    }
}

static void logical_and_bitfield(void) {
    puts("== logical and bitfield");
    for (unsigned i = 0; i < N_EDGE; i++) {
        u64 a = edge_values[i], b = edge_values[(i * 5 + 1) % N_EDGE];
        u64 r[28];
        asm volatile("and %0, %1, #0x00ff00ff00ff00ff" : "=r"(r[0]) : "r"(a));
        asm volatile("orr %w0, %w1, #0xf0f0f0f0" : "=r"(r[1]) : "r"(a));
        asm volatile("eor %0, %1, #0x3ffffffffffffffe" : "=r"(r[2]) : "r"(a));
        asm volatile("bic %0, %1, %2, ror #17" : "=r"(r[3]) : "r"(a), "r"(b));
        asm volatile("orn %w0, %w1, %w2, lsl #3" : "=r"(r[4]) : "r"(a), "r"(b));
        asm volatile("eon %0, %1, %2, asr #9" : "=r"(r[5]) : "r"(a), "r"(b));
        asm volatile("ubfx %0, %1, #13, #21" : "=r"(r[6]) : "r"(a));
        asm volatile("sbfx %0, %1, #40, #24" : "=r"(r[7]) : "r"(a));
        asm volatile("bfi %0, %2, #8, #12" : "=r"(r[8]) : "0"(b), "r"(a));
        asm volatile("bfxil %w0, %w2, #3, #7" : "=r"(r[9]) : "0"(b), "r"(a));
        asm volatile("ubfiz %w0, %w1, #5, #20" : "=r"(r[10]) : "r"(a));
        asm volatile("sbfiz %0, %1, #50, #10" : "=r"(r[11]) : "r"(a));
        asm volatile("extr %0, %1, %2, #23" : "=r"(r[12]) : "r"(a), "r"(b));
        asm volatile("ror %w0, %w1, #5" : "=r"(r[13]) : "r"(a));
        asm volatile("lsl %0, %1, %2" : "=r"(r[14]) : "r"(a), "r"(b));
        asm volatile("lsr %w0, %w1, %w2" : "=r"(r[15]) : "r"(a), "r"(b));
        asm volatile("asr %0, %1, %2" : "=r"(r[16]) : "r"(a), "r"(b));
        asm volatile("ror %0, %1, %2" : "=r"(r[17]) : "r"(a), "r"(b));
        asm volatile("clz %0, %1" : "=r"(r[18]) : "r"(a));
        asm volatile("cls %w0, %w1" : "=r"(r[19]) : "r"(a));
        asm volatile("rbit %0, %1" : "=r"(r[20]) : "r"(a));
        asm volatile("rev %0, %1" : "=r"(r[21]) : "r"(a));
        asm volatile("rev16 %w0, %w1" : "=r"(r[22]) : "r"(a));
        asm volatile("rev32 %0, %1" : "=r"(r[23]) : "r"(a));
        asm volatile("sxtb %0, %w1" : "=r"(r[24]) : "r"(a));
        asm volatile("uxth %w0, %w1" : "=r"(r[25]) : "r"(a));
        asm volatile("sxtw %0, %w1" : "=r"(r[26]) : "r"(a));
        unsigned f;
        asm volatile("bics %0, %1, %2" : "=r"(r[27]) : "r"(a), "r"(b) : "cc");
        READ_FLAGS(f);
        printf("%016llx:", (unsigned long long)a);
        for (int k = 0; k < 28; k++) printf(" %llx", (unsigned long long)r[k]);
        printf(" f%x\n", f);
    }
}

static void multiply_divide(void) {
    puts("== multiply and divide");
    for (unsigned i = 0; i < N_EDGE; i++) {
        for (unsigned j = 0; j < N_EDGE; j += 3) {
            u64 a = edge_values[i], b = edge_values[j], c = edge_values[(i + j) % N_EDGE];
            u64 r[14];
            asm volatile("mul %0, %1, %2" : "=r"(r[0]) : "r"(a), "r"(b));
            asm volatile("madd %w0, %w1, %w2, %w3" : "=r"(r[1]) : "r"(a), "r"(b), "r"(c));
            asm volatile("msub %0, %1, %2, %3" : "=r"(r[2]) : "r"(a), "r"(b), "r"(c));
            asm volatile("smull %0, %w1, %w2" : "=r"(r[3]) : "r"(a), "r"(b));
            asm volatile("umull %0, %w1, %w2" : "=r"(r[4]) : "r"(a), "r"(b));
            asm volatile("smulh %0, %1, %2" : "=r"(r[5]) : "r"(a), "r"(b));
            asm volatile("umulh %0, %1, %2" : "=r"(r[6]) : "r"(a), "r"(b));
            asm volatile("smsubl %0, %w1, %w2, %3" : "=r"(r[7]) : "r"(a), "r"(b), "r"(c));
            asm volatile("umaddl %0, %w1, %w2, %3" : "=r"(r[8]) : "r"(a), "r"(b), "r"(c));
            // Division by zero gives 0 and INT_MIN / -1 gives INT_MIN: no trap on A64.
            asm volatile("sdiv %0, %1, %2" : "=r"(r[9]) : "r"(a), "r"(b));
            asm volatile("udiv %0, %1, %2" : "=r"(r[10]) : "r"(a), "r"(b));
            asm volatile("sdiv %w0, %w1, %w2" : "=r"(r[11]) : "r"(a), "r"(b));
            asm volatile("udiv %w0, %w1, %w2" : "=r"(r[12]) : "r"(a), "r"(b));
            asm volatile("mneg %w0, %w1, %w2" : "=r"(r[13]) : "r"(a), "r"(b));
            printf("%llx %llx %llx:", (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);
            for (int k = 0; k < 14; k++) printf(" %llx", (unsigned long long)r[k]);
            putchar('\n');
        }
    }
}

static void conditional(void) {
    puts("== conditional select and compare");
    for (unsigned i = 0; i < N_EDGE; i++) {
        for (unsigned j = 0; j < N_EDGE; j += 4) {
            u64 a = edge_values[i], b = edge_values[j];
            u64 r[8];
            unsigned f[2];
            asm volatile("cmp %2, %3\n\tcsel %0, %2, %3, lt" : "=r"(r[0]) : "0"(0), "r"(a), "r"(b) : "cc");
            asm volatile("cmp %2, %3\n\tcsinc %0, %2, %3, hi" : "=r"(r[1]) : "0"(0), "r"(a), "r"(b) : "cc");
            asm volatile("cmp %w2, %w3\n\tcsinv %w0, %w2, %w3, ge" : "=r"(r[2]) : "0"(0), "r"(a), "r"(b) : "cc");
            asm volatile("cmp %2, %3\n\tcsneg %0, %2, %3, vs" : "=r"(r[3]) : "0"(0), "r"(a), "r"(b) : "cc");
            asm volatile("cmn %2, %3\n\tcset %0, cs" : "=r"(r[4]) : "0"(0), "r"(a), "r"(b) : "cc");
            asm volatile("tst %2, %3\n\tcsetm %0, ne" : "=r"(r[5]) : "0"(0), "r"(a), "r"(b) : "cc");
            asm volatile("cmp %0, #5\n\tccmp %0, %1, #0xa, ls" : : "r"(a), "r"(b) : "cc");
            READ_FLAGS(f[0]);
            asm volatile("cmp %w0, %w1\n\tccmn %w0, #17, #3, gt" : : "r"(a), "r"(b) : "cc");
            READ_FLAGS(f[1]);
            printf("%llx %llx:", (unsigned long long)a, (unsigned long long)b);
            for (int k = 0; k < 6; k++) printf(" %llx", (unsigned long long)r[k]);
            printf(" f%x f%x\n", f[0], f[1]);
        }
    }
}

static void crc32(void) {
    puts("== crc32");
    for (unsigned i = 0; i < N_EDGE; i++) {
        u64 a = edge_values[i], d = edge_values[(i * 3 + 2) % N_EDGE];
        u64 r[8];
        asm volatile("crc32b %w0, %w1, %w2" : "=r"(r[0]) : "r"(a), "r"(d));
        asm volatile("crc32h %w0, %w1, %w2" : "=r"(r[1]) : "r"(a), "r"(d));
        asm volatile("crc32w %w0, %w1, %w2" : "=r"(r[2]) : "r"(a), "r"(d));
        asm volatile("crc32x %w0, %w1, %2" : "=r"(r[3]) : "r"(a), "r"(d));
        asm volatile("crc32cb %w0, %w1, %w2" : "=r"(r[4]) : "r"(a), "r"(d));
        asm volatile("crc32ch %w0, %w1, %w2" : "=r"(r[5]) : "r"(a), "r"(d));
        asm volatile("crc32cw %w0, %w1, %w2" : "=r"(r[6]) : "r"(a), "r"(d));
        asm volatile("crc32cx %w0, %w1, %2" : "=r"(r[7]) : "r"(a), "r"(d));
        printf("%llx %llx:", (unsigned long long)a, (unsigned long long)d);
        for (int k = 0; k < 8; k++) printf(" %llx", (unsigned long long)r[k]);
        putchar('\n');
    }
}

// One B.cond per condition code after a compare: a bitmask of the taken branches.
#define TAKEN(cond, bit)                                                             \
    "b." cond " 1f\n\tb 2f\n1:\torr %w0, %w0, #(1 << " #bit ")\n2:\n\t"

static unsigned branch_mask(u64 a, u64 b) {
    unsigned mask = 0;
    asm volatile("cmp %1, %2\n\t"
                 TAKEN("eq", 0) TAKEN("ne", 1) TAKEN("cs", 2) TAKEN("cc", 3) TAKEN("mi", 4)
                 TAKEN("pl", 5) TAKEN("vs", 6) TAKEN("vc", 7) TAKEN("hi", 8) TAKEN("ls", 9)
                 TAKEN("ge", 10) TAKEN("lt", 11) TAKEN("gt", 12) TAKEN("le", 13) TAKEN("al", 14)
                 : "+r"(mask) : "r"(a), "r"(b) : "cc");
    return mask;
}

static unsigned compare_and_test_branches(u64 a) {
    unsigned mask = 0;
    asm volatile("cbz %1, 1f\n\torr %w0, %w0, #1\n1:\t"
                 "cbnz %w1, 2f\n\torr %w0, %w0, #2\n2:\t"
                 "tbz %1, #63, 3f\n\torr %w0, %w0, #4\n3:\t"
                 "tbnz %w1, #0, 4f\n\torr %w0, %w0, #8\n4:\t"
                 "tbz %1, #31, 5f\n\torr %w0, %w0, #16\n5:\n"
                 : "+r"(mask) : "r"(a));
    return mask;
}

static u64 __attribute__((noinline)) fib(u64 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static u64 op_add(u64 a, u64 b) { return a + b; }
static u64 op_xor(u64 a, u64 b) { return a ^ b; }
static u64 op_mul(u64 a, u64 b) { return a * b; }
static u64 (*const volatile ops[])(u64, u64) = {op_add, op_xor, op_mul};

static const char *__attribute__((noinline)) day_name(unsigned d) {
    switch (d) {  // dense cases: compiled to a jump table (an indirect BR)
    case 0: return "mon";
    case 1: return "tue";
    case 2: return "wed";
    case 3: return "thu";
    case 4: return "fri";
    case 5: return "sat";
    case 6: return "sun";
    default: return "?";
    }
}

static void branches(void) {
    puts("== branches");
    for (unsigned i = 0; i < N_EDGE; i++)
        for (unsigned j = 0; j < N_EDGE; j += 2)
            printf("%x%c", branch_mask(edge_values[i], edge_values[j]), j + 2 >= N_EDGE ? '\n' : ' ');
    for (unsigned i = 0; i < N_EDGE; i++) printf("%x ", compare_and_test_branches(edge_values[i]));
    putchar('\n');
    printf("fib(25) = %llu\n", (unsigned long long)fib(25));
    u64 acc = 1;
    for (unsigned i = 0; i < 300; i++) acc = ops[i % 3](acc, edge_values[i % N_EDGE] | 1);
    printf("indirect calls: %llx\n", (unsigned long long)acc);
    volatile unsigned days = 9;
    for (unsigned d = 0; d < days; d++) printf("%s ", day_name(d));
    putchar('\n');
}

int main(void) {
    add_sub_flags();
    add_sub_forms();
    logical_and_bitfield();
    multiply_divide();
    conditional();
    crc32();
    branches();
    return 0;
}
