//! Plugs A64 into the guest-agnostic runtime.

use crate::decode::{self, Insn, Kind};
use crate::sem;
use emu_core::emit::{Emitter, Exit};
use emu_core::interp::Interp;

pub struct A64;

impl emu_core::guest::Guest for A64 {
    type Insn = Insn;

    fn decode(raw: u32) -> Insn {
        decode::decode(raw)
    }

    fn encoding(insn: &Insn) -> u32 {
        insn.raw
    }

    fn ends_block(insn: &Insn) -> bool {
        match insn.kind {
            Kind::Undefined | Kind::Branch(_) => true,
            Kind::System(op) => crate::decode::system::ends_block(op, insn.raw),
            _ => false,
        }
    }

    fn may_access_memory(insn: &Insn) -> bool {
        // Loads and stores, SIMD structure loads included; DC ZVA (a system
        // instruction) still works without the hint, through the software check.
        matches!(insn.kind, Kind::LdSt(_))
    }

    #[inline(always)]
    fn exec<E: Emitter>(e: &mut E, insn: &Insn, pc: u64) -> Result<(), Exit> {
        sem::exec(e, insn, pc)
    }

    #[inline(always)]
    fn interpret(it: &mut Interp, insn: &Insn, pc: u64) -> Result<(), Exit> {
        sem::interp::run(it, insn, pc)
    }

    fn disassemble(insn: &Insn, pc: u64) -> String {
        crate::disas::disassemble(insn, pc)
    }
}
