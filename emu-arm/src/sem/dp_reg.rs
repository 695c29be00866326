//! Semantics for this decode group.

use super::*;
use crate::decode::dp_reg::Op;

pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    match op {
        Op::Placeholder => undef(e, raw, pc),
    }
}
