// The assembly half of gdb_mmu (see gdb_mmu.c): entry, stack, exception vectors, and the
// few instructions the gdb test needs at known addresses (an SVC, the store it watches).

    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x0, =stack_top
    mov     sp, x0
    adr     x0, vectors
    msr     vbar_el1, x0
    isb
    bl      main
    b       power_off

    .text
// tick(x0): counter = x0. The store is at `tick_store`, where a write watchpoint on
// `counter` must stop.
    .global tick, tick_store
    .type tick, %function
tick:
    adrp    x1, counter
    add     x1, x1, :lo12:counter
tick_store:
    str     x0, [x1]
    ret
    .size tick, . - tick

// raise_svc(): an SVC #0x42, which the EL1 handler below returns from (a step over it
// ends at the vector).
    .global raise_svc, svc_insn
    .type raise_svc, %function
raise_svc:
svc_insn:
    svc     #0x42
    ret
    .size raise_svc, . - raise_svc

// power_off(): PSCI SYSTEM_OFF; does not return.
    .global power_off
    .type power_off, %function
power_off:
    ldr     x0, =0x84000008
    hvc     #0
1:  wfi
    b       1b
    .size power_off, . - power_off

// spin_forever(): counts in x2 forever. Never called by the program: the test points pc
// here to have a busy guest to interrupt; `idle_forever` is the same with WFI.
    .global spin_forever, idle_forever
    .type spin_forever, %function
spin_forever:
    add     x2, x2, #1
    b       spin_forever
    .size spin_forever, . - spin_forever
    .type idle_forever, %function
idle_forever:
    wfi
    b       idle_forever
    .size idle_forever, . - idle_forever

// Exception vectors: only "current EL with SP_ELx, synchronous" is expected (the SVC);
// its handler counts it and returns past it. Anything else powers off.
    .balign 2048
    .global vectors, sync_handler
vectors:
    .rept 4
    .balign 128
    b       power_off
    .endr
    .balign 128
sync_handler:
    adrp    x9, svc_count
    ldr     x10, [x9, :lo12:svc_count]
    add     x10, x10, #1
    str     x10, [x9, :lo12:svc_count]
    eret
    .rept 3
    .balign 128
    b       power_off
    .endr
    .rept 8
    .balign 128
    b       power_off
    .endr

    .bss
    .balign 16
    .space  16384
stack_top:
