//! The few /proc files whose host version would describe the emulator or the host CPU
//! instead of the guest (as qemu-aarch64 does): /proc/self/maps, /proc/self/auxv,
//! /proc/self/cmdline and /proc/cpuinfo.
//! Opening one returns a memfd holding the guest's version; /proc/self/exe is handled by
//! path translation (it names the guest program).

use super::process::{lock, Thread};
use emu_core::mem::PAGE_SIZE;
use std::fmt::Write as _;

/// The per-process file a guest path names, if it is one we emulate: "maps" for
/// "/proc/self/maps", "/proc/<our pid>/maps" or "/proc/thread-self/maps".
pub fn emulated_file(path: &[u8]) -> Option<&'static str> {
    if path == b"/proc/cpuinfo" {
        return Some("cpuinfo");
    }
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

/// /proc/cpuinfo as an arm64 kernel prints it, for our CPU (features from
/// `features::USER_HWCAP`, identification from MIDR_EL1), one entry per host CPU.
pub fn cpuinfo() -> Vec<u8> {
    use crate::features::{MIDR_EL1, USER_HWCAP};
    // AT_HWCAP bit n is named HWCAP_NAMES[n] (arch/arm64/kernel/cpuinfo.c, hwcap_str).
    const HWCAP_NAMES: [&str; 32] = [
        "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp",
        "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4",
        "asimddp", "sha512", "sve", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb",
        "paca", "pacg",
    ];
    let features: Vec<&str> = HWCAP_NAMES
        .iter()
        .enumerate()
        .filter(|&(bit, _)| USER_HWCAP & (1 << bit) != 0)
        .map(|(_, &n)| n)
        .collect();
    // SAFETY: sysconf has no preconditions.
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1);
    let mut out = String::new();
    for n in 0..cpus {
        let _ = write!(
            out,
            "processor\t: {n}\nBogoMIPS\t: 2000.00\nFeatures\t: {}\n\
             CPU implementer\t: {:#04x}\nCPU architecture: 8\nCPU variant\t: {:#x}\n\
             CPU part\t: {:#05x}\nCPU revision\t: {}\n\n",
            features.join(" "),
            (MIDR_EL1 >> 24) & 0xff,
            (MIDR_EL1 >> 20) & 0xf,
            (MIDR_EL1 >> 4) & 0xfff,
            MIDR_EL1 & 0xf,
        );
    }
    out.into_bytes()
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
        "cpuinfo" => cpuinfo(),
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
        assert_eq!(emulated_file(b"/proc/cpuinfo"), Some("cpuinfo"));
    }

    #[test]
    fn cpuinfo_lists_the_advertised_features() {
        let text = String::from_utf8(cpuinfo()).unwrap();
        let first = text.split("\n\n").next().unwrap();
        assert!(first.starts_with("processor\t: 0\n"), "{first}");
        let feat = first
            .lines()
            .find_map(|l| l.strip_prefix("Features\t: "))
            .unwrap();
        assert!(feat.split(' ').any(|f| f == "fp") && feat.split(' ').any(|f| f == "asimd"));
        let bits = (crate::features::USER_HWCAP & 0xffff_ffff).count_ones() as usize;
        assert_eq!(feat.split(' ').count(), bits, "{feat}");
        assert!(first.contains("CPU part\t: 0x051"), "{first}");
    }
}
