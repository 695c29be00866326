//! The cold tier: an [`Emitter`] whose values are concrete `u64`s, so running an
//! instruction's semantics executes it directly.

use crate::debug::Watchpoint;
use crate::emit::*;
use crate::guarded;
use crate::mem::MemView;
use crate::memmodel::{slow_op, MemModel, SystemMemory, SLOW_DONE, SLOW_FAULT};
use crate::softmmu::{lookup_in, TlbAccess, TlbEntry};
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering::SeqCst};

pub struct Interp {
    state: *mut u8,
    mem: MemModel,
    pc: u64,
    /// Set by the `goto*`/`exit` family: the block is over.
    pub ended: Option<Exit>,
    /// Debugger watchpoints checked on every data access (empty: no check); see
    /// [`crate::debug`]. Points into the runtime's debug hooks.
    watchpoints: *const [Watchpoint],
}

/// Where a system-mode access stands after the TLB / slow path.
enum SysAccessResult {
    /// Perform it at this host address.
    Host(*mut u8),
    /// The slow path performed it.
    Done,
}

/// Arm integer semantics of the binary operations, shared with constant folding.
#[inline(always)]
pub fn eval_bin(op: BinOp, a: u64, b: u64) -> u64 {
    match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::AndNot => a & !b,
        BinOp::OrNot => a | !b,
        BinOp::XorNot => a ^ !b,
        BinOp::Shl => a.wrapping_shl(b as u32 & 63),
        BinOp::Lshr => a.wrapping_shr(b as u32 & 63),
        BinOp::Ashr => ((a as i64).wrapping_shr(b as u32 & 63)) as u64,
        BinOp::Rotr => a.rotate_right(b as u32 & 63),
        BinOp::Rotr32 => (a as u32).rotate_right(b as u32 & 31) as u64,
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::UMulHi => ((a as u128 * b as u128) >> 64) as u64,
        BinOp::SMulHi => ((a as i64 as i128 * b as i64 as i128) >> 64) as u64,
        BinOp::UDiv => a.checked_div(b).unwrap_or(0),
        BinOp::SDiv => {
            if b == 0 {
                0
            } else {
                (a as i64).wrapping_div(b as i64) as u64
            }
        }
    }
}

#[inline(always)]
pub fn eval_un(op: UnOp, a: u64) -> u64 {
    match op {
        UnOp::Not => !a,
        UnOp::Neg => a.wrapping_neg(),
        UnOp::Clz => a.leading_zeros() as u64,
        UnOp::Cls => ((a ^ ((a as i64) >> 1) as u64) << 1 | 1).leading_zeros() as u64,
        UnOp::Ctz => a.trailing_zeros() as u64,
        UnOp::Popcnt => a.count_ones() as u64,
        UnOp::Bswap => a.swap_bytes(),
        UnOp::Bitrev => a.reverse_bits(),
        UnOp::Sext8 => a as i8 as i64 as u64,
        UnOp::Sext16 => a as i16 as i64 as u64,
        UnOp::Sext32 => a as i32 as i64 as u64,
        UnOp::Zext8 => a as u8 as u64,
        UnOp::Zext16 => a as u16 as u64,
        UnOp::Zext32 => a as u32 as u64,
    }
}

#[inline(always)]
pub fn eval_cmp(cc: Cmp, a: u64, b: u64) -> u64 {
    let (sa, sb) = (a as i64, b as i64);
    (match cc {
        Cmp::Eq => a == b,
        Cmp::Ne => a != b,
        Cmp::Ult => a < b,
        Cmp::Ule => a <= b,
        Cmp::Ugt => a > b,
        Cmp::Uge => a >= b,
        Cmp::Slt => sa < sb,
        Cmp::Sle => sa <= sb,
        Cmp::Sgt => sa > sb,
        Cmp::Sge => sa >= sb,
    }) as u64
}

/// The Arm result of an atomic operation on `size`-byte values.
pub fn eval_atomic(op: AtomicOp, old: u64, v: u64, size: Size) -> u64 {
    let bits = size as u32 * 8;
    let sext = |x: u64| ((x << (64 - bits)) as i64) >> (64 - bits);
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    (match op {
        AtomicOp::Add => old.wrapping_add(v),
        AtomicOp::Clr => old & !v,
        AtomicOp::Xor => old ^ v,
        AtomicOp::Set => old | v,
        AtomicOp::SMax => sext(old).max(sext(v)) as u64,
        AtomicOp::SMin => sext(old).min(sext(v)) as u64,
        AtomicOp::UMax => (old & mask).max(v & mask),
        AtomicOp::UMin => (old & mask).min(v & mask),
        AtomicOp::Swap => v,
    }) & mask
}

impl Interp {
    /// # Safety
    /// `state` must point to a live guest CPU state struct whose fields are the slots the
    /// semantics use, and `mem` must describe live guest memory.
    pub unsafe fn new(state: *mut u8, mem: impl Into<MemModel>) -> Interp {
        Interp {
            state,
            mem: mem.into(),
            pc: 0,
            ended: None,
            watchpoints: &[],
        }
    }

    /// Makes data accesses that touch a watched range stop with [`Exit::DEBUG`] before
    /// the instruction runs.
    ///
    /// # Safety
    /// `list` must stay alive and unchanged while this interpreter runs.
    pub unsafe fn set_watchpoints(&mut self, list: &[Watchpoint]) {
        self.watchpoints = list;
    }

    /// Stops before an access that triggers a debugger watchpoint (one length test when
    /// none is set).
    #[inline(always)]
    fn check_watchpoints(&mut self, addr: u64, size: Size, need: u8) -> Result<(), Exit> {
        if self.watchpoints.is_empty() {
            return Ok(());
        }
        self.watchpoint_hit(addr, size, need)
    }

    #[cold]
    fn watchpoint_hit(&mut self, addr: u64, size: Size, need: u8) -> Result<(), Exit> {
        // SAFETY: set_watchpoints' contract.
        let list = unsafe { &*self.watchpoints };
        if let Some(arg) = crate::debug::watch_hit(list, addr, size as u64, need) {
            // SAFETY: header field.
            unsafe { *self.slot_ptr(SLOT_EXIT_ARG) = arg };
            return Err(self.fault(Exit::DEBUG, addr));
        }
        Ok(())
    }

    #[inline(always)]
    fn slot_ptr(&self, s: Slot) -> *mut u64 {
        // SAFETY: slots are offsets of u64 fields inside the state struct (constructor contract).
        unsafe { self.state.add(s.0 as usize) as *mut u64 }
    }

    #[inline(always)]
    fn fault(&mut self, reason: Exit, addr: u64) -> Exit {
        // SAFETY: header fields exist in every state (constructor contract).
        unsafe {
            *self.slot_ptr(SLOT_PC) = self.pc;
            *self.slot_ptr(SLOT_FAULT_ADDR) = addr;
        }
        reason
    }

    /// The host address of an access: user mode's checked `base + addr`, or system mode's
    /// TLB / slow-path answer (a system-mode load or store that the slow path performs
    /// itself never comes here: see [`Interp::sys_access`]).
    #[inline(always)]
    fn access(&mut self, addr: u64, size: Size, need: u8) -> Result<*mut u8, Exit> {
        self.check_watchpoints(addr, size, need)?;
        let mem = match self.mem {
            MemModel::User(mem) => mem,
            MemModel::System(sm) => {
                return match self.sys_access(sm, addr, size, slow_op::ATOMIC, 0)? {
                    SysAccessResult::Host(p) => Ok(p),
                    // The slow path never performs atomics itself.
                    SysAccessResult::Done => Err(self.fault(Exit::FAULT_WRITE, addr)),
                };
            }
        };
        let p = Self::user_access(mem, addr, size, need)
            .map_err(|(reason, at)| self.fault(reason, at))?;
        // Atomics work on the host address directly: touch it through a guarded load
        // first, so a page the host cannot back (past the end of a mapped file) gives the
        // guest its SIGBUS rather than faulting in here.
        // SAFETY: user_access checked the range.
        unsafe { guarded::load(p, 1) }.map_err(|sig| self.host_refused(sig, need, addr))?;
        Ok(p)
    }

    #[inline(always)]
    fn user_access(mem: MemView, addr: u64, size: Size, need: u8) -> Result<*mut u8, (Exit, u64)> {
        match mem.check(addr, size as u64, need) {
            Ok(()) => Ok(mem.host(addr)),
            Err(at) => Err((Self::permission_fault(need), at)),
        }
    }

    /// The guest fault of a user-mode access needing `need` that was refused.
    fn permission_fault(need: u8) -> Exit {
        if need & perm::WRITE != 0 {
            Exit::FAULT_WRITE
        } else {
            Exit::FAULT_READ
        }
    }

    /// A system-mode access: the TLB fast path, else the architecture's slow path.
    #[inline(always)]
    fn sys_access(
        &mut self,
        sm: SystemMemory,
        addr: u64,
        size: Size,
        kind: u64,
        value: u64,
    ) -> Result<SysAccessResult, Exit> {
        // SAFETY: the architecture keeps a live TLB entry array at `tlb_slot`.
        let entries = unsafe { *self.slot_ptr(sm.tlb_slot) } as *const TlbEntry;
        let tlb_access = if kind == slow_op::READ {
            TlbAccess::Read
        } else {
            TlbAccess::Write
        };
        // SAFETY: as above.
        if let Some(host) = unsafe { lookup_in(entries, addr, size as u64, tlb_access) } {
            return Ok(SysAccessResult::Host(host as *mut u8));
        }
        // SAFETY: helpers see a precise pc (faults report it).
        unsafe { *self.slot_ptr(SLOT_PC) = self.pc };
        // SAFETY: the slow path is written for this state layout.
        let r = unsafe { (sm.slow_access)(self.state, addr, value, size as u64 | kind) };
        match r {
            SLOW_FAULT => {
                let reason = if kind == slow_op::READ {
                    Exit::FAULT_READ
                } else {
                    Exit::FAULT_WRITE
                };
                Err(self.fault(reason, addr))
            }
            SLOW_DONE => Ok(SysAccessResult::Done),
            host => Ok(SysAccessResult::Host(host as *mut u8)),
        }
    }

    /// User mode: the host refused a guest access (needing `need`) that the guest's
    /// permissions allowed (see [`guarded`]): past the end of a mapped file (SIGBUS), or
    /// the page was unmapped or protected by another thread since the check (the guest's
    /// SIGSEGV).
    #[cold]
    fn host_refused(&mut self, sig: i32, need: u8, addr: u64) -> Exit {
        let reason = if sig == libc::SIGBUS {
            Exit::FAULT_BUS
        } else {
            Self::permission_fault(need)
        };
        self.fault(reason, addr)
    }

    fn end(&mut self, reason: Exit, pc: u64) {
        // SAFETY: header field.
        unsafe { *self.slot_ptr(SLOT_PC) = pc };
        self.ended = Some(reason);
    }
}

impl Emitter for Interp {
    type V = u64;

    #[inline(always)]
    fn begin_insn(&mut self, pc: u64) {
        self.pc = pc;
    }
    #[inline(always)]
    fn imm(&mut self, v: u64) -> u64 {
        v
    }
    #[inline(always)]
    fn get(&mut self, slot: Slot) -> u64 {
        // SAFETY: constructor contract.
        unsafe { *self.slot_ptr(slot) }
    }
    #[inline(always)]
    fn set(&mut self, slot: Slot, v: u64) {
        // SAFETY: constructor contract.
        unsafe { *self.slot_ptr(slot) = v }
    }
    #[inline(always)]
    fn bin(&mut self, op: BinOp, a: u64, b: u64) -> u64 {
        eval_bin(op, a, b)
    }
    #[inline(always)]
    fn un(&mut self, op: UnOp, a: u64) -> u64 {
        eval_un(op, a)
    }
    #[inline(always)]
    fn cmp(&mut self, cc: Cmp, a: u64, b: u64) -> u64 {
        eval_cmp(cc, a, b)
    }
    #[inline(always)]
    fn select(&mut self, c: u64, a: u64, b: u64) -> u64 {
        if c != 0 {
            a
        } else {
            b
        }
    }

    #[inline(always)]
    fn load(&mut self, addr: u64, size: Size) -> Result<u64, Exit> {
        self.check_watchpoints(addr, size, perm::READ)?;
        let p = match self.mem {
            MemModel::User(mem) => {
                let p = Self::user_access(mem, addr, size, perm::READ)
                    .map_err(|(reason, at)| self.fault(reason, at))?;
                // SAFETY: user_access checked the whole range against the guest's
                // permissions; a host refusal comes back as its signal.
                return unsafe { guarded::load(p, size as u64) }
                    .map_err(|sig| self.host_refused(sig, perm::READ, addr));
            }
            MemModel::System(sm) => match self.sys_access(sm, addr, size, slow_op::READ, 0)? {
                SysAccessResult::Host(p) => p,
                // SAFETY: the slow path left the value in its slot.
                SysAccessResult::Done => return Ok(unsafe { *self.slot_ptr(sm.value_slot) }),
            },
        };
        // SAFETY: the TLB or the slow path gave guest RAM for the whole range.
        Ok(unsafe { guarded::load_plain(p, size as u64) })
    }

    #[inline(always)]
    fn store(&mut self, addr: u64, v: u64, size: Size) -> Result<(), Exit> {
        self.check_watchpoints(addr, size, perm::WRITE)?;
        let p = match self.mem {
            MemModel::User(mem) => {
                let p = Self::user_access(mem, addr, size, perm::WRITE)
                    .map_err(|(reason, at)| self.fault(reason, at))?;
                // SAFETY: as for load.
                return unsafe { guarded::store(p, v, size as u64) }
                    .map_err(|sig| self.host_refused(sig, perm::WRITE, addr));
            }
            MemModel::System(sm) => match self.sys_access(sm, addr, size, slow_op::WRITE, v)? {
                SysAccessResult::Host(p) => p,
                SysAccessResult::Done => return Ok(()),
            },
        };
        // SAFETY: as for load.
        unsafe { guarded::store_plain(p, v, size as u64) };
        Ok(())
    }

    fn atomic_rmw(&mut self, op: AtomicOp, addr: u64, v: u64, size: Size) -> Result<u64, Exit> {
        if !addr.is_multiple_of(size as u64) {
            return Err(self.fault(Exit::ALIGNMENT, addr));
        }
        let p = self.access(addr, size, perm::READ | perm::WRITE)?;
        // A CAS loop gives every operation (incl. signed/unsigned min/max) one code path.
        let mut old = self.atomic_cas_raw(p, 0, 0, size, true);
        loop {
            let new = eval_atomic(op, old, v, size);
            let seen = self.atomic_cas_raw(p, old, new, size, false);
            if seen == old {
                return Ok(old);
            }
            old = seen;
        }
    }

    fn atomic_cas(&mut self, addr: u64, expected: u64, new: u64, size: Size) -> Result<u64, Exit> {
        if !addr.is_multiple_of(size as u64) {
            return Err(self.fault(Exit::ALIGNMENT, addr));
        }
        let p = self.access(addr, size, perm::READ | perm::WRITE)?;
        Ok(self.atomic_cas_raw(p, expected, new, size, false))
    }

    fn atomic_cas2(
        &mut self,
        addr: u64,
        expected: [u64; 2],
        new: [u64; 2],
    ) -> Result<[u64; 2], Exit> {
        if !addr.is_multiple_of(16) {
            return Err(self.fault(Exit::ALIGNMENT, addr));
        }
        let p = self.access(addr, 16, perm::READ | perm::WRITE)?;
        // SAFETY: 16 checked, 16-byte-aligned bytes.
        Ok(unsafe { cas16(p, expected, new) })
    }

    fn fence(&mut self) {
        std::sync::atomic::fence(SeqCst);
    }

    #[inline(always)]
    fn call_pure(&mut self, f: PureHelper, a: [u64; 3]) -> u64 {
        f(a[0], a[1], a[2])
    }

    fn fp_fast(&mut self, _op: &FpFast, fallback: StateHelper, a: [u64; 3]) -> Result<(), Exit> {
        // The interpreter is the reference: always the precise helper.
        self.call_state(fallback, a)
    }

    fn call_state(&mut self, f: StateHelper, a: [u64; 3]) -> Result<(), Exit> {
        // SAFETY: header field; helpers see a precise pc.
        unsafe { *self.slot_ptr(SLOT_PC) = self.pc };
        // SAFETY: helpers are written for this state layout.
        let r = unsafe { f(self.state, a[0], a[1], a[2]) };
        if r != 0 {
            return Err(Exit(r));
        }
        Ok(())
    }

    #[inline(always)]
    fn trap_if(&mut self, c: u64, reason: Exit, addr: u64) -> Result<(), Exit> {
        if c != 0 {
            return Err(self.fault(reason, addr));
        }
        Ok(())
    }

    fn goto(&mut self, target: u64) {
        self.end(Exit::JUMP, target);
    }
    fn goto_cond(&mut self, c: u64, taken: u64, not_taken: u64) {
        self.end(Exit::JUMP, if c != 0 { taken } else { not_taken });
    }
    fn goto_dyn(&mut self, target: u64) {
        self.end(Exit::JUMP, target);
    }
    fn exit(&mut self, reason: Exit, pc: u64, arg: u64) {
        // SAFETY: header field.
        unsafe { *self.slot_ptr(SLOT_EXIT_ARG) = arg };
        self.end(reason, pc);
    }
}

impl Interp {
    /// Compare-and-swap on host memory of `size` bytes; with `load_only` just an atomic load.
    fn atomic_cas_raw(
        &self,
        p: *mut u8,
        expected: u64,
        new: u64,
        size: Size,
        load_only: bool,
    ) -> u64 {
        macro_rules! cas {
            ($at:ty, $t:ty) => {{
                // SAFETY: p points to `size` checked bytes, aligned (checked by the caller).
                let a = unsafe { <$at>::from_ptr(p as *mut $t) };
                if load_only {
                    a.load(SeqCst) as u64
                } else {
                    match a.compare_exchange(expected as $t, new as $t, SeqCst, SeqCst) {
                        Ok(v) | Err(v) => v as u64,
                    }
                }
            }};
        }
        match size {
            1 => cas!(AtomicU8, u8),
            2 => cas!(AtomicU16, u16),
            4 => cas!(AtomicU32, u32),
            _ => cas!(AtomicU64, u64),
        }
    }
}

/// `lock cmpxchg16b` on host memory: the one 128-bit atomic x86-64 has. Returns the old
/// value as `[low, high]`. Shared by both tiers (the JIT calls it as a helper).
///
/// # Safety
/// `p` must be valid for 16 bytes of reads and writes and 16-byte aligned.
pub unsafe fn cas16(p: *mut u8, expected: [u64; 2], new: [u64; 2]) -> [u64; 2] {
    let (mut lo, mut hi) = (expected[0], expected[1]);
    // SAFETY: caller's contract; rbx is reserved by LLVM, so it is swapped in and out.
    // The other operands are in fixed registers: a `reg` operand may be given rbx itself
    // (a debug build did that to `p`, which the first xchg then overwrote).
    unsafe {
        std::arch::asm!(
            "xchg rsi, rbx",
            "lock cmpxchg16b [rdi]",
            "mov rbx, rsi",
            in("rdi") p,
            inout("rsi") new[0] => _,
            in("rcx") new[1],
            inout("rax") lo,
            inout("rdx") hi,
            options(nostack),
        );
    }
    [lo, hi]
}

/// The JIT's entry to [`cas16`]: `out` receives the old `[low, high]`.
///
/// # Safety
/// As for [`cas16`]; `out` must be valid for two u64 writes.
pub unsafe extern "C" fn cas16_helper(
    p: *mut u8,
    exp_lo: u64,
    exp_hi: u64,
    new_lo: u64,
    new_hi: u64,
    out: *mut u64,
) {
    // SAFETY: caller's contract.
    unsafe {
        let old = cas16(p, [exp_lo, exp_hi], [new_lo, new_hi]);
        *out = old[0];
        *out.add(1) = old[1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cas16_swaps_only_on_match() {
        #[repr(align(16))]
        struct A([u64; 2]);
        let mut a = A([1, 2]);
        let p = a.0.as_mut_ptr() as *mut u8;
        // SAFETY: aligned local.
        let old = unsafe { cas16(p, [1, 3], [7, 8]) };
        assert_eq!(old, [1, 2]);
        assert_eq!(a.0, [1, 2]);
        // SAFETY: aligned local.
        let old = unsafe { cas16(p, [1, 2], [7, 8]) };
        assert_eq!(old, [1, 2]);
        assert_eq!(a.0, [7, 8]);
    }
}
