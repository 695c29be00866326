/* A tiny freestanding runtime for the user-mode test programs: raw syscalls, output
 * helpers and a _start that passes argc/argv/envp/auxv to main. No libc, so the programs
 * need few instructions and test the emulator's Linux layer directly. */
#pragma once

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef unsigned char u8;

#define SYS_write 64
#define SYS_exit 93
#define SYS_exit_group 94
#define SYS_getpid 172
#define SYS_gettid 178
#define SYS_tgkill 131
#define SYS_rt_sigaction 134
#define SYS_rt_sigprocmask 135
#define SYS_rt_sigpending 136
#define SYS_sigaltstack 132
#define SYS_brk 214
#define SYS_munmap 215
#define SYS_mremap 216
#define SYS_clone 220
#define SYS_execve 221
#define SYS_mmap 222
#define SYS_mprotect 226
#define SYS_madvise 233
#define SYS_wait4 260
#define SYS_openat 56
#define SYS_close 57
#define SYS_read 63
#define SYS_readlinkat 78
#define SYS_newfstatat 79
#define SYS_futex 98
#define SYS_pipe2 59
#define SYS_uname 160

static inline i64 sys6(i64 n, i64 a, i64 b, i64 c, i64 d, i64 e, i64 f) {
    register i64 x8 __asm__("x8") = n;
    register i64 x0 __asm__("x0") = a;
    register i64 x1 __asm__("x1") = b;
    register i64 x2 __asm__("x2") = c;
    register i64 x3 __asm__("x3") = d;
    register i64 x4 __asm__("x4") = e;
    register i64 x5 __asm__("x5") = f;
    __asm__ volatile("svc #0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
}
#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (i64)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (i64)(a), (i64)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (i64)(a), (i64)(b), (i64)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (i64)(a), (i64)(b), (i64)(c), (i64)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6(n, (i64)(a), (i64)(b), (i64)(c), (i64)(d), (i64)(e), 0)

static u64 slen(const char *s) {
    u64 n = 0;
    while (s[n])
        n++;
    return n;
}
static int seq(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}
static int sprefix(const char *s, const char *p) {
    while (*p)
        if (*s++ != *p++)
            return 0;
    return 1;
}
static void puts_(const char *s) { sys3(SYS_write, 1, s, slen(s)); }
static void putnum(i64 v) {
    char buf[24];
    int i = 23;
    int neg = v < 0;
    u64 u = neg ? -(u64)v : (u64)v;
    buf[i] = 0;
    do {
        buf[--i] = '0' + u % 10;
        u /= 10;
    } while (u);
    if (neg)
        buf[--i] = '-';
    puts_(buf + i);
}
static void puthex(u64 v) {
    char buf[19];
    int i = 18;
    buf[i] = 0;
    do {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    puts_(buf + i);
}
/* "name: ok" or "name: FAIL"; the exit status counts failures. */
static int failures;
static void check(const char *name, int ok) {
    puts_(name);
    puts_(ok ? ": ok\n" : ": FAIL\n");
    if (!ok)
        failures++;
}
static __attribute__((noreturn)) void exit_(int code) {
    sys1(SYS_exit_group, code);
    for (;;)
        ;
}

int main(int argc, char **argv, char **envp);

__attribute__((used)) static void c_start(u64 *sp) {
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    exit_(main(argc, argv, envp));
}
__asm__(".text\n.global _start\n_start:\n  mov x0, sp\n  bl c_start\n");

/* The compiler may still emit calls to these for struct copies. */
void *memset(void *d, int c, u64 n) {
    u8 *p = d;
    while (n--)
        *p++ = (u8)c;
    return d;
}
void *memcpy(void *d, const void *s, u64 n) {
    u8 *p = d;
    const u8 *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

/* struct sigaction as the arm64 kernel takes it. */
struct ksigaction {
    void *handler;
    u64 flags;
    void *restorer;
    u64 mask;
};
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESETHAND 0x80000000
#define SA_NODEFER 0x40000000

struct siginfo {
    int signo, errno_, code, pad;
    u64 addr;
    u8 rest[104];
};
/* ucontext → sigcontext offsets (arm64) */
#define UC_MCONTEXT 176
struct sigcontext {
    u64 fault_address;
    u64 regs[31];
    u64 sp, pc, pstate;
};
