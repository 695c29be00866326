//! Process identity, limits, scheduling, waiting for children, and ending the process.

use super::*;
use crate::linux::process;

/// `exit`: ends the calling thread. The last thread's exit ends the process.
pub fn exit(t: &mut Thread, code: i32) -> Outcome {
    // Leaving the registry and looking at what remains is one step, so of two threads
    // exiting at once exactly one sees itself as the last.
    let last = {
        let mut threads = crate::linux::process::lock(&t.proc.threads);
        threads.remove(&t.tid);
        threads.is_empty()
    };
    if last {
        process::exit_group(t, code);
    }
    Outcome::ExitThread(code)
}

pub fn exit_group(t: &mut Thread, code: i32) -> ! {
    process::exit_group(t, code)
}

pub fn wait4(t: &Thread, a: [u64; 6]) -> SysResult {
    let mem = t.mem();
    let status = opt_wr(&mem, a[1], 4)?;
    let rusage = opt_wr(&mem, a[3], 144)?;
    host!(libc::SYS_wait4, a[0] as i32, status, a[2] as i32, rusage)
}

pub fn waitid(t: &Thread, a: [u64; 6]) -> SysResult {
    let mem = t.mem();
    let info = opt_wr(&mem, a[2], 128)?;
    let rusage = opt_wr(&mem, a[4], 144)?;
    host!(
        libc::SYS_waitid,
        a[0] as i32,
        a[1] as i32,
        info,
        a[3] as i32,
        rusage
    )
}

/// `struct utsname`: six 65-byte fields; the machine is the guest's.
fn uname(t: &Thread, addr: u64) -> SysResult {
    // SAFETY: zeroed utsname is a valid out-buffer.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    host!(libc::SYS_uname, &mut u as *mut libc::utsname)?;
    let mut out = [0u8; 6 * 65];
    let fields: [&[libc::c_char]; 6] = [
        &u.sysname,
        &u.nodename,
        &u.release,
        &u.version,
        &u.machine,
        &u.domainname,
    ];
    for (i, f) in fields.iter().enumerate() {
        let dst = &mut out[65 * i..65 * i + 65];
        if i == 4 {
            dst[..7].copy_from_slice(b"aarch64");
        } else {
            for (d, &s) in dst.iter_mut().zip(f.iter()).take(64) {
                *d = s as u8;
            }
        }
    }
    write_bytes(&t.mem(), addr, &out)?;
    Ok(0)
}

const PR_SET_PDEATHSIG: u64 = 1;
const PR_GET_PDEATHSIG: u64 = 2;
const PR_GET_DUMPABLE: u64 = 3;
const PR_SET_DUMPABLE: u64 = 4;
const PR_SET_NAME: u64 = 15;
const PR_GET_NAME: u64 = 16;
const PR_CAPBSET_READ: u64 = 23;
const PR_SET_TIMERSLACK: u64 = 29;
const PR_GET_TIMERSLACK: u64 = 30;
const PR_SET_CHILD_SUBREAPER: u64 = 36;
const PR_GET_CHILD_SUBREAPER: u64 = 37;
const PR_SET_NO_NEW_PRIVS: u64 = 38;
const PR_GET_NO_NEW_PRIVS: u64 = 39;
const PR_SET_VMA: u64 = 0x5356_4d41;

fn prctl(t: &Thread, a: [u64; 6]) -> SysResult {
    let mem = t.mem();
    match a[0] {
        PR_SET_NAME => {
            let p = rd(&mem, a[1], 16)?;
            host!(libc::SYS_prctl, PR_SET_NAME as i32, p)
        }
        PR_GET_NAME => {
            let p = wr(&mem, a[1], 16)?;
            host!(libc::SYS_prctl, PR_GET_NAME as i32, p)
        }
        PR_GET_PDEATHSIG | PR_GET_CHILD_SUBREAPER => {
            let p = wr(&mem, a[1], 4)?;
            host!(libc::SYS_prctl, a[0] as i32, p)
        }
        PR_SET_PDEATHSIG
        | PR_GET_DUMPABLE
        | PR_SET_DUMPABLE
        | PR_CAPBSET_READ
        | PR_SET_TIMERSLACK
        | PR_GET_TIMERSLACK
        | PR_SET_CHILD_SUBREAPER
        | PR_SET_NO_NEW_PRIVS
        | PR_GET_NO_NEW_PRIVS => {
            host!(libc::SYS_prctl, a[0] as i32, a[1], a[2], a[3], a[4])
        }
        // Naming anonymous memory is advisory.
        PR_SET_VMA => Ok(0),
        // arm64-only controls (SVE, pointer authentication, tagged addresses, ...): this
        // CPU implements none of those features.
        _ => Err(EINVAL),
    }
}

pub fn dispatch(t: &mut Thread, nr: u64, a: [u64; 6]) -> Option<SysResult> {
    let mem = t.mem();
    Some(match nr {
        nr::GETPID => host!(libc::SYS_getpid),
        nr::GETPPID => host!(libc::SYS_getppid),
        nr::GETTID => Ok(t.tid as i64),
        nr::GETUID => host!(libc::SYS_getuid),
        nr::GETEUID => host!(libc::SYS_geteuid),
        nr::GETGID => host!(libc::SYS_getgid),
        nr::GETEGID => host!(libc::SYS_getegid),
        nr::GETRESUID | nr::GETRESGID => (|| {
            let r = wr(&mem, a[0], 4)?;
            let e = wr(&mem, a[1], 4)?;
            let s = wr(&mem, a[2], 4)?;
            let sys = if nr == nr::GETRESUID {
                libc::SYS_getresuid
            } else {
                libc::SYS_getresgid
            };
            host!(sys, r, e, s)
        })(),
        // Raw calls on purpose: they change only this thread's credentials, as the kernel
        // does; the guest's libc broadcasts to its other threads itself.
        nr::SETUID => host!(libc::SYS_setuid, a[0] as u32),
        nr::SETGID => host!(libc::SYS_setgid, a[0] as u32),
        nr::SETREUID => host!(libc::SYS_setreuid, a[0] as u32, a[1] as u32),
        nr::SETREGID => host!(libc::SYS_setregid, a[0] as u32, a[1] as u32),
        nr::SETRESUID => host!(libc::SYS_setresuid, a[0] as u32, a[1] as u32, a[2] as u32),
        nr::SETRESGID => host!(libc::SYS_setresgid, a[0] as u32, a[1] as u32, a[2] as u32),
        nr::SETFSUID => host!(libc::SYS_setfsuid, a[0] as u32),
        nr::SETFSGID => host!(libc::SYS_setfsgid, a[0] as u32),
        nr::GETGROUPS => (|| {
            let n = a[0] as i32;
            if n < 0 {
                return Err(EINVAL);
            }
            let list = opt_wr(&mem, a[1], 4 * n as u64)?;
            host!(libc::SYS_getgroups, n, list)
        })(),
        nr::SETGROUPS => (|| {
            let n = a[0] as i32;
            if !(0..=65536).contains(&n) {
                return Err(EINVAL);
            }
            let list = opt_rd(&mem, a[1], 4 * n as u64)?;
            host!(libc::SYS_setgroups, n, list)
        })(),
        nr::SETPGID => host!(libc::SYS_setpgid, a[0] as i32, a[1] as i32),
        nr::GETPGID => host!(libc::SYS_getpgid, a[0] as i32),
        nr::GETSID => host!(libc::SYS_getsid, a[0] as i32),
        nr::SETSID => host!(libc::SYS_setsid),
        nr::UNAME => uname(t, a[0]),
        nr::SYSINFO => (|| {
            let p = wr(&mem, a[0], 112)?;
            host!(libc::SYS_sysinfo, p)
        })(),
        nr::GETRANDOM => (|| {
            let n = a[1].min(MAX_RW);
            let p = wr(&mem, a[0], n)?;
            host!(libc::SYS_getrandom, p, n, a[2] as u32)
        })(),
        nr::PRLIMIT64 => (|| {
            let mut new = opt_rd(&mem, a[2], 16)?;
            let old = opt_wr(&mem, a[3], 16)?;
            let own = a[0] as i32 == 0 || a[0] as i32 == std::process::id() as i32;
            if own && limits_the_emulator(a[1]) {
                // Reported, never applied: see limits_the_emulator.
                new = std::ptr::null();
            }
            host!(libc::SYS_prlimit64, a[0] as i32, a[1] as u32, new, old)
        })(),
        nr::GETRLIMIT => (|| {
            let p = wr(&mem, a[1], 16)?;
            host!(libc::SYS_getrlimit, a[0] as u32, p)
        })(),
        nr::SETRLIMIT => (|| {
            let p = rd(&mem, a[1], 16)?;
            if limits_the_emulator(a[0]) {
                return Ok(0);
            }
            host!(libc::SYS_setrlimit, a[0] as u32, p)
        })(),
        nr::GETRUSAGE => (|| {
            let p = wr(&mem, a[1], 144)?;
            host!(libc::SYS_getrusage, a[0] as i32, p)
        })(),
        nr::SCHED_GETAFFINITY => (|| {
            let n = a[1].min(1 << 16);
            let p = wr(&mem, a[2], n)?;
            host!(libc::SYS_sched_getaffinity, a[0] as i32, n, p)
        })(),
        nr::SCHED_SETAFFINITY => (|| {
            let n = a[1].min(1 << 16);
            let p = rd(&mem, a[2], n)?;
            host!(libc::SYS_sched_setaffinity, a[0] as i32, n, p)
        })(),
        nr::SCHED_YIELD => host!(libc::SYS_sched_yield),
        nr::SCHED_GETSCHEDULER => host!(libc::SYS_sched_getscheduler, a[0] as i32),
        nr::SCHED_GETPARAM => (|| {
            let p = wr(&mem, a[1], 4)?;
            host!(libc::SYS_sched_getparam, a[0] as i32, p)
        })(),
        nr::SCHED_SETSCHEDULER => (|| {
            let p = rd(&mem, a[2], 4)?;
            host!(libc::SYS_sched_setscheduler, a[0] as i32, a[1] as i32, p)
        })(),
        nr::SCHED_SETPARAM => (|| {
            let p = rd(&mem, a[1], 4)?;
            host!(libc::SYS_sched_setparam, a[0] as i32, p)
        })(),
        nr::SCHED_GET_PRIORITY_MAX => host!(libc::SYS_sched_get_priority_max, a[0] as i32),
        nr::SCHED_GET_PRIORITY_MIN => host!(libc::SYS_sched_get_priority_min, a[0] as i32),
        nr::GETPRIORITY => host!(libc::SYS_getpriority, a[0] as i32, a[1] as i32),
        nr::SETPRIORITY => host!(libc::SYS_setpriority, a[0] as i32, a[1] as i32, a[2] as i32),
        nr::GETCPU => (|| {
            let cpu = opt_wr(&mem, a[0], 4)?;
            let node = opt_wr(&mem, a[1], 4)?;
            host!(libc::SYS_getcpu, cpu, node, 0usize)
        })(),
        nr::PRCTL => prctl(t, a),
        // Querying (0xffffffff) or setting PER_LINUX (0) is all Linux programs do.
        nr::PERSONALITY => match a[0] as u32 {
            0xffff_ffff | 0 => Ok(0),
            _ => Err(EINVAL),
        },
        nr::CAPGET => (|| {
            let hdr = wr(&mem, a[0], 8)?;
            let data = opt_wr(&mem, a[1], 24)?;
            host!(libc::SYS_capget, hdr, data)
        })(),
        _ => return None,
    })
}

/// Resource limits that would constrain the emulator itself rather than the guest: the
/// host process's address space holds the whole guest reservation, the JIT's code cache and
/// the emulator's own heap, so a guest `RLIMIT_AS`/`RLIMIT_DATA`/`RLIMIT_STACK` would make
/// host allocations fail and abort the emulator. Like QEMU, accept them without applying.
fn limits_the_emulator(resource: u64) -> bool {
    const RLIMIT_DATA: u64 = 2;
    const RLIMIT_STACK: u64 = 3;
    const RLIMIT_AS: u64 = 9;
    matches!(resource, RLIMIT_DATA | RLIMIT_STACK | RLIMIT_AS)
}
