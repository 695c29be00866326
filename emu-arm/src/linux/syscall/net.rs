//! Sockets. Socket addresses, options and control messages have the same layout on both
//! 64-bit ABIs; only the pointers inside `struct msghdr` need translating.

use super::*;

/// Checks an (address buffer, length pointer) pair used by accept/getsockname/recvfrom.
fn addr_out(
    mem: &MemView,
    addr: u64,
    lenp: u64,
) -> Result<(*mut libc::c_void, *mut libc::c_void), i64> {
    if addr == 0 || lenp == 0 {
        return Ok((std::ptr::null_mut(), opt_wr(mem, lenp, 4)?));
    }
    let b: [u8; 4] = read_array(mem, lenp)?;
    let len = u32::from_le_bytes(b) as i32;
    if len < 0 {
        return Err(EINVAL);
    }
    Ok((wr(mem, addr, len as u64)?, wr(mem, lenp, 4)?))
}

/// A host `struct msghdr` whose pointers lead into guest memory, plus its iovecs.
struct HostMsg {
    hdr: libc::msghdr,
    _iov: Vec<libc::iovec>,
}

fn host_msghdr(mem: &MemView, addr: u64, receiving: bool) -> Result<HostMsg, i64> {
    let raw: [u8; 56] = read_array(mem, addr)?;
    let q = |o: usize| u64::from_le_bytes(raw[o..o + 8].try_into().unwrap_or([0; 8]));
    let name = q(0);
    let namelen = q(8) as u32;
    let iov_addr = q(16);
    let iovlen = q(24);
    let control = q(32);
    let controllen = q(40);
    let flags = q(48) as i32;
    let iov = super::io::iovecs(mem, iov_addr, iovlen, receiving)?;
    let name_p = if receiving {
        opt_wr(mem, name, namelen as u64)?
    } else {
        opt_rd(mem, name, namelen as u64)? as *mut libc::c_void
    };
    let control_p = if receiving {
        opt_wr(mem, control, controllen)?
    } else {
        opt_rd(mem, control, controllen)? as *mut libc::c_void
    };
    // SAFETY: zeroed msghdr is valid; every field is set below.
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_name = name_p;
    hdr.msg_namelen = if name == 0 { 0 } else { namelen };
    hdr.msg_iov = iov.as_ptr() as *mut libc::iovec;
    hdr.msg_iovlen = iov.len();
    hdr.msg_control = control_p;
    hdr.msg_controllen = if control == 0 { 0 } else { controllen as usize };
    hdr.msg_flags = flags;
    Ok(HostMsg { hdr, _iov: iov })
}

/// After recvmsg: the kernel updates namelen, controllen and flags in the guest msghdr.
fn write_back_msghdr(mem: &MemView, addr: u64, hdr: &libc::msghdr) -> Result<(), i64> {
    write_bytes(mem, addr + 8, &hdr.msg_namelen.to_le_bytes())?;
    write_bytes(mem, addr + 40, &(hdr.msg_controllen as u64).to_le_bytes())?;
    write_bytes(mem, addr + 48, &hdr.msg_flags.to_le_bytes())
}

fn sendmsg(mem: &MemView, fd: i32, addr: u64, flags: u64) -> SysResult {
    let m = host_msghdr(mem, addr, false)?;
    host!(
        libc::SYS_sendmsg,
        fd,
        &m.hdr as *const libc::msghdr,
        flags as i32
    )
}

fn recvmsg(mem: &MemView, fd: i32, addr: u64, flags: u64) -> SysResult {
    let mut m = host_msghdr(mem, addr, true)?;
    let n = host!(
        libc::SYS_recvmsg,
        fd,
        &mut m.hdr as *mut libc::msghdr,
        flags as i32
    )?;
    write_back_msghdr(mem, addr, &m.hdr)?;
    Ok(n)
}

/// sendmmsg as a sequence of sendmsg (struct mmsghdr: msghdr + u32 msg_len, 64 bytes).
fn sendmmsg(mem: &MemView, fd: i32, vec: u64, n: u64, flags: u64) -> SysResult {
    let n = n.min(1024);
    let mut sent = 0;
    for i in 0..n {
        let entry = vec + 64 * i;
        match sendmsg(mem, fd, entry, flags) {
            Ok(len) => {
                write_bytes(mem, entry + 56, &(len as u32).to_le_bytes())?;
                sent += 1;
            }
            Err(e) if sent == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(sent)
}

/// recvmmsg as recvmsg calls: the first with the caller's flags, the rest without
/// waiting, stopping at the first that would block (the timeout argument is not
/// supported: it must be NULL).
fn recvmmsg(mem: &MemView, fd: i32, vec: u64, n: u64, flags: u64, timeout: u64) -> SysResult {
    const MSG_DONTWAIT: u64 = 0x40;
    const MSG_WAITFORONE: u64 = 0x10000;
    if timeout != 0 {
        return Err(EINVAL);
    }
    let n = n.min(1024);
    let mut got = 0;
    for i in 0..n {
        let entry = vec + 64 * i;
        let f = if got > 0 && flags & MSG_WAITFORONE != 0 {
            (flags & !MSG_WAITFORONE) | MSG_DONTWAIT
        } else {
            flags & !MSG_WAITFORONE
        };
        match recvmsg(mem, fd, entry, f) {
            Ok(len) => {
                write_bytes(mem, entry + 56, &(len as u32).to_le_bytes())?;
                got += 1;
            }
            Err(e) if got == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(got)
}

pub fn dispatch(t: &mut Thread, nr: u64, a: [u64; 6]) -> Option<SysResult> {
    let mem = t.mem();
    let fd = a[0] as i32;
    Some(match nr {
        nr::SOCKET => host!(libc::SYS_socket, fd, a[1] as i32, a[2] as i32),
        nr::SOCKETPAIR => (|| {
            let sv = wr(&mem, a[3], 8)?;
            host!(libc::SYS_socketpair, fd, a[1] as i32, a[2] as i32, sv)
        })(),
        nr::BIND | nr::CONNECT => (|| {
            // The kernel reads exactly the length it is given, so it must be the length
            // that was checked against guest memory.
            let len = a[2].min(4096);
            let addr = rd(&mem, a[1], len)?;
            let sys = if nr == nr::BIND {
                libc::SYS_bind
            } else {
                libc::SYS_connect
            };
            host!(sys, fd, addr, len as u32)
        })(),
        nr::LISTEN => host!(libc::SYS_listen, fd, a[1] as i32),
        nr::ACCEPT | nr::ACCEPT4 => (|| {
            let (addr, lenp) = addr_out(&mem, a[1], a[2])?;
            let flags = if nr == nr::ACCEPT4 {
                super::fs::open_flags_to_host(a[3])
            } else {
                0
            };
            host!(libc::SYS_accept4, fd, addr, lenp, flags)
        })(),
        nr::GETSOCKNAME | nr::GETPEERNAME => (|| {
            let (addr, lenp) = addr_out(&mem, a[1], a[2])?;
            let sys = if nr == nr::GETSOCKNAME {
                libc::SYS_getsockname
            } else {
                libc::SYS_getpeername
            };
            host!(sys, fd, addr, lenp)
        })(),
        nr::SENDTO => (|| {
            let n = a[2].min(MAX_RW);
            let buf = rd(&mem, a[1], n)?;
            let addr_len = a[5].min(4096);
            let addr = opt_rd(&mem, a[4], addr_len)?;
            host!(
                libc::SYS_sendto,
                fd,
                buf,
                n,
                a[3] as i32,
                addr,
                addr_len as u32
            )
        })(),
        nr::RECVFROM => (|| {
            let n = a[2].min(MAX_RW);
            let buf = wr(&mem, a[1], n)?;
            let (addr, lenp) = addr_out(&mem, a[4], a[5])?;
            host!(libc::SYS_recvfrom, fd, buf, n, a[3] as i32, addr, lenp)
        })(),
        nr::SETSOCKOPT => (|| {
            let len = a[4].min(1 << 16);
            let val = opt_rd(&mem, a[3], len)?;
            host!(
                libc::SYS_setsockopt,
                fd,
                a[1] as i32,
                a[2] as i32,
                val,
                len as u32
            )
        })(),
        nr::GETSOCKOPT => (|| {
            let b: [u8; 4] = read_array(&mem, a[4])?;
            let len = u32::from_le_bytes(b) as i32;
            if len < 0 {
                return Err(EINVAL);
            }
            let val = opt_wr(&mem, a[3], len as u64)?;
            let lenp = wr(&mem, a[4], 4)?;
            host!(
                libc::SYS_getsockopt,
                fd,
                a[1] as i32,
                a[2] as i32,
                val,
                lenp
            )
        })(),
        nr::SHUTDOWN => host!(libc::SYS_shutdown, fd, a[1] as i32),
        nr::SENDMSG => sendmsg(&mem, fd, a[1], a[2]),
        nr::RECVMSG => recvmsg(&mem, fd, a[1], a[2]),
        nr::SENDMMSG => sendmmsg(&mem, fd, a[1], a[2], a[3]),
        nr::RECVMMSG => recvmmsg(&mem, fd, a[1], a[2], a[3], a[4]),
        _ => return None,
    })
}
