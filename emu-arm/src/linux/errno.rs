//! Error numbers. AArch64 and x86-64 Linux both use the generic errno table
//! (include/uapi/asm-generic/errno*.h), so a host errno is the guest errno: no translation
//! table is needed, only the conversion of host `-1 + errno` results into the kernel's
//! negative-return convention that the guest expects in X0.

pub const EPERM: i64 = 1;
pub const ENOENT: i64 = 2;
pub const ESRCH: i64 = 3;
pub const EINTR: i64 = 4;
pub const EIO: i64 = 5;
pub const EBADF: i64 = 9;
pub const ECHILD: i64 = 10;
pub const EAGAIN: i64 = 11;
pub const ENOMEM: i64 = 12;
pub const EACCES: i64 = 13;
pub const EFAULT: i64 = 14;
pub const EEXIST: i64 = 17;
pub const ENOTDIR: i64 = 20;
pub const EINVAL: i64 = 22;
pub const ENOTTY: i64 = 25;
pub const ERANGE: i64 = 34;
pub const ENAMETOOLONG: i64 = 36;
pub const ENOSYS: i64 = 38;
pub const ELOOP: i64 = 40;
pub const ENOEXEC: i64 = 8;
pub const E2BIG: i64 = 7;

/// A syscall result as the guest sees it: a value, or `-errno`.
pub type SysResult = Result<i64, i64>;

/// The current host errno as a positive number.
pub fn host_errno() -> i64 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .map_or(EIO, |e| e as i64)
}

/// Converts a host libc return value (`-1` + errno on failure) into a guest result.
pub fn host_ret(r: i64) -> SysResult {
    if r == -1 {
        Err(host_errno())
    } else {
        Ok(r)
    }
}

/// Converts a raw kernel result (`-errno` on failure) into a guest result.
pub fn kernel_ret(r: i64) -> SysResult {
    if (-4095..0).contains(&r) {
        Err(-r)
    } else {
        Ok(r)
    }
}

/// Converts an `io::Error` into a guest errno.
pub fn io_errno(e: &std::io::Error) -> i64 {
    e.raw_os_error().map_or(EIO, |e| e as i64)
}

/// Flattens a result into the value written to X0.
pub fn to_x0(r: SysResult) -> u64 {
    match r {
        Ok(v) => v as u64,
        Err(e) => (-e) as u64,
    }
}
