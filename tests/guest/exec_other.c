// execve: prints a line, then replaces itself with the program named by argv[1], passing
// the remaining arguments and one added environment variable (the new program's output
// follows; tests/guest/hello prints it). If execve returns, it failed: the error is printed and the status is 127.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: exec_other PROGRAM [ARGS...]\n");
        return 2;
    }
    printf("exec_other: about to execve with %d argument(s)\n", argc - 2);
    fflush(stdout);
    char *env[] = {"EMU_TEST_EXEC=1", NULL};
    execve(argv[1], argv + 1, env);
    printf("execve failed: %s\n", strerror(errno));
    return 127;
}
