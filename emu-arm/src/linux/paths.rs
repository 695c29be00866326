//! Guest path names → host path names, in the style of `qemu-aarch64 -L SYSROOT`: an
//! absolute path is looked up inside the sysroot first and used from there if it exists;
//! otherwise the host path is used. Kernel pseudo file systems (/proc, /dev, /sys) always
//! come from the host.

use std::ffi::{CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Whether an absolute guest path names something that must come from the host kernel.
fn is_host_only(guest: &[u8]) -> bool {
    ["/proc", "/dev", "/sys"].iter().any(|p| {
        let p = p.as_bytes();
        guest.starts_with(p) && (guest.len() == p.len() || guest[p.len()] == b'/')
    })
}

/// Maps a guest path to the host path to use, following qemu's `path()` rule.
pub fn host_path(sysroot: Option<&Path>, guest: &[u8]) -> CString {
    if let Some(root) = sysroot {
        if guest.first() == Some(&b'/') && !is_host_only(guest) {
            let mut candidate = root.as_os_str().as_bytes().to_vec();
            candidate.extend_from_slice(guest);
            let p = Path::new(OsStr::from_bytes(&candidate));
            if std::fs::symlink_metadata(p).is_ok() {
                if let Ok(c) = CString::new(candidate) {
                    return c;
                }
            }
        }
    }
    // A guest string read by read_cstr never contains NUL.
    CString::new(guest).unwrap_or_default()
}

/// Resolves an absolute guest path *inside* the sysroot, following symlinks the way the
/// guest kernel would if the sysroot were `/`: an absolute link target is re-rooted in the
/// sysroot (so `ld-linux-aarch64.so.1 -> /lib/aarch64-linux-gnu/ld-2.36.so` stays inside).
/// Returns `None` if the path does not exist there or loops.
pub fn resolve_in_root(root: &Path, guest: &Path) -> Option<PathBuf> {
    // The remaining components to walk, in reverse order (so pop() yields the next one).
    let mut todo: Vec<PathBuf> = guest
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(PathBuf::from(n)),
            Component::ParentDir => Some(PathBuf::from("..")),
            _ => None,
        })
        .collect();
    let mut cur = PathBuf::new(); // relative to root
    let mut hops = 0;
    while let Some(comp) = todo.pop() {
        if comp.as_os_str() == ".." {
            cur.pop();
            continue;
        }
        let next = cur.join(&comp);
        let host = root.join(&next);
        let meta = std::fs::symlink_metadata(&host).ok()?;
        if meta.file_type().is_symlink() {
            hops += 1;
            if hops > 40 {
                return None;
            }
            let target = std::fs::read_link(&host).ok()?;
            if target.is_absolute() {
                cur = PathBuf::new();
            }
            for c in target.components().rev() {
                match c {
                    Component::Normal(n) => todo.push(PathBuf::from(n)),
                    Component::ParentDir => todo.push(PathBuf::from("..")),
                    _ => {}
                }
            }
        } else {
            cur = next;
        }
    }
    Some(root.join(cur))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("emu-paths-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn absolute_symlink_is_rerooted() {
        let root = scratch("reroot");
        std::fs::create_dir_all(root.join("lib/real")).unwrap();
        std::fs::write(root.join("lib/real/ld.so"), b"x").unwrap();
        std::os::unix::fs::symlink("/lib/real/ld.so", root.join("lib/ld-linux.so")).unwrap();
        std::os::unix::fs::symlink("real", root.join("lib/rel")).unwrap();
        assert_eq!(
            resolve_in_root(&root, Path::new("/lib/ld-linux.so")),
            Some(root.join("lib/real/ld.so"))
        );
        assert_eq!(
            resolve_in_root(&root, Path::new("/lib/rel/../real/ld.so")),
            Some(root.join("lib/real/ld.so"))
        );
        assert_eq!(resolve_in_root(&root, Path::new("/lib/missing")), None);
        std::os::unix::fs::symlink("/loop", root.join("loop")).unwrap();
        assert_eq!(resolve_in_root(&root, Path::new("/loop")), None);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn sysroot_first_then_host() {
        let root = scratch("lookup");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/only-in-root"), b"x").unwrap();
        let mut inside = root.as_os_str().as_bytes().to_vec();
        inside.extend_from_slice(b"/etc/only-in-root");
        assert_eq!(
            host_path(Some(&root), b"/etc/only-in-root").as_bytes(),
            &inside[..]
        );
        assert_eq!(
            host_path(Some(&root), b"/etc/passwd").as_bytes(),
            b"/etc/passwd"
        );
        assert_eq!(host_path(Some(&root), b"rel/x").as_bytes(), b"rel/x");
        std::fs::create_dir_all(root.join("proc")).unwrap();
        assert_eq!(host_path(Some(&root), b"/proc").as_bytes(), b"/proc");
        assert_eq!(
            host_path(None, b"/etc/only-in-root").as_bytes(),
            b"/etc/only-in-root"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
