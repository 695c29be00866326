//! PSCI 1.0 (Arm DEN 0022), the firmware interface Linux uses to power CPUs and the
//! machine on and off, answered by the emulator on `HVC` (the conduit the device tree
//! names, as on QEMU's `virt` without EL2/EL3) and on `SMC` (so firmware-style images that
//! use it work too). Every function ID of the conduit is a firmware call: unknown ones
//! return NOT_SUPPORTED, as QEMU does, so SMCCC probes (SMCCC_VERSION...) fail cleanly.

use super::SysCpu;

/// Function IDs (SMC32 `0x84..`; the SMC64 forms `0xC4..` of those taking addresses).
pub mod fid {
    pub const PSCI_VERSION: u32 = 0x8400_0000;
    pub const CPU_SUSPEND: u32 = 0x8400_0001;
    pub const CPU_SUSPEND_64: u32 = 0xC400_0001;
    pub const CPU_OFF: u32 = 0x8400_0002;
    pub const CPU_ON: u32 = 0x8400_0003;
    pub const CPU_ON_64: u32 = 0xC400_0003;
    pub const AFFINITY_INFO: u32 = 0x8400_0004;
    pub const AFFINITY_INFO_64: u32 = 0xC400_0004;
    pub const MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
    pub const SYSTEM_OFF: u32 = 0x8400_0008;
    pub const SYSTEM_RESET: u32 = 0x8400_0009;
    pub const PSCI_FEATURES: u32 = 0x8400_000A;
}

/// PSCI return codes (as the signed 32-bit values the caller sees in W0, sign-extended).
pub mod ret {
    pub const SUCCESS: i64 = 0;
    pub const NOT_SUPPORTED: i64 = -1;
    pub const INVALID_PARAMETERS: i64 = -2;
    pub const ALREADY_ON: i64 = -4;
}

/// PSCI 1.0.
pub const VERSION: u64 = 1 << 16;

/// MIGRATE_INFO_TYPE: no Trusted OS, so nothing needs migrating.
const MIGRATE_TYPE_NOT_PRESENT: i64 = 2;

/// AFFINITY_INFO: the target is on.
const AFFINITY_ON: i64 = 0;

/// What a call asks of the machine beyond its return value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Return to the caller with X0 = the value.
    Return(u64),
    /// CPU_SUSPEND: X0 = SUCCESS, then wait for an interrupt (a standby power state, as
    /// QEMU implements every state).
    Suspend,
    /// CPU_OFF: this CPU stops (it does not return unless turned on again).
    CpuOff,
    SystemOff,
    SystemReset,
}

fn r(v: i64) -> Effect {
    Effect::Return(v as u64)
}

/// Whether `f` is a function this firmware implements.
fn implemented(f: u32) -> bool {
    use fid::*;
    matches!(
        f,
        PSCI_VERSION
            | CPU_SUSPEND
            | CPU_SUSPEND_64
            | CPU_OFF
            | CPU_ON
            | CPU_ON_64
            | AFFINITY_INFO
            | AFFINITY_INFO_64
            | MIGRATE_INFO_TYPE
            | SYSTEM_OFF
            | SYSTEM_RESET
            | PSCI_FEATURES
    )
}

/// Handles the call with function ID `x[0]` and arguments `x[1..4]` made by `sys`.
/// Only this CPU exists (no SMP yet): CPU_ON of it is ALREADY_ON, of anything else
/// INVALID_PARAMETERS.
pub fn call(sys: &SysCpu, x: [u64; 4]) -> Effect {
    use fid::*;
    // The function ID is W0; SMC32 calls take 32-bit arguments.
    let f = x[0] as u32;
    let smc64 = f & 0x4000_0000 != 0;
    let arg = |i: usize| if smc64 { x[i] } else { x[i] & 0xffff_ffff };
    // MPIDR affinity fields Aff3 (39:32) and Aff2..Aff0 (23:0).
    let affinity = |v: u64| v & 0xff_00ff_ffff;
    let this_cpu = affinity(sys.mpidr());
    match f {
        PSCI_VERSION => Effect::Return(VERSION),
        CPU_SUSPEND | CPU_SUSPEND_64 => Effect::Suspend,
        CPU_OFF => Effect::CpuOff,
        CPU_ON | CPU_ON_64 => {
            if affinity(arg(1)) == this_cpu {
                r(ret::ALREADY_ON)
            } else {
                r(ret::INVALID_PARAMETERS)
            }
        }
        AFFINITY_INFO | AFFINITY_INFO_64 => {
            // Lowest affinity level 0 only (PSCI 1.0 lets callers pass 0 and Linux does).
            let level = arg(2);
            if level != 0 {
                r(ret::INVALID_PARAMETERS)
            } else if affinity(arg(1)) == this_cpu {
                r(AFFINITY_ON)
            } else {
                r(ret::INVALID_PARAMETERS)
            }
        }
        MIGRATE_INFO_TYPE => r(MIGRATE_TYPE_NOT_PRESENT),
        SYSTEM_OFF => Effect::SystemOff,
        SYSTEM_RESET => Effect::SystemReset,
        PSCI_FEATURES => {
            // CPU_SUSPEND's feature flags: original power-state format, no OS-initiated mode.
            if implemented(arg(1) as u32) {
                r(ret::SUCCESS)
            } else {
                r(ret::NOT_SUPPORTED)
            }
        }
        _ => r(ret::NOT_SUPPORTED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::testing::sys_cpu_for_tests;

    #[test]
    fn answers() {
        let sys = sys_cpu_for_tests();
        let call = |x: [u64; 4]| call(&sys, x);
        let neg = |v: i64| Effect::Return(v as u64);
        assert_eq!(call([0x8400_0000, 0, 0, 0]), Effect::Return(0x1_0000));
        assert_eq!(call([0x8400_0008, 0, 0, 0]), Effect::SystemOff);
        assert_eq!(call([0x8400_0009, 0, 0, 0]), Effect::SystemReset);
        assert_eq!(call([0x8400_0002, 0, 0, 0]), Effect::CpuOff);
        assert_eq!(call([0xC400_0001, 0, 0, 0]), Effect::Suspend);
        // CPU_ON of this CPU (MPIDR 0x8000_0000: affinity 0) and of CPU 1.
        assert_eq!(call([0xC400_0003, 0, 0x4008_0000, 0]), neg(-4));
        assert_eq!(call([0xC400_0003, 1, 0x4008_0000, 0]), neg(-2));
        assert_eq!(call([0xC400_0004, 0, 0, 0]), Effect::Return(0));
        assert_eq!(call([0xC400_0004, 1, 0, 0]), neg(-2));
        assert_eq!(call([0x8400_0006, 0, 0, 0]), Effect::Return(2));
        assert_eq!(call([0x8400_000A, 0xC400_0003, 0, 0]), Effect::Return(0));
        // SMCCC_VERSION is not implemented, so neither PSCI_FEATURES nor a direct call
        // claims it; W0 is the function ID (upper bits of X0 ignored).
        assert_eq!(call([0x8400_000A, 0x8000_0000, 0, 0]), neg(-1));
        assert_eq!(call([0x8000_0000, 0, 0, 0]), neg(-1));
        assert_eq!(
            call([0xffff_ffff_8400_0000, 0, 0, 0]),
            Effect::Return(0x1_0000)
        );
    }
}
