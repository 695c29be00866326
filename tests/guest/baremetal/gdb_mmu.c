/* Bare-metal program debugged by tests/gdb_system.rs (emu boot --gdb): builds stage-1
 * page tables, turns the MMU on, takes an SVC, writes a global a few times and prints a
 * word it reads through a VA window that maps onto RAM at a different PA, then powers off.
 *
 * Memory map once the MMU is on (4 KiB granule, 39-bit VAs, TTBR0 only):
 *   VA 0x00000000-0x3fffffff  -> PA same, Device-nGnRnE (1 GiB block: the UART)
 *   VA 0x40000000-0x7fffffff  -> PA same, Normal (1 GiB block: RAM, where we run)
 *   VA 0x80000000-0x80000fff  -> PA of `window_page`, Normal (one level-3 page)
 *   everything else unmapped (VA 0x80001000 gives a Translation fault at level 3). */

#define UART_DR ((volatile unsigned int *)0x09000000)
#define UART_FR ((volatile unsigned int *)0x09000018)
#define WINDOW_VA 0x80000000UL

extern void tick(unsigned long value);
extern void raise_svc(void);

/* Written by tick(); the test watches it. */
volatile unsigned long counter;
/* SVCs taken (the exception handler increments it). */
volatile unsigned long svc_count;

struct window {
    char text[32];
    unsigned int words[8];
};

/* The page behind the VA window. The test rewrites words[0] through the window. */
struct window window_page __attribute__((aligned(4096))) = {
    "seen through the MMU",
    {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88},
};

unsigned long level1[512] __attribute__((aligned(4096)));
unsigned long level2[512] __attribute__((aligned(4096)));
unsigned long level3[512] __attribute__((aligned(4096)));

#define VALID (1UL << 0)
#define TABLE (1UL << 1) /* at levels 1-2: next-level table; at level 3: page */
#define ATTR_NORMAL (0UL << 2)
#define ATTR_DEVICE (1UL << 2)
#define INNER_SHAREABLE (3UL << 8)
#define ACCESS_FLAG (1UL << 10)
#define PXN (1UL << 53)
#define UXN (1UL << 54)

static void putc_uart(char c)
{
    while (*UART_FR & (1 << 5))
        ;
    *UART_DR = (unsigned int)c;
}

static void puts_uart(const char *s)
{
    while (*s)
        putc_uart(*s++);
}

static void puthex(unsigned long v)
{
    puts_uart("0x");
    for (int shift = 28; shift >= 0; shift -= 4)
        putc_uart("0123456789abcdef"[(v >> shift) & 0xf]);
}

void mmu_on(void)
{
    level1[0] = 0x00000000UL | VALID | ATTR_DEVICE | ACCESS_FLAG | PXN | UXN;
    level1[1] = 0x40000000UL | VALID | ATTR_NORMAL | INNER_SHAREABLE | ACCESS_FLAG;
    level1[2] = (unsigned long)level2 | VALID | TABLE;
    level2[0] = (unsigned long)level3 | VALID | TABLE;
    level3[0] = (unsigned long)&window_page | VALID | TABLE | ATTR_NORMAL | INNER_SHAREABLE |
                ACCESS_FLAG | PXN | UXN;
    unsigned long mair = 0xffUL | (0x00UL << 8); /* attr 0: Normal WB; attr 1: Device */
    /* T0SZ = 25 (39-bit VAs), inner/outer WB, inner shareable, 4 KiB; no TTBR1 walks. */
    unsigned long tcr = 25 | (1UL << 8) | (1UL << 10) | (3UL << 12) | (1UL << 23);
    unsigned long ttbr0 = (unsigned long)level1;
    unsigned long sctlr;
    __asm__ volatile("msr mair_el1, %0\n"
                     "msr tcr_el1, %1\n"
                     "msr ttbr0_el1, %2\n"
                     "dsb ish\n"
                     "isb\n"
                     "mrs %3, sctlr_el1\n"
                     "orr %3, %3, #1\n" /* M */
                     "orr %3, %3, #(1 << 2)\n" /* C */
                     "orr %3, %3, #(1 << 12)\n" /* I */
                     "msr sctlr_el1, %3\n"
                     "isb\n"
                     : "+r"(mair), "+r"(tcr), "+r"(ttbr0), "=&r"(sctlr)
                     :
                     : "memory");
}

/* Runs first thing after the MMU is on: the test's breakpoint. */
void __attribute__((noinline)) mmu_is_on(void)
{
    puts_uart("MMU on\n");
}

void main(void)
{
    mmu_on();
    mmu_is_on();
    raise_svc();
    for (unsigned long i = 1; i <= 3; i++)
        tick(i);
    volatile struct window *w = (volatile struct window *)WINDOW_VA;
    puts_uart("window word 0: ");
    puthex(w->words[0]);
    puts_uart("\nsvc count: ");
    puthex(svc_count);
    puts_uart("\ncounter: ");
    puthex(counter);
    puts_uart("\n");
}
