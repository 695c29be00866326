// Never ends by itself (for --timeout tests): with no arguments it spins in guest code;
// with any argument it blocks in a host syscall (ppoll with no descriptors and no timeout),
// where only a timer outside the guest's run loop can stop it.
        .text
        .globl _start
_start:
        ldr     x0, [sp]                // argc
        cmp     x0, #1
        b.gt    block
spin:   add     x1, x1, #1
        b       spin
block:  mov     x0, #0                  // fds = NULL
        mov     x1, #0                  // nfds = 0
        mov     x2, #0                  // timeout = NULL: forever
        mov     x3, #0                  // sigmask = NULL
        mov     x4, #8
        mov     x8, #73                 // ppoll
        svc     #0
        b       block
