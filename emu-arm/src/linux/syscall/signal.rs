//! Signal syscalls: dispositions, masks, waiting for signals, the alternate stack, and
//! sending signals.

use super::*;
use crate::linux::process::lock;
use crate::linux::signal::{
    self as sig, bit, AltStack, SigAction, SigInfo, HOST_SYNCHRONOUS, MINSIGSTKSZ, NSIG, SIGKILL,
    SIGSTOP, SS_DISABLE, SS_ONSTACK, UNBLOCKABLE,
};

/// sizeof(sigset_t) as the kernel sees it.
const SIGSET_SIZE: u64 = 8;

fn valid_signal(n: u64) -> Result<usize, i64> {
    if n == 0 || n > NSIG as u64 {
        Err(EINVAL)
    } else {
        Ok(n as usize)
    }
}

pub fn rt_sigaction(t: &Thread, a: [u64; 6]) -> SysResult {
    if a[3] != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let signo = valid_signal(a[0])?;
    let mem = t.mem();
    let new = if a[1] != 0 {
        if signo == SIGKILL || signo == SIGSTOP {
            return Err(EINVAL);
        }
        let raw: [u8; 32] = read_array(&mem, a[1])?;
        let w = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&raw[8 * i..8 * i + 8]);
            u64::from_le_bytes(b)
        };
        Some(SigAction {
            handler: w(0),
            flags: w(1),
            restorer: w(2),
            mask: w(3) & !UNBLOCKABLE,
        })
    } else {
        None
    };
    let mut acts = lock(&t.proc.actions);
    let old = acts[signo];
    if a[2] != 0 {
        let mut out = [0u8; 32];
        for (i, v) in [old.handler, old.flags, old.restorer, old.mask]
            .iter()
            .enumerate()
        {
            out[8 * i..8 * i + 8].copy_from_slice(&v.to_le_bytes());
        }
        write_bytes(&mem, a[2], &out)?;
    }
    if let Some(n) = new {
        acts[signo] = n;
        sig::install_host(signo, &n);
    }
    Ok(0)
}

const SIG_BLOCK: u64 = 0;
const SIG_UNBLOCK: u64 = 1;
const SIG_SETMASK: u64 = 2;

pub fn rt_sigprocmask(t: &mut Thread, a: [u64; 6]) -> SysResult {
    if a[3] != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let mem = t.mem();
    let old = t.mask;
    if a[1] != 0 {
        let set = read_u64(&mem, a[1])?;
        let new = match a[0] {
            SIG_BLOCK => old | set,
            SIG_UNBLOCK => old & !set,
            SIG_SETMASK => set,
            _ => return Err(EINVAL),
        };
        t.set_mask(new);
    }
    if a[2] != 0 {
        write_bytes(&mem, a[2], &old.to_le_bytes())?;
    }
    Ok(0)
}

pub fn rt_sigpending(t: &Thread, a: [u64; 6]) -> SysResult {
    if a[1] != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let mut host_pending = 0u64;
    host!(
        libc::SYS_rt_sigpending,
        &mut host_pending as *mut u64,
        8usize
    )?;
    let set = (host_pending | t.sig.peek()) & t.mask;
    write_bytes(&t.mem(), a[0], &set.to_le_bytes())?;
    Ok(0)
}

pub fn rt_sigsuspend(t: &mut Thread, a: [u64; 6]) -> SysResult {
    if a[1] != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let tmp = read_u64(&t.mem(), a[0])? & !UNBLOCKABLE;
    // The temporary mask stays in force until a handler has been set up; the frame saves
    // (and sigreturn restores) the old one.
    t.saved_mask = Some(t.mask);
    t.mask = tmp;
    if t.next_deliverable_signal().is_some() {
        return Err(EINTR);
    }
    let host_mask = sig::host_view_of_mask(tmp);
    let _ = host!(libc::SYS_rt_sigsuspend, &host_mask as *const u64, 8usize);
    Err(EINTR)
}

pub fn rt_sigtimedwait(t: &mut Thread, a: [u64; 6]) -> SysResult {
    if a[3] != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let mem = t.mem();
    let set = read_u64(&mem, a[0])? & !UNBLOCKABLE;
    let take_internal = |t: &Thread| -> Option<(usize, SigInfo)> {
        let pending = t.sig.peek() & set;
        if pending == 0 {
            return None;
        }
        let s = pending.trailing_zeros() as usize + 1;
        t.sig.take(s).map(|i| (s, i))
    };
    let info_out = opt_wr(&mem, a[1], 128)?;
    let found = match take_internal(t) {
        Some(x) => Some(x),
        None => {
            let ts = opt_rd(&mem, a[2], 16)?;
            match host!(
                libc::SYS_rt_sigtimedwait,
                &set as *const u64,
                info_out,
                ts,
                8usize
            ) {
                Ok(s) => return Ok(s),
                // Our host handler caught it (the guest had not blocked it).
                Err(EINTR) => take_internal(t),
                Err(e) => return Err(e),
            }
        }
    };
    match found {
        Some((s, info)) => {
            if a[1] != 0 {
                write_bytes(&mem, a[1], &info.0)?;
            }
            Ok(s as i64)
        }
        None => Err(EINTR),
    }
}

pub fn sigaltstack(t: &mut Thread, a: [u64; 6]) -> SysResult {
    let mem = t.mem();
    let sp = t.cpu.x[31];
    let on = t.altstack.contains(sp);
    if a[1] != 0 {
        let cur = t.altstack;
        let flags = if !cur.enabled() {
            SS_DISABLE
        } else if on {
            SS_ONSTACK
        } else {
            0
        };
        let mut out = [0u8; 24];
        out[..8].copy_from_slice(&cur.sp.to_le_bytes());
        out[8..12].copy_from_slice(&flags.to_le_bytes());
        out[16..24].copy_from_slice(&cur.size.to_le_bytes());
        write_bytes(&mem, a[1], &out)?;
    }
    if a[0] != 0 {
        let raw: [u8; 24] = read_array(&mem, a[0])?;
        let ss_sp = u64::from_le_bytes(raw[..8].try_into().map_err(|_| EFAULT)?);
        let flags = i32::from_le_bytes(raw[8..12].try_into().map_err(|_| EFAULT)?);
        let size = u64::from_le_bytes(raw[16..24].try_into().map_err(|_| EFAULT)?);
        if on {
            return Err(EPERM);
        }
        const SS_AUTODISARM: i32 = 1 << 31;
        let mode = flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(EINVAL);
        }
        t.altstack = if mode == SS_DISABLE {
            AltStack {
                sp: 0,
                size: 0,
                flags: SS_DISABLE,
            }
        } else {
            if size < MINSIGSTKSZ {
                return Err(ENOMEM);
            }
            AltStack {
                sp: ss_sp,
                size,
                flags: 0,
            }
        };
    }
    Ok(0)
}

/// Sends a fault-type signal to one of our own threads without the host kernel: the host
/// never catches those (they would be emulator crashes), so the guest's disposition is
/// applied by the target's run loop.
fn raise_internal(t: &Thread, tid: i32, signo: usize) -> Option<SysResult> {
    if bit(signo) & HOST_SYNCHRONOUS == 0 {
        return None;
    }
    // Raised with the threads lock held: a thread clears its interrupt pointer under the
    // same lock as it exits (Thread::finish), so the pointer is live while we write it.
    let threads = lock(&t.proc.threads);
    let target = threads.get(&tid)?;
    target.raise(signo, &SigInfo::sent(signo, sig::SI_TKILL).0);
    Some(Ok(0))
}

pub fn kill(t: &Thread, a: [u64; 6]) -> SysResult {
    let pid = a[0] as i32;
    let signo = a[1];
    // SAFETY: getpid cannot fail.
    if signo != 0 && signo <= NSIG as u64 && pid == unsafe { libc::getpid() } {
        if let Some(r) = raise_internal(t, t.tid, signo as usize) {
            return r;
        }
    }
    host!(libc::SYS_kill, pid, signo as i32)
}

/// tgkill, and tkill when `tgid` is -1.
pub fn tgkill(t: &Thread, tgid: i32, tid: i32, signo: i32) -> SysResult {
    if signo > 0 && signo <= NSIG as i32 {
        // SAFETY: getpid cannot fail.
        let ours = tgid == -1 || tgid == unsafe { libc::getpid() };
        if ours {
            if let Some(r) = raise_internal(t, tid, signo as usize) {
                return r;
            }
        }
    }
    if tgid == -1 {
        host!(libc::SYS_tkill, tid, signo)
    } else {
        host!(libc::SYS_tgkill, tgid, tid, signo)
    }
}
