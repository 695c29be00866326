/* Processes and threads: fork + wait4 exit statuses, a CLONE_VM thread with
 * CLONE_CHILD_CLEARTID + futex wake, execve of ourselves, /proc/self/exe. */
#include "nolibc.h"

#define SIGCHLD 17
#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define FUTEX_WAIT 0

static volatile int thread_tid_word;
static volatile int thread_ran;
static u8 thread_stack[65536] __attribute__((aligned(16)));

/* clone() returns twice on the same code; the child runs on its own stack, so it must
 * not touch the parent's frame: do everything in assembly-free straight-line code. */
static i64 spawn_thread(void) {
    u64 flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    register i64 x8 __asm__("x8") = SYS_clone;
    register i64 x0 __asm__("x0") = flags;
    register i64 x1 __asm__("x1") = (i64)(thread_stack + sizeof thread_stack);
    register i64 x2 __asm__("x2") = (i64)&thread_tid_word;
    register i64 x3 __asm__("x3") = 0;
    register i64 x4 __asm__("x4") = (i64)&thread_tid_word;
    __asm__ volatile(
        "svc #0\n"
        "cbnz x0, 1f\n"
        /* child: thread_ran = 1; exit(0) */
        "mov w9, #1\n"
        "str w9, [%[ran]]\n"
        "mov x0, #0\n"
        "mov x8, #93\n"
        "svc #0\n"
        "1:\n"
        : "+r"(x0)
        : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), [ran] "r"(&thread_ran)
        : "x9", "memory");
    return x0;
}

int main(int argc, char **argv, char **envp) {
    if (argc > 1 && seq(argv[1], "exec-child")) {
        puts_("exec-child running\n");
        return 3;
    }
    i64 pid = sys2(SYS_clone, SIGCHLD, 0);
    if (pid == 0)
        exit_(7);
    int status = 0;
    i64 w = sys4(SYS_wait4, pid, &status, 0, 0);
    check("fork + wait4", w == pid && (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 7);

    i64 tid = spawn_thread();
    check("clone thread", tid > 0);
    /* CLONE_CHILD_CLEARTID: the word goes to 0 and is futex-woken when the thread ends. */
    int v;
    while ((v = thread_tid_word) != 0)
        sys6(SYS_futex, (i64)&thread_tid_word, FUTEX_WAIT, v, 0, 0, 0);
    check("thread ran and its tid word was cleared", thread_ran == 1);

    char buf[4096];
    i64 n = sys4(SYS_readlinkat, -100, "/proc/self/exe", buf, sizeof buf - 1);
    check("/proc/self/exe names the guest program", n > 0 && n < 4095);
    if (n > 0) {
        buf[n] = 0;
        const char *base = buf + n;
        while (base > buf && base[-1] != '/')
            base--;
        check("/proc/self/exe basename is proc", seq(base, "proc"));
    }

    /* /proc/self/maps describes the guest's memory (the stack among it). */
    int fd = (int)sys4(SYS_openat, -100, "/proc/self/maps", 0, 0);
    n = fd >= 0 ? sys3(SYS_read, fd, buf, sizeof buf - 1) : -1;
    int has_stack = 0;
    if (n > 0) {
        buf[n] = 0;
        for (i64 i = 0; i + 7 <= n; i++)
            if (sprefix(buf + i, "[stack]"))
                has_stack = 1;
    }
    check("/proc/self/maps shows the guest stack", has_stack);
    sys1(SYS_close, fd);

    pid = sys2(SYS_clone, SIGCHLD, 0);
    if (pid == 0) {
        char *args[] = {argv[0], "exec-child", 0};
        sys3(SYS_execve, argv[0], args, envp);
        exit_(99);
    }
    sys4(SYS_wait4, pid, &status, 0, 0);
    check("execve runs the new program", (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 3);
    return failures;
}
