//! Threads and processes: clone (one host thread per guest thread, or a host fork),
//! execve (re-executes the emulator on the new program), futex (the host futex on the
//! host address of the guest word) and the robust-list bookkeeping.

use super::*;
use crate::linux::elf;
use crate::linux::process::{self, lock, Thread};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;

const CLONE_VM: u64 = 0x100;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_THREAD: u64 = 0x10000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;
const CSIGNAL: u64 = 0xff;

/// Host stack for the emulator's work on behalf of one guest thread (the guest stack is
/// guest memory; this one holds the run loop, the interpreter and the compiler).
const HOST_THREAD_STACK: usize = 8 << 20;

/// clone(flags, newsp, parent_tid, tls, child_tid) — the argument order of arm64.
pub fn clone(t: &mut Thread, a: [u64; 6]) -> SysResult {
    let (flags, newsp, ptid, tls, ctid) = (a[0], a[1], a[2], a[3], a[4]);
    if flags & CLONE_THREAD != 0 {
        if flags & CLONE_VM == 0 {
            return Err(EINVAL);
        }
        return spawn_thread(t, flags, newsp, ptid, tls, ctid);
    }
    if flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0 {
        // A process sharing our memory but not a thread: not supported.
        tracing::warn!(target: "syscall", "clone: CLONE_VM without CLONE_THREAD ({flags:#x})");
        return Err(EINVAL);
    }
    fork(t, flags, newsp, ptid, tls, ctid)
}

/// A new process: host fork. vfork is a fork too (as in qemu-aarch64), but the parent
/// waits, as with vfork, until the child has exec'd or exited: it reads a close-on-exec
/// pipe whose write end only the child holds.
fn fork(t: &mut Thread, flags: u64, newsp: u64, ptid: u64, tls: u64, ctid: u64) -> SysResult {
    let vfork_pipe = if flags & CLONE_VFORK != 0 {
        let mut fds = [0i32; 2];
        // SAFETY: pipe2 into a local array.
        (unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == 0).then_some(fds)
    } else {
        None
    };
    let r = fork_inner(t, flags, newsp, ptid, tls, ctid);
    if let Some([rd, wr]) = vfork_pipe {
        let child = matches!(r, Ok(0));
        // SAFETY: closing and reading our own pipe.
        unsafe {
            if child {
                libc::close(rd);
            } else {
                libc::close(wr);
                let mut b = 0u8;
                while libc::read(rd, (&mut b as *mut u8).cast(), 1) < 0 && host_errno() == EINTR {}
                libc::close(rd);
            }
        }
    }
    r
}

fn fork_inner(t: &mut Thread, flags: u64, newsp: u64, ptid: u64, tls: u64, ctid: u64) -> SysResult {
    let exit_signal = flags & CSIGNAL;
    // Hold the process locks across the fork, so the child never inherits one taken by a
    // thread that does not exist there (it would stay locked forever).
    let proc = t.proc;
    let mm_guard = lock(&proc.mm);
    let actions_guard = lock(&proc.actions);
    let mut threads_guard = lock(&proc.threads);
    // SAFETY: the child continues only in this thread, which owns everything it uses.
    let pid = if exit_signal == libc::SIGCHLD as u64 {
        unsafe { libc::fork() }
    } else {
        // Another exit signal (or none): only raw clone can express it.
        unsafe {
            libc::syscall(libc::SYS_clone, exit_signal, 0usize, 0usize, 0usize, 0usize) as i32
        }
    };
    let fork_error = (pid < 0).then(host_errno);
    if pid == 0 {
        // The child: only this thread exists now.
        threads_guard.clear();
    }
    drop(threads_guard);
    drop(actions_guard);
    drop(mm_guard);
    if let Some(e) = fork_error {
        return Err(e);
    }
    let mem = t.mem();
    if pid == 0 {
        // The JIT's compile thread did not come along.
        t.rt.after_fork_child();
        t.register();
        if let Some(deadline) = proc.opts.deadline {
            let why = format!("guest process {} ran past the deadline", process::gettid());
            if let Err(e) = process::start_timeout(deadline, why) {
                // Without a timer this process could outlive --timeout: end it now.
                eprintln!("emu: --timeout: cannot start the timer of a forked process: {e}");
                // SAFETY: ends the child process at once.
                unsafe { libc::_exit(emu_core::timeout::TIMEOUT_STATUS) };
            }
        }
        if newsp != 0 {
            t.cpu.x[31] = newsp;
        }
        if flags & CLONE_SETTLS != 0 {
            t.cpu.tpidr_el0 = tls;
        }
        if flags & CLONE_CHILD_SETTID != 0 {
            let _ = mem.write_bytes(ctid, &t.tid.to_le_bytes());
        }
        if flags & CLONE_CHILD_CLEARTID != 0 {
            t.clear_child_tid = ctid;
        }
        return Ok(0);
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = mem.write_bytes(ptid, &pid.to_le_bytes());
    }
    Ok(pid as i64)
}

/// A new guest thread on a new host thread, sharing the guest space.
fn spawn_thread(
    t: &mut Thread,
    flags: u64,
    newsp: u64,
    ptid: u64,
    tls: u64,
    ctid: u64,
) -> SysResult {
    let mut cpu = t.cpu.clone();
    cpu.x[0] = 0;
    if newsp != 0 {
        cpu.x[31] = newsp;
    }
    if flags & CLONE_SETTLS != 0 {
        cpu.tpidr_el0 = tls;
    }
    cpu.core.interrupt = 0;
    cpu.excl_addr = u64::MAX;
    let proc = t.proc;
    let mask = t.mask;
    let (tx, rx) = std::sync::mpsc::channel::<Result<i32, String>>();
    let spawned = std::thread::Builder::new()
        .stack_size(HOST_THREAD_STACK)
        .spawn(move || {
            let mut child = match Thread::new(proc, cpu) {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            child.set_mask(mask);
            let mem = child.mem();
            let tid = child.tid;
            // Both tid words are written before either thread runs guest code again, as
            // the kernel does.
            if flags & CLONE_PARENT_SETTID != 0 {
                let _ = mem.write_bytes(ptid, &tid.to_le_bytes());
            }
            if flags & CLONE_CHILD_SETTID != 0 {
                let _ = mem.write_bytes(ctid, &tid.to_le_bytes());
            }
            if flags & CLONE_CHILD_CLEARTID != 0 {
                child.clear_child_tid = ctid;
            }
            let _ = tx.send(Ok(tid));
            let _code = child.run();
            child.finish();
        });
    if let Err(e) = spawned {
        tracing::warn!(target: "syscall", "clone: cannot start a host thread: {e}");
        return Err(EAGAIN);
    }
    match rx.recv() {
        Ok(Ok(tid)) => Ok(tid as i64),
        Ok(Err(e)) => {
            tracing::warn!(target: "syscall", "clone: cannot create the thread's runtime: {e}");
            Err(EAGAIN)
        }
        Err(_) => Err(EAGAIN),
    }
}

pub fn get_robust_list(t: &Thread, a: [u64; 6]) -> SysResult {
    if a[0] != 0 && a[0] as i32 != t.tid {
        return Err(EPERM);
    }
    let mem = t.mem();
    write_bytes(&mem, a[1], &t.robust_list.0.to_le_bytes())?;
    write_bytes(&mem, a[2], &t.robust_list.1.to_le_bytes())?;
    Ok(0)
}

/// Reads a NULL-terminated array of guest string pointers (argv, envp).
fn string_array(mem: &MemView, addr: u64) -> Result<Vec<Vec<u8>>, i64> {
    const MAX_STRINGS: usize = 1 << 17;
    const MAX_BYTES: usize = 32 << 20;
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mut total = 0;
    for i in 0.. {
        if i >= MAX_STRINGS {
            return Err(E2BIG);
        }
        let p = read_u64(mem, addr + 8 * i as u64)?;
        if p == 0 {
            break;
        }
        let s = mem.read_cstr(p, 1 << 20).map_err(|_| EFAULT)?;
        total += s.len() + 1;
        if total > MAX_BYTES {
            return Err(E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

/// execve: checks the target like the kernel would (exists, executable, an AArch64 ELF
/// or a #! script), then re-executes the emulator on it. The host exec gives exactly the
/// kernel's semantics for the rest: other threads end, handled signals reset to default,
/// ignored signals and the signal mask stay, close-on-exec descriptors close.
pub fn execve(t: &mut Thread, path: u64, argv: u64, envp: u64) -> SysResult {
    let mem = t.mem();
    let host_path = super::fs::host_path(t, path)?;
    let args = string_array(&mem, argv)?;
    let env = string_array(&mem, envp)?;
    host!(libc::SYS_access, host_path.as_ptr(), libc::X_OK)?;
    let mut head = [0u8; 64];
    let n = std::fs::File::open(std::ffi::OsStr::from_bytes(host_path.as_bytes()))
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map_err(|e| io_errno(&e))?;
    let head = &head[..n];
    if !head.starts_with(b"#!") && elf::check_header(head).is_err() {
        return Err(ENOEXEC);
    }

    let opts = &t.proc.opts;
    let mut cmd: Vec<Vec<u8>> = vec![
        opts.emulator.as_os_str().as_bytes().to_vec(),
        b"run".to_vec(),
    ];
    cmd.extend(opts.reexec_options.iter().map(|o| o.as_bytes().to_vec()));
    if t.proc.action(crate::linux::signal::SIGPIPE).handler == crate::linux::signal::SIG_IGN {
        cmd.push(b"--sigpipe-ignored".to_vec());
    }
    let argv0 = args.first().cloned().unwrap_or_default();
    // One `--argv0=NAME` word, so a name like "-sh" (a login shell) is not an option.
    let mut argv0_opt = b"--argv0=".to_vec();
    argv0_opt.extend(argv0);
    cmd.push(argv0_opt);
    cmd.push(b"--".to_vec());
    cmd.push(host_path.as_bytes().to_vec());
    cmd.extend(args.into_iter().skip(1));

    let to_c = |v: Vec<Vec<u8>>| -> Result<Vec<CString>, i64> {
        v.into_iter()
            .map(|s| CString::new(s).map_err(|_| EINVAL))
            .collect()
    };
    let cmd = to_c(cmd)?;
    let env = to_c(env)?;
    let mut cmd_ptrs: Vec<*const libc::c_char> = cmd.iter().map(|c| c.as_ptr()).collect();
    cmd_ptrs.push(std::ptr::null());
    let mut env_ptrs: Vec<*const libc::c_char> = env.iter().map(|c| c.as_ptr()).collect();
    env_ptrs.push(std::ptr::null());
    crate::linux::process::print_stats(t.proc, Some(t));
    // SAFETY: NULL-terminated arrays of valid C strings that outlive the call.
    unsafe { libc::execve(cmd[0].as_ptr(), cmd_ptrs.as_ptr(), env_ptrs.as_ptr()) };
    Err(host_errno())
}

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAKE_OP: u64 = 5;
const FUTEX_LOCK_PI: u64 = 6;
const FUTEX_UNLOCK_PI: u64 = 7;
const FUTEX_TRYLOCK_PI: u64 = 8;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_WAIT_REQUEUE_PI: u64 = 11;
const FUTEX_CMP_REQUEUE_PI: u64 = 12;
const FUTEX_LOCK_PI2: u64 = 13;
const FUTEX_CMD_MASK: u64 = 0x7f;

/// futex(uaddr, op, val, timeout_or_val2, uaddr2, val3) on the host word.
pub fn futex(t: &Thread, a: [u64; 6]) -> SysResult {
    let mem = t.mem();
    let (uaddr, op, val, arg4, uaddr2, val3) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    if uaddr % 4 != 0 {
        return Err(EINVAL);
    }
    let cmd = op & FUTEX_CMD_MASK;
    let pi = matches!(
        cmd,
        FUTEX_LOCK_PI | FUTEX_UNLOCK_PI | FUTEX_TRYLOCK_PI | FUTEX_LOCK_PI2
    );
    let word = if pi {
        wr(&mem, uaddr, 4)? as *const libc::c_void
    } else {
        rd(&mem, uaddr, 4)?
    };
    // The fourth argument is a timeout pointer for waits, a count for requeues.
    let (arg4v, second): (i64, *const libc::c_void) = match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET | FUTEX_LOCK_PI | FUTEX_LOCK_PI2 => {
            (opt_rd(&mem, arg4, 16)? as i64, std::ptr::null())
        }
        FUTEX_WAIT_REQUEUE_PI => (opt_rd(&mem, arg4, 16)? as i64, rd(&mem, uaddr2, 4)?),
        FUTEX_WAKE | FUTEX_WAKE_BITSET | FUTEX_UNLOCK_PI | FUTEX_TRYLOCK_PI => {
            (arg4 as i64, std::ptr::null())
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE | FUTEX_CMP_REQUEUE_PI => {
            if uaddr2 % 4 != 0 {
                return Err(EINVAL);
            }
            (arg4 as i64, rd(&mem, uaddr2, 4)?)
        }
        FUTEX_WAKE_OP => {
            if uaddr2 % 4 != 0 {
                return Err(EINVAL);
            }
            (arg4 as i64, wr(&mem, uaddr2, 4)? as *const libc::c_void)
        }
        _ => return Err(ENOSYS),
    };
    host!(
        libc::SYS_futex,
        word,
        op as i32,
        val as u32,
        arg4v,
        second,
        val3 as u32
    )
}
