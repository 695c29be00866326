//! Arm semihosting (A64 `HLT #0xF000`): a guest asks the host for console output, files,
//! the time, its command line and to end the run with a status. This is what bare-metal
//! test programs (and newlib/picolibc's `--specs=rdimon.specs`) use.
//!
//! The reference is Arm's "Semihosting for AArch32 and AArch64" (v3) and, where it leaves
//! room, QEMU's `semihosting/arm-compat-semi.c`. On A64 the operation number is in W0, X1
//! points to a parameter block of 64-bit fields (or holds the single argument), and the
//! result goes to X0.
//!
//! Mode-independent: guest memory and registers are reached through [`Target`], which
//! user mode implements over its flat guest memory (`linux/semihosting.rs`) and system
//! mode over the vCPU's translation regime ([`system`]).
//! Host files are confined to one directory ([`sandbox::Root`]). Deliberate differences
//! from QEMU: SYS_SYSTEM (run a host shell command) is refused, since a test program must
//! not escape its sandbox; SYS_TMPNAM names a file inside the root; an unknown operation
//! returns -1 with errno ENOSYS instead of aborting the emulator.

pub mod files;
pub mod sandbox;
pub mod system;

use files::{Handle, Table};
use sandbox::{Errno, Root};
use std::io::Write;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The `HLT` immediate that means a semihosting call on A64.
pub const HLT_IMM: u64 = 0xF000;

/// Operation numbers (W0).
pub mod op {
    pub const OPEN: u64 = 0x01;
    pub const CLOSE: u64 = 0x02;
    pub const WRITEC: u64 = 0x03;
    pub const WRITE0: u64 = 0x04;
    pub const WRITE: u64 = 0x05;
    pub const READ: u64 = 0x06;
    pub const READC: u64 = 0x07;
    pub const ISERROR: u64 = 0x08;
    pub const ISTTY: u64 = 0x09;
    pub const SEEK: u64 = 0x0A;
    pub const FLEN: u64 = 0x0C;
    pub const TMPNAM: u64 = 0x0D;
    pub const REMOVE: u64 = 0x0E;
    pub const RENAME: u64 = 0x0F;
    pub const CLOCK: u64 = 0x10;
    pub const TIME: u64 = 0x11;
    pub const SYSTEM: u64 = 0x12;
    pub const ERRNO: u64 = 0x13;
    pub const GET_CMDLINE: u64 = 0x15;
    pub const HEAPINFO: u64 = 0x16;
    pub const EXIT: u64 = 0x18;
    pub const EXIT_EXTENDED: u64 = 0x20;
    pub const ELAPSED: u64 = 0x30;
    pub const TICKFREQ: u64 = 0x31;
}

/// SYS_EXIT reason for a normal end of the program; the subcode is its exit status.
pub const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

/// Longest file name accepted (Linux's PATH_MAX).
const NAME_MAX: u64 = 4096;
/// Guest memory moves through host buffers of at most this size.
const CHUNK: usize = 64 * 1024;
/// SYS_ELAPSED counts nanoseconds.
const TICKS_PER_SECOND: u64 = 1_000_000_000;
/// Result for failure (-1).
const FAILED: u64 = u64::MAX;

/// A guest memory access that faulted (address not mapped or not permitted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemFault;

/// SYS_HEAPINFO's answer: where the guest's C library may put its heap and stack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapInfo {
    pub heap_base: u64,
    pub heap_limit: u64,
    pub stack_base: u64,
    pub stack_limit: u64,
}

/// What a semihosting call needs of the CPU that made it.
pub trait Target {
    /// X0 or X1.
    fn x(&self, n: usize) -> u64;
    /// The result register.
    fn set_x0(&mut self, value: u64);
    /// Reads guest virtual memory, as the guest at its current privilege would.
    fn read_mem(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault>;
    fn write_mem(&mut self, addr: u64, data: &[u8]) -> Result<(), MemFault>;
    fn heap_info(&mut self) -> HeapInfo;
    /// Nanoseconds since the run started, if the machine keeps its own (virtual,
    /// deterministic) clock; `None` uses host time.
    fn elapsed_ns(&self) -> Option<u64> {
        None
    }
    /// Seconds since the Unix epoch, if the machine has a fixed or virtual real-time
    /// clock; `None` uses the host's.
    fn epoch_seconds(&self) -> Option<u64> {
        None
    }
}

/// What the caller does after the call (the result is already in X0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Continue after the `HLT`.
    Continue,
    /// The guest ended the run with this exit status (SYS_EXIT / SYS_EXIT_EXTENDED).
    Exit(i32),
}

/// The state semihosting keeps between calls: open files, the last errno, the start time.
pub struct Semihosting {
    root: Root,
    cmdline: Vec<u8>,
    files: Table,
    errno: Errno,
    started: Instant,
    /// Where SYS_WRITEC/SYS_WRITE0 go: stderr by default, as QEMU's user mode.
    console: Box<dyn Write + Send>,
}

/// The host's stderr, unbuffered (so guest output interleaves with its other writes).
struct HostStderr;

impl Write for HostStderr {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        files::write_fd(libc::STDERR_FILENO, data).map_err(std::io::Error::from_raw_os_error)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A failed call: set errno, return -1.
type CallResult = Result<u64, Errno>;

impl Semihosting {
    /// File access is confined to `root`; `cmdline` is what SYS_GET_CMDLINE returns.
    pub fn new(root: &Path, cmdline: Vec<u8>) -> std::io::Result<Semihosting> {
        Ok(Semihosting {
            root: Root::new(root)?,
            cmdline,
            files: Table::default(),
            errno: 0,
            started: Instant::now(),
            console: Box::new(HostStderr),
        })
    }

    /// Sends console output (SYS_WRITEC, SYS_WRITE0) somewhere other than stderr (e.g. a
    /// board's serial capture).
    pub fn with_console(mut self, console: Box<dyn Write + Send>) -> Semihosting {
        self.console = console;
        self
    }

    pub fn root(&self) -> &Path {
        self.root.dir()
    }

    /// Performs the call the guest made with `HLT #0xF000` (W0 = operation, X1 =
    /// argument). The caller then moves the pc past the `HLT` unless the run ends.
    pub fn call<T: Target + ?Sized>(&mut self, t: &mut T) -> Outcome {
        let operation = t.x(0) & 0xffff_ffff;
        let arg = t.x(1);
        let result = match operation {
            op::EXIT | op::EXIT_EXTENDED => match self.exit_status(t, arg) {
                Ok(status) => return Outcome::Exit(status),
                Err(e) => Err(e),
            },
            _ => self.dispatch(t, operation, arg),
        };
        let value = match result {
            Ok(v) => v,
            Err(e) => {
                self.errno = e;
                FAILED
            }
        };
        tracing::debug!(target: "syscall", "semihosting {}({arg:#x}) = {:#x}", op_name(operation), value);
        t.set_x0(value);
        Outcome::Continue
    }

    fn dispatch<T: Target + ?Sized>(&mut self, t: &mut T, operation: u64, arg: u64) -> CallResult {
        match operation {
            op::OPEN => {
                let [name, mode, len] = params(t, arg)?;
                self.open(t, name, mode, len)
            }
            op::CLOSE => {
                let [handle] = params(t, arg)?;
                self.files.remove(handle).map(|_| 0)
            }
            op::WRITEC => {
                let mut c = [0u8];
                t.read_mem(arg, &mut c).map_err(|_| libc::EFAULT)?;
                self.console_write(&c)?;
                Ok(0)
            }
            op::WRITE0 => self.write0(t, arg).map(|_| 0),
            op::WRITE => {
                let [handle, buf, len] = params(t, arg)?;
                self.write(t, handle, buf, len)
            }
            op::READ => {
                let [handle, buf, len] = params(t, arg)?;
                self.read(t, handle, buf, len)
            }
            op::READC => {
                let mut c = [0u8];
                match files::read_fd(libc::STDIN_FILENO, &mut c)? {
                    0 => Err(libc::EIO),
                    _ => Ok(c[0] as u64),
                }
            }
            op::ISERROR => {
                let [status] = params(t, arg)?;
                Ok(((status as i64) < 0) as u64)
            }
            op::ISTTY => {
                let [handle] = params(t, arg)?;
                Ok(self.files.get(handle)?.is_tty() as u64)
            }
            op::SEEK => {
                let [handle, pos] = params(t, arg)?;
                self.files.get(handle)?.seek(pos).map(|_| 0)
            }
            op::FLEN => {
                let [handle] = params(t, arg)?;
                self.files.get(handle)?.length()
            }
            op::TMPNAM => {
                let [buf, id, len] = params(t, arg)?;
                self.tmpnam(t, buf, id, len)
            }
            op::REMOVE => {
                let [name, len] = params(t, arg)?;
                let name = read_name(t, name, len)?;
                let path = self.root.resolve_entry(&name)?;
                let removed = if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                    std::fs::remove_dir(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                removed.map(|_| 0).map_err(|e| io_errno(&e))
            }
            op::RENAME => {
                let [old, old_len, new, new_len] = params(t, arg)?;
                let old = self.root.resolve_entry(&read_name(t, old, old_len)?)?;
                let new = self.root.resolve_entry(&read_name(t, new, new_len)?)?;
                std::fs::rename(old, new)
                    .map(|_| 0)
                    .map_err(|e| io_errno(&e))
            }
            op::CLOCK => Ok(self.elapsed_ns(t) / 10_000_000),
            op::TIME => Ok(t.epoch_seconds().unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            })),
            op::ELAPSED => {
                let ticks = self.elapsed_ns(t);
                t.write_mem(arg, &ticks.to_le_bytes())
                    .map_err(|_| libc::EFAULT)?;
                Ok(0)
            }
            op::TICKFREQ => Ok(TICKS_PER_SECOND),
            op::ERRNO => Ok(self.errno as u64),
            op::GET_CMDLINE => {
                let [buf, len] = params(t, arg)?;
                if self.cmdline.len() as u64 >= len {
                    return Err(libc::E2BIG);
                }
                let mut text = self.cmdline.clone();
                text.push(0);
                t.write_mem(buf, &text).map_err(|_| libc::EFAULT)?;
                t.write_mem(
                    arg.wrapping_add(8),
                    &(self.cmdline.len() as u64).to_le_bytes(),
                )
                .map_err(|_| libc::EFAULT)?;
                Ok(0)
            }
            op::HEAPINFO => {
                // X1 points to a word that points to the four-word block.
                let [block] = params(t, arg)?;
                let h = t.heap_info();
                let words = [h.heap_base, h.heap_limit, h.stack_base, h.stack_limit];
                let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
                t.write_mem(block, &bytes).map_err(|_| libc::EFAULT)?;
                Ok(0)
            }
            op::SYSTEM => {
                tracing::warn!(target: "unimp", "semihosting SYS_SYSTEM refused: host commands are not run");
                Err(libc::EPERM)
            }
            _ => {
                tracing::warn!(target: "unimp", "semihosting operation {operation:#x} is not implemented");
                Err(libc::ENOSYS)
            }
        }
    }

    fn elapsed_ns<T: Target + ?Sized>(&self, t: &T) -> u64 {
        t.elapsed_ns()
            .unwrap_or_else(|| self.started.elapsed().as_nanos() as u64)
    }

    /// SYS_EXIT / SYS_EXIT_EXTENDED on A64: X1 points to (reason, subcode). A normal
    /// application exit returns the subcode as the status (the host keeps its low 8 bits);
    /// any other reason (a run-time error, an exception) is a failure, status 1.
    fn exit_status<T: Target + ?Sized>(&mut self, t: &mut T, arg: u64) -> Result<i32, Errno> {
        let [reason, subcode] = params(t, arg)?;
        tracing::debug!(target: "syscall", "semihosting exit(reason {reason:#x}, subcode {subcode:#x})");
        Ok(if reason == ADP_STOPPED_APPLICATION_EXIT {
            subcode as u32 as i32
        } else {
            1
        })
    }

    fn open<T: Target + ?Sized>(
        &mut self,
        t: &mut T,
        name: u64,
        mode: u64,
        len: u64,
    ) -> CallResult {
        let name = read_name(t, name, len)?;
        // Only the twelve fopen modes exist, whatever the name.
        let options = files::open_options(mode).ok_or(libc::EINVAL)?;
        let handle = match name.as_slice() {
            b":tt" => Handle::Console(files::console_for_mode(mode)),
            b":semihosting-features" => {
                if mode > 1 {
                    return Err(libc::EACCES);
                }
                Handle::Features { pos: 0 }
            }
            _ => {
                let path = self
                    .root
                    .resolve_for_open(&name, files::mode_creates(mode))?;
                Handle::File(options.open(path).map_err(|e| io_errno(&e))?)
            }
        };
        self.files.insert(handle)
    }

    /// SYS_WRITE: returns the number of bytes *not* written (0 = all).
    fn write<T: Target + ?Sized>(
        &mut self,
        t: &mut T,
        handle: u64,
        buf: u64,
        len: u64,
    ) -> CallResult {
        let file = self.files.get(handle)?;
        let mut chunk = vec![0u8; CHUNK.min(len as usize)];
        let mut done = 0u64;
        while done < len {
            let n = chunk.len().min((len - done) as usize);
            let piece = &mut chunk[..n];
            let at = buf.wrapping_add(done);
            if t.read_mem(at, piece).is_err() {
                return if done == 0 {
                    Err(libc::EFAULT)
                } else {
                    Ok(len - done)
                };
            }
            if let Err(e) = file.write(piece) {
                return if done == 0 { Err(e) } else { Ok(len - done) };
            }
            done += n as u64;
        }
        Ok(0)
    }

    /// SYS_READ: returns the number of bytes *not* read (len = end of file).
    fn read<T: Target + ?Sized>(
        &mut self,
        t: &mut T,
        handle: u64,
        buf: u64,
        len: u64,
    ) -> CallResult {
        let file = self.files.get(handle)?;
        let mut chunk = vec![0u8; CHUNK.min(len as usize)];
        let mut done = 0u64;
        while done < len {
            let want = chunk.len().min((len - done) as usize);
            let got = match file.read(&mut chunk[..want]) {
                Ok(n) => n,
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            };
            if got == 0 {
                break;
            }
            if t.write_mem(buf.wrapping_add(done), &chunk[..got]).is_err() {
                return if done == 0 {
                    Err(libc::EFAULT)
                } else {
                    Ok(len - done)
                };
            }
            done += got as u64;
            // A console or pipe returns what it has; do not wait for more.
            if got < want {
                break;
            }
        }
        Ok(len - done)
    }

    /// SYS_WRITE0: a NUL-terminated string to the console. It is read in pieces that
    /// never cross a 4 KiB page, so a string ending just before an unmapped page is
    /// printed whole, and a piece that faults lies on a page the guest cannot read.
    fn write0<T: Target + ?Sized>(&mut self, t: &mut T, mut addr: u64) -> Result<(), Errno> {
        let mut piece = [0u8; 256];
        loop {
            let to_page_end = 0x1000 - (addr & 0xfff) as usize;
            let text = &mut piece[..256.min(to_page_end)];
            t.read_mem(addr, text).map_err(|_| libc::EFAULT)?;
            if let Some(end) = text.iter().position(|&b| b == 0) {
                return self.console_write(&piece[..end]);
            }
            let n = text.len();
            self.console_write(&piece[..n])?;
            addr = addr.wrapping_add(n as u64);
        }
    }

    fn console_write(&mut self, data: &[u8]) -> Result<(), Errno> {
        self.console.write_all(data).map_err(|e| io_errno(&e))
    }

    /// SYS_TMPNAM: a name for a temporary file, inside the root (relative to it).
    fn tmpnam<T: Target + ?Sized>(&mut self, t: &mut T, buf: u64, id: u64, len: u64) -> CallResult {
        let mut name =
            format!("semihosting-tmp-{}-{:02x}", std::process::id(), id & 0xff).into_bytes();
        name.push(0);
        if name.len() as u64 > len {
            return Err(libc::ENAMETOOLONG);
        }
        t.write_mem(buf, &name).map_err(|_| libc::EFAULT)?;
        Ok(0)
    }
}

fn io_errno(e: &std::io::Error) -> Errno {
    e.raw_os_error().unwrap_or(libc::EIO)
}

/// Reads the parameter block at `addr`: `N` consecutive 64-bit fields.
fn params<const N: usize, T: Target + ?Sized>(t: &mut T, addr: u64) -> Result<[u64; N], Errno> {
    let mut out = [0u64; N];
    for (i, field) in out.iter_mut().enumerate() {
        let mut b = [0u8; 8];
        t.read_mem(addr.wrapping_add(8 * i as u64), &mut b)
            .map_err(|_| libc::EFAULT)?;
        *field = u64::from_le_bytes(b);
    }
    Ok(out)
}

/// A file name: `len` bytes at `addr` (the spec's length excludes the NUL; a NUL inside
/// ends the name, as it would for C).
fn read_name<T: Target + ?Sized>(t: &mut T, addr: u64, len: u64) -> Result<Vec<u8>, Errno> {
    if len >= NAME_MAX {
        return Err(libc::ENAMETOOLONG);
    }
    let mut name = vec![0u8; len as usize];
    t.read_mem(addr, &mut name).map_err(|_| libc::EFAULT)?;
    if let Some(nul) = name.iter().position(|&b| b == 0) {
        name.truncate(nul);
    }
    Ok(name)
}

/// The operation's name in the spec, for traces.
pub fn op_name(operation: u64) -> &'static str {
    match operation {
        op::OPEN => "SYS_OPEN",
        op::CLOSE => "SYS_CLOSE",
        op::WRITEC => "SYS_WRITEC",
        op::WRITE0 => "SYS_WRITE0",
        op::WRITE => "SYS_WRITE",
        op::READ => "SYS_READ",
        op::READC => "SYS_READC",
        op::ISERROR => "SYS_ISERROR",
        op::ISTTY => "SYS_ISTTY",
        op::SEEK => "SYS_SEEK",
        op::FLEN => "SYS_FLEN",
        op::TMPNAM => "SYS_TMPNAM",
        op::REMOVE => "SYS_REMOVE",
        op::RENAME => "SYS_RENAME",
        op::CLOCK => "SYS_CLOCK",
        op::TIME => "SYS_TIME",
        op::SYSTEM => "SYS_SYSTEM",
        op::ERRNO => "SYS_ERRNO",
        op::GET_CMDLINE => "SYS_GET_CMDLINE",
        op::HEAPINFO => "SYS_HEAPINFO",
        op::EXIT => "SYS_EXIT",
        op::EXIT_EXTENDED => "SYS_EXIT_EXTENDED",
        op::ELAPSED => "SYS_ELAPSED",
        op::TICKFREQ => "SYS_TICKFREQ",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests;
