//! AP[2:1], UXN/PXN, the hierarchical table controls and WXN, per EL and access.

use super::*;
use crate::mmu::{translate, FaultKind, Permissions};

/// The permissions the walk computes for a leaf with `attrs`, reached through table
/// descriptors carrying `table_bits` at level 1, with SCTLR_EL1 = M | `sctlr_extra`.
fn permissions(attrs: u64, table_bits: u64, sctlr_extra: u64) -> Permissions {
    let mem = tables_4k_with(
        table(L1_4K),
        table(L2_4K) | table_bits,
        table(L3_4K),
        page(0x8000, attrs),
    );
    let mut r = regs_4k();
    r.sctlr_el1 |= sctlr_extra;
    // EL1 read is always allowed, so this walk succeeds whenever the tables are valid.
    translate(&r, &mem, VA_4K, EL1_READ).unwrap().permissions
}

/// (el0 r, w, x, el1 r, w, x) in one tuple for compact expectations.
fn rwx(p: Permissions) -> [bool; 6] {
    [
        p.el0_read,
        p.el0_write,
        p.el0_exec,
        p.el1_read,
        p.el1_write,
        p.el1_exec,
    ]
}

const T: bool = true;
const F: bool = false;

#[test]
fn ap_bits_per_el() {
    // EL1 never executes a location EL0 can write (AP = 0b01), whatever PXN says.
    assert_eq!(rwx(permissions(AP_EL1_RW, 0, 0)), [F, F, T, T, T, T]);
    assert_eq!(rwx(permissions(AP_ALL_RW, 0, 0)), [T, T, T, T, T, F]);
    assert_eq!(rwx(permissions(AP_EL1_RO, 0, 0)), [F, F, T, T, F, T]);
    assert_eq!(rwx(permissions(AP_ALL_RO, 0, 0)), [T, F, T, T, F, T]);
}

#[test]
fn uxn_and_pxn() {
    assert_eq!(rwx(permissions(AP_ALL_RO | UXN, 0, 0)), [T, F, F, T, F, T]);
    assert_eq!(rwx(permissions(AP_ALL_RO | PXN, 0, 0)), [T, F, T, T, F, F]);
    assert_eq!(
        rwx(permissions(AP_ALL_RO | UXN | PXN, 0, 0)),
        [T, F, F, T, F, F]
    );
}

#[test]
fn table_controls_only_take_permissions_away() {
    assert_eq!(
        rwx(permissions(AP_ALL_RW, AP_TABLE_NO_EL0, 0)),
        [F, F, T, T, T, T]
    );
    assert_eq!(
        rwx(permissions(AP_ALL_RW, AP_TABLE_READ_ONLY, 0)),
        [T, F, T, T, F, T]
    );
    assert_eq!(
        rwx(permissions(AP_ALL_RO, UXN_TABLE, 0)),
        [T, F, F, T, F, T]
    );
    assert_eq!(
        rwx(permissions(AP_ALL_RO, PXN_TABLE, 0)),
        [T, F, T, T, F, F]
    );
    // Table bits on the last table descriptor (level 2) count too.
    let mem = tables_4k_with(
        table(L1_4K),
        table(L2_4K),
        table(L3_4K) | AP_TABLE_READ_ONLY,
        page(0x8000, AP_EL1_RW),
    );
    let f = translate(&regs_4k(), &mem, VA_4K, EL1_WRITE).unwrap_err();
    assert_eq!((f.kind, f.level), (FaultKind::Permission, 3));
}

#[test]
fn wxn_makes_writable_memory_never_executable() {
    assert_eq!(
        rwx(permissions(AP_EL1_RW, 0, SCTLR_WXN)),
        [F, F, T, T, T, F]
    );
    assert_eq!(
        rwx(permissions(AP_ALL_RW, 0, SCTLR_WXN)),
        [T, T, F, T, T, F]
    );
    assert_eq!(
        rwx(permissions(AP_ALL_RO, 0, SCTLR_WXN)),
        [T, F, T, T, F, T]
    );
}

#[test]
fn the_requested_access_is_checked_against_its_el() {
    let mem = tables_4k(page(0x8000, AP_EL1_RO | UXN));
    let r = regs_4k();
    for (access, allowed) in [
        (EL1_READ, true),
        (EL1_WRITE, false),
        (EL1_FETCH, true),
        (EL0_READ, false),
        (EL0_WRITE, false),
        (EL0_FETCH, false),
    ] {
        let result = translate(&r, &mem, VA_4K, access);
        match result {
            Ok(_) => assert!(allowed, "{access:?} allowed"),
            Err(f) => {
                assert!(!allowed, "{access:?} denied");
                assert_eq!((f.kind, f.status_code()), (FaultKind::Permission, 0x0f));
                assert_eq!(f.access, access);
            }
        }
    }
}

#[test]
fn el0_execute_only_memory() {
    // AP = 0b00 (no EL0 data access) with UXN = 0: EL0 may fetch but not read.
    let mem = tables_4k(page(0x8000, AP_EL1_RW | PXN));
    let r = regs_4k();
    assert!(translate(&r, &mem, VA_4K, EL0_FETCH).is_ok());
    assert!(translate(&r, &mem, VA_4K, EL0_READ).is_err());
}
