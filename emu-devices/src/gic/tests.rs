//! Register-level tests of the GIC through its MMIO views and system registers, following
//! the sequences Linux's irq-gic-v3.c and irq-gic.c drivers perform.

use super::icc::*;
use super::*;
use emu_core::mmio::MmioDevice;
use std::sync::atomic::AtomicUsize;

const UART_SPI: u32 = 1;
const UART_INTID: u64 = 33;

fn v3(cpus: usize) -> (Arc<Gic>, GicDistributor, GicRedistributors) {
    let gic = Gic::new(Version::V3, cpus, VIRT_NUM_SPIS);
    (
        gic.clone(),
        GicDistributor::new(gic.clone()),
        GicRedistributors::new(gic),
    )
}

/// What Linux does per CPU: wake the redistributor, turn on the system register
/// interface, unmask all priorities, enable group 1.
fn bring_up_cpu(gic: &Gic, redist: &mut GicRedistributors, cpu: usize) {
    let waker = cpu as u64 * REDIST_STRIDE + 0x14;
    assert_eq!(redist.read(cpu, waker, 4), 0b110, "asleep after reset");
    redist.write(cpu, waker, 4, 0);
    assert_eq!(
        redist.read(cpu, waker, 4) & 0b100,
        0,
        "ChildrenAsleep follows"
    );
    assert!(gic.write_sysreg(cpu, ICC_SRE_EL1, 7));
    assert_eq!(gic.read_sysreg(cpu, ICC_SRE_EL1), Some(7));
    assert!(gic.write_sysreg(cpu, ICC_PMR_EL1, 0xF0));
    assert!(gic.write_sysreg(cpu, ICC_BPR1_EL1, 0));
    assert!(gic.write_sysreg(cpu, ICC_CTLR_EL1, 0));
    assert!(gic.write_sysreg(cpu, ICC_IGRPEN1_EL1, 1));
}

#[test]
fn v3_identification() {
    let (_, mut dist, mut redist) = v3(4);
    // PIDR2.ArchRev = 3 in both.
    assert_eq!(dist.read(0, 0xFFE8, 4) >> 4 & 0xF, 3);
    assert_eq!(redist.read(0, 0xFFE8, 4) >> 4 & 0xF, 3);
    let typer = dist.read(0, 0x4, 4);
    assert_eq!(typer & 0x1F, 8, "ITLinesNumber: 288 INTIDs");
    assert_eq!(typer >> 19 & 0x1F, 9, "IDbits");
    assert_eq!(typer & (1 << 10), 0, "no security extension");
    assert_eq!(dist.read(0, 0x8, 4), 0x43B);
    // ARE and DS read as one.
    assert_eq!(dist.read(0, 0, 4), 0x50);
    dist.write(0, 0, 4, 0x2 | 0x10);
    assert_eq!(dist.read(0, 0, 4), 0x52);
    // GICR_TYPER: processor number, affinity, Last only on the final frame.
    for cpu in 0..4u64 {
        let t = redist.read(0, cpu * REDIST_STRIDE + 8, 8);
        assert_eq!(t >> 32, cpu, "Aff0");
        assert_eq!(t >> 8 & 0xFFFF, cpu);
        assert_eq!(t & 0x10 != 0, cpu == 3);
        assert_eq!(
            redist.read(0, cpu * REDIST_STRIDE + 0xC, 4),
            cpu,
            "upper half"
        );
    }
    assert_eq!(redist.region_size(), 4 * REDIST_STRIDE);
    // Beyond the last CPU's frames: nothing.
    assert_eq!(redist.read(0, 4 * REDIST_STRIDE + 8, 8), 0);
}

#[test]
fn v3_spi_delivery_acknowledge_eoi() {
    let (gic, mut dist, mut redist) = v3(2);
    bring_up_cpu(&gic, &mut redist, 0);
    bring_up_cpu(&gic, &mut redist, 1);
    // Distributor: group 1, priority, level, routed to CPU 1, enabled.
    dist.write(0, 0x80 + 4, 4, 1 << 1); // IGROUPR1: INTID 33
    dist.write(0, 0x400 + UART_INTID, 1, 0xA0);
    assert_eq!(dist.read(0, 0x400 + 32, 4), 0xA0 << 8);
    dist.write(0, 0x6000 + 8 * UART_INTID, 8, 1);
    assert_eq!(dist.read(0, 0x6000 + 8 * UART_INTID, 8), 1);
    dist.write(0, 0x100 + 4, 4, 1 << 1);
    assert_eq!(
        dist.read(0, 0x180 + 4, 4),
        1 << 1,
        "ICENABLER reads the enables"
    );
    gic.set_level(IrqSource::Spi(UART_SPI), true);
    assert!(!gic.irq_pending(1), "distributor group 1 still disabled");
    dist.write(0, 0, 4, 0x12);
    assert!(gic.irq_pending(1));
    assert!(!gic.irq_pending(0), "routed to CPU 1 only");
    assert_eq!(
        dist.read(0, 0x200 + 4, 4),
        1 << 1,
        "ISPENDR shows the level"
    );
    assert_eq!(gic.read_sysreg(1, ICC_HPPIR1_EL1), Some(UART_INTID));
    assert_eq!(gic.read_sysreg(1, ICC_IAR1_EL1), Some(UART_INTID));
    assert_eq!(gic.read_sysreg(1, ICC_RPR_EL1), Some(0xA0));
    assert_eq!(dist.read(0, 0x300 + 4, 4), 1 << 1, "active");
    assert!(!gic.irq_pending(1), "active: not signalled again");
    // The device drops its line while the handler runs; EOI drops priority and deactivates.
    gic.set_level(IrqSource::Spi(UART_SPI), false);
    assert!(gic.write_sysreg(1, ICC_EOIR1_EL1, UART_INTID));
    assert_eq!(gic.read_sysreg(1, ICC_RPR_EL1), Some(0xFF));
    assert_eq!(dist.read(0, 0x300 + 4, 4), 0);
    assert_eq!(gic.read_sysreg(1, ICC_IAR1_EL1), Some(1023));
    // The priority mask hides it.
    gic.set_level(IrqSource::Spi(UART_SPI), true);
    gic.write_sysreg(1, ICC_PMR_EL1, 0xA0);
    assert!(!gic.irq_pending(1));
    assert_eq!(
        gic.read_sysreg(1, ICC_HPPIR1_EL1),
        Some(UART_INTID),
        "HPPIR ignores PMR"
    );
    assert_eq!(gic.read_sysreg(1, ICC_IAR1_EL1), Some(1023));
    gic.write_sysreg(1, ICC_PMR_EL1, 0xA8);
    assert!(gic.irq_pending(1));
    // ICENABLER disables.
    dist.write(0, 0x180 + 4, 4, 1 << 1);
    assert!(!gic.irq_pending(1));
}

#[test]
fn v3_ppi_timer_and_eoimode() {
    let (gic, _, mut redist) = v3(2);
    bring_up_cpu(&gic, &mut redist, 1);
    gic.with_state(|st| st.dist_ctlr = 2);
    let sgi_frame = REDIST_STRIDE + 0x1_0000;
    redist.write(1, sgi_frame + 0x80, 4, 0xFFFF_FFFF); // all group 1
    redist.write(1, sgi_frame + 0x400 + 30, 1, 0x80);
    redist.write(1, sgi_frame + 0x100, 4, 1 << 30); // PPI 14 = INTID 30
    assert_eq!(redist.read(1, sgi_frame + 0x100, 4), 1 << 30);
    assert_eq!(
        redist.read(0, 0x1_0000 + 0x100, 4),
        0,
        "CPU 0's bank is separate"
    );
    gic.set_level(IrqSource::Ppi { cpu: 1, ppi: 14 }, true);
    assert!(gic.irq_pending(1));
    gic.set_level(IrqSource::Ppi { cpu: 0, ppi: 14 }, true);
    assert!(!gic.irq_pending(0));
    gic.write_sysreg(1, ICC_CTLR_EL1, 2); // EOImode
    assert_eq!(gic.read_sysreg(1, ICC_CTLR_EL1), Some(2 | 4 << 8));
    assert_eq!(gic.read_sysreg(1, ICC_IAR1_EL1), Some(30));
    assert_eq!(gic.read_sysreg(1, ICC_AP1R0_EL1), Some(1 << (0x80 >> 3)));
    gic.write_sysreg(1, ICC_EOIR1_EL1, 30);
    assert_eq!(gic.read_sysreg(1, ICC_RPR_EL1), Some(0xFF));
    assert!(!gic.irq_pending(1), "still active until DIR");
    gic.write_sysreg(1, ICC_DIR_EL1, 30);
    assert!(gic.irq_pending(1), "line still high: pending again");
    // ICFGR0 (SGIs) is read-only edge; ICFGR1 is writable.
    redist.write(1, sgi_frame + 0xC00, 4, 0);
    assert_eq!(redist.read(1, sgi_frame + 0xC00, 4), 0xAAAA_AAAA);
    redist.write(1, sgi_frame + 0xC04, 4, 0x2000_0000);
    assert_eq!(redist.read(1, sgi_frame + 0xC04, 4), 0x2000_0000);
}

#[test]
fn v3_sgis_to_target_lists() {
    let (gic, _, mut redist) = v3(18);
    for cpu in [0, 2, 3, 17] {
        bring_up_cpu(&gic, &mut redist, cpu);
        // Enable SGI 5 as group 1 on each.
        let frame = cpu as u64 * REDIST_STRIDE + 0x1_0000;
        redist.write(0, frame + 0x80, 4, 0xFFFF);
        redist.write(0, frame + 0x100, 4, 1 << 5);
    }
    gic.with_state(|st| st.dist_ctlr = 2);
    // TargetList {2, 3} in cluster Aff1 = 0, INTID 5.
    gic.write_sysreg(0, ICC_SGI1R_EL1, 5 << 24 | 0b1100);
    assert!(gic.irq_pending(2) && gic.irq_pending(3));
    assert!(!gic.irq_pending(0) && !gic.irq_pending(17));
    assert_eq!(gic.read_sysreg(3, ICC_IAR1_EL1), Some(5));
    // Aff1 = 1, TargetList bit 1: CPU 17.
    gic.write_sysreg(0, ICC_SGI1R_EL1, 5 << 24 | 1 << 16 | 0b10);
    assert!(gic.irq_pending(17));
    // IRM: everyone but the sender.
    gic.write_sysreg(2, ICC_SGI1R_EL1, 5 << 24 | 1 << 40);
    assert!(gic.irq_pending(0));
    // Writes to read-only and reads of write-only registers are refused (UNDEF).
    assert!(!gic.write_sysreg(0, ICC_IAR1_EL1, 0));
    assert_eq!(gic.read_sysreg(0, ICC_EOIR1_EL1), None);
    assert_eq!(gic.read_sysreg(0, ICC_SGI1R_EL1), None);
    assert_eq!(gic.read_sysreg(99, ICC_PMR_EL1), None);
}

#[test]
fn wakeup_hook_fires_on_rising_irq() {
    let (gic, mut dist, mut redist) = v3(1);
    let woken = Arc::new(AtomicUsize::new(0));
    let w = woken.clone();
    gic.set_wakeup(move |cpu| {
        assert_eq!(cpu, 0);
        w.fetch_add(1, Ordering::SeqCst);
    });
    bring_up_cpu(&gic, &mut redist, 0);
    dist.write(0, 0, 4, 2);
    dist.write(0, 0x80 + 4, 4, 1 << 1);
    dist.write(0, 0x6000 + 8 * UART_INTID, 8, 0);
    dist.write(0, 0x100 + 4, 4, 1 << 1);
    gic.set_level(IrqSource::Spi(UART_SPI), true);
    gic.set_level(IrqSource::Spi(UART_SPI), true);
    assert_eq!(woken.load(Ordering::SeqCst), 1);
    assert!(gic.irq_flag(0).unwrap().load(Ordering::Acquire));
    assert!(gic.irq_flag(1).is_none());
}

#[test]
fn v2_flow_with_banked_registers_and_sgi_sources() {
    let gic = Gic::new(Version::V2, 2, VIRT_NUM_SPIS);
    let mut dist = GicDistributor::new(gic.clone());
    let mut cpuif = GicV2CpuInterface::new(gic.clone());
    assert_eq!(dist.read(0, 0xFE8, 4) >> 4 & 0xF, 2, "ArchRev 2");
    assert_eq!(dist.read(0, 4, 4) >> 5 & 7, 1, "two CPUs");
    // ITARGETSR of private interrupts reads as the accessing CPU.
    assert_eq!(dist.read(1, 0x800, 4), 0x0202_0202);
    dist.write(0, 0x800 + UART_INTID, 1, 0x2);
    assert_eq!(dist.read(0, 0x820, 4), 0x0200);
    dist.write(0, 0x400 + UART_INTID, 1, 0xFF);
    assert_eq!(dist.read(0, 0x400 + UART_INTID, 1), 0xF8, "5 priority bits");
    dist.write(0, 0x400 + UART_INTID, 1, 0xA0);
    dist.write(0, 0x104, 4, 1 << 1);
    dist.write(0, 0, 4, 1);
    for cpu in 0..2 {
        cpuif.write(cpu, 0x4, 4, 0xF0);
        cpuif.write(cpu, 0x0, 4, 1);
    }
    gic.set_level(IrqSource::Spi(UART_SPI), true);
    assert!(gic.irq_pending(1) && !gic.irq_pending(0));
    assert_eq!(cpuif.read(1, 0x18, 4), UART_INTID, "HPPIR");
    assert_eq!(cpuif.read(1, 0xC, 4), UART_INTID);
    assert_eq!(cpuif.read(1, 0x14, 4), 0xA0, "RPR");
    gic.set_level(IrqSource::Spi(UART_SPI), false);
    cpuif.write(1, 0x10, 4, UART_INTID);
    assert_eq!(cpuif.read(1, 0x14, 4), 0xFF);
    // SGI 3 from CPU 0 and CPU 1 to CPU 1: two acknowledges, each with its source.
    dist.write(0, 0x403, 1, 0x10);
    dist.write(1, 0x403, 1, 0x10);
    dist.write(0, 0xF00, 4, 2 << 16 | 3);
    dist.write(1, 0xF00, 4, 2 << 24 | 3);
    assert_eq!(
        dist.read(1, 0xF10, 4),
        0b11 << 24,
        "CPENDSGIR: SGI 3 from CPUs 0 and 1"
    );
    assert_eq!(cpuif.read(1, 0xC, 4), 3);
    cpuif.write(1, 0x10, 4, 3);
    assert_eq!(cpuif.read(1, 0xC, 4), 1 << 10 | 3);
    cpuif.write(1, 0x10, 4, 1 << 10 | 3);
    assert_eq!(cpuif.read(1, 0xC, 4), 1023);
    assert!(!gic.irq_pending(0));
    // SGI pending state moves only through SPENDSGIR/CPENDSGIR.
    dist.write(0, 0x200, 4, 1 << 3);
    assert_eq!(dist.read(0, 0x200, 4), 0);
    dist.write(0, 0xF20, 4, 0b100 << 24); // SGI 3 "from" CPU 2
    assert_eq!(dist.read(0, 0x200, 4), 1 << 3);
    dist.write(0, 0x280, 4, 1 << 3);
    assert_eq!(dist.read(0, 0x200, 4), 1 << 3, "ICPENDR ignores SGIs");
    dist.write(0, 0xF10, 4, 0b100 << 24);
    assert_eq!(dist.read(0, 0x200, 4), 0);
    // IGROUPR is RAZ/WI without security extensions; SGI enables are RAO.
    dist.write(0, 0x80, 4, u64::MAX);
    assert_eq!(dist.read(0, 0x80, 4), 0);
    assert_eq!(dist.read(0, 0x100, 4) & 0xFFFF, 0xFFFF);
    assert_eq!(cpuif.read(0, 0xFC, 4), 0x0202_043B);
    // No system register interface on GICv2.
    assert_eq!(gic.read_sysreg(0, ICC_PMR_EL1), None);
    assert!(!gic.write_sysreg(0, ICC_IGRPEN1_EL1, 1));
}

#[test]
fn guest_chosen_accesses_never_panic() {
    for version in [Version::V2, Version::V3] {
        let gic = Gic::new(version, 3, VIRT_NUM_SPIS);
        let mut devices: Vec<Box<dyn MmioDevice>> = vec![
            Box::new(GicDistributor::new(gic.clone())),
            Box::new(GicRedistributors::new(gic.clone())),
            Box::new(GicV2CpuInterface::new(gic.clone())),
        ];
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let dev = (next() % 3) as usize;
            let offset = next() % 0x7_0000;
            let size = [1u8, 2, 4, 8][(next() % 4) as usize];
            let cpu = (next() % 5) as usize; // includes CPUs that do not exist
            if next() % 2 == 0 {
                devices[dev].write(cpu, offset, size, next());
            } else {
                let _ = devices[dev].read(cpu, offset, size);
            }
            let enc = (next() & 0xFFFF) as u32;
            let _ = gic.write_sysreg(cpu, enc, next());
            let _ = gic.read_sysreg(cpu, enc);
            gic.set_level(IrqSource::Spi((next() % 400) as u32), next() % 2 == 0);
        }
        // Also the special register encodings with random values.
        for &enc in &[
            ICC_SGI1R_EL1,
            ICC_EOIR1_EL1,
            ICC_DIR_EL1,
            ICC_IAR1_EL1,
            ICC_AP1R0_EL1,
        ] {
            for cpu in 0..4 {
                let _ = gic.write_sysreg(cpu, enc, next());
                let _ = gic.read_sysreg(cpu, enc);
            }
        }
    }
}

#[test]
#[ignore = "measurement: cargo test -p emu-devices --release -- --ignored --nocapture gic_cost"]
fn gic_cost() {
    for cpus in [1usize, 8] {
        let (gic, mut dist, mut redist) = v3(cpus);
        for cpu in 0..cpus {
            bring_up_cpu(&gic, &mut redist, cpu);
        }
        dist.write(0, 0, 4, 0x12);
        dist.write(0, 0x84, 4, 1 << 1);
        dist.write(0, 0x104, 4, 1 << 1);
        let n = 100_000;
        let start = std::time::Instant::now();
        for _ in 0..n {
            gic.set_level(IrqSource::Spi(UART_SPI), true);
            assert_eq!(gic.read_sysreg(0, ICC_IAR1_EL1), Some(UART_INTID));
            gic.set_level(IrqSource::Spi(UART_SPI), false);
            gic.write_sysreg(0, ICC_EOIR1_EL1, UART_INTID);
        }
        let per = start.elapsed() / n;
        eprintln!("{cpus} CPUs: raise + IAR + lower + EOI = {per:?}");
    }
}
