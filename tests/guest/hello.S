// The smallest guest: no libc, raw Linux syscalls. Prints a greeting, each argument on its
// own line, then each environment variable whose name starts with "EMU_T" (so tests can
// check --env/--unset-env without libc), and exits with status = number of arguments.
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
        ldr     x0, [x20, x21, lsl #3]
        bl      write_line
        add     x21, x21, #1
        b       1b
2:      add     x21, x19, #1            // envp = argv + argc + 1, NULL-terminated
5:      ldr     x22, [x20, x21, lsl #3]
        cbz     x22, 6f
        ldr     w3, [x22]               // "EMU_" as a little-endian word (unaligned is fine)
        movz    w4, #0x4d45             // 'E' 'M'
        movk    w4, #0x5f55, lsl #16    // 'U' '_'
        cmp     w3, w4
        b.ne    7f
        ldrb    w3, [x22, #4]
        cmp     w3, #'T'
        b.ne    7f
        mov     x0, x22
        bl      write_line
7:      add     x21, x21, #1
        b       5b
6:      sub     x0, x19, #1             // exit(argc - 1)
        mov     x8, #93
        svc     #0

// Writes the NUL-terminated string at x0 and a newline. Clobbers x0-x3, x8, x23, x24.
write_line:
        mov     x24, x30
        mov     x23, x0
        mov     x2, #0
3:      ldrb    w3, [x23, x2]
        cbz     w3, 4f
        add     x2, x2, #1
        b       3b
4:      mov     x1, x23
        bl      write_stdout
        adr     x1, newline
        mov     x2, #1
        bl      write_stdout
        ret     x24

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
