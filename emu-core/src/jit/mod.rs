//! The hot tier: compiles a block's semantics with Cranelift into our own code cache.
//!
//! - `emitter/`: [`JitEmitter`], the [`crate::emit::Emitter`] that builds Cranelift IR;
//! - `codecache.rs`: the executable region (bump allocated, reset when full) and the
//!   chaining cells.
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
//! fills ([`Jit::remember_indirect_target`]). Cells and code are only ever dropped all
//! together ([`Jit::flush`], or a full cache), which bumps [`Jit::epoch`] so stale link
//! requests are ignored. Every block checks the interrupt flag and the code generation
//! on entry, so chained code stops when asked.

pub mod codecache;
pub mod emitter;

pub use emitter::JitEmitter;

use crate::emit::{Emitter, Exit};
use crate::guest::Guest;
use crate::mem::MemView;
use codecache::{ChainCells, CodeCache};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{AbiParam, Function, InstBuilder, Signature, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use emitter::EmitEnv;
use std::sync::atomic::{AtomicU64, Ordering};

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
}

impl Default for JitSettings {
    fn default() -> Self {
        JitSettings {
            optimize: false,
            backtracking: true,
            code_cache_bytes: 64 << 20,
            verifier: cfg!(debug_assertions),
        }
    }
}

/// One chaining cell per this many bytes of code cache (blocks average ~1 KiB of code
/// and have at most two direct exits).
const CODE_BYTES_PER_CELL: usize = 256;

/// Entries of the indirect-branch target cache (a power of two).
const IBTC_ENTRIES: usize = 4096;

pub struct Jit {
    mem: MemView,
    isa: OwnedTargetIsa,
    ctx: Context,
    fb_ctx: FunctionBuilderContext,
    cache: CodeCache,
    /// Holds the trampoline and the return stub, so resetting `cache` never touches them.
    stub_cache: CodeCache,
    trampoline: *const u8,
    return_stub: *const u8,
    /// Indirect-branch target cache read inline by `goto_dyn`: pairs (guest pc, entry),
    /// direct-mapped by pc.
    ibtc: Box<[AtomicU64]>,
    cells: ChainCells,
    /// Written by compiled code: `cell index + 1` of the last unlinked exit taken.
    link_request: Box<AtomicU64>,
    epoch: u64,
    /// Address and current value of the process-wide code generation counter.
    generation_addr: u64,
    generation: u64,
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
    pub fn new(mem: MemView) -> Result<Jit, String> {
        Self::with_settings(mem, JitSettings::default())
    }

    pub fn with_settings(mem: MemView, s: JitSettings) -> Result<Jit, String> {
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
        let isa = cranelift_native::builder()
            .map_err(|e| format!("host ISA: {e}"))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| format!("host ISA: {e}"))?;
        let cache = CodeCache::new(s.code_cache_bytes).map_err(|e| format!("code cache: {e}"))?;
        let stub_cache = CodeCache::new(4096).map_err(|e| format!("code cache: {e}"))?;
        let cells = ChainCells::new(cache.size() / CODE_BYTES_PER_CELL);
        let mut jit = Jit {
            mem,
            isa,
            ctx: Context::new(),
            fb_ctx: FunctionBuilderContext::new(),
            cache,
            stub_cache,
            trampoline: std::ptr::null(),
            return_stub: std::ptr::null(),
            ibtc: (0..2 * IBTC_ENTRIES).map(|_| AtomicU64::new(0)).collect(),
            cells,
            link_request: Box::new(AtomicU64::new(0)),
            epoch: 0,
            generation_addr: 0,
            generation: 0,
        };
        jit.trampoline = jit.build_trampoline()?;
        jit.return_stub = jit.build_return_stub()?;
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

    /// Compiles a small fixed function into `stub_cache` (which is never reset).
    fn build_stub(
        &mut self,
        sig: Signature,
        body: impl FnOnce(&mut FunctionBuilder, &[cranelift_codegen::ir::Value]),
    ) -> Result<*const u8, String> {
        self.ctx.clear();
        self.ctx.func = Function::with_name_signature(UserFuncName::default(), sig);
        {
            let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fb_ctx);
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

    /// Records that guest `pc` starts compiled block `code`, for indirect branches.
    pub fn remember_indirect_target(&mut self, pc: u64, code: JitFn) {
        let i = 2 * ((pc >> 2) as usize & (IBTC_ENTRIES - 1));
        if let (Some(tag), Some(entry)) = (self.ibtc.get(i), self.ibtc.get(i + 1)) {
            tag.store(pc, Ordering::Relaxed);
            entry.store(code.entry as u64, Ordering::Relaxed);
        }
    }

    fn clear_ibtc(&mut self) {
        for pair in self.ibtc.chunks_exact(2) {
            // No block starts at an odd address, so tag 1 never matches a real target;
            // a guest that jumps to 1 reaches the stub, which returns to the run loop.
            pair[0].store(1, Ordering::Relaxed);
            pair[1].store(self.return_stub as u64, Ordering::Relaxed);
        }
    }

    /// Tells the compiler where the process-wide code generation counter lives and its
    /// current value: compiled code stops chaining when the counter moves on.
    pub fn set_generation(&mut self, counter: &'static AtomicU64, value: u64) {
        self.generation_addr = counter as *const AtomicU64 as u64;
        self.generation = value;
    }

    /// Compiles one block: `insns` start at guest `pc`.
    pub fn compile_block<G: Guest>(
        &mut self,
        pc: u64,
        insns: &[G::Insn],
    ) -> Result<JitFn, CompileError> {
        let cell_mark = self.cells.mark();
        self.ctx.clear();
        self.ctx.func = Function::with_name_signature(UserFuncName::default(), block_signature());
        let generation_addr = if self.generation_addr == 0 {
            // No counter registered: point at a word that never changes.
            &UNCHANGING_GENERATION as *const AtomicU64 as u64
        } else {
            self.generation_addr
        };
        {
            let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fb_ctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            b.seal_block(entry);
            let state = b.block_params(entry)[0];
            let env = EmitEnv {
                mem: self.mem,
                host_call_conv: self.isa.default_call_conv(),
                frontend: self.isa.frontend_config(),
                cells: &mut self.cells,
                unlinked_entry: self.return_stub as u64,
                link_request_addr: self.link_request.as_ptr() as u64,
                ibtc_addr: self.ibtc.as_ptr() as u64,
                ibtc_mask: (IBTC_ENTRIES - 1) as u64,
                generation_addr,
                generation: if self.generation_addr == 0 {
                    0
                } else {
                    self.generation
                },
            };
            let mut e = JitEmitter::new(b, state, env);
            let mut ipc = pc;
            for insn in insns {
                e.begin_insn(ipc);
                if let Err(reason) = G::exec(&mut e, insn, ipc) {
                    // Our emitter never fails; this came from the semantics themselves.
                    e.exit_here(reason);
                    break;
                }
                if e.end_insn() {
                    break;
                }
                ipc = ipc.wrapping_add(4);
            }
            if !e.ended {
                // The block was cut (length cap, page end): continue after it.
                e.end_block_at(ipc);
            }
            e.finish();
        }
        if tracing::enabled!(target: "out_clif", tracing::Level::TRACE) {
            tracing::trace!(target: "out_clif", "block {pc:#x}:\n{}", self.ctx.func.display());
        }
        if std::env::var_os("EMU_DUMP_CLIF").is_some() {
            eprintln!("block {pc:#x}:\n{}", self.ctx.func.display());
        }
        let compiled = match self.ctx.compile(&*self.isa, &mut ControlPlane::default()) {
            Ok(c) => c,
            Err(err) => {
                tracing::warn!("JIT compile of block {pc:#x} failed: {:?}", err.inner);
                self.cells.truncate(cell_mark);
                return Err(CompileError::Failed);
            }
        };
        if !compiled.buffer.relocs().is_empty() {
            // We call everything through absolute addresses; a relocation is a bug.
            tracing::warn!("JIT block {pc:#x} needs relocations");
            self.cells.truncate(cell_mark);
            return Err(CompileError::Failed);
        }
        match self.cache.install(compiled.code_buffer()) {
            Some(entry) => Ok(JitFn { entry }),
            None => {
                self.cells.truncate(cell_mark);
                Err(CompileError::CacheFull)
            }
        }
    }

    /// Runs compiled code (and whatever it chains to) until it exits.
    ///
    /// # Safety
    /// `code` must come from this Jit since its last flush; `state` must point to the
    /// guest state struct the code was compiled for.
    pub unsafe fn run(&self, code: JitFn, state: *mut u8) -> Exit {
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
        req.epoch == self.epoch && self.cells.link(req.cell, target.entry as u64)
    }

    /// Drops all compiled code and chaining cells. Every [`JitFn`] handed out is invalid.
    pub fn flush(&mut self) {
        self.cache.reset();
        self.cells.reset();
        self.link_request.store(0, Ordering::Relaxed);
        self.clear_ibtc();
        self.epoch += 1;
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
