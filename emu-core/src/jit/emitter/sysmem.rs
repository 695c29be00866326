//! Guest memory access in compiled code, system mode: the inline software-TLB fast path
//! (DESIGN §6; QEMU's `prepare_host_addr`) and the cold call to the architecture's slow
//! path (`emu_core::memmodel::SlowAccessFn`).
//!
//! ```text
//!   entries = load [state + tlb_slot]            ; the current EL's TLB
//!   entry   = entries + ((va >> 12) & (N-1)) * 32
//!   if load [entry + tag] != (va + size - 1) & ~0xfff: goto slow   (cold)
//!   host    = va + load [entry + addend]
//!   access host
//! slow:
//!   r = slow_access(state, va, value, size | kind)
//!   r == 0 → fault exit; r == 1 → done (loads: value in value_slot); else access r
//! ```
//! The slow path reads and writes no guest register, so the block's cached registers stay
//! valid across it; it may change device state, which only later blocks observe.

use super::{state_flags, JitEmitter};
use crate::emit::{Exit, Size};
use crate::memmodel::{slow_op, SystemMemory, SLOW_DONE, SLOW_FAULT};
use crate::softmmu::{
    PAGE_MASK, TLB_ENTRIES, TLB_ENTRY_SHIFT, TLB_OFFSET_ADDEND, TLB_OFFSET_ADDR_READ,
    TLB_OFFSET_ADDR_WRITE,
};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{Block, InstBuilder, MemFlagsData, Value};

fn guest_flags() -> MemFlagsData {
    // Only ever dereferenced after the TLB or the slow path vouched for the address.
    MemFlagsData::new().with_notrap()
}

/// What an access does with the host address once it has one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SysAccess {
    Load,
    Store(Value),
    /// Atomics: the caller performs the operation on the returned host address.
    HostAddress,
}

impl JitEmitter<'_, '_> {
    /// The inline TLB probe: branches to `fast` with the host address, or to the cold
    /// `slow` block. Returns nothing; the caller fills `slow`.
    fn tlb_probe(
        &mut self,
        sm: SystemMemory,
        addr: Value,
        size: u64,
        write: bool,
        fast: Block,
        slow: Block,
    ) {
        let entries = self
            .b
            .ins()
            .load(I64, state_flags(), self.state, sm.tlb_slot.0 as i32);
        let page = self
            .b
            .ins()
            .ushr_imm_s(addr, crate::softmmu::PAGE_SHIFT as i64);
        let index = self.b.ins().band_imm_s(page, (TLB_ENTRIES - 1) as i64);
        let offset = self.b.ins().ishl_imm_s(index, TLB_ENTRY_SHIFT as i64);
        let entry = self.b.ins().iadd(entries, offset);
        let tag_offset = if write {
            TLB_OFFSET_ADDR_WRITE
        } else {
            TLB_OFFSET_ADDR_READ
        };
        let tag = self.b.ins().load(I64, state_flags(), entry, tag_offset);
        let last = if size > 1 {
            self.b.ins().iadd_imm_s(addr, (size - 1) as i64)
        } else {
            addr
        };
        let last_page = self.b.ins().band_imm_s(last, PAGE_MASK as i64);
        let hit = self.b.ins().icmp(IntCC::Equal, tag, last_page);
        let hit_blk = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.ins().brif(hit, hit_blk, &[], slow, &[]);
        self.b.seal_block(hit_blk);
        self.b.switch_to_block(hit_blk);
        let addend = self
            .b
            .ins()
            .load(I64, state_flags(), entry, TLB_OFFSET_ADDEND);
        let host = self.b.ins().iadd(addr, addend);
        self.b.ins().jump(fast, &[host.into()]);
    }

    /// A system-mode access of `size` bytes at `addr`. For `Load` returns the
    /// zero-extended value, for `HostAddress` the host address, for `Store` a dummy.
    pub(super) fn sys_access(
        &mut self,
        sm: SystemMemory,
        addr: Value,
        size: Size,
        what: SysAccess,
    ) -> Value {
        // No `sync` on the hot path: the cold slow path writes the dirty guest registers
        // back itself before it can fault (see `spill_dirty`).
        let (write, kind, fault) = match what {
            SysAccess::Load => (false, slow_op::READ, Exit::FAULT_READ),
            SysAccess::Store(_) => (true, slow_op::WRITE, Exit::FAULT_WRITE),
            SysAccess::HostAddress => (true, slow_op::ATOMIC, Exit::FAULT_WRITE),
        };
        let size64 = size as u64;
        // `fast(host)`: do the access at a host address; `join(value)`: after it.
        let fast = self.b.create_block();
        self.b.append_block_param(fast, I64);
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.append_block_param(join, I64);

        self.tlb_probe(sm, addr, size64, write, fast, slow);

        // Slow path (cold).
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        self.spill_dirty();
        let value = match what {
            SysAccess::Store(v) => v,
            _ => self.b.ins().iconst(I64, 0),
        };
        let op = self.b.ins().iconst(I64, (size64 | kind) as i64);
        let sig = self.sig("sys_slow_access", 4, 1, self.env.build.host_call_conv);
        let r = self
            .call_host(sig, sm.slow_access as usize, &[self.state, addr, value, op])
            .unwrap_or(value);
        let fault_args = self.fault_args(addr, fault);
        let fault_blk = self.fault_block();
        let not_fault = self.b.create_block();
        self.b.set_cold_block(not_fault);
        let is_fault = self.b.ins().icmp_imm_s(IntCC::Equal, r, SLOW_FAULT as i64);
        self.b
            .ins()
            .brif(is_fault, fault_blk, &fault_args, not_fault, &[]);
        self.b.seal_block(not_fault);
        self.b.switch_to_block(not_fault);
        if what == SysAccess::HostAddress {
            // The slow path only answers fault or a host address for atomics.
            self.b.ins().jump(fast, &[r.into()]);
        } else {
            let done = self.b.create_block();
            self.b.set_cold_block(done);
            let is_done = self.b.ins().icmp_imm_s(IntCC::Equal, r, SLOW_DONE as i64);
            self.b.ins().brif(is_done, done, &[], fast, &[r.into()]);
            self.b.seal_block(done);
            self.b.switch_to_block(done);
            let v = match what {
                SysAccess::Load => {
                    self.b
                        .ins()
                        .load(I64, state_flags(), self.state, sm.value_slot.0 as i32)
                }
                _ => self.b.ins().iconst(I64, 0),
            };
            self.b.ins().jump(join, &[v.into()]);
        }
        self.b.seal_block(fast);

        // The access at a host address (from the TLB or the slow path).
        self.b.switch_to_block(fast);
        let host = self.b.block_params(fast)[0];
        let f = guest_flags();
        let v = match what {
            SysAccess::Load => match size {
                1 => self.b.ins().uload8(I64, f, host, 0),
                2 => self.b.ins().uload16(I64, f, host, 0),
                4 => self.b.ins().uload32(f, host, 0),
                _ => self.b.ins().load(I64, f, host, 0),
            },
            SysAccess::Store(v) => {
                match size {
                    1 => self.b.ins().istore8(f, v, host, 0),
                    2 => self.b.ins().istore16(f, v, host, 0),
                    4 => self.b.ins().istore32(f, v, host, 0),
                    _ => self.b.ins().store(f, v, host, 0),
                };
                v
            }
            SysAccess::HostAddress => host,
        };
        self.b.ins().jump(join, &[v.into()]);
        self.b.seal_block(join);
        self.b.switch_to_block(join);
        let result = self.b.block_params(join)[0];
        if what == SysAccess::Load && size < 8 {
            self.narrow.insert(result, 8 * size as u32);
        }
        result
    }
}
