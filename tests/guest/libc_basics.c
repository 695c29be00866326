// libc-level checks: printf of integers and doubles, qsort, string functions (glibc's
// use NEON, so alignment and length are varied), malloc/free/realloc, setjmp/longjmp,
// strtod/snprintf round trips and a little libm. Also built dynamically linked, to test
// the ELF interpreter path.
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng_state = 12345;
static uint32_t next_random(void) {  // xorshift32: the same sequence on every runner
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void formatting(void) {
    puts("== printf");
    printf("%d %i %u %x %X %o %ld %lld %hhd %hu\n", -42, 17, 4000000000u, 0xbeef, 0xcafe, 0755,
           -1234567890123L, 9223372036854775807LL, (signed char)200, (unsigned short)70000);
    printf("[%8d] [%-8d] [%08.3d] [%+d] [% d] [%#x] [%#o]\n", 42, 42, 42, 42, 42, 255, 8);
    double values[] = {0.0, -0.0, 1.0, 0.1, 1.0 / 3.0, 2.5e-300, 6.02214076e23, -123.456, 1e16, 5e-324};
    for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        printf("%g %.17g %e %.3f %a\n", values[i], values[i], values[i], values[i], values[i]);
    printf("%s|%10s|%-10s|%.3s|%c\n", "str", "right", "left", "truncate", 'Z');
    char buf[64];
    int n = snprintf(buf, 10, "%s", "this will not fit");
    printf("snprintf %d '%s'\n", n, buf);
    double parsed = strtod("  -1.25e-3xyz", NULL);
    printf("strtod %.17g strtol %ld strtoul %lu\n", parsed, strtol("-0x7f", NULL, 16),
           strtoul("777", NULL, 8));
    int a, b;
    char word[16];
    sscanf("12 34 words", "%d %d %15s", &a, &b, word);
    printf("sscanf %d %d %s\n", a, b, word);
}

static int compare_ints(const void *x, const void *y) {
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}
static int compare_strings(const void *x, const void *y) {
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void sorting(void) {
    puts("== qsort");
    enum { N = 2000 };
    static int numbers[N];
    for (int i = 0; i < N; i++) numbers[i] = (int)(next_random() % 100000) - 50000;
    qsort(numbers, N, sizeof(int), compare_ints);
    long sum = 0;
    int sorted = 1;
    for (int i = 0; i < N; i++) {
        sum += (long)numbers[i] * (i + 1);
        if (i > 0 && numbers[i - 1] > numbers[i]) sorted = 0;
    }
    printf("sorted=%d min=%d max=%d median=%d weighted=%ld\n", sorted, numbers[0], numbers[N - 1],
           numbers[N / 2], sum);
    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape",
                           "apricot", "kiwi"};
    qsort(words, 10, sizeof(words[0]), compare_strings);
    for (int i = 0; i < 10; i++) printf("%s%c", words[i], i == 9 ? '\n' : ' ');
    int key = numbers[777];
    int *found = bsearch(&key, numbers, N, sizeof(int), compare_ints);
    printf("bsearch found=%d\n", found != NULL && *found == key);
}

static void strings(void) {
    puts("== strings");
    static char src[300], dst[320];
    for (int i = 0; i < 299; i++) src[i] = (char)('a' + (i * 7) % 26);
    src[299] = 0;
    unsigned long checksum = 0;
    // Every alignment and many lengths: the NEON paths handle heads, tails and page crossing.
    for (int off = 0; off < 16; off++) {
        for (int len = 0; len < 80; len += 7) {
            memset(dst, '#', sizeof(dst));
            memcpy(dst + off, src + (15 - off), len);
            dst[off + len] = 0;
            checksum = checksum * 31 + strlen(dst + off);
            checksum = checksum * 31 + (unsigned long)(strchr(dst + off, 'q') ? strchr(dst + off, 'q') - dst : 0);
            checksum = checksum * 31 + (unsigned long)(strrchr(dst + off, 'h') ? strrchr(dst + off, 'h') - dst : 0);
            checksum = checksum * 31 + (unsigned long)(memchr(dst, 'z', off + len) ? (char *)memchr(dst, 'z', off + len) - dst : 0);
            checksum = checksum * 31 + (unsigned long)(strcmp(dst + off, src + 15 - off) + 1000);
            checksum = checksum * 31 + (unsigned long)(memcmp(dst + off, src + 15 - off, len) + 1000);
        }
    }
    printf("string checksum %lx\n", checksum);
    char text[128] = "the quick brown fox jumps over the lazy dog";
    memmove(text + 4, text, 20);
    printf("memmove '%s'\n", text);
    printf("strstr '%s' strspn %zu strcspn %zu\n", strstr(text, "fox"), strspn(text, "the "),
           strcspn(text, "xyz"));
    char copy[64];
    strcpy(copy, "alpha");
    strcat(copy, "-beta");
    strncat(copy, "-gammadelta", 6);
    printf("strcat '%s' strncmp %d\n", copy, strncmp(copy, "alpha-bz", 7) < 0);
    char *dup = strdup(copy);
    char *save = NULL;
    for (char *tok = strtok_r(dup, "-", &save); tok; tok = strtok_r(NULL, "-", &save)) printf("[%s]", tok);
    putchar('\n');
    free(dup);
}

static void allocation(void) {
    puts("== malloc");
    enum { SLOTS = 512 };
    static unsigned char *blocks[SLOTS];
    static size_t sizes[SLOTS];
    unsigned long checksum = 0;
    for (int round = 0; round < 4000; round++) {
        unsigned slot = next_random() % SLOTS;
        if (blocks[slot]) {
            for (size_t i = 0; i < sizes[slot]; i++) checksum += blocks[slot][i] ^ (unsigned char)i;
            if (round % 3 == 0) {
                size_t bigger = sizes[slot] * 2 + 1;
                unsigned char *p = realloc(blocks[slot], bigger);
                memset(p + sizes[slot], 0x33, bigger - sizes[slot]);
                blocks[slot] = p;
                sizes[slot] = bigger;
                continue;
            }
            free(blocks[slot]);
            blocks[slot] = NULL;
        } else {
            // Mostly small blocks, some large enough for glibc to mmap them.
            size_t size = next_random() % 16 == 0 ? 200000 + next_random() % 100000 : next_random() % 700 + 1;
            blocks[slot] = malloc(size);
            sizes[slot] = size;
            memset(blocks[slot], (int)(size & 0xff), size);
        }
    }
    for (int i = 0; i < SLOTS; i++) free(blocks[i]);
    int *zeroed = calloc(1000, sizeof(int));
    long zsum = 0;
    for (int i = 0; i < 1000; i++) zsum += zeroed[i];
    free(zeroed);
    printf("malloc checksum %lx calloc sum %ld\n", checksum, zsum);
}

static jmp_buf jump_target;
static void __attribute__((noinline)) deep(int depth) {
    if (depth == 0) longjmp(jump_target, 7);
    deep(depth - 1);
    printf("not reached\n");
}

static void nonlocal_jumps(void) {
    puts("== setjmp/longjmp");
    volatile int passes = 0;
    int value = setjmp(jump_target);
    passes++;
    if (value == 0) deep(50);
    printf("setjmp returned %d after %d passes\n", value, passes);
}

static void maths(void) {
    puts("== libm");
    volatile double x = 0.7;
    printf("%.17g %.17g %.17g %.17g %.17g %.17g\n", sin(x), cos(x), exp(x), log(x), pow(x, 3.5), atan2(x, -1.0));
    printf("%.17g %.17g %.9g\n", sqrt(2.0 * x), fma(x, x, -0.49), (double)sinf((float)x));
}

int main(void) {
    formatting();
    sorting();
    strings();
    allocation();
    nonlocal_jumps();
    maths();
    return 0;
}
