//! `--trace syscall`: the arguments of a syscall as one readable list, like strace: file
//! names and written data as quoted strings, everything else in hex.

use super::nr;
use emu_core::mem::MemView;

/// Bytes of a name or a written buffer shown before "...".
const SHOWN_BYTES: usize = 48;

/// How an argument is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Hex,
    /// A NUL-terminated string (a path).
    Str,
    /// A buffer whose length is the next argument (data written).
    Buf,
}

/// Which arguments of `nr` are strings or buffers (the rest are hex numbers).
fn kinds(nr: u64) -> [Shown; 4] {
    use Shown::{Buf, Hex, Str};
    match nr {
        nr::CHDIR | nr::CHROOT | nr::STATFS | nr::TRUNCATE | nr::EXECVE => [Str, Hex, Hex, Hex],
        nr::GETXATTR | nr::LGETXATTR => [Str, Str, Hex, Hex],
        nr::OPENAT
        | nr::OPENAT2
        | nr::NEWFSTATAT
        | nr::FACCESSAT
        | nr::FACCESSAT2
        | nr::READLINKAT
        | nr::UNLINKAT
        | nr::MKDIRAT
        | nr::MKNODAT
        | nr::STATX
        | nr::UTIMENSAT
        | nr::FCHMODAT
        | nr::FCHOWNAT
        | nr::EXECVEAT => [Hex, Str, Hex, Hex],
        nr::RENAMEAT | nr::RENAMEAT2 | nr::LINKAT => [Hex, Str, Hex, Str],
        nr::SYMLINKAT => [Str, Hex, Str, Hex],
        nr::WRITE | nr::PWRITE64 => [Hex, Buf, Hex, Hex],
        _ => [Hex; 4],
    }
}

/// `bytes` quoted, with C escapes, cut at SHOWN_BYTES.
fn quote(bytes: &[u8], more: bool) -> String {
    let mut s = String::from("\"");
    for &b in bytes.iter().take(SHOWN_BYTES) {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    if more || bytes.len() > SHOWN_BYTES {
        s.push_str("...");
    }
    s
}

/// The first four arguments of syscall `nr`, as they are before the call runs. A pointer
/// that cannot be read is shown as a number.
pub fn arguments(mem: &MemView, nr: u64, a: &[u64; 6]) -> String {
    let kinds = kinds(nr);
    let shown: Vec<String> = (0..4)
        .map(|i| match kinds[i] {
            Shown::Str => match mem.read_cstr(a[i], SHOWN_BYTES + 1) {
                Ok(s) => quote(&s, false),
                // Readable to the limit: a longer name.
                Err(end) if end == a[i].wrapping_add(SHOWN_BYTES as u64 + 1) => {
                    let mut s = vec![0u8; SHOWN_BYTES];
                    let _ = mem.read_bytes(a[i], &mut s);
                    quote(&s, true)
                }
                Err(_) => format!("{:#x}", a[i]),
            },
            Shown::Buf => {
                let len = a[i + 1].min(SHOWN_BYTES as u64) as usize;
                let mut s = vec![0u8; len];
                match mem.read_bytes(a[i], &mut s) {
                    Ok(()) => quote(&s, a[i + 1] > len as u64),
                    Err(_) => format!("{:#x}", a[i]),
                }
            }
            Shown::Hex => format!("{:#x}", a[i]),
        })
        .collect();
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use emu_core::emit::perm;
    use emu_core::mem::GuestSpace;

    #[test]
    fn paths_and_buffers_are_quoted() {
        let space = GuestSpace::new(1 << 24).unwrap();
        space
            .map_anon(0x1000, 0x1000, perm::READ | perm::WRITE)
            .unwrap();
        let m = space.view();
        m.write_bytes(0x1000, b"/etc/passwd\0").unwrap();
        m.write_bytes(0x1100, b"hi \"you\"\n\x01").unwrap();
        m.write_bytes(0x1200, &[b'a'; 100]).unwrap();
        m.write_bytes(0x1264, &[0]).unwrap();
        assert_eq!(
            arguments(&m, nr::OPENAT, &[0xffff_ff9c, 0x1000, 0, 0, 0, 0]),
            "0xffffff9c, \"/etc/passwd\", 0x0, 0x0"
        );
        assert_eq!(
            arguments(&m, nr::WRITE, &[1, 0x1100, 10, 0, 0, 0]),
            "0x1, \"hi \\\"you\\\"\\n\\x01\", 0xa, 0x0"
        );
        let long = arguments(&m, nr::CHDIR, &[0x1200, 0, 0, 0, 0, 0]);
        assert!(long.starts_with(&format!("\"{}\"...", "a".repeat(SHOWN_BYTES))));
        // Unreadable pointers stay numbers.
        assert_eq!(
            arguments(&m, nr::WRITE, &[1, 0x9000, 4, 0, 0, 0]),
            "0x1, 0x9000, 0x4, 0x0"
        );
        assert_eq!(
            arguments(&m, nr::OPENAT, &[0, 0x9000, 0, 0, 0, 0]),
            "0x0, 0x9000, 0x0, 0x0"
        );
    }
}
