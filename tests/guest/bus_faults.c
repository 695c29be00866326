// SIGBUS from a file mapping that extends past the end of its file: the page after the
// file's last page exists in the mapping, but reading or writing it raises SIGBUS
// (BUS_ADRERR) at the address touched. The program catches each one and jumps out of
// its handler. Cold accesses run in emu's interpreter; the hot loop is compiled after a
// few rounds, and its loads then fault in the host inside compiled code, which emu must
// re-run in the interpreter up to the faulting access. An in-memory counter, bumped by
// every loop iteration, shows that nothing before the fault ran twice.
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define ROUNDS 2000

static sigjmp_buf jump_out;
static volatile uintptr_t last_addr;
static volatile int last_code;
static volatile unsigned bus_errors;
static volatile uint64_t counter;

static void on_bus(int sig, siginfo_t *info, void *ctx) {
    (void)sig;
    (void)ctx;
    last_addr = (uintptr_t)info->si_addr;
    last_code = info->si_code;
    bus_errors++;
    siglongjmp(jump_out, 1);
}

// Sums bytes from p on, across the end of the file's page into the page past the file.
__attribute__((noinline)) static uint64_t sum_bytes(const volatile uint8_t *p, int n) {
    uint64_t s = 0;
    for (int i = 0; i < n; i++) {
        s = s * 33 + p[i];
        counter++;
    }
    return s;
}

static void report(const char *what, const uint8_t *base) {
    printf("%s: SIGBUS %u, code %d (BUS_ADRERR %d), at +%ld\n", what, bus_errors, last_code,
           BUS_ADRERR, (long)(last_addr - (uintptr_t)base));
}

int main(void) {
    char path[] = "/tmp/emu-bus-faults-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    unlink(path);
    uint8_t data[100];
    for (int i = 0; i < 100; i++)
        data[i] = (uint8_t)(i * 5 + 1);
    if (write(fd, data, sizeof data) != (ssize_t)sizeof data) {
        perror("write");
        return 1;
    }
    uint8_t *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);

    printf("inside the file: %d %d\n", p[0], p[99]);
    // Past the end of the file but inside its last page: zeros, and writable.
    p[200] = 9;
    printf("rest of the last page: %d %d\n", p[100], p[200]);

    if (!sigsetjmp(jump_out, 1)) {
        volatile uint8_t v = p[PAGE + 5];
        printf("read past the file's last page did not fault (%d)\n", v);
    }
    report("read", p);
    if (!sigsetjmp(jump_out, 1)) {
        ((volatile uint32_t *)(p + PAGE))[3] = 1;
        printf("write past the file's last page did not fault\n");
    }
    report("write", p);

    volatile uint64_t total = 0;
    volatile unsigned wrong = 0;
    for (volatile int round = 0; round < ROUNDS; round++) {
        unsigned before = bus_errors;
        if (!sigsetjmp(jump_out, 1))
            total += sum_bytes(p + PAGE - 8, 16);
        if (bus_errors != before + 1 || last_addr != (uintptr_t)(p + PAGE))
            wrong++;
    }
    printf("hot loop: %u rounds with the wrong fault, iterations counted %llu, sum %llu\n",
           wrong, (unsigned long long)counter, (unsigned long long)total);

    // Growing the file makes the page real.
    if (ftruncate(fd, 2 * PAGE) != 0) {
        perror("ftruncate");
        return 1;
    }
    p[PAGE + 5] = 77;
    printf("after ftruncate: %d, faults %u\n", p[PAGE + 5], bus_errors);
    return 0;
}
