//! Building a block function's Cranelift IR, on whichever thread compiles it.
//!
//! [`build_function`] needs only a [`BuildEnv`] (the Jit's addresses and settings, plain
//! values) and a thread's own [`BuildScratch`], so in system mode the vCPU thread queues
//! a [`BuildJob`] and the worker builds the IR as well as compiling it: building was
//! ~7% of the vCPU thread in a kernel boot. User mode builds on the vCPU thread, because
//! following direct jumps reads guest code, which another guest thread may unmap at any
//! moment (the vCPU thread's reads are covered by the guest-fault handling, a worker's
//! would not be).

use super::emitter::{EmitEnv, JitEmitter, LoopPlan};
use super::worker::Built;
use super::{block_signature, MAX_FOLLOWED_INSNS, UNCHANGING_GENERATION};
use crate::emit::{perm, Emitter};
use crate::guest::Guest;
use crate::jit::codecache::ChainCells;
use crate::mem::{MemView, PAGE_SIZE};
use crate::memmodel::MemModel;
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Emptied IR functions kept for reuse (each keeps the allocations of the biggest
/// function built in it).
const MAX_SPARE_FUNCTIONS: usize = 8;

/// A function to build on the worker ([`super::Jit::queue_block`]).
pub type BuildJob = Box<dyn FnOnce(&mut BuildScratch) -> Built + Send>;

/// What building a block function needs from its Jit: the addresses compiled code
/// embeds and the settings that shape it. Cheap to clone; a snapshot for one job.
#[derive(Clone)]
pub struct BuildEnv {
    pub mem: MemModel,
    /// Calling convention of helpers (the host's C convention).
    pub host_call_conv: CallConv,
    pub frontend: TargetFrontendConfig,
    pub cells: Arc<ChainCells>,
    /// Entry of the block-convention stub that returns [`crate::emit::Exit::JUMP`]: what
    /// unlinked chaining cells point at.
    pub unlinked_entry: u64,
    /// Entry of the `preserve_all` stub `fn(addr, size, need, perms, limit, out)` around
    /// the memory slow check, and the two words it writes: fault address, fault?.
    pub slow_check_entry: u64,
    pub slow_check_out: u64,
    /// Host address of the link-request word: every direct exit leaves `cell index + 1`
    /// there; every other exit that returns `JUMP` clears it.
    pub link_request_addr: u64,
    /// Host address of the indirect-branch target cache: `mask + 1` entries indexed by
    /// `(pc >> 2) & mask`; user mode: (guest pc, entry) pairs; system mode: (guest pc,
    /// host address of the code at pc, entry, unused).
    pub ibtc_addr: u64,
    pub ibtc_mask: u64,
    /// Address of the code generation counter (0: none registered) and its value.
    pub generation_addr: u64,
    pub generation: u64,
    /// Add the function's guest instruction count to `CoreState::icount` on entry and
    /// stop at `icount_limit`.
    pub count_insns: bool,
    /// User mode with host protection mirroring guest permissions and a fault handler
    /// installed: plain loads and stores skip the permission check and fault in the host
    /// (see `jit::hostfault`).
    pub host_faults: bool,
    pub follow_jumps: bool,
    pub optimize_all: bool,
    pub dump_clif: bool,
}

// SAFETY: the raw pointers inside `mem` (the guest space's base, the architecture's
// function pointers) are only embedded into the IR as constants; building reads guest
// memory through them only to follow jumps in user mode, which never builds off the
// vCPU thread (see the module documentation).
unsafe impl Send for BuildEnv {}

/// A thread's reusable allocations for building IR.
#[derive(Default)]
pub struct BuildScratch {
    fb_ctx: FunctionBuilderContext,
    spare: Vec<Function>,
}

impl BuildScratch {
    /// Keeps an emptied IR function (with its allocations) for the next build.
    pub fn keep_spare(&mut self, mut func: Function) {
        if self.spare.len() < MAX_SPARE_FUNCTIONS {
            func.clear();
            self.spare.push(func);
        }
    }

    /// An empty block function to build IR in: a recycled one when there is one.
    fn empty_function(&mut self) -> Function {
        match self.spare.pop() {
            Some(mut f) => {
                f.name = UserFuncName::default();
                f.signature = block_signature();
                f
            }
            None => Function::with_name_signature(UserFuncName::default(), block_signature()),
        }
    }
}

/// Builds the IR of the function that runs the block at `pc` (and, following direct
/// jumps in user mode, its successors), allocating its chaining cells; `optimize` in the
/// result: compile it with the optimizing ISA (a loop, or user mode).
///
/// Emitted twice when the block branches back to its own start: the second time with
/// the plan the first one found, as a loop that keeps guest registers in host
/// registers (see `emitter::LoopPlan`).
pub fn build_function<G: Guest>(
    env: &BuildEnv,
    scratch: &mut BuildScratch,
    pc: u64,
    insns: &[G::Insn],
) -> Built {
    let mut loop_plan: Option<LoopPlan> = None;
    let mut is_loop = false;
    let (func, restarts) = loop {
        let mut func = scratch.empty_function();
        let generation_addr = if env.generation_addr == 0 {
            // No counter registered: point at a word that never changes.
            &UNCHANGING_GENERATION as *const AtomicU64 as u64
        } else {
            env.generation_addr
        };
        let second_pass = loop_plan.is_some();
        let found = {
            let mut b = FunctionBuilder::new(&mut func, &mut scratch.fb_ctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            b.seal_block(entry);
            let state = b.block_params(entry)[0];
            let emit_env = EmitEnv {
                block_pc: pc,
                build: env,
                generation_addr,
                generation: if env.generation_addr == 0 {
                    0
                } else {
                    env.generation
                },
                loop_plan: loop_plan.take(),
            };
            let mut e = JitEmitter::new(b, state, emit_env);
            // The block, then (if it ends with a direct jump) the code at the jump
            // target, and so on: one function runs the whole straight-line path.
            let mut segment: Vec<G::Insn> = insns.to_vec();
            let mut segment_pc = pc;
            let mut visited = vec![pc];
            let mut emitted = 0;
            'segments: loop {
                let mut ipc = segment_pc;
                for insn in &segment {
                    e.begin_insn(ipc);
                    if G::may_access_memory(insn) {
                        e.prepare_memory_insn();
                    }
                    emitted += 1;
                    if let Err(reason) = G::exec(&mut e, insn, ipc) {
                        // Our emitter never fails; this came from the semantics.
                        e.exit_here(reason);
                        break 'segments;
                    }
                    if let Some(target) = e.pending_direct_jump() {
                        if let (true, MemModel::User(mem)) = (
                            env.follow_jumps
                                && emitted < MAX_FOLLOWED_INSNS
                                && !visited.contains(&target),
                            env.mem,
                        ) {
                            let next = fetch::<G>(mem, target, MAX_FOLLOWED_INSNS - emitted);
                            if !next.is_empty() {
                                e.continue_at_jump_target();
                                visited.push(target);
                                segment = next;
                                segment_pc = target;
                                continue 'segments;
                            }
                        }
                    }
                    if e.end_insn() {
                        break 'segments;
                    }
                    ipc = ipc.wrapping_add(4);
                }
                if !e.ended {
                    // The block was cut (length cap, page end): continue after it.
                    e.end_block_at(ipc);
                }
                break;
            }
            e.finish()
        };
        match found.loop_plan {
            Some(plan) if !second_pass => {
                // The first version's chaining cells stay allocated and unused (cells
                // are never given back: another thread may have taken the next ones).
                loop_plan = Some(plan);
                is_loop = true;
                scratch.keep_spare(func);
            }
            _ => break (func, found.restarts),
        }
    };
    if tracing::enabled!(target: "out_clif", tracing::Level::TRACE) {
        tracing::trace!(target: "out_clif", "block {pc:#x}:\n{}", func.display());
    }
    if env.dump_clif {
        eprintln!("block {pc:#x}:\n{}", func.display());
    }
    Built {
        func,
        optimize: is_loop || env.optimize_all,
        restarts,
    }
}

/// Decodes up to `max` instructions from `pc` like the runtime's translator (up to a
/// block end, the end of the page, or an unexecutable page); empty if `pc` cannot be
/// fetched.
fn fetch<G: Guest>(mem: MemView, pc: u64, max: usize) -> Vec<G::Insn> {
    let mut out = Vec::new();
    let mut a = pc;
    if !a.is_multiple_of(4) {
        return out;
    }
    while out.len() < max && mem.page_perms(a) & perm::EXEC != 0 {
        // SAFETY: the page is mapped executable, hence readable by the host.
        let raw = unsafe { (mem.host(a) as *const u32).read_unaligned() };
        let insn = G::decode(u32::from_le(raw));
        out.push(insn);
        a = a.wrapping_add(4);
        if G::ends_block(&insn) || a.is_multiple_of(PAGE_SIZE) {
            break;
        }
    }
    out
}
