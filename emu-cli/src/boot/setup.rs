//! Putting a machine together from a [`BootPlan`]: the board, the kernel, the initrd and
//! the device tree in RAM, and where the CPU starts.

use super::events::Events;
use super::fdt_patch;
use super::loader::{self, LoadError};
use super::machine::{Board, BoardConfig};
use super::BootPlan;
use emu_core::clock::Clock;
use std::io::Write;
use std::sync::Arc;

/// A machine ready to run.
pub struct Loaded {
    pub board: Arc<Board>,
    /// Where the CPU starts.
    pub entry: u64,
    /// x0 at entry: the DTB's address for the Linux boot protocol (Image, raw binary); 0
    /// for an ELF file, which QEMU enters with no boot protocol (its DTB, when it fits
    /// below the image, is at the base of RAM).
    pub x0: u64,
    /// The device tree the guest gets.
    pub dtb: Vec<u8>,
    /// Physical ranges [start, end) the kernel, initrd and DTB occupy (semihosting's
    /// SYS_HEAPINFO places the heap in the largest gap of RAM between them).
    pub images: Vec<(u64, u64)>,
}

/// 64 bytes of entropy from the host for /chosen (rng-seed, kaslr-seed), as QEMU provides.
fn host_entropy() -> Option<([u8; 32], u64)> {
    let mut buf = [0u8; 40];
    // SAFETY: writes at most buf.len() bytes into buf.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n != buf.len() as isize {
        return None;
    }
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&buf[..32]);
    let mut kaslr = [0u8; 8];
    kaslr.copy_from_slice(&buf[32..]);
    Some((seed, u64::from_le_bytes(kaslr)))
}

/// Checks a user-supplied DTB's header: magic and a total size that the file holds.
fn check_dtb(blob: &[u8]) -> Result<(), String> {
    if blob.get(0..4) != Some(&[0xd0, 0x0d, 0xfe, 0xed][..]) {
        return Err("not a flattened device tree (bad magic)".into());
    }
    let total = blob
        .get(4..8)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .unwrap_or(usize::MAX);
    if total > blob.len() || total < 40 {
        return Err(format!(
            "truncated device tree ({} bytes, header says {total})",
            blob.len()
        ));
    }
    Ok(())
}

pub fn build(
    plan: &BootPlan,
    clock: Arc<dyn Clock>,
    uart_out: Box<dyn Write + Send>,
    events: Arc<Events>,
) -> Result<Loaded, LoadError> {
    let board = Board::new(
        &BoardConfig {
            ram_size: plan.ram_size,
            gic: plan.gic,
            num_cpus: 1,
        },
        clock,
        uart_out,
        events,
    )
    .map_err(|why| LoadError::new("boot", why))?;
    let ram = &board.ram;
    let kernel_name = plan.kernel.display().to_string();
    let (kind, gzipped, placement) = loader::load_kernel_file(ram, &plan.kernel)?;
    tracing::info!(
        target: "boot",
        "kernel {kernel_name}: {:?}{}, {:#x}..{:#x}, entry {:#x}",
        kind,
        if gzipped { " (gzip)" } else { "" },
        placement.low,
        placement.high,
        placement.entry
    );
    let initrd = match &plan.initrd {
        Some(path) => {
            let name = path.display().to_string();
            let data = loader::read_bounded(path, plan.ram_size)?;
            let range = loader::load_initrd(ram, &placement, &data)
                .map_err(|why| LoadError::new(&name, why))?;
            tracing::info!(target: "boot", "initrd {name}: {:#x}..{:#x}", range.0, range.1);
            Some(range)
        }
        None => None,
    };
    let dtb = match &plan.dtb {
        Some(path) => {
            let name = path.display().to_string();
            let blob = loader::read_bounded(path, plan.ram_size)?;
            check_dtb(&blob).map_err(|why| LoadError::new(&name, why))?;
            if plan.append.is_some() || initrd.is_some() {
                // As QEMU does for -dtb: /chosen gets this boot's command line and initrd.
                let chosen = fdt_patch::Chosen {
                    bootargs: plan.append.as_deref(),
                    initrd,
                };
                fdt_patch::set_chosen(&blob, &chosen).map_err(|why| LoadError::new(&name, why))?
            } else {
                blob
            }
        }
        None => {
            // --deterministic: no seeds, so that nothing in the guest depends on the host.
            let entropy = if plan.icount_ns.is_some() {
                None
            } else {
                host_entropy()
            };
            board
                .devices
                .fdt(|c| {
                    c.bootargs = plan.append.clone();
                    c.initrd = initrd;
                    c.rng_seed = entropy.map(|e| e.0);
                    c.kaslr_seed = entropy.map(|e| e.1);
                })
                .map_err(|e| LoadError::new("device tree", e.to_string()))?
        }
    };
    let dtb_addr = loader::dtb_address(ram, &placement, initrd.map(|r| r.1), dtb.len() as u64)
        .map_err(|why| LoadError::new("boot", why))?;
    ram.write(dtb_addr, &dtb)
        .map_err(|pa| LoadError::new("boot", format!("cannot write the DTB at {pa:#x}")))?;
    tracing::info!(target: "boot", "dtb: {} bytes at {dtb_addr:#x}", dtb.len());
    let mut images = vec![
        (placement.low, placement.high),
        (dtb_addr, dtb_addr + dtb.len() as u64),
    ];
    images.extend(initrd);
    Ok(Loaded {
        board: Arc::new(board),
        entry: placement.entry,
        x0: if placement.is_linux { dtb_addr } else { 0 },
        dtb,
        images,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dtb_header_is_checked() {
        let mut blob = vec![0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 48];
        blob.resize(48, 0);
        assert!(check_dtb(&blob).is_ok());
        assert!(check_dtb(&blob[..40]).is_err());
        assert!(check_dtb(b"not a dtb at all, clearly not one....").is_err());
    }
}
