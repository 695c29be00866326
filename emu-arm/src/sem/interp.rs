//! The interpreter tier's dispatch. Decoding gives each instruction the index of a
//! handler (`Insn::handler`) that runs the shared semantics of `sem` for [`Interp`] with
//! the instruction's operation fixed at compile time: interpreting it is one indirect call
//! into code for that operation alone, where the generic path ([`super::exec`]) is a
//! jump on the group, a call, and a jump on the operation (two hard-to-predict indirect
//! branches and a large function's prologue per instruction). The semantics are not
//! repeated: each handler is `sem::<group>::exec` with its `op` argument a constant.
//!
//! Single-register and pair loads and stores (the most common instructions in cold
//! kernel code) are specialised one step further, on their addressing mode and transfer
//! (size, sign extension, general or vector register), which the generic path decodes
//! from the word on every run.
//!
//! Groups with many rarely interpreted operations (FP/SIMD) use the generic path.

use super::ldst::pair;
use super::ldst::single::{self, Mode};
use super::{branch, dp_imm, dp_reg, ldst, system};
use crate::decode::ldst::{pair_xfer, reg_xfer};
use crate::decode::{self, bit, bits, Insn, Kind};
use emu_core::emit::Exit;
use emu_core::interp::Interp;

/// Runs one instruction in the interpreter (see [`super::exec`] for the contract).
pub type Handler = fn(&mut Interp, &Insn, u64) -> Result<(), Exit>;

fn generic(e: &mut Interp, insn: &Insn, pc: u64) -> Result<(), Exit> {
    super::exec(e, insn, pc)
}
fn dp_imm<const I: usize>(e: &mut Interp, insn: &Insn, pc: u64) -> Result<(), Exit> {
    dp_imm::exec(e, decode::dp_imm::Op::ALL[I], insn.raw, pc)
}
fn dp_reg<const I: usize>(e: &mut Interp, insn: &Insn, pc: u64) -> Result<(), Exit> {
    dp_reg::exec(e, decode::dp_reg::Op::ALL[I], insn.raw, pc)
}
fn branch<const I: usize>(e: &mut Interp, insn: &Insn, pc: u64) -> Result<(), Exit> {
    branch::exec(e, decode::branch::Op::ALL[I], insn.raw, pc)
}
fn ldst<const I: usize>(e: &mut Interp, insn: &Insn, pc: u64) -> Result<(), Exit> {
    ldst::exec(e, decode::ldst::Op::ALL[I], insn.raw, pc)
}
fn system<const I: usize>(e: &mut Interp, insn: &Insn, pc: u64) -> Result<(), Exit> {
    system::exec(e, decode::system::Op::ALL[I], insn.raw, pc)
}

/// The addressing modes of the single-register forms, indexed as the rows of
/// [`LDST_SINGLE`] ([`single_row`] maps the operation to its row).
const SINGLE_MODES: [Mode; 5] = [
    Mode::UnsignedImm,
    Mode::Unscaled,
    Mode::PostIndex,
    Mode::PreIndex,
    Mode::RegOffset,
];

fn ldst_single<const MODE: usize, const XFER: u32>(
    e: &mut Interp,
    insn: &Insn,
    pc: u64,
) -> Result<(), Exit> {
    // The word's transfer bits (V = 26, size = 31:30, opc = 23:22) rebuilt from XFER,
    // so `reg_xfer` folds to a constant.
    let fields = ((XFER >> 4) & 1) << 26 | ((XFER >> 2) & 3) << 30 | (XFER & 3) << 22;
    match reg_xfer(fields) {
        Some(xfer) => single::exec_xfer(e, insn.raw, SINGLE_MODES[MODE], xfer),
        // Unallocated: the generic path raises UNDEF.
        None => generic(e, insn, pc),
    }
}

/// Which row of [`LDST_SINGLE`] an operation's instructions use.
const fn single_row(op: decode::ldst::Op) -> Option<usize> {
    use decode::ldst::Op::*;
    match op {
        UnsignedImm => Some(0),
        // LDTR/STTR and friends: at EL0, and as far as these semantics go, the same.
        Unscaled | Unprivileged => Some(1),
        PostIndex => Some(2),
        PreIndex => Some(3),
        RegOffset => Some(4),
        _ => None,
    }
}

/// The column of [`LDST_SINGLE`]: V, size and opc of a single-register load or store.
const fn single_column(raw: u32) -> usize {
    ((bit(raw, 26) as u32) << 4 | bits(raw, 31, 30) << 2 | bits(raw, 23, 22)) as usize
}

macro_rules! single_rows {
    ($($mode:literal),*) => { [$(single_rows!(@row $mode)),*] };
    (@row $m:literal) => {
        [
            ldst_single::<$m, 0>, ldst_single::<$m, 1>, ldst_single::<$m, 2>,
            ldst_single::<$m, 3>, ldst_single::<$m, 4>, ldst_single::<$m, 5>,
            ldst_single::<$m, 6>, ldst_single::<$m, 7>, ldst_single::<$m, 8>,
            ldst_single::<$m, 9>, ldst_single::<$m, 10>, ldst_single::<$m, 11>,
            ldst_single::<$m, 12>, ldst_single::<$m, 13>, ldst_single::<$m, 14>,
            ldst_single::<$m, 15>, ldst_single::<$m, 16>, ldst_single::<$m, 17>,
            ldst_single::<$m, 18>, ldst_single::<$m, 19>, ldst_single::<$m, 20>,
            ldst_single::<$m, 21>, ldst_single::<$m, 22>, ldst_single::<$m, 23>,
            ldst_single::<$m, 24>, ldst_single::<$m, 25>, ldst_single::<$m, 26>,
            ldst_single::<$m, 27>, ldst_single::<$m, 28>, ldst_single::<$m, 29>,
            ldst_single::<$m, 30>, ldst_single::<$m, 31>,
        ]
    };
}

/// Single-register loads and stores by addressing mode and transfer (from
/// [`SINGLE_BASE`] in [`HANDLERS`]).
const LDST_SINGLE: [[Handler; 32]; 5] = single_rows!(0, 1, 2, 3, 4);

fn ldst_pair<const FIELDS: u32>(e: &mut Interp, insn: &Insn, pc: u64) -> Result<(), Exit> {
    // FIELDS is the pair's opc (31:30), V (26), type (24:23) and L (22), see
    // `pair_column`; rebuilt into a word so `pair_xfer` folds to a constant.
    let word = (FIELDS >> 4) << 30 | ((FIELDS >> 3) & 1) << 26 | (FIELDS & 0b111) << 22;
    match pair_xfer(word) {
        Some(xfer) => pair::exec_xfer(e, insn.raw, xfer, (FIELDS >> 1) & 3),
        // Unallocated: the generic path raises UNDEF.
        None => generic(e, insn, pc),
    }
}

/// The index into [`LDST_PAIR`] of an LDP/STP-family word: opc, V, type, L.
const fn pair_column(raw: u32) -> usize {
    (bits(raw, 31, 30) << 4 | (bit(raw, 26) as u32) << 3 | bits(raw, 24, 22)) as usize
}

macro_rules! pair_handlers {
    ($($f:literal),*) => { [$(ldst_pair::<$f>),*] };
}

/// Pair loads and stores by opc, V, addressing type and L (from [`PAIR_BASE`] in
/// [`HANDLERS`]).
const LDST_PAIR: [Handler; 64] = pair_handlers!(
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
    50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63
);

macro_rules! handlers {
    ($f:ident: $($i:literal),*) => { [$($f::<$i> as Handler),*] };
}

// One handler per operation of each group: each table's length is its enum's
// `ALL.len()`, so an operation added to an enum fails the build until it has a handler.
const DP_IMM_HANDLERS: [Handler; decode::dp_imm::Op::ALL.len()] =
    handlers!(dp_imm: 0, 1, 2, 3, 4, 5);
const DP_REG_HANDLERS: [Handler; decode::dp_reg::Op::ALL.len()] = handlers!(dp_reg:
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22);
const BRANCH_HANDLERS: [Handler; decode::branch::Op::ALL.len()] =
    handlers!(branch: 0, 1, 2, 3, 4, 5, 6);
const LDST_HANDLERS: [Handler; decode::ldst::Op::ALL.len()] = handlers!(ldst:
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21);
const SYSTEM_HANDLERS: [Handler; decode::system::Op::ALL.len()] = handlers!(system:
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17);

const DP_IMM_BASE: usize = 1;
const DP_REG_BASE: usize = DP_IMM_BASE + DP_IMM_HANDLERS.len();
const BRANCH_BASE: usize = DP_REG_BASE + DP_REG_HANDLERS.len();
const LDST_BASE: usize = BRANCH_BASE + BRANCH_HANDLERS.len();
const SYSTEM_BASE: usize = LDST_BASE + LDST_HANDLERS.len();
const SINGLE_BASE: usize = SYSTEM_BASE + SYSTEM_HANDLERS.len();
const PAIR_BASE: usize = SINGLE_BASE + LDST_SINGLE.as_flattened().len();
const HANDLERS_LEN: usize = PAIR_BASE + LDST_PAIR.len();

/// `groups` one after the other, after the generic path at index 0 (in the order of the
/// `*_BASE` constants; a length that does not add up fails the build).
const fn concat(groups: &[&[Handler]]) -> [Handler; HANDLERS_LEN] {
    let mut out = [generic as Handler; HANDLERS_LEN];
    let mut next = 1;
    let mut g = 0;
    while g < groups.len() {
        let mut i = 0;
        while i < groups[g].len() {
            out[next] = groups[g][i];
            next += 1;
            i += 1;
        }
        g += 1;
    }
    assert!(next == HANDLERS_LEN);
    out
}

/// Entry 0 is the generic path; then each group's operations from its `*_BASE`, then the
/// specialised single-register and pair loads and stores.
static HANDLERS: [Handler; HANDLERS_LEN] = concat(&[
    &DP_IMM_HANDLERS,
    &DP_REG_HANDLERS,
    &BRANCH_HANDLERS,
    &LDST_HANDLERS,
    &SYSTEM_HANDLERS,
    LDST_SINGLE.as_flattened(),
    &LDST_PAIR,
]);

/// The handler index for the instruction `raw` of kind `kind` (stored in
/// `Insn::handler`).
pub const fn handler_index(kind: Kind, raw: u32) -> u16 {
    (match kind {
        Kind::LdSt(op) => match (single_row(op), op) {
            (Some(row), _) => SINGLE_BASE + row * 32 + single_column(raw),
            (None, decode::ldst::Op::Pair) => PAIR_BASE + pair_column(raw),
            (None, _) => LDST_BASE + op as usize,
        },
        Kind::DpImm(op) => DP_IMM_BASE + op as usize,
        Kind::DpReg(op) => DP_REG_BASE + op as usize,
        Kind::Branch(op) => BRANCH_BASE + op as usize,
        Kind::System(op) => SYSTEM_BASE + op as usize,
        Kind::Undefined | Kind::FpSimd(_) => 0,
    }) as u16
}

/// Interprets `insn` at `pc` (as `super::exec` does for the interpreter).
#[inline(always)]
pub fn run(e: &mut Interp, insn: &Insn, pc: u64) -> Result<(), Exit> {
    // An out-of-range index cannot come from `decode`; the generic path is always right.
    let h = HANDLERS
        .get(insn.handler as usize)
        .copied()
        .unwrap_or(generic as Handler);
    h(e, insn, pc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ALL` lists each group's operations at their discriminants, so a handler runs
    /// the operation its index names.
    #[test]
    fn operation_lists_are_in_declaration_order() {
        for (i, op) in decode::dp_imm::Op::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i, "{op:?}");
        }
        for (i, op) in decode::dp_reg::Op::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i, "{op:?}");
        }
        for (i, op) in decode::branch::Op::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i, "{op:?}");
        }
        for (i, op) in decode::ldst::Op::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i, "{op:?}");
        }
        for (i, op) in decode::system::Op::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i, "{op:?}");
        }
    }

    /// Every decoded instruction names the handler of its own operation.
    #[test]
    // The expected columns are written grouped by instruction field.
    #[allow(clippy::unusual_byte_groupings)]
    fn decoded_instructions_name_their_operation_handler() {
        let words = [
            0x9100_0421u32, // add x1, x1, #1
            0x8b02_0020,    // add x0, x1, x2
            0x5400_0040,    // b.eq
            0xf940_0020,    // ldr x0, [x1]
            0xd503_201f,    // nop
            0x1e20_2800,    // fadd s0, s0, s0 (generic)
            0x0000_0000,    // udf (generic)
        ];
        for w in words {
            let insn = decode::decode(w);
            assert_eq!(insn.handler, handler_index(insn.kind, w), "{w:#x}");
            assert!((insn.handler as usize) < HANDLERS_LEN);
        }
        assert_eq!(
            handler_index(Kind::LdSt(decode::ldst::Op::Cas), 0) as usize,
            LDST_BASE + 15
        );
        // stp x29, x30, [sp, #-16]!: opc 10, V 0, pre-index (11), L 0; ldp q0, q1, [x1]:
        // opc 10, V 1, offset (10), L 1.
        for (w, column) in [(0xa9bf_7bfdu32, 0b10_0_11_0), (0xad40_0420, 0b10_1_10_1)] {
            let insn = decode::decode(w);
            assert_eq!(insn.kind, Kind::LdSt(decode::ldst::Op::Pair), "{w:#x}");
            assert_eq!(insn.handler as usize, PAIR_BASE + column, "{w:#x}");
        }
        // ldr x0, [x1]: unsigned offset, 64-bit load; ldrsb w0, [x1, #-1]!: pre-index,
        // byte, sign-extended to 32 bits; str q0, [x1], #16: post-index, 128-bit vector.
        for (w, row, column) in [
            (0xf940_0020u32, 0, 0b0_11_01),
            (0x38df_fc20, 3, 0b0_00_11),
            (0x3c81_0420, 2, 0b1_00_10),
        ] {
            let insn = decode::decode(w);
            assert_eq!(
                insn.handler as usize,
                SINGLE_BASE + row * 32 + column,
                "{w:#x}"
            );
        }
    }
}
