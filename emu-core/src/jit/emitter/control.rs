//! Control flow in compiled code: the entry check, helper calls, traps and faults, and
//! block ends with chaining.
//!
//! Chaining: a direct exit stores the target pc, leaves its cell number in the
//! link-request word and tail-calls whatever its cell holds: the successor's entry once
//! the run loop has linked it, else a stub that returns [`Exit::JUMP`] to the run loop,
//! which then links the cell (see `jit/mod.rs`). Every other exit that returns
//! [`Exit::JUMP`] clears the word, so a non-zero word on a `JUMP` return always names the
//! exit that led to the current pc. The interrupt/code-flush check happens at every
//! block's entry, so a chained loop still stops when asked.
//!
//! System mode: a chaining cell is linked once for good, so it may only lead to code
//! whose translation cannot differ from its source block's: the same page (the run loop
//! entered or looked up the source under the current translation, and every change of
//! translation is followed by an exit before another block runs). Every other branch (indirect,
//! exception return, or direct to another page) is QEMU's `lookup_and_goto_ptr`: look
//! the target VA up in the indirect-branch cache, then check inline that the current
//! EL's TLB still translates it, for execution, to the host address the cached block
//! was fetched from; anything else returns to the run loop, which does the full lookup
//! (and fills the TLB and the cache). This is exact without tracking ASIDs or
//! translation-register writes: the TLB already reflects them (TLBI, TTBR and SCTLR
//! writes flush it; a per-EL TLB keeps EL0 from using an EL1-only page), and a store to
//! a code page drops the page's cache entries and stops at the next block entry.

use super::{state_flags, BlockEnd, JitEmitter};
use crate::emit::*;
use crate::memmodel::{MemModel, SystemMemory};
use crate::softmmu::{
    PAGE_MASK, PAGE_SHIFT, TLB_ENTRIES, TLB_ENTRY_SHIFT, TLB_OFFSET_ADDEND, TLB_OFFSET_ADDR_CODE,
};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{Block, InstBuilder, Value};
use cranelift_codegen::isa::CallConv;

impl JitEmitter<'_, '_> {
    /// Block entry (and loop head): return to the run loop (state.pc is this block's
    /// start) if an interrupt is pending or translated code was invalidated since we were
    /// compiled.
    pub(super) fn stop_if_requested(&mut self) {
        let state = self.state;
        let interrupt = self
            .b
            .ins()
            .load(I64, state_flags(), state, SLOT_INTERRUPT.0 as i32);
        let gen_addr = self.b.ins().iconst(I64, self.env.generation_addr as i64);
        let gen = self.b.ins().load(I64, state_flags(), gen_addr, 0);
        let stale = self.b.ins().bxor_imm_s(gen, self.env.generation as i64);
        let mut stop = self.b.ins().bor(interrupt, stale);
        let mut icount = None;
        if self.env.build.count_insns {
            let count = self
                .b
                .ins()
                .load(I64, state_flags(), state, SLOT_ICOUNT.0 as i32);
            let limit = self
                .b
                .ins()
                .load(I64, state_flags(), state, SLOT_ICOUNT_LIMIT.0 as i32);
            let over = self
                .b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, count, limit);
            let over = self.b.ins().uextend(I64, over);
            stop = self.b.ins().bor(stop, over);
            icount = Some(count);
        }
        let stop_blk = self.b.create_block();
        let body = self.b.create_block();
        self.b.set_cold_block(stop_blk);
        self.b.ins().brif(stop, stop_blk, &[], body, &[]);
        self.b.seal_block(stop_blk);
        self.b.seal_block(body);
        self.b.switch_to_block(stop_blk);
        // state.pc is this block's start here, however we came in.
        // The link-request word is left alone: if a chained exit brought us here, linking
        // its cell to this very block again is harmless. In a compiled loop, the slots
        // that the back edge left in variables are written back first.
        self.spill_dirty();
        self.ret_const(Exit::JUMP.0);
        self.b.switch_to_block(body);
        if let Some(count) = icount {
            // The increment is the whole function's length, known only at `finish`.
            let n = self.b.ins().iconst(I64, 0);
            if let Some(v) = self.b.func.dfg.value_def(n).inst() {
                self.icount_increment = Some(v);
            }
            let sum = self.b.ins().iadd(count, n);
            self.b
                .ins()
                .store(state_flags(), sum, state, SLOT_ICOUNT.0 as i32);
        }
    }

    /// The cold block that ends the function with [`Exit::RESTART`] at the current
    /// restart point (one per restart point, made on first use, filled at the end).
    pub(super) fn restart_exit_block(&mut self) -> Block {
        let index = self.restarts.len();
        if let Some((i, b)) = self.restart_exit {
            if i == index {
                return b;
            }
        }
        let pc = self.restart.unwrap_or(self.env.block_pc);
        let b = self.b.create_block();
        self.b.set_cold_block(b);
        self.restart_exit = Some((index, b));
        self.restart_exit_blocks.push((b, pc));
        b
    }

    pub(super) fn fill_restart_exit_blocks(&mut self) {
        for (b, pc) in std::mem::take(&mut self.restart_exit_blocks) {
            self.b.switch_to_block(b);
            self.b.seal_block(b);
            let pcv = self.b.ins().iconst(I64, pc as i64);
            self.store_state(SLOT_PC, pcv);
            self.clear_link_request();
            self.ret_const(Exit::RESTART.0);
        }
    }

    /// The shared cold fault block (params: pc, fault_addr, exit code), made on first use
    /// and filled by [`Self::fill_fault_block`] at the end.
    pub(super) fn fault_block(&mut self) -> Block {
        if let Some(b) = self.fault_block {
            return b;
        }
        let b = self.b.create_block();
        self.b.set_cold_block(b);
        for _ in 0..3 {
            self.b.append_block_param(b, I64);
        }
        self.fault_block = Some(b);
        b
    }

    pub(super) fn fill_fault_block(&mut self) {
        let Some(blk) = self.fault_block else { return };
        self.b.switch_to_block(blk);
        self.b.seal_block(blk);
        let params = self.b.block_params(blk).to_vec();
        let [pc, addr, code] = params[..] else {
            unreachable!("the fault block has three parameters")
        };
        self.store_state(SLOT_PC, pc);
        self.store_state(SLOT_FAULT_ADDR, addr);
        self.clear_link_request();
        self.b.ins().return_(&[code]);
    }

    /// `if cond { pc := this insn; fault_addr := addr; return reason }`, continuing in a
    /// fresh block.
    pub(super) fn fault_if(&mut self, cond: Value, reason: Exit, addr: Value) {
        self.sync();
        let args = self.fault_args(addr, reason);
        let cond = self.condition(cond);
        let fault = self.fault_block();
        let cont = self.b.create_block();
        self.b.ins().brif(cond, fault, &args, cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    pub(super) fn clear_link_request(&mut self) {
        let addr = self
            .b
            .ins()
            .iconst(I64, self.env.build.link_request_addr as i64);
        let zero = self.b.ins().iconst(I64, 0);
        self.b.ins().store(state_flags(), zero, addr, 0);
    }

    pub(super) fn emit_call_pure(&mut self, f: PureHelper, args: [Value; 3]) -> Value {
        let sig = self.sig("pure", 3, 1, self.env.build.host_call_conv);
        match self.call_host(sig, f as *const () as usize, &args) {
            Some(v) => v,
            None => unreachable!("the pure-helper signature has one return value"),
        }
    }

    /// Calls a state helper with the state written back and a precise pc; a non-zero
    /// result ends the block with that exit code.
    pub(super) fn emit_call_state(&mut self, f: StateHelper, args: [Value; 3]) {
        self.sync();
        let pc = self.konst(self.pc);
        self.store_state(SLOT_PC, pc);
        self.pc_clobbered = true;
        let sig = self.sig("state", 4, 1, self.env.build.host_call_conv);
        let state = self.state;
        let r = match self.call_host(
            sig,
            f as *const () as usize,
            &[state, args[0], args[1], args[2]],
        ) {
            Some(r) => r,
            None => unreachable!("the state-helper signature has one return value"),
        };
        self.forget_cache();
        self.state_changed();
        let exit = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(exit);
        self.b.ins().brif(r, exit, &[], cont, &[]);
        self.b.seal_block(exit);
        self.b.seal_block(cont);
        self.b.switch_to_block(exit);
        // r != 0, so never JUMP: the link-request word does not matter.
        self.b.ins().return_(&[r]);
        self.b.switch_to_block(cont);
    }

    /// Emits the block end that the instruction just executed asked for, if any
    /// (`goto*`/`exit` only record it, so that everything else the instruction does,
    /// in any order, is part of the block, as in the interpreter). Returns whether the
    /// block is over.
    pub fn end_insn(&mut self) -> bool {
        if self.pending_end.is_none() {
            return false;
        }
        self.dirty_at_end = self
            .slots
            .iter()
            .filter(|(_, s)| s.dirty)
            .map(|(&off, _)| off)
            .collect();
        // Before any branching: every exit path needs the state written back. Except in a
        // compiled loop, where the back edge keeps the dirty slots in variables and the
        // exit paths write them back themselves (`emit_goto`).
        let direct = matches!(
            self.pending_end,
            Some(BlockEnd::Goto(_) | BlockEnd::GotoCond(..))
        );
        if !(self.looping && direct) {
            self.sync();
        }
        match self.pending_end.take() {
            None => return false,
            Some(BlockEnd::Goto(t)) => self.emit_goto(t),
            Some(BlockEnd::GotoCond(c, t, n)) => self.emit_goto_cond(c, t, n),
            Some(BlockEnd::GotoDyn(t)) => self.emit_goto_dyn(t),
            Some(BlockEnd::Exit(reason, pc, arg)) => self.emit_exit(reason, pc, arg),
        }
        self.after_block_end();
        true
    }

    /// The target of the instruction just executed if it ended with a direct jump
    /// elsewhere than this block's start (a candidate to continue compiling at).
    pub fn pending_direct_jump(&self) -> Option<u64> {
        match self.pending_end {
            Some(BlockEnd::Goto(t)) if t != self.env.block_pc => Some(t),
            _ => None,
        }
    }

    /// Takes the pending direct jump as "continue here": the following instructions
    /// (the driver emits those at the target) run inside this function, and pc reads
    /// as the jump left it.
    pub fn continue_at_jump_target(&mut self) {
        if let Some(BlockEnd::Goto(t)) = self.pending_end.take() {
            let tv = self.konst(t);
            self.set(SLOT_PC, tv);
        }
    }

    /// Ends a block that runs off its end (length cap, page end): continue at `pc`.
    pub fn end_block_at(&mut self, pc: u64) {
        self.sync();
        self.emit_goto(pc);
        self.after_block_end();
    }

    /// Ends the block at the current instruction with `reason` (semantics that returned
    /// an exit without going through the emitter): state.pc = this instruction.
    pub fn exit_here(&mut self, reason: Exit) {
        self.sync();
        let pc = self.konst(self.pc);
        self.store_state(SLOT_PC, pc);
        self.clear_link_request();
        self.ret_const(reason.0);
        self.after_block_end();
    }

    /// After a block end, further emission goes to a fresh unreachable block (the
    /// driver stops, but this keeps stray emission harmless).
    fn after_block_end(&mut self) {
        let dead = self.b.create_block();
        self.b.switch_to_block(dead);
        self.b.seal_block(dead);
        self.ended = true;
    }

    fn emit_goto(&mut self, target: u64) {
        let t = self.konst(target);
        if target == self.env.block_pc && self.looping {
            return self.back_edge(t);
        }
        // Writes nothing unless this is a compiled loop's exit (see `end_insn`); dirty
        // flags stay set for the other side of a conditional branch.
        self.spill_dirty();
        if let MemModel::System(sm) = self.env.build.mem {
            if target >> PAGE_SHIFT != self.env.block_pc >> PAGE_SHIFT {
                // Another page may be mapped differently next time: no cell.
                self.store_state(SLOT_PC, t);
                self.clear_link_request();
                self.sys_lookup_and_goto(sm, t);
                return;
            }
        }
        if target == self.env.block_pc {
            self.note_loop();
            // A loop onto this very block: jump back to the entry check (the state is
            // synced, and the body reloads what it uses). pc is stored as on any entry:
            // semantics may read it.
            self.store_state(SLOT_PC, t);
            let head = self.loop_head;
            self.b.ins().jump(head, &[]);
            return;
        }
        self.store_state(SLOT_PC, t);
        self.chain_exit();
    }

    /// Without a loop plan: records what this back edge needs for the plan.
    fn note_loop(&mut self) {
        let plan = self.found_loop.get_or_insert_with(Default::default);
        for &off in self.slots.keys() {
            if !plan.slots.contains(&off) {
                plan.slots.push(off);
            }
        }
        for &off in &self.dirty_at_end {
            if !plan.dirty.contains(&off) {
                plan.dirty.push(off);
            }
        }
        if self.slots.contains_key(&SLOT_PC.0) && !plan.dirty.contains(&SLOT_PC.0) {
            // The back edge sets a cached pc (see `back_edge`).
            plan.dirty.push(SLOT_PC.0);
        }
    }

    /// A compiled loop's back edge: jump to the loop head with the guest state in
    /// variables. Every slot of the plan must hold its current value there (the head's
    /// stop check and the next iteration use them); any other dirty slot is written back,
    /// since the next iteration reloads it from the state.
    fn back_edge(&mut self, t: Value) {
        if self.slots.contains_key(&SLOT_PC.0) {
            self.set(SLOT_PC, t);
        }
        let offs: Vec<u32> = self.slots.keys().copied().collect();
        for off in offs {
            let Some(s) = self.slots.get(&off) else {
                continue;
            };
            let (var, loaded, dirty) = (s.var, s.loaded, s.dirty);
            if !loaded {
                // Forgotten after a state helper (which synced first): reload.
                let v = self.load_state(Slot(off));
                self.b.def_var(var, v);
                if let Some(s) = self.slots.get_mut(&off) {
                    s.loaded = true;
                }
            } else if dirty && !self.loop_dirty.contains(&off) {
                let v = self.b.use_var(var);
                self.store_state(Slot(off), v);
            }
        }
        if self.pc_clobbered && !self.slots.contains_key(&SLOT_PC.0) {
            self.store_state(SLOT_PC, t);
        }
        let head = self.loop_head;
        self.b.ins().jump(head, &[]);
    }

    fn emit_goto_cond(&mut self, c: Value, taken: u64, not_taken: u64) {
        if let Some(x) = self.known(c) {
            return self.emit_goto(if x != 0 { taken } else { not_taken });
        }
        let c = self.condition(c);
        let t = self.b.create_block();
        let n = self.b.create_block();
        self.b.ins().brif(c, t, &[], n, &[]);
        self.b.seal_block(t);
        self.b.seal_block(n);
        self.b.switch_to_block(t);
        self.emit_goto(taken);
        self.b.switch_to_block(n);
        self.emit_goto(not_taken);
    }

    /// A direct exit: tail-call through a fresh chaining cell (state.pc already set).
    fn chain_exit(&mut self) {
        let Some((index, cell_addr)) = self.env.build.cells.alloc(self.env.build.unlinked_entry)
        else {
            // Out of cells: still correct, just never chained.
            self.clear_link_request();
            self.ret_const(Exit::JUMP.0);
            return;
        };
        let req = self.b.ins().iconst(I64, index as i64 + 1);
        let req_addr = self
            .b
            .ins()
            .iconst(I64, self.env.build.link_request_addr as i64);
        self.b.ins().store(state_flags(), req, req_addr, 0);
        let cell = self.b.ins().iconst(I64, cell_addr as i64);
        let entry = self.b.ins().load(I64, state_flags(), cell, 0);
        self.tail_call_block(entry);
    }

    /// Tail-calls the compiled block at host address `entry` with the guest state.
    fn tail_call_block(&mut self, entry: Value) {
        let sig = self.sig("block", 1, 1, CallConv::Tail);
        let state = self.state;
        self.b.ins().return_call_indirect(sig, entry, &[state]);
    }

    /// The address of the indirect-branch cache entry for `target`: entries of
    /// `1 << entry_shift` bytes, direct-mapped by `target >> 2`, tag first.
    fn ibtc_slot(&mut self, target: Value, entry_shift: i64) -> Value {
        let index = self.b.ins().ushr_imm_s(target, 2);
        let index = self
            .b
            .ins()
            .band_imm_s(index, self.env.build.ibtc_mask as i64);
        let offset = self.b.ins().ishl_imm_s(index, entry_shift);
        let table = self.b.ins().iconst(I64, self.env.build.ibtc_addr as i64);
        self.b.ins().iadd(table, offset)
    }

    /// Ends a lookup: on `hit`, tail-call the entry stored at `slot + entry_offset`;
    /// otherwise return [`Exit::JUMP`] to the run loop.
    fn tail_call_cached_or_return(&mut self, hit: Value, slot: Value, entry_offset: i32) {
        let hit_blk = self.b.create_block();
        let miss_blk = self.b.create_block();
        self.b.ins().brif(hit, hit_blk, &[], miss_blk, &[]);
        self.b.seal_block(hit_blk);
        self.b.seal_block(miss_blk);
        self.b.switch_to_block(hit_blk);
        let entry = self.b.ins().load(I64, state_flags(), slot, entry_offset);
        self.tail_call_block(entry);
        self.b.switch_to_block(miss_blk);
        self.ret_const(Exit::JUMP.0);
    }

    /// An indirect exit: look the target up in the indirect-branch cache and tail-call
    /// it on a hit (empty entries hold the stub that returns to the run loop).
    fn emit_goto_dyn(&mut self, target: Value) {
        self.store_state(SLOT_PC, target);
        self.clear_link_request();
        if let MemModel::System(sm) = self.env.build.mem {
            return self.sys_lookup_and_goto(sm, target);
        }
        // User mode: (pc, entry) pairs.
        let pair = self.ibtc_slot(target, 4);
        let tag = self.b.ins().load(I64, state_flags(), pair, 0);
        let hit = self.b.ins().icmp(IntCC::Equal, tag, target);
        self.tail_call_cached_or_return(hit, pair, 8);
    }

    /// System mode: tail-call the compiled block at `target` (state.pc is set, the link
    /// request cleared) if the cache has one and the current EL's TLB translates
    /// `target` for execution to the host address that block was fetched from; else
    /// return [`Exit::JUMP`]. All loads are from always-valid tables, so the three
    /// comparisons combine into one branch.
    fn sys_lookup_and_goto(&mut self, sm: SystemMemory, target: Value) {
        // (pc, host address of its first instruction, entry, unused) per entry.
        let slot = self.ibtc_slot(target, 5);
        let tag = self.b.ins().load(I64, state_flags(), slot, 0);
        let same_pc = self.b.ins().icmp(IntCC::Equal, tag, target);
        // The TLB fast path for a 4-byte fetch (aligned: a misaligned target never
        // matches a tag above).
        let entries = self
            .b
            .ins()
            .load(I64, state_flags(), self.state, sm.tlb_slot.0 as i32);
        let page = self.b.ins().ushr_imm_s(target, PAGE_SHIFT as i64);
        let tindex = self.b.ins().band_imm_s(page, (TLB_ENTRIES - 1) as i64);
        let toffset = self.b.ins().ishl_imm_s(tindex, TLB_ENTRY_SHIFT as i64);
        let tentry = self.b.ins().iadd(entries, toffset);
        let code_tag = self
            .b
            .ins()
            .load(I64, state_flags(), tentry, TLB_OFFSET_ADDR_CODE);
        let target_page = self.b.ins().band_imm_s(target, PAGE_MASK as i64);
        let executable = self.b.ins().icmp(IntCC::Equal, code_tag, target_page);
        let addend = self
            .b
            .ins()
            .load(I64, state_flags(), tentry, TLB_OFFSET_ADDEND);
        let host = self.b.ins().iadd(target, addend);
        let expected = self.b.ins().load(I64, state_flags(), slot, 8);
        let same_code = self.b.ins().icmp(IntCC::Equal, host, expected);
        let hit = self.b.ins().band(same_pc, executable);
        let hit = self.b.ins().band(hit, same_code);
        self.tail_call_cached_or_return(hit, slot, 16);
    }

    fn emit_exit(&mut self, reason: Exit, pc: u64, arg: u64) {
        let arg = self.konst(arg);
        self.store_state(SLOT_EXIT_ARG, arg);
        let pc = self.konst(pc);
        self.store_state(SLOT_PC, pc);
        if reason == Exit::JUMP {
            self.clear_link_request();
        }
        self.ret_const(reason.0);
    }
}
