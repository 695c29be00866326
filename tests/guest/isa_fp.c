// Floating point and Advanced SIMD basics: scalar arithmetic, fused multiply-add,
// conversions (with rounding modes and saturation), compares and their flags, min/max with
// NaNs, rounding, FPSR cumulative exception flags, and integer/float vector operations.
// Results are printed as bit patterns, so a one-ulp or NaN-payload difference shows.
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t u64;

static volatile double dvals[] = {0.0, -0.0, 1.0, -1.5, 3.141592653589793, 1e308, -1e-310,
                                  2.5, -2.5, 0.49999999999999994, 4503599627370497.0,
                                  1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 9.3e18, -9.3e18};
#define N_D (sizeof(dvals) / sizeof(dvals[0]))

static u64 dbits(double d) { u64 u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static u64 read_fpsr(void) { u64 v; asm volatile("mrs %0, fpsr" : "=r"(v)); return v; }
static void clear_fpsr(void) { asm volatile("msr fpsr, xzr"); }

static void scalar(void) {
    puts("== scalar double");
    for (unsigned i = 0; i < N_D; i++) {
        double a = dvals[i], b = dvals[(i * 5 + 3) % N_D], c = dvals[(i + 7) % N_D];
        double r[12];
        asm("fadd %d0, %d1, %d2" : "=w"(r[0]) : "w"(a), "w"(b));
        asm("fsub %d0, %d1, %d2" : "=w"(r[1]) : "w"(a), "w"(b));
        asm("fmul %d0, %d1, %d2" : "=w"(r[2]) : "w"(a), "w"(b));
        asm("fdiv %d0, %d1, %d2" : "=w"(r[3]) : "w"(a), "w"(b));
        asm("fsqrt %d0, %d1" : "=w"(r[4]) : "w"(a));
        asm("fmadd %d0, %d1, %d2, %d3" : "=w"(r[5]) : "w"(a), "w"(b), "w"(c));
        asm("fnmsub %d0, %d1, %d2, %d3" : "=w"(r[6]) : "w"(a), "w"(b), "w"(c));
        asm("fabs %d0, %d1" : "=w"(r[7]) : "w"(a));
        asm("fneg %d0, %d1" : "=w"(r[8]) : "w"(a));
        asm("fmaxnm %d0, %d1, %d2" : "=w"(r[9]) : "w"(a), "w"(b));
        asm("fmin %d0, %d1, %d2" : "=w"(r[10]) : "w"(a), "w"(b));
        asm("frinta %d0, %d1" : "=w"(r[11]) : "w"(a));
        printf("%016llx %016llx:", (unsigned long long)dbits(a), (unsigned long long)dbits(b));
        for (int k = 0; k < 12; k++) printf(" %llx", (unsigned long long)dbits(r[k]));
        putchar('\n');
    }
}

static void conversions(void) {
    puts("== conversions and rounding");
    for (unsigned i = 0; i < N_D; i++) {
        double a = dvals[i];
        u64 r[8];
        float f;
        double d[4];
        asm("fcvtzs %0, %d1" : "=r"(r[0]) : "w"(a));
        asm("fcvtzu %w0, %d1" : "=r"(r[1]) : "w"(a));
        asm("fcvtns %0, %d1" : "=r"(r[2]) : "w"(a));
        asm("fcvtms %w0, %d1" : "=r"(r[3]) : "w"(a));
        asm("fcvtps %0, %d1" : "=r"(r[4]) : "w"(a));
        asm("fcvtau %0, %d1" : "=r"(r[5]) : "w"(a));
        asm("fcvt %s0, %d1" : "=w"(f) : "w"(a));
        asm("frintn %d0, %d1" : "=w"(d[0]) : "w"(a));
        asm("frintm %d0, %d1" : "=w"(d[1]) : "w"(a));
        asm("frintz %d0, %d1" : "=w"(d[2]) : "w"(a));
        asm("frintx %d0, %d1" : "=w"(d[3]) : "w"(a));
        asm("scvtf %d0, %1" : "=w"(d[0]) : "r"(r[0]));
        asm("ucvtf %s0, %w1" : "=w"(f) : "r"(r[1]));
        printf("%016llx: %llx %llx %llx %llx %llx %llx f%x %llx %llx %llx %llx\n",
               (unsigned long long)dbits(a), (unsigned long long)r[0], (unsigned long long)r[1],
               (unsigned long long)r[2], (unsigned long long)r[3], (unsigned long long)r[4],
               (unsigned long long)r[5], fbits(f), (unsigned long long)dbits(d[0]),
               (unsigned long long)dbits(d[1]), (unsigned long long)dbits(d[2]),
               (unsigned long long)dbits(d[3]));
    }
    float fs = 1.1f, ft = 3.0f, fr;
    asm("fdiv %s0, %s1, %s2" : "=w"(fr) : "w"(fs), "w"(ft));
    double widened;
    asm("fcvt %d0, %s1" : "=w"(widened) : "w"(fr));
    printf("single 1.1/3 = %08x widened %016llx\n", fbits(fr), (unsigned long long)dbits(widened));
    double imm;
    asm("fmov %d0, #-0.1875" : "=w"(imm));
    printf("fmov imm %016llx\n", (unsigned long long)dbits(imm));
}

static void compares_and_flags(void) {
    puts("== compares and FPSR");
    for (unsigned i = 0; i < N_D; i += 2) {
        for (unsigned j = 0; j < N_D; j += 3) {
            double a = dvals[i], b = dvals[j], sel;
            u64 nzcv;
            asm volatile("fcmp %d2, %d3\n\tmrs %0, nzcv\n\tfcsel %d1, %d2, %d3, gt"
                         : "=r"(nzcv), "=w"(sel) : "w"(a), "w"(b) : "cc");
            printf("%llx%c", (unsigned long long)(nzcv >> 28), j + 3 >= N_D ? '\n' : ' ');
        }
    }
    double zero = dvals[0], one = dvals[2], big = dvals[5], tiny = dvals[6], r;
    clear_fpsr();
    asm volatile("fdiv %d0, %d1, %d2" : "=w"(r) : "w"(one), "w"(zero));
    printf("1/0 fpsr %llx\n", (unsigned long long)read_fpsr());
    clear_fpsr();
    asm volatile("fdiv %d0, %d1, %d2" : "=w"(r) : "w"(zero), "w"(zero));
    printf("0/0 fpsr %llx result %llx\n", (unsigned long long)read_fpsr(), (unsigned long long)dbits(r));
    clear_fpsr();
    asm volatile("fmul %d0, %d1, %d2" : "=w"(r) : "w"(big), "w"(big));
    printf("overflow fpsr %llx\n", (unsigned long long)read_fpsr());
    clear_fpsr();
    asm volatile("fmul %d0, %d1, %d2" : "=w"(r) : "w"(tiny), "w"(one));
    asm volatile("fmul %d0, %d1, %d2" : "=w"(r) : "w"(tiny), "w"(tiny));
    printf("underflow fpsr %llx\n", (unsigned long long)read_fpsr());
    clear_fpsr();
}

static volatile uint8_t bytes_in[32] = {1, 200, 3, 250, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255,
                                        17, 18, 19, 20, 128, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0};

static void print_q(const char *name, uint8x16_t v) {
    uint8_t out[16];
    vst1q_u8(out, v);
    printf("%-8s", name);
    for (int i = 0; i < 16; i++) printf("%02x", out[i]);
    putchar('\n');
}

static void simd(void) {
    puts("== simd");
    uint8_t in[32];
    for (int i = 0; i < 32; i++) in[i] = bytes_in[i];
    uint8x16_t a = vld1q_u8(in), b = vld1q_u8(in + 16);
    print_q("add", vaddq_u8(a, b));
    print_q("qadd", vqaddq_u8(a, b));
    print_q("sub16", vreinterpretq_u8_u16(vsubq_u16(vreinterpretq_u16_u8(a), vreinterpretq_u16_u8(b))));
    print_q("mul32", vreinterpretq_u8_u32(vmulq_u32(vreinterpretq_u32_u8(a), vreinterpretq_u32_u8(b))));
    print_q("and", vandq_u8(a, b));
    print_q("bsl", vbslq_u8(a, b, vdupq_n_u8(0x5a)));
    print_q("cmeq", vceqq_u8(vandq_u8(a, vdupq_n_u8(7)), vandq_u8(b, vdupq_n_u8(7))));
    print_q("cmhi", vcgtq_u8(a, b));
    print_q("max", vmaxq_u8(a, b));
    print_q("ext", vextq_u8(a, b, 5));
    print_q("zip1", vzip1q_u8(a, b));
    print_q("uzp2", vuzp2q_u8(a, b));
    print_q("rev64", vrev64q_u8(a));
    print_q("tbl", vqtbl1q_u8(a, vandq_u8(b, vdupq_n_u8(0x1f))));
    print_q("shl", vreinterpretq_u8_u16(vshlq_n_u16(vreinterpretq_u16_u8(a), 3)));
    print_q("sshr", vreinterpretq_u8_s32(vshrq_n_s32(vreinterpretq_s32_u8(b), 9)));
    print_q("cnt", vcntq_u8(a));
    print_q("dup", vdupq_laneq_u8(a, 3));
    printf("addv %u umaxv %u addlv %u\n", vaddvq_u8(a), vmaxvq_u8(b), vaddlvq_u8(b));
    uint64x2_t lanes = vreinterpretq_u64_u8(a);
    printf("umov %llx %llx\n", (unsigned long long)vgetq_lane_u64(lanes, 0),
           (unsigned long long)vgetq_lane_u64(lanes, 1));
    float fin[8];
    for (int i = 0; i < 8; i++) fin[i] = (float)dvals[i % N_D] * 0.75f + (float)i;
    float32x4_t fa = vld1q_f32(fin), fb = vld1q_f32(fin + 4);
    float32x4_t fres = vfmaq_f32(vaddq_f32(fa, fb), fa, fb);
    print_q("fmla", vreinterpretq_u8_f32(fres));
    print_q("fcvtzs", vreinterpretq_u8_s32(vcvtq_s32_f32(vmulq_f32(fa, vdupq_n_f32(1000.0f)))));
    float64x2_t da = vld1q_f64((const double *)(const void *)fin);
    print_q("fabsd", vreinterpretq_u8_f64(vabsq_f64(da)));
    uint8_t st[48];
    uint8x16x3_t tri = {{a, b, vdupq_n_u8(0xee)}};
    vst3q_u8(st, tri);  // ST3: interleaving store
    uint8x16x3_t back = vld3q_u8(st);
    print_q("st3", vld1q_u8(st + 16));
    print_q("ld3", back.val[1]);
}

int main(void) {
    scalar();
    conversions();
    compares_and_flags();
    simd();
    return 0;
}
