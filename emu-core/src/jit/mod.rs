//! The hot tier: compiles a block's semantics with Cranelift into our own code cache.
//!
//! - `emitter/`: [`JitEmitter`], the [`crate::emit::Emitter`] that builds Cranelift IR;
//! - `codecache.rs`: the executable region (bump allocated, reset when full) and the
//!   chaining cells;
//! - `worker.rs`: the background compiler thread;
//! - `hostfault.rs`: user mode's guest faults caught as host signals (compiled loads and
//!   stores rely on host page protection; a fault resumes in the interpreter).
//!
//! Two ways to compile: [`Jit::compile_block`] does everything on the calling thread;
//! [`Jit::queue_block`] leaves `Context::compile` (most of the cost) and, in system mode,
//! building the IR (`build.rs`) to the worker, whose results [`Jit::poll_compiled`] hands
//! back for [`Jit::install`]. Only the vCPU thread touches the code cache and links
//! cells; both threads allocate cells.
//!
//! Compiled blocks are `CallConv::Tail` functions `fn(state) -> exit code`, so a block can
//! tail-call its compiled successor (chaining) without growing the host stack. The run
//! loop enters them through a small SystemV trampoline ([`Jit::run`]).
//!
//! Chaining protocol: every direct-branch exit owns a cell holding the entry it
//! tail-calls, at first a stub that returns [`Exit::JUMP`]. The exit also leaves its cell
//! number in the link-request word (other `JUMP` exits clear it), so after a `JUMP`
//! return the run loop collects it with [`Jit::take_link_request`] and, once the block
//! at the new pc is compiled, points the cell at it with [`Jit::link`]. Indirect
//! branches look their target up inline in a small pc → entry cache that the run loop
//! fills ([`Jit::remember_indirect_target`]). In system mode a VA names different code
//! in different address spaces and at different ELs, so there an entry also records the
//! host address the VA was fetched from, and the inline lookup only takes it if the
//! current EL's TLB translates the VA for execution to that same address (QEMU's
//! `lookup_and_goto_ptr`); system-mode direct branches that leave their page go the
//! same way (see `emitter/control.rs`). Cells and code are only ever dropped all
//! together ([`Jit::flush`], or a full cache), which bumps [`Jit::epoch`] so stale link
//! requests are ignored; when one block's code is abandoned (its instructions were
//! overwritten), the cells linked to it are pointed back at the stub
//! ([`Jit::unlink_into`]). Every block checks the interrupt flag and the code generation
//! on entry, so chained code stops when asked.
//!
//! Debugging: `EMU_DUMP_CLIF=1` prints each block's IR; `EMU_DUMP_CODE=DIR` writes each
//! block's machine code to `DIR/<guest pc>.bin`; `EMU_PERF_MAP=1` writes
//! `/tmp/perf-PID.map` so `perf report` names compiled code `guest_<pc>`; the tracing
//! target `out_clif` (TRACE) logs the IR too.

pub mod build;
pub mod codecache;
pub mod emitter;
pub mod hostfault;
pub mod worker;

pub use emitter::JitEmitter;
pub use worker::{Built, Compiled, Done, JobTag, Work};

use build::{BuildEnv, BuildJob, BuildScratch};

use crate::emit::Exit;
use crate::guest::Guest;
use crate::memmodel::MemModel;
use codecache::{ChainCells, CodeCache};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    AbiParam, Function, InstBuilder, MemFlagsData, Signature, UserFuncName,
};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use worker::Worker;

/// Entry point of one compiled block (a `CallConv::Tail` function; run it with
/// [`Jit::run`]). Valid until the next [`Jit::flush`] or cache reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitFn {
    entry: *const u8,
}

/// Why a block was not compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The code cache (or the chaining cells) is full: drop all code, [`Jit::flush`],
    /// and try again.
    CacheFull,
    /// Cranelift refused the function (a bug; the block stays interpreted).
    Failed,
}

/// Cranelift settings that trade compile time against code quality.
#[derive(Clone, Copy, Debug)]
pub struct JitSettings {
    /// `opt_level=speed` instead of `none`.
    pub optimize: bool,
    /// `regalloc_algorithm=backtracking` instead of `single_pass`.
    pub backtracking: bool,
    /// Bytes of executable memory.
    pub code_cache_bytes: usize,
    /// Run Cranelift's IR verifier on every function (roughly doubles compile time).
    pub verifier: bool,
    /// When a block ends with a direct jump (B, BL), compile the code at the target into
    /// the same function, so straight-line paths through jumps and calls run without
    /// block transitions.
    pub follow_jumps: bool,
    /// Count guest instructions in `CoreState::icount` and stop at `icount_limit` (see
    /// `TierConfig::count_insns`, which sets this).
    pub count_insns: bool,
    /// User mode: plain guest loads and stores rely on host protection and fault in the
    /// host (see [`hostfault`]). Only for a [`crate::mem::GuestSpace`] (whose protection
    /// mirrors the guest's) in a process whose SIGSEGV handler calls
    /// [`hostfault::handle_host_fault`]. Ignored in system mode and where unsupported.
    /// With `count_insns`, the instructions re-run from a restart point after such a
    /// fault are counted again (user mode counts only for `--stats` and the debugger).
    pub host_faults: bool,
}

impl Default for JitSettings {
    fn default() -> Self {
        JitSettings {
            optimize: false,
            backtracking: true,
            code_cache_bytes: 64 << 20,
            verifier: cfg!(debug_assertions),
            follow_jumps: true,
            count_insns: false,
            host_faults: false,
        }
    }
}

/// One chaining cell per this many bytes of code cache (blocks average ~1 KiB of code
/// and have at most two direct exits).
const CODE_BYTES_PER_CELL: usize = 256;

/// Most guest instructions in one compiled function when following direct jumps (the
/// first block alone may be longer).
const MAX_FOLLOWED_INSNS: usize = 96;

/// Entries of the indirect-branch target cache (a power of two), user mode.
const IBTC_ENTRIES: usize = 4096;

/// Entries of the system-mode indirect-branch target cache, which also serves every
/// branch that leaves its page (a Debian kernel boot runs ~4k distinct hot blocks, plus
/// user space after it): 32 bytes each, 256 KiB.
const IBTC_ENTRIES_SYSTEM: usize = 8192;

/// Words per cache entry. User mode: (guest pc, entry). System mode: (guest pc, host
/// address of the instruction at pc when it was translated, entry, unused), so that an
/// entry is a power-of-two size.
const IBTC_WORDS: usize = 2;
const IBTC_WORDS_SYSTEM: usize = 4;

/// Most background compiles queued at once. Past it, hot blocks keep running in the
/// interpreter and ask again on their next run, so a burst of newly hot code cannot
/// build a backlog whose results arrive long after they were useful. Urgent jobs (a block
/// that kept running while it waited, see `queue_block`) go in anyway, at the front:
/// at most one per block.
const MAX_IN_FLIGHT: usize = 64;

pub struct Jit {
    mem: MemModel,
    isa: OwnedTargetIsa,
    /// The same ISA with `opt_level=speed`, for functions compiled as loops.
    loop_isa: OwnedTargetIsa,
    /// Compile every function with `loop_isa` (user mode).
    optimize_all: bool,
    ctx: Context,
    /// This thread's allocations for building IR.
    scratch: BuildScratch,
    /// The chaining cells linked to each compiled function (by entry address), so
    /// they can be unlinked when its block goes and the code jumping to it stays.
    links_into: std::collections::HashMap<u64, Vec<u32>>,
    cache: CodeCache,
    /// Holds the trampoline and the return stub, so resetting `cache` never touches them.
    stub_cache: CodeCache,
    trampoline: *const u8,
    return_stub: *const u8,
    /// `preserve_all` entry of the memory slow path (see `build_slow_check_stub`).
    slow_check_stub: *const u8,
    /// Where the slow path leaves (fault address, fault?) for the compiled code.
    slow_check_out: Box<[AtomicU64; 2]>,
    /// Indirect-branch target cache read inline by `goto_dyn`: entries of `ibtc_words`
    /// words (see [`IBTC_WORDS`]), direct-mapped by pc.
    ibtc: Box<[AtomicU64]>,
    ibtc_words: usize,
    cells: Arc<ChainCells>,
    /// Written by compiled code: `cell index + 1` of the last direct exit taken, or 0
    /// after any other exit that returns [`Exit::JUMP`].
    link_request: Box<AtomicU64>,
    epoch: u64,
    /// Address and current value of the process-wide code generation counter.
    generation_addr: u64,
    generation: u64,
    /// `/tmp/perf-PID.map`, when `EMU_PERF_MAP` is set: names compiled blocks by guest
    /// pc for `perf report`.
    perf_map: Option<std::fs::File>,
    /// `EMU_DUMP_CLIF` is set: print every block's Cranelift IR on stderr.
    dump_clif: bool,
    /// `EMU_DUMP_CODE=DIR`: write every block's machine code to `DIR/<guest pc>.bin`.
    dump_code_dir: Option<String>,
    /// Compile through direct jumps into their targets (see `JitSettings`).
    follow_jumps: bool,
    count_insns: bool,
    /// The background compiler ([`Jit::queue_block`]), started on first use.
    worker: Option<Worker>,
    /// The worker could not be started or died: compile on this thread.
    worker_failed: bool,
    /// See [`JitSettings::host_faults`].
    host_faults: bool,
    /// The fault sites of the code in `cache` (with host faults).
    sites: hostfault::SiteTable,
    run_ctx: hostfault::RunContext,
}

// SAFETY: the raw pointers point into mappings the Jit owns.
unsafe impl Send for Jit {}

fn block_signature() -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::new(I64));
    sig.returns.push(AbiParam::new(I64));
    sig
}

impl Jit {
    pub fn new(mem: impl Into<MemModel>) -> Result<Jit, String> {
        Self::with_settings(mem, JitSettings::default())
    }

    pub fn with_settings(mem: impl Into<MemModel>, s: JitSettings) -> Result<Jit, String> {
        let mem = mem.into();
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v)
                .map_err(|e| format!("cranelift setting {k}={v}: {e}"))
        };
        set(
            &mut flags,
            "opt_level",
            if s.optimize { "speed" } else { "none" },
        )?;
        set(
            &mut flags,
            "regalloc_algorithm",
            if s.backtracking {
                "backtracking"
            } else {
                "single_pass"
            },
        )?;
        // Cranelift's x86-64 tail calls (our chaining) rely on frame pointers.
        set(&mut flags, "preserve_frame_pointers", "true")?;
        set(
            &mut flags,
            "enable_verifier",
            if s.verifier { "true" } else { "false" },
        )?;
        let isa_with = |flags: settings::Builder| {
            cranelift_native::builder()
                .map_err(|e| format!("host ISA: {e}"))?
                .finish(settings::Flags::new(flags))
                .map_err(|e| format!("host ISA: {e}"))
        };
        // Loops are where the time goes, and their code runs many times per compile:
        // they get Cranelift's optimizer (constant folding of guest address arithmetic,
        // GVN, loop-invariant code motion of the memory check's constants) for about a
        // third more compile time. So does all of user mode, whose workloads spend 93-99%
        // of their time in compiled code (xz -9: -9% user time, sha256sum -30%, int_hash
        // -7%; python, which compiles 2000 blocks in 2 s, +6%); a kernel boot compiles
        // many blocks that run only a few times, so system mode's straight-line blocks
        // keep the fast compile.
        let mut loop_flags = flags.clone();
        set(&mut loop_flags, "opt_level", "speed")?;
        let isa = isa_with(flags)?;
        let loop_isa = isa_with(loop_flags)?;
        let cache = CodeCache::new(s.code_cache_bytes).map_err(|e| format!("code cache: {e}"))?;
        let stub_cache = CodeCache::new(4096).map_err(|e| format!("code cache: {e}"))?;
        let cells = ChainCells::new(cache.size() / CODE_BYTES_PER_CELL);
        let (ibtc_words, ibtc_entries) = if mem.is_system() {
            (IBTC_WORDS_SYSTEM, IBTC_ENTRIES_SYSTEM)
        } else {
            (IBTC_WORDS, IBTC_ENTRIES)
        };
        let mut jit = Jit {
            mem,
            isa,
            loop_isa,
            optimize_all: !mem.is_system(),
            ctx: Context::new(),
            scratch: BuildScratch::default(),
            links_into: Default::default(),
            cache,
            stub_cache,
            trampoline: std::ptr::null(),
            return_stub: std::ptr::null(),
            slow_check_stub: std::ptr::null(),
            slow_check_out: Box::new([AtomicU64::new(0), AtomicU64::new(0)]),
            ibtc: (0..ibtc_words * ibtc_entries)
                .map(|_| AtomicU64::new(0))
                .collect(),
            ibtc_words,
            cells: Arc::new(cells),
            link_request: Box::new(AtomicU64::new(0)),
            epoch: 0,
            generation_addr: 0,
            generation: 0,
            perf_map: std::env::var_os("EMU_PERF_MAP").and_then(|_| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(format!("/tmp/perf-{}.map", std::process::id()))
                    .ok()
            }),
            dump_clif: std::env::var_os("EMU_DUMP_CLIF").is_some(),
            dump_code_dir: std::env::var("EMU_DUMP_CODE").ok(),
            // Following jumps reads code through user mode's flat view; in system mode a
            // jump target may live in another page with another translation.
            follow_jumps: s.follow_jumps && !mem.is_system(),
            count_insns: s.count_insns,
            worker: None,
            worker_failed: false,
            host_faults: s.host_faults && hostfault::SUPPORTED && !mem.is_system(),
            sites: hostfault::SiteTable::default(),
            run_ctx: hostfault::RunContext::new(match mem {
                MemModel::User(v) => v.host_range(),
                MemModel::System(_) => 0..0,
            }),
        };
        jit.trampoline = jit.build_trampoline()?;
        jit.return_stub = jit.build_return_stub()?;
        jit.slow_check_stub = jit.build_slow_check_stub()?;
        jit.clear_ibtc();
        Ok(jit)
    }

    /// The host-convention entry `fn(state, entry) -> exit` that calls a Tail-convention
    /// block (Rust cannot call `CallConv::Tail` functions directly).
    fn build_trampoline(&mut self) -> Result<*const u8, String> {
        let conv = self.isa.default_call_conv();
        let mut sig = Signature::new(conv);
        sig.params.push(AbiParam::new(I64));
        sig.params.push(AbiParam::new(I64));
        sig.returns.push(AbiParam::new(I64));
        self.build_stub(sig, |b, params| {
            let block_sig = b.import_signature(block_signature());
            let call = b.ins().call_indirect(block_sig, params[1], &[params[0]]);
            let r = b.inst_results(call)[0];
            b.ins().return_(&[r]);
        })
    }

    /// A block-convention function that just returns [`Exit::JUMP`]: what empty
    /// indirect-branch cache entries point at, so a stray tag match is harmless.
    fn build_return_stub(&mut self) -> Result<*const u8, String> {
        self.build_stub(block_signature(), |b, _| {
            let zero = b.ins().iconst(I64, Exit::JUMP.0 as i64);
            b.ins().return_(&[zero]);
        })
    }

    /// The memory slow path as compiled code calls it: `fn(state, addr, size | need << 8,
    /// perms, limit, out)` with the `preserve_all` convention, wrapping
    /// [`emitter::slow_access_check`]: `out[0]` receives the fault address, `out[1]` 1 on
    /// a fault, else 0. Because the call clobbers no register, blocks need no
    /// callee-saved registers just for this cold path; `state` (unused) is passed first
    /// so it can stay in the register it arrives in. (`preserve_all` functions cannot
    /// return values, hence `out`.)
    fn build_slow_check_stub(&mut self) -> Result<*const u8, String> {
        let mut sig = Signature::new(CallConv::PreserveAll);
        sig.params.extend((0..6).map(|_| AbiParam::new(I64)));
        let host_conv = self.isa.default_call_conv();
        self.build_stub(sig, |b, p| {
            let mut helper_sig = Signature::new(host_conv);
            helper_sig.params.extend((0..6).map(|_| AbiParam::new(I64)));
            helper_sig.returns.push(AbiParam::new(I64));
            let helper_sig = b.import_signature(helper_sig);
            let f = b
                .ins()
                .iconst(I64, emitter::slow_access_check as *const () as usize as i64);
            let size = b.ins().band_imm_s(p[2], 0xff);
            let need = b.ins().ushr_imm_s(p[2], 8);
            let call = b
                .ins()
                .call_indirect(helper_sig, f, &[p[1], size, need, p[3], p[4], p[5]]);
            let fault = b.inst_results(call)[0];
            b.ins().store(MemFlagsData::trusted(), fault, p[5], 8);
            b.ins().return_(&[]);
        })
    }

    /// Compiles a small fixed function into `stub_cache` (which is never reset).
    fn build_stub(
        &mut self,
        sig: Signature,
        body: impl FnOnce(&mut FunctionBuilder, &[cranelift_codegen::ir::Value]),
    ) -> Result<*const u8, String> {
        self.ctx.clear();
        self.ctx.func = Function::with_name_signature(UserFuncName::default(), sig);
        {
            // Stubs are built once, at startup: a context of their own is fine.
            let mut fb_ctx = FunctionBuilderContext::new();
            let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut fb_ctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            b.seal_block(entry);
            let params = b.block_params(entry).to_vec();
            body(&mut b, &params);
            b.finalize(self.isa.frontend_config());
        }
        let code = self
            .ctx
            .compile(&*self.isa, &mut ControlPlane::default())
            .map_err(|e| format!("JIT stub: {:?}", e.inner))?;
        if !code.buffer.relocs().is_empty() {
            return Err("JIT stub needs relocations".into());
        }
        let bytes = code.code_buffer().to_vec();
        self.stub_cache
            .install(&bytes)
            .ok_or_else(|| "JIT stub does not fit".to_string())
    }

    /// Records that guest `pc` starts compiled block `code`, for indirect branches (and,
    /// in system mode, for branches that leave their page). System mode: `host` is the
    /// host address of the instruction at `pc` under the translation the block was
    /// looked up with (user mode ignores it); the entry is only used while `pc` still
    /// translates there (see `emitter/control.rs`).
    pub fn remember_indirect_target(&mut self, pc: u64, host: usize, code: JitFn) {
        let w = self.ibtc_words;
        let i = self.ibtc_index(pc);
        let Some(e) = self.ibtc.get(i..i + w) else {
            return;
        };
        e[0].store(pc, Ordering::Relaxed);
        if w == IBTC_WORDS_SYSTEM {
            e[1].store(host as u64, Ordering::Relaxed);
        }
        e[w / 2].store(code.entry as u64, Ordering::Relaxed);
    }

    /// Word index of the (direct-mapped) cache entry for `pc`: tag at +0, compiled
    /// entry at +`ibtc_words / 2` (system mode: the host address at +1).
    fn ibtc_index(&self, pc: u64) -> usize {
        let w = self.ibtc_words;
        w * ((pc >> 2) as usize & (self.ibtc.len() / w - 1))
    }

    /// Drops the cache entry for `pc` if it leads to `code` (whose block is being
    /// dropped: its page was written).
    pub fn forget_indirect_target(&mut self, pc: u64, code: JitFn) {
        let w = self.ibtc_words;
        let i = self.ibtc_index(pc);
        let Some(e) = self.ibtc.get(i..i + w) else {
            return;
        };
        if e[0].load(Ordering::Relaxed) == pc
            && e[w / 2].load(Ordering::Relaxed) == code.entry as u64
        {
            self.clear_ibtc_entry(i);
        }
    }

    /// Empties the entry at word `i`.
    fn clear_ibtc_entry(&self, i: usize) {
        let w = self.ibtc_words;
        let Some(e) = self.ibtc.get(i..i + w) else {
            return;
        };
        // No block starts at an odd address, so tag 1 never matches a real target; a
        // guest that jumps to 1 reaches the stub, which returns to the run loop. (System
        // mode: host address 0 is never RAM either.)
        e[0].store(1, Ordering::Relaxed);
        for word in &e[1..] {
            word.store(0, Ordering::Relaxed);
        }
        e[w / 2].store(self.return_stub as u64, Ordering::Relaxed);
    }

    fn clear_ibtc(&mut self) {
        for i in (0..self.ibtc.len()).step_by(self.ibtc_words) {
            self.clear_ibtc_entry(i);
        }
    }

    /// Tells the compiler where the process-wide code generation counter lives and its
    /// current value: compiled code stops chaining when the counter moves on.
    pub fn set_generation(&mut self, counter: &'static AtomicU64, value: u64) {
        self.generation_addr = counter as *const AtomicU64 as u64;
        self.generation = value;
    }

    /// Turns jump following on or off for blocks compiled from now on (the runtime turns
    /// it off while a debugger has breakpoints set: a followed path would run past them).
    pub fn set_follow_jumps(&mut self, on: bool) {
        self.follow_jumps = on && !self.mem.is_system();
    }

    /// Compiles one block: `insns` start at guest `pc`, on this thread.
    pub fn compile_block<G: Guest>(
        &mut self,
        pc: u64,
        insns: &[G::Insn],
    ) -> Result<JitFn, CompileError> {
        let env = self.build_env();
        let built = build::build_function::<G>(&env, &mut self.scratch, pc, insns);
        self.compile_built(built, pc)
    }

    /// Compiles and installs a built function on this thread. (Its cells stay
    /// allocated if that fails.)
    fn compile_built(&mut self, built: Built, pc: u64) -> Result<JitFn, CompileError> {
        let isa = if built.optimize {
            &self.loop_isa
        } else {
            &self.isa
        };
        let (result, spare) = worker::compile(&mut self.ctx, isa, built, pc);
        self.scratch.keep_spare(spare);
        result.and_then(|code| self.install(pc, &code))
    }

    /// The addresses and settings building a function needs, for any thread.
    fn build_env(&self) -> BuildEnv {
        BuildEnv {
            mem: self.mem,
            host_call_conv: self.isa.default_call_conv(),
            frontend: self.isa.frontend_config(),
            cells: self.cells.clone(),
            unlinked_entry: self.return_stub as u64,
            slow_check_entry: self.slow_check_stub as u64,
            slow_check_out: self.slow_check_out.as_ptr() as u64,
            link_request_addr: self.link_request.as_ptr() as u64,
            ibtc_addr: self.ibtc.as_ptr() as u64,
            ibtc_mask: (self.ibtc.len() / self.ibtc_words - 1) as u64,
            generation_addr: self.generation_addr,
            generation: self.generation,
            count_insns: self.count_insns,
            host_faults: self.host_faults,
            follow_jumps: self.follow_jumps,
            optimize_all: self.optimize_all,
            dump_clif: self.dump_clif,
        }
    }

    /// Queues the block's compilation on the worker thread (started on first use), to be
    /// collected with [`Jit::poll_compiled`]; in user mode its IR is built here first
    /// (see `build.rs`). `urgent`: ahead of the other jobs, even when the queue is full.
    /// `false`: not queued (the queue is full or no worker can run); nothing was
    /// allocated then.
    pub fn queue_block<G: Guest>(&mut self, tag: JobTag, insns: &[G::Insn], urgent: bool) -> bool {
        if self.worker_failed {
            return false;
        }
        if self.worker.is_none() {
            match Worker::start(self.isa.clone(), self.loop_isa.clone()) {
                Ok(w) => self.worker = Some(w),
                Err(e) => {
                    tracing::warn!("no JIT worker thread ({e}); compiling on the vCPU thread");
                    self.worker_failed = true;
                    return false;
                }
            }
        }
        if !urgent
            && self
                .worker
                .as_ref()
                .is_some_and(|w| w.in_flight() >= MAX_IN_FLIGHT)
        {
            return false;
        }
        // Cells allocated here stay allocated if the result is discarded: other
        // functions may have taken cells after them, so they cannot be truncated; they
        // are never linked (only running code files link requests) and go with the epoch.
        let env = self.build_env();
        let work = if self.mem.is_system() {
            let insns = insns.to_vec();
            let pc = tag.pc;
            let job: BuildJob = Box::new(move |scratch: &mut BuildScratch| {
                build::build_function::<G>(&env, scratch, pc, &insns)
            });
            Work::Build(job)
        } else {
            Work::Built(Box::new(build::build_function::<G>(
                &env,
                &mut self.scratch,
                tag.pc,
                insns,
            )))
        };
        let epoch = self.epoch;
        let sent = self
            .worker
            .as_mut()
            .is_some_and(|w| w.send(tag, epoch, work, urgent));
        if !sent {
            // The worker thread died (a Cranelift panic, already reported).
            self.worker_failed = true;
        }
        sent
    }

    /// Whether [`Jit::queue_block`] can work (false once a worker failed to start or
    /// died: the caller compiles with [`Jit::compile_block`] instead).
    pub fn can_queue(&self) -> bool {
        !self.worker_failed
    }

    /// Whether a background compile has finished: one atomic load, for the run loop.
    #[inline]
    pub fn has_compiled(&self) -> bool {
        self.worker.as_ref().is_some_and(|w| w.has_results())
    }

    /// Compiles queued and not yet collected.
    pub fn compiles_in_flight(&self) -> usize {
        self.worker.as_ref().map_or(0, |w| w.in_flight())
    }

    /// The next finished background compile, if any. `code` is `None` when the result
    /// belongs to an older epoch (the code it would call and the cells it uses are
    /// gone); otherwise install it with [`Jit::install`] if its block still wants it.
    pub fn poll_compiled(&mut self) -> Option<Done> {
        let mut d = self.worker.as_mut()?.poll()?;
        if let Some(spare) = d.spare.take() {
            self.scratch.keep_spare(spare);
        }
        if d.epoch != self.epoch {
            d.code = None;
        }
        Some(d)
    }

    /// Makes the queued job of block `tag` the worker's next; `false` if it is not
    /// waiting in the queue (the worker has started it, or it is not queued in this
    /// epoch).
    pub fn hurry(&mut self, tag: JobTag) -> bool {
        let epoch = self.epoch;
        self.worker.as_mut().is_some_and(|w| w.hurry(tag, epoch))
    }

    /// Compiles the queued job of block `tag` on this thread, if the worker has not
    /// started it (`None`: it has, or it is not queued in this epoch).
    pub fn compile_queued_now(&mut self, tag: JobTag) -> Option<Result<JitFn, CompileError>> {
        let built = match self.worker.as_mut()?.steal(tag, self.epoch)? {
            Work::Built(built) => *built,
            Work::Build(job) => job(&mut self.scratch),
        };
        Some(self.compile_built(built, tag.pc))
    }

    /// In the child of a fork: the worker thread did not survive; results of what was
    /// queued will never come (the caller un-marks those blocks).
    pub fn forget_worker(&mut self) {
        if let Some(w) = self.worker.take() {
            w.forget();
        }
    }

    /// Copies compiled code for the block at `pc` into the code cache.
    /// [`CompileError::CacheFull`]: drop all code ([`Jit::flush`]) and compile again.
    pub fn install(&mut self, pc: u64, compiled: &Compiled) -> Result<JitFn, CompileError> {
        let code = &compiled.code[..];
        if let Some(dir) = &self.dump_code_dir {
            // Debugging aid: `objdump -D -b binary -mi386:x86-64 DIR/<pc>.bin`.
            let _ = std::fs::write(format!("{dir}/{pc:x}.bin"), code);
        }
        let entry = self.cache.install(code).ok_or(CompileError::CacheFull)?;
        self.sites.add(entry as usize, code.len(), &compiled.sites);
        if let Some(map) = &mut self.perf_map {
            // perf's JIT symbol format: "START SIZE NAME" in hex.
            let _ = writeln!(map, "{:x} {:x} guest_{pc:x}", entry as usize, code.len());
        }
        Ok(JitFn { entry })
    }

    /// Runs compiled code (and whatever it chains to) until it exits.
    ///
    /// # Safety
    /// `code` must come from this Jit since its last flush; `state` must point to the
    /// guest state struct the code was compiled for.
    pub unsafe fn run(&self, code: JitFn, state: *mut u8) -> Exit {
        if self.host_faults {
            // SAFETY: caller's contract; the sites are those of this Jit's code.
            return Exit(unsafe {
                hostfault::enter(
                    &self.run_ctx,
                    &self.sites,
                    self.trampoline,
                    code.entry,
                    state,
                )
            });
        }
        // SAFETY: the trampoline was compiled with this exact host-convention signature.
        let tramp: unsafe extern "C" fn(*mut u8, *const u8) -> u64 =
            unsafe { std::mem::transmute(self.trampoline) };
        // SAFETY: caller's contract.
        Exit(unsafe { tramp(state, code.entry) })
    }

    /// After a run that returned [`Exit::JUMP`]: the chaining cell of the direct exit
    /// that led to the current pc, if any (to be linked to the block there). Call after
    /// every run (it also clears the word); ignore the result for other exits.
    pub fn take_link_request(&self) -> Option<LinkRequest> {
        match self.link_request.swap(0, Ordering::Relaxed) {
            0 => None,
            n => Some(LinkRequest {
                cell: (n - 1) as u32,
                epoch: self.epoch,
            }),
        }
    }

    /// Makes the exit that filed `req` jump straight to `target` from now on.
    pub fn link(&mut self, req: LinkRequest, target: JitFn) -> bool {
        let linked = req.epoch == self.epoch && self.cells.link(req.cell, target.entry as u64);
        if linked {
            self.links_into
                .entry(target.entry as u64)
                .or_default()
                .push(req.cell);
        }
        linked
    }

    /// Makes every exit linked to `code` return to the run loop again (its block is
    /// being dropped while the code that jumps to it stays).
    pub fn unlink_into(&mut self, code: JitFn) {
        let entry = code.entry as u64;
        for cell in self.links_into.remove(&entry).unwrap_or_default() {
            self.cells.unlink(cell, entry, self.return_stub as u64);
        }
    }

    /// Drops all compiled code and chaining cells. Every [`JitFn`] handed out is invalid.
    pub fn flush(&mut self) {
        self.cache.reset();
        self.sites.clear();
        self.cells.reset();
        self.links_into.clear();
        self.link_request.store(0, Ordering::Relaxed);
        self.clear_ibtc();
        self.epoch += 1;
        if let Some(w) = &mut self.worker {
            // Queued jobs refer to the code and cells just dropped.
            w.clear();
        }
    }

    /// Bumped by every flush.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Bytes of the code cache in use.
    pub fn code_bytes(&self) -> usize {
        self.cache.used()
    }
}

/// A pending request to link a chaining cell (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkRequest {
    cell: u32,
    epoch: u64,
}

static UNCHANGING_GENERATION: AtomicU64 = AtomicU64::new(0);
