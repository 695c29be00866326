//! Files, directories and file descriptors: open flags and `struct stat` differ between
//! arm64 (the generic layouts) and x86-64 and are translated; the rest passes through.

use super::*;
use crate::linux::paths;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;

// O_* bits that have different values on arm64 (asm-generic) and x86-64.
const G_DIRECTORY: u64 = 0o40000;
const G_NOFOLLOW: u64 = 0o100000;
const G_DIRECT: u64 = 0o200000;
const G_LARGEFILE: u64 = 0o400000;
const H_DIRECT: u64 = 0o40000;
const H_LARGEFILE: u64 = 0o100000;
const H_DIRECTORY: u64 = 0o200000;
const H_NOFOLLOW: u64 = 0o400000;
const SWAPPED: u64 = G_DIRECTORY | G_NOFOLLOW | G_DIRECT | G_LARGEFILE;
const PAIRS: [(u64, u64); 4] = [
    (G_DIRECTORY, H_DIRECTORY),
    (G_NOFOLLOW, H_NOFOLLOW),
    (G_DIRECT, H_DIRECT),
    (G_LARGEFILE, H_LARGEFILE),
];

/// Guest open(2)/fcntl(F_SETFL) flags → host flags.
pub fn open_flags_to_host(g: u64) -> i32 {
    let mut h = g & !SWAPPED;
    for (gb, hb) in PAIRS {
        if g & gb != 0 {
            h |= hb;
        }
    }
    h as i32
}

/// Host fcntl(F_GETFL) flags → guest flags.
pub fn open_flags_to_guest(h: u64) -> u64 {
    let mut g = h & !SWAPPED;
    for (gb, hb) in PAIRS {
        if h & hb != 0 {
            g |= gb;
        }
    }
    g
}

/// Whether a guest path names the running program through /proc (self or our pid).
fn is_proc_exe(p: &[u8]) -> bool {
    if p == b"/proc/self/exe" || p == b"/proc/thread-self/exe" {
        return true;
    }
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    p == format!("/proc/{pid}/exe").as_bytes()
}

/// The host path for a guest path argument: /proc/self/exe is the guest program (not the
/// emulator), absolute paths are looked up in the sysroot first.
pub fn host_path(t: &Thread, addr: u64) -> Result<CString, i64> {
    let p = cstr(&t.mem(), addr)?;
    if is_proc_exe(&p) {
        return CString::new(t.proc.exe_path.as_os_str().as_bytes()).map_err(|_| EINVAL);
    }
    Ok(paths::host_path(t.proc.opts.sysroot.as_deref(), &p))
}

/// Writes a host `struct stat` as the arm64 (generic) `struct stat`: 128 bytes, with
/// 32-bit mode/nlink/uid/gid and blksize, unlike x86-64's layout.
pub fn write_stat(mem: &MemView, addr: u64, st: &libc::stat) -> Result<(), i64> {
    let mut b = [0u8; 128];
    let mut put = |off: usize, v: &[u8]| b[off..off + v.len()].copy_from_slice(v);
    put(0, &st.st_dev.to_le_bytes());
    put(8, &st.st_ino.to_le_bytes());
    put(16, &st.st_mode.to_le_bytes());
    put(20, &(st.st_nlink as u32).to_le_bytes());
    put(24, &st.st_uid.to_le_bytes());
    put(28, &st.st_gid.to_le_bytes());
    put(32, &st.st_rdev.to_le_bytes());
    put(48, &st.st_size.to_le_bytes());
    put(56, &(st.st_blksize as i32).to_le_bytes());
    put(64, &st.st_blocks.to_le_bytes());
    put(72, &st.st_atime.to_le_bytes());
    put(80, &st.st_atime_nsec.to_le_bytes());
    put(88, &st.st_mtime.to_le_bytes());
    put(96, &st.st_mtime_nsec.to_le_bytes());
    put(104, &st.st_ctime.to_le_bytes());
    put(112, &st.st_ctime_nsec.to_le_bytes());
    write_bytes(mem, addr, &b)
}

fn fstatat(t: &Thread, dirfd: u64, path: u64, buf: u64, flags: u64) -> SysResult {
    let mem = t.mem();
    let p = host_path(t, path)?;
    // SAFETY: a zeroed stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    host!(
        libc::SYS_newfstatat,
        dirfd as i32,
        p.as_ptr(),
        &mut st as *mut libc::stat,
        flags as i32
    )?;
    write_stat(&mem, buf, &st)?;
    Ok(0)
}

fn fstat(t: &Thread, fd: u64, buf: u64) -> SysResult {
    // SAFETY: as above.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    host!(libc::SYS_fstat, fd as i32, &mut st as *mut libc::stat)?;
    write_stat(&t.mem(), buf, &st)?;
    Ok(0)
}

fn openat(t: &Thread, dirfd: u64, path: u64, flags: u64, mode: u64) -> SysResult {
    if let Some(file) = crate::linux::procfs::emulated_file(&cstr(&t.mem(), path)?) {
        return crate::linux::procfs::open(t, file);
    }
    let p = host_path(t, path)?;
    let fd = host!(
        libc::SYS_openat,
        dirfd as i32,
        p.as_ptr(),
        open_flags_to_host(flags),
        mode as u32
    )?;
    if is_own_proc_mem(fd) {
        // /proc/<our pid>/mem is the emulator's memory, not the guest's: writing it would
        // corrupt the host process. Checked on the opened file, so no spelling of the path
        // (task/<tid>/mem, a /proc dirfd, symlinks) gets past it.
        // SAFETY: fd was just opened by us and is not shared yet.
        unsafe { libc::close(fd as i32) };
        return Err(EACCES);
    }
    Ok(fd)
}

/// Whether host fd `fd` is `/proc/<this process>/mem` or `/proc/<this process>/task/*/mem`.
fn is_own_proc_mem(fd: i64) -> bool {
    let Ok(target) = std::fs::read_link(format!("/proc/self/fd/{fd}")) else {
        return false;
    };
    let target = target.to_string_lossy();
    let Some(rest) = target.strip_prefix(&format!("/proc/{}/", std::process::id())) else {
        return false;
    };
    rest == "mem"
        || rest
            .strip_prefix("task/")
            .and_then(|r| r.split_once('/'))
            .is_some_and(|(tid, file)| tid.bytes().all(|b| b.is_ascii_digit()) && file == "mem")
}

fn readlinkat(t: &Thread, dirfd: u64, path: u64, buf: u64, size: u64) -> SysResult {
    let mem = t.mem();
    let raw = cstr(&mem, path)?;
    if size as i64 <= 0 {
        return Err(EINVAL);
    }
    if is_proc_exe(&raw) {
        let target = t.proc.exe_path.as_os_str().as_bytes();
        let n = target.len().min(size as usize);
        write_bytes(&mem, buf, &target[..n])?;
        return Ok(n as i64);
    }
    let p = paths::host_path(t.proc.opts.sysroot.as_deref(), &raw);
    let out = wr(&mem, buf, size.min(MAX_RW))?;
    host!(
        libc::SYS_readlinkat,
        dirfd as i32,
        p.as_ptr(),
        out,
        size.min(MAX_RW)
    )
}

const F_DUPFD: u64 = 0;
const F_GETFD: u64 = 1;
const F_SETFD: u64 = 2;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;
const F_GETLK: u64 = 5;
const F_SETLK: u64 = 6;
const F_SETLKW: u64 = 7;
const F_SETOWN: u64 = 8;
const F_GETOWN: u64 = 9;
const F_SETSIG: u64 = 10;
const F_GETSIG: u64 = 11;
const F_OFD_GETLK: u64 = 36;
const F_OFD_SETLK: u64 = 37;
const F_OFD_SETLKW: u64 = 38;
const F_SETLEASE: u64 = 1024;
const F_GETLEASE: u64 = 1025;
const F_NOTIFY: u64 = 1026;
const F_DUPFD_CLOEXEC: u64 = 1030;
const F_SETPIPE_SZ: u64 = 1031;
const F_GETPIPE_SZ: u64 = 1032;
const F_ADD_SEALS: u64 = 1033;
const F_GET_SEALS: u64 = 1034;
/// sizeof(struct flock) on both 64-bit ABIs (same layout).
const FLOCK_SIZE: u64 = 32;

fn fcntl(t: &Thread, fd: u64, cmd: u64, arg: u64) -> SysResult {
    let fd = fd as i32;
    match cmd {
        F_GETFL => {
            host!(libc::SYS_fcntl, fd, F_GETFL as i32).map(|f| open_flags_to_guest(f as u64) as i64)
        }
        F_SETFL => host!(
            libc::SYS_fcntl,
            fd,
            F_SETFL as i32,
            open_flags_to_host(arg) as i64
        ),
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => {
            let p = wr(&t.mem(), arg, FLOCK_SIZE)?;
            host!(libc::SYS_fcntl, fd, cmd as i32, p)
        }
        F_DUPFD | F_GETFD | F_SETFD | F_SETOWN | F_GETOWN | F_SETSIG | F_GETSIG | F_SETLEASE
        | F_GETLEASE | F_NOTIFY | F_DUPFD_CLOEXEC | F_SETPIPE_SZ | F_GETPIPE_SZ | F_ADD_SEALS
        | F_GET_SEALS => host!(libc::SYS_fcntl, fd, cmd as i32, arg as i64),
        _ => {
            tracing::debug!(target: "unimp", "fcntl: unsupported command {cmd}");
            Err(EINVAL)
        }
    }
}

/// ioctl requests whose argument layout is identical on arm64 and x86-64, with the size of
/// the structure the argument points at (0: the argument is a plain integer).
fn ioctl_arg_size(req: u64) -> Option<(u64, bool)> {
    // (size, whether the kernel writes it)
    Some(match req {
        0x5401 => (36, true),                     // TCGETS (struct termios)
        0x5402..=0x5404 => (36, false),           // TCSETS, TCSETSW, TCSETSF
        0x5405 => (44, true),                     // TCGETA (struct termio is 18; be generous)
        0x5409..=0x540B => (0, false),            // TCSBRK, TCXONC, TCFLSH
        0x540E | 0x5422 => (0, false),            // TIOCSCTTY, TIOCNOTTY
        0x540F => (4, true),                      // TIOCGPGRP
        0x5410 => (4, false),                     // TIOCSPGRP
        0x5411 => (4, true),                      // TIOCOUTQ
        0x5413 => (8, true),                      // TIOCGWINSZ
        0x5414 => (8, false),                     // TIOCSWINSZ
        0x541B => (4, true),                      // FIONREAD
        0x5421 | 0x5452 => (4, false),            // FIONBIO, FIOASYNC
        0x5429 => (4, true),                      // TIOCGSID
        0x5450 | 0x5451 => (0, false),            // FIONCLEX, FIOCLEX
        0x8004_5430 => (4, true),                 // TIOCGPTN
        0x4004_5431 => (4, false),                // TIOCSPTLCK
        0x5441 => (0, false),                     // TIOCGPTPEER
        0x802c_542a => (44, true),                // TCGETS2 (struct termios2)
        0x402c_542b..=0x402c_542d => (44, false), // TCSETS2, TCSETSW2, TCSETSF2
        _ => return None,
    })
}

fn ioctl(t: &Thread, fd: u64, req: u64, arg: u64) -> SysResult {
    let Some((size, writes)) = ioctl_arg_size(req) else {
        tracing::debug!(target: "unimp", "ioctl: unsupported request {req:#x}");
        return Err(ENOTTY);
    };
    let mem = t.mem();
    let a: i64 = if size == 0 {
        arg as i64
    } else if writes {
        wr(&mem, arg, size)? as i64
    } else {
        rd(&mem, arg, size)? as i64
    };
    host!(libc::SYS_ioctl, fd as i32, req as libc::c_ulong, a)
}

fn pipe2(t: &Thread, fds: u64, flags: u64) -> SysResult {
    let p = wr(&t.mem(), fds, 8)?;
    host!(libc::SYS_pipe2, p, open_flags_to_host(flags))
}

fn getcwd(t: &Thread, buf: u64, size: u64) -> SysResult {
    let p = wr(&t.mem(), buf, size.min(MAX_RW))?;
    host!(libc::SYS_getcwd, p, size.min(MAX_RW))
}

/// sizeof(struct statfs) on both 64-bit ABIs (identical layout).
const STATFS_SIZE: u64 = 120;
const STATX_SIZE: u64 = 256;
const EOPNOTSUPP: i64 = 95;

pub fn dispatch(t: &mut Thread, nr: u64, a: [u64; 6]) -> Option<SysResult> {
    let mem = t.mem();
    let fd = a[0] as i32;
    Some(match nr {
        nr::OPENAT => openat(t, a[0], a[1], a[2], a[3]),
        nr::CLOSE => host!(libc::SYS_close, fd),
        nr::CLOSE_RANGE => host!(libc::SYS_close_range, a[0] as u32, a[1] as u32, a[2] as u32),
        nr::NEWFSTATAT => fstatat(t, a[0], a[1], a[2], a[3]),
        nr::FSTAT => fstat(t, a[0], a[1]),
        nr::STATX => (|| {
            let p = host_path(t, a[1])?;
            let buf = wr(&mem, a[4], STATX_SIZE)?;
            host!(
                libc::SYS_statx,
                fd,
                p.as_ptr(),
                a[2] as i32,
                a[3] as u32,
                buf
            )
        })(),
        nr::READLINKAT => readlinkat(t, a[0], a[1], a[2], a[3]),
        nr::GETDENTS64 => (|| {
            let buf = wr(&mem, a[1], a[2].min(MAX_RW))?;
            host!(libc::SYS_getdents64, fd, buf, a[2].min(MAX_RW))
        })(),
        nr::FACCESSAT => (|| {
            let p = host_path(t, a[1])?;
            host!(libc::SYS_faccessat, fd, p.as_ptr(), a[2] as i32)
        })(),
        nr::FACCESSAT2 => (|| {
            let p = host_path(t, a[1])?;
            host!(
                libc::SYS_faccessat2,
                fd,
                p.as_ptr(),
                a[2] as i32,
                a[3] as i32
            )
        })(),
        nr::UNLINKAT => (|| {
            let p = cstr(&mem, a[1])?;
            let p = CString::new(p).map_err(|_| EINVAL)?;
            host!(libc::SYS_unlinkat, fd, p.as_ptr(), a[2] as i32)
        })(),
        nr::MKDIRAT => (|| {
            let p = CString::new(cstr(&mem, a[1])?).map_err(|_| EINVAL)?;
            host!(libc::SYS_mkdirat, fd, p.as_ptr(), a[2] as u32)
        })(),
        nr::MKNODAT => (|| {
            let p = CString::new(cstr(&mem, a[1])?).map_err(|_| EINVAL)?;
            host!(libc::SYS_mknodat, fd, p.as_ptr(), a[2] as u32, a[3] as u32)
        })(),
        nr::SYMLINKAT => (|| {
            let target = CString::new(cstr(&mem, a[0])?).map_err(|_| EINVAL)?;
            let link = CString::new(cstr(&mem, a[2])?).map_err(|_| EINVAL)?;
            host!(
                libc::SYS_symlinkat,
                target.as_ptr(),
                a[1] as i32,
                link.as_ptr()
            )
        })(),
        nr::LINKAT => (|| {
            let old = CString::new(cstr(&mem, a[1])?).map_err(|_| EINVAL)?;
            let new = CString::new(cstr(&mem, a[3])?).map_err(|_| EINVAL)?;
            host!(
                libc::SYS_linkat,
                fd,
                old.as_ptr(),
                a[2] as i32,
                new.as_ptr(),
                a[4] as i32
            )
        })(),
        nr::RENAMEAT | nr::RENAMEAT2 => (|| {
            let old = CString::new(cstr(&mem, a[1])?).map_err(|_| EINVAL)?;
            let new = CString::new(cstr(&mem, a[3])?).map_err(|_| EINVAL)?;
            let flags = if nr == nr::RENAMEAT { 0 } else { a[4] as u32 };
            host!(
                libc::SYS_renameat2,
                fd,
                old.as_ptr(),
                a[2] as i32,
                new.as_ptr(),
                flags
            )
        })(),
        nr::FCHMOD => host!(libc::SYS_fchmod, fd, a[1] as u32),
        nr::FCHMODAT => (|| {
            let p = host_path(t, a[1])?;
            host!(libc::SYS_fchmodat, fd, p.as_ptr(), a[2] as u32)
        })(),
        nr::FCHOWN => host!(libc::SYS_fchown, fd, a[1] as u32, a[2] as u32),
        nr::FCHOWNAT => (|| {
            let p = host_path(t, a[1])?;
            host!(
                libc::SYS_fchownat,
                fd,
                p.as_ptr(),
                a[2] as u32,
                a[3] as u32,
                a[4] as i32
            )
        })(),
        nr::UTIMENSAT => (|| {
            // The path may be NULL (futimens); the times pointer may be NULL (now).
            let p = if a[1] == 0 {
                None
            } else {
                Some(host_path(t, a[1])?)
            };
            let times = opt_rd(&mem, a[2], 32)?;
            let pp = p.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
            host!(libc::SYS_utimensat, fd, pp, times, a[3] as i32)
        })(),
        nr::FCNTL => fcntl(t, a[0], a[1], a[2]),
        nr::IOCTL => ioctl(t, a[0], a[1], a[2]),
        nr::DUP => host!(libc::SYS_dup, fd),
        nr::DUP3 => host!(libc::SYS_dup3, fd, a[1] as i32, open_flags_to_host(a[2])),
        nr::PIPE2 => pipe2(t, a[0], a[1]),
        nr::GETCWD => getcwd(t, a[0], a[1]),
        nr::CHDIR => (|| {
            let p = CString::new(cstr(&mem, a[0])?).map_err(|_| EINVAL)?;
            host!(libc::SYS_chdir, p.as_ptr())
        })(),
        nr::FCHDIR => host!(libc::SYS_fchdir, fd),
        nr::CHROOT => Err(EPERM),
        nr::TRUNCATE => (|| {
            let p = host_path(t, a[0])?;
            host!(libc::SYS_truncate, p.as_ptr(), a[1] as i64)
        })(),
        nr::FTRUNCATE => host!(libc::SYS_ftruncate, fd, a[1] as i64),
        nr::FALLOCATE => host!(
            libc::SYS_fallocate,
            fd,
            a[1] as i32,
            a[2] as i64,
            a[3] as i64
        ),
        nr::FSYNC => host!(libc::SYS_fsync, fd),
        nr::FDATASYNC => host!(libc::SYS_fdatasync, fd),
        nr::SYNC => host!(libc::SYS_sync),
        nr::SYNCFS => host!(libc::SYS_syncfs, fd),
        nr::FLOCK => host!(libc::SYS_flock, fd, a[1] as i32),
        nr::STATFS => (|| {
            let p = host_path(t, a[0])?;
            let buf = wr(&mem, a[1], STATFS_SIZE)?;
            host!(libc::SYS_statfs, p.as_ptr(), buf)
        })(),
        nr::FSTATFS => (|| {
            let buf = wr(&mem, a[1], STATFS_SIZE)?;
            host!(libc::SYS_fstatfs, fd, buf)
        })(),
        nr::UMASK => host!(libc::SYS_umask, a[0] as u32),
        nr::GETXATTR | nr::LGETXATTR => (|| {
            let p = host_path(t, a[0])?;
            let name = CString::new(cstr(&mem, a[1])?).map_err(|_| EINVAL)?;
            let buf = opt_wr(&mem, a[2], a[3].min(MAX_RW))?;
            let sys = if nr == nr::GETXATTR {
                libc::SYS_getxattr
            } else {
                libc::SYS_lgetxattr
            };
            host!(sys, p.as_ptr(), name.as_ptr(), buf, a[3].min(MAX_RW))
        })(),
        nr::FGETXATTR => (|| {
            let name = CString::new(cstr(&mem, a[1])?).map_err(|_| EINVAL)?;
            let buf = opt_wr(&mem, a[2], a[3].min(MAX_RW))?;
            host!(
                libc::SYS_fgetxattr,
                fd,
                name.as_ptr(),
                buf,
                a[3].min(MAX_RW)
            )
        })(),
        nr::LISTXATTR | nr::LLISTXATTR => (|| {
            let p = host_path(t, a[0])?;
            let buf = opt_wr(&mem, a[1], a[2].min(MAX_RW))?;
            let sys = if nr == nr::LISTXATTR {
                libc::SYS_listxattr
            } else {
                libc::SYS_llistxattr
            };
            host!(sys, p.as_ptr(), buf, a[2].min(MAX_RW))
        })(),
        nr::FLISTXATTR => (|| {
            let buf = opt_wr(&mem, a[1], a[2].min(MAX_RW))?;
            host!(libc::SYS_flistxattr, fd, buf, a[2].min(MAX_RW))
        })(),
        nr::SETXATTR
        | nr::LSETXATTR
        | nr::FSETXATTR
        | nr::REMOVEXATTR
        | nr::LREMOVEXATTR
        | nr::FREMOVEXATTR => Err(EOPNOTSUPP),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_translate_both_ways() {
        // O_RDONLY | O_DIRECTORY | O_CLOEXEC (guest) → host O_DIRECTORY is 0o200000.
        let g = G_DIRECTORY | 0o2000000;
        let h = open_flags_to_host(g) as u64;
        assert_eq!(h, H_DIRECTORY | 0o2000000);
        assert_eq!(open_flags_to_guest(h), g);
        for (gb, hb) in PAIRS {
            assert_eq!(open_flags_to_host(gb | 0o1101) as u64, hb | 0o1101);
            assert_eq!(open_flags_to_guest(hb | 0o4000), gb | 0o4000);
        }
    }

    #[test]
    fn stat_layout_is_the_generic_one() {
        let space = emu_core::mem::GuestSpace::new(1 << 24).unwrap();
        space
            .map_anon(0x1000, 0x1000, perm::READ | perm::WRITE)
            .unwrap();
        // SAFETY: zeroed stat is valid.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        st.st_mode = 0o100644;
        st.st_nlink = 3;
        st.st_uid = 1000;
        st.st_size = 12345;
        st.st_blksize = 4096;
        st.st_mtime = 77;
        let v = space.view();
        write_stat(&v, 0x1000, &st).unwrap();
        assert_eq!(v.read_u32(0x1010).unwrap(), 0o100644);
        assert_eq!(v.read_u32(0x1014).unwrap(), 3);
        assert_eq!(v.read_u32(0x1018).unwrap(), 1000);
        assert_eq!(v.read_u64(0x1030).unwrap(), 12345);
        assert_eq!(v.read_u32(0x1038).unwrap(), 4096);
        assert_eq!(v.read_u64(0x1058).unwrap(), 77);
        assert!(write_stat(&v, 0x1f90, &st).is_err());
    }
}
