//! The few /proc files whose host version would describe the emulator instead of the
//! guest (as qemu-aarch64 does): /proc/self/maps, /proc/self/auxv, /proc/self/cmdline.
//! Opening one returns a memfd holding the guest's version; /proc/self/exe is handled by
//! path translation (it names the guest program).

use super::process::{lock, Thread};
use emu_core::mem::PAGE_SIZE;
use std::fmt::Write as _;

/// The per-process file a guest path names, if it is one we emulate: "maps" for
/// "/proc/self/maps", "/proc/<our pid>/maps" or "/proc/thread-self/maps".
pub fn emulated_file(path: &[u8]) -> Option<&'static str> {
    let rest = path.strip_prefix(b"/proc/")?;
    let slash = rest.iter().position(|&b| b == b'/')?;
    let (who, file) = (&rest[..slash], &rest[slash + 1..]);
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() }.to_string();
    if who != b"self" && who != b"thread-self" && who != pid.as_bytes() {
        return None;
    }
    ["maps", "auxv", "cmdline"]
        .into_iter()
        .find(|f| f.as_bytes() == file)
}

/// The guest's memory map in /proc/<pid>/maps format.
pub fn maps(t: &Thread) -> Vec<u8> {
    let mem = t.mem();
    let mm = lock(&t.proc.mm);
    let (stack_lo, stack_hi) = t.proc.stack_range;
    let (brk_lo, brk_hi) = (mm.brk_start, mm.brk);
    let mut out = String::new();
    for (start, end) in mm.overlapping(0, u64::MAX) {
        // Split each mapped range into runs of equal permissions.
        let mut a = start;
        while a < end {
            let p = mem.page_perms(a);
            let mut b = a + PAGE_SIZE;
            while b < end && mem.page_perms(b) == p {
                b += PAGE_SIZE;
            }
            let name = if a >= stack_lo && b <= stack_hi {
                "[stack]"
            } else if a >= brk_lo && a < brk_hi.max(brk_lo) {
                "[heap]"
            } else {
                ""
            };
            let flag = |bit: u8, c: char| if p & bit != 0 { c } else { '-' };
            let _ = writeln!(
                out,
                "{a:08x}-{b:08x} {}{}{}p 00000000 00:00 0 {name}",
                flag(emu_core::emit::perm::READ, 'r'),
                flag(emu_core::emit::perm::WRITE, 'w'),
                flag(emu_core::emit::perm::EXEC, 'x'),
            );
            a = b;
        }
    }
    out.into_bytes()
}

/// The contents of an emulated file.
pub fn contents(t: &Thread, file: &str) -> Vec<u8> {
    match file {
        "maps" => maps(t),
        "auxv" => t
            .proc
            .auxv
            .iter()
            .flat_map(|&(k, v)| k.to_le_bytes().into_iter().chain(v.to_le_bytes()))
            .collect(),
        _ => t.proc.cmdline.clone(),
    }
}

/// Opens an emulated file: a sealed-size memfd positioned at 0. Returns the fd or -errno.
pub fn open(t: &Thread, file: &str) -> Result<i64, i64> {
    let data = contents(t, file);
    // SAFETY: memfd_create with a static name; we own the fd.
    let fd = unsafe { libc::memfd_create(c"emu-proc".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(super::errno::host_errno());
    }
    let mut off = 0;
    while off < data.len() {
        // SAFETY: writing from a live buffer.
        let n = unsafe { libc::write(fd, data[off..].as_ptr().cast(), data.len() - off) };
        if n <= 0 {
            let e = super::errno::host_errno();
            // SAFETY: closing our own fd.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        off += n as usize;
    }
    // SAFETY: plain lseek on our fd.
    unsafe { libc::lseek(fd, 0, libc::SEEK_SET) };
    Ok(fd as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_self_and_own_pid() {
        assert_eq!(emulated_file(b"/proc/self/maps"), Some("maps"));
        assert_eq!(emulated_file(b"/proc/thread-self/auxv"), Some("auxv"));
        let own = format!("/proc/{}/cmdline", std::process::id());
        assert_eq!(emulated_file(own.as_bytes()), Some("cmdline"));
        assert_eq!(emulated_file(b"/proc/1/maps"), None);
        assert_eq!(emulated_file(b"/proc/self/status"), None);
        assert_eq!(emulated_file(b"/proc/self"), None);
    }
}
