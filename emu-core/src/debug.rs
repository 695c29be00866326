//! What a debugger asks of the runtime: breakpoints, watchpoints and single-stepping.
//!
//! The runtime ([`crate::runtime::Runtime`]) honours these without ever patching guest
//! memory, and at no cost while none is set:
//! - **breakpoints** (software and hardware alike): a block never extends over a breakpoint
//!   address (translation ends before it), and the run loop stops with [`Exit::DEBUG`](crate::emit::Exit::DEBUG)
//!   before it would run a block that starts at one. Blocks starting at a breakpoint are
//!   never compiled, so chained compiled code cannot jump past one. Changing the set drops
//!   all translations.
//! - **watchpoints**: while at least one is set, the runtime runs every block in the
//!   interpreter tier, which checks each data access against the (short) watch list and
//!   stops with [`Exit::DEBUG`](crate::emit::Exit::DEBUG) *before* the accessing instruction runs, as Arm's hardware
//!   watchpoints do (and as gdb expects of AArch64: it then steps over the instruction
//!   itself). With no watchpoint set the interpreter's only cost is one length test per
//!   access, and compiled code runs as usual.
//! - **single-step**: the runtime runs exactly one instruction (a one-instruction block,
//!   interpreted, never chained) and returns; an instruction that exits for another reason
//!   (fault, SVC, UNDEF) returns that exit instead, with the instruction done or faulted.

use crate::emit::perm;
use std::collections::BTreeSet;

/// `CoreState::exit_arg` of an [`Exit::DEBUG`](crate::emit::Exit::DEBUG): why the debugger gets control.
pub mod reason {
    /// `pc` is a breakpoint address; the instruction there has not run.
    pub const BREAKPOINT: u64 = 0;
    /// The single step is done; `pc` is the next instruction.
    pub const STEP: u64 = 1;
    /// The instruction at `pc` (not run yet) reads or writes a watched range;
    /// `fault_addr` is the first address of the access. `WATCH + kind as u64` (see
    /// [`super::WatchKind`]) says which kind of watchpoint matched.
    pub const WATCH: u64 = 2;
}

/// Which accesses a watchpoint stops on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WatchKind {
    Write = 0,
    Read = 1,
    /// Reads and writes.
    Access = 2,
}

impl WatchKind {
    pub fn from_exit_arg(arg: u64) -> Option<WatchKind> {
        match arg.checked_sub(reason::WATCH)? {
            0 => Some(WatchKind::Write),
            1 => Some(WatchKind::Read),
            2 => Some(WatchKind::Access),
            _ => None,
        }
    }
}

/// A watched guest address range `[addr, addr + len)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Watchpoint {
    pub addr: u64,
    pub len: u64,
    pub kind: WatchKind,
}

impl Watchpoint {
    /// Whether an access of `size` bytes at `addr` needing permissions `need`
    /// (`perm::READ` and/or `perm::WRITE`) triggers this watchpoint.
    #[inline]
    pub fn triggers(&self, addr: u64, size: u64, need: u8) -> bool {
        let kind_matches = match self.kind {
            WatchKind::Write => need & perm::WRITE != 0,
            WatchKind::Read => need & perm::READ != 0,
            WatchKind::Access => need & (perm::READ | perm::WRITE) != 0,
        };
        // Overlap of [addr, addr+size) and [self.addr, self.addr+len), without overflow.
        kind_matches
            && size > 0
            && self.len > 0
            && addr <= self.addr.saturating_add(self.len - 1)
            && self.addr <= addr.saturating_add(size - 1)
    }
}

/// The first watchpoint in `list` that an access triggers, as the [`Exit::DEBUG`](crate::emit::Exit::DEBUG)
/// `exit_arg` it reports.
#[cold]
pub fn watch_hit(list: &[Watchpoint], addr: u64, size: u64, need: u8) -> Option<u64> {
    list.iter()
        .find(|w| w.triggers(addr, size, need))
        .map(|w| reason::WATCH + w.kind as u64)
}

/// The debugger's requests to one runtime (one vCPU / guest thread).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebugHooks {
    /// Guest pcs to stop at before running the instruction there.
    pub breakpoints: BTreeSet<u64>,
    pub watchpoints: Vec<Watchpoint>,
    /// Run one instruction per [`crate::runtime::Runtime::run`] call.
    pub single_step: bool,
}

impl DebugHooks {
    pub fn is_breakpoint(&self, pc: u64) -> bool {
        !self.breakpoints.is_empty() && self.breakpoints.contains(&pc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchpoint_overlap_and_kind() {
        let w = Watchpoint {
            addr: 0x1000,
            len: 4,
            kind: WatchKind::Write,
        };
        assert!(w.triggers(0x1000, 4, perm::WRITE));
        assert!(w.triggers(0x0ffd, 4, perm::WRITE)); // last byte overlaps
        assert!(w.triggers(0x1003, 8, perm::WRITE)); // first byte overlaps
        assert!(!w.triggers(0x0ffc, 4, perm::WRITE)); // ends just before
        assert!(!w.triggers(0x1004, 4, perm::WRITE)); // starts just after
        assert!(!w.triggers(0x1000, 4, perm::READ)); // a read does not trigger `watch`
        assert!(w.triggers(0x1000, 4, perm::READ | perm::WRITE)); // read-modify-write does
        let r = Watchpoint {
            kind: WatchKind::Read,
            ..w
        };
        assert!(r.triggers(0x1002, 1, perm::READ));
        assert!(!r.triggers(0x1002, 1, perm::WRITE));
        let a = Watchpoint {
            kind: WatchKind::Access,
            ..w
        };
        assert!(a.triggers(0x1002, 1, perm::READ) && a.triggers(0x1002, 1, perm::WRITE));
        // Ranges at the top of the address space must not overflow.
        let top = Watchpoint {
            addr: u64::MAX - 1,
            len: 2,
            kind: WatchKind::Access,
        };
        assert!(top.triggers(u64::MAX, 1, perm::READ));
        assert!(!top.triggers(0, 1, perm::READ));
    }

    #[test]
    fn hit_reports_the_matching_kind() {
        let list = [
            Watchpoint {
                addr: 0x10,
                len: 8,
                kind: WatchKind::Read,
            },
            Watchpoint {
                addr: 0x20,
                len: 8,
                kind: WatchKind::Access,
            },
        ];
        assert_eq!(watch_hit(&list, 0x10, 8, perm::WRITE), None);
        let arg = watch_hit(&list, 0x24, 4, perm::WRITE);
        assert_eq!(
            arg.and_then(WatchKind::from_exit_arg),
            Some(WatchKind::Access)
        );
        let arg = watch_hit(&list, 0x14, 4, perm::READ);
        assert_eq!(
            arg.and_then(WatchKind::from_exit_arg),
            Some(WatchKind::Read)
        );
        assert_eq!(WatchKind::from_exit_arg(reason::STEP), None);
    }
}
