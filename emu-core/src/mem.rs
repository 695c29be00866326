//! Guest memory for user mode: one contiguous host reservation that holds the whole guest
//! address space (guest VA `a` lives at host `base + a`), plus a permission table with one
//! byte per guest page.
//!
//! The host protection of the reservation mirrors the guest's permissions exactly (read
//! implied by write or execute, as on Linux), and unmapped guest pages are `PROT_NONE`.
//! Emulator code (interpreter, syscalls) checks the permission table before it touches
//! guest memory; compiled code may instead touch it directly and let the host fault
//! (`jit::hostfault`). The table is reserved with `MAP_NORESERVE`: only the parts
//! covering mapped guest memory are ever touched, so a 1 TiB guest space costs a few KiB
//! of table in practice.
//!
//! One consequence: a guest thread that unmaps or protects memory while another guest
//! thread's *system call* is copying to or from it (a race the guest loses on Linux too,
//! with EFAULT or SIGSEGV) can make that emulator access fault in the host, which ends
//! the process with SIGSEGV.

use crate::emit::perm;
use std::io;

pub const PAGE_SHIFT: u32 = 12;
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
pub const PAGE_MASK: u64 = PAGE_SIZE - 1;

/// Inaccessible host memory reserved after the guest space: a host access that starts
/// below the limit and ends at most this far past it faults in the host instead of
/// touching an unrelated mapping. Compiled code relies on it to check only the base
/// register of `[base, #offset]` accesses (`jit::hostfault`).
pub const GUARD_BYTES: u64 = 64 << 10;

pub fn page_floor(a: u64) -> u64 {
    a & !PAGE_MASK
}
pub fn page_ceil(a: u64) -> Option<u64> {
    a.checked_add(PAGE_MASK).map(|x| x & !PAGE_MASK)
}

/// What translated code and helpers need to reach guest memory. Plain addresses, so it is
/// `Copy` and can be baked into translated code as constants.
#[derive(Clone, Copy, Debug)]
pub struct MemView {
    /// Host address of guest address 0.
    pub base: usize,
    /// Host address of the permission table (one byte per guest page).
    pub perms: usize,
    /// Guest addresses are `< limit`.
    pub limit: u64,
}

// SAFETY: MemView only carries addresses of a reservation that lives as long as the process.
unsafe impl Send for MemView {}
unsafe impl Sync for MemView {}

impl MemView {
    #[inline(always)]
    pub fn page_perms(&self, addr: u64) -> u8 {
        if addr >= self.limit {
            return 0;
        }
        // SAFETY: addr < limit, and the table covers limit >> PAGE_SHIFT bytes.
        unsafe { *(self.perms as *const u8).add((addr >> PAGE_SHIFT) as usize) }
    }

    /// Whether `[addr, addr+size)` is accessible with `need` permission bits. On failure
    /// returns the first faulting address.
    #[inline(always)]
    pub fn check(&self, addr: u64, size: u64, need: u8) -> Result<(), u64> {
        if size == 0 {
            return Ok(());
        }
        let Some(last) = addr.checked_add(size - 1) else {
            return Err(addr);
        };
        let mut page = page_floor(addr);
        loop {
            if self.page_perms(page) & need != need {
                return Err(page.max(addr));
            }
            if page >= page_floor(last) {
                return Ok(());
            }
            page += PAGE_SIZE;
        }
    }

    /// The host addresses the guest space reserves: the guest addresses below `limit`
    /// and the guard after them (a host fault in this range is a fault on guest memory).
    pub fn host_range(&self) -> std::ops::Range<usize> {
        self.base..self.base + reserved_len(self.limit)
    }

    /// Host pointer for a guest address. The caller must have checked the access.
    #[inline(always)]
    pub fn host(&self, addr: u64) -> *mut u8 {
        (self.base + addr as usize) as *mut u8
    }

    pub fn read_bytes(&self, addr: u64, buf: &mut [u8]) -> Result<(), u64> {
        self.check(addr, buf.len() as u64, perm::READ)?;
        // SAFETY: checked above; guest memory may be changed concurrently by other guest
        // threads, which is the guest's business (like a racy memcpy).
        unsafe { std::ptr::copy_nonoverlapping(self.host(addr), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    pub fn write_bytes(&self, addr: u64, buf: &[u8]) -> Result<(), u64> {
        self.check(addr, buf.len() as u64, perm::WRITE)?;
        // SAFETY: as in read_bytes.
        unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), self.host(addr), buf.len()) };
        Ok(())
    }

    pub fn read_u32(&self, addr: u64) -> Result<u32, u64> {
        let mut b = [0; 4];
        self.read_bytes(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    pub fn read_u64(&self, addr: u64) -> Result<u64, u64> {
        let mut b = [0; 8];
        self.read_bytes(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    pub fn write_u64(&self, addr: u64, v: u64) -> Result<(), u64> {
        self.write_bytes(addr, &v.to_le_bytes())
    }

    /// Reads a NUL-terminated string of at most `max` bytes.
    pub fn read_cstr(&self, addr: u64, max: usize) -> Result<Vec<u8>, u64> {
        let mut out = Vec::new();
        let mut a = addr;
        while out.len() < max {
            self.check(a, 1, perm::READ)?;
            // SAFETY: checked.
            let b = unsafe { *self.host(a) };
            if b == 0 {
                return Ok(out);
            }
            out.push(b);
            a += 1;
        }
        Err(a)
    }
}

/// Host bytes reserved for a guest space of `limit` bytes: the space and its guard.
fn reserved_len(limit: u64) -> usize {
    (limit + GUARD_BYTES) as usize
}

/// Owns the reservation behind a [`MemView`] and changes mappings in it.
pub struct GuestSpace {
    view: MemView,
}

/// The permissions a page really has: write and execute imply read (Linux on arm64
/// cannot map pages write-only or, for user space, execute-only; neither can the host).
pub fn effective_perms(p: u8) -> u8 {
    if p & (perm::WRITE | perm::EXEC) != 0 {
        p | perm::READ
    } else {
        p
    }
}

fn host_prot(p: u8) -> i32 {
    let mut prot = 0;
    if p & (perm::READ | perm::EXEC) != 0 {
        prot |= libc::PROT_READ;
    }
    if p & perm::WRITE != 0 {
        prot |= libc::PROT_READ | libc::PROT_WRITE;
    }
    prot
}

/// Releases the reservation and the permission table. Whoever drops a `GuestSpace` must
/// make sure no thread still runs guest code on its [`MemView`] (user mode keeps the space
/// for the life of the process; tests create and drop many).
impl Drop for GuestSpace {
    fn drop(&mut self) {
        let v = self.view;
        // SAFETY: both regions were reserved by `new` with exactly these lengths and are
        // owned by this value alone.
        unsafe {
            libc::munmap(v.base as *mut _, reserved_len(v.limit));
            libc::munmap(v.perms as *mut _, (v.limit >> PAGE_SHIFT) as usize);
        }
    }
}

impl GuestSpace {
    /// Reserves a guest address space of `limit` bytes (a multiple of the page size).
    pub fn new(limit: u64) -> io::Result<GuestSpace> {
        assert!(limit.is_multiple_of(PAGE_SIZE) && limit > 0);
        let reserve = |len: usize| -> io::Result<usize> {
            // SAFETY: a fresh anonymous reservation; nothing else refers to it.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_NONE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            Ok(p as usize)
        };
        // The guard after the guest space (see GUARD_BYTES) stays PROT_NONE.
        let base = reserve(reserved_len(limit))?;
        let table_len = (limit >> PAGE_SHIFT) as usize;
        let perms = reserve(table_len)?;
        // SAFETY: the table reservation was just made.
        if unsafe {
            libc::mprotect(
                perms as *mut _,
                table_len,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        } != 0
        {
            return Err(io::Error::last_os_error());
        }
        Ok(GuestSpace {
            view: MemView { base, perms, limit },
        })
    }

    pub fn view(&self) -> MemView {
        self.view
    }

    fn check_range(&self, addr: u64, len: u64) -> io::Result<()> {
        if !addr.is_multiple_of(PAGE_SIZE)
            || !len.is_multiple_of(PAGE_SIZE)
            || addr.checked_add(len).is_none_or(|e| e > self.view.limit)
        {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        Ok(())
    }

    fn set_perms(&self, addr: u64, len: u64, p: u8) {
        let p = effective_perms(p);
        let first = (addr >> PAGE_SHIFT) as usize;
        let n = (len >> PAGE_SHIFT) as usize;
        // SAFETY: check_range guaranteed the pages are inside the table.
        unsafe { std::ptr::write_bytes((self.view.perms as *mut u8).add(first), p, n) };
    }

    /// Maps fresh zeroed memory at `[addr, addr+len)` with guest permissions `p`,
    /// replacing whatever was there.
    pub fn map_anon(&self, addr: u64, len: u64, p: u8) -> io::Result<()> {
        self.map_inner(addr, len, p, -1, 0, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS)
    }

    /// Maps `len` bytes of host file descriptor `fd` at `offset`; `flags` are host
    /// `MAP_SHARED`/`MAP_PRIVATE` (other bits are ignored).
    pub fn map_file(
        &self,
        addr: u64,
        len: u64,
        p: u8,
        fd: i32,
        offset: u64,
        flags: i32,
    ) -> io::Result<()> {
        let share = flags & (libc::MAP_SHARED | libc::MAP_PRIVATE);
        self.map_inner(addr, len, p, fd, offset, share)
    }

    fn map_inner(
        &self,
        addr: u64,
        len: u64,
        p: u8,
        fd: i32,
        offset: u64,
        flags: i32,
    ) -> io::Result<()> {
        self.check_range(addr, len)?;
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range lies inside our reservation (checked), so MAP_FIXED replaces
        // only guest memory.
        let r = unsafe {
            libc::mmap(
                self.view.host(addr) as *mut _,
                len as usize,
                host_prot(p),
                flags | libc::MAP_FIXED,
                fd,
                offset as libc::off_t,
            )
        };
        if r == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        self.set_perms(addr, len, p);
        Ok(())
    }

    /// Unmaps guest pages (they read as inaccessible afterwards).
    pub fn unmap(&self, addr: u64, len: u64) -> io::Result<()> {
        self.check_range(addr, len)?;
        self.set_perms(addr, len, 0);
        // SAFETY: inside our reservation. Fresh reserved space, inaccessible in the host
        // as in the guest.
        let r = unsafe {
            libc::mmap(
                self.view.host(addr) as *mut _,
                len as usize,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if r == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Changes guest permissions of mapped pages (host protection included; an error,
    /// as on Linux, where the host refuses, e.g. write access to a shared mapping of a
    /// read-only file).
    pub fn protect(&self, addr: u64, len: u64, p: u8) -> io::Result<()> {
        self.check_range(addr, len)?;
        let host = self.view.host(addr) as *mut libc::c_void;
        // SAFETY: inside our reservation.
        if unsafe { libc::mprotect(host, len as usize, host_prot(p)) } != 0 {
            return Err(io::Error::last_os_error());
        }
        self.set_perms(addr, len, p);
        Ok(())
    }

    /// Whether every page of the range is unmapped (permission 0).
    pub fn is_free(&self, addr: u64, len: u64) -> bool {
        let mut a = addr;
        while a < addr.saturating_add(len) {
            if a >= self.view.limit || self.view.page_perms(a) != 0 {
                return false;
            }
            a += PAGE_SIZE;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_check_unmap() {
        let s = GuestSpace::new(1 << 32).unwrap();
        let v = s.view();
        assert!(v.check(0x10000, 4, perm::READ).is_err());
        s.map_anon(0x10000, 0x2000, perm::READ | perm::WRITE)
            .unwrap();
        v.write_u64(0x10ffc, 0x1122334455667788).unwrap(); // crosses a page, both mapped
        assert_eq!(v.read_u64(0x10ffc).unwrap(), 0x1122334455667788);
        assert_eq!(v.check(0x11ffc, 8, perm::READ), Err(0x12000));
        s.protect(0x10000, 0x1000, perm::READ).unwrap();
        assert_eq!(v.write_u64(0x10000, 1), Err(0x10000));
        s.unmap(0x10000, 0x2000).unwrap();
        assert!(v.read_u64(0x10000).is_err());
        assert!(s.is_free(0x10000, 0x2000));
        assert!(v.check(u64::MAX - 3, 8, perm::READ).is_err());
    }
}
