/* A dynamically linked glibc program: needs the sysroot's ld-linux-aarch64.so.1. */
#include <stdio.h>
int main(void) {
    puts("hello from glibc");
    return 0;
}
