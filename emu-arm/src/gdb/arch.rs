//! The `gdbstub` architecture: AArch64 with the register layout of gdb's own
//! `aarch64-core.xml` + `aarch64-fpu.xml` (what our target description sends).
//!
//! Not `gdbstub_arch::aarch64::AArch64` as it is (0.3.3): its `g` packet puts FPCR before
//! FPSR while the description it pairs with numbers fpsr 66 and fpcr 67, so gdb saw each
//! in the other's place; and it gives registers 66/67 8 bytes where gdb expects 4. The
//! register values and system-register numbering are reused from it.

use gdbstub::arch::{Arch, RegId as RegIdTrait, Registers};
use gdbstub_arch::aarch64::reg::id::AArch64RegId;
use gdbstub_arch::aarch64::reg::AArch64CoreRegs;
use std::num::NonZeroUsize;

pub enum EmuAArch64 {}

impl Arch for EmuAArch64 {
    type Usize = u64;
    type Registers = CoreRegs;
    type RegId = RegId;
    type BreakpointKind = usize;

    fn target_description_xml() -> Option<&'static str> {
        // Supplied per target (with its system registers) by the stub.
        None
    }
}

/// gdb's register numbers of the FP status and control registers.
const FPSR_REGNUM: usize = 66;
const FPCR_REGNUM: usize = 67;

/// A register gdb names by number in `p`/`P` packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegId {
    /// X0–X30, SP, PC, CPSR, V0–V31 and system registers, as `gdbstub_arch` numbers them.
    Other(AArch64RegId),
    Fpsr,
    Fpcr,
}

impl RegIdTrait for RegId {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        match id {
            FPSR_REGNUM => Some((RegId::Fpsr, NonZeroUsize::new(4))),
            FPCR_REGNUM => Some((RegId::Fpcr, NonZeroUsize::new(4))),
            _ => AArch64RegId::from_raw_id(id).map(|(r, size)| (RegId::Other(r), size)),
        }
    }
}

/// The `g` packet: x0–x30, sp, pc (8 bytes each), cpsr (4), v0–v31 (16), fpsr (4),
/// fpcr (4), all little-endian.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreRegs(pub AArch64CoreRegs);

const G_PACKET_LEN: usize = 33 * 8 + 4 + 32 * 16 + 4 + 4;

impl Registers for CoreRegs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.0.pc
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        let r = &self.0;
        let mut put = |bytes: &[u8]| bytes.iter().for_each(|b| write_byte(Some(*b)));
        r.x.iter().for_each(|x| put(&x.to_le_bytes()));
        put(&r.sp.to_le_bytes());
        put(&r.pc.to_le_bytes());
        put(&r.cpsr.to_le_bytes());
        r.v.iter().for_each(|v| put(&v.to_le_bytes()));
        put(&r.fpsr.to_le_bytes());
        put(&r.fpcr.to_le_bytes());
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        if bytes.len() < G_PACKET_LEN {
            return Err(());
        }
        let mut at = 0;
        let mut take = |n: usize| {
            let s = &bytes[at..at + n];
            at += n;
            s
        };
        let u64_of = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
        let u32_of = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap_or([0; 4]));
        let r = &mut self.0;
        for x in r.x.iter_mut() {
            *x = u64_of(take(8));
        }
        r.sp = u64_of(take(8));
        r.pc = u64_of(take(8));
        r.cpsr = u32_of(take(4));
        for v in r.v.iter_mut() {
            *v = u128::from_le_bytes(take(16).try_into().unwrap_or([0; 16]));
        }
        r.fpsr = u32_of(take(4));
        r.fpcr = u32_of(take(4));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_packet_round_trips_with_fpsr_before_fpcr() {
        let mut regs = CoreRegs::default();
        regs.0.x[3] = 0x1122_3344_5566_7788;
        regs.0.pc = 0x40_0000;
        regs.0.cpsr = 0x6000_0000;
        regs.0.v[31] = 0xaabb << 64 | 7;
        regs.0.fpsr = 0x0800_0001;
        regs.0.fpcr = 0x0300_0000;
        let mut bytes = Vec::new();
        regs.gdb_serialize(|b| bytes.push(b.unwrap_or(0)));
        assert_eq!(bytes.len(), G_PACKET_LEN);
        // fpsr is gdb's register 66, right after v31; fpcr (67) is last.
        assert_eq!(
            bytes[G_PACKET_LEN - 8..G_PACKET_LEN - 4],
            0x0800_0001u32.to_le_bytes()
        );
        assert_eq!(bytes[G_PACKET_LEN - 4..], 0x0300_0000u32.to_le_bytes());
        let mut back = CoreRegs::default();
        assert_eq!(back.gdb_deserialize(&bytes), Ok(()));
        assert_eq!(back, regs);
        assert_eq!(back.gdb_deserialize(&bytes[1..]), Err(()));
    }

    #[test]
    fn fp_status_and_control_are_4_byte_registers() {
        let (id, size) = RegId::from_raw_id(66).expect("fpsr");
        assert_eq!((id, size.map(|s| s.get())), (RegId::Fpsr, Some(4)));
        let (id, size) = RegId::from_raw_id(67).expect("fpcr");
        assert_eq!((id, size.map(|s| s.get())), (RegId::Fpcr, Some(4)));
        let (id, _) = RegId::from_raw_id(32).expect("pc");
        assert_eq!(id, RegId::Other(AArch64RegId::Pc));
        assert!(RegId::from_raw_id(68).is_none());
    }
}
