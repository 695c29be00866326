//! Reading and writing file descriptors, and the special descriptors (eventfd, timerfd,
//! inotify, signalfd, memfd) whose structures have the same layout on both ABIs.

use super::*;
use std::ffi::CString;

const IOV_MAX: u64 = 1024;

/// Translates a guest `struct iovec[count]` into host iovecs pointing into guest memory,
/// checking each buffer for `need` access.
pub fn iovecs(
    mem: &MemView,
    addr: u64,
    count: u64,
    writable: bool,
) -> Result<Vec<libc::iovec>, i64> {
    if count > IOV_MAX {
        return Err(EINVAL);
    }
    let mut out = Vec::with_capacity(count as usize);
    let mut total = 0u64;
    for i in 0..count {
        let base = read_u64(mem, addr + 16 * i)?;
        let len = read_u64(mem, addr + 16 * i + 8)?;
        if len as i64 <= 0 {
            if (len as i64) < 0 {
                return Err(EINVAL);
            }
            out.push(libc::iovec {
                iov_base: std::ptr::null_mut(),
                iov_len: 0,
            });
            continue;
        }
        // Like the kernel, clamp the total to MAX_RW_COUNT.
        let len = len.min(MAX_RW.saturating_sub(total));
        total += len;
        let p = if writable {
            wr(mem, base, len)?
        } else {
            rd(mem, base, len)? as *mut libc::c_void
        };
        out.push(libc::iovec {
            iov_base: p,
            iov_len: len as usize,
        });
    }
    Ok(out)
}

pub fn dispatch(t: &mut Thread, nr: u64, a: [u64; 6]) -> Option<SysResult> {
    let mem = t.mem();
    let fd = a[0] as i32;
    Some(match nr {
        nr::READ => (|| {
            let n = a[2].min(MAX_RW);
            let buf = wr(&mem, a[1], n)?;
            host!(libc::SYS_read, fd, buf, n)
        })(),
        nr::WRITE => (|| {
            let n = a[2].min(MAX_RW);
            let buf = rd(&mem, a[1], n)?;
            host!(libc::SYS_write, fd, buf, n)
        })(),
        nr::PREAD64 => (|| {
            let n = a[2].min(MAX_RW);
            let buf = wr(&mem, a[1], n)?;
            host!(libc::SYS_pread64, fd, buf, n, a[3] as i64)
        })(),
        nr::PWRITE64 => (|| {
            let n = a[2].min(MAX_RW);
            let buf = rd(&mem, a[1], n)?;
            host!(libc::SYS_pwrite64, fd, buf, n, a[3] as i64)
        })(),
        nr::READV | nr::WRITEV => (|| {
            let v = iovecs(&mem, a[1], a[2], nr == nr::READV)?;
            let sys = if nr == nr::READV {
                libc::SYS_readv
            } else {
                libc::SYS_writev
            };
            host!(sys, fd, v.as_ptr(), v.len() as i32)
        })(),
        nr::PREADV | nr::PWRITEV | nr::PREADV2 | nr::PWRITEV2 => (|| {
            let reading = nr == nr::PREADV || nr == nr::PREADV2;
            let v = iovecs(&mem, a[1], a[2], reading)?;
            // The 64-bit ABI passes the offset whole in arg 3 (arg 4 is its unused high half).
            let sys = match nr {
                nr::PREADV => libc::SYS_preadv,
                nr::PWRITEV => libc::SYS_pwritev,
                nr::PREADV2 => libc::SYS_preadv2,
                _ => libc::SYS_pwritev2,
            };
            host!(
                sys,
                fd,
                v.as_ptr(),
                v.len() as i32,
                a[3] as i64,
                0i64,
                a[5] as i32
            )
        })(),
        nr::LSEEK => host!(libc::SYS_lseek, fd, a[1] as i64, a[2] as i32),
        nr::SENDFILE => (|| {
            let off = opt_wr(&mem, a[2], 8)?;
            host!(libc::SYS_sendfile, fd, a[1] as i32, off, a[3].min(MAX_RW))
        })(),
        nr::COPY_FILE_RANGE => (|| {
            let off_in = opt_wr(&mem, a[1], 8)?;
            let off_out = opt_wr(&mem, a[3], 8)?;
            host!(
                libc::SYS_copy_file_range,
                fd,
                off_in,
                a[2] as i32,
                off_out,
                a[4].min(MAX_RW),
                a[5] as u32
            )
        })(),
        nr::SPLICE => (|| {
            let off_in = opt_wr(&mem, a[1], 8)?;
            let off_out = opt_wr(&mem, a[3], 8)?;
            host!(
                libc::SYS_splice,
                fd,
                off_in,
                a[2] as i32,
                off_out,
                a[4].min(MAX_RW),
                a[5] as u32
            )
        })(),
        nr::TEE => host!(
            libc::SYS_tee,
            fd,
            a[1] as i32,
            a[2].min(MAX_RW),
            a[3] as u32
        ),
        nr::READAHEAD => host!(libc::SYS_readahead, fd, a[1] as i64, a[2]),
        nr::FADVISE64 => host!(
            libc::SYS_fadvise64,
            fd,
            a[1] as i64,
            a[2] as i64,
            a[3] as i32
        ),
        nr::SYNC_FILE_RANGE => {
            host!(
                libc::SYS_sync_file_range,
                fd,
                a[1] as i64,
                a[2] as i64,
                a[3] as u32
            )
        }
        nr::EVENTFD2 => host!(
            libc::SYS_eventfd2,
            a[0] as u32,
            super::fs::open_flags_to_host(a[1])
        ),
        nr::MEMFD_CREATE => (|| {
            let name = CString::new(cstr(&mem, a[0])?).map_err(|_| EINVAL)?;
            host!(libc::SYS_memfd_create, name.as_ptr(), a[1] as u32)
        })(),
        nr::TIMERFD_CREATE => {
            host!(
                libc::SYS_timerfd_create,
                a[0] as i32,
                super::fs::open_flags_to_host(a[1])
            )
        }
        nr::TIMERFD_SETTIME => (|| {
            let new = rd(&mem, a[2], 32)?;
            let old = opt_wr(&mem, a[3], 32)?;
            host!(libc::SYS_timerfd_settime, fd, a[1] as i32, new, old)
        })(),
        nr::TIMERFD_GETTIME => (|| {
            let cur = wr(&mem, a[1], 32)?;
            host!(libc::SYS_timerfd_gettime, fd, cur)
        })(),
        nr::INOTIFY_INIT1 => host!(libc::SYS_inotify_init1, super::fs::open_flags_to_host(a[0])),
        nr::INOTIFY_ADD_WATCH => (|| {
            let p = super::fs::host_path(t, a[1])?;
            host!(libc::SYS_inotify_add_watch, fd, p.as_ptr(), a[2] as u32)
        })(),
        nr::INOTIFY_RM_WATCH => host!(libc::SYS_inotify_rm_watch, fd, a[1] as i32),
        nr::SIGNALFD4 => (|| {
            if a[2] != 8 {
                return Err(EINVAL);
            }
            let mask = read_u64(&mem, a[1])?;
            host!(
                libc::SYS_signalfd4,
                fd,
                &mask as *const u64,
                8usize,
                super::fs::open_flags_to_host(a[3])
            )
        })(),
        _ => return None,
    })
}
