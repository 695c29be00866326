// write(1, "hello, world\n", 13); exit(0) — the smallest possible user-mode program.
    .text
    .global _start
_start:
    mov x0, #1
    adr x1, msg
    mov x2, #13
    mov x8, #64         // write
    svc #0
    mov x0, #0
    mov x8, #93         // exit
    svc #0
msg:
    .ascii "hello, world\n"
