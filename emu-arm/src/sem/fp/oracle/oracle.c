/* Runs one A64 instruction per input line under qemu-aarch64 (or real hardware) and
 * prints the resulting registers: the expected values of the FP/SIMD instruction tests.
 *
 * Input line (hex numbers):  insn fpcr nzcv fpsr x0..x7 v0lo v0hi .. v7lo v7hi
 * Output line (hex numbers): x0..x7 v0lo v0hi .. v7lo v7hi nzcv fpsr, or `undef` when the
 * instruction raised SIGILL.
 *
 * The instruction is patched into `stub_insn` in a writable, executable section; the stub
 * loads every register from `struct regs`, runs it and stores them back. x19 and sp are
 * reserved by the stub; test instructions use x0-x7 and v0-v7 only. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf on_sigill;
static void sigill(int sig) {
    (void)sig;
    siglongjmp(on_sigill, 1);
}

struct regs {
    uint64_t x[8];
    uint64_t v[16];
    uint64_t nzcv, fpcr, fpsr;
};

extern void stub(struct regs *r);
extern uint32_t stub_insn;

__asm__(
    ".pushsection .rwxtext, \"awx\"\n"
    ".balign 16\n"
    ".global stub\n"
    "stub:\n"
    "  stp x29, x30, [sp, -32]!\n"
    "  str x19, [sp, 16]\n"
    "  mov x19, x0\n"
    "  ldp q0, q1, [x19, 64]\n"
    "  ldp q2, q3, [x19, 96]\n"
    "  ldp q4, q5, [x19, 128]\n"
    "  ldp q6, q7, [x19, 160]\n"
    "  ldr x9, [x19, 192]\n"
    "  msr nzcv, x9\n"
    "  ldr x9, [x19, 200]\n"
    "  msr fpcr, x9\n"
    "  ldr x9, [x19, 208]\n"
    "  msr fpsr, x9\n"
    "  ldp x0, x1, [x19, 0]\n"
    "  ldp x2, x3, [x19, 16]\n"
    "  ldp x4, x5, [x19, 32]\n"
    "  ldp x6, x7, [x19, 48]\n"
    ".global stub_insn\n"
    "stub_insn:\n"
    "  nop\n"
    "  stp x0, x1, [x19, 0]\n"
    "  stp x2, x3, [x19, 16]\n"
    "  stp x4, x5, [x19, 32]\n"
    "  stp x6, x7, [x19, 48]\n"
    "  stp q0, q1, [x19, 64]\n"
    "  stp q2, q3, [x19, 96]\n"
    "  stp q4, q5, [x19, 128]\n"
    "  stp q6, q7, [x19, 160]\n"
    "  mrs x9, nzcv\n"
    "  str x9, [x19, 192]\n"
    "  mrs x9, fpsr\n"
    "  str x9, [x19, 208]\n"
    "  msr fpcr, xzr\n"
    "  msr fpsr, xzr\n"
    "  ldr x19, [sp, 16]\n"
    "  ldp x29, x30, [sp], 32\n"
    "  ret\n"
    ".popsection\n");

int main(void) {
    unsigned long long insn;
    struct regs r;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sigill;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGILL, &sa, NULL);
    while (scanf("%llx", &insn) == 1) {
        unsigned long long t;
        if (scanf("%llx %llx %llx", (unsigned long long *)&r.fpcr, (unsigned long long *)&r.nzcv,
                  (unsigned long long *)&r.fpsr) != 3)
            return 1;
        for (int i = 0; i < 8; i++) {
            if (scanf("%llx", &t) != 1) return 1;
            r.x[i] = t;
        }
        for (int i = 0; i < 16; i++) {
            if (scanf("%llx", &t) != 1) return 1;
            r.v[i] = t;
        }
        stub_insn = (uint32_t)insn;
        __builtin___clear_cache((char *)&stub_insn, (char *)&stub_insn + 4);
        if (sigsetjmp(on_sigill, 1)) {
            /* x19 and the FP control registers were left as the stub set them. */
            __asm__ volatile("msr fpcr, xzr\n msr fpsr, xzr");
            printf("undef\n");
            fflush(stdout);
            continue;
        }
        stub(&r);
        for (int i = 0; i < 8; i++) printf("%llx ", (unsigned long long)r.x[i]);
        for (int i = 0; i < 16; i++) printf("%llx ", (unsigned long long)r.v[i]);
        printf("%llx %llx\n", (unsigned long long)r.nzcv, (unsigned long long)r.fpsr);
        fflush(stdout);
    }
    return 0;
}
