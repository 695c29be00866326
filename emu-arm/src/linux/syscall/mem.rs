//! Memory syscalls: the program break, mmap and friends, on the guest space. Guest pages
//! always live inside our reservation; "unmapping" puts reserved PROT_NONE memory back.

use super::*;
use crate::linux::process::lock;
use emu_core::mem::{page_ceil, PAGE_MASK, PAGE_SIZE};
use emu_core::runtime::invalidate_all_code;

const PROT_READ: u64 = 1;
const PROT_WRITE: u64 = 2;
const PROT_EXEC: u64 = 4;
const MAP_SHARED: u64 = 1;
const MAP_PRIVATE: u64 = 2;
const MAP_TYPE: u64 = 0xf;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;
const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
const MREMAP_MAYMOVE: u64 = 1;
const MREMAP_FIXED: u64 = 2;

/// Guest page permissions for PROT_* bits.
pub fn prot_to_perms(prot: u64) -> u8 {
    let mut p = 0;
    if prot & PROT_READ != 0 {
        p |= perm::READ;
    }
    if prot & PROT_WRITE != 0 {
        p |= perm::WRITE;
    }
    if prot & PROT_EXEC != 0 {
        p |= perm::EXEC;
    }
    p
}

/// Drops all translations if any page of `[start, end)` is executable: the code there is
/// about to change or disappear.
fn invalidate_if_code(t: &Thread, ranges: &[(u64, u64)]) {
    let mem = t.mem();
    for &(s, e) in ranges {
        let mut a = s;
        while a < e {
            if mem.page_perms(a) & perm::EXEC != 0 {
                invalidate_all_code();
                return;
            }
            a += PAGE_SIZE;
        }
    }
}

/// Validates an (address, length) pair the way munmap/mprotect do: aligned start, length
/// rounded up, inside the address space.
fn page_range(t: &Thread, addr: u64, len: u64) -> Result<(u64, u64), i64> {
    if addr & PAGE_MASK != 0 {
        return Err(EINVAL);
    }
    let len = page_ceil(len).ok_or(ENOMEM)?;
    let end = addr.checked_add(len).ok_or(ENOMEM)?;
    if end > t.mem().limit {
        return Err(ENOMEM);
    }
    Ok((addr, end))
}

pub fn brk(t: &Thread, addr: u64) -> u64 {
    let mut mm = lock(&t.proc.mm);
    if addr < mm.brk_start {
        return mm.brk;
    }
    let (Some(old_end), Some(new_end)) = (page_ceil(mm.brk), page_ceil(addr)) else {
        return mm.brk;
    };
    if new_end > mm.mmap_top {
        return mm.brk;
    }
    if new_end > old_end {
        if !mm.is_free(old_end, new_end)
            || t.proc
                .space
                .map_anon(old_end, new_end - old_end, perm::READ | perm::WRITE)
                .is_err()
        {
            return mm.brk;
        }
        mm.insert(old_end, new_end);
    } else if new_end < old_end {
        if t.proc.space.unmap(new_end, old_end - new_end).is_err() {
            return mm.brk;
        }
        mm.remove(new_end, old_end);
    }
    mm.brk = addr;
    addr
}

/// Maps shared anonymous memory through a memfd, so it stays shared with forked children.
fn map_shared_anon(t: &Thread, addr: u64, len: u64, p: u8) -> SysResult {
    let name = c"emu-shared-anon";
    let fd = host!(libc::SYS_memfd_create, name.as_ptr(), libc::MFD_CLOEXEC)? as i32;
    let r = host!(libc::SYS_ftruncate, fd, len as i64).and_then(|_| {
        t.proc
            .space
            .map_file(addr, len, p, fd, 0, libc::MAP_SHARED)
            .map(|_| 0)
            .map_err(|e| io_errno(&e))
    });
    // SAFETY: closing the memfd we opened; the mapping keeps the memory alive.
    unsafe { libc::close(fd) };
    r
}

pub fn mmap(t: &Thread, a: [u64; 6]) -> SysResult {
    let (hint, len, prot, flags, fd, off) = (a[0], a[1], a[2], a[3], a[4] as i32, a[5]);
    if len == 0 || off & PAGE_MASK != 0 {
        return Err(EINVAL);
    }
    let kind = flags & MAP_TYPE;
    if kind != MAP_SHARED && kind != MAP_PRIVATE && kind != 3 {
        return Err(EINVAL);
    }
    let len = page_ceil(len).ok_or(ENOMEM)?;
    let p = prot_to_perms(prot);
    let limit = t.mem().limit;
    let mut mm = lock(&t.proc.mm);
    let addr = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
        if hint & PAGE_MASK != 0 {
            return Err(EINVAL);
        }
        let end = hint.checked_add(len).ok_or(ENOMEM)?;
        if end > limit || hint < PAGE_SIZE {
            return Err(if hint < PAGE_SIZE { EPERM } else { ENOMEM });
        }
        if !mm.is_free(hint, end) {
            if flags & MAP_FIXED == 0 {
                return Err(EEXIST);
            }
            invalidate_if_code(t, &mm.overlapping(hint, end));
        }
        hint
    } else {
        mm.choose(hint & !PAGE_MASK, len, limit).ok_or(ENOMEM)?
    };
    let space = &t.proc.space;
    if flags & MAP_ANONYMOUS != 0 {
        if kind == MAP_PRIVATE {
            space.map_anon(addr, len, p).map_err(|e| io_errno(&e))?;
        } else {
            map_shared_anon(t, addr, len, p)?;
        }
    } else {
        // The whole range maps the file, as on Linux: pages wholly past the end of a
        // regular file raise SIGBUS when touched (in the host, which emu turns into the
        // guest's SIGBUS: compiled code re-runs the access in the interpreter, whose
        // accesses are guarded, see emu_core::guarded), and become real if the file
        // grows.
        let host_kind = if kind == MAP_PRIVATE {
            libc::MAP_PRIVATE
        } else {
            libc::MAP_SHARED
        };
        space
            .map_file(addr, len, p, fd, off, host_kind)
            .map_err(|e| io_errno(&e))?;
    }
    mm.insert(addr, addr + len);
    Ok(addr as i64)
}

pub fn munmap(t: &Thread, addr: u64, len: u64) -> SysResult {
    if len == 0 {
        return Err(EINVAL);
    }
    let (start, end) = page_range(t, addr, len).map_err(|_| EINVAL)?;
    let mut mm = lock(&t.proc.mm);
    let parts = mm.overlapping(start, end);
    invalidate_if_code(t, &parts);
    for (s, e) in parts {
        t.proc.space.unmap(s, e - s).map_err(|e| io_errno(&e))?;
    }
    mm.remove(start, end);
    Ok(0)
}

pub fn mprotect(t: &Thread, addr: u64, len: u64, prot: u64) -> SysResult {
    let (start, end) = page_range(t, addr, len)?;
    if start == end {
        return Ok(0);
    }
    let mm = lock(&t.proc.mm);
    if !mm.is_mapped(start, end) {
        return Err(ENOMEM);
    }
    invalidate_if_code(t, &[(start, end)]);
    t.proc
        .space
        .protect(start, end - start, prot_to_perms(prot))
        .map_err(|e| io_errno(&e))?;
    Ok(0)
}

pub fn mremap(t: &Thread, a: [u64; 6]) -> SysResult {
    let (old, old_size, new_size, flags, new_hint) = (a[0], a[1], a[2], a[3], a[4]);
    if old & PAGE_MASK != 0 || new_size == 0 || flags & !(MREMAP_MAYMOVE | MREMAP_FIXED) != 0 {
        return Err(EINVAL);
    }
    if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 {
        return Err(EINVAL);
    }
    let old_len = page_ceil(old_size).ok_or(EINVAL)?;
    let new_len = page_ceil(new_size).ok_or(ENOMEM)?;
    let limit = t.mem().limit;
    let space = &t.proc.space;
    let mem = t.mem();
    let mut mm = lock(&t.proc.mm);
    if old_len == 0 || !mm.is_mapped(old, old.checked_add(old_len).ok_or(EFAULT)?) {
        return Err(EFAULT);
    }
    invalidate_if_code(t, &[(old, old + old_len)]);
    if flags & MREMAP_FIXED == 0 && new_len <= old_len {
        if new_len < old_len {
            space
                .unmap(old + new_len, old_len - new_len)
                .map_err(|e| io_errno(&e))?;
            mm.remove(old + new_len, old + old_len);
        }
        return Ok(old as i64);
    }
    let p = mem.page_perms(old);
    let new = if flags & MREMAP_FIXED != 0 {
        let end = new_hint.checked_add(new_len).ok_or(EINVAL)?;
        if new_hint & PAGE_MASK != 0 || end > limit {
            return Err(EINVAL);
        }
        if new_hint < old + old_len && old < end {
            return Err(EINVAL);
        }
        new_hint
    } else {
        let tail = old + old_len;
        let grows_in_place = tail
            .checked_add(new_len - old_len)
            .is_some_and(|e| e <= mm.mmap_top && mm.is_free(tail, e));
        if grows_in_place {
            // Hand the reserved hole back to the host so the host mapping can grow into it.
            let hole = (mem.host(tail), (new_len - old_len) as usize);
            // SAFETY: the hole is unmapped guest space inside our reservation.
            let r = unsafe {
                libc::munmap(hole.0 as *mut libc::c_void, hole.1);
                libc::mremap(
                    mem.host(old) as *mut libc::c_void,
                    old_len as usize,
                    new_len as usize,
                    0,
                )
            };
            if r != libc::MAP_FAILED {
                space
                    .protect(tail, new_len - old_len, p)
                    .map_err(|e| io_errno(&e))?;
                mm.insert(old, old + new_len);
                return Ok(old as i64);
            }
            // Put the reservation back and fall through to moving.
            let _ = space.unmap(tail, new_len - old_len);
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return Err(ENOMEM);
        }
        mm.find_free(new_len).ok_or(ENOMEM)?
    };
    // SAFETY: both ranges are inside our reservation; MREMAP_FIXED replaces only guest space.
    let r = unsafe {
        libc::mremap(
            mem.host(old) as *mut libc::c_void,
            old_len as usize,
            new_len as usize,
            libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED,
            mem.host(new) as *mut libc::c_void,
        )
    };
    if r == libc::MAP_FAILED {
        return Err(host_errno());
    }
    // The old range is now a hole in the host address space: reserve it again.
    space.unmap(old, old_len).map_err(|e| io_errno(&e))?;
    space.protect(new, new_len, p).map_err(|e| io_errno(&e))?;
    mm.remove(old, old + old_len);
    mm.insert(new, new + new_len);
    Ok(new as i64)
}

pub fn madvise(t: &Thread, addr: u64, len: u64, advice: u64) -> SysResult {
    let (start, end) = page_range(t, addr, len)?;
    if start == end {
        return Ok(0);
    }
    if !lock(&t.proc.mm).is_mapped(start, end) {
        return Err(ENOMEM);
    }
    const MADV_HWPOISON: u64 = 100;
    const MADV_SOFT_OFFLINE: u64 = 101;
    if advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE {
        return Err(EPERM);
    }
    // Only advice that cannot make a later host access fault is passed on: e.g.
    // MADV_GUARD_INSTALL (102) would turn a guest access into a host SIGSEGV inside the
    // emulator. Anything else is accepted and ignored (advice is a hint).
    const PASSED_THROUGH: &[u64] = &[
        0,  // NORMAL
        1,  // RANDOM
        2,  // SEQUENTIAL
        3,  // WILLNEED
        4,  // DONTNEED (zeroes private anonymous memory, in the host as in the guest)
        8,  // FREE
        14, // HUGEPAGE
        15, // NOHUGEPAGE
        16, // DONTDUMP
        17, // DODUMP
        18, // WIPEONFORK
        19, // KEEPONFORK
        20, // COLD
        21, // PAGEOUT
    ];
    if !PASSED_THROUGH.contains(&advice) {
        return Ok(0);
    }
    let h = t.mem().host(start);
    host!(libc::SYS_madvise, h, end - start, advice as i32)
}

pub fn msync(t: &Thread, addr: u64, len: u64, flags: u64) -> SysResult {
    let (start, end) = page_range(t, addr, len)?;
    if !lock(&t.proc.mm).is_mapped(start, end) {
        return Err(ENOMEM);
    }
    let h = t.mem().host(start);
    host!(libc::SYS_msync, h, end - start, flags as i32)
}

pub fn mincore(t: &Thread, a: [u64; 6]) -> SysResult {
    let (start, end) = page_range(t, a[0], a[1])?;
    if !lock(&t.proc.mm).is_mapped(start, end) {
        return Err(ENOMEM);
    }
    let mem = t.mem();
    let v = wr(&mem, a[2], (end - start) / PAGE_SIZE)?;
    host!(libc::SYS_mincore, mem.host(start), end - start, v)
}
