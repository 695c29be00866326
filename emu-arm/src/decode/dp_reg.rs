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
