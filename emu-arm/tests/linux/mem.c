/* brk, mmap, munmap, mprotect, mremap and madvise round trips. */
#include "nolibc.h"

#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED 0x10
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MADV_DONTNEED 4
#define EEXIST 17
#define ENOMEM 12

static volatile int faults;
static u64 fault_addr;
static int fault_code;

static void on_segv(int sig, struct siginfo *si, void *uc) {
    struct sigcontext *sc = (struct sigcontext *)((u8 *)uc + UC_MCONTEXT);
    faults++;
    fault_addr = si->addr;
    fault_code = si->code;
    sc->pc += 4; /* skip the faulting instruction */
    (void)sig;
}

static void store(volatile u64 *p, u64 v) { *p = v; }

int main(int argc, char **argv, char **envp) {
    (void)argc; (void)argv; (void)envp;
    struct ksigaction sa = {on_segv, SA_SIGINFO, 0, 0};
    check("sigaction", sys4(SYS_rt_sigaction, 11, &sa, 0, 8) == 0);

    u64 b0 = sys1(SYS_brk, 0);
    check("brk query", b0 != 0);
    u64 b1 = sys1(SYS_brk, b0 + 100000);
    check("brk grow", b1 == b0 + 100000);
    volatile u8 *heap = (u8 *)b0;
    heap[0] = 1;
    heap[99999] = 2;
    check("brk memory", heap[0] == 1 && heap[99999] == 2);
    check("brk shrink", sys1(SYS_brk, b0 + 10) == b0 + 10);
    check("brk below start refused", sys1(SYS_brk, 4096) == b0 + 10);

    u64 *m = (u64 *)sys6(SYS_mmap, 0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mmap anon", (i64)m > 0 && ((u64)m & 4095) == 0);
    check("mmap zeroed", m[0] == 0 && m[1000] == 0);
    m[0] = 0x1234;
    m[1000] = 0x5678;
    check("mmap rw", m[0] == 0x1234 && m[1000] == 0x5678);

    i64 r = sys6(SYS_mmap, (u64)m, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    check("MAP_FIXED_NOREPLACE on a mapping", r == -EEXIST);

    check("mprotect ro", sys3(SYS_mprotect, m, 4096, PROT_READ) == 0);
    store(m, 99);
    check("write to ro faults (SEGV_ACCERR)", faults == 1 && fault_addr == (u64)m && fault_code == 2);
    check("ro page unchanged", m[0] == 0x1234);
    check("mprotect back to rw", sys3(SYS_mprotect, m, 4096, PROT_READ | PROT_WRITE) == 0);
    store(m, 7);
    check("rw again", m[0] == 7 && faults == 1);

    check("madvise dontneed", sys3(SYS_madvise, m, 4096, MADV_DONTNEED) == 0);
    check("dontneed zeroes", m[0] == 0);

    u64 *g = (u64 *)sys5(SYS_mremap, m, 3 * 4096, 64 * 4096, MREMAP_MAYMOVE, 0);
    check("mremap grow", (i64)g > 0);
    check("mremap keeps data", g[1000] == 0x5678);
    g[64 * 512 - 1] = 5;
    check("mremap new part usable", g[64 * 512 - 1] == 5);

    check("munmap", sys2(SYS_munmap, g, 64 * 4096) == 0);
    store(g, 1);
    check("unmapped write faults (SEGV_MAPERR)", faults == 2 && fault_addr == (u64)g && fault_code == 1);
    check("mprotect unmapped", sys3(SYS_mprotect, g, 4096, PROT_READ) == -ENOMEM);

    u64 *f = (u64 *)sys6(SYS_mmap, (u64)g, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check("MAP_FIXED", f == g);
    f[1] = 3;
    check("MAP_FIXED usable", f[1] == 3);
    return failures;
}
