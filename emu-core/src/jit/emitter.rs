//! [`JitEmitter`]: the [`Emitter`] whose values are Cranelift `Value`s, so running an
//! instruction's semantics builds its code. Read it side by side with `interp.rs`: every
//! method must leave the guest state exactly as the interpreter does, on every path.
//!
//! Shape of the generated function (`CallConv::Tail`, `fn(state) -> exit code`):
//! - guest state slots live in Cranelift `Variable`s: loaded on first use, written back
//!   (if dirty) at every exit and before every state helper;
//! - guest memory accesses are checked inline (bounds, permission byte, page crossing);
//!   anything unusual goes to a cold path that asks [`slow_access_check`] for the exact
//!   answer, and faults leave through cold blocks that spill state and return;
//! - direct branches end in a chaining stub: if the successor is compiled (its address is
//!   in this exit's chaining cell) and nobody asked us to stop, tail-call it.

use super::codecache::ChainCells;
use crate::emit::*;
use crate::mem::MemView;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I16, I32, I64, I8};
use cranelift_codegen::ir::{
    AbiParam, AtomicRmwOp, InstBuilder, MemFlagsData, SigRef, Signature, StackSlot, StackSlotData,
    StackSlotKind, Type, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, Variable};
use std::collections::HashMap;

/// What the emitter needs to know about the world outside the function it builds.
pub struct EmitEnv<'c> {
    pub mem: MemView,
    /// Calling convention of helpers (the host's C convention).
    pub host_call_conv: CallConv,
    pub frontend: TargetFrontendConfig,
    pub cells: &'c mut ChainCells,
    /// Host address of the word where an unlinked exit leaves `cell index + 1`.
    pub link_request_addr: u64,
    /// Host address of the indirect-branch target cache: `mask + 1` pairs of
    /// (guest pc, entry), indexed by `(pc >> 2) & mask`.
    pub ibtc_addr: u64,
    pub ibtc_mask: u64,
    /// Host address of the process-wide code generation counter, and the value it had
    /// when this code was compiled: chaining stops as soon as they differ.
    pub generation_addr: u64,
    pub generation: u64,
}

/// How a block ends (recorded by the `goto*`/`exit` methods).
#[derive(Clone, Copy)]
enum BlockEnd {
    Goto(u64),
    GotoCond(Value, u64, u64),
    GotoDyn(Value),
    Exit(Exit, u64, u64),
}

struct CachedSlot {
    slot: Slot,
    var: Variable,
    /// The variable holds the slot's current value.
    loaded: bool,
    /// The variable is newer than the state struct.
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
    slots: Vec<CachedSlot>,
    slot_index: HashMap<u32, usize>,
    /// Values known at compile time (from `imm`), for folding.
    consts: HashMap<Value, u64>,
    /// 16 bytes of stack for helpers' out-parameters, made on first use.
    scratch: Option<StackSlot>,
    sigs: HashMap<&'static str, SigRef>,
}

fn state_flags() -> MemFlagsData {
    // CpuState fields are 8-byte aligned and always accessible.
    MemFlagsData::trusted()
}

fn guest_flags() -> MemFlagsData {
    // Checked before use, so it cannot trap; guest accesses may be unaligned.
    MemFlagsData::new().with_notrap()
}

fn int_type(size: Size) -> Type {
    match size {
        1 => I8,
        2 => I16,
        4 => I32,
        _ => I64,
    }
}

/// The cold-path memory check: exactly [`MemView::check`]. Returns 0 when the access is
/// fine (e.g. it crosses into a page that is also accessible), else 1 with the first
/// faulting address in `*out`.
///
/// # Safety
/// `perms`/`limit` must describe a live permission table; `out` must be writable.
pub unsafe extern "C" fn slow_access_check(
    addr: u64,
    size: u64,
    need: u64,
    perms: u64,
    limit: u64,
    out: *mut u64,
) -> u64 {
    let view = MemView {
        base: 0,
        perms: perms as usize,
        limit,
    };
    match view.check(addr, size, need as u8) {
        Ok(()) => 0,
        Err(at) => {
            // SAFETY: caller's contract.
            unsafe { *out = at };
            1
        }
    }
}

impl<'a, 'c> JitEmitter<'a, 'c> {
    /// Starts emitting into `b`, whose current block is the (sealed) entry block;
    /// `state` is the function's state-pointer parameter.
    pub fn new(b: FunctionBuilder<'a>, state: Value, env: EmitEnv<'c>) -> Self {
        JitEmitter {
            b,
            env,
            state,
            pc: 0,
            ended: false,
            pending_end: None,
            slots: Vec::new(),
            slot_index: HashMap::new(),
            consts: HashMap::new(),
            scratch: None,
            sigs: HashMap::new(),
        }
    }

    /// Ends the function. Called once the driver has emitted every instruction (and a
    /// final `goto` when the block runs off its end).
    pub fn finish(mut self) {
        if !self.ended {
            // The driver always ends the block; be safe anyway.
            self.spill();
            self.ret_const(Exit::JUMP.0);
        } else {
            // After a terminator we sit in an unreachable block; terminate it.
            self.ret_const(Exit::JUMP.0);
        }
        self.b.finalize(self.env.frontend);
    }

    /// Ends the block at the current instruction with `reason` (semantics that returned
    /// an exit without going through the emitter): state.pc = this instruction.
    pub fn exit_here(&mut self, reason: Exit) {
        self.spill();
        let pc = self.konst(self.pc);
        self.store_state(SLOT_PC, pc);
        self.ret_const(reason.0);
        self.after_terminator();
    }

    /// Emits the block end that the instruction just executed asked for, if any
    /// (`goto*`/`exit` only record it, so that everything else the instruction does,
    /// in any order, is part of the block, as in the interpreter). Returns whether the
    /// block is over.
    pub fn end_insn(&mut self) -> bool {
        match self.pending_end.take() {
            None => false,
            Some(BlockEnd::Goto(t)) => {
                self.emit_goto(t);
                true
            }
            Some(BlockEnd::GotoCond(c, t, n)) => {
                self.emit_goto_cond(c, t, n);
                true
            }
            Some(BlockEnd::GotoDyn(t)) => {
                self.emit_goto_dyn(t);
                true
            }
            Some(BlockEnd::Exit(reason, pc, arg)) => {
                self.emit_exit(reason, pc, arg);
                true
            }
        }
    }

    /// Ends a block that runs off its end (length cap, page end): continue at `pc`.
    pub fn end_block_at(&mut self, pc: u64) {
        self.emit_goto(pc);
    }

    fn emit_goto(&mut self, target: u64) {
        self.spill();
        self.goto_known(target);
        self.after_terminator();
    }

    fn emit_goto_cond(&mut self, c: Value, taken: u64, not_taken: u64) {
        if let Some(x) = self.known(c) {
            return self.emit_goto(if x != 0 { taken } else { not_taken });
        }
        self.spill();
        let t = self.b.create_block();
        let n = self.b.create_block();
        self.b.ins().brif(c, t, &[], n, &[]);
        self.b.seal_block(t);
        self.b.seal_block(n);
        self.b.switch_to_block(t);
        self.goto_known(taken);
        self.b.switch_to_block(n);
        self.goto_known(not_taken);
        self.after_terminator();
    }

    fn emit_goto_dyn(&mut self, target: Value) {
        self.spill();
        self.store_state(SLOT_PC, target);
        // Look the target up in the indirect-branch cache; on a hit run it directly.
        let index = self.b.ins().ushr_imm_s(target, 2);
        let index = self.b.ins().band_imm_s(index, self.env.ibtc_mask as i64);
        let offset = self.b.ins().ishl_imm_s(index, 4);
        let table = self.b.ins().iconst(I64, self.env.ibtc_addr as i64);
        let pair = self.b.ins().iadd(table, offset);
        let tag = self.b.ins().load(I64, state_flags(), pair, 0);
        let hit = self.b.ins().icmp(IntCC::Equal, tag, target);
        let hit_blk = self.b.create_block();
        let miss_blk = self.b.create_block();
        self.b.ins().brif(hit, hit_blk, &[], miss_blk, &[]);
        self.b.seal_block(hit_blk);
        self.b.seal_block(miss_blk);
        self.b.switch_to_block(hit_blk);
        let entry = self.b.ins().load(I64, state_flags(), pair, 8);
        self.tail_call_unless_stopped(entry);
        self.b.switch_to_block(miss_blk);
        self.ret_const(Exit::JUMP.0);
        self.after_terminator();
    }

    fn emit_exit(&mut self, reason: Exit, pc: u64, arg: u64) {
        self.spill();
        let arg = self.konst(arg);
        self.store_state(SLOT_EXIT_ARG, arg);
        let pc = self.konst(pc);
        self.store_state(SLOT_PC, pc);
        self.ret_const(reason.0);
        self.after_terminator();
    }

    // ---- small building blocks ----

    fn konst(&mut self, v: u64) -> Value {
        let x = self.b.ins().iconst(I64, v as i64);
        self.consts.insert(x, v);
        x
    }

    fn known(&self, v: Value) -> Option<u64> {
        self.consts.get(&v).copied()
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

    /// After a terminator, further emission goes to a fresh unreachable block (the
    /// driver stops, but this keeps stray emission harmless).
    fn after_terminator(&mut self) {
        let dead = self.b.create_block();
        self.b.switch_to_block(dead);
        self.b.seal_block(dead);
        self.ended = true;
    }

    /// Writes every dirty cached slot back to the state struct (the cache stays valid).
    fn spill(&mut self) {
        for i in 0..self.slots.len() {
            if self.slots[i].loaded && self.slots[i].dirty {
                let v = self.b.use_var(self.slots[i].var);
                let slot = self.slots[i].slot;
                self.store_state(slot, v);
            }
        }
    }

    /// A state helper may have changed any slot: reload everything on next use.
    fn forget_cache(&mut self) {
        for s in &mut self.slots {
            s.loaded = false;
            s.dirty = false;
        }
    }

    fn entry(&mut self, slot: Slot) -> usize {
        if let Some(&i) = self.slot_index.get(&slot.0) {
            return i;
        }
        let var = self.b.declare_var(I64);
        self.slots.push(CachedSlot {
            slot,
            var,
            loaded: false,
            dirty: false,
        });
        let i = self.slots.len() - 1;
        self.slot_index.insert(slot.0, i);
        i
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

    /// Emits `if cond { spill; pc := this insn; fault_addr := addr; return reason }` with
    /// the exit in a cold block; continues in the fall-through block.
    fn fault_if(&mut self, cond: Value, reason: Exit, addr: Value) {
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(cond, cold, &[], cont, &[]);
        self.b.seal_block(cold);
        self.b.seal_block(cont);
        self.b.switch_to_block(cold);
        self.fault_exit(reason, addr);
        self.b.switch_to_block(cont);
    }

    fn fault_exit(&mut self, reason: Exit, addr: Value) {
        self.spill();
        let pc = self.konst(self.pc);
        self.store_state(SLOT_PC, pc);
        self.store_state(SLOT_FAULT_ADDR, addr);
        self.ret_const(reason.0);
    }

    /// Checks a guest access of `size` bytes at `addr` needing `need` permissions and
    /// returns the host address. `aligned`: the caller already knows the access cannot
    /// cross a page. Faults exit exactly as [`MemView::check`] + the interpreter report.
    fn guest_access(&mut self, addr: Value, size: u64, need: u8, aligned: bool) -> Value {
        let mem = self.env.mem;
        let fault = if need & perm::WRITE != 0 {
            Exit::FAULT_WRITE
        } else {
            Exit::FAULT_READ
        };
        // Fast path: the whole access is below the limit, its first page has the
        // permissions, and it does not cross into the next page.
        let last_ok_start = mem.limit.saturating_sub(size);
        let in_range =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, addr, last_ok_start as i64);
        let page = self.b.ins().ushr_imm_s(addr, 12);
        let zero = self.b.ins().iconst(I64, 0);
        // Out of range addresses read page 0's byte instead (the result is ignored).
        let index = self.b.ins().select(in_range, page, zero);
        let perms_base = self.b.ins().iconst(I64, mem.perms as i64);
        let perm_addr = self.b.ins().iadd(perms_base, index);
        let p = self.b.ins().uload8(I64, state_flags(), perm_addr, 0);
        let has = self.b.ins().band_imm_s(p, need as i64);
        let perm_ok = self.b.ins().icmp_imm_s(IntCC::Equal, has, need as i64);
        let mut ok = self.b.ins().band(in_range, perm_ok);
        if size > 1 && !aligned {
            let offset = self.b.ins().band_imm_s(addr, 0xfff);
            let no_cross =
                self.b
                    .ins()
                    .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, offset, 4096 - size as i64);
            ok = self.b.ins().band(ok, no_cross);
        }
        let access = self.b.create_block();
        let slow = self.b.create_block();
        let fault_blk = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.set_cold_block(fault_blk);
        self.b.ins().brif(ok, access, &[], slow, &[]);
        self.b.seal_block(slow);

        self.b.switch_to_block(slow);
        let sig = self.sig("slow_check", 6, 1, self.env.host_call_conv);
        let out = self.scratch_addr();
        let args = [
            addr,
            self.b.ins().iconst(I64, size as i64),
            self.b.ins().iconst(I64, need as i64),
            perms_base,
            self.b.ins().iconst(I64, mem.limit as i64),
            out,
        ];
        let r = self
            .call_host(sig, slow_access_check as *const () as usize, &args)
            .unwrap_or(zero);
        self.b.ins().brif(r, fault_blk, &[], access, &[]);
        self.b.seal_block(fault_blk);
        self.b.seal_block(access);

        self.b.switch_to_block(fault_blk);
        let out = self.scratch_addr();
        let at = self.b.ins().load(I64, state_flags(), out, 0);
        self.fault_exit(fault, at);

        self.b.switch_to_block(access);
        let base = self.b.ins().iconst(I64, mem.base as i64);
        self.b.ins().iadd(base, addr)
    }

    /// Alignment check of the atomics: ALIGNMENT exit with fault_addr = addr.
    fn check_aligned(&mut self, addr: Value, size: u64) {
        if size > 1 {
            let low = self.b.ins().band_imm_s(addr, (size - 1) as i64);
            self.fault_if(low, Exit::ALIGNMENT, addr);
        }
    }

    fn narrow(&mut self, v: Value, size: Size) -> Value {
        if size >= 8 {
            v
        } else {
            self.b.ins().ireduce(int_type(size), v)
        }
    }

    fn widen(&mut self, v: Value, size: Size) -> Value {
        if size >= 8 {
            v
        } else {
            self.b.ins().uextend(I64, v)
        }
    }

    /// Ends the block at a known `target`: state is spilled and pc stored by the caller.
    /// If this exit's chaining cell holds the successor's entry and neither an interrupt
    /// nor a code flush is pending, tail-call it; otherwise return to the run loop
    /// (asking it, when the cell is empty, to link the cell once the successor exists).
    fn chain_exit(&mut self) {
        let Some((index, cell_addr)) = self.env.cells.alloc() else {
            // Out of cells: still correct, just not chained.
            self.ret_const(Exit::JUMP.0);
            return;
        };
        let cell = self.b.ins().iconst(I64, cell_addr as i64);
        let entry = self.b.ins().load(I64, state_flags(), cell, 0);
        let linked = self.b.create_block();
        let unlinked = self.b.create_block();
        self.b.set_cold_block(unlinked);
        self.b.ins().brif(entry, linked, &[], unlinked, &[]);
        self.b.seal_block(linked);
        self.b.seal_block(unlinked);

        self.b.switch_to_block(linked);
        self.tail_call_unless_stopped(entry);

        self.b.switch_to_block(unlinked);
        let req = self.b.ins().iconst(I64, index as i64 + 1);
        let req_addr = self.b.ins().iconst(I64, self.env.link_request_addr as i64);
        self.b.ins().store(state_flags(), req, req_addr, 0);
        self.ret_const(Exit::JUMP.0);
    }

    /// Tail-calls compiled code at `entry` unless an interrupt or a code flush is
    /// pending, in which case it returns to the run loop (state already spilled).
    fn tail_call_unless_stopped(&mut self, entry: Value) {
        let state = self.state;
        let interrupt = self
            .b
            .ins()
            .load(I64, state_flags(), state, SLOT_INTERRUPT.0 as i32);
        let gen_addr = self.b.ins().iconst(I64, self.env.generation_addr as i64);
        let gen = self.b.ins().load(I64, state_flags(), gen_addr, 0);
        let stale = self.b.ins().bxor_imm_s(gen, self.env.generation as i64);
        let stop = self.b.ins().bor(interrupt, stale);
        let go = self.b.create_block();
        let back = self.b.create_block();
        self.b.set_cold_block(back);
        self.b.ins().brif(stop, back, &[], go, &[]);
        self.b.seal_block(go);
        self.b.seal_block(back);
        self.b.switch_to_block(go);
        let sig = self.sig("block", 1, 1, CallConv::Tail);
        self.b.ins().return_call_indirect(sig, entry, &[state]);
        self.b.switch_to_block(back);
        self.ret_const(Exit::JUMP.0);
    }

    fn goto_known(&mut self, target: u64) {
        let t = self.konst(target);
        self.store_state(SLOT_PC, t);
        self.chain_exit();
    }
}

impl Emitter for JitEmitter<'_, '_> {
    type V = Value;

    fn begin_insn(&mut self, pc: u64) {
        self.pc = pc;
    }

    fn imm(&mut self, v: u64) -> Value {
        self.konst(v)
    }

    fn get(&mut self, slot: Slot) -> Value {
        let i = self.entry(slot);
        if self.slots[i].loaded {
            return self.b.use_var(self.slots[i].var);
        }
        let v = self.load_state(slot);
        self.b.def_var(self.slots[i].var, v);
        self.slots[i].loaded = true;
        v
    }

    fn set(&mut self, slot: Slot, v: Value) {
        let i = self.entry(slot);
        self.b.def_var(self.slots[i].var, v);
        self.slots[i].loaded = true;
        self.slots[i].dirty = true;
    }

    fn bin(&mut self, op: BinOp, a: Value, b: Value) -> Value {
        if let (Some(x), Some(y)) = (self.known(a), self.known(b)) {
            return self.konst(crate::interp::eval_bin(op, x, y));
        }
        match op {
            BinOp::Add => self.b.ins().iadd(a, b),
            BinOp::Sub => self.b.ins().isub(a, b),
            BinOp::And => self.b.ins().band(a, b),
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
            let n = s.b.ins().ireduce(t, a);
            s.b.ins().uextend(I64, n)
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
        let r = self.b.ins().icmp(cc, a, b);
        self.b.ins().uextend(I64, r)
    }

    fn select(&mut self, c: Value, a: Value, b: Value) -> Value {
        if let Some(x) = self.known(c) {
            return if x != 0 { a } else { b };
        }
        self.b.ins().select(c, a, b)
    }

    fn load(&mut self, addr: Value, size: Size) -> Result<Value, Exit> {
        let host = self.guest_access(addr, size as u64, perm::READ, false);
        let f = guest_flags();
        Ok(match size {
            1 => self.b.ins().uload8(I64, f, host, 0),
            2 => self.b.ins().uload16(I64, f, host, 0),
            4 => self.b.ins().uload32(f, host, 0),
            _ => self.b.ins().load(I64, f, host, 0),
        })
    }

    fn store(&mut self, addr: Value, v: Value, size: Size) -> Result<(), Exit> {
        let host = self.guest_access(addr, size as u64, perm::WRITE, false);
        let f = guest_flags();
        match size {
            1 => self.b.ins().istore8(f, v, host, 0),
            2 => self.b.ins().istore16(f, v, host, 0),
            4 => self.b.ins().istore32(f, v, host, 0),
            _ => self.b.ins().store(f, v, host, 0),
        };
        Ok(())
    }

    fn atomic_rmw(
        &mut self,
        op: AtomicOp,
        addr: Value,
        v: Value,
        size: Size,
    ) -> Result<Value, Exit> {
        self.check_aligned(addr, size as u64);
        let host = self.guest_access(addr, size as u64, perm::READ | perm::WRITE, true);
        let (op, v) = match op {
            AtomicOp::Add => (AtomicRmwOp::Add, v),
            AtomicOp::Clr => (AtomicRmwOp::And, self.b.ins().bnot(v)),
            AtomicOp::Xor => (AtomicRmwOp::Xor, v),
            AtomicOp::Set => (AtomicRmwOp::Or, v),
            AtomicOp::SMax => (AtomicRmwOp::Smax, v),
            AtomicOp::SMin => (AtomicRmwOp::Smin, v),
            AtomicOp::UMax => (AtomicRmwOp::Umax, v),
            AtomicOp::UMin => (AtomicRmwOp::Umin, v),
            AtomicOp::Swap => (AtomicRmwOp::Xchg, v),
        };
        let v = self.narrow(v, size);
        let old = self
            .b
            .ins()
            .atomic_rmw(int_type(size), guest_flags(), op, host, v);
        Ok(self.widen(old, size))
    }

    fn atomic_cas(
        &mut self,
        addr: Value,
        expected: Value,
        new: Value,
        size: Size,
    ) -> Result<Value, Exit> {
        self.check_aligned(addr, size as u64);
        let host = self.guest_access(addr, size as u64, perm::READ | perm::WRITE, true);
        let e = self.narrow(expected, size);
        let n = self.narrow(new, size);
        let old = self.b.ins().atomic_cas(guest_flags(), host, e, n);
        Ok(self.widen(old, size))
    }

    fn atomic_cas2(
        &mut self,
        addr: Value,
        expected: [Value; 2],
        new: [Value; 2],
    ) -> Result<[Value; 2], Exit> {
        self.check_aligned(addr, 16);
        let host = self.guest_access(addr, 16, perm::READ | perm::WRITE, true);
        let out = self.scratch_addr();
        let sig = self.sig("cas16", 6, 0, self.env.host_call_conv);
        let f = crate::interp::cas16_helper as *const () as usize;
        self.call_host(
            sig,
            f,
            &[host, expected[0], expected[1], new[0], new[1], out],
        );
        let lo = self.b.ins().load(I64, state_flags(), out, 0);
        let hi = self.b.ins().load(I64, state_flags(), out, 8);
        Ok([lo, hi])
    }

    fn fence(&mut self) {
        self.b.ins().fence();
    }

    fn call_pure(&mut self, f: PureHelper, args: [Value; 3]) -> Value {
        let sig = self.sig("pure", 3, 1, self.env.host_call_conv);
        match self.call_host(sig, f as *const () as usize, &args) {
            Some(v) => v,
            None => self.konst(0), // unreachable: the signature has one return
        }
    }

    fn call_state(&mut self, f: StateHelper, args: [Value; 3]) -> Result<(), Exit> {
        self.spill();
        let pc = self.konst(self.pc);
        self.store_state(SLOT_PC, pc);
        let sig = self.sig("state", 4, 1, self.env.host_call_conv);
        let state = self.state;
        let r = self.call_host(
            sig,
            f as *const () as usize,
            &[state, args[0], args[1], args[2]],
        );
        self.forget_cache();
        let Some(r) = r else { return Ok(()) };
        // A non-zero result ends the block: the state is already written back and pc set
        // (the helper may have changed it), so just return the code.
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(r, cold, &[], cont, &[]);
        self.b.seal_block(cold);
        self.b.seal_block(cont);
        self.b.switch_to_block(cold);
        self.b.ins().return_(&[r]);
        self.b.switch_to_block(cont);
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
        self.pending_end = Some(BlockEnd::GotoDyn(target));
    }

    fn exit(&mut self, reason: Exit, pc: u64, arg: u64) {
        self.pending_end = Some(BlockEnd::Exit(reason, pc, arg));
    }
}
