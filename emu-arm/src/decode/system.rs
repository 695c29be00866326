//! Decode table: see the group in the Arm ARM (C4.1).

use super::{pat, scan, Pat};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Placeholder until the group is written.
    Placeholder,
}

pub static TABLE: &[Pat<Op>] = &[pat("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", Op::Placeholder)];

pub fn decode(raw: u32) -> Option<Op> {
    let _ = raw;
    let _ = scan(TABLE, raw);
    None
}

/// Whether a system instruction ends its block (it changes state that later instructions'
/// translation depends on, or exits to the run loop).
pub fn ends_block(op: Op, raw: u32) -> bool {
    let _ = (op, raw);
    true
}
