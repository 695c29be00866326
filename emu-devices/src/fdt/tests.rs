//! The device tree read back with a small FDT parser and compared with what QEMU 7.2's virt
//! machine emits (`-M virt,gic-version=N,dumpdtb=...`, decoded with `dtc`). When
//! `qemu-system-aarch64` is installed, one test also dumps QEMU's tree live and compares
//! every property we emit.

use super::*;
use std::collections::BTreeMap;

/// Node path → property name → raw value.
type Tree = BTreeMap<String, BTreeMap<String, Vec<u8>>>;

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// Parse a DTB (version 17) into its nodes and properties.
fn parse(blob: &[u8]) -> Tree {
    assert_eq!(be32(blob, 0), 0xD00D_FEED, "magic");
    assert_eq!(be32(blob, 4) as usize, blob.len(), "totalsize");
    let structs = be32(blob, 8) as usize;
    let strings = be32(blob, 12) as usize;
    assert_eq!(be32(blob, 20), 17, "version");
    let cstr = |at: usize| {
        let end = at + blob[at..].iter().position(|&c| c == 0).unwrap();
        (String::from_utf8(blob[at..end].to_vec()).unwrap(), end + 1)
    };
    let align = |x: usize| (x + 3) & !3;
    let mut tree = Tree::new();
    let mut path: Vec<String> = Vec::new();
    let mut at = structs;
    loop {
        let token = be32(blob, at);
        at += 4;
        match token {
            1 => {
                let (name, next) = cstr(at);
                at = align(next);
                path.push(name);
                tree.entry(node_path(&path)).or_default();
            }
            2 => {
                path.pop();
            }
            3 => {
                let len = be32(blob, at) as usize;
                let (name, _) = cstr(strings + be32(blob, at + 4) as usize);
                let value = blob[at + 8..at + 8 + len].to_vec();
                at = align(at + 8 + len);
                tree.get_mut(&node_path(&path)).unwrap().insert(name, value);
            }
            4 => {}
            9 => break,
            t => panic!("bad token {t}"),
        }
    }
    assert!(path.is_empty(), "unbalanced nodes");
    tree
}

fn node_path(path: &[String]) -> String {
    let p = path
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("/");
    format!("/{p}")
}

fn cells(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|c| c.to_be_bytes()).collect()
}

fn strs(v: &[&str]) -> Vec<u8> {
    v.iter().flat_map(|s| s.bytes().chain([0])).collect()
}

fn prop<'a>(tree: &'a Tree, node: &str, name: &str) -> &'a [u8] {
    tree.get(node)
        .unwrap_or_else(|| panic!("no node {node}"))
        .get(name)
        .unwrap_or_else(|| panic!("no {node}:{name}"))
}

fn qemu_like_config(gic: Version) -> FdtConfig {
    let mut cfg = FdtConfig::new(2, 512 << 20, gic);
    cfg.bootargs = Some("console=ttyAMA0 root=/dev/vda".into());
    cfg.initrd = Some((0x4800_0000, 0x4800_0001));
    cfg.rng_seed = Some([0xA5; 32]);
    cfg.kaslr_seed = Some(0x7d70_7d47_3dfa_4530);
    cfg
}

/// The values below are transcribed from `dtc -I dtb -O dts` of QEMU 7.2's
/// `-M virt,gic-version=3 -cpu cortex-a57 -smp 2 -m 512` with the same bootargs and initrd.
#[test]
fn gicv3_tree_matches_qemu() {
    let t = parse(&build(&qemu_like_config(Version::V3)).unwrap());
    let gic_phandle = prop(&t, "/intc@8000000", "phandle");
    assert_eq!(prop(&t, "/", "interrupt-parent"), gic_phandle);
    assert_eq!(prop(&t, "/", "compatible"), strs(&["linux,dummy-virt"]));
    assert_eq!(prop(&t, "/", "#address-cells"), cells(&[2]));
    assert_eq!(
        prop(&t, "/psci", "compatible"),
        strs(&["arm,psci-1.0", "arm,psci-0.2", "arm,psci"])
    );
    assert_eq!(prop(&t, "/psci", "method"), strs(&["hvc"]));
    assert_eq!(prop(&t, "/psci", "cpu_on"), cells(&[0xc4000003]));
    assert_eq!(prop(&t, "/psci", "cpu_off"), cells(&[0x84000002]));
    assert_eq!(
        prop(&t, "/memory@40000000", "reg"),
        cells(&[0, 0x40000000, 0, 0x20000000])
    );
    assert_eq!(
        prop(&t, "/memory@40000000", "device_type"),
        strs(&["memory"])
    );
    assert_eq!(
        prop(&t, "/intc@8000000", "reg"),
        cells(&[0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, 0xf60000])
    );
    assert_eq!(
        prop(&t, "/intc@8000000", "compatible"),
        strs(&["arm,gic-v3"])
    );
    assert_eq!(
        prop(&t, "/intc@8000000", "#redistributor-regions"),
        cells(&[1])
    );
    assert_eq!(prop(&t, "/intc@8000000", "#interrupt-cells"), cells(&[3]));
    assert_eq!(prop(&t, "/intc@8000000", "interrupt-controller"), b"");
    let clk = prop(&t, "/apb-pclk", "phandle").to_vec();
    assert_eq!(
        prop(&t, "/apb-pclk", "clock-frequency"),
        cells(&[0x16e3600])
    );
    assert_eq!(prop(&t, "/apb-pclk", "compatible"), strs(&["fixed-clock"]));
    assert_eq!(
        prop(&t, "/pl011@9000000", "compatible"),
        strs(&["arm,pl011", "arm,primecell"])
    );
    assert_eq!(
        prop(&t, "/pl011@9000000", "reg"),
        cells(&[0, 0x9000000, 0, 0x1000])
    );
    assert_eq!(prop(&t, "/pl011@9000000", "interrupts"), cells(&[0, 1, 4]));
    assert_eq!(
        prop(&t, "/pl011@9000000", "clock-names"),
        strs(&["uartclk", "apb_pclk"])
    );
    assert_eq!(
        prop(&t, "/pl011@9000000", "clocks"),
        [clk.clone(), clk.clone()].concat()
    );
    assert_eq!(
        prop(&t, "/pl031@9010000", "compatible"),
        strs(&["arm,pl031", "arm,primecell"])
    );
    assert_eq!(prop(&t, "/pl031@9010000", "interrupts"), cells(&[0, 2, 4]));
    assert_eq!(prop(&t, "/pl031@9010000", "clocks"), clk);
    assert_eq!(
        prop(&t, "/timer", "interrupts"),
        cells(&[1, 0xd, 4, 1, 0xe, 4, 1, 0xb, 4, 1, 0xa, 4])
    );
    assert_eq!(
        prop(&t, "/timer", "compatible"),
        strs(&["arm,armv8-timer", "arm,armv7-timer"])
    );
    assert_eq!(prop(&t, "/cpus", "#address-cells"), cells(&[1]));
    for (node, reg) in [("/cpus/cpu@0", 0), ("/cpus/cpu@1", 1)] {
        assert_eq!(prop(&t, node, "reg"), cells(&[reg]));
        assert_eq!(prop(&t, node, "enable-method"), strs(&["psci"]));
        assert_eq!(prop(&t, node, "compatible"), strs(&["arm,cortex-a57"]));
        assert_eq!(prop(&t, node, "device_type"), strs(&["cpu"]));
    }
    assert_eq!(
        prop(&t, "/chosen", "bootargs"),
        strs(&["console=ttyAMA0 root=/dev/vda"])
    );
    assert_eq!(
        prop(&t, "/chosen", "stdout-path"),
        strs(&["/pl011@9000000"])
    );
    assert_eq!(
        prop(&t, "/chosen", "linux,initrd-start"),
        cells(&[0x48000000])
    );
    assert_eq!(
        prop(&t, "/chosen", "linux,initrd-end"),
        cells(&[0x48000001])
    );
    assert_eq!(prop(&t, "/chosen", "rng-seed"), [0xA5; 32]);
    assert_eq!(
        prop(&t, "/chosen", "kaslr-seed"),
        cells(&[0x7d707d47, 0x3dfa4530])
    );
}

#[test]
fn gicv2_tree_matches_qemu() {
    let t = parse(&build(&qemu_like_config(Version::V2)).unwrap());
    assert_eq!(
        prop(&t, "/intc@8000000", "reg"),
        cells(&[0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000])
    );
    assert_eq!(
        prop(&t, "/intc@8000000", "compatible"),
        strs(&["arm,cortex-a15-gic"])
    );
    assert!(!t["/intc@8000000"].contains_key("#redistributor-regions"));
    // PPI flags carry the CPU mask (2 CPUs: 0x3 << 8).
    assert_eq!(
        prop(&t, "/timer", "interrupts"),
        cells(&[1, 0xd, 0x304, 1, 0xe, 0x304, 1, 0xb, 0x304, 1, 0xa, 0x304])
    );
}

#[test]
fn cpu_count_memory_and_optional_chosen_properties() {
    let mut cfg = FdtConfig::new(1, 0x2_0000_0000, Version::V3);
    let t = parse(&build(&cfg).unwrap());
    // One CPU: QEMU gives no enable-method.
    assert!(!t["/cpus/cpu@0"].contains_key("enable-method"));
    assert!(!t.contains_key("/cpus/cpu@1"));
    assert_eq!(
        prop(&t, "/memory@40000000", "reg"),
        cells(&[0, 0x40000000, 2, 0])
    );
    assert_eq!(t["/chosen"].keys().collect::<Vec<_>>(), ["stdout-path"]);
    // 17 CPUs: the 17th is Aff1 = 1, Aff0 = 0 (16 per cluster with GICv3).
    cfg.num_cpus = 17;
    cfg.initrd = Some((0x1_0000_0000, 0x1_0000_1000));
    let t = parse(&build(&cfg).unwrap());
    assert_eq!(prop(&t, "/cpus/cpu@100", "reg"), cells(&[0x100]));
    assert_eq!(prop(&t, "/cpus/cpu@f", "reg"), cells(&[0xf]));
    assert_eq!(prop(&t, "/chosen", "linux,initrd-start"), cells(&[1, 0]));
    // Limits: GICv2 addresses 8 CPUs, GICv3's redistributor region 123.
    assert!(matches!(
        build(&FdtConfig::new(9, 1 << 30, Version::V2)),
        Err(FdtError::CpuCount { max: 8, .. })
    ));
    assert!(build(&FdtConfig::new(123, 1 << 30, Version::V3)).is_ok());
    assert!(build(&FdtConfig::new(124, 1 << 30, Version::V3)).is_err());
    assert!(build(&FdtConfig::new(0, 1 << 30, Version::V3)).is_err());
}

/// Properties whose values are phandles or random: compared by presence only.
const UNCOMPARABLE: [&str; 5] = [
    "phandle",
    "interrupt-parent",
    "clocks",
    "rng-seed",
    "kaslr-seed",
];

#[test]
fn every_property_matches_live_qemu_when_installed() {
    let dir = std::env::temp_dir().join(format!("emu-fdt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kernel = dir.join("k");
    std::fs::write(&kernel, b"\n").unwrap();
    for (gic, flag) in [(Version::V2, "2"), (Version::V3, "3")] {
        let out = dir.join(format!("v{flag}.dtb"));
        let status = std::process::Command::new("qemu-system-aarch64")
            .arg("-M")
            .arg(format!("virt,gic-version={flag},dumpdtb={}", out.display()))
            .args([
                "-cpu",
                "cortex-a57",
                "-smp",
                "2",
                "-m",
                "512",
                "-nographic",
                "-nodefaults",
            ])
            .args(["-net", "none", "-append", "console=ttyAMA0 root=/dev/vda"])
            .arg("-kernel")
            .arg(&kernel)
            .arg("-initrd")
            .arg(&kernel)
            .stderr(std::process::Stdio::null())
            .status();
        let Ok(blob) = status.and_then(|_| std::fs::read(&out)) else {
            eprintln!("qemu-system-aarch64 not available: live comparison skipped");
            return;
        };
        let theirs = parse(&blob);
        let ours = parse(&build(&qemu_like_config(gic)).unwrap());
        for (node, props) in &ours {
            let Some(their_props) = theirs.get(node) else {
                panic!("QEMU has no {node}")
            };
            for (name, value) in props {
                let theirs = their_props.get(name);
                assert!(theirs.is_some(), "QEMU has no {node}:{name}");
                if !UNCOMPARABLE.contains(&name.as_str()) {
                    assert_eq!(Some(value), theirs, "{node}:{name}");
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
