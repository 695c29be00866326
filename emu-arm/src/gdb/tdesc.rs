//! The target description gdb reads (`qXfer:features:read:target.xml`): the standard
//! AArch64 core and FP/SIMD features (copied from gdb's own `aarch64-core.xml` and
//! `aarch64-fpu.xml`), plus the system registers the target can read, numbered by their
//! encoding as `gdbstub_arch`'s `AArch64RegId::System` expects.
//!
//! Not `gdbstub_arch`'s built-in description: it lists all ~870 Armv8 system registers,
//! most of which this emulator does not have (and none of which exist in user mode).

const CORE: &str = include_str!("aarch64-core.xml");
const FPU: &str = include_str!("aarch64-fpu.xml");

/// The whole target.xml for a target with these system registers.
pub fn target_xml(system_registers: &[(&str, u16)]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd"><target version="1.0"><architecture>aarch64</architecture>"#,
    );
    xml.push_str(CORE);
    xml.push_str(FPU);
    if !system_registers.is_empty() {
        xml.push_str(r#"<feature name="org.emu.aarch64.sysregs">"#);
        for (name, encoding) in system_registers {
            xml.push_str(&format!(
                r#"<reg name="{name}" bitsize="64" regnum="{encoding}" group="system"/>"#
            ));
        }
        xml.push_str("</feature>");
    }
    xml.push_str("</target>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_mode_description_has_core_and_fpu_only() {
        let xml = target_xml(&[]);
        assert!(xml.contains(r#"<feature name="org.gnu.gdb.aarch64.core">"#));
        assert!(xml.contains(r#"<feature name="org.gnu.gdb.aarch64.fpu">"#));
        assert!(xml.contains(r#"<reg name="fpcr" bitsize="32""#));
        assert!(!xml.contains("sysregs"));
        assert!(xml.ends_with("</target>"));
    }

    #[test]
    // Grouped as the encoding's fields, op0:op1:CRn:CRm:op2.
    #[allow(clippy::unusual_byte_groupings)]
    fn system_registers_are_numbered_by_encoding() {
        // ESR_EL1: op0=3 op1=0 CRn=5 CRm=2 op2=0.
        let esr = 0b11_000_0101_0010_000u16;
        let xml = target_xml(&[("ESR_EL1", esr)]);
        assert!(xml.contains(&format!(
            r#"<reg name="ESR_EL1" bitsize="64" regnum="{esr}""#
        )));
    }
}
