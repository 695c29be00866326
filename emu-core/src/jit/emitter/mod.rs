//! [`JitEmitter`]: the [`Emitter`] whose values are Cranelift `Value`s, so running an
//! instruction's semantics builds its code. Read it side by side with `interp.rs`: every
//! method must leave the guest state exactly as the interpreter does, on every path.
//!
//! Shape of the generated function (`CallConv::Tail`, `fn(state) -> exit code`):
//! - on entry, a pending interrupt or code flush returns to the run loop at once;
//! - guest state slots are cached in Cranelift `Variable`s: loaded on first use; a `set`
//!   only marks the slot dirty, and dirty slots are written back at *sync points* on the
//!   main path: before traps and state helpers, at block ends and (host faults, below)
//!   at restart points. Cold paths that leave the function write back what they need
//!   themselves (the software memory check's slow path spills the dirty slots; side
//!   exits of compiled loops too), so repeated writes of a slot between sync points
//!   cost one store;
//! - guest memory accesses are checked inline (`memory.rs`); in user mode with host
//!   faults, plain loads and stores only check the range (once per base register) and
//!   let the host fault, and the emitter keeps a *restart point* for them (see the
//!   `restart` field and `jit::hostfault`): after a store, the next load/store
//!   instruction starts with a sync; an access out of range returns to the interpreter
//!   at the restart point, with nothing to spill;
//! - direct branches tail-call their successor through a chaining cell (`control.rs`);
//!   indirect ones (and, in system mode, direct ones that leave the page) look the
//!   target up in a cache of compiled blocks.
//!
//! Files: this one (state cache, arithmetic), `memory.rs` (loads, stores, atomics),
//! `control.rs` (helpers, traps, block ends, chaining), `fp.rs` (inline floating point).

mod control;
mod fp;
mod memory;
mod sysmem;

pub use memory::slow_access_check;

use crate::emit::*;
use crate::jit::build::BuildEnv;
use crate::memmodel::MemModel;
use cranelift_codegen::ir::condcodes::{CondCode, IntCC};
use cranelift_codegen::ir::types::{I16, I32, I64, I8};
use cranelift_codegen::ir::{
    AbiParam, Block, InstBuilder, MemFlagsData, SigRef, Signature, StackSlot, StackSlotData,
    StackSlotKind, Type, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, Variable};
use std::collections::{BTreeMap, HashMap};

/// What the emitter needs to know about the world outside the function it builds.
pub struct EmitEnv<'c> {
    /// Guest address of the block being compiled (a branch back to it loops inside the
    /// function).
    pub block_pc: u64,
    /// The Jit's addresses and settings: the memory model, the helpers' calling
    /// convention, the chaining cells, the stubs, the link-request word, the
    /// indirect-branch target cache, instruction counting, host faults (see
    /// [`crate::jit::build::BuildEnv`]).
    pub build: &'c BuildEnv,
    /// Host address of the process-wide code generation counter (a word that never
    /// changes when none is registered), and the value it had when this code was built:
    /// compiled code stops as soon as they differ.
    pub generation_addr: u64,
    pub generation: u64,
    /// Compile the branch back to the block's start as a loop that keeps these guest
    /// state slots in SSA variables (see [`LoopPlan`]); `None` the first time.
    pub loop_plan: Option<LoopPlan>,
}

/// How a block that branches back to its own start keeps guest state in host registers
/// across iterations. The driver emits the function once as usual; if [`JitEmitter::finish`]
/// reports a branch back to the start, it emits the function again with this plan: the
/// slots are loaded once before the loop head, the back edge jumps to the head with
/// their values in variables (no write-back, no reload), and only exits, faults, helpers
/// and the head's stop check write them back.
#[derive(Clone, Debug, Default)]
pub struct LoopPlan {
    /// Every slot the function touched the first time (each is read or written in the
    /// loop, so loading it once up front costs at most one load per entry).
    slots: Vec<u32>,
    /// The slots that may be newer than the state struct at the loop head (dirty at some
    /// back edge): written back wherever control can leave, as any dirty slot is.
    dirty: Vec<u32>,
}

/// How a block ends (recorded by the `goto*`/`exit` methods, emitted after the
/// instruction).
#[derive(Clone, Copy)]
enum BlockEnd {
    Goto(u64),
    GotoCond(Value, u64, u64),
    GotoDyn(Value),
    Exit(Exit, u64, u64),
}

struct CachedSlot {
    var: Variable,
    /// The variable holds the slot's current value.
    loaded: bool,
    /// The variable is newer than the state struct (written back at the next sync).
    dirty: bool,
}

pub struct JitEmitter<'a, 'c> {
    b: FunctionBuilder<'a>,
    env: EmitEnv<'c>,
    state: Value,
    pc: u64,
    /// A block end was emitted: the driver stops emitting.
    pub ended: bool,
    /// The `goto*`/`exit` call of the current instruction, emitted by [`Self::end_insn`].
    pending_end: Option<BlockEnd>,
    /// Ordered, so write-back code is deterministic.
    slots: BTreeMap<u32, CachedSlot>,
    /// Values known at compile time (from `imm`), for folding.
    consts: HashMap<Value, u64>,
    /// Comparison results (0/1 in an i64) and the comparison that made them, so a
    /// branch, select or trap on one re-emits the comparison right there and Cranelift
    /// fuses it (cmp + jcc/cmov instead of setcc, extend, test).
    bools: HashMap<Value, (IntCC, Value, Value)>,
    /// Values known to fit in this many low bits (zero-extended results, narrow loads,
    /// comparisons), so re-extending them (`xw()` does it a lot) emits nothing.
    narrow: HashMap<Value, u32>,
    /// 16 bytes of stack for helpers' out-parameters, made on first use.
    scratch: Option<StackSlot>,
    sigs: HashMap<&'static str, SigRef>,
    /// The shared cold block of every fault and trap: params (pc, fault_addr, exit code).
    fault_block: Option<Block>,
    /// Where a branch back to this block's own start jumps: the entry check, then the
    /// body (sealed at the end, when all back edges are known).
    loop_head: Block,
    /// Guest instructions emitted so far (the whole function's count at the end).
    insns: u64,
    /// With instruction counting: the `iconst` at entry that [`Self::finish`] rewrites
    /// to the function's instruction count once it is known.
    icount_increment: Option<cranelift_codegen::ir::Inst>,
    /// Inline-FP guards already computed in this function (`fp.rs`), valid until their
    /// control or status slot is written or the cache is forgotten.
    fp_guards: Vec<fp::Guard>,
    /// Emitting with a [`LoopPlan`]: back edges keep the cached slots in variables.
    looping: bool,
    /// Without a plan: what the back edges emitted so far need (returned by `finish`).
    found_loop: Option<LoopPlan>,
    /// The dirty slots just before the current instruction's block end synced them.
    dirty_at_end: Vec<u32>,
    /// Something on the way stored another pc into the state (a state helper call), so
    /// a back edge must store the block's pc again for the loop head's stop check.
    pc_clobbered: bool,
    /// With a plan: its `dirty` slots, which the loop head treats as dirty (anything
    /// else dirty at a back edge is written back there).
    loop_dirty: Vec<u32>,
    /// Host faults (`env.build.host_faults`): the current restart point, an instruction
    /// boundary whose guest state the state struct holds, with nothing the guest can see
    /// done since but stores of the current instruction (which re-running it repeats
    /// with the same values). `None`: there is none; accesses take the software check.
    /// Its index in `restarts` is the trap code of the accesses emitted under it.
    restart: Option<u64>,
    /// Every restart point of the function, by index (returned by `finish`).
    restarts: Vec<u64>,
    /// The current instruction stored to guest memory (the next one needs a new
    /// restart point).
    stored_in_insn: bool,
    /// The current instruction changed guest state (a slot, or anything through a
    /// helper): the state struct can no longer be made its starting state.
    insn_changed_state: bool,
    /// The [`Exit::RESTART`] block of the current restart point (by `restarts.len()`).
    restart_exit: Option<(usize, Block)>,
    /// Every such block and its restart pc, filled by `finish`.
    restart_exit_blocks: Vec<(Block, u64)>,
    /// Addresses known to be `root + offset` with a small non-negative constant offset
    /// (from `bin`), so that host-faulting accesses off one base register share its
    /// range check (see `memory.rs`, `host_fault_access`).
    addr_parts: HashMap<Value, (Value, u64)>,
    /// Roots whose range check dominates the code being emitted.
    range_checked: std::collections::HashSet<Value>,
}

/// What [`JitEmitter::finish`] found.
pub struct Finished {
    /// The function branches back to its start and was not emitted with a plan: emit it
    /// again with this one.
    pub loop_plan: Option<LoopPlan>,
    /// The restart points that the trap codes of host-faulting accesses name.
    pub restarts: Vec<u64>,
}

fn state_flags() -> MemFlagsData {
    // CpuState fields are 8-byte aligned and always accessible.
    MemFlagsData::trusted()
}

fn int_type(size: Size) -> Type {
    match size {
        1 => I8,
        2 => I16,
        4 => I32,
        _ => I64,
    }
}

impl<'a, 'c> JitEmitter<'a, 'c> {
    /// Starts emitting into `b`, whose current block is the (sealed) entry block;
    /// `state` is the function's state-pointer parameter.
    pub fn new(b: FunctionBuilder<'a>, state: Value, mut env: EmitEnv<'c>) -> Self {
        let plan = env.loop_plan.take();
        let mut b = b;
        let loop_head = b.create_block();
        let mut e = JitEmitter {
            b,
            env,
            state,
            pc: 0,
            ended: false,
            pending_end: None,
            slots: BTreeMap::new(),
            consts: HashMap::new(),
            bools: HashMap::new(),
            narrow: HashMap::new(),
            scratch: None,
            sigs: HashMap::new(),
            fault_block: None,
            loop_head,
            insns: 0,
            icount_increment: None,
            fp_guards: Vec::new(),
            looping: plan.is_some(),
            found_loop: None,
            dirty_at_end: Vec::new(),
            pc_clobbered: false,
            loop_dirty: plan.as_ref().map(|p| p.dirty.clone()).unwrap_or_default(),
            restart: None,
            restarts: Vec::new(),
            stored_in_insn: false,
            insn_changed_state: false,
            restart_exit: None,
            restart_exit_blocks: Vec::new(),
            addr_parts: HashMap::new(),
            range_checked: Default::default(),
        };
        if let Some(plan) = plan {
            // The loop preheader: every slot the loop uses, loaded once.
            for &off in &plan.slots {
                let v = e.load_state(Slot(off));
                let var = e.b.declare_var(I64);
                e.b.def_var(var, v);
                let dirty = plan.dirty.contains(&off);
                e.slots.insert(
                    off,
                    CachedSlot {
                        var,
                        loaded: true,
                        dirty,
                    },
                );
            }
        }
        e.b.ins().jump(loop_head, &[]);
        e.b.switch_to_block(loop_head);
        e.stop_if_requested();
        // Entered (or, without a plan, looped back to) with the state struct current at
        // the block's start. A compiled loop's later iterations keep registers in
        // variables, so there its first load or store makes a restart point.
        if !e.looping {
            let pc = e.env.block_pc;
            e.set_restart(Some(pc));
        }
        e
    }

    /// Ends the function. Called once the driver has emitted every instruction and the
    /// block end. Returns a [`LoopPlan`] when the function branches back to its start
    /// and was not emitted with one: emitting it again with that plan makes the loop
    /// keep guest registers in host registers.
    pub fn finish(mut self) -> Finished {
        if let Some(inst) = self.icount_increment {
            self.b.func.dfg.insts[inst] = cranelift_codegen::ir::InstructionData::UnaryImm {
                opcode: cranelift_codegen::ir::Opcode::Iconst,
                imm: cranelift_codegen::ir::immediates::Imm64::new(self.insns as i64),
            };
        }
        if !self.ended {
            // The driver always ends the block; stay correct anyway.
            self.sync();
            self.clear_link_request();
            self.ret_const(Exit::JUMP.0);
        } else {
            // After a block end we sit in an unreachable block; terminate it.
            self.ret_const(Exit::JUMP.0);
        }
        self.b.seal_block(self.loop_head);
        self.fill_restart_exit_blocks();
        self.fill_fault_block();
        self.b.finalize(self.env.build.frontend);
        Finished {
            loop_plan: self.found_loop,
            restarts: self.restarts,
        }
    }

    /// Records `r = a + b` as `root + offset` when one side is a small constant.
    fn note_addr_parts(&mut self, r: Value, a: Value, b: Value) {
        let (x, k) = match (self.known(a), self.known(b)) {
            (None, Some(k)) => (a, k),
            (Some(k), None) => (b, k),
            _ => return,
        };
        let (root, base_off) = self.addr_parts.get(&x).copied().unwrap_or((x, 0));
        let off = base_off.wrapping_add(k);
        if off < crate::mem::GUARD_BYTES / 2 {
            self.addr_parts.insert(r, (root, off));
        }
    }

    /// Starts a new restart point (see the `restart` field); `None` ends the current one.
    fn set_restart(&mut self, r: Option<u64>) {
        if !self.env.build.host_faults || r == self.restart {
            return;
        }
        self.restart = None;
        if let Some(pc) = r {
            if self.restarts.len() < super::hostfault::MAX_RESTARTS {
                self.restarts.push(pc);
                self.restart = Some(pc);
            }
        }
    }

    /// Before a load/store instruction (the driver asks): make sure its accesses can
    /// fault in the host, by writing the dirty slots back if there is no restart point.
    pub fn prepare_memory_insn(&mut self) {
        if self.env.build.host_faults && self.restart.is_none() {
            self.sync();
        }
    }

    /// The trap code for a host-faulting access here, if one may be emitted.
    fn host_fault_code(&self) -> Option<cranelift_codegen::ir::TrapCode> {
        self.restart?;
        Some(super::hostfault::trap_code(self.restarts.len() - 1))
    }

    /// Guest state changed behind the slot cache's back (a helper call): no restart point
    /// until the next sync at an instruction start.
    fn state_changed(&mut self) {
        self.insn_changed_state = true;
        self.set_restart(None);
    }

    fn konst(&mut self, v: u64) -> Value {
        let x = self.b.ins().iconst(I64, v as i64);
        self.consts.insert(x, v);
        x
    }

    fn known(&self, v: Value) -> Option<u64> {
        self.consts.get(&v).copied()
    }

    /// `a cc b` as 0/1, remembered as a comparison.
    fn bool_of(&mut self, cc: IntCC, a: Value, b: Value) -> Value {
        let r = self.b.ins().icmp(cc, a, b);
        let wide = self.b.ins().uextend(I64, r);
        self.bools.insert(wide, (cc, a, b));
        self.narrow.insert(wide, 1);
        wide
    }

    /// How many low bits `v` is known to fit in (64 when nothing is known).
    fn known_bits(&self, v: Value) -> u32 {
        match self.known(v) {
            Some(k) => 64 - k.leading_zeros(),
            None => self.narrow.get(&v).copied().unwrap_or(64),
        }
    }

    /// A value to branch or select on for "`c` != 0": the comparison itself when `c` is
    /// a comparison result.
    fn condition(&mut self, c: Value) -> Value {
        match self.bools.get(&c) {
            Some(&(cc, a, b)) => self.b.ins().icmp(cc, a, b),
            None => c,
        }
    }

    fn store_state(&mut self, slot: Slot, v: Value) {
        let state = self.state;
        self.b.ins().store(state_flags(), v, state, slot.0 as i32);
    }

    fn load_state(&mut self, slot: Slot) -> Value {
        let state = self.state;
        self.b.ins().load(I64, state_flags(), state, slot.0 as i32)
    }

    fn ret_const(&mut self, code: u64) {
        let c = self.b.ins().iconst(I64, code as i64);
        self.b.ins().return_(&[c]);
    }

    /// Writes every dirty slot back to the state struct. Called on the main path before
    /// anything that can leave the block or look at the state.
    fn sync(&mut self) {
        let dirty: Vec<(u32, Variable)> = self
            .slots
            .iter_mut()
            .filter(|(_, s)| s.dirty)
            .map(|(&off, s)| {
                s.dirty = false;
                (off, s.var)
            })
            .collect();
        let wrote = !dirty.is_empty();
        for (off, var) in dirty {
            let v = self.b.use_var(var);
            self.store_state(Slot(off), v);
        }
        // The state struct now holds the guest state as of here: the start of the
        // current instruction if it has changed nothing yet.
        if !self.insn_changed_state {
            if wrote || self.restart.is_none() {
                let pc = self.pc;
                self.set_restart(Some(pc));
            }
        } else if wrote {
            self.set_restart(None);
        }
    }

    /// Writes the dirty slots back without marking them clean: for a cold path that may
    /// leave the block (a fault) while the hot path goes on with the values cached.
    fn spill_dirty(&mut self) {
        let dirty: Vec<(u32, Variable)> = self
            .slots
            .iter()
            .filter(|(_, s)| s.dirty)
            .map(|(&off, s)| (off, s.var))
            .collect();
        for (off, var) in dirty {
            let v = self.b.use_var(var);
            self.store_state(Slot(off), v);
        }
    }

    /// A state helper may have changed any slot: reload everything on next use (the
    /// caller synced first, so nothing is dirty).
    fn forget_cache(&mut self) {
        self.fp_guards.clear();
        for s in self.slots.values_mut() {
            s.loaded = false;
            s.dirty = false;
        }
    }

    fn sig(&mut self, name: &'static str, params: usize, returns: usize, conv: CallConv) -> SigRef {
        if let Some(&s) = self.sigs.get(name) {
            return s;
        }
        let mut sig = Signature::new(conv);
        sig.params.extend((0..params).map(|_| AbiParam::new(I64)));
        sig.returns.extend((0..returns).map(|_| AbiParam::new(I64)));
        let s = self.b.import_signature(sig);
        self.sigs.insert(name, s);
        s
    }

    fn scratch_addr(&mut self) -> Value {
        let ss = match self.scratch {
            Some(s) => s,
            None => {
                let s = self.b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    16,
                    4,
                ));
                self.scratch = Some(s);
                s
            }
        };
        self.b.ins().stack_addr(I64, ss, 0)
    }

    /// Calls host function `f` (by absolute address: compiled code holds no relocations).
    fn call_host(&mut self, sig: SigRef, f: usize, args: &[Value]) -> Option<Value> {
        let callee = self.b.ins().iconst(I64, f as i64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call).first().copied()
    }
}

impl Emitter for JitEmitter<'_, '_> {
    type V = Value;

    fn begin_insn(&mut self, pc: u64) {
        self.pc = pc;
        self.insns += 1;
        self.insn_changed_state = false;
        if self.stored_in_insn {
            // Re-running from the restart point would repeat that store after later
            // instructions may have changed its inputs.
            self.stored_in_insn = false;
            self.set_restart(None);
        }
    }

    fn imm(&mut self, v: u64) -> Value {
        self.konst(v)
    }

    fn get(&mut self, slot: Slot) -> Value {
        if let Some(s) = self.slots.get(&slot.0) {
            if s.loaded {
                let var = s.var;
                return self.b.use_var(var);
            }
        }
        let v = self.load_state(slot);
        let var = match self.slots.get(&slot.0) {
            Some(s) => s.var,
            None => self.b.declare_var(I64),
        };
        self.b.def_var(var, v);
        self.slots.insert(
            slot.0,
            CachedSlot {
                var,
                loaded: true,
                dirty: false,
            },
        );
        v
    }

    fn set(&mut self, slot: Slot, v: Value) {
        self.fp_slot_written(slot);
        self.insn_changed_state = true;
        let var = match self.slots.get(&slot.0) {
            Some(s) => s.var,
            None => self.b.declare_var(I64),
        };
        self.b.def_var(var, v);
        self.slots.insert(
            slot.0,
            CachedSlot {
                var,
                loaded: true,
                dirty: true,
            },
        );
    }

    fn bin(&mut self, op: BinOp, a: Value, b: Value) -> Value {
        if let (Some(x), Some(y)) = (self.known(a), self.known(b)) {
            return self.konst(crate::interp::eval_bin(op, x, y));
        }
        if op == BinOp::Xor {
            // `cond ^ 1` on a comparison result is the opposite comparison.
            for (x, k) in [(a, b), (b, a)] {
                if let (Some(&(cc, p, q)), Some(1)) = (self.bools.get(&x), self.known(k)) {
                    return self.bool_of(cc.complement(), p, q);
                }
            }
        }
        match op {
            BinOp::Add => {
                let r = self.b.ins().iadd(a, b);
                self.note_addr_parts(r, a, b);
                r
            }
            BinOp::Sub => self.b.ins().isub(a, b),
            BinOp::And => {
                let r = self.b.ins().band(a, b);
                let bits = self.known_bits(a).min(self.known_bits(b));
                if bits < 64 {
                    self.narrow.insert(r, bits);
                }
                r
            }
            BinOp::Or => self.b.ins().bor(a, b),
            BinOp::Xor => self.b.ins().bxor(a, b),
            BinOp::AndNot => self.b.ins().band_not(a, b),
            BinOp::OrNot => self.b.ins().bor_not(a, b),
            BinOp::XorNot => self.b.ins().bxor_not(a, b),
            // Cranelift shifts and rotates take the amount modulo the width, like ours.
            BinOp::Shl => self.b.ins().ishl(a, b),
            BinOp::Lshr => self.b.ins().ushr(a, b),
            BinOp::Ashr => self.b.ins().sshr(a, b),
            BinOp::Rotr => self.b.ins().rotr(a, b),
            BinOp::Rotr32 => {
                let a32 = self.b.ins().ireduce(I32, a);
                let b32 = self.b.ins().ireduce(I32, b);
                let r = self.b.ins().rotr(a32, b32);
                let r = self.b.ins().uextend(I64, r);
                self.narrow.insert(r, 32);
                r
            }
            BinOp::Mul => self.b.ins().imul(a, b),
            BinOp::UMulHi => self.b.ins().umulhi(a, b),
            BinOp::SMulHi => self.b.ins().smulhi(a, b),
            BinOp::UDiv => {
                // Cranelift traps on /0; Arm gives 0. Divide by 1 instead, then pick 0.
                let is_zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                let one = self.b.ins().iconst(I64, 1);
                let zero = self.b.ins().iconst(I64, 0);
                let safe = self.b.ins().select(is_zero, one, b);
                let q = self.b.ins().udiv(a, safe);
                self.b.ins().select(is_zero, zero, q)
            }
            BinOp::SDiv => {
                // Cranelift traps on /0 and MIN/-1; Arm gives 0 and MIN. Divide by 1
                // when b is 0 or -1 ((b + 1) <= 1 unsigned), then fix up: x / -1 = -x.
                let b_plus_1 = self.b.ins().iadd_imm_s(b, 1);
                let risky = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, b_plus_1, 1);
                let one = self.b.ins().iconst(I64, 1);
                let zero = self.b.ins().iconst(I64, 0);
                let safe = self.b.ins().select(risky, one, b);
                let q = self.b.ins().sdiv(a, safe);
                let neg = self.b.ins().ineg(a);
                let is_minus_1 = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
                let q = self.b.ins().select(is_minus_1, neg, q);
                let is_zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                self.b.ins().select(is_zero, zero, q)
            }
        }
    }

    fn un(&mut self, op: UnOp, a: Value) -> Value {
        if let Some(x) = self.known(a) {
            return self.konst(crate::interp::eval_un(op, x));
        }
        let sext = |s: &mut Self, t: Type| {
            let n = s.b.ins().ireduce(t, a);
            s.b.ins().sextend(I64, n)
        };
        let zext = |s: &mut Self, t: Type| {
            let bits = t.bits();
            if s.known_bits(a) <= bits {
                return a;
            }
            let n = s.b.ins().ireduce(t, a);
            let r = s.b.ins().uextend(I64, n);
            s.narrow.insert(r, bits);
            r
        };
        match op {
            UnOp::Not => self.b.ins().bnot(a),
            UnOp::Neg => self.b.ins().ineg(a),
            UnOp::Clz => self.b.ins().clz(a),
            // Cranelift's cls counts the bits after the sign bit equal to it: Arm CLS.
            UnOp::Cls => self.b.ins().cls(a),
            UnOp::Ctz => self.b.ins().ctz(a),
            UnOp::Popcnt => self.b.ins().popcnt(a),
            UnOp::Bswap => self.b.ins().bswap(a),
            UnOp::Bitrev => self.b.ins().bitrev(a),
            UnOp::Sext8 => sext(self, I8),
            UnOp::Sext16 => sext(self, I16),
            UnOp::Sext32 => sext(self, I32),
            UnOp::Zext8 => zext(self, I8),
            UnOp::Zext16 => zext(self, I16),
            UnOp::Zext32 => zext(self, I32),
        }
    }

    fn cmp(&mut self, cc: Cmp, a: Value, b: Value) -> Value {
        if let (Some(x), Some(y)) = (self.known(a), self.known(b)) {
            return self.konst(crate::interp::eval_cmp(cc, x, y));
        }
        // A comparison result compared with 0: itself, or the opposite comparison.
        if let (Some(&(pcc, p, q)), Some(0), Cmp::Eq | Cmp::Ne) =
            (self.bools.get(&a), self.known(b), cc)
        {
            return if cc == Cmp::Ne {
                a
            } else {
                self.bool_of(pcc.complement(), p, q)
            };
        }
        let cc = match cc {
            Cmp::Eq => IntCC::Equal,
            Cmp::Ne => IntCC::NotEqual,
            Cmp::Ult => IntCC::UnsignedLessThan,
            Cmp::Ule => IntCC::UnsignedLessThanOrEqual,
            Cmp::Ugt => IntCC::UnsignedGreaterThan,
            Cmp::Uge => IntCC::UnsignedGreaterThanOrEqual,
            Cmp::Slt => IntCC::SignedLessThan,
            Cmp::Sle => IntCC::SignedLessThanOrEqual,
            Cmp::Sgt => IntCC::SignedGreaterThan,
            Cmp::Sge => IntCC::SignedGreaterThanOrEqual,
        };
        self.bool_of(cc, a, b)
    }

    fn select(&mut self, c: Value, a: Value, b: Value) -> Value {
        if let Some(x) = self.known(c) {
            return if x != 0 { a } else { b };
        }
        let c = self.condition(c);
        self.b.ins().select(c, a, b)
    }

    fn load(&mut self, addr: Value, size: Size) -> Result<Value, Exit> {
        Ok(self.emit_load(addr, size))
    }

    fn store(&mut self, addr: Value, v: Value, size: Size) -> Result<(), Exit> {
        self.emit_store(addr, v, size);
        Ok(())
    }

    fn atomic_rmw(
        &mut self,
        op: AtomicOp,
        addr: Value,
        v: Value,
        size: Size,
    ) -> Result<Value, Exit> {
        Ok(self.emit_atomic_rmw(op, addr, v, size))
    }

    fn atomic_cas(
        &mut self,
        addr: Value,
        expected: Value,
        new: Value,
        size: Size,
    ) -> Result<Value, Exit> {
        Ok(self.emit_atomic_cas(addr, expected, new, size))
    }

    fn atomic_cas2(
        &mut self,
        addr: Value,
        expected: [Value; 2],
        new: [Value; 2],
    ) -> Result<[Value; 2], Exit> {
        Ok(self.emit_atomic_cas2(addr, expected, new))
    }

    fn fence(&mut self) {
        self.b.ins().fence();
    }

    fn call_pure(&mut self, f: PureHelper, args: [Value; 3]) -> Value {
        self.emit_call_pure(f, args)
    }

    fn call_state(&mut self, f: StateHelper, args: [Value; 3]) -> Result<(), Exit> {
        self.emit_call_state(f, args);
        Ok(())
    }

    fn fp_fast(&mut self, op: &FpFast, fallback: StateHelper, args: [u64; 3]) -> Result<(), Exit> {
        self.emit_fp_fast(op, fallback, args);
        Ok(())
    }

    fn trap_if(&mut self, c: Value, reason: Exit, addr: Value) -> Result<(), Exit> {
        match self.known(c) {
            Some(0) => {}
            _ => self.fault_if(c, reason, addr),
        }
        Ok(())
    }

    fn goto(&mut self, target: u64) {
        self.pending_end = Some(BlockEnd::Goto(target));
    }

    fn goto_cond(&mut self, c: Value, taken: u64, not_taken: u64) {
        self.pending_end = Some(BlockEnd::GotoCond(c, taken, not_taken));
    }

    fn goto_dyn(&mut self, target: Value) {
        // A target known at compile time is a direct jump. In user mode that is mostly a
        // RET to the address a BL followed into this function left in the link
        // register: the driver then compiles through the return too, so a loop that
        // calls a small function becomes one function (and, back at its start, a
        // compiled loop) instead of an indirect-branch lookup per call.
        if let (Some(t), MemModel::User(_)) = (self.known(target), self.env.build.mem) {
            self.pending_end = Some(BlockEnd::Goto(t));
            return;
        }
        self.pending_end = Some(BlockEnd::GotoDyn(target));
    }

    fn exit(&mut self, reason: Exit, pc: u64, arg: u64) {
        self.pending_end = Some(BlockEnd::Exit(reason, pc, arg));
    }
}
