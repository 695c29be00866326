//! A readable one-line form of an instruction for `--trace in_asm`, in objdump syntax with
//! Arm's preferred aliases. Each decode group owns the disassembly of its own encodings
//! (beside its table, so the two are audited together); this file only dispatches. Groups
//! without operand syntax yet print the operation name from their table.

use crate::decode::{self, Insn, Kind};

pub fn disassemble(insn: &Insn, pc: u64) -> String {
    let raw = insn.raw;
    let text = match insn.kind {
        Kind::Undefined => "<undefined>".to_string(),
        Kind::DpImm(op) => decode::dp_imm::disas(op, raw, pc),
        Kind::DpReg(op) => decode::dp_reg::disas(op, raw),
        Kind::Branch(op) => decode::branch::disas(op, raw, pc),
        Kind::System(op) => decode::system::disas(op, raw, pc),
        Kind::LdSt(op) => decode::ldst::disas(op, raw, pc),
        Kind::FpSimd(op) => decode::fp_simd::disas(op, raw),
    };
    format!("{raw:08x}  {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_print_operands() {
        let d = |raw: u32| disassemble(&decode::decode(raw), 0x1000);
        assert_eq!(d(0x91000420), "91000420  add x0, x1, #0x1");
        assert_eq!(d(0xd65f03c0), "d65f03c0  ret");
        assert_eq!(d(0xf9400020), "f9400020  ldr x0, [x1]");
        assert_eq!(d(0xd4000001), "d4000001  svc #0x0");
        assert_eq!(d(0x00000000), "00000000  <undefined>");
    }
}
