//! The system-mode CPU as a debugger sees it: guest virtual memory read and written
//! through the current page tables without the guest noticing, the EL1 system registers
//! read without side effects, and text for the `monitor regs` / `monitor translate`
//! commands. Used by `emu boot --gdb` (emu-cli's `boot/gdb.rs`).
//!
//! Like QEMU's `cpu_memory_rw_debug`, the debugger's accesses ignore access permissions
//! (gdb reads execute-only and kernel pages, and writes read-only code and data), but
//! follow the translation the guest would use: a fault in the walk is an error for the
//! debugger, never a guest exception; no TLB entry is filled, and no device is touched
//! (only RAM is read or written). A write to a page that holds translated code drops
//! those translations, exactly as a guest store would.

use super::pstate;
use super::regs::{enc, sctlr};
use super::SysCpu;
use crate::mmu::{translate, Access, AccessKind, ExceptionLevel, Fault, PhysMemory, Translation};
use crate::state::CpuState;
use emu_core::phys::PhysRam;
use emu_core::softmmu::{PAGE_MASK, PAGE_SIZE};
use std::fmt::Write;

/// The walk reads descriptors from RAM only.
struct RamWalker<'a>(&'a PhysRam);

impl PhysMemory for RamWalker<'_> {
    fn read_phys_u64(&self, pa: u64) -> Option<u64> {
        let mut b = [0; 8];
        self.0.read(pa, &mut b).ok()?;
        Some(u64::from_le_bytes(b))
    }
}

/// How `va` translates for the debugger. An EL1 read is allowed by every valid ARMv8.0
/// mapping (there is no PAN), so this finds any mapped address, EL0's and EL1's alike.
pub fn translate_for_debugger(sys: &SysCpu, va: u64) -> Result<Translation, Fault> {
    let access = Access::new(AccessKind::Read, ExceptionLevel::El1);
    let walker = RamWalker(sys.platform.ram());
    translate(&sys.mmu, &walker, sys.mmu.untagged(va), access)
}

/// The bytes from `va` to the end of its page, at most `left`.
fn chunk_in_page(va: u64, left: usize) -> usize {
    ((PAGE_SIZE - (va & !PAGE_MASK)) as usize).min(left)
}

/// Reads guest virtual memory from `va` into `out`; returns how many bytes could be read
/// (fewer than `out.len()` from the first byte that is unmapped or not RAM on).
pub fn read_virtual(sys: &SysCpu, va: u64, out: &mut [u8]) -> usize {
    let ram = sys.platform.ram();
    let mut done = 0usize;
    while done < out.len() {
        let a = va.wrapping_add(done as u64);
        let Ok(t) = translate_for_debugger(sys, a) else {
            break;
        };
        let n = chunk_in_page(a, out.len() - done);
        if ram.read(t.pa, &mut out[done..done + n]).is_err() {
            break;
        }
        done += n;
    }
    done
}

/// Writes `data` to guest virtual memory at `va`. Every page is translated first, so a
/// range that is not wholly mapped to RAM is not written at all: `Err` names its first
/// address that is not. Translations of code in the written pages are dropped (the
/// runtime drops them before it runs the next block).
pub fn poke_virtual(sys: &mut SysCpu, va: u64, data: &[u8]) -> Result<(), u64> {
    let mut chunks = Vec::new();
    let mut done = 0usize;
    while done < data.len() {
        let a = va.wrapping_add(done as u64);
        let n = chunk_in_page(a, data.len() - done);
        let t = translate_for_debugger(sys, a).map_err(|_| a)?;
        if !sys.platform.ram().contains(t.pa, n as u64) {
            return Err(a);
        }
        chunks.push((t.pa, done, n));
        done += n;
    }
    let platform = sys.platform.clone();
    let ram = platform.ram();
    for (pa, offset, n) in chunks {
        ram.write(pa, &data[offset..offset + n]).map_err(|_| va)?;
        if ram.clear_code(pa) {
            sys.invalidated_pages.push(pa & PAGE_MASK);
        }
        sys.tlbs.unmark_code_page(pa);
    }
    Ok(())
}

/// The system registers a debugger may read, as (gdb name, op0:op1:CRn:CRm:op2), the
/// same encoding MRS uses (and `gdbstub_arch`'s `AArch64RegId::System`).
pub const DEBUGGER_SYSTEM_REGISTERS: &[(&str, u16)] = &[
    ("SCTLR_EL1", enc(3, 0, 1, 0, 0) as u16),
    ("TTBR0_EL1", enc(3, 0, 2, 0, 0) as u16),
    ("TTBR1_EL1", enc(3, 0, 2, 0, 1) as u16),
    ("TCR_EL1", enc(3, 0, 2, 0, 2) as u16),
    ("MAIR_EL1", enc(3, 0, 10, 2, 0) as u16),
    ("VBAR_EL1", enc(3, 0, 12, 0, 0) as u16),
    ("ESR_EL1", enc(3, 0, 5, 2, 0) as u16),
    ("FAR_EL1", enc(3, 0, 6, 0, 0) as u16),
    ("PAR_EL1", enc(3, 0, 7, 4, 0) as u16),
    ("ELR_EL1", enc(3, 0, 4, 0, 1) as u16),
    ("SPSR_EL1", enc(3, 0, 4, 0, 0) as u16),
    ("SP_EL0", enc(3, 0, 4, 1, 0) as u16),
    // SP_EL1 is op1 = 4 (an EL2 register as an MSR operand, but gdb names it like this).
    ("SP_EL1", enc(3, 4, 4, 1, 0) as u16),
    ("CurrentEL", enc(3, 0, 4, 2, 2) as u16),
    ("DAIF", enc(3, 3, 4, 2, 1) as u16),
    ("SPSel", enc(3, 0, 4, 2, 0) as u16),
    ("TPIDR_EL1", enc(3, 0, 13, 0, 4) as u16),
    ("TPIDR_EL0", enc(3, 3, 13, 0, 2) as u16),
    ("TPIDRRO_EL0", enc(3, 3, 13, 0, 3) as u16),
    ("CONTEXTIDR_EL1", enc(3, 0, 13, 0, 1) as u16),
    ("CPACR_EL1", enc(3, 0, 1, 0, 2) as u16),
    ("MPIDR_EL1", enc(3, 0, 0, 0, 5) as u16),
];

/// The value of one of [`DEBUGGER_SYSTEM_REGISTERS`], read without side effects and
/// whatever the current EL (`None` for any other encoding).
pub fn read_system_register(cpu: &CpuState, sys: &SysCpu, encoding: u16) -> Option<u64> {
    let name = DEBUGGER_SYSTEM_REGISTERS
        .iter()
        .find(|(_, e)| *e == encoding)?
        .0;
    let regs = &sys.regs;
    Some(match name {
        "SCTLR_EL1" => sys.mmu.sctlr_el1,
        "TTBR0_EL1" => sys.mmu.ttbr0_el1,
        "TTBR1_EL1" => sys.mmu.ttbr1_el1,
        "TCR_EL1" => sys.mmu.tcr_el1,
        "MAIR_EL1" => sys.mmu.mair_el1,
        "VBAR_EL1" => regs.vbar,
        "ESR_EL1" => regs.esr,
        "FAR_EL1" => regs.far,
        "PAR_EL1" => regs.par,
        "ELR_EL1" => regs.elr,
        "SPSR_EL1" => regs.spsr,
        "SP_EL0" => pstate::sp_el0(cpu, sys),
        "SP_EL1" => sp_el1(cpu, sys),
        "CurrentEL" => u64::from(sys.el) << 2,
        "DAIF" => sys.daif,
        "SPSel" => u64::from(sys.spsel),
        "TPIDR_EL1" => regs.tpidr_el1,
        "TPIDR_EL0" => cpu.tpidr_el0,
        "TPIDRRO_EL0" => cpu.tpidrro_el0,
        "CONTEXTIDR_EL1" => regs.contextidr,
        "CPACR_EL1" => regs.cpacr,
        "MPIDR_EL1" => sys.mpidr(),
        _ => return None,
    })
}

/// SP_EL1, wherever it currently lives (X[31] at EL1h, else its bank).
pub fn sp_el1(cpu: &CpuState, sys: &SysCpu) -> u64 {
    if sys.el == 1 && sys.spsel == 1 {
        cpu.x[31]
    } else {
        sys.sp_el1
    }
}

/// PSTATE as gdb's `cpsr`: NZCV, DAIF, EL and SP selection (the SPSR layout).
pub fn pstate(cpu: &CpuState, sys: &SysCpu) -> u32 {
    pstate::to_spsr(cpu, sys) as u32
}

/// Sets PSTATE from a `cpsr` value gdb wrote: NZCV and DAIF always; the mode (EL and
/// SP selection) if it names one this CPU has (EL0t, EL1t, EL1h), else it is kept.
pub fn set_pstate(cpu: &mut CpuState, sys: &mut SysCpu, value: u32) {
    let value = u64::from(value);
    cpu.set_nzcv(value & super::regs::spsr::NZCV);
    sys.daif = value & super::regs::daif::ALL;
    if let Some((el, spsel)) = pstate::mode_from_spsr(value) {
        if (el, spsel) != (sys.el, sys.spsel) {
            pstate::set_pstate_mode(cpu, sys, el, spsel);
        }
    }
}

/// `monitor regs`: the EL1 state, one register a line.
pub fn el1_state_text(cpu: &CpuState, sys: &SysCpu) -> String {
    let mut text = String::new();
    let mode = match (sys.el, sys.spsel) {
        (0, _) => "EL0t",
        (_, 0) => "EL1t",
        _ => "EL1h",
    };
    let _ = writeln!(
        text,
        "PSTATE  {:#010x}  ({mode}, DAIF {:#x}, NZCV {:#x})",
        pstate(cpu, sys),
        sys.daif >> 6,
        cpu.nzcv() >> 28
    );
    let mmu = if sys.mmu.sctlr_el1 & sctlr::M != 0 {
        "on"
    } else {
        "off"
    };
    for (name, encoding) in DEBUGGER_SYSTEM_REGISTERS {
        if let Some(v) = read_system_register(cpu, sys, *encoding) {
            let note = if *name == "SCTLR_EL1" {
                format!("  (MMU {mmu})")
            } else {
                String::new()
            };
            let _ = writeln!(text, "{name:<15} {v:#018x}{note}");
        }
    }
    let _ = writeln!(text, "{}", tcr_summary(sys.mmu.tcr_el1));
    text.truncate(text.trim_end().len());
    text
}

/// TCR_EL1 decoded: each half's VA size, granule and whether it walks; the PA size.
fn tcr_summary(tcr: u64) -> String {
    let field = |shift: u32, bits: u32| (tcr >> shift) & ((1 << bits) - 1);
    let half = |name: &str, txsz: u64, disabled: bool, granule: &str| {
        if disabled {
            format!("{name}: walks disabled")
        } else {
            format!("{name}: {}-bit VAs, {granule} granule", 64 - txsz)
        }
    };
    let tg0 = match field(14, 2) {
        0 => "4 KiB",
        1 => "64 KiB",
        2 => "16 KiB",
        _ => "reserved",
    };
    let tg1 = match field(30, 2) {
        1 => "16 KiB",
        2 => "4 KiB",
        3 => "64 KiB",
        _ => "reserved",
    };
    let pa_bits = [32, 36, 40, 42, 44, 48, 52]
        .get(field(32, 3) as usize)
        .copied();
    format!(
        "TCR_EL1 decoded: {}; {}; IPS {} bits; ASIDs {} bits from TTBR{}",
        half("TTBR0", field(0, 6), field(7, 1) != 0, tg0),
        half("TTBR1", field(16, 6), field(23, 1) != 0, tg1),
        pa_bits.map_or("reserved".to_string(), |b| b.to_string()),
        if field(36, 1) != 0 { 16 } else { 8 },
        field(22, 1),
    )
}

fn rwx(read: bool, write: bool, exec: bool) -> String {
    [(read, 'r'), (write, 'w'), (exec, 'x')]
        .iter()
        .map(|&(on, c)| if on { c } else { '-' })
        .collect()
}

/// `monitor translate ADDR`: how `va` maps through the current tables (physical
/// address, mapping size, permissions at EL1 and EL0, memory attributes), or where the
/// walk faults. Nothing is cached.
pub fn translation_text(sys: &SysCpu, va: u64) -> String {
    if sys.mmu.sctlr_el1 & sctlr::M == 0 {
        return match translate_for_debugger(sys, va) {
            Ok(t) => format!("{va:#x}: MMU off: PA {:#x} (flat mapping)", t.pa),
            Err(f) => format!("{va:#x}: MMU off: {:?} fault (beyond the PA size)", f.kind),
        };
    }
    match translate_for_debugger(sys, va) {
        Ok(t) => {
            let p = t.permissions;
            let scope = match t.asid {
                Some(asid) => format!("ASID {asid:#x}"),
                None => "global".to_string(),
            };
            let kind = if t.level == 3 { "page" } else { "block" };
            format!(
                "{va:#x} -> PA {:#x}: level {} {kind} of {} KiB, EL1 {} EL0 {}, AttrIndx {} \
                 (MAIR {:#04x}), SH {}, {scope}",
                t.pa,
                t.level,
                (1u64 << t.size_shift) >> 10,
                rwx(p.el1_read, p.el1_write, p.el1_exec),
                rwx(p.el0_read, p.el0_write, p.el0_exec),
                t.attr_index,
                t.mair_attr,
                t.shareability,
            )
        }
        Err(f) => format!(
            "{va:#x}: not mapped: {:?} fault at level {}",
            f.kind, f.level
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::regs::daif;
    use super::super::softmmu::{translation_regs_written, TranslationReg};
    use super::super::testing::{sys_cpu_for_tests, RAM_BASE, RAM_SIZE};
    use super::*;

    /// 4 KiB granule, 39-bit VAs (level-1 start), one level-1 block mapping VA 0 (1 GiB)
    /// onto PA 0x4000_0000 (RAM), and nothing else; MMU on.
    fn map_low_gib_onto_ram(sys: &mut SysCpu) {
        let table = RAM_BASE + 0x10_0000;
        let ram = sys.platform.ram();
        // Block descriptor: valid, block, AttrIndx 0, AF, PA 0x4000_0000.
        let block = RAM_BASE | (1 << 10) | 1;
        ram.write(table, &block.to_le_bytes()).unwrap();
        let tcr = 25; // T0SZ = 25, TG0 = 4 KiB, EPD1 = 0 but TTBR1 unused here
        translation_regs_written(sys, TranslationReg::Tcr, tcr | (1 << 23)); // EPD1
        translation_regs_written(sys, TranslationReg::Mair, 0xff);
        translation_regs_written(sys, TranslationReg::Ttbr0, table);
        translation_regs_written(sys, TranslationReg::Sctlr, sctlr::RESET | sctlr::M);
    }

    #[test]
    fn reads_and_writes_go_through_the_tables_without_filling_the_tlb() {
        let mut sys = sys_cpu_for_tests();
        map_low_gib_onto_ram(&mut sys);
        sys.platform
            .ram()
            .write(RAM_BASE + 0x2000, b"hello")
            .unwrap();
        let mut buf = [0u8; 5];
        assert_eq!(read_virtual(&sys, 0x2000, &mut buf), 5);
        assert_eq!(&buf, b"hello");
        poke_virtual(&mut sys, 0x2ffe, b"WXYZ").unwrap(); // crosses a page
        let mut phys = [0u8; 4];
        sys.platform
            .ram()
            .read(RAM_BASE + 0x2ffe, &mut phys)
            .unwrap();
        assert_eq!(&phys, b"WXYZ");
        // Nothing was cached for the guest.
        let ctx = ExceptionLevel::El1.tlb_context();
        let tlb = sys.tlbs.tlb_mut(ctx).unwrap();
        assert_eq!(
            tlb.probe(0x2000, emu_core::softmmu::TlbAccess::Read),
            emu_core::softmmu::TlbProbe::Miss
        );
    }

    #[test]
    fn unmapped_addresses_are_errors_and_partial_reads_stop_there() {
        let mut sys = sys_cpu_for_tests();
        map_low_gib_onto_ram(&mut sys);
        // The block maps 1 GiB but RAM ends after 16 MiB: a read across the end of RAM
        // stops there, and past it nothing is readable.
        let ram_end = RAM_SIZE;
        let mut buf = [0u8; 8];
        assert_eq!(read_virtual(&sys, ram_end - 4, &mut buf), 4);
        assert_eq!(read_virtual(&sys, ram_end, &mut buf), 0);
        // Beyond the block: no translation at all.
        let end = 1u64 << 30;
        assert_eq!(read_virtual(&sys, end, &mut buf), 0);
        // A write across the end of RAM writes nothing.
        assert_eq!(read_virtual(&sys, ram_end - 2, &mut buf[..2]), 2);
        assert_eq!(poke_virtual(&mut sys, ram_end - 2, b"abcd"), Err(ram_end));
        let mut after = [0u8; 2];
        read_virtual(&sys, ram_end - 2, &mut after);
        assert_eq!(after, [buf[0], buf[1]]);
        assert!(translation_text(&sys, end).contains("not mapped: Translation fault"));
        let t = translation_text(&sys, 0x1234);
        assert!(
            t.starts_with("0x1234 -> PA 0x40001234: level 1 block of 1048576 KiB, EL1 rwx EL0 --x"),
            "{t}"
        );
    }

    #[test]
    fn writes_to_code_pages_drop_their_translations() {
        let mut sys = sys_cpu_for_tests();
        let ram_page = RAM_BASE + 0x5000;
        assert!(sys.platform.ram().mark_code(ram_page));
        poke_virtual(&mut sys, ram_page + 8, &[0; 4]).unwrap(); // MMU off: VA = PA
        assert_eq!(sys.invalidated_pages, vec![ram_page]);
        assert!(!sys.platform.ram().holds_code(ram_page));
    }

    #[test]
    fn system_registers_and_pstate() {
        let mut sys = sys_cpu_for_tests();
        let mut cpu = CpuState::default();
        sys.regs.esr = 0x9600_0045;
        cpu.x[31] = 0x4010_0000; // EL1h: SP_EL1 is X[31]
        sys.sp_el0 = 0x1000;
        let find = |n: &str| {
            DEBUGGER_SYSTEM_REGISTERS
                .iter()
                .find(|(name, _)| *name == n)
                .unwrap()
                .1
        };
        assert_eq!(
            read_system_register(&cpu, &sys, find("ESR_EL1")),
            Some(0x9600_0045)
        );
        assert_eq!(
            read_system_register(&cpu, &sys, find("SP_EL1")),
            Some(0x4010_0000)
        );
        assert_eq!(
            read_system_register(&cpu, &sys, find("SP_EL0")),
            Some(0x1000)
        );
        assert_eq!(read_system_register(&cpu, &sys, find("CurrentEL")), Some(4));
        assert_eq!(read_system_register(&cpu, &sys, 0x1234), None);
        assert_eq!(pstate(&cpu, &sys), 0x3c5); // EL1h, DAIF masked
                                               // gdb writes EL1t with only IRQs masked and Z set.
        set_pstate(&mut cpu, &mut sys, 0x4000_0084);
        assert_eq!((sys.el, sys.spsel), (1, 0));
        assert_eq!(sys.daif, daif::I);
        assert_eq!(cpu.x[31], 0x1000, "SP_EL0 is now the current stack pointer");
        assert_eq!(sp_el1(&cpu, &sys), 0x4010_0000);
        assert_eq!(pstate(&cpu, &sys), 0x4000_0084);
        // An impossible mode (EL2h) keeps the current one.
        set_pstate(&mut cpu, &mut sys, 0x9);
        assert_eq!((sys.el, sys.spsel), (1, 0));
        let text = el1_state_text(&cpu, &sys);
        assert!(
            text.starts_with("PSTATE  0x00000004  (EL1t, DAIF 0x0, NZCV 0x0)"),
            "{text}"
        );
        assert!(
            text.contains("ESR_EL1         0x0000000096000045"),
            "{text}"
        );
    }
}
