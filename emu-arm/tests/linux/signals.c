/* Signal delivery: handlers, masks, pending signals, SA_RESETHAND, sigaltstack,
 * registers and the signal mask restored by rt_sigreturn. */
#include "nolibc.h"

#define SIGUSR1 10
#define SIGUSR2 12
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1

static volatile int usr1_count, usr2_count;
static volatile u64 handler_sp, mask_in_handler;

static void on_usr1(int sig) {
    usr1_count++;
    u64 sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    handler_sp = sp;
    sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &mask_in_handler, 8);
    (void)sig;
}
static void on_usr2(int sig, struct siginfo *si, void *uc) {
    usr2_count++;
    (void)sig; (void)si; (void)uc;
}

static void raise_(int sig) { sys3(SYS_tgkill, sys0(SYS_getpid), sys0(SYS_gettid), sig); }

static u8 altstack[16384] __attribute__((aligned(16)));

int main(int argc, char **argv, char **envp) {
    (void)argc; (void)argv; (void)envp;
    struct ksigaction sa = {on_usr1, 0, 0, 0};
    check("sigaction usr1", sys4(SYS_rt_sigaction, SIGUSR1, &sa, 0, 8) == 0);
    struct ksigaction old;
    check("sigaction query", sys4(SYS_rt_sigaction, SIGUSR1, 0, &old, 8) == 0 && old.handler == (void *)on_usr1);

    /* A value in a callee-saved register must survive the handler. */
    register u64 keep __asm__("x19") = 0x1122334455667788;
    __asm__ volatile("" : "+r"(keep));
    raise_(SIGUSR1);
    __asm__ volatile("" : "+r"(keep));
    check("handler ran", usr1_count == 1);
    check("registers restored", keep == 0x1122334455667788);
    check("signal blocked inside its handler", mask_in_handler & (1 << (SIGUSR1 - 1)));
    u64 mask_now = 1;
    sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &mask_now, 8);
    check("mask restored after handler", mask_now == 0);

    u64 set = 1 << (SIGUSR1 - 1);
    sys4(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 8);
    raise_(SIGUSR1);
    check("blocked signal not delivered", usr1_count == 1);
    u64 pending = 0;
    sys2(SYS_rt_sigpending, &pending, 8);
    check("blocked signal pending", pending & set);
    sys4(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, 8);
    check("delivered on unblock", usr1_count == 2);

    struct ksigaction sa2 = {on_usr2, SA_SIGINFO | SA_RESETHAND | SA_ONSTACK, 0, 0};
    sys4(SYS_rt_sigaction, SIGUSR2, &sa2, 0, 8);
    struct { void *sp; int flags; int pad; u64 size; } ss = {altstack, 0, 0, sizeof altstack};
    check("sigaltstack", sys2(SYS_sigaltstack, &ss, 0) == 0);
    sa.flags = SA_ONSTACK;
    sys4(SYS_rt_sigaction, SIGUSR1, &sa, 0, 8);
    raise_(SIGUSR1);
    check("SA_ONSTACK runs on the alternate stack",
          handler_sp > (u64)altstack && handler_sp <= (u64)altstack + sizeof altstack);
    raise_(SIGUSR2);
    check("siginfo handler ran", usr2_count == 1);
    sys4(SYS_rt_sigaction, SIGUSR2, 0, &old, 8);
    check("SA_RESETHAND reset the handler", old.handler == 0);
    return failures;
}
