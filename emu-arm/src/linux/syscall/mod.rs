//! The syscall layer: AArch64 syscall numbers (X8) and arguments (X0–X5) → host calls,
//! translating the structures whose layout differs between arm64 and x86-64. One file per
//! area; this file holds the dispatcher and the guest-pointer helpers they share.
//!
//! Guest buffers are handed to the host kernel directly (guest memory is host memory at
//! `base + address`) after checking the guest page permissions, so a bad guest pointer
//! is EFAULT, never a host fault.

pub mod fs;
pub mod io;
pub mod mem;
pub mod net;
pub mod nr;
pub mod poll;
pub mod proc;
pub mod signal;
pub mod thread;
pub mod time;
pub mod trace;

use super::errno::*;
use super::process::Thread;
use emu_core::emit::perm;
use emu_core::mem::MemView;

/// What a syscall handler asks the run loop to do.
pub enum Outcome {
    /// Write the result (value or -errno) to X0 and continue.
    Return(SysResult),
    /// Continue without touching X0 (rt_sigreturn restored all registers).
    NoReturnValue,
    /// End the calling thread with this code.
    ExitThread(i32),
}

impl From<SysResult> for Outcome {
    fn from(r: SysResult) -> Outcome {
        Outcome::Return(r)
    }
}

/// Largest byte count one read/write moves (Linux's MAX_RW_COUNT).
pub const MAX_RW: u64 = 0x7fff_f000;

/// Checks that the guest can read `[addr, addr+len)` and returns its host address.
pub fn rd(mem: &MemView, addr: u64, len: u64) -> Result<*const libc::c_void, i64> {
    mem.check(addr, len, perm::READ).map_err(|_| EFAULT)?;
    Ok(mem.host(addr) as *const libc::c_void)
}

/// Checks that the guest can write `[addr, addr+len)` and returns its host address.
pub fn wr(mem: &MemView, addr: u64, len: u64) -> Result<*mut libc::c_void, i64> {
    mem.check(addr, len, perm::WRITE).map_err(|_| EFAULT)?;
    Ok(mem.host(addr) as *mut libc::c_void)
}

/// As [`rd`], but a NULL guest pointer stays NULL.
pub fn opt_rd(mem: &MemView, addr: u64, len: u64) -> Result<*const libc::c_void, i64> {
    if addr == 0 {
        Ok(std::ptr::null())
    } else {
        rd(mem, addr, len)
    }
}

/// As [`wr`], but a NULL guest pointer stays NULL.
pub fn opt_wr(mem: &MemView, addr: u64, len: u64) -> Result<*mut libc::c_void, i64> {
    if addr == 0 {
        Ok(std::ptr::null_mut())
    } else {
        wr(mem, addr, len)
    }
}

/// Reads `N` bytes of guest memory.
pub fn read_array<const N: usize>(mem: &MemView, addr: u64) -> Result<[u8; N], i64> {
    let mut b = [0u8; N];
    mem.read_bytes(addr, &mut b).map_err(|_| EFAULT)?;
    Ok(b)
}

pub fn read_u64(mem: &MemView, addr: u64) -> Result<u64, i64> {
    mem.read_u64(addr).map_err(|_| EFAULT)
}

pub fn write_bytes(mem: &MemView, addr: u64, b: &[u8]) -> Result<(), i64> {
    mem.write_bytes(addr, b).map_err(|_| EFAULT)
}

/// Longest path the kernel accepts (PATH_MAX, including the NUL).
const PATH_MAX: usize = 4096;

/// Reads a NUL-terminated guest string (a path or an argv entry).
pub fn cstr(mem: &MemView, addr: u64) -> Result<Vec<u8>, i64> {
    match mem.read_cstr(addr, PATH_MAX) {
        Ok(s) => Ok(s),
        // Readable all the way to the limit: too long; else a bad pointer.
        Err(a) if a == addr.wrapping_add(PATH_MAX as u64) => Err(ENAMETOOLONG),
        Err(_) => Err(EFAULT),
    }
}

/// Runs a raw host syscall and converts its result. The arguments are integers and
/// pointers produced by the checked guest-pointer helpers above (or local buffers), so
/// evaluating them inside the `unsafe` block hides nothing.
#[macro_export]
macro_rules! host_syscall {
    ($nr:expr $(, $a:expr)* $(,)?) => {
        // Every pointer argument was produced by the guest-pointer helpers (checked guest
        // memory) or points at a live local buffer of the right size. Through
        // safe_syscall, a guest signal arriving just before a blocking call makes it
        // return -ERESTARTSYS instead of sleeping (the SVC is re-run after delivery).
        $crate::linux::errno::kernel_ret($crate::linux::safe_syscall::call(
            $nr as i64,
            &[$($a as i64),*],
        ))
    };
}
pub use crate::host_syscall as host;

/// Whether an interrupted call may be restarted after an SA_RESTART handler (the kernel
/// returns -EINTR for these regardless, e.g. because they take timeouts or masks).
pub fn restartable(nr: u64) -> bool {
    !matches!(
        nr,
        nr::PPOLL
            | nr::PSELECT6
            | nr::EPOLL_PWAIT
            | nr::EPOLL_PWAIT2
            | nr::RT_SIGSUSPEND
            | nr::RT_SIGTIMEDWAIT
            | nr::NANOSLEEP
            | nr::CLOCK_NANOSLEEP
            | nr::IO_GETEVENTS
            | nr::SEMTIMEDOP
            | nr::RECVMMSG
    )
}

/// Runs syscall `nr` for thread `t`.
pub fn dispatch(t: &mut Thread, nr: u64, a: [u64; 6]) -> Outcome {
    // The arguments as they are before the call (it may change what they point to).
    let shown = tracing::enabled!(target: "syscall", tracing::Level::DEBUG)
        .then(|| trace::arguments(&t.mem(), nr, &a));
    if matches!(
        nr,
        nr::EXIT | nr::EXIT_GROUP | nr::EXECVE | nr::RT_SIGRETURN
    ) {
        // These do not come back with a result to log.
        tracing::debug!(target: "syscall", "[{}] {}({})", t.tid, nr::name(nr), shown.as_deref().unwrap_or(""));
    }
    let r = match nr {
        // Process, identity, resources.
        nr::EXIT => return proc::exit(t, a[0] as i32),
        nr::EXIT_GROUP => proc::exit_group(t, a[0] as i32),
        nr::CLONE => thread::clone(t, a),
        nr::CLONE3 => Err(ENOSYS), // glibc falls back to clone
        nr::EXECVE => thread::execve(t, a[0], a[1], a[2]),
        nr::FUTEX => thread::futex(t, a),
        nr::SET_TID_ADDRESS => {
            t.clear_child_tid = a[0];
            Ok(t.tid as i64)
        }
        nr::SET_ROBUST_LIST => {
            t.robust_list = (a[0], a[1]);
            Ok(0)
        }
        nr::GET_ROBUST_LIST => thread::get_robust_list(t, a),
        nr::RSEQ => Err(ENOSYS),
        nr::WAIT4 => proc::wait4(t, a),
        nr::WAITID => proc::waitid(t, a),

        // Signals.
        nr::RT_SIGRETURN => {
            if super::signal::sigreturn(t).is_err() {
                let sp = t.cpu.x[31];
                t.force(super::signal::SIGSEGV, super::signal::SEGV_MAPERR, sp);
            }
            return Outcome::NoReturnValue;
        }
        nr::RT_SIGACTION => signal::rt_sigaction(t, a),
        nr::RT_SIGPROCMASK => signal::rt_sigprocmask(t, a),
        nr::RT_SIGPENDING => signal::rt_sigpending(t, a),
        nr::RT_SIGSUSPEND => signal::rt_sigsuspend(t, a),
        nr::RT_SIGTIMEDWAIT => signal::rt_sigtimedwait(t, a),
        nr::SIGALTSTACK => signal::sigaltstack(t, a),
        nr::KILL => signal::kill(t, a),
        nr::TKILL => signal::tgkill(t, -1, a[0] as i32, a[1] as i32),
        nr::TGKILL => signal::tgkill(t, a[0] as i32, a[1] as i32, a[2] as i32),
        nr::RT_SIGQUEUEINFO | nr::RT_TGSIGQUEUEINFO => Err(ENOSYS),

        // Memory.
        nr::BRK => Ok(mem::brk(t, a[0]) as i64),
        nr::MMAP => mem::mmap(t, a),
        nr::MUNMAP => mem::munmap(t, a[0], a[1]),
        nr::MPROTECT => mem::mprotect(t, a[0], a[1], a[2]),
        nr::MREMAP => mem::mremap(t, a),
        nr::MADVISE => mem::madvise(t, a[0], a[1], a[2]),
        nr::MSYNC => mem::msync(t, a[0], a[1], a[2]),
        nr::MLOCK | nr::MUNLOCK | nr::MLOCKALL | nr::MUNLOCKALL | nr::MLOCK2 => Ok(0),
        nr::MINCORE => mem::mincore(t, a),
        nr::MEMBARRIER => host!(libc::SYS_membarrier, a[0], a[1], a[2]),

        _ => {
            if let Some(r) = fs::dispatch(t, nr, a)
                .or_else(|| io::dispatch(t, nr, a))
                .or_else(|| poll::dispatch(t, nr, a))
                .or_else(|| time::dispatch(t, nr, a))
                .or_else(|| proc::dispatch(t, nr, a))
                .or_else(|| net::dispatch(t, nr, a))
            {
                r
            } else {
                tracing::debug!(target: "unimp", "unimplemented syscall {nr} ({}) ({:#x}, {:#x}, {:#x}): ENOSYS", nr::name(nr), a[0], a[1], a[2]);
                Err(ENOSYS)
            }
        }
    };
    // Prefixed with the thread id, as `strace -f` does: threads and forked processes
    // (which may share a --trace-file) interleave.
    tracing::debug!(target: "syscall", "[{}] {}({}) = {}", t.tid, nr::name(nr), shown.as_deref().unwrap_or(""),
        match r { Ok(v) => format!("{v:#x}"), Err(e) => format!("-{e} ({})", std::io::Error::from_raw_os_error(e as i32)) });
    Outcome::Return(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use emu_core::mem::GuestSpace;

    fn space() -> GuestSpace {
        let s = GuestSpace::new(1 << 24).unwrap();
        s.map_anon(0x1000, 0x2000, perm::READ | perm::WRITE)
            .unwrap();
        s.map_anon(0x3000, 0x1000, perm::READ).unwrap();
        s
    }

    #[test]
    fn guest_pointers_are_checked() {
        let s = space();
        let m = s.view();
        assert!(rd(&m, 0x1000, 0x3000).is_ok()); // rw + r pages
        assert_eq!(wr(&m, 0x2ff0, 0x20), Err(EFAULT)); // runs into the read-only page
        assert_eq!(rd(&m, 0x3ff0, 0x20), Err(EFAULT)); // runs off the mapping
        assert_eq!(rd(&m, u64::MAX - 4, 16), Err(EFAULT)); // wraps
        assert!(opt_wr(&m, 0, 100).unwrap().is_null());
        assert_eq!(opt_wr(&m, 0x3000, 1), Err(EFAULT));
    }

    #[test]
    fn strings_are_bounded() {
        let s = space();
        let m = s.view();
        m.write_bytes(0x1000, b"/etc/passwd\0").unwrap();
        assert_eq!(cstr(&m, 0x1000).unwrap(), b"/etc/passwd");
        // 8 KiB of non-NUL bytes: longer than PATH_MAX.
        m.write_bytes(0x1000, &[b'a'; 0x2000]).unwrap();
        assert_eq!(cstr(&m, 0x1000), Err(ENAMETOOLONG));
        // A string running into unmapped memory (from 0x4000) is a bad pointer.
        s.protect(0x3000, 0x1000, perm::READ | perm::WRITE).unwrap();
        m.write_bytes(0x3ff0, &[b'a'; 0x10]).unwrap();
        assert_eq!(cstr(&m, 0x3ff0), Err(EFAULT));
    }

    #[test]
    fn iovecs_translate_and_check_every_buffer() {
        let s = space();
        let m = s.view();
        // Two iovecs: (0x1800, 16) and (0x3000, 8) — the second is read-only.
        let mut raw = Vec::new();
        for (b, l) in [(0x1800u64, 16u64), (0x3000, 8)] {
            raw.extend(b.to_le_bytes());
            raw.extend(l.to_le_bytes());
        }
        m.write_bytes(0x1000, &raw).unwrap();
        let v = io::iovecs(&m, 0x1000, 2, false).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].iov_base as usize, m.host(0x1800) as usize);
        assert_eq!(v[1].iov_len, 8);
        // For reading into them, the read-only buffer is EFAULT.
        assert_eq!(io::iovecs(&m, 0x1000, 2, true).err(), Some(EFAULT));
        assert_eq!(io::iovecs(&m, 0x1000, 1025, false).err(), Some(EINVAL));
    }
}
