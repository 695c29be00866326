//! The emitter interface: the one vocabulary in which guest instruction semantics are written.
//!
//! Every instruction's behaviour is written once, as a function generic over [`Emitter`].
//! Two implementations exist:
//! - [`crate::interp::Interp`], whose values are concrete `u64`s: running the semantics *is*
//!   executing the instruction (the cold tier; no IR is built);
//! - [`crate::jit::JitEmitter`], whose values are Cranelift `Value`s: running the semantics
//!   *builds* the code for the instruction (the hot tier).
//!
//! Rules that keep the two tiers identical:
//! - all values are 64 bits wide; narrower operations are expressed with explicit
//!   extensions (`UnOp::Zext32`, ...);
//! - data-dependent control flow goes through the interface (`select`, `trap_if`, the
//!   `goto_*` family), never through a Rust `if` on a guest value;
//! - anything that is not a handful of simple operations (FP arithmetic, CRC, exclusive
//!   stores, system registers) is a *helper*: one plain Rust function that both tiers call.

/// Byte offset of a 64-bit field of the guest CPU state (`#[repr(C)]` struct).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub u32);

/// Why translated code (or the interpreter) handed control back to the run loop.
///
/// Codes below [`Exit::ARCH_BASE`] are guest-agnostic; the architecture defines the rest.
/// For every exit the guest-agnostic header [`CoreState`] says where execution stands:
/// `pc` is the next instruction to run (for faults: the faulting instruction itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Exit(pub u64);

impl Exit {
    /// The block ended normally; continue at `pc`.
    pub const JUMP: Exit = Exit(0);
    /// A data read faulted at `fault_addr` (no permission or unmapped).
    pub const FAULT_READ: Exit = Exit(1);
    /// A data write faulted at `fault_addr`.
    pub const FAULT_WRITE: Exit = Exit(2);
    /// An instruction fetch faulted at `fault_addr`.
    pub const FAULT_EXEC: Exit = Exit(3);
    /// A misaligned access that the architecture requires to be aligned, at `fault_addr`.
    pub const ALIGNMENT: Exit = Exit(4);
    /// The run loop was asked to stop (a signal arrived, another thread wants attention).
    pub const INTERRUPT: Exit = Exit(5);
    /// Translated code for the page of `pc` must be discarded (e.g. `IC IVAU`).
    pub const FLUSH_CODE: Exit = Exit(6);
    /// A debugger event (breakpoint, finished single step, watchpoint): `exit_arg` says
    /// which, see [`crate::debug::reason`].
    pub const DEBUG: Exit = Exit(7);
    /// User mode, internal to the run loop: a guest access in compiled code faulted in
    /// the host; `pc` is the restart point to interpret from (see `jit::hostfault`).
    pub const HOST_FAULT: Exit = Exit(8);
    /// User mode, internal to the run loop: compiled code left a host-faulting access it
    /// could not make (out of range) to the interpreter; `pc` is its restart point.
    pub const RESTART: Exit = Exit(9);
    /// A data access at `fault_addr` that the guest's permissions allow but the host
    /// cannot back (user mode: a file mapping past the end of its file); Linux answers
    /// with SIGBUS (BUS_ADRERR).
    pub const FAULT_BUS: Exit = Exit(10);
    /// First architecture-defined code.
    pub const ARCH_BASE: u64 = 16;

    pub const fn arch(n: u64) -> Exit {
        Exit(Self::ARCH_BASE + n)
    }
    pub fn is_fault(self) -> bool {
        matches!(
            self,
            Exit::FAULT_READ
                | Exit::FAULT_WRITE
                | Exit::FAULT_EXEC
                | Exit::ALIGNMENT
                | Exit::FAULT_BUS
        )
    }
}

/// The guest-agnostic header at offset 0 of every guest CPU state struct. Translated code
/// and the runtime address these fields by offset.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CoreState {
    /// The guest program counter, valid at every exit.
    pub pc: u64,
    /// The faulting address for fault exits.
    pub fault_addr: u64,
    /// An extra operand of an architecture exit (e.g. the immediate of `BRK`).
    pub exit_arg: u64,
    /// Set non-zero (from any thread or a signal handler) to make the run loop return
    /// [`Exit::INTERRUPT`] at the next block boundary.
    pub interrupt: u64,
    /// Guest instructions of the blocks entered so far, when the runtime counts them
    /// (`TierConfig::count_insns`): a block adds its length when it starts, in both
    /// tiers alike, so the count is the same whichever tier ran the code (an instruction
    /// that faults is counted with its block).
    pub icount: u64,
    /// With counting on, a block about to start when `icount >= icount_limit` returns to
    /// the run loop instead ([`Exit::INTERRUPT`]): deterministic mode's timer deadlines.
    pub icount_limit: u64,
}

impl Default for CoreState {
    fn default() -> Self {
        CoreState {
            pc: 0,
            fault_addr: 0,
            exit_arg: 0,
            interrupt: 0,
            icount: 0,
            icount_limit: u64::MAX,
        }
    }
}

pub const SLOT_PC: Slot = Slot(0);
pub const SLOT_FAULT_ADDR: Slot = Slot(8);
pub const SLOT_EXIT_ARG: Slot = Slot(16);
pub const SLOT_INTERRUPT: Slot = Slot(24);
pub const SLOT_ICOUNT: Slot = Slot(32);
pub const SLOT_ICOUNT_LIMIT: Slot = Slot(40);
const _: () = assert!(std::mem::offset_of!(CoreState, icount) == 32);
const _: () = assert!(std::mem::offset_of!(CoreState, icount_limit) == 40);

/// Two-operand integer operations on 64-bit values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    And,
    Or,
    Xor,
    /// `a & !b`
    AndNot,
    /// `a | !b`
    OrNot,
    /// `a ^ !b`
    XorNot,
    /// Shifts and rotates use the amount modulo 64.
    Shl,
    Lshr,
    Ashr,
    Rotr,
    /// Rotate the low 32 bits right by the amount modulo 32; the result is zero-extended.
    Rotr32,
    Mul,
    /// High 64 bits of the unsigned 128-bit product.
    UMulHi,
    /// High 64 bits of the signed 128-bit product.
    SMulHi,
    /// Arm semantics: `x / 0 = 0`.
    UDiv,
    /// Arm semantics: `x / 0 = 0`, `i64::MIN / -1 = i64::MIN`.
    SDiv,
}

/// One-operand integer operations on 64-bit values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
    /// Count leading zeros of the 64-bit value (64 for 0).
    Clz,
    /// Count leading sign bits, not counting the sign bit itself (Arm `CLS`, 64-bit).
    Cls,
    /// Count trailing zeros (64 for 0).
    Ctz,
    Popcnt,
    /// Reverse the 8 bytes.
    Bswap,
    /// Reverse the 64 bits.
    Bitrev,
    Sext8,
    Sext16,
    Sext32,
    Zext8,
    Zext16,
    Zext32,
}

/// Comparisons; the result is 1 when true, 0 when false.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Ult,
    Ule,
    Ugt,
    Uge,
    Slt,
    Sle,
    Sgt,
    Sge,
}

/// Read-modify-write atomic operations (the old value is returned).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomicOp {
    Add,
    /// `old & !v` (Arm LDCLR)
    Clr,
    Xor,
    /// `old | v` (Arm LDSET)
    Set,
    SMax,
    SMin,
    UMax,
    UMin,
    Swap,
}

/// Access size in bytes: 1, 2, 4 or 8.
pub type Size = u8;

/// A helper that reads and writes guest state freely. Before the call every cached guest
/// register is written back, after it every one is re-read. It returns 0 to continue, or an
/// [`Exit`] code to end the block (state.pc is set to the calling instruction's pc first,
/// so a helper that raises an exception sees a precise pc; a helper that wants execution to
/// go elsewhere sets pc itself and returns [`Exit::JUMP`]... see `call_state`).
pub type StateHelper = unsafe extern "C" fn(state: *mut u8, a: u64, b: u64, c: u64) -> u64;

/// A helper that is a pure function of its arguments (no guest state, no memory).
pub type PureHelper = extern "C" fn(a: u64, b: u64, c: u64) -> u64;

/// The arithmetic of an [`FpFast`] operation, per lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpKind {
    Add,
    Sub,
    Mul,
    Div,
    /// `-(n * m)`
    NMul,
    /// Square root of `n`.
    Sqrt,
    /// Maximum / minimum of two non-NaN values, `-0 < +0` (the NaN cases are slow).
    Max,
    Min,
    /// `(±a) + (±n) * m` with one rounding: `neg_n` negates `n`, `neg_a` the addend.
    MulAdd {
        neg_n: bool,
        neg_a: bool,
    },
    /// Compare lane 0 of `n` with that of `m` (or with +0 when `m_zero`); the fast path
    /// (ordered operands only) writes `flags` = [less, equal, greater or equal, 0] as
    /// 0/1 values instead of `d` (Arm's N, Z, C, V after FCMP).
    Compare,
    /// Lane 0 of `n` to an integer, rounded toward zero, into `d[0]` alone (`wide`: 64
    /// bits, else 32 zero-extended); out-of-range and NaN operands are slow.
    ToInt {
        signed: bool,
        wide: bool,
    },
    /// The integer in `n[0]` (`wide`: 64 bits, else the low 32) to lane 0 of `d`.
    FromInt {
        signed: bool,
        wide: bool,
    },
    /// Lane 0 of `n` (of precision `double`) to the other precision, in lane 0 of `d`.
    Convert,
}

/// A floating-point operation on vector-register slots with an inline fast path
/// ([`Emitter::fp_fast`]). A register is its two 64-bit halves `[lo, hi]`; lanes are
/// little-endian elements of 32 (`!double`) or 64 bits; the result fills lanes
/// `0..lanes` of `d` and every bit above them (up to 128) is zeroed.
#[derive(Clone, Copy, Debug)]
pub struct FpFast {
    pub kind: FpKind,
    pub double: bool,
    /// 1 (scalar), 2 or 4.
    pub lanes: u8,
    pub d: [Slot; 2],
    pub n: [Slot; 2],
    pub m: [Slot; 2],
    /// The addend of `MulAdd` (its own lanes).
    pub a: [Slot; 2],
    /// Use lane `m_elem` of `m` for every lane (by-element forms).
    pub m_elem: Option<u8>,
    /// `m` is +0 rather than a register (compare with zero).
    pub m_zero: bool,
    /// The outputs of `Compare`.
    pub flags: [Slot; 4],
    /// The fast path may run only when `ctrl & ctrl_zero == 0` and `status & status_set
    /// == status_set` (Arm: FPCR rounding/FZ/DN clear and FPSR.IXC already set; only
    /// FZ for the operations that never round).
    pub ctrl: Slot,
    pub ctrl_zero: u64,
    pub status: Slot,
    pub status_set: u64,
}

/// The semantics interface. See the module documentation.
pub trait Emitter {
    type V: Copy;

    /// Called by the block driver before each guest instruction: `pc` is its address.
    fn begin_insn(&mut self, pc: u64);

    fn imm(&mut self, v: u64) -> Self::V;
    /// Read a 64-bit guest state field.
    fn get(&mut self, slot: Slot) -> Self::V;
    /// Write a 64-bit guest state field.
    fn set(&mut self, slot: Slot, v: Self::V);

    fn bin(&mut self, op: BinOp, a: Self::V, b: Self::V) -> Self::V;
    fn un(&mut self, op: UnOp, a: Self::V) -> Self::V;
    fn cmp(&mut self, cc: Cmp, a: Self::V, b: Self::V) -> Self::V;
    /// `c != 0 ? a : b`
    fn select(&mut self, c: Self::V, a: Self::V, b: Self::V) -> Self::V;

    /// Load `size` bytes (little-endian), zero-extended. A fault ends the instruction.
    fn load(&mut self, addr: Self::V, size: Size) -> Result<Self::V, Exit>;
    /// Store the low `size` bytes of `v`.
    fn store(&mut self, addr: Self::V, v: Self::V, size: Size) -> Result<(), Exit>;
    /// Atomic read-modify-write; `addr` must already be known aligned. Returns the old
    /// value, zero-extended; signed min/max compare `size`-byte signed values.
    fn atomic_rmw(
        &mut self,
        op: AtomicOp,
        addr: Self::V,
        v: Self::V,
        size: Size,
    ) -> Result<Self::V, Exit>;
    /// Atomic compare-and-swap; returns the old value (the swap happened iff old == expected).
    fn atomic_cas(
        &mut self,
        addr: Self::V,
        expected: Self::V,
        new: Self::V,
        size: Size,
    ) -> Result<Self::V, Exit>;
    /// Atomic 128-bit compare-and-swap of two 64-bit halves at a 16-byte-aligned `addr`
    /// (`[low, high]`; CASP with X registers, STXP of two X registers). Returns the old
    /// halves (the swap happened iff both equal `expected`).
    fn atomic_cas2(
        &mut self,
        addr: Self::V,
        expected: [Self::V; 2],
        new: [Self::V; 2],
    ) -> Result<[Self::V; 2], Exit>;
    /// A full memory barrier.
    fn fence(&mut self);

    fn call_pure(&mut self, f: PureHelper, args: [Self::V; 3]) -> Self::V;
    /// Call a state helper; a non-zero return ends the block with that exit code.
    fn call_state(&mut self, f: StateHelper, args: [Self::V; 3]) -> Result<(), Exit>;

    /// End the instruction with `reason` when `c != 0` (state.pc = this instruction,
    /// `fault_addr` = `addr`).
    fn trap_if(&mut self, c: Self::V, reason: Exit, addr: Self::V) -> Result<(), Exit>;

    /// `op` computed with the host's round-to-nearest arithmetic when that provably
    /// gives the architecture's result and flags, else by the state helper `fallback`
    /// (called with `args`), which recomputes from the unchanged inputs. The fallback
    /// writes only `op.d` (`op.flags` for a compare) and `op.status`, and the latter only
    /// by setting bits (sticky exception flags; the JIT relies on it to reuse a guard);
    /// it never writes `op.ctrl`. The JIT checks that the guard holds and that every
    /// lane's result is finite and at least twice the smallest normal in magnitude (so
    /// no NaN, infinity, overflow, underflow, division by zero or invalid operation
    /// happened and Arm's tininess-before-rounding cannot differ); the interpreter, the
    /// reference, always calls `fallback`.
    fn fp_fast(&mut self, op: &FpFast, fallback: StateHelper, args: [u64; 3]) -> Result<(), Exit>;

    /// End the block; continue at a known address (a direct branch; may be chained).
    fn goto(&mut self, target: u64);
    /// End the block; continue at `taken` if `c != 0`, else at `not_taken`.
    fn goto_cond(&mut self, c: Self::V, taken: u64, not_taken: u64);
    /// End the block; continue at a computed address.
    fn goto_dyn(&mut self, target: Self::V);
    /// End the block with an exit to the run loop: pc := `pc`, exit_arg := `arg`.
    fn exit(&mut self, reason: Exit, pc: u64, arg: u64);
}

/// Guest memory access permissions, one byte per guest page in the permission table.
pub mod perm {
    pub const READ: u8 = 1;
    pub const WRITE: u8 = 2;
    pub const EXEC: u8 = 4;
}
