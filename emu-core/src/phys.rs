//! Guest physical memory of system mode: RAM as one anonymous host mapping, plus a bitmap
//! of the RAM pages that hold translated code.
//!
//! The code bitmap is how self-modifying code is caught in system mode (DESIGN §5, QEMU's
//! approach): translating a block marks its physical page; TLB entries that map a marked
//! page for writing carry the `CODE` flag, so guest stores to it take the slow path, which
//! clears the mark and invalidates translations before writing.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

pub const PAGE_SHIFT: u32 = 12;
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;

/// A RAM region at guest physical address `base`.
pub struct PhysRam {
    base: u64,
    size: u64,
    host: *mut u8,
    /// One bit per 4 KiB page: it holds translated code.
    code: Box<[AtomicU64]>,
}

// SAFETY: the mapping lives as long as the struct; concurrent guest accesses to RAM are the
// guest's business (as on hardware); the bitmap is atomic.
unsafe impl Send for PhysRam {}
unsafe impl Sync for PhysRam {}

impl PhysRam {
    /// Maps `size` bytes (a multiple of 4 KiB) of zeroed RAM at guest physical `base`.
    /// Host memory is committed lazily (`MAP_NORESERVE`), so a large guest RAM costs only
    /// what the guest touches.
    pub fn new(base: u64, size: u64) -> io::Result<PhysRam> {
        if size == 0 || !size.is_multiple_of(PAGE_SIZE) || !base.is_multiple_of(PAGE_SIZE) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "RAM base and size must be non-zero multiples of 4 KiB",
            ));
        }
        if base.checked_add(size).is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "RAM extends past the end of the physical address space",
            ));
        }
        // SAFETY: anonymous private mapping; checked for failure below.
        let host = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if host == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let pages = size >> PAGE_SHIFT;
        let words = pages.div_ceil(64) as usize;
        Ok(PhysRam {
            base,
            size,
            host: host as *mut u8,
            code: (0..words).map(|_| AtomicU64::new(0)).collect(),
        })
    }

    pub fn base(&self) -> u64 {
        self.base
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    /// Host address of guest physical `base`.
    pub fn host_base(&self) -> *mut u8 {
        self.host
    }

    /// Whether `[pa, pa + len)` lies inside this RAM.
    pub fn contains(&self, pa: u64, len: u64) -> bool {
        pa >= self.base
            && pa
                .checked_add(len)
                .is_some_and(|end| end <= self.base + self.size)
    }

    /// Host address of the byte at `pa`, if it is RAM.
    #[inline]
    pub fn host_addr(&self, pa: u64) -> Option<usize> {
        if pa >= self.base && pa - self.base < self.size {
            Some(self.host as usize + (pa - self.base) as usize)
        } else {
            None
        }
    }

    /// Host address of the start of the 4 KiB page containing `pa`, if it is RAM.
    #[inline]
    pub fn host_page(&self, pa: u64) -> Option<usize> {
        self.host_addr(pa & !(PAGE_SIZE - 1))
    }

    /// Copies `data` to guest physical `pa` (loaders). Fails if it does not fit in RAM.
    pub fn write(&self, pa: u64, data: &[u8]) -> Result<(), u64> {
        if !self.contains(pa, data.len() as u64) {
            return Err(pa);
        }
        // SAFETY: the range is inside the mapping (checked).
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr(),
                self.host.add((pa - self.base) as usize),
                data.len(),
            )
        };
        Ok(())
    }

    /// Reads exactly `len` bytes from `source` into guest physical `[pa, pa + len)`
    /// (loaders, before any CPU runs: a large kernel goes straight from the file into
    /// RAM instead of through a buffer as large as itself). `InvalidInput` if the range
    /// is not RAM; a short source is `UnexpectedEof`.
    pub fn fill_from(&self, pa: u64, len: u64, source: &mut impl std::io::Read) -> io::Result<()> {
        if !self.contains(pa, len) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{pa:#x}+{len:#x} is outside RAM"),
            ));
        }
        // SAFETY: the range is inside the mapping (checked); loaders run before any CPU
        // thread touches RAM, so nothing else accesses it meanwhile.
        let dest = unsafe {
            std::slice::from_raw_parts_mut(self.host.add((pa - self.base) as usize), len as usize)
        };
        source.read_exact(dest)
    }

    /// Copies guest physical `[pa, pa + out.len())` to `out`.
    pub fn read(&self, pa: u64, out: &mut [u8]) -> Result<(), u64> {
        if !self.contains(pa, out.len() as u64) {
            return Err(pa);
        }
        // SAFETY: as in `write`.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.host.add((pa - self.base) as usize),
                out.as_mut_ptr(),
                out.len(),
            )
        };
        Ok(())
    }

    fn code_bit(&self, pa: u64) -> Option<(&AtomicU64, u64)> {
        if !self.contains(pa, 1) {
            return None;
        }
        let page = (pa - self.base) >> PAGE_SHIFT;
        let word = self.code.get((page / 64) as usize)?;
        Some((word, 1u64 << (page % 64)))
    }

    /// Marks the page of `pa` as holding translated code; true if it was not marked.
    pub fn mark_code(&self, pa: u64) -> bool {
        match self.code_bit(pa) {
            Some((w, bit)) => w.fetch_or(bit, Ordering::SeqCst) & bit == 0,
            None => false,
        }
    }

    /// Whether the page of `pa` holds translated code.
    pub fn holds_code(&self, pa: u64) -> bool {
        self.code_bit(pa)
            .is_some_and(|(w, bit)| w.load(Ordering::Relaxed) & bit != 0)
    }

    /// Clears the code mark of the page of `pa`; true if it was marked.
    pub fn clear_code(&self, pa: u64) -> bool {
        match self.code_bit(pa) {
            Some((w, bit)) => w.fetch_and(!bit, Ordering::SeqCst) & bit != 0,
            None => false,
        }
    }

    /// Clears every code mark (all translations were dropped).
    pub fn clear_all_code(&self) {
        for w in self.code.iter() {
            w.store(0, Ordering::SeqCst);
        }
    }
}

impl Drop for PhysRam {
    fn drop(&mut self) {
        // SAFETY: the mapping was created in `new` with this size and is no longer used.
        unsafe { libc::munmap(self.host as *mut libc::c_void, self.size as usize) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_writes_and_refuses_out_of_range() {
        let ram = PhysRam::new(0x4000_0000, 1 << 20).unwrap();
        ram.write(0x4000_1000, b"hello").unwrap();
        let mut b = [0; 5];
        ram.read(0x4000_1000, &mut b).unwrap();
        assert_eq!(&b, b"hello");
        assert!(ram.write(0x4010_0000 - 2, b"abc").is_err());
        assert!(ram.write(0x3fff_ffff, b"a").is_err());
        assert_eq!(
            ram.host_page(0x4000_1234),
            Some(ram.host_base() as usize + 0x1000)
        );
        assert_eq!(ram.host_page(0x4010_0000), None);
    }

    #[test]
    fn fill_from_reads_exactly_into_ram() {
        let ram = PhysRam::new(0x4000_0000, 1 << 20).unwrap();
        ram.fill_from(0x4000_2000, 5, &mut &b"hello world"[..])
            .unwrap();
        let mut b = [0; 6];
        ram.read(0x4000_2000, &mut b).unwrap();
        assert_eq!(&b, b"hello\0");
        let short = ram.fill_from(0x4000_2000, 5, &mut &b"hi"[..]).unwrap_err();
        assert_eq!(short.kind(), io::ErrorKind::UnexpectedEof);
        let outside = ram
            .fill_from(0x4010_0000 - 2, 3, &mut &b"abc"[..])
            .unwrap_err();
        assert_eq!(outside.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn code_marks() {
        let ram = PhysRam::new(0x4000_0000, 1 << 20).unwrap();
        assert!(!ram.holds_code(0x4000_5000));
        assert!(ram.mark_code(0x4000_5123));
        assert!(!ram.mark_code(0x4000_5000));
        assert!(ram.holds_code(0x4000_5fff));
        assert!(!ram.holds_code(0x4000_6000));
        assert!(ram.clear_code(0x4000_5000));
        assert!(!ram.holds_code(0x4000_5000));
        assert!(!ram.mark_code(0x1000));
    }
}
