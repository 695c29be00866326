/* A static glibc program exercising the Linux layer the way real programs do: pthreads
 * (clone, futex, set_robust_list, rseq), malloc (brk, mmap), stdio, a SIGSEGV handler
 * that siglongjmps out, fork + waitpid, files and directories (openat flags, fstatat,
 * getdents64, fcntl), alarm + pause (a host signal interrupting a blocking syscall),
 * pipes, and floating point through printf. Prints a fixed transcript. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int counter;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static void *worker(void *a) {
    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return a;
}
static sigjmp_buf jb;
static void on_segv(int s) {
    (void)s;
    siglongjmp(jb, 1);
}
static volatile sig_atomic_t alarmed;
static void on_alarm(int s) {
    (void)s;
    alarmed = 1;
}

int main(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], 0, worker, 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], 0);
    printf("threads: counter %d\n", counter);

    char *p = malloc(1 << 20);
    memset(p, 7, 1 << 20);
    printf("malloc: %d\n", p[12345]);
    free(p);

    signal(SIGSEGV, on_segv);
    if (!sigsetjmp(jb, 1)) {
        *(volatile int *)8 = 1;
        printf("segv: not raised\n");
    } else {
        printf("segv: caught\n");
    }

    pid_t pid = fork();
    if (!pid)
        _exit(5);
    int st;
    waitpid(pid, &st, 0);
    printf("fork: child exit %d\n", WEXITSTATUS(st));

    char dir[] = "/tmp/emu-glibc-XXXXXX";
    if (!mkdtemp(dir)) {
        printf("mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    char path[64];
    snprintf(path, sizeof path, "%s/f", dir);
    FILE *f = fopen(path, "w");
    fputs("0123456789", f);
    fclose(f);
    struct stat sb;
    stat(path, &sb);
    printf("stat: size %lld regular %d\n", (long long)sb.st_size, S_ISREG(sb.st_mode));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    printf("open O_DIRECTORY: %s, F_GETFL has it: %d\n", dfd >= 0 ? "ok" : strerror(errno),
           (fcntl(dfd, F_GETFL) & O_DIRECTORY) != 0);
    printf("open file with O_DIRECTORY: %s\n",
           open(path, O_RDONLY | O_DIRECTORY) < 0 && errno == ENOTDIR ? "ENOTDIR" : "wrong");
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n++;
    closedir(d);
    printf("readdir: %d entries\n", n);
    unlink(path);
    rmdir(dir);

    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("clock: %d\n", ts.tv_sec > 0 || ts.tv_nsec > 0);
    signal(SIGALRM, on_alarm);
    alarm(1);
    pause();
    printf("alarm: %d\n", alarmed);

    int pfd[2];
    if (pipe(pfd) != 0)
        return 1;
    if (write(pfd[1], "xyz", 3) != 3)
        return 1;
    char b[4] = {0};
    if (read(pfd[0], b, 3) != 3)
        return 1;
    printf("pipe: %s\n", b);

    double x = 1.5;
    for (int i = 0; i < 10; i++)
        x = x * 1.1 + 0.3;
    printf("fp: %.6f\n", x);
    return 0;
}
