//! The `virt` board's flattened device tree, node for node as QEMU 7.2's virt machine emits
//! it (read back from `qemu-system-aarch64 -M virt,dumpdtb=...` with `dtc`), restricted to
//! the devices this board implements: an image built for QEMU sees the same names,
//! compatibles, registers and interrupt specifiers.
//!
//! Nodes QEMU emits that are left out, because the device is not modelled (a node without a
//! device would make the guest probe and fail): flash@0, fw-cfg, virtio_mmio@*, pl061 and
//! gpio-keys, pcie, platform-bus, pmu, the GICv3 ITS and the GICv2m frame, and cpu-map.

use crate::board::*;
use crate::generic_timer::{PPI_HYP, PPI_PHYS, PPI_SECURE_PHYS, PPI_VIRT};
use crate::gic::{self, Version};
use vm_fdt::{FdtWriter, FdtWriterResult};

/// Interrupt specifier cells (the GIC binding): type, number, flags.
const GIC_FDT_IRQ_TYPE_SPI: u32 = 0;
const GIC_FDT_IRQ_TYPE_PPI: u32 = 1;
/// IRQ_TYPE_LEVEL_HIGH: what QEMU 7.2 puts on every level-sensitive line, timers included.
const IRQ_TYPE_LEVEL_HIGH: u32 = 4;

const PHANDLE_APB_PCLK: u32 = 0x8000;
const PHANDLE_GIC: u32 = 0x8001;

/// PSCI 0.2+ function IDs (SMC64 variants where one exists), as QEMU lists them.
const PSCI_CPU_SUSPEND: u32 = 0xC400_0001;
const PSCI_CPU_OFF: u32 = 0x8400_0002;
const PSCI_CPU_ON: u32 = 0xC400_0003;
const PSCI_MIGRATE: u32 = 0xC400_0005;

const APB_PCLK_HZ: u32 = 24_000_000;

pub struct FdtConfig {
    pub num_cpus: usize,
    /// `compatible` of each CPU node, e.g. "arm,cortex-a57".
    pub cpu_compatible: String,
    pub ram_size: u64,
    pub gic: Version,
    pub bootargs: Option<String>,
    /// Physical [start, end) of the initial ramdisk.
    pub initrd: Option<(u64, u64)>,
    /// Entropy for the guest: /chosen/rng-seed (QEMU gives 32 bytes) and kaslr-seed.
    pub rng_seed: Option<[u8; 32]>,
    pub kaslr_seed: Option<u64>,
}

impl FdtConfig {
    pub fn new(num_cpus: usize, ram_size: u64, gic: Version) -> Self {
        Self {
            num_cpus,
            cpu_compatible: "arm,cortex-a57".into(),
            ram_size,
            gic,
            bootargs: None,
            initrd: None,
            rng_seed: None,
            kaslr_seed: None,
        }
    }
}

#[derive(Debug)]
pub enum FdtError {
    /// More CPUs than the interrupt controller can address, or none.
    CpuCount {
        num_cpus: usize,
        max: usize,
    },
    Writer(vm_fdt::Error),
}

impl std::fmt::Display for FdtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FdtError::CpuCount { num_cpus, max } => {
                write!(
                    f,
                    "{num_cpus} CPUs: this interrupt controller supports 1 to {max}"
                )
            }
            FdtError::Writer(e) => write!(f, "device tree: {e}"),
        }
    }
}

impl std::error::Error for FdtError {}

impl From<vm_fdt::Error> for FdtError {
    fn from(e: vm_fdt::Error) -> Self {
        FdtError::Writer(e)
    }
}

/// A (base, size) pair as two 2-cell numbers (#address-cells = #size-cells = 2).
fn reg(fdt: &mut FdtWriter, ranges: &[(u64, u64)]) -> FdtWriterResult<()> {
    let cells: Vec<u64> = ranges.iter().flat_map(|&(b, s)| [b, s]).collect();
    fdt.property_array_u64("reg", &cells)
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A u32 when the value fits (as QEMU writes linux,initrd-*), else a u64.
fn number(fdt: &mut FdtWriter, name: &str, value: u64) -> FdtWriterResult<()> {
    match u32::try_from(value) {
        Ok(v) => fdt.property_u32(name, v),
        Err(_) => fdt.property_u64(name, value),
    }
}

pub fn build(cfg: &FdtConfig) -> Result<Vec<u8>, FdtError> {
    let max = match cfg.gic {
        Version::V2 => MAX_CPUS_GICV2,
        Version::V3 => MAX_CPUS_GICV3,
    };
    if cfg.num_cpus == 0 || cfg.num_cpus > max {
        return Err(FdtError::CpuCount {
            num_cpus: cfg.num_cpus,
            max,
        });
    }
    let mut fdt = FdtWriter::new()?;
    let root = fdt.begin_node("")?;
    fdt.property_u32("interrupt-parent", PHANDLE_GIC)?;
    fdt.property_string("model", "linux,dummy-virt")?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_string("compatible", "linux,dummy-virt")?;

    let psci = fdt.begin_node("psci")?;
    fdt.property_u32("migrate", PSCI_MIGRATE)?;
    fdt.property_u32("cpu_on", PSCI_CPU_ON)?;
    fdt.property_u32("cpu_off", PSCI_CPU_OFF)?;
    fdt.property_u32("cpu_suspend", PSCI_CPU_SUSPEND)?;
    fdt.property_string("method", "hvc")?;
    fdt.property_string_list(
        "compatible",
        strings(&["arm,psci-1.0", "arm,psci-0.2", "arm,psci"]),
    )?;
    fdt.end_node(psci)?;

    let memory = fdt.begin_node(&format!("memory@{RAM_BASE:x}"))?;
    reg(&mut fdt, &[(RAM_BASE, cfg.ram_size)])?;
    fdt.property_string("device_type", "memory")?;
    fdt.end_node(memory)?;

    let rtc = fdt.begin_node(&format!("pl031@{RTC_BASE:x}"))?;
    fdt.property_string("clock-names", "apb_pclk")?;
    fdt.property_u32("clocks", PHANDLE_APB_PCLK)?;
    fdt.property_array_u32(
        "interrupts",
        &[GIC_FDT_IRQ_TYPE_SPI, RTC_SPI, IRQ_TYPE_LEVEL_HIGH],
    )?;
    reg(&mut fdt, &[(RTC_BASE, crate::pl031::PL031_SIZE)])?;
    fdt.property_string_list("compatible", strings(&["arm,pl031", "arm,primecell"]))?;
    fdt.end_node(rtc)?;

    let uart = fdt.begin_node(&format!("pl011@{UART_BASE:x}"))?;
    fdt.property_string_list("clock-names", strings(&["uartclk", "apb_pclk"]))?;
    fdt.property_array_u32("clocks", &[PHANDLE_APB_PCLK, PHANDLE_APB_PCLK])?;
    fdt.property_array_u32(
        "interrupts",
        &[GIC_FDT_IRQ_TYPE_SPI, UART_SPI, IRQ_TYPE_LEVEL_HIGH],
    )?;
    reg(&mut fdt, &[(UART_BASE, crate::pl011::PL011_SIZE)])?;
    fdt.property_string_list("compatible", strings(&["arm,pl011", "arm,primecell"]))?;
    fdt.end_node(uart)?;

    let intc = fdt.begin_node(&format!("intc@{GIC_DIST_BASE:x}"))?;
    fdt.property_u32("phandle", PHANDLE_GIC)?;
    match cfg.gic {
        Version::V3 => {
            reg(
                &mut fdt,
                &[
                    (GIC_DIST_BASE, gic::DIST_SIZE),
                    (GIC_REDIST_BASE, GIC_REDIST_REGION_SIZE),
                ],
            )?;
            fdt.property_u32("#redistributor-regions", 1)?;
            fdt.property_string("compatible", "arm,gic-v3")?;
        }
        Version::V2 => {
            reg(
                &mut fdt,
                &[
                    (GIC_DIST_BASE, gic::DIST_SIZE),
                    (GIC_V2_CPU_BASE, gic::V2_CPU_SIZE),
                ],
            )?;
            fdt.property_string("compatible", "arm,cortex-a15-gic")?;
        }
    }
    fdt.property_null("ranges")?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_u32("#interrupt-cells", 3)?;
    fdt.end_node(intc)?;

    let cpus = fdt.begin_node("cpus")?;
    fdt.property_u32("#size-cells", 0)?;
    fdt.property_u32("#address-cells", 1)?;
    for cpu in 0..cfg.num_cpus {
        let mpidr = gic::state::affinity(cfg.gic, cpu) as u32;
        let node = fdt.begin_node(&format!("cpu@{mpidr:x}"))?;
        fdt.property_u32("reg", mpidr)?;
        // QEMU names the secondary-CPU boot method only when there are secondaries.
        if cfg.num_cpus > 1 {
            fdt.property_string("enable-method", "psci")?;
        }
        fdt.property_string("compatible", &cfg.cpu_compatible)?;
        fdt.property_string("device_type", "cpu")?;
        fdt.end_node(node)?;
    }
    fdt.end_node(cpus)?;

    let timer = fdt.begin_node("timer")?;
    // GICv2 PPI specifiers carry the mask of CPUs the PPI is wired to in bits [15:8].
    let flags = match cfg.gic {
        Version::V2 => IRQ_TYPE_LEVEL_HIGH | ((1u32 << cfg.num_cpus) - 1) << 8,
        Version::V3 => IRQ_TYPE_LEVEL_HIGH,
    };
    let cells: Vec<u32> = [PPI_SECURE_PHYS, PPI_PHYS, PPI_VIRT, PPI_HYP]
        .iter()
        .flat_map(|&ppi| [GIC_FDT_IRQ_TYPE_PPI, ppi, flags])
        .collect();
    fdt.property_array_u32("interrupts", &cells)?;
    fdt.property_null("always-on")?;
    fdt.property_string_list(
        "compatible",
        strings(&["arm,armv8-timer", "arm,armv7-timer"]),
    )?;
    fdt.end_node(timer)?;

    let clk = fdt.begin_node("apb-pclk")?;
    fdt.property_u32("phandle", PHANDLE_APB_PCLK)?;
    fdt.property_string("clock-output-names", "clk24mhz")?;
    fdt.property_u32("clock-frequency", APB_PCLK_HZ)?;
    fdt.property_u32("#clock-cells", 0)?;
    fdt.property_string("compatible", "fixed-clock")?;
    fdt.end_node(clk)?;

    let chosen = fdt.begin_node("chosen")?;
    if let Some((start, end)) = cfg.initrd {
        number(&mut fdt, "linux,initrd-end", end)?;
        number(&mut fdt, "linux,initrd-start", start)?;
    }
    if let Some(args) = &cfg.bootargs {
        fdt.property_string("bootargs", args)?;
    }
    fdt.property_string("stdout-path", &format!("/pl011@{UART_BASE:x}"))?;
    if let Some(seed) = &cfg.rng_seed {
        fdt.property("rng-seed", seed)?;
    }
    if let Some(seed) = cfg.kaslr_seed {
        fdt.property_u64("kaslr-seed", seed)?;
    }
    fdt.end_node(chosen)?;

    fdt.end_node(root)?;
    Ok(fdt.finish()?)
}

#[cfg(test)]
mod tests;
