// Never ends by itself (for --timeout tests):
//   spin            spins in guest code;
//   spin block      blocks in a host syscall (ppoll with no descriptors and no timeout),
//                   where only a timer outside the guest's run loop can stop it;
//   spin fork ...   forks: the child spins, the parent waits for it forever.
        .text
        .globl _start
_start:
        ldr     x0, [sp]                // argc
        cmp     x0, #1
        b.le    spin
        ldr     x1, [sp, #16]           // argv[1]
        ldrb    w1, [x1]
        cmp     w1, #'f'
        b.eq    fork
block:  mov     x0, #0                  // fds = NULL
        mov     x1, #0                  // nfds = 0
        mov     x2, #0                  // timeout = NULL: forever
        mov     x3, #0                  // sigmask = NULL
        mov     x4, #8
        mov     x8, #73                 // ppoll
        svc     #0
        b       block
fork:   mov     x0, #17                 // flags = SIGCHLD: a plain fork
        mov     x1, #0
        mov     x2, #0
        mov     x3, #0
        mov     x4, #0
        mov     x8, #220                // clone
        svc     #0
        cbz     x0, spin                // the child
wait:   mov     x0, #-1                 // any child
        mov     x1, #0
        mov     x2, #0
        mov     x3, #0
        mov     x8, #260                // wait4
        svc     #0
        b       wait
spin:   add     x1, x1, #1
        b       spin
