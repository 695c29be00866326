//! Clocks, sleeps and timers. `struct timespec`, `timeval`, `itimerspec`, `tms` and
//! `sigevent` have the same layout on arm64 and x86-64, so these pass straight through.
//! (There is no vDSO: the guest's libc makes real syscalls for the time.)

use super::*;

pub fn dispatch(t: &mut Thread, nr: u64, a: [u64; 6]) -> Option<SysResult> {
    let mem = t.mem();
    Some(match nr {
        nr::CLOCK_GETTIME => (|| {
            let ts = wr(&mem, a[1], 16)?;
            host!(libc::SYS_clock_gettime, a[0] as i32, ts)
        })(),
        nr::CLOCK_GETRES => (|| {
            let ts = opt_wr(&mem, a[1], 16)?;
            host!(libc::SYS_clock_getres, a[0] as i32, ts)
        })(),
        nr::GETTIMEOFDAY => (|| {
            let tv = opt_wr(&mem, a[0], 16)?;
            let tz = opt_wr(&mem, a[1], 8)?;
            host!(libc::SYS_gettimeofday, tv, tz)
        })(),
        nr::NANOSLEEP => (|| {
            let req = rd(&mem, a[0], 16)?;
            let rem = opt_wr(&mem, a[1], 16)?;
            host!(libc::SYS_nanosleep, req, rem)
        })(),
        nr::CLOCK_NANOSLEEP => (|| {
            let req = rd(&mem, a[2], 16)?;
            let rem = opt_wr(&mem, a[3], 16)?;
            host!(
                libc::SYS_clock_nanosleep,
                a[0] as i32,
                a[1] as i32,
                req,
                rem
            )
        })(),
        nr::TIMES => (|| {
            let buf = opt_wr(&mem, a[0], 32)?;
            host!(libc::SYS_times, buf)
        })(),
        nr::GETITIMER => (|| {
            let v = wr(&mem, a[1], 32)?;
            host!(libc::SYS_getitimer, a[0] as i32, v)
        })(),
        nr::SETITIMER => (|| {
            let new = rd(&mem, a[1], 32)?;
            let old = opt_wr(&mem, a[2], 32)?;
            host!(libc::SYS_setitimer, a[0] as i32, new, old)
        })(),
        nr::TIMER_CREATE => (|| {
            // struct sigevent is 64 bytes on both ABIs. SIGEV_THREAD_ID names a host tid,
            // which is our guest tid too.
            let ev = opt_rd(&mem, a[1], 64)?;
            let id = wr(&mem, a[2], 4)?;
            host!(libc::SYS_timer_create, a[0] as i32, ev, id)
        })(),
        nr::TIMER_SETTIME => (|| {
            let new = rd(&mem, a[2], 32)?;
            let old = opt_wr(&mem, a[3], 32)?;
            host!(libc::SYS_timer_settime, a[0] as i32, a[1] as i32, new, old)
        })(),
        nr::TIMER_GETTIME => (|| {
            let cur = wr(&mem, a[1], 32)?;
            host!(libc::SYS_timer_gettime, a[0] as i32, cur)
        })(),
        nr::TIMER_GETOVERRUN => host!(libc::SYS_timer_getoverrun, a[0] as i32),
        nr::TIMER_DELETE => host!(libc::SYS_timer_delete, a[0] as i32),
        _ => return None,
    })
}
