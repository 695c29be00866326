//! Background compilation: a worker thread that runs Cranelift's `Context::compile` (IR
//! to machine code; ~90% of a block's compile time, mostly register allocation) while
//! the vCPU thread keeps interpreting the block.
//!
//! The split keeps the code cache and the linking of cells on the vCPU thread, which
//! installs the returned bytes; the worker gets either a self-contained `Function` (every
//! address it calls or reads is an `iconst`, so it needs no relocations) or, in system
//! mode, a job that builds one (`build.rs`; it allocates chaining cells, which are
//! atomic), and hands back a `Vec<u8>`. A result is tagged with the Jit epoch its IR was
//! built in (the addresses it embeds are only valid then) and with the block it belongs
//! to; the runtime drops results whose epoch or block is gone.
//!
//! The queue is a mutex-protected deque rather than a channel so that the vCPU thread
//! can reorder it: a block that keeps running in the interpreter while its job waits
//! behind others moves to the front ([`Worker::hurry`]), and when the worker falls far
//! behind (a busy host gives it little CPU) the vCPU thread takes the job back
//! ([`Worker::steal`]) and compiles it itself, without compiling it twice.
//!
//! One worker per `Jit`, started on first use. Dropping the `Worker` empties the queue
//! and waits for the thread to finish the job in hand (at most one compile, a fraction
//! of a millisecond).

use super::build::{BuildJob, BuildScratch};
use super::hostfault::{collect_sites, FaultSite};
use super::CompileError;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::Context;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// Which block a queued compile is for; the runtime's business (the Jit hands it back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobTag {
    pub pc: u64,
    pub pa: u64,
    /// Distinguishes a block from a later one translated at the same (pc, pa) after the
    /// first was dropped (system mode drops the blocks of a page that is written).
    pub id: u64,
}

struct Job {
    tag: JobTag,
    epoch: u64,
    work: Work,
}

/// What a job starts from.
pub enum Work {
    /// IR built by the vCPU thread.
    Built(Box<Built>),
    /// IR for the worker to build first.
    Build(BuildJob),
}

/// A function's IR as `Jit::build_function` made it, ready to compile anywhere.
pub struct Built {
    pub func: Function,
    /// Compile with the optimizing ISA (see `Jit::build_function`).
    pub optimize: bool,
    /// The restart points its host-faulting accesses name (see `hostfault`).
    pub restarts: Vec<u64>,
}

/// Compiled machine code and where it may fault in the host.
pub struct Compiled {
    pub code: Vec<u8>,
    pub sites: Vec<FaultSite>,
}

/// What the worker sends back for one job.
pub struct Done {
    pub tag: JobTag,
    pub epoch: u64,
    /// The machine code, or why there is none; `None` once the Jit has found the
    /// result stale (see [`super::Jit::poll_compiled`]).
    pub code: Option<Result<Compiled, CompileError>>,
    /// CPU time the worker spent compiling it (not wall time: on a busy host the
    /// worker also waits for a core, which is not what compiling costs).
    pub time: Duration,
    /// An emptied IR function with its allocations, for the Jit to build the next one
    /// in (see [`compile`]), when the vCPU thread built this one.
    pub spare: Option<Function>,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// The owner is gone: the worker ends.
    closed: bool,
    /// The worker is waiting for a job: a new one must wake it. (Otherwise it finds
    /// the job when it next looks, and the sender saves a futex system call, which
    /// std's `Condvar::notify_one` makes whether or not anyone waits.)
    idle: bool,
}

impl Queue {
    /// Where the job for `tag` built in `epoch` waits, if it does.
    fn position(&self, tag: JobTag, epoch: u64) -> Option<usize> {
        self.jobs
            .iter()
            .position(|j| j.tag == tag && j.epoch == epoch)
    }
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Results sent so far (bumped after each send), so that polling an idle worker
    /// is one load rather than a channel probe.
    finished: AtomicU64,
}

/// A poisoned lock only means the other side panicked while holding it; the queue
/// itself is still consistent (every update is a single push or pop).
fn lock(m: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Handle of one worker thread, owned by the vCPU thread.
pub struct Worker {
    shared: Arc<Shared>,
    done: Receiver<Done>,
    /// Results received so far.
    collected: u64,
    /// Jobs queued and not yet received back (nor stolen or dropped).
    in_flight: usize,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread; `Err` if the host cannot create one (the caller then compiles
    /// synchronously).
    pub fn start(isa: OwnedTargetIsa, optimizing_isa: OwnedTargetIsa) -> std::io::Result<Worker> {
        let (done_tx, done_rx) = channel::<Done>();
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            finished: AtomicU64::new(0),
        });
        let sh = shared.clone();
        // The worker must never take a signal meant for the guest: a process-directed
        // one goes to any thread that does not block it, and the guest-signal handler
        // drops signals that arrive on a thread without a guest. So it is born with all
        // of them blocked (a new thread inherits its creator's mask; glibc keeps the two
        // it needs for itself unblocked).
        let all_blocked = BlockAllSignals::new();
        let thread = std::thread::Builder::new()
            .name("emu-jit".into())
            .spawn(move || {
                let mut ctx = Context::new();
                let mut scratch = BuildScratch::default();
                loop {
                    let job = {
                        let mut q = lock(&sh.queue);
                        loop {
                            if q.closed {
                                return;
                            }
                            if let Some(j) = q.jobs.pop_front() {
                                break j;
                            }
                            q.idle = true;
                            q = sh.wake.wait(q).unwrap_or_else(|e| e.into_inner());
                            q.idle = false;
                        }
                    };
                    let t = thread_cpu_time();
                    let (built, from_vcpu) = match job.work {
                        Work::Built(built) => (*built, true),
                        Work::Build(build) => (build(&mut scratch), false),
                    };
                    let isa = if built.optimize {
                        &optimizing_isa
                    } else {
                        &isa
                    };
                    let (code, spare) = compile(&mut ctx, isa, built, job.tag.pc);
                    let spare = if from_vcpu {
                        Some(spare)
                    } else {
                        scratch.keep_spare(spare);
                        None
                    };
                    let done = Done {
                        tag: job.tag,
                        epoch: job.epoch,
                        code: Some(code),
                        time: thread_cpu_time().saturating_sub(t),
                        spare,
                    };
                    if done_tx.send(done).is_err() {
                        return;
                    }
                    // After the send, so a reader that sees the count finds the result.
                    sh.finished.fetch_add(1, Ordering::Release);
                }
            });
        drop(all_blocked);
        let thread = thread?;
        Ok(Worker {
            shared,
            done: done_rx,
            collected: 0,
            in_flight: 0,
            thread: Some(thread),
        })
    }

    /// Queues `func` for the block `tag`, built in `epoch`, behind the others or, if
    /// `urgent`, before them; `false` if the worker is gone (it panicked).
    pub fn send(&mut self, tag: JobTag, epoch: u64, work: Work, urgent: bool) -> bool {
        if self.thread.as_ref().is_none_or(|t| t.is_finished()) {
            return false;
        }
        let idle = {
            let mut q = lock(&self.shared.queue);
            let job = Job { tag, epoch, work };
            if urgent {
                q.jobs.push_front(job);
            } else {
                q.jobs.push_back(job);
            }
            q.idle
        };
        if idle {
            self.shared.wake.notify_one();
        }
        self.in_flight += 1;
        true
    }

    /// Takes back the queued job for `tag` built in `epoch`, if the worker has not
    /// started it.
    pub fn steal(&mut self, tag: JobTag, epoch: u64) -> Option<Work> {
        let job = {
            let mut q = lock(&self.shared.queue);
            let i = q.position(tag, epoch)?;
            q.jobs.remove(i)?
        };
        self.in_flight -= 1;
        Some(job.work)
    }

    /// Moves the queued job for `tag` built in `epoch` to the front of the queue, so
    /// that it is the worker's next; `false` if it is not waiting there (started or
    /// done).
    pub fn hurry(&mut self, tag: JobTag, epoch: u64) -> bool {
        let mut q = lock(&self.shared.queue);
        let Some(i) = q.position(tag, epoch) else {
            return false;
        };
        if let Some(job) = q.jobs.remove(i) {
            q.jobs.push_front(job);
        }
        true
    }

    /// Jobs queued and not yet collected.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Whether [`Worker::poll`] has something: one atomic load.
    #[inline]
    pub fn has_results(&self) -> bool {
        self.shared.finished.load(Ordering::Acquire) != self.collected
    }

    /// A finished job, if any (never blocks).
    pub fn poll(&mut self) -> Option<Done> {
        let d = self.done.try_recv().ok()?;
        self.collected += 1;
        self.in_flight = self.in_flight.saturating_sub(1);
        Some(d)
    }

    /// Drops every job not yet started (the Jit moved to a new epoch: what they would
    /// compile refers to code and cells that are gone).
    pub fn clear(&mut self) {
        let n = {
            let mut q = lock(&self.shared.queue);
            let n = q.jobs.len();
            q.jobs.clear();
            n
        };
        self.in_flight -= n;
    }

    /// In the child of a fork: the thread does not exist there, and the queue's lock or
    /// the result channel may have been mid-operation in it, so leave them untouched
    /// (leaked) and forget it.
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        {
            let mut q = lock(&self.shared.queue);
            q.jobs.clear();
            q.closed = true;
        }
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            // A panic in the worker was already reported by the panic hook.
            let _ = t.join();
        }
    }
}

/// Compiles one block function to position-independent machine code. Also returns an
/// emptied `Function` that keeps its allocations (the one `ctx` held), so building the
/// next function's IR does not start from empty vectors: building on the vCPU thread
/// spent a quarter of its time in malloc.
pub fn compile(
    ctx: &mut Context,
    isa: &OwnedTargetIsa,
    built: Built,
    pc: u64,
) -> (Result<Compiled, CompileError>, Function) {
    ctx.clear();
    let mut spare = built.func;
    std::mem::swap(&mut ctx.func, &mut spare);
    (compile_in(ctx, isa, &built.restarts, pc), spare)
}

fn compile_in(
    ctx: &mut Context,
    isa: &OwnedTargetIsa,
    restarts: &[u64],
    pc: u64,
) -> Result<Compiled, CompileError> {
    let compiled = match ctx.compile(&**isa, &mut ControlPlane::default()) {
        Ok(c) => c,
        Err(err) => {
            tracing::warn!("JIT compile of block {pc:#x} failed: {:?}", err.inner);
            return Err(CompileError::Failed);
        }
    };
    if !compiled.buffer.relocs().is_empty() {
        // We call everything through absolute addresses; a relocation is a bug.
        tracing::warn!("JIT block {pc:#x} needs relocations");
        return Err(CompileError::Failed);
    }
    let traps = compiled.buffer.traps().iter().map(|t| (t.offset, t.code));
    let Some(sites) = collect_sites(traps, restarts) else {
        tracing::warn!("JIT block {pc:#x}: a host-faulting access without a restart point");
        return Err(CompileError::Failed);
    };
    Ok(Compiled {
        code: compiled.code_buffer().to_vec(),
        sites,
    })
}

/// This thread's CPU time so far.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes only `ts`.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Blocks every signal on this thread until dropped (then restores the mask).
struct BlockAllSignals {
    old: libc::sigset_t,
}

impl BlockAllSignals {
    fn new() -> BlockAllSignals {
        // SAFETY: sigset_t is plain data; sigfillset and pthread_sigmask only write the
        // sets passed to them.
        unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
            BlockAllSignals { old }
        }
    }
}

impl Drop for BlockAllSignals {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved by `new` on this same thread.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut()) };
    }
}
