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

static volatile int segv_code = 1234;
static void on_segv_sent(int sig, struct siginfo *si, void *uc) {
    segv_code = si->code;
    (void)sig; (void)uc;
}

#define SIGALRM 14
#define SA_RESTART 0x10000000
#define SYS_setitimer 103
#define EINTR 4
static int alarm_pipe[2];
static volatile int alarms;
static void on_alarm(int sig) {
    alarms++;
    sys3(SYS_write, alarm_pipe[1], "x", 1);
    (void)sig;
}
/* Blocks in read() on an empty pipe until a timer signal's handler writes to it. */
static i64 read_interrupted_by_alarm(u64 flags) {
    struct ksigaction sa = {on_alarm, flags, 0, 0};
    sys4(SYS_rt_sigaction, SIGALRM, &sa, 0, 8);
    struct { i64 isec, iusec, sec, usec; } it = {0, 0, 0, 50000};
    sys3(SYS_setitimer, 0, &it, 0);
    char c;
    return sys3(SYS_read, alarm_pipe[0], &c, 1);
}

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

    /* A fault-type signal sent (not raised by a fault) reaches the handler, with the
     * sender's si_code (SI_TKILL = -6), and execution simply continues. */
    struct ksigaction ss_ = {on_segv_sent, SA_SIGINFO, 0, 0};
    sys4(SYS_rt_sigaction, 11, &ss_, 0, 8);
    raise_(11);
    check("sent SIGSEGV handled (SI_TKILL)", segv_code == -6);

    sys2(SYS_pipe2, alarm_pipe, 0);
    i64 r = read_interrupted_by_alarm(0);
    check("blocking read interrupted: EINTR", r == -EINTR && alarms == 1);
    char c;
    sys3(SYS_read, alarm_pipe[0], &c, 1); /* drain the handler's byte */
    r = read_interrupted_by_alarm(SA_RESTART);
    check("SA_RESTART restarts the read", r == 1 && alarms == 2);
    return failures;
}
