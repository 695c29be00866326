/* FP/SIMD workload, built with -O3 so GCC vectorises what it can: a double-precision
 * matrix multiply (vectorised FMLA/FMUL+FADD on 2 x f64), an n-body step in scalar double
 * (FDIV, FSQRT, dependent FP chains), and single-precision array kernels (saxpy, dot
 * product, clamp with FMAX/FMIN) vectorised on 4 x f32. */
#include "common.h"
#include <math.h>
#include <string.h>

#define MAT 160
static double ma[MAT][MAT], mb[MAT][MAT], mc[MAT][MAT];

static void matmul(void) {
    memset(mc, 0, sizeof mc);
    for (int i = 0; i < MAT; i++)
        for (int k = 0; k < MAT; k++) {
            double aik = ma[i][k];
            for (int j = 0; j < MAT; j++)
                mc[i][j] += aik * mb[k][j];
        }
}

#define BODIES 5
static double pos[BODIES][3], vel[BODIES][3], mass[BODIES];

static void nbody_step(double dt) {
    for (int i = 0; i < BODIES; i++)
        for (int j = i + 1; j < BODIES; j++) {
            double d[3], d2 = 0.01;
            for (int k = 0; k < 3; k++) {
                d[k] = pos[i][k] - pos[j][k];
                d2 += d[k] * d[k];
            }
            double mag = dt / (d2 * sqrt(d2));
            for (int k = 0; k < 3; k++) {
                vel[i][k] -= d[k] * mass[j] * mag;
                vel[j][k] += d[k] * mass[i] * mag;
            }
        }
    for (int i = 0; i < BODIES; i++)
        for (int k = 0; k < 3; k++)
            pos[i][k] += dt * vel[i][k];
}

#define LEN 4096
static float fx[LEN], fy[LEN];

static float float_kernels(float a) {
    for (int i = 0; i < LEN; i++)
        fy[i] = a * fx[i] + fy[i];
    float dot = 0;
    for (int i = 0; i < LEN; i++)
        dot += fx[i] * fy[i];
    for (int i = 0; i < LEN; i++)
        fy[i] = fminf(fmaxf(fy[i], -4.0f), 4.0f);
    return dot;
}

/* Folds a double's bit pattern into the checksum: the result must be bit-exact. */
static uint64_t bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

int main(int argc, char **argv) {
    long scale = bench_scale(argc, argv, 10);
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            ma[i][j] = (double)((i * 7 + j * 3) % 17) / 17.0 - 0.5;
            mb[i][j] = (double)((i * 5 + j * 11) % 13) / 13.0 - 0.5;
        }
    for (int i = 0; i < BODIES; i++) {
        mass[i] = 1.0 + i;
        for (int k = 0; k < 3; k++) {
            pos[i][k] = (double)(i * 3 + k) - 7.0;
            vel[i][k] = 0.01 * (double)(k - i);
        }
    }
    for (int i = 0; i < LEN; i++) {
        fx[i] = (float)(i % 100) / 50.0f - 1.0f;
        fy[i] = (float)(i % 37) / 37.0f;
    }
    uint64_t acc = 0;
    for (long round = 0; round < scale; round++) {
        matmul();
        acc = acc * 31 + bits(mc[round % MAT][(round * 7) % MAT]);
        for (int s = 0; s < 100000; s++)
            nbody_step(0.001);
        acc = acc * 31 + bits(pos[round % BODIES][0]);
        float dot = 0;
        for (int s = 0; s < 400; s++)
            dot += float_kernels(0.5f + 0.001f * (float)s);
        acc = acc * 31 + bits((double)dot);
    }
    bench_report("fp_simd", acc);
    return 0;
}
