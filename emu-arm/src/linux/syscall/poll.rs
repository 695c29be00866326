//! Waiting on descriptors: ppoll, pselect6 and epoll. `struct epoll_event` is packed
//! (12 bytes) on x86-64 but naturally aligned (16 bytes) on arm64, so it is translated.
//! Calls that take a temporary signal mask install it for the duration, as the kernel
//! does, and leave the old one to be restored after a signal is delivered.

use super::*;

/// Installs a temporary guest mask for a call that swaps masks atomically; returns the
/// host view of it to pass to the host call.
fn push_mask(t: &mut Thread, mask: u64) -> u64 {
    t.saved_mask = Some(t.mask);
    t.mask = mask & !crate::linux::signal::UNBLOCKABLE;
    crate::linux::signal::host_view_of_mask(t.mask)
}

/// Undoes [`push_mask`] unless a signal interrupted the call (then delivery restores it).
fn pop_mask(t: &mut Thread, r: &SysResult) {
    if *r != Err(EINTR) {
        if let Some(m) = t.saved_mask.take() {
            t.mask = m;
        }
    }
}

fn read_sigmask(mem: &MemView, addr: u64, size: u64) -> Result<Option<u64>, i64> {
    if addr == 0 {
        return Ok(None);
    }
    if size != 8 {
        return Err(EINVAL);
    }
    Ok(Some(read_u64(mem, addr)?))
}

fn ppoll(t: &mut Thread, a: [u64; 6]) -> SysResult {
    let mem = t.mem();
    if a[1] > 1 << 20 {
        return Err(EINVAL);
    }
    let fds = opt_wr(&mem, a[0], a[1] * 8)?;
    let ts = opt_wr(&mem, a[2], 16)?;
    let mask = read_sigmask(&mem, a[3], a[4])?;
    let host_mask = mask.map(|m| push_mask(t, m));
    let mp = host_mask
        .as_ref()
        .map_or(std::ptr::null(), |m| m as *const u64);
    let r = host!(libc::SYS_ppoll, fds, a[1], ts, mp, 8usize);
    if mask.is_some() {
        pop_mask(t, &r);
    }
    r
}

fn pselect6(t: &mut Thread, a: [u64; 6]) -> SysResult {
    let mem = t.mem();
    let n = a[0];
    if n > 1 << 20 {
        return Err(EINVAL);
    }
    let set_bytes = n.div_ceil(64) * 8;
    let r_set = opt_wr(&mem, a[1], set_bytes)?;
    let w_set = opt_wr(&mem, a[2], set_bytes)?;
    let e_set = opt_wr(&mem, a[3], set_bytes)?;
    let ts = opt_wr(&mem, a[4], 16)?;
    // The sixth argument points at { const sigset_t *ss; size_t ss_len }.
    let mask = if a[5] == 0 {
        None
    } else {
        let ss = read_u64(&mem, a[5])?;
        let len = read_u64(&mem, a[5] + 8)?;
        read_sigmask(&mem, ss, len)?
    };
    let host_mask = mask.map(|m| push_mask(t, m));
    let arg: [u64; 2] = [host_mask.as_ref().map_or(0, |m| m as *const u64 as u64), 8];
    let argp = if mask.is_some() {
        arg.as_ptr()
    } else {
        std::ptr::null()
    };
    let r = host!(libc::SYS_pselect6, n as i32, r_set, w_set, e_set, ts, argp);
    if mask.is_some() {
        pop_mask(t, &r);
    }
    r
}

const EPOLL_CTL_DEL: u64 = 2;
/// The most events one epoll_pwait hands back (the guest may ask for up to 2^27).
const MAX_EVENTS_PER_CALL: i32 = 4096;

fn epoll_ctl(t: &Thread, a: [u64; 6]) -> SysResult {
    let mem = t.mem();
    let mut ev = libc::epoll_event { events: 0, u64: 0 };
    let evp: *mut libc::epoll_event = if a[3] == 0 {
        if a[1] != EPOLL_CTL_DEL {
            return Err(EFAULT);
        }
        std::ptr::null_mut()
    } else {
        let raw: [u8; 16] = read_array(&mem, a[3])?;
        ev.events = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let mut d = [0u8; 8];
        d.copy_from_slice(&raw[8..16]);
        ev.u64 = u64::from_le_bytes(d);
        &mut ev
    };
    host!(
        libc::SYS_epoll_ctl,
        a[0] as i32,
        a[1] as i32,
        a[2] as i32,
        evp
    )
}

fn epoll_pwait(t: &mut Thread, a: [u64; 6], timeout_is_timespec: bool) -> SysResult {
    let mem = t.mem();
    let max = a[2] as i32;
    if max <= 0 || max > (i32::MAX / 16) {
        return Err(EINVAL);
    }
    wr(&mem, a[1], 16 * max as u64)?;
    // Returning fewer events than asked is always allowed; this bounds our buffer.
    let max = max.min(MAX_EVENTS_PER_CALL);
    let ts = if timeout_is_timespec {
        opt_rd(&mem, a[3], 16)? as i64
    } else {
        a[3] as i32 as i64
    };
    let mask = read_sigmask(&mem, a[4], a[5])?;
    let host_mask = mask.map(|m| push_mask(t, m));
    let mp = host_mask
        .as_ref()
        .map_or(std::ptr::null(), |m| m as *const u64);
    let mut evs = vec![libc::epoll_event { events: 0, u64: 0 }; max as usize];
    let sys = if timeout_is_timespec {
        libc::SYS_epoll_pwait2
    } else {
        libc::SYS_epoll_pwait
    };
    let r = host!(sys, a[0] as i32, evs.as_mut_ptr(), max, ts, mp, 8usize);
    if mask.is_some() {
        pop_mask(t, &r);
    }
    let n = r?;
    let mut out = vec![0u8; 16 * n as usize];
    for (i, e) in evs.iter().take(n as usize).enumerate() {
        let (events, data) = (e.events, e.u64);
        out[16 * i..16 * i + 4].copy_from_slice(&events.to_le_bytes());
        out[16 * i + 8..16 * i + 16].copy_from_slice(&data.to_le_bytes());
    }
    write_bytes(&mem, a[1], &out)?;
    Ok(n)
}

pub fn dispatch(t: &mut Thread, nr: u64, a: [u64; 6]) -> Option<SysResult> {
    Some(match nr {
        nr::PPOLL => ppoll(t, a),
        nr::PSELECT6 => pselect6(t, a),
        nr::EPOLL_CREATE1 => {
            host!(libc::SYS_epoll_create1, super::fs::open_flags_to_host(a[0]))
        }
        nr::EPOLL_CTL => epoll_ctl(t, a),
        nr::EPOLL_PWAIT => epoll_pwait(t, a, false),
        nr::EPOLL_PWAIT2 => epoll_pwait(t, a, true),
        _ => return None,
    })
}
