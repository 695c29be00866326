// The smallest guest: no libc, raw Linux syscalls. Prints a greeting and each argument on
// its own line, then exits with status = number of arguments (so the exit status path is
// tested without libc).
        .text
        .globl _start
_start:
        ldr     x19, [sp]               // argc
        add     x20, sp, #8             // argv
        adr     x1, greeting
        mov     x2, #(greeting_end - greeting)
        bl      write_stdout
        mov     x21, #1                 // skip argv[0]: its spelling differs between runners
1:      cmp     x21, x19
        b.ge    2f
        ldr     x22, [x20, x21, lsl #3]
        mov     x1, x22                 // strlen(argv[i])
        mov     x2, #0
3:      ldrb    w3, [x22, x2]
        cbz     w3, 4f
        add     x2, x2, #1
        b       3b
4:      bl      write_stdout
        adr     x1, newline
        mov     x2, #1
        bl      write_stdout
        add     x21, x21, #1
        b       1b
2:      sub     x0, x19, #1             // exit(argc - 1)
        mov     x8, #93
        svc     #0

// write(1, x1, x2); clobbers x0 and x8.
write_stdout:
        mov     x0, #1
        mov     x8, #64
        svc     #0
        ret

        .section .rodata
greeting:
        .ascii  "hello from a raw-syscall guest\n"
greeting_end:
newline:
        .ascii  "\n"
