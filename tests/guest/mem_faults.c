// Faults in hot code that the program recovers from by fixing the page's protection in
// its SIGSEGV handler and returning, so the faulting access runs again. Under emu the
// loops are compiled after a few rounds, and their loads and stores then fault in the
// host (jit/hostfault.rs): the faulting access must be retried exactly once, with the
// registers and memory the loop had at that point. Every loop also counts its
// iterations in memory (a load, an add and a store), which a re-run of anything already
// done would count twice.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define ROUNDS 3000

static uint8_t *area;               // two pages: the second one is the one protected
static volatile uintptr_t last_fault;
static volatile unsigned faults;
static volatile uint64_t counter;   // in memory, read-modify-written by every loop

static void on_segv(int sig, siginfo_t *info, void *ctx) {
    (void)sig;
    (void)ctx;
    last_fault = (uintptr_t)info->si_addr;
    faults++;
    // Let the access through on its retry.
    mprotect(area + PAGE, PAGE, PROT_READ | PROT_WRITE);
}

// Sums 64-bit words from p up to (and across) the page end; the loads past the page
// boundary fault while the second page is protected.
__attribute__((noinline)) static uint64_t sum_words(const volatile uint64_t *p, int n) {
    uint64_t s = 0;
    for (int i = 0; i < n; i++) {
        s = s * 31 + p[i];
        counter++;
    }
    return s;
}

// Stores a pattern across the page end; the stores into the second page fault while it
// is read-only.
__attribute__((noinline)) static void fill_words(volatile uint64_t *p, int n, uint64_t v) {
    for (int i = 0; i < n; i++) {
        p[i] = v + (uint64_t)i;
        counter++;
    }
}

// Unaligned 8-byte loads that straddle the page boundary.
__attribute__((noinline)) static uint64_t straddle(const uint8_t *p, int n) {
    uint64_t s = 0;
    for (int i = 0; i < n; i++) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        s ^= v + (uint64_t)i;
        counter++;
    }
    return s;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);

    area = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (int i = 0; i < 2 * PAGE; i++)
        area[i] = (uint8_t)(i * 7 + 3);

    uint64_t total = 0;
    unsigned read_faults = 0, write_faults = 0, straddle_faults = 0;
    for (int round = 0; round < ROUNDS; round++) {
        // Loads: 6 words before the boundary, 4 after it.
        mprotect(area + PAGE, PAGE, PROT_NONE);
        unsigned before = faults;
        total += sum_words((const volatile uint64_t *)(area + PAGE - 48), 10);
        read_faults += faults - before;
        if (last_fault != (uintptr_t)(area + PAGE))
            printf("round %d: read fault at +%ld\n", round, (long)(last_fault - (uintptr_t)area));

        // Stores into a read-only second page.
        mprotect(area + PAGE, PAGE, PROT_READ);
        before = faults;
        fill_words((volatile uint64_t *)(area + PAGE - 24), 6, (uint64_t)round << 8);
        write_faults += faults - before;
        if (last_fault != (uintptr_t)(area + PAGE))
            printf("round %d: write fault at +%ld\n", round, (long)(last_fault - (uintptr_t)area));

        // Unaligned loads across the boundary.
        mprotect(area + PAGE, PAGE, PROT_NONE);
        before = faults;
        total += straddle(area + PAGE - 12, 8);
        straddle_faults += faults - before;
    }
    printf("faults: read %u, write %u, straddling %u (one each per round)\n", read_faults,
           write_faults, straddle_faults);
    printf("iterations counted in memory: %llu\n", (unsigned long long)counter);
    printf("checksum %016llx\n", (unsigned long long)total);
    uint64_t tail = 0;
    for (int i = PAGE - 24; i < PAGE + 24; i++)
        tail = tail * 131 + area[i];
    printf("memory around the boundary %016llx\n", (unsigned long long)tail);
    return 0;
}
