//! Host syscalls that a guest signal cannot slip past (qemu's `safe_syscall`).
//!
//! A signal for the guest arrives through the host handler, which sets the thread's
//! interrupt flag. If it lands after the run loop looked for pending signals but before
//! a blocking host syscall starts, that syscall would sleep with the signal undelivered.
//! So the syscall instruction is issued by a small assembly routine that checks the flag
//! first, and the host handler, if it interrupts the routine anywhere between that check
//! and the syscall instruction, moves the host pc to an exit that returns
//! `-ERESTARTSYS`: the run loop then delivers the signal and re-executes the guest SVC.

use std::sync::atomic::AtomicU64;

/// Returned when a signal arrived before the syscall started: the guest SVC is re-run
/// after the signal is delivered (the kernel's ERESTARTSYS, never seen by the guest).
pub const ERESTARTSYS: i64 = 512;

/// Used as the interrupt flag when the calling thread runs no guest code.
static NO_INTERRUPT: AtomicU64 = AtomicU64::new(0);

// safe_syscall_asm(interrupt: *const u64, nr, a1, a2, a3, a4, a5, a6) -> raw result
// SysV: rdi, rsi, rdx, rcx, r8, r9, [rsp+8], [rsp+16]; Linux: rax, rdi, rsi, rdx, r10, r8, r9.
#[unsafe(naked)]
unsafe extern "C" fn safe_syscall_asm(
    interrupt: *const u64,
    nr: i64,
    a1: i64,
    a2: i64,
    a3: i64,
    a4: i64,
    a5: i64,
    a6: i64,
) -> i64 {
    core::arch::naked_asm!(
        "mov r11, rdi",
        "mov rax, rsi",
        "mov rdi, rdx",
        "mov rsi, rcx",
        "mov rdx, r8",
        "mov r10, r9",
        "mov r8, [rsp + 8]",
        "mov r9, [rsp + 16]",
        ".globl emu_safe_syscall_start",
        "emu_safe_syscall_start:",
        "cmp qword ptr [r11], 0",
        "jne emu_safe_syscall_interrupted",
        "syscall",
        ".globl emu_safe_syscall_end",
        "emu_safe_syscall_end:",
        "ret",
        ".globl emu_safe_syscall_interrupted",
        "emu_safe_syscall_interrupted:",
        "mov rax, -512",
        "ret",
    )
}

unsafe extern "C" {
    static emu_safe_syscall_start: u8;
    static emu_safe_syscall_end: u8;
    static emu_safe_syscall_interrupted: u8;
}

/// Called by the host signal handler (after it set the interrupt flag): if the thread
/// was between the flag check and the syscall instruction, make it return ERESTARTSYS.
///
/// # Safety
/// `ctx` must be the `ucontext_t` the kernel passed to the handler.
pub unsafe fn rewind_if_before_syscall(ctx: *mut libc::c_void) {
    if ctx.is_null() {
        return;
    }
    let uc = ctx as *mut libc::ucontext_t;
    // SAFETY: caller's contract; the symbols are labels in safe_syscall_asm.
    unsafe {
        let start = &emu_safe_syscall_start as *const u8 as i64;
        let end = &emu_safe_syscall_end as *const u8 as i64;
        let rip = &mut (*uc).uc_mcontext.gregs[libc::REG_RIP as usize];
        if *rip >= start && *rip < end {
            *rip = &emu_safe_syscall_interrupted as *const u8 as i64;
        }
    }
}

/// Issues host syscall `nr` (up to six arguments) unless the current thread's interrupt
/// flag is set. Returns the raw kernel result (`-errno` on failure, or -ERESTARTSYS).
pub fn call(nr: i64, args: &[i64]) -> i64 {
    let mut a = [0i64; 6];
    for (d, s) in a.iter_mut().zip(args) {
        *d = *s;
    }
    let flag =
        super::signal::current_interrupt_flag().unwrap_or(NO_INTERRUPT.as_ptr() as *const u64);
    // SAFETY: the flag points at a live u64; the arguments are the caller's business, as
    // for libc::syscall (see host_syscall!).
    unsafe { safe_syscall_asm(flag, nr, a[0], a[1], a[2], a[3], a[4], a[5]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_calls_work_and_a_set_flag_stops_the_call() {
        let pid = call(libc::SYS_getpid, &[]);
        assert_eq!(pid, std::process::id() as i64);
        assert_eq!(call(libc::SYS_close, &[-1]), -(libc::EBADF as i64));
        let flag = 1u64;
        // SAFETY: getpid with a set flag must not reach the kernel.
        let r = unsafe { safe_syscall_asm(&flag, libc::SYS_getpid, 0, 0, 0, 0, 0, 0) };
        assert_eq!(r, -ERESTARTSYS);
    }
}
