//! Guest memory access in compiled code: the inline check against the permission table
//! (or, for user mode's host-faulting loads and stores, against the range only), the
//! cold slow path, and loads, stores and atomics on the host address.

use super::sysmem::SysAccess;
use super::{int_type, state_flags, JitEmitter};
use crate::emit::{perm, AtomicOp, Exit, Size};
use crate::mem::MemView;
use crate::memmodel::MemModel;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{AtomicRmwOp, BlockArg, InstBuilder, MemFlagsData, Value};
use cranelift_codegen::isa::CallConv;

fn guest_flags() -> MemFlagsData {
    // Checked before use, so it cannot trap; guest accesses may be unaligned.
    MemFlagsData::new().with_notrap()
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

impl JitEmitter<'_, '_> {
    /// A plain load or store: with host faults and a restart point, only the range is
    /// checked and the access itself may fault in the host (returns the flags to access
    /// with); otherwise [`Self::guest_access`].
    fn plain_access(
        &mut self,
        mem: MemView,
        addr: Value,
        size: u64,
        need: u8,
    ) -> (Value, MemFlagsData) {
        match self.host_fault_code() {
            Some(code) => {
                let host = self.host_fault_access(mem, addr, size);
                (host, MemFlagsData::new().with_trap_code(Some(code)))
            }
            None => (
                self.guest_access(mem, addr, size, need, false),
                guest_flags(),
            ),
        }
    }

    /// The host address of a host-faulting access (there is a restart point): only the
    /// range is checked. Outside it the function returns [`Exit::RESTART`] with pc at the
    /// restart point, and the interpreter makes the access (and raises its fault). So
    /// the cold path needs none of the dirty guest registers, which a spill to the state
    /// struct would keep alive across every access of the block.
    fn host_fault_access(&mut self, mem: MemView, addr: Value, size: u64) -> Value {
        let last_ok_start = mem.limit.saturating_sub(size);
        if let Some(k) = self.known(addr) {
            if k <= last_ok_start {
                return self
                    .b
                    .ins()
                    .iconst(I64, mem.base.wrapping_add(k as usize) as i64);
            }
            let restart = self.restart_exit_block();
            self.b.ins().jump(restart, &[]);
            // Unreachable: the caller still emits its access here.
            let dead = self.b.create_block();
            self.b.switch_to_block(dead);
            self.b.seal_block(dead);
            return self.b.ins().iconst(I64, mem.base as i64);
        }
        // `addr` = `root + offset`, offset + size within the guard after the guest space:
        // `root < limit` keeps the whole access inside the reservation, where the host
        // faults whatever the guest may not touch (the guard included). One check per
        // root dominates every later access off it.
        let root = match self.addr_parts.get(&addr) {
            Some(&(root, offset)) if offset + size <= crate::mem::GUARD_BYTES => root,
            _ => addr,
        };
        if !self.range_checked.contains(&root) {
            let in_range = self
                .b
                .ins()
                .icmp_imm_s(IntCC::UnsignedLessThan, root, mem.limit as i64);
            let restart = self.restart_exit_block();
            let access = self.b.create_block();
            self.b.ins().brif(in_range, access, &[], restart, &[]);
            self.b.seal_block(access);
            self.b.switch_to_block(access);
            self.range_checked.insert(root);
        }
        let base = self.b.ins().iconst(I64, mem.base as i64);
        self.b.ins().iadd(base, addr)
    }

    /// Checks a guest access of `size` bytes at `addr` needing `need` permissions and
    /// returns the host address. `aligned`: the caller already knows the access cannot
    /// cross a page. A fault exits exactly as the interpreter does (pc = this
    /// instruction, fault_addr = the first bad byte as [`MemView::check`] finds it).
    fn guest_access(
        &mut self,
        mem: MemView,
        addr: Value,
        size: u64,
        need: u8,
        aligned: bool,
    ) -> Value {
        // No `sync` here: a fault is rare, so the cold path writes the dirty guest
        // registers back itself (see `spill_dirty`) and the hot path stores nothing.
        let fault = if need & perm::WRITE != 0 {
            Exit::FAULT_WRITE
        } else {
            Exit::FAULT_READ
        };
        // Fast path, as three fused compare-and-branch steps to the cold slow path: the
        // whole access is below the limit; its first page has the permissions (the table
        // is only read for in-range addresses, so no index masking); it does not cross
        // into the next page.
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let last_ok_start = mem.limit.saturating_sub(size);
        let access = self.b.create_block();
        match self.known(addr) {
            // A constant address (globals through ADRP): range and page crossing are
            // known now; only the permission byte (which mmap/mprotect change) is read,
            // at a constant host address.
            Some(k) if k <= last_ok_start && (aligned || (k & 0xfff) <= 4096 - size) => {
                let perm_addr = self
                    .b
                    .ins()
                    .iconst(I64, (mem.perms as u64 + (k >> 12)) as i64);
                let perm_ok = self.page_allows(perm_addr, need);
                self.b.ins().brif(perm_ok, access, &[], slow, &[]);
            }
            _ => self.dynamic_check(mem, addr, size, need, aligned, slow, access),
        }
        self.b.seal_block(slow);

        // Slow path: ask MemView::check itself (page-crossing accesses that are fine
        // come back to `access`, with the dirty slots spilled, which a restart point
        // cannot allow).
        self.set_restart(None);
        self.b.switch_to_block(slow);
        self.spill_dirty();
        let perms_base = self.b.ins().iconst(I64, mem.perms as i64);
        let sig = self.sig("slow_check", 6, 0, CallConv::PreserveAll);
        let out = self
            .b
            .ins()
            .iconst(I64, self.env.build.slow_check_out as i64);
        let args = [
            self.state,
            addr,
            self.b.ins().iconst(I64, (size | (need as u64) << 8) as i64),
            perms_base,
            self.b.ins().iconst(I64, mem.limit as i64),
            out,
        ];
        let callee = self
            .b
            .ins()
            .iconst(I64, self.env.build.slow_check_entry as i64);
        self.b.ins().call_indirect(sig, callee, &args);
        let at = self.b.ins().load(I64, state_flags(), out, 0);
        let r = self.b.ins().load(I64, state_flags(), out, 8);
        let fault_args = self.fault_args(at, fault);
        let fault_blk = self.fault_block();
        self.b.ins().brif(r, fault_blk, &fault_args, access, &[]);
        self.b.seal_block(access);

        self.b.switch_to_block(access);
        if let Some(k) = self.known(addr) {
            return self
                .b
                .ins()
                .iconst(I64, mem.base.wrapping_add(k as usize) as i64);
        }
        let base = self.b.ins().iconst(I64, mem.base as i64);
        self.b.ins().iadd(base, addr)
    }

    /// The inline check of an address known only at run time: branches to `access` when
    /// the fast path allows the access, else to `slow`.
    #[allow(clippy::too_many_arguments)]
    fn dynamic_check(
        &mut self,
        mem: MemView,
        addr: Value,
        size: u64,
        need: u8,
        aligned: bool,
        slow: cranelift_codegen::ir::Block,
        access: cranelift_codegen::ir::Block,
    ) {
        let last_ok_start = mem.limit.saturating_sub(size);
        let in_range =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, addr, last_ok_start as i64);
        let range_ok = self.b.create_block();
        self.b.ins().brif(in_range, range_ok, &[], slow, &[]);
        self.b.seal_block(range_ok);
        self.b.switch_to_block(range_ok);
        let page = self.b.ins().ushr_imm_s(addr, 12);
        let perms_base = self.b.ins().iconst(I64, mem.perms as i64);
        let perm_addr = self.b.ins().iadd(perms_base, page);
        let perm_ok = self.page_allows(perm_addr, need);
        if size > 1 && !aligned {
            let perm_ok_blk = self.b.create_block();
            self.b.ins().brif(perm_ok, perm_ok_blk, &[], slow, &[]);
            self.b.seal_block(perm_ok_blk);
            self.b.switch_to_block(perm_ok_blk);
            let offset = self.b.ins().band_imm_s(addr, 0xfff);
            let no_cross =
                self.b
                    .ins()
                    .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, offset, 4096 - size as i64);
            self.b.ins().brif(no_cross, access, &[], slow, &[]);
        } else {
            self.b.ins().brif(perm_ok, access, &[], slow, &[]);
        }
    }

    /// Non-zero when the permission byte at host address `perm_addr` has every bit of
    /// `need` (a single bit needs no comparison).
    fn page_allows(&mut self, perm_addr: Value, need: u8) -> Value {
        let p = self.b.ins().uload8(I64, state_flags(), perm_addr, 0);
        let has = self.b.ins().band_imm_s(p, need as i64);
        if need.count_ones() == 1 {
            has
        } else {
            self.b.ins().icmp_imm_s(IntCC::Equal, has, need as i64)
        }
    }

    /// The host address of an access that needs it as a whole (atomics): user mode's
    /// checked `base + addr`, or system mode's TLB / slow-path answer.
    fn host_address(&mut self, addr: Value, size: u64, need: u8, aligned: bool) -> Value {
        match self.env.build.mem {
            MemModel::User(mem) => self.guest_access(mem, addr, size, need, aligned),
            MemModel::System(sm) => self.sys_access(sm, addr, size as Size, SysAccess::HostAddress),
        }
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

    pub(super) fn emit_load(&mut self, addr: Value, size: Size) -> Value {
        let mem = match self.env.build.mem {
            MemModel::User(mem) => mem,
            MemModel::System(sm) => return self.sys_access(sm, addr, size, SysAccess::Load),
        };
        let (host, f) = self.plain_access(mem, addr, size as u64, perm::READ);
        let v = match size {
            1 => self.b.ins().uload8(I64, f, host, 0),
            2 => self.b.ins().uload16(I64, f, host, 0),
            4 => self.b.ins().uload32(f, host, 0),
            _ => self.b.ins().load(I64, f, host, 0),
        };
        if size < 8 {
            // Zero-extended by the load itself.
            self.narrow.insert(v, 8 * size as u32);
        }
        v
    }

    pub(super) fn emit_store(&mut self, addr: Value, v: Value, size: Size) {
        let mem = match self.env.build.mem {
            MemModel::User(mem) => mem,
            MemModel::System(sm) => {
                self.sys_access(sm, addr, size, SysAccess::Store(v));
                return;
            }
        };
        self.stored_in_insn = true;
        let (host, f) = self.plain_access(mem, addr, size as u64, perm::WRITE);
        match size {
            1 => self.b.ins().istore8(f, v, host, 0),
            2 => self.b.ins().istore16(f, v, host, 0),
            4 => self.b.ins().istore32(f, v, host, 0),
            _ => self.b.ins().store(f, v, host, 0),
        };
    }

    pub(super) fn emit_atomic_rmw(
        &mut self,
        op: AtomicOp,
        addr: Value,
        v: Value,
        size: Size,
    ) -> Value {
        self.check_aligned(addr, size as u64);
        self.stored_in_insn = true;
        let host = self.host_address(addr, size as u64, perm::READ | perm::WRITE, true);
        let (op, v) = match op {
            AtomicOp::Add => (AtomicRmwOp::Add, v),
            AtomicOp::Clr => (AtomicRmwOp::And, self.b.ins().bnot(v)),
            AtomicOp::Xor => (AtomicRmwOp::Xor, v),
            AtomicOp::Set => (AtomicRmwOp::Or, v),
            // Narrow types make these compare `size`-byte values, as Arm does.
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
        self.widen(old, size)
    }

    pub(super) fn emit_atomic_cas(
        &mut self,
        addr: Value,
        expected: Value,
        new: Value,
        size: Size,
    ) -> Value {
        self.check_aligned(addr, size as u64);
        self.stored_in_insn = true;
        let host = self.host_address(addr, size as u64, perm::READ | perm::WRITE, true);
        let e = self.narrow(expected, size);
        let n = self.narrow(new, size);
        let old = self.b.ins().atomic_cas(guest_flags(), host, e, n);
        self.widen(old, size)
    }

    /// 128-bit CAS through [`crate::interp::cas16_helper`] (`cmpxchg16b`, which
    /// Cranelift does not expose), old value returned through the scratch slot.
    pub(super) fn emit_atomic_cas2(
        &mut self,
        addr: Value,
        expected: [Value; 2],
        new: [Value; 2],
    ) -> [Value; 2] {
        self.check_aligned(addr, 16);
        self.stored_in_insn = true;
        let host = self.host_address(addr, 16, perm::READ | perm::WRITE, true);
        let out = self.scratch_addr();
        let sig = self.sig("cas16", 6, 0, self.env.build.host_call_conv);
        let f = crate::interp::cas16_helper as *const () as usize;
        self.call_host(
            sig,
            f,
            &[host, expected[0], expected[1], new[0], new[1], out],
        );
        let lo = self.b.ins().load(I64, state_flags(), out, 0);
        let hi = self.b.ins().load(I64, state_flags(), out, 8);
        [lo, hi]
    }

    /// Arguments of the shared fault block for a fault of this instruction.
    pub(super) fn fault_args(&mut self, addr: Value, reason: Exit) -> [BlockArg; 3] {
        let pc = self.b.ins().iconst(I64, self.pc as i64);
        let code = self.b.ins().iconst(I64, reason.0 as i64);
        [
            BlockArg::Value(pc),
            BlockArg::Value(addr),
            BlockArg::Value(code),
        ]
    }
}
