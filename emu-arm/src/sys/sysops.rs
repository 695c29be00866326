//! SYS instructions in system mode: TLB maintenance (TLBI), address translation (AT),
//! data-cache maintenance (DC) and instruction-cache maintenance (IC).
//!
//! Caches are not modelled (host memory is coherent), so cache maintenance only checks
//! what the architecture checks: the EL0 enables in SCTLR_EL1 and, for operations by
//! VA, that the address translates (a fault is a Data Abort with ISS.CM = 1). IC
//! operations are no-ops: stores to pages that hold translated code are caught by the
//! softmmu, so the translations are already gone when software invalidates.
//! `DC ZVA` is not here: it runs inline in the semantics (it is hot in `memset`).

use super::regs::sctlr;
use super::softmmu::{tlbi, Tlbi};
use super::sysreg::Denied;
use super::SysCpu;
use crate::mmu::{at_s1e, translate, Access, AccessKind, ExceptionLevel, Fault, PhysMemory};
use emu_core::phys::PhysRam;

/// Why a SYS instruction did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysOpError {
    Denied(Denied),
    /// A cache maintenance by VA faulted.
    Fault(Fault),
}

impl From<Denied> for SysOpError {
    fn from(d: Denied) -> Self {
        SysOpError::Denied(d)
    }
}

/// The operations, by (op1, CRn, CRm, op2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Tlbi(Tlbi),
    /// AT S1E{0,1}{R,W}: (EL, write).
    At(ExceptionLevel, bool),
    /// DC by VA; `write`: needs write permission (DC IVAC), `el0`: allowed at EL0 when
    /// SCTLR_EL1.UCI is set.
    DcVa {
        write: bool,
        el0: bool,
    },
    /// DC by set/way: nothing to do.
    DcSetWay,
    /// IC IALLU(IS): EL1 only.
    IcAll,
    /// IC IVAU: EL0 with SCTLR_EL1.UCI.
    IcVa,
}

fn decode(op1: u32, crn: u32, crm: u32, op2: u32) -> Option<Op> {
    Some(match (op1, crn, crm, op2) {
        (0, 8, 3 | 7, 0) => Op::Tlbi(Tlbi::All),
        (0, 8, 3 | 7, 1 | 5) => Op::Tlbi(Tlbi::Va),
        (0, 8, 3 | 7, 2) => Op::Tlbi(Tlbi::Asid),
        (0, 8, 3 | 7, 3 | 7) => Op::Tlbi(Tlbi::VaAllAsids),
        (0, 7, 8, 0) => Op::At(ExceptionLevel::El1, false),
        (0, 7, 8, 1) => Op::At(ExceptionLevel::El1, true),
        (0, 7, 8, 2) => Op::At(ExceptionLevel::El0, false),
        (0, 7, 8, 3) => Op::At(ExceptionLevel::El0, true),
        (0, 7, 6, 1) => Op::DcVa {
            write: true,
            el0: false,
        },
        (0, 7, 6 | 10 | 14, 2) => Op::DcSetWay,
        // DC CVAC, CVAU, CIVAC.
        (3, 7, 10 | 11 | 14, 1) => Op::DcVa {
            write: false,
            el0: true,
        },
        (0, 7, 1 | 5, 0) => Op::IcAll,
        (3, 7, 5, 1) => Op::IcVa,
        _ => return None,
    })
}

/// Descriptor reads for walks done here (AT, DC): RAM only.
struct RamWalk<'a>(&'a PhysRam);

impl PhysMemory for RamWalk<'_> {
    fn read_phys_u64(&self, pa: u64) -> Option<u64> {
        let mut b = [0; 8];
        self.0.read(pa, &mut b).ok()?;
        Some(u64::from_le_bytes(b))
    }
}

/// Executes the SYS instruction with fields (op1, CRn, CRm, op2) and operand `xt`.
pub fn execute(
    sys: &mut SysCpu,
    (op1, crn, crm, op2): (u32, u32, u32, u32),
    xt: u64,
) -> Result<(), SysOpError> {
    let Some(op) = decode(op1, crn, crm, op2) else {
        tracing::warn!(target: "unimp", "EL{}: unimplemented system instruction sys #{op1}, C{crn}, C{crm}, #{op2}: UNDEF", sys.el);
        return Err(Denied::Undefined.into());
    };
    let at_el0 = sys.el == 0;
    let uci = sys.mmu.sctlr_el1 & sctlr::UCI != 0;
    match op {
        Op::Tlbi(kind) if !at_el0 => tlbi(sys, kind, xt),
        Op::At(el, write) if !at_el0 => {
            let platform = sys.platform.clone();
            let walk = RamWalk(platform.ram());
            let va = sys.mmu.untagged(xt);
            sys.regs.par = at_s1e(&sys.mmu, &walk, va, el, write);
        }
        Op::DcSetWay | Op::IcAll if !at_el0 => {}
        Op::DcVa { write, el0 } if !at_el0 || el0 => {
            if at_el0 && !uci {
                return Err(Denied::Trapped.into());
            }
            check_translates(sys, xt, write)?;
        }
        Op::IcVa if at_el0 && !uci => return Err(Denied::Trapped.into()),
        Op::IcVa => {}
        _ => return Err(Denied::Undefined.into()),
    }
    Ok(())
}

/// A cache maintenance by VA faults like an access would (reported with ISS.CM).
fn check_translates(sys: &SysCpu, va: u64, write: bool) -> Result<(), SysOpError> {
    let kind = if write {
        AccessKind::Write
    } else {
        AccessKind::Read
    };
    let access = Access::new(kind, sys.exception_level());
    let platform = sys.platform.clone();
    let walk = RamWalk(platform.ram());
    match translate(&sys.mmu, &walk, sys.mmu.untagged(va), access) {
        Ok(_) => Ok(()),
        Err(mut f) => {
            f.va = va;
            Err(SysOpError::Fault(f))
        }
    }
}
