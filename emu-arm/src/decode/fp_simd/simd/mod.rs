//! Operation identification for the Advanced SIMD classes (Arm ARM C4.1.90 tables).
//!
//! Each `*_op` function maps an encoding of its class to the operation it performs, or
//! `None` for unallocated encodings and for the ones we do not implement; the decoder's
//! check is `is_some()` and the semantics call the same function, so the two can never
//! disagree about what an encoding means.

use crate::decode::{bit, bits};

/// Element size in bits from a 2-bit `size` field.
pub const fn esize(size: u32) -> u32 {
    8 << size
}

mod imm_elem;
mod three;
mod two_reg;

pub use imm_elem::*;
pub use three::*;
pub use two_reg::*;

pub fn three_same(raw: u32) -> bool {
    three_same_op(raw).is_some()
}
pub fn three_same_extra(raw: u32) -> bool {
    three_same_extra_op(raw, false).is_some()
}
pub fn scalar_three_same_extra(raw: u32) -> bool {
    three_same_extra_op(raw, true).is_some()
}
pub fn three_diff(raw: u32) -> bool {
    three_diff_op(raw).is_some()
}
pub fn two_reg(raw: u32) -> bool {
    two_reg_op(raw).is_some()
}
pub fn across(raw: u32) -> bool {
    across_op(raw).is_some()
}
pub fn copy(raw: u32) -> bool {
    copy_op(raw).is_some()
}
pub fn mod_imm(raw: u32) -> bool {
    mod_imm_op(raw).is_some()
}
pub fn shift_imm(raw: u32) -> bool {
    shift_imm_op(raw, false).is_some()
}
pub fn by_elem(raw: u32) -> bool {
    by_elem_op(raw, false).is_some()
}
/// ZIP/UZP/TRN: opcode 000 and 100 are unallocated; no 1D arrangement.
pub fn permute(raw: u32) -> bool {
    bits(raw, 14, 12) & 3 != 0 && (bit(raw, 30) || bits(raw, 23, 22) != 3)
}
/// EXT: an 8-byte vector can only start at bytes 0-7.
pub fn ext(raw: u32) -> bool {
    bit(raw, 30) || !bit(raw, 14)
}
pub fn tbl(_raw: u32) -> bool {
    true
}
pub fn scalar_three_same(raw: u32) -> bool {
    scalar_three_same_op(raw).is_some()
}
pub fn scalar_three_diff(raw: u32) -> bool {
    scalar_three_diff_op(raw).is_some()
}
pub fn scalar_two_reg(raw: u32) -> bool {
    scalar_two_reg_op(raw).is_some()
}
pub fn scalar_pairwise(raw: u32) -> bool {
    scalar_pairwise_op(raw).is_some()
}
/// DUP (element, scalar): op = 0, imm4 = 0000.
pub fn scalar_copy(raw: u32) -> bool {
    !bit(raw, 29) && bits(raw, 14, 11) == 0 && imm5_size(bits(raw, 20, 16)).is_some()
}
pub fn scalar_shift_imm(raw: u32) -> bool {
    shift_imm_op(raw, true).is_some()
}
pub fn scalar_by_elem(raw: u32) -> bool {
    by_elem_op(raw, true).is_some()
}
