//! Confinement of semihosting file access to one host directory (`--semihosting-root`).
//!
//! A guest name is taken relative to the root, or, if absolute, as a host path that must
//! lie inside the root. Every name is resolved by the host kernel (`canonicalize`, which
//! follows `..` and symbolic links) *before* the check, so neither `../` nor a symlink
//! pointing outside can escape. A name that does not exist yet (a file about to be
//! created) is checked through its parent directory, and its last component must not be a
//! symlink at all: a dangling link could otherwise make `open(O_CREAT)` create its target
//! outside the root. Callers open the resolved path with `O_NOFOLLOW`, so a link that
//! appears between the check and the open is refused rather than followed.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// The directory semihosting file access is confined to (canonical, so `starts_with`
/// compares real locations).
#[derive(Clone, Debug)]
pub struct Root {
    dir: PathBuf,
}

/// Why a guest name was not resolved: a host errno value, which the guest reads back
/// with SYS_ERRNO.
pub type Errno = i32;

/// The errno for names outside the root (the host would have allowed them; we do not).
pub const OUTSIDE_ROOT: Errno = libc::EACCES;

fn errno_of(e: &io::Error) -> Errno {
    e.raw_os_error().unwrap_or(libc::EIO)
}

impl Root {
    /// `dir` must exist and be a directory.
    pub fn new(dir: &Path) -> io::Result<Root> {
        let dir = std::fs::canonicalize(dir)?;
        if !dir.is_dir() {
            return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
        }
        Ok(Root { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The guest's name as a host path, before any resolution.
    fn candidate(&self, name: &[u8]) -> Result<PathBuf, Errno> {
        if name.is_empty() {
            return Err(libc::ENOENT);
        }
        let path = Path::new(OsStr::from_bytes(name));
        Ok(if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.dir.join(path)
        })
    }

    fn inside(&self, resolved: &Path) -> bool {
        resolved.starts_with(&self.dir)
    }

    /// The host file to open for guest `name`, following symlinks as `fopen` does.
    /// With `may_create`, a name that does not exist yet resolves through its parent.
    pub fn resolve_for_open(&self, name: &[u8], may_create: bool) -> Result<PathBuf, Errno> {
        let candidate = self.candidate(name)?;
        match std::fs::canonicalize(&candidate) {
            Ok(real) if self.inside(&real) => Ok(real),
            Ok(_) => Err(OUTSIDE_ROOT),
            Err(e) if e.kind() == io::ErrorKind::NotFound && may_create => {
                let entry = self.entry(&candidate)?;
                // Not found, yet present as a directory entry: a dangling symlink.
                if std::fs::symlink_metadata(&entry).is_ok() {
                    return Err(OUTSIDE_ROOT);
                }
                Ok(entry)
            }
            Err(e) => Err(errno_of(&e)),
        }
    }

    /// The directory entry guest `name` denotes, without following a symlink in its last
    /// component (what `remove` and `rename` act on): its parent must resolve inside the
    /// root, and the root itself is not an entry the guest may remove or rename.
    pub fn resolve_entry(&self, name: &[u8]) -> Result<PathBuf, Errno> {
        let candidate = self.candidate(name)?;
        self.entry(&candidate)
    }

    fn entry(&self, candidate: &Path) -> Result<PathBuf, Errno> {
        let mut parts: Vec<Component> = candidate.components().collect();
        let Some(Component::Normal(last)) = parts.pop() else {
            // Ends in `..` or is `/`: names no entry of a directory.
            return Err(libc::EINVAL);
        };
        let parent: PathBuf = parts.iter().collect();
        let real_parent = std::fs::canonicalize(&parent).map_err(|e| errno_of(&e))?;
        if !self.inside(&real_parent) {
            return Err(OUTSIDE_ROOT);
        }
        Ok(real_parent.join(last))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A scratch directory with `root/` (holding `inside.txt` and `sub/`) and, beside it,
    /// `outside.txt`.
    pub(crate) struct Scratch {
        pub top: PathBuf,
        pub root: PathBuf,
    }

    impl Scratch {
        pub fn new(label: &str) -> Scratch {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let top = std::env::temp_dir().join(format!(
                "emu-semihost-{label}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let root = top.join("root");
            std::fs::create_dir_all(root.join("sub")).unwrap();
            std::fs::write(root.join("inside.txt"), b"in").unwrap();
            std::fs::write(top.join("outside.txt"), b"out").unwrap();
            Scratch { top, root }
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.top);
        }
    }

    #[test]
    fn names_inside_the_root_resolve() {
        let s = Scratch::new("inside");
        let r = Root::new(&s.root).unwrap();
        let want = r.dir().join("inside.txt");
        assert_eq!(r.resolve_for_open(b"inside.txt", false), Ok(want.clone()));
        assert_eq!(
            r.resolve_for_open(b"sub/../inside.txt", false),
            Ok(want.clone())
        );
        let absolute = r.dir().join("inside.txt");
        assert_eq!(
            r.resolve_for_open(absolute.as_os_str().as_bytes(), false),
            Ok(want)
        );
        assert_eq!(
            r.resolve_for_open(b"sub/new.txt", true),
            Ok(r.dir().join("sub/new.txt"))
        );
        assert_eq!(r.resolve_for_open(b"missing.txt", false), Err(libc::ENOENT));
        assert_eq!(r.resolve_for_open(b"", true), Err(libc::ENOENT));
    }

    #[test]
    fn escapes_are_refused() {
        let s = Scratch::new("escape");
        let r = Root::new(&s.root).unwrap();
        assert_eq!(
            r.resolve_for_open(b"../outside.txt", false),
            Err(OUTSIDE_ROOT)
        );
        assert_eq!(
            r.resolve_for_open(b"sub/../../outside.txt", true),
            Err(OUTSIDE_ROOT)
        );
        assert_eq!(
            r.resolve_for_open(b"../created.txt", true),
            Err(OUTSIDE_ROOT)
        );
        let outside = s.top.join("outside.txt");
        assert_eq!(
            r.resolve_for_open(outside.as_os_str().as_bytes(), false),
            Err(OUTSIDE_ROOT)
        );
        assert_eq!(r.resolve_for_open(b"/etc/passwd", false), Err(OUTSIDE_ROOT));
        assert_eq!(r.resolve_for_open(b"/tmp/x", true), Err(OUTSIDE_ROOT));
        // A sibling whose name extends the root's is not inside it.
        std::fs::create_dir_all(s.top.join("rootx")).unwrap();
        std::fs::write(s.top.join("rootx/f"), b"").unwrap();
        let sibling = format!("{}x/f", r.dir().display());
        assert_eq!(
            r.resolve_for_open(sibling.as_bytes(), false),
            Err(OUTSIDE_ROOT)
        );
    }

    #[test]
    fn symlinks_out_of_the_root_are_refused() {
        let s = Scratch::new("symlink");
        let r = Root::new(&s.root).unwrap();
        symlink(s.top.join("outside.txt"), s.root.join("link-out")).unwrap();
        symlink(&s.top, s.root.join("dir-out")).unwrap();
        symlink(s.top.join("not-there"), s.root.join("dangling-out")).unwrap();
        symlink("inside.txt", s.root.join("link-in")).unwrap();
        assert_eq!(r.resolve_for_open(b"link-out", false), Err(OUTSIDE_ROOT));
        assert_eq!(
            r.resolve_for_open(b"dir-out/outside.txt", false),
            Err(OUTSIDE_ROOT)
        );
        assert_eq!(r.resolve_for_open(b"dir-out/new", true), Err(OUTSIDE_ROOT));
        assert_eq!(r.resolve_for_open(b"dangling-out", true), Err(OUTSIDE_ROOT));
        assert!(!s.top.join("not-there").exists());
        assert_eq!(
            r.resolve_for_open(b"link-in", false),
            Ok(r.dir().join("inside.txt"))
        );
    }

    #[test]
    fn entries_do_not_follow_their_last_component() {
        let s = Scratch::new("entry");
        let r = Root::new(&s.root).unwrap();
        symlink(s.top.join("outside.txt"), s.root.join("link-out")).unwrap();
        // Removing a link removes the link, which is inside the root.
        assert_eq!(r.resolve_entry(b"link-out"), Ok(r.dir().join("link-out")));
        assert_eq!(r.resolve_entry(b"../outside.txt"), Err(OUTSIDE_ROOT));
        assert_eq!(r.resolve_entry(b"sub/.."), Err(libc::EINVAL));
        assert_eq!(r.resolve_entry(b"/"), Err(libc::EINVAL));
        // The root itself is an entry of its parent, which is outside.
        assert_eq!(
            r.resolve_entry(r.dir().as_os_str().as_bytes()),
            Err(OUTSIDE_ROOT)
        );
        // `.` is the root too (a trailing `.` is no component of its own).
        assert_eq!(r.resolve_entry(b"."), Err(OUTSIDE_ROOT));
    }
}
