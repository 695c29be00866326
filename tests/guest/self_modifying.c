// Code generated at run time, as JITs do: instructions written into an executable mapping,
// made visible with __builtin___clear_cache (DC CVAU + IC IVAU + ISB), run hot enough for
// emu to compile them, then rewritten in place and run again. Both the RWX style and the
// W^X style (mprotect between writing and running) are exercised. A stale translation
// shows up as an old result.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef uint64_t (*generated_fn)(uint64_t);

// movz x1, #imm ; add x0, x0, x1 ; ret
static void emit_add_constant(uint32_t *code, uint16_t imm) {
    code[0] = 0xd2800001u | ((uint32_t)imm << 5);
    code[1] = 0x8b010000u;
    code[2] = 0xd65f03c0u;
}

// A loop: x1 = n; do { x0 += step; } while (--x1); ret   (step is an immediate)
static void emit_loop(uint32_t *code, uint16_t step) {
    code[0] = 0xaa0003e1u;                          // mov x1, x0
    code[1] = 0xd2800000u;                          // mov x0, #0
    code[2] = 0x91000000u | ((uint32_t)step << 10); // add x0, x0, #step
    code[3] = 0xf1000421u;                          // subs x1, x1, #1
    code[4] = 0x54ffffc1u;                          // b.ne -8 (to the add)
    code[5] = 0xd65f03c0u;                          // ret
}

static uint64_t run_hot(generated_fn fn, uint64_t arg, int times) {
    uint64_t sum = 0;
    for (int i = 0; i < times; i++) sum += fn(arg + (uint64_t)i);
    return sum;
}

int main(void) {
    size_t page = 4096;
    uint32_t *rwx = mmap(NULL, page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rwx == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    generated_fn fn = (generated_fn)(void *)rwx;
    for (uint16_t imm = 1; imm <= 5; imm++) {
        emit_add_constant(rwx, (uint16_t)(imm * 1000));
        __builtin___clear_cache((char *)rwx, (char *)(rwx + 3));
        printf("rwx add %u: single %llu, hot sum %llu\n", imm * 1000, (unsigned long long)fn(7),
               (unsigned long long)run_hot(fn, 1, 5000));
    }
    // Rewrite only the immediate of an instruction in the middle of a hot loop.
    emit_loop(rwx + 64, 3);
    __builtin___clear_cache((char *)(rwx + 64), (char *)(rwx + 70));
    generated_fn loop = (generated_fn)(void *)(rwx + 64);
    printf("loop step 3: %llu\n", (unsigned long long)run_hot(loop, 100, 300));
    rwx[66] = 0x91000000u | (11u << 10);
    __builtin___clear_cache((char *)(rwx + 66), (char *)(rwx + 67));
    printf("loop step 11: %llu\n", (unsigned long long)run_hot(loop, 100, 300));

    // W^X: write while RW, flip to RX, run; repeat with new code.
    uint32_t *wx = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (wx == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    generated_fn wfn = (generated_fn)(void *)wx;
    for (uint16_t imm = 7; imm <= 9; imm++) {
        mprotect(wx, page, PROT_READ | PROT_WRITE);
        emit_add_constant(wx, imm);
        __builtin___clear_cache((char *)wx, (char *)(wx + 3));
        mprotect(wx, page, PROT_READ | PROT_EXEC);
        printf("w^x add %u: hot sum %llu\n", imm, (unsigned long long)run_hot(wfn, 0, 3000));
    }
    // Unmapping code and mapping new code at the same address must not run the old one.
    munmap(wx, page);
    uint32_t *again = mmap(wx, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    emit_add_constant(again, 4242);
    __builtin___clear_cache((char *)again, (char *)(again + 3));
    mprotect(again, page, PROT_READ | PROT_EXEC);
    printf("remapped: %llu\n", (unsigned long long)((generated_fn)(void *)again)(1));
    return 0;
}
