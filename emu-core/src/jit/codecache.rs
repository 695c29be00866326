//! Where compiled blocks live: one big read/write/execute mapping filled by a bump
//! allocator and emptied all at once when full (per-block `mprotect`, as cranelift-jit
//! does, costs more than compiling a small block), plus the chaining cells that compiled
//! code reads to jump straight to its successor.

use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Functions start on this boundary (what the x86-64 decoders like for branch targets).
const CODE_ALIGN: usize = 16;

/// A bump-allocated region of executable memory.
pub struct CodeCache {
    base: *mut u8,
    size: usize,
    used: usize,
}

impl CodeCache {
    /// Maps `size` bytes of RWX memory (rounded up to whole pages).
    pub fn new(size: usize) -> io::Result<CodeCache> {
        let size = size.max(4096).next_multiple_of(4096);
        // SAFETY: a fresh private anonymous mapping that nothing else refers to.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(CodeCache {
            base: p as *mut u8,
            size,
            used: 0,
        })
    }

    /// Copies `code` into the region; `None` when it does not fit (the caller resets).
    pub fn install(&mut self, code: &[u8]) -> Option<*const u8> {
        let start = self.used.next_multiple_of(CODE_ALIGN);
        let end = start.checked_add(code.len())?;
        if end > self.size {
            return None;
        }
        // SAFETY: [start, end) lies inside our mapping and holds no live code (bump
        // allocation never hands out a byte twice between resets).
        unsafe {
            std::ptr::copy_nonoverlapping(code.as_ptr(), self.base.add(start), code.len());
        }
        self.used = end;
        // x86-64 keeps instruction fetch coherent with stores: no cache maintenance needed.
        // SAFETY: start < size.
        Some(unsafe { self.base.add(start) } as *const u8)
    }

    /// Forgets every function. The caller must have dropped all pointers into the region.
    pub fn reset(&mut self) {
        self.used = 0;
    }

    pub fn used(&self) -> usize {
        self.used
    }

    pub fn size(&self) -> usize {
        self.size
    }
}

impl Drop for CodeCache {
    fn drop(&mut self) {
        // SAFETY: our own mapping; nothing runs from it once its owner is dropped.
        unsafe { libc::munmap(self.base as *mut _, self.size) };
    }
}

/// Chaining cells: one 64-bit word per direct-branch exit of compiled code, holding the
/// entry address that exit tail-calls: the compiled successor once linked, before that
/// a stub that returns to the run loop. Compiled code reads them; only the run loop
/// writes them, between blocks. Functions are built on the vCPU thread and on the
/// compile worker at once, so allocation is one atomic add and is never undone (a
/// function that fails or is built again leaves its cells unused until the epoch ends).
pub struct ChainCells {
    cells: Box<[AtomicU64]>,
    used: AtomicUsize,
}

/// `n` zeroed words, without touching the memory (a big zeroed allocation comes from
/// fresh pages, so only the cells ever used cost anything; a runtime per guest thread
/// makes this matter).
fn zeroed_atomics(n: usize) -> Box<[AtomicU64]> {
    let words = vec![0u64; n].into_boxed_slice();
    // SAFETY: AtomicU64 has the same size, alignment and bit validity as u64
    // (documented), so a boxed slice of one is a boxed slice of the other.
    unsafe { Box::from_raw(Box::into_raw(words) as *mut [AtomicU64]) }
}

impl ChainCells {
    pub fn new(capacity: usize) -> ChainCells {
        ChainCells {
            cells: zeroed_atomics(capacity.max(1)),
            used: AtomicUsize::new(0),
        }
    }

    /// A fresh cell pointing at `unlinked`: its index and the host address compiled
    /// code reads.
    pub fn alloc(&self, unlinked: u64) -> Option<(u32, u64)> {
        let index = self.used.fetch_add(1, Ordering::Relaxed);
        let Some(cell) = self.cells.get(index) else {
            // Full: keep `used` from creeping towards overflow.
            self.used.fetch_sub(1, Ordering::Relaxed);
            return None;
        };
        cell.store(unlinked, Ordering::Relaxed);
        Some((u32::try_from(index).ok()?, cell.as_ptr() as u64))
    }

    /// Points cell `index` at `entry`; ignored for a cell that is not allocated.
    pub fn link(&self, index: u32, entry: u64) -> bool {
        match self.cells.get(index as usize) {
            Some(c) if (index as usize) < self.used.load(Ordering::Relaxed) => {
                c.store(entry, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// Points cell `index` back at `unlinked` if it still leads to `entry`.
    pub fn unlink(&self, index: u32, entry: u64, unlinked: u64) {
        if let Some(c) = self.cells.get(index as usize) {
            let _ = c.compare_exchange(entry, unlinked, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    pub fn reset(&self) {
        self.used.store(0, Ordering::Relaxed);
    }
}
