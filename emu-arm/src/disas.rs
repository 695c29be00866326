//! A readable one-line form of an instruction for `--trace in_asm`: the mnemonic class
//! from the decode table and the raw word. (Full operand syntax per group is added by
//! each group's `disas` function where written.)

use crate::decode::{Insn, Kind};

pub fn disassemble(insn: &Insn, _pc: u64) -> String {
    let what = match insn.kind {
        Kind::Undefined => "<undefined>".to_string(),
        Kind::DpImm(op) => format!("{op:?}"),
        Kind::DpReg(op) => format!("{op:?}"),
        Kind::Branch(op) => format!("{op:?}"),
        Kind::System(op) => format!("{op:?}"),
        Kind::LdSt(op) => format!("{op:?}"),
        Kind::FpSimd(op) => format!("{op:?}"),
    };
    format!("{:08x}  {what}", insn.raw)
}
