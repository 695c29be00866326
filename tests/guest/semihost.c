// Arm semihosting test program (HLT #0xF000), no C library: runs under `emu run
// --semihosting`, and, being linked at 0x40080000 with its own stack, general-register
// code only and no unaligned accesses, bare-metal on the `virt` board too (checked with
// qemu-system-aarch64 -M virt -nographic -nic none
//   -semihosting-config enable=on,target=native,arg=semihost,arg=17 -kernel semihost).
//
// Prints through the console (SYS_WRITE0/SYS_WRITEC, stderr) and through `:tt` (stdout),
// writes/reads/seeks/renames/removes files inside the semihosting root, checks that names
// outside it are refused, reads its command line, and exits with SYS_EXIT_EXTENDED (or
// SYS_EXIT if the third word of the command line is "sys_exit") and the status given as
// the second word of the command line: `semihost 42` exits with 42.

typedef unsigned long u64;
typedef long i64;

enum {
    SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITEC = 0x03, SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_ISERROR = 0x08, SYS_SEEK = 0x0A,
    SYS_FLEN = 0x0C, SYS_REMOVE = 0x0E, SYS_RENAME = 0x0F, SYS_CLOCK = 0x10,
    SYS_TIME = 0x11, SYS_ERRNO = 0x13, SYS_GET_CMDLINE = 0x15, SYS_HEAPINFO = 0x16,
    SYS_EXIT = 0x18, SYS_EXIT_EXTENDED = 0x20, SYS_TICKFREQ = 0x31,
};
enum { MODE_R = 0, MODE_W = 4, MODE_WPLUS = 6 };
#define ADP_Stopped_ApplicationExit 0x20026UL

// GCC may emit calls to these even without a C library.
void *memset(void *d, int c, u64 n) {
    volatile char *p = d;
    while (n--) *p++ = (char)c;
    return d;
}
void *memcpy(void *d, const void *s, u64 n) {
    char *p = d;
    const char *q = s;
    while (n--) *p++ = *q++;
    return d;
}

static i64 semihost(u64 op, const void *arg) {
    register u64 x0 __asm__("x0") = op;
    register const void *x1 __asm__("x1") = arg;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    return (i64)x0;
}

static u64 len(const char *s) {
    u64 n = 0;
    while (s[n]) n++;
    return n;
}

static i64 out = -1;  // `:tt` opened for writing: stdout

static void put(const char *s) {
    u64 args[3] = {(u64)out, (u64)s, len(s)};
    semihost(SYS_WRITE, args);
}

static void put_dec(i64 v) {
    char buf[24];
    int i = 23;
    int neg = v < 0;
    u64 u = neg ? -(u64)v : (u64)v;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg) buf[--i] = '-';
    put(&buf[i]);
}

static void put_kv(const char *key, i64 v) {
    put(key);
    put_dec(v);
    put("\n");
}

static i64 open_file(const char *name, u64 mode) {
    u64 args[3] = {(u64)name, mode, len(name)};
    return semihost(SYS_OPEN, args);
}

static i64 call1(u64 op, u64 a) {
    u64 args[1] = {a};
    return semihost(op, args);
}

static i64 call2(u64 op, u64 a, u64 b) {
    u64 args[2] = {a, b};
    return semihost(op, args);
}

static i64 call3(u64 op, u64 a, u64 b, u64 c) {
    u64 args[3] = {a, b, c};
    return semihost(op, args);
}

static void exit_with(u64 op, u64 status) {
    u64 args[2] = {ADP_Stopped_ApplicationExit, status};
    semihost(op, args);
    for (;;) {
    }
}

static void refused(const char *name) {
    i64 h = open_file(name, MODE_W);
    put("open ");
    put(name);
    put(": ");
    put_dec(h);
    put(h == -1 ? " errno " : " UNEXPECTED SUCCESS errno ");
    put_dec(semihost(SYS_ERRNO, 0));
    put("\n");
}

int main(void) {
    semihost(SYS_WRITE0, "console: SYS_WRITE0\n");
    semihost(SYS_WRITEC, "!");
    semihost(SYS_WRITEC, "\n");

    out = open_file(":tt", MODE_W);
    if (out <= 0) exit_with(SYS_EXIT_EXTENDED, 90);
    put("stdout: SYS_WRITE to :tt\n");

    static char cmdline[256];
    u64 block[2] = {(u64)cmdline, sizeof cmdline};
    put_kv("get_cmdline ", semihost(SYS_GET_CMDLINE, block));
    put("cmdline: ");
    put(cmdline);
    put("\n");
    put_kv("cmdline length ", (i64)block[1]);

    // A file inside the root: write, length, seek, read, short read.
    i64 f = open_file("semihost-data.txt", MODE_WPLUS);
    if (f <= 0) {
        put_kv("open semihost-data.txt failed, errno ", semihost(SYS_ERRNO, 0));
        exit_with(SYS_EXIT_EXTENDED, 91);
    }
    put_kv("write left ", call3(SYS_WRITE, f, (u64)"0123456789", 10));
    put_kv("flen ", call1(SYS_FLEN, f));
    put_kv("seek ", call2(SYS_SEEK, f, 3));
    char got[16];
    memset(got, 0, sizeof got);
    put_kv("read left ", call3(SYS_READ, f, (u64)got, 4));
    put("read: ");
    put(got);
    put("\n");
    call2(SYS_SEEK, f, 8);
    memset(got, 0, sizeof got);
    put_kv("short read left ", call3(SYS_READ, f, (u64)got, 4));
    put_kv("read at end left ", call3(SYS_READ, f, (u64)got, 4));
    put_kv("close ", call1(SYS_CLOSE, f));
    put_kv("close again ", call1(SYS_CLOSE, f));
    put_kv("iserror(-1) ", call1(SYS_ISERROR, (u64)-1));

    const char *from = "semihost-data.txt", *to = "semihost-renamed.txt";
    u64 ren[4] = {(u64)from, len(from), (u64)to, len(to)};
    put_kv("rename ", semihost(SYS_RENAME, ren));
    f = open_file(to, MODE_R);
    memset(got, 0, sizeof got);
    call3(SYS_READ, f, (u64)got, 10);
    put("renamed file holds: ");
    put(got);
    put("\n");
    call1(SYS_CLOSE, f);

    const char *tmp = "semihost-removed.txt";
    call1(SYS_CLOSE, open_file(tmp, MODE_W));
    put_kv("remove ", call2(SYS_REMOVE, (u64)tmp, len(tmp)));
    put_kv("remove again ", call2(SYS_REMOVE, (u64)tmp, len(tmp)));

    // Names outside the root.
    refused("../semihost-outside.txt");
    refused("/tmp/semihost-outside.txt");

    f = open_file(":semihosting-features", MODE_R);
    memset(got, 0, sizeof got);
    put_kv("features left ", call3(SYS_READ, f, (u64)got, 5));
    got[4] = (char)('0' + got[4]);
    put("features: ");
    put(got);
    put("\n");
    call1(SYS_CLOSE, f);

    u64 heap[4] = {0, 0, 0, 0};
    u64 heap_ptr[1] = {(u64)heap};
    semihost(SYS_HEAPINFO, heap_ptr);
    put(heap[1] > heap[0] && heap[2] != 0 ? "heapinfo: plausible\n" : "heapinfo: IMPLAUSIBLE\n");
    i64 now = semihost(SYS_TIME, 0);
    put(now > 1600000000 ? "time: plausible\n" : "time: IMPLAUSIBLE\n");
    put(semihost(SYS_CLOCK, 0) >= 0 ? "clock: plausible\n" : "clock: IMPLAUSIBLE\n");
    put_kv("tickfreq ", semihost(SYS_TICKFREQ, 0));

    // The exit status: the second word of the command line; SYS_EXIT with a third word
    // "sys_exit".
    u64 status = 0, word = 0, plain = 0;
    const char *p = cmdline;
    for (; *p; p++) {
        if (*p == ' ') {
            word++;
            continue;
        }
        if (word == 1 && *p >= '0' && *p <= '9') status = status * 10 + (u64)(*p - '0');
        if (word == 2 && *p == 's') plain = 1;
    }
    put_kv("exiting with ", (i64)status);
    exit_with(plain ? SYS_EXIT : SYS_EXIT_EXTENDED, status);
    return 0;
}

// Entry: our own stack (a bare-metal loader provides none), .bss cleared, then main.
__asm__(
    "    .globl _start\n"
    "_start:\n"
    "    adrp x0, __bss_start\n"
    "    add  x0, x0, :lo12:__bss_start\n"
    "    adrp x1, _end\n"
    "    add  x1, x1, :lo12:_end\n"
    "1:  cmp  x0, x1\n"
    "    b.hs 2f\n"
    "    strb wzr, [x0], #1\n"
    "    b    1b\n"
    "2:  adrp x0, stack_top\n"
    "    add  x0, x0, :lo12:stack_top\n"
    "    mov  sp, x0\n"
    "    bl   main\n"
    "3:  b    3b\n");

static char stack[64 * 1024] __attribute__((aligned(16), used));
__asm__(".set stack_top, stack + 65536\n");
