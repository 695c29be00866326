//! Stage-1 MMU faults and the syndrome fields (ESR_EL1 EC/ISS, FAR_EL1) they produce.

use super::{Access, AccessKind, ExceptionLevel};

/// The kinds of stage-1 fault, in the order the walk detects them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// An output or table address (or TTBR base) above the configured PA size; or, with the
    /// MMU off, a VA above the implemented PA size.
    AddressSize,
    /// Invalid or reserved descriptor, VA outside both ranges, walks disabled by EPDx, or
    /// TxSZ out of range.
    Translation,
    /// A block or page descriptor with AF = 0 (no hardware Access flag management).
    AccessFlag,
    /// The access is not allowed by AP/APTable/UXN/PXN/WXN.
    Permission,
    /// A descriptor read found nothing at its physical address.
    ExternalAbortOnWalk,
    /// An unaligned data access to Device memory. Never produced by the walk: the access
    /// path raises it (see [`Fault::alignment`]) when the TLB says the page is Device.
    Alignment,
}

/// A stage-1 fault: what the exception entry needs for ESR_EL1 and FAR_EL1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// Lookup level (0..=3) the fault was found at.
    pub level: u8,
    /// The faulting virtual address, exactly as the access used it (FAR_EL1).
    pub va: u64,
    pub access: Access,
}

/// ESR_ELx exception classes for aborts.
pub mod ec {
    pub const INSTRUCTION_ABORT_LOWER_EL: u64 = 0x20;
    pub const INSTRUCTION_ABORT_SAME_EL: u64 = 0x21;
    pub const DATA_ABORT_LOWER_EL: u64 = 0x24;
    pub const DATA_ABORT_SAME_EL: u64 = 0x25;
}

impl Fault {
    pub(crate) fn new(kind: FaultKind, level: u32, va: u64, access: Access) -> Self {
        Fault {
            kind,
            level: level.min(3) as u8,
            va,
            access,
        }
    }

    /// An Alignment fault on `va` (the level is meaningless and reads 0).
    pub fn alignment(va: u64, access: Access) -> Self {
        Fault::new(FaultKind::Alignment, 0, va, access)
    }

    /// The 6-bit fault status code: DFSC for data aborts, IFSC for instruction aborts, FST in
    /// PAR_EL1 (Arm ARM D17, ESR_ELx ISS encoding for an exception from a Data Abort).
    /// Each walk fault kind occupies four codes, one per level: the level is the low two bits.
    pub fn status_code(&self) -> u32 {
        let base = match self.kind {
            FaultKind::Alignment => return 0b10_0001,
            FaultKind::AddressSize => 0b00_0000,
            FaultKind::Translation => 0b00_0100,
            FaultKind::AccessFlag => 0b00_1000,
            FaultKind::Permission => 0b00_1100,
            FaultKind::ExternalAbortOnWalk => 0b01_0100,
        };
        base | u32::from(self.level & 3)
    }

    /// Whether the fault happened while reading the translation tables themselves (as
    /// opposed to on the final access). Only an External abort can: stage-2 faults on a
    /// stage-1 walk (ISS.S1PTW) do not exist without EL2.
    pub fn on_table_walk(&self) -> bool {
        self.kind == FaultKind::ExternalAbortOnWalk
    }

    pub fn is_instruction_abort(&self) -> bool {
        self.access.kind == AccessKind::Fetch
    }

    /// ISS for the abort. Data aborts: WnR (bit 6) for writes, CM (bit 8) when the access was
    /// a cache maintenance or `AT` instruction (`cache_maintenance`, which also reports as a
    /// read); ISV = 0 (no instruction syndrome: the emulator re-executes, it does not need
    /// the hypervisor-style decode), EA = 0, S1PTW = 0, FnV = 0 (FAR is valid).
    pub fn iss(&self, cache_maintenance: bool) -> u64 {
        let mut iss = u64::from(self.status_code());
        if !self.is_instruction_abort() {
            if cache_maintenance {
                iss |= 1 << 8 | 1 << 6;
            } else if self.access.kind == AccessKind::Write {
                iss |= 1 << 6;
            }
        }
        iss
    }

    /// The whole ESR_EL1 value for the exception taken to EL1 from `from_el`: EC by abort kind
    /// and origin, IL = 1 (32-bit instruction), ISS.
    pub fn esr_el1(&self, from_el: ExceptionLevel, cache_maintenance: bool) -> u64 {
        let lower = from_el == ExceptionLevel::El0;
        let class = match (self.is_instruction_abort(), lower) {
            (true, true) => ec::INSTRUCTION_ABORT_LOWER_EL,
            (true, false) => ec::INSTRUCTION_ABORT_SAME_EL,
            (false, true) => ec::DATA_ABORT_LOWER_EL,
            (false, false) => ec::DATA_ABORT_SAME_EL,
        };
        class << 26 | 1 << 25 | self.iss(cache_maintenance)
    }
}
