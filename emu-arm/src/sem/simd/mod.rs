//! Advanced SIMD: vector and scalar integer, permute and FP instructions.

use super::*;
use crate::decode::fp_simd::Op;

pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    let _ = op;
    undef(e, raw, pc)
}
