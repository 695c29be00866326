// Processes and signals: fork + pipe + waitpid (exit status and death by signal), a
// SIGUSR1 handler via raise and kill, a blocked then pending signal, SA_SIGINFO, and a
// handler that longjmps out of a SIGSEGV. Output from the child is written before the
// parent prints, through the pipe, so the order is fixed.
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_count;
static volatile int last_signo, last_code_is_user;
static sigjmp_buf segv_escape;
// Laundered through a volatile so the compiler neither warns about nor removes the fault.
static volatile unsigned long unmapped_address = 16;

static void on_usr1(int signo) { usr1_count++; last_signo = signo; }
static void on_usr2(int signo, siginfo_t *info, void *context) {
    (void)context;
    last_signo = signo;
    last_code_is_user = info->si_code == SI_TKILL || info->si_code == SI_USER;
}
static void on_segv(int signo) { (void)signo; siglongjmp(segv_escape, 1); }

static void pipes_and_children(void) {
    int fds[2];
    if (pipe(fds) != 0) { perror("pipe"); exit(1); }
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        const char msg[] = "message from the child through the pipe";
        if (write(fds[1], msg, sizeof msg) != (ssize_t)sizeof msg) _exit(99);
        _exit(7);
    }
    close(fds[1]);
    char buf[128] = {0};
    ssize_t total = 0, n;
    while ((n = read(fds[0], buf + total, sizeof buf - 1 - total)) > 0) total += n;
    close(fds[0]);
    int status = 0;
    pid_t waited = waitpid(child, &status, 0);
    printf("read %zd bytes: %s\n", total, buf);
    printf("waitpid matched=%d exited=%d status=%d\n", waited == child, WIFEXITED(status), WEXITSTATUS(status));

    child = fork();
    if (child == 0) abort();  // dies by SIGABRT
    waitpid(child, &status, 0);
    printf("child signaled=%d signal=%d\n", WIFSIGNALED(status), WTERMSIG(status));

    // Several children, reaped in any order: only the sum of their statuses is printed.
    int sum = 0;
    for (int i = 1; i <= 5; i++)
        if (fork() == 0) _exit(i * 3);
    for (int i = 0; i < 5; i++) {
        wait(&status);
        sum += WEXITSTATUS(status);
    }
    printf("sum of 5 children's statuses %d\n", sum);
}

static void signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("SIGUSR1 handled %d times, last signal %d\n", (int)usr1_count, last_signo);

    sigset_t block, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    sigpending(&pending);
    printf("blocked: pending=%d count still %d\n", sigismember(&pending, SIGUSR1), (int)usr1_count);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    printf("unblocked: count %d\n", (int)usr1_count);

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr2;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("SA_SIGINFO: signal %d from user %d\n", last_signo, last_code_is_user);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(segv_escape, 1) == 0) {
        volatile int *bad = (volatile int *)unmapped_address;
        *bad = 1;
        printf("no fault?\n");
    } else {
        printf("recovered from SIGSEGV\n");
    }
    signal(SIGPIPE, SIG_IGN);
    int fds[2];
    pipe(fds);
    close(fds[0]);
    ssize_t w = write(fds[1], "x", 1);
    printf("write to a closed pipe: %zd (EPIPE, SIGPIPE ignored)\n", w);
}

int main(void) {
    pipes_and_children();
    signals();
    fflush(stdout);
    return 3;
}
