/* The program tests/gdb_user.rs debugs with gdb-multiarch through `emu run --gdb`.
 * Built with -g -O0 (and not stripped) so gdb sees every local and line.
 *   no arguments: computes 3 * (1 + 2 + 3 + 4) = 30, writes the watched global, prints
 *                 "result=30 counter=42" and exits with status 30 (result).
 *   "spin":       prints "spinning", loops until gdb clears keep_spinning (Ctrl-C). */
#include <stdio.h>
#include <string.h>

volatile int watched_counter;
int multiplier = 3;
volatile int keep_spinning = 1;
volatile unsigned long spins;

static int add_scaled(int a, int b)
{
    int scaled = b * multiplier;
    int sum = a + scaled;
    return sum;
}

int compute(int n)
{
    int total = 0;
    for (int i = 1; i <= n; i++)
        total = add_scaled(total, i);
    return total;
}

void bump_counter(void)
{
    watched_counter = 42;
    watched_counter += 0;
}

void spin(void)
{
    while (keep_spinning)
        spins++;
}

int main(int argc, char **argv)
{
    int limit = 4;
    int result = compute(limit);
    bump_counter();
    if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        puts("spinning"); /* tells the test that the loop is about to start */
        fflush(stdout);
        spin();
    }
    printf("result=%d counter=%d\n", result, watched_counter);
    return result & 0x7f;
}
