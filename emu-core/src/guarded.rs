//! Guest memory accesses that survive a host fault (user mode's interpreter).
//!
//! The interpreter checks guest permissions before it touches guest memory, but the
//! host can still refuse an access it allowed: a file mapping read or written past the
//! end of its file raises SIGBUS (Linux gives the guest SIGBUS there too), and another
//! guest thread may unmap or protect the page between the check and the access (a
//! SIGSEGV). Loads and stores therefore go through the small assembly functions below;
//! the process's fault handler calls [`fixup`], which sends a fault inside them to a
//! landing pad that returns the signal number instead of a value (the Linux kernel's
//! exception-table technique for user copies). Each function faults, if at all, on its
//! one memory instruction, before it has touched the stack or any register the caller
//! relies on, so returning from the landing pad is returning from the function.
//!
//! Elsewhere than x86-64 Linux the accesses are plain and a host fault stays fatal.

/// What a guarded access returned: the loaded value, or the host signal that stopped it.
#[repr(C)]
struct Outcome {
    value: u64,
    /// 0, or the signal number (SIGBUS, SIGSEGV).
    signal: u64,
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
std::arch::global_asm!(
    // SysV: pointer in rdi, value to store in rsi; returns Outcome in rax:rdx.
    ".text",
    ".p2align 4",
    ".globl emu_guarded_begin",
    "emu_guarded_begin:",
    "emu_guarded_load8:",
    "xor edx, edx",
    "movzx eax, byte ptr [rdi]",
    "ret",
    "emu_guarded_load16:",
    "xor edx, edx",
    "movzx eax, word ptr [rdi]",
    "ret",
    "emu_guarded_load32:",
    "xor edx, edx",
    "mov eax, dword ptr [rdi]",
    "ret",
    "emu_guarded_load64:",
    "xor edx, edx",
    "mov rax, qword ptr [rdi]",
    "ret",
    "emu_guarded_store8:",
    "xor edx, edx",
    "xor eax, eax",
    "mov byte ptr [rdi], sil",
    "ret",
    "emu_guarded_store16:",
    "xor edx, edx",
    "xor eax, eax",
    "mov word ptr [rdi], si",
    "ret",
    "emu_guarded_store32:",
    "xor edx, edx",
    "xor eax, eax",
    "mov dword ptr [rdi], esi",
    "ret",
    "emu_guarded_store64:",
    "xor edx, edx",
    "xor eax, eax",
    "mov qword ptr [rdi], rsi",
    "ret",
    ".globl emu_guarded_end",
    "emu_guarded_end:",
    // The landing pad: the handler has put the signal number in rdx.
    ".globl emu_guarded_fault",
    "emu_guarded_fault:",
    "xor eax, eax",
    "ret",
    ".globl emu_guarded_load8",
    ".globl emu_guarded_load16",
    ".globl emu_guarded_load32",
    ".globl emu_guarded_load64",
    ".globl emu_guarded_store8",
    ".globl emu_guarded_store16",
    ".globl emu_guarded_store32",
    ".globl emu_guarded_store64",
);

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
unsafe extern "C" {
    fn emu_guarded_begin();
    fn emu_guarded_end();
    fn emu_guarded_fault();
    fn emu_guarded_load8(p: *const u8) -> Outcome;
    fn emu_guarded_load16(p: *const u8) -> Outcome;
    fn emu_guarded_load32(p: *const u8) -> Outcome;
    fn emu_guarded_load64(p: *const u8) -> Outcome;
    fn emu_guarded_store8(p: *mut u8, v: u64) -> Outcome;
    fn emu_guarded_store16(p: *mut u8, v: u64) -> Outcome;
    fn emu_guarded_store32(p: *mut u8, v: u64) -> Outcome;
    fn emu_guarded_store64(p: *mut u8, v: u64) -> Outcome;
}

/// Loads `size` (1, 2, 4 or 8) little-endian bytes at `p`, zero-extended; `Err(signal)`
/// if the host refused the access.
///
/// # Safety
/// `p..p + size` must be memory the caller may read (guest memory it checked), and the
/// process's fault handler must call [`fixup`]; otherwise a host fault there is fatal.
#[inline]
pub unsafe fn load(p: *const u8, size: u64) -> Result<u64, i32> {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        // SAFETY: caller's contract; the functions access exactly `size` bytes at p.
        let o = unsafe {
            match size {
                1 => emu_guarded_load8(p),
                2 => emu_guarded_load16(p),
                4 => emu_guarded_load32(p),
                _ => emu_guarded_load64(p),
            }
        };
        if o.signal != 0 {
            return Err(o.signal as i32);
        }
        Ok(o.value)
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    // SAFETY: caller's contract.
    Ok(unsafe { load_plain(p, size) })
}

/// Loads `size` (1, 2, 4 or 8) little-endian bytes at `p`, zero-extended, unguarded.
///
/// # Safety
/// `p..p + size` must be readable.
#[inline(always)]
pub unsafe fn load_plain(p: *const u8, size: u64) -> u64 {
    // SAFETY: caller's contract.
    unsafe {
        match size {
            1 => *p as u64,
            2 => (p as *const u16).read_unaligned() as u64,
            4 => (p as *const u32).read_unaligned() as u64,
            _ => (p as *const u64).read_unaligned(),
        }
    }
}

/// Stores the low `size` (1, 2, 4 or 8) bytes of `v` at `p`, unguarded.
///
/// # Safety
/// `p..p + size` must be writable.
#[inline(always)]
pub unsafe fn store_plain(p: *mut u8, v: u64, size: u64) {
    // SAFETY: caller's contract.
    unsafe {
        match size {
            1 => *p = v as u8,
            2 => (p as *mut u16).write_unaligned(v as u16),
            4 => (p as *mut u32).write_unaligned(v as u32),
            _ => (p as *mut u64).write_unaligned(v),
        }
    }
}

/// Stores the low `size` (1, 2, 4 or 8) bytes of `v` at `p`, little-endian; `Err(signal)`
/// if the host refused the access (nothing was written then).
///
/// # Safety
/// As for [`load`], for writing.
#[inline]
pub unsafe fn store(p: *mut u8, v: u64, size: u64) -> Result<(), i32> {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        // SAFETY: caller's contract; the functions access exactly `size` bytes at p.
        let o = unsafe {
            match size {
                1 => emu_guarded_store8(p, v),
                2 => emu_guarded_store16(p, v),
                4 => emu_guarded_store32(p, v),
                _ => emu_guarded_store64(p, v),
            }
        };
        if o.signal != 0 {
            return Err(o.signal as i32);
        }
        Ok(())
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        // SAFETY: caller's contract.
        unsafe { store_plain(p, v, size) };
        Ok(())
    }
}

/// For the process's SIGSEGV/SIGBUS handler: if the fault happened inside a guarded
/// access, makes it return `sig` to its caller and says `true` (the handler then just
/// returns). Async-signal-safe.
///
/// # Safety
/// `uc` must be the handler's `ucontext_t` argument (or null).
pub unsafe fn fixup(sig: i32, uc: *mut libc::c_void) -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        if uc.is_null() {
            return false;
        }
        let uc = uc as *mut libc::ucontext_t;
        // SAFETY: uc is the handler's ucontext.
        let gregs = unsafe { &mut (*uc).uc_mcontext.gregs };
        let pc = gregs[libc::REG_RIP as usize] as usize;
        let range = emu_guarded_begin as *const () as usize..emu_guarded_end as *const () as usize;
        if !range.contains(&pc) {
            return false;
        }
        gregs[libc::REG_RIP as usize] = emu_guarded_fault as *const () as usize as i64;
        gregs[libc::REG_RDX as usize] = sig as i64;
        true
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        let _ = (sig, uc);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_accesses_work_in_every_size() {
        let mut buf = [0u8; 16];
        for (size, v) in [
            (1, 0xabu64),
            (2, 0xbeef),
            (4, 0xdead_beef),
            (8, 0x0123_4567_89ab_cdef),
        ] {
            // SAFETY: inside buf.
            unsafe {
                store(buf.as_mut_ptr().add(3), v, size).unwrap();
                assert_eq!(load(buf.as_ptr().add(3), size), Ok(v));
            }
        }
        assert_eq!(buf[3..11], 0x0123_4567_89ab_cdefu64.to_le_bytes());
    }

    /// A file mapping past the end of its file: the access returns SIGBUS instead of
    /// killing the process (with a handler that calls `fixup`, as emu's does).
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[test]
    fn a_host_fault_in_a_guarded_access_returns_its_signal() {
        use std::io::Write;
        extern "C" fn handler(sig: libc::c_int, _: *mut libc::siginfo_t, uc: *mut libc::c_void) {
            // SAFETY: the handler's own arguments.
            if unsafe { fixup(sig, uc) } {
                return;
            }
            // SAFETY: restoring the default action is async-signal-safe; returning then
            // re-raises the fault, which ends the test process.
            unsafe { libc::signal(sig, libc::SIG_DFL) };
        }
        let mut f = tempfile();
        f.write_all(&[7u8; 100]).unwrap();
        let page = 4096;
        // SAFETY: a fresh shared mapping of our own file; the handler only redirects
        // faults inside the guarded functions.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = handler as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            let mut old: libc::sigaction = std::mem::zeroed();
            assert_eq!(libc::sigaction(libc::SIGBUS, &sa, &mut old), 0);
            use std::os::fd::AsRawFd;
            let p = libc::mmap(
                std::ptr::null_mut(),
                2 * page,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                f.as_raw_fd(),
                0,
            ) as *mut u8;
            assert_ne!(p as *mut libc::c_void, libc::MAP_FAILED);
            assert_eq!(load(p.add(99), 1), Ok(7));
            assert_eq!(load(p.add(page), 8), Err(libc::SIGBUS));
            assert_eq!(store(p.add(page + 8), 1, 4), Err(libc::SIGBUS));
            assert_eq!(store(p.add(50), 0x42, 1), Ok(()));
            assert_eq!(load(p.add(50), 1), Ok(0x42));
            libc::munmap(p.cast(), 2 * page);
            libc::sigaction(libc::SIGBUS, &old, std::ptr::null_mut());
        }
    }

    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    fn tempfile() -> std::fs::File {
        let path = std::env::temp_dir().join(format!("emu-guarded-{}", std::process::id()));
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        let _ = std::fs::remove_file(&path);
        f
    }
}
