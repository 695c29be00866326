//! Background compilation: a worker thread that runs Cranelift's `Context::compile` (IR
//! to machine code; ~80% of a block's compile time, mostly register allocation) while
//! the vCPU thread keeps interpreting the block.
//!
//! The split keeps every piece of shared state on the vCPU thread: it builds the IR
//! (which reads guest code and allocates chaining cells) and installs the returned bytes
//! into the code cache; the worker only ever sees a self-contained `Function` (every
//! address it calls or reads is an `iconst`, so it needs no relocations) and hands back a
//! `Vec<u8>`. A result is tagged with the Jit epoch its IR was built in (the addresses it
//! embeds are only valid then) and with the block it belongs to; the runtime drops
//! results whose epoch or block is gone.
//!
//! One worker per `Jit`, started on first use. Dropping the `Worker` tells the thread to
//! skip whatever is still queued and waits for it to finish the job in hand (at most one
//! compile, a fraction of a millisecond).

use super::CompileError;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::Context;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
    func: Function,
}

/// What the worker sends back for one job.
pub struct Done {
    pub tag: JobTag,
    pub epoch: u64,
    /// The machine code, or why there is none. `None`: skipped because its epoch had
    /// already passed when the worker got to it.
    pub code: Option<Result<Vec<u8>, CompileError>>,
    /// Time the worker spent compiling it.
    pub time: Duration,
}

/// Handle of one worker thread, owned by the vCPU thread.
pub struct Worker {
    jobs: Option<Sender<Job>>,
    done: Receiver<Done>,
    /// Results sent so far (bumped after each send), so that polling an idle worker
    /// is one load rather than a channel probe.
    finished: Arc<AtomicU64>,
    /// Results received so far.
    collected: u64,
    /// Jobs sent and not yet received back.
    in_flight: usize,
    /// The Jit's current epoch, for the worker to skip jobs that became stale while
    /// queued; `u64::MAX` tells it to skip everything (shutting down).
    epoch: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread; `Err` if the host cannot create one (the caller then compiles
    /// synchronously).
    pub fn start(isa: OwnedTargetIsa, epoch: u64) -> std::io::Result<Worker> {
        let (job_tx, job_rx) = channel::<Job>();
        let (done_tx, done_rx) = channel::<Done>();
        let finished = Arc::new(AtomicU64::new(0));
        let shared_epoch = Arc::new(AtomicU64::new(epoch));
        let (fin, ep) = (finished.clone(), shared_epoch.clone());
        let thread = std::thread::Builder::new()
            .name("emu-jit".into())
            .spawn(move || {
                let mut ctx = Context::new();
                while let Ok(job) = job_rx.recv() {
                    let t = Instant::now();
                    let code = (job.epoch == ep.load(Ordering::Relaxed))
                        .then(|| compile(&mut ctx, &isa, job.func, job.tag.pc));
                    let done = Done {
                        tag: job.tag,
                        epoch: job.epoch,
                        code,
                        time: t.elapsed(),
                    };
                    if done_tx.send(done).is_err() {
                        return;
                    }
                    // After the send, so a reader that sees the count finds the result.
                    fin.fetch_add(1, Ordering::Release);
                }
            })?;
        Ok(Worker {
            jobs: Some(job_tx),
            done: done_rx,
            finished,
            collected: 0,
            in_flight: 0,
            epoch: shared_epoch,
            thread: Some(thread),
        })
    }

    /// Queues `func`; `false` if the worker is gone (it panicked).
    pub fn send(&mut self, tag: JobTag, epoch: u64, func: Function) -> bool {
        let Some(tx) = &self.jobs else { return false };
        if tx.send(Job { tag, epoch, func }).is_err() {
            return false;
        }
        self.in_flight += 1;
        true
    }

    /// Jobs sent and not yet collected.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Whether [`Worker::poll`] has something: one atomic load.
    #[inline]
    pub fn has_results(&self) -> bool {
        self.finished.load(Ordering::Acquire) != self.collected
    }

    /// A finished job, if any (never blocks).
    pub fn poll(&mut self) -> Option<Done> {
        let d = self.done.try_recv().ok()?;
        self.collected += 1;
        self.in_flight = self.in_flight.saturating_sub(1);
        Some(d)
    }

    /// The Jit moved to a new epoch: queued jobs of older ones need not be compiled.
    pub fn set_epoch(&self, epoch: u64) {
        self.epoch.store(epoch, Ordering::Relaxed);
    }

    /// In the child of a fork: the thread does not exist there, and the channels may
    /// have been mid-operation in it, so leave them untouched (leaked) and forget it.
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.epoch.store(u64::MAX, Ordering::Relaxed);
        // Closing the job channel ends the worker's loop once it has drained it.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            // A panic in the worker was already reported by the panic hook.
            let _ = t.join();
        }
    }
}

/// Compiles one block function to position-independent machine code.
pub fn compile(
    ctx: &mut Context,
    isa: &OwnedTargetIsa,
    func: Function,
    pc: u64,
) -> Result<Vec<u8>, CompileError> {
    ctx.clear();
    ctx.func = func;
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
    Ok(compiled.code_buffer().to_vec())
}
