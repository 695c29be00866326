/* Branch-heavy workload: a switch-dispatched bytecode interpreter (an indirect branch per
 * virtual instruction, the pattern of every language runtime) and a quicksort of random
 * keys (data-dependent, unpredictable conditional branches). */
#include "common.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, AND, XOR, JZ, JMP, HALT };

/* for (i = n; i != 0; i--) acc = (acc * 31 + i) % 1000003 ^ (i & 7);  locals: 0 = i, 1 = acc.
 * Opcodes with an operand (PUSH, LOAD, STORE, JZ, JMP) take two slots. */
static const int64_t program[] = {
    /*  0 */ LOAD, 0, JZ, 32,
    /*  4 */ LOAD, 1, PUSH, 31, MUL, LOAD, 0, ADD, PUSH, 1000003, MOD,
    /* 15 */ LOAD, 0, PUSH, 7, AND, XOR, STORE, 1,
    /* 23 */ LOAD, 0, PUSH, 1, SUB, STORE, 0,
    /* 30 */ JMP, 0,
    /* 32 */ HALT};

static int64_t run_interpreter(int64_t n) {
    int64_t stack[16], locals[2] = {n, 0};
    int sp = 0;
    long pc = 0;
    for (;;) {
        switch (program[pc++]) {
        case PUSH: stack[sp++] = program[pc++]; break;
        case LOAD: stack[sp++] = locals[program[pc++]]; break;
        case STORE: locals[program[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case JZ: pc = stack[--sp] ? pc + 1 : program[pc]; break;
        case JMP: pc = program[pc]; break;
        case HALT: return locals[1];
        default: return -1;
        }
    }
}

static void quicksort(uint32_t *v, long lo, long hi) {
    while (lo < hi) {
        uint32_t pivot = v[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                uint32_t t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        /* Recurse into the smaller half, loop on the larger: bounded stack depth. */
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
}

int main(int argc, char **argv) {
    long scale = bench_scale(argc, argv, 10);
    enum { N = 1 << 20 };
    static uint32_t keys[N];
    uint64_t acc = 0, x = 2463534242u;
    for (long round = 0; round < scale; round++) {
        acc = acc * 1000003 + (uint64_t)run_interpreter(600000 + round);
        for (long i = 0; i < N; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            keys[i] = (uint32_t)x;
        }
        quicksort(keys, 0, N - 1);
        for (long i = 1; i < N; i++)
            if (keys[i - 1] > keys[i])
                return 2; /* not sorted: a miscompiled branch */
        acc ^= keys[N / 2] + keys[round];
    }
    bench_report("branchy", acc);
    return 0;
}
