/* Writing to a pipe without readers: the default action of SIGPIPE kills the guest. */
#include "nolibc.h"

int main(int argc, char **argv, char **envp) {
    (void)argc; (void)argv; (void)envp;
    int p[2];
    sys2(SYS_pipe2, p, 0);
    sys1(SYS_close, p[0]);
    sys3(SYS_write, p[1], "x", 1);
    puts_("still alive\n");
    return 0;
}
