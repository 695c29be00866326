//! The guest's open semihosting files: a table of handles (small integers, from 1 as
//! SYS_OPEN must return non-zero) to host files, the host's standard streams (`:tt`) and
//! the `:semihosting-features` pseudo-file.

use super::sandbox::Errno;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;

/// The contents of `:semihosting-features`: the magic "SHFB" and feature byte 0, with
/// SH_EXT_EXIT_EXTENDED (bit 0: SYS_EXIT_EXTENDED exists) and SH_EXT_STDOUT_STDERR
/// (bit 1: `:tt` opened for append is stderr).
pub const FEATURES: [u8; 5] = [b'S', b'H', b'F', b'B', 0b11];

/// The most files a guest may hold open, so it cannot exhaust the host's descriptors.
const MAX_OPEN: usize = 256;

pub enum Handle {
    /// A host standard stream (0, 1 or 2): used directly, never closed on the host.
    Console(i32),
    File(File),
    /// `:semihosting-features`, with the read position.
    Features {
        pos: usize,
    },
}

fn io_errno(e: &std::io::Error) -> Errno {
    e.raw_os_error().unwrap_or(libc::EIO)
}

/// The host standard stream that `:tt` opened with `mode` stands for (as in QEMU: the
/// read modes are stdin, the write modes stdout, the append modes stderr).
pub fn console_for_mode(mode: u64) -> i32 {
    match mode {
        0..=3 => libc::STDIN_FILENO,
        4..=7 => libc::STDOUT_FILENO,
        _ => libc::STDERR_FILENO,
    }
}

/// `fopen` semantics of SYS_OPEN's mode field (0..=11 are "r", "rb", "r+", "r+b", "w",
/// "wb", "w+", "w+b", "a", "ab", "a+", "a+b"; "b" makes no difference on the host).
/// `O_NOFOLLOW`: the sandbox resolved every link already (see `sandbox`).
pub fn open_options(mode: u64) -> Option<OpenOptions> {
    let mut o = OpenOptions::new();
    match mode {
        0 | 1 => o.read(true),
        2 | 3 => o.read(true).write(true),
        4 | 5 => o.write(true).create(true).truncate(true),
        6 | 7 => o.read(true).write(true).create(true).truncate(true),
        8 | 9 => o.append(true).create(true),
        10 | 11 => o.read(true).append(true).create(true),
        _ => return None,
    };
    o.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .mode(0o666);
    Some(o)
}

/// Whether `mode` may create the file.
pub fn mode_creates(mode: u64) -> bool {
    (4..=11).contains(&mode)
}

/// Reads from a host descriptor, retrying after signals.
pub fn read_fd(fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    loop {
        // SAFETY: buf is a live, writable buffer of buf.len() bytes.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(io_errno(&e));
        }
    }
}

/// Writes all of `data` to a host descriptor (unbuffered, so it interleaves correctly with
/// what the guest writes through Linux syscalls), retrying after signals.
pub fn write_fd(fd: i32, mut data: &[u8]) -> Result<usize, Errno> {
    let total = data.len();
    while !data.is_empty() {
        // SAFETY: data is a live buffer of data.len() bytes.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(io_errno(&e));
        }
        data = &data[n as usize..];
    }
    Ok(total)
}

impl Handle {
    /// Reads at most `buf.len()` bytes; 0 at end of file.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        match self {
            Handle::Console(fd) => read_fd(*fd, buf),
            Handle::File(f) => loop {
                match f.read(buf) {
                    Ok(n) => return Ok(n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(io_errno(&e)),
                }
            },
            Handle::Features { pos } => {
                let rest = FEATURES.get(*pos..).unwrap_or(&[]);
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                *pos += n;
                Ok(n)
            }
        }
    }

    /// Writes all of `data`.
    pub fn write(&mut self, data: &[u8]) -> Result<usize, Errno> {
        match self {
            Handle::Console(fd) => write_fd(*fd, data),
            Handle::File(f) => f
                .write_all(data)
                .map(|_| data.len())
                .map_err(|e| io_errno(&e)),
            Handle::Features { .. } => Err(libc::EBADF),
        }
    }

    /// Moves to absolute position `pos`.
    pub fn seek(&mut self, pos: u64) -> Result<(), Errno> {
        match self {
            Handle::Console(_) => Err(libc::ESPIPE),
            Handle::File(f) => f
                .seek(SeekFrom::Start(pos))
                .map(|_| ())
                .map_err(|e| io_errno(&e)),
            Handle::Features { pos: at } => {
                if pos > FEATURES.len() as u64 {
                    return Err(libc::EINVAL);
                }
                *at = pos as usize;
                Ok(())
            }
        }
    }

    /// The length of the file.
    pub fn length(&self) -> Result<u64, Errno> {
        match self {
            Handle::Console(_) => Err(libc::EINVAL),
            Handle::File(f) => f.metadata().map(|m| m.len()).map_err(|e| io_errno(&e)),
            Handle::Features { .. } => Ok(FEATURES.len() as u64),
        }
    }

    pub fn is_tty(&self) -> bool {
        let fd = match self {
            Handle::Console(fd) => *fd,
            Handle::File(f) => f.as_raw_fd(),
            Handle::Features { .. } => return false,
        };
        // SAFETY: isatty only inspects the descriptor.
        unsafe { libc::isatty(fd) == 1 }
    }
}

/// Open handles by number; slot 0 is never used (SYS_OPEN returns non-zero handles).
#[derive(Default)]
pub struct Table {
    slots: Vec<Option<Handle>>,
}

impl Table {
    /// Stores `h` under the lowest free handle number.
    pub fn insert(&mut self, h: Handle) -> Result<u64, Errno> {
        if self.slots.is_empty() {
            self.slots.push(None);
        }
        if let Some(i) = self.slots.iter().skip(1).position(Option::is_none) {
            self.slots[i + 1] = Some(h);
            return Ok(i as u64 + 1);
        }
        if self.slots.len() > MAX_OPEN {
            return Err(libc::EMFILE);
        }
        self.slots.push(Some(h));
        Ok(self.slots.len() as u64 - 1)
    }

    pub fn get(&mut self, handle: u64) -> Result<&mut Handle, Errno> {
        usize::try_from(handle)
            .ok()
            .filter(|&i| i != 0)
            .and_then(|i| self.slots.get_mut(i))
            .and_then(Option::as_mut)
            .ok_or(libc::EBADF)
    }

    /// Closes `handle` (a host file is closed when the `Handle` drops).
    pub fn remove(&mut self, handle: u64) -> Result<Handle, Errno> {
        usize::try_from(handle)
            .ok()
            .filter(|&i| i != 0)
            .and_then(|i| self.slots.get_mut(i))
            .and_then(Option::take)
            .ok_or(libc::EBADF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_start_at_one_and_reuse_the_lowest_free() {
        let mut t = Table::default();
        assert_eq!(t.insert(Handle::Features { pos: 0 }), Ok(1));
        assert_eq!(t.insert(Handle::Console(1)), Ok(2));
        assert_eq!(t.insert(Handle::Console(2)), Ok(3));
        assert!(t.remove(2).is_ok());
        assert!(matches!(t.remove(2), Err(libc::EBADF)));
        assert_eq!(t.insert(Handle::Console(1)), Ok(2));
        assert!(matches!(t.get(0), Err(libc::EBADF)));
        assert!(matches!(t.get(99), Err(libc::EBADF)));
        assert!(matches!(t.get(u64::MAX), Err(libc::EBADF)));
    }

    #[test]
    fn the_table_is_bounded() {
        let mut t = Table::default();
        let mut last = Ok(0);
        for _ in 0..MAX_OPEN + 5 {
            last = t.insert(Handle::Features { pos: 0 });
        }
        assert_eq!(last, Err(libc::EMFILE));
    }

    #[test]
    fn features_file_reads_and_seeks() {
        let mut h = Handle::Features { pos: 0 };
        let mut buf = [0u8; 8];
        assert_eq!(h.read(&mut buf), Ok(5));
        assert_eq!(&buf[..5], b"SHFB\x03");
        assert_eq!(h.read(&mut buf), Ok(0));
        assert_eq!(h.seek(4), Ok(()));
        assert_eq!(h.read(&mut buf), Ok(1));
        assert_eq!(h.seek(6), Err(libc::EINVAL));
        assert_eq!(h.length(), Ok(5));
        assert_eq!(h.write(b"x"), Err(libc::EBADF));
    }

    #[test]
    fn modes_map_to_fopen() {
        assert!(open_options(11).is_some());
        assert!(open_options(12).is_none());
        assert!(!mode_creates(3) && mode_creates(4) && mode_creates(11));
        assert_eq!(console_for_mode(0), libc::STDIN_FILENO);
        assert_eq!(console_for_mode(5), libc::STDOUT_FILENO);
        assert_eq!(console_for_mode(8), libc::STDERR_FILENO);
    }
}
