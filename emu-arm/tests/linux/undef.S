// An undefined instruction: the guest dies of SIGILL (status 128+4 from a shell), as under
// qemu-aarch64 and real Linux.
    .text
    .global _start
_start:
    .inst 0x00000000    // udf #0
    mov x0, #0
    mov x8, #93
    svc #0
