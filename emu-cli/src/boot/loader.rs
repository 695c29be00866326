//! Loading what `emu boot` runs into guest RAM, and where everything goes: the kernel (an
//! arm64 Linux `Image`, gzip'd or not, an ELF file, or a raw binary), the initrd and the
//! device tree. The placement follows QEMU's `hw/arm/boot.c` (`arm_setup_direct_kernel_boot`,
//! `load_aarch64_image`), so that an image that boots under `qemu-system-aarch64 -M virt`
//! finds its pieces where it expects them:
//!
//! - **Image** (magic `ARM\x64` at offset 56): loaded at RAM base + `text_offset` when the
//!   header's `image_size` is non-zero (plus 2 MiB if that offset is below 4 KiB, where QEMU
//!   keeps its boot stub), else at RAM base + 0x80000 (very old kernels).
//! - **Raw binary** (neither ELF nor Image): at RAM base + 0x80000, entered there, with the
//!   Linux boot protocol (QEMU treats it as an Image without a header).
//! - **ELF** (`EM_AARCH64`): each `PT_LOAD` segment at its physical address, entered at
//!   `e_entry`.
//! - **initrd**: at RAM base + min(RAM / 2, 128 MiB), or right after the kernel if that is
//!   higher, page aligned.
//! - **DTB**: for an ELF kernel, at the base of RAM when it fits below the kernel;
//!   otherwise 2 MiB aligned after the initrd (or where an initrd would start), as QEMU
//!   does because early arm64 kernels map the DTB's 2 MiB block.
//!
//! Everything here refuses bad input with a [`LoadError`] (one line for the user); nothing
//! a file contains can make it panic.

use emu_core::phys::PhysRam;
use std::io::Read;
use std::path::Path;

const MIB: u64 = 1 << 20;
/// QEMU's KERNEL64_LOAD_ADDR: where headerless kernels and raw binaries go.
pub const RAW_LOAD_OFFSET: u64 = 0x8_0000;
/// QEMU keeps its boot stub in the first 4 KiB of RAM, so an Image asking for an offset
/// below that is moved up by 2 MiB (allowed: the offset is from any 2 MiB boundary).
const BOOT_STUB_SIZE: u64 = 0x1000;
/// The most a gzip'd kernel may expand to (QEMU's LOAD_IMAGE_MAX_GUNZIP_BYTES).
pub const MAX_DECOMPRESSED: u64 = 256 * MIB;
/// The DTB's alignment for a Linux kernel (see the module comment).
const DTB_ALIGN: u64 = 2 * MIB;
const PAGE: u64 = 4096;

const ARM64_MAGIC_OFFSET: usize = 56;
const ARM64_MAGIC: &[u8; 4] = b"ARM\x64";
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ELF_MAGIC: &[u8; 4] = b"\x7fELF";

/// Why something could not be loaded: `what` (usually a file name) and `why`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub what: String,
    pub why: String,
}

impl LoadError {
    pub fn new(what: impl Into<String>, why: impl Into<String>) -> Self {
        LoadError {
            what: what.into(),
            why: why.into(),
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.why)
    }
}

/// An I/O error as a short reason ("No such file or directory", without "(os error 2)").
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Opens a regular file of at most `limit` bytes; returns it with its length.
fn open_bounded(path: &Path, limit: u64) -> Result<(std::fs::File, u64), LoadError> {
    let what = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| LoadError::new(&what, io_reason(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| LoadError::new(&what, io_reason(&e)))?;
    if !meta.is_file() {
        return Err(LoadError::new(what, "not a regular file"));
    }
    if meta.len() > limit {
        return Err(LoadError::new(
            what,
            format!(
                "{} bytes is larger than the guest RAM ({} bytes)",
                meta.len(),
                limit
            ),
        ));
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
    let (file, len) = open_bounded(path, limit)?;
    let mut data = Vec::with_capacity(len as usize);
    read_rest(file, limit, &mut data)
        .map_err(|why| LoadError::new(path.display().to_string(), why))?;
    Ok(data)
}

/// Appends what is left of `file` (at most `limit` bytes in all) to `data`.
fn read_rest(file: std::fs::File, limit: u64, data: &mut Vec<u8>) -> Result<(), String> {
    file.take(limit.saturating_add(1).saturating_sub(data.len() as u64))
        .read_to_end(data)
        .map(|_| ())
        .map_err(|e| io_reason(&e))
}

/// What kind of file the kernel is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelKind {
    /// An arm64 Linux `Image` with its header.
    LinuxImage,
    /// An AArch64 ELF executable.
    Elf,
    /// Anything else: a raw binary.
    Raw,
}

/// The kernel file's contents, decompressed, and what it is.
pub struct KernelImage {
    pub kind: KernelKind,
    pub bytes: Vec<u8>,
    /// It was gzip-compressed.
    pub gzipped: bool,
}

/// Decompresses gzip data, refusing output larger than `limit` and truncated or corrupt
/// input (the gzip trailer's CRC and length are checked by the decoder).
pub fn gunzip(data: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let decoder = flate2::read::GzDecoder::new(data);
    let mut out = Vec::new();
    decoder
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| format!("corrupt or truncated gzip data ({})", io_reason(&e)))?;
    if out.len() as u64 > limit {
        return Err(format!("decompresses to more than {} MiB", limit / MIB));
    }
    Ok(out)
}

/// How much of a kernel file [`load_kernel_file`] reads first to tell what it is.
const KERNEL_HEAD: u64 = 64 * 1024;

/// Reads the kernel file into RAM; returns what it was (kind, gzipped) and where it went.
/// An uncompressed Linux Image (a distro kernel: tens of MiB) goes straight from the file
/// to its place in RAM once its header is read; everything else is read whole, then
/// identified ([`identify_kernel`]) and loaded ([`load_kernel`]).
pub fn load_kernel_file(
    ram: &PhysRam,
    path: &Path,
) -> Result<(KernelKind, bool, KernelPlacement), LoadError> {
    let what = path.display().to_string();
    let ram_size = ram.size();
    let (mut file, len) = open_bounded(path, ram_size)?;
    let mut head = Vec::with_capacity(KERNEL_HEAD.min(len) as usize);
    (&mut file)
        .take(KERNEL_HEAD)
        .read_to_end(&mut head)
        .map_err(|e| LoadError::new(&what, io_reason(&e)))?;
    let plain_image = !head.starts_with(&GZIP_MAGIC)
        && !head.starts_with(ELF_MAGIC)
        && head.get(ARM64_MAGIC_OFFSET..ARM64_MAGIC_OFFSET + 4) == Some(&ARM64_MAGIC[..])
        && check_pe_complete(&head, len).is_ok();
    if !plain_image {
        // Whole, as before: the head and the rest.
        read_rest(file, ram_size, &mut head).map_err(|why| LoadError::new(&what, why))?;
        let kernel = identify_kernel(head, ram_size).map_err(|why| LoadError::new(&what, why))?;
        let placement = load_kernel(ram, &kernel).map_err(|why| LoadError::new(&what, why))?;
        return Ok((kernel.kind, kernel.gzipped, placement));
    }
    let placement = image_placement(ram, KernelKind::LinuxImage, &head, len)
        .map_err(|why| LoadError::new(&what, why))?;
    ram.write(placement.entry, &head)
        .map_err(|pa| LoadError::new(&what, format!("cannot load at {pa:#x}")))?;
    let done = head.len() as u64;
    ram.fill_from(placement.entry + done, len - done, &mut file)
        .map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                "the file shrank while it was read".to_string()
            } else {
                io_reason(&e)
            };
            LoadError::new(&what, why)
        })?;
    Ok((KernelKind::LinuxImage, false, placement))
}

/// Identifies (and if needed decompresses) kernel file contents.
pub fn identify_kernel(raw: Vec<u8>, ram_size: u64) -> Result<KernelImage, String> {
    if raw.is_empty() {
        return Err("empty file".into());
    }
    let (bytes, gzipped) = if raw.starts_with(&GZIP_MAGIC) {
        (gunzip(&raw, MAX_DECOMPRESSED.min(ram_size))?, true)
    } else {
        (raw, false)
    };
    let kind = if bytes.starts_with(ELF_MAGIC) {
        KernelKind::Elf
    } else if bytes.get(ARM64_MAGIC_OFFSET..ARM64_MAGIC_OFFSET + 4) == Some(&ARM64_MAGIC[..]) {
        check_pe_complete(&bytes, bytes.len() as u64)?;
        KernelKind::LinuxImage
    } else {
        KernelKind::Raw
    };
    Ok(KernelImage {
        kind,
        bytes,
        gzipped,
    })
}

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// An arm64 Image built with the EFI stub (Debian's are) is also a PE/COFF file whose
/// section table says how long the file is: the one reliable way to notice a truncated
/// uncompressed kernel before the guest runs into zeroes. Images without a PE header pass.
/// `head` is the start of the image (at least its headers), `len` its whole length.
fn check_pe_complete(head: &[u8], len: u64) -> Result<(), String> {
    if !head.starts_with(b"MZ") {
        return Ok(());
    }
    let Some(pe) = le_u32(head, 0x3c).map(|v| v as usize) else {
        return Ok(());
    };
    if head.get(pe..pe.saturating_add(4)) != Some(&b"PE\0\0"[..]) {
        return Ok(());
    }
    let truncated = || "truncated kernel Image (its PE header describes more data)".to_string();
    let sections = le_u16(head, pe + 6).ok_or_else(truncated)?;
    let optional_size = le_u16(head, pe + 20).ok_or_else(truncated)?;
    let table = pe + 24 + usize::from(optional_size);
    let mut end = 0u64;
    for i in 0..usize::from(sections) {
        let entry = table + i * 40;
        let size = le_u32(head, entry + 16).ok_or_else(truncated)?;
        let offset = le_u32(head, entry + 20).ok_or_else(truncated)?;
        end = end.max(u64::from(offset) + u64::from(size));
    }
    if end > len {
        return Err(format!(
            "truncated kernel Image: {len} bytes, its PE header describes {end}"
        ));
    }
    Ok(())
}

/// Where the kernel went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelPlacement {
    pub entry: u64,
    /// Lowest and one-past-highest physical address the kernel occupies (for an Image,
    /// including the BSS its header declares).
    pub low: u64,
    pub high: u64,
    /// Booted with the Linux protocol (Image and raw binaries; not ELF), which decides where
    /// the DTB goes.
    pub is_linux: bool,
}

fn ram_range(ram: &PhysRam) -> String {
    format!(
        "RAM is {:#x}..{:#x}",
        ram.base(),
        ram.base().saturating_add(ram.size())
    )
}

/// Where an Image or raw binary of `len` bytes starting with `header` goes (QEMU's
/// rule, see the module comment); checks that it fits in RAM.
fn image_placement(
    ram: &PhysRam,
    kind: KernelKind,
    header: &[u8],
    len: u64,
) -> Result<KernelPlacement, String> {
    let mut offset = RAW_LOAD_OFFSET;
    let mut size = len;
    if kind == KernelKind::LinuxImage {
        let text_offset = le_u64(header, 8).unwrap_or(0);
        let image_size = le_u64(header, 16).unwrap_or(0);
        // text_offset is only meaningful when image_size is set.
        if image_size != 0 {
            offset = text_offset;
            if offset < BOOT_STUB_SIZE {
                offset += 2 * MIB;
            }
            size = size.max(image_size);
        }
    }
    let entry = ram
        .base()
        .checked_add(offset)
        .ok_or("text_offset out of range")?;
    let high = entry.checked_add(size).ok_or("image size out of range")?;
    if !ram.contains(entry, size) {
        return Err(format!(
            "the kernel needs {:#x}..{:#x} but {}: use a larger --memory",
            entry,
            high,
            ram_range(ram)
        ));
    }
    Ok(KernelPlacement {
        entry,
        low: entry,
        high,
        is_linux: true,
    })
}

/// Copies the kernel into RAM.
pub fn load_kernel(ram: &PhysRam, kernel: &KernelImage) -> Result<KernelPlacement, String> {
    match kernel.kind {
        KernelKind::Elf => load_elf(ram, &kernel.bytes),
        KernelKind::LinuxImage | KernelKind::Raw => {
            let bytes = &kernel.bytes;
            let placement = image_placement(ram, kernel.kind, bytes, bytes.len() as u64)?;
            ram.write(placement.entry, bytes)
                .map_err(|pa| format!("cannot load at {pa:#x}"))?;
            Ok(placement)
        }
    }
}

fn load_elf(ram: &PhysRam, bytes: &[u8]) -> Result<KernelPlacement, String> {
    use goblin::elf::{header, program_header::PT_LOAD, Elf};
    let elf = Elf::parse(bytes).map_err(|e| format!("not a valid ELF file ({e})"))?;
    if !elf.is_64 || !elf.little_endian || elf.header.e_machine != header::EM_AARCH64 {
        return Err("not a 64-bit little-endian AArch64 ELF file".into());
    }
    let mut low = u64::MAX;
    let mut high = 0u64;
    for ph in elf.program_headers.iter().filter(|p| p.p_type == PT_LOAD) {
        if ph.p_memsz == 0 {
            continue;
        }
        if ph.p_filesz > ph.p_memsz {
            return Err("a segment's file size exceeds its memory size".into());
        }
        let start = ph.p_paddr;
        let end = start
            .checked_add(ph.p_memsz)
            .ok_or("a segment wraps around the address space")?;
        if !ram.contains(start, ph.p_memsz) {
            return Err(format!(
                "segment at {start:#x}..{end:#x} is outside RAM ({})",
                ram_range(ram)
            ));
        }
        let data = usize::try_from(ph.p_offset)
            .ok()
            .zip(usize::try_from(ph.p_filesz).ok())
            .and_then(|(o, n)| bytes.get(o..o.checked_add(n)?))
            .ok_or("truncated ELF file (a segment's data is missing)")?;
        ram.write(start, data)
            .map_err(|pa| format!("cannot load at {pa:#x}"))?;
        // RAM starts zeroed, but a segment may overlap an earlier one's data: BSS is zero.
        // Written in pieces: a BSS can be as large as RAM.
        zero(ram, start + ph.p_filesz, ph.p_memsz - ph.p_filesz)?;
        low = low.min(start);
        high = high.max(end);
    }
    if low > high {
        return Err("the ELF file has no loadable segment".into());
    }
    Ok(KernelPlacement {
        entry: elf.entry,
        low,
        high,
        is_linux: false,
    })
}

/// Zeroes guest RAM `[pa, pa + len)` (inside RAM: checked by the caller).
fn zero(ram: &PhysRam, pa: u64, len: u64) -> Result<(), String> {
    const CHUNK: u64 = 64 * 1024;
    let zeros = [0u8; CHUNK as usize];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(CHUNK);
        ram.write(pa + done, &zeros[..n as usize])
            .map_err(|at| format!("cannot load at {at:#x}"))?;
        done += n;
    }
    Ok(())
}

/// Where the initrd starts (QEMU's rule, see the module comment).
pub fn initrd_start(ram: &PhysRam, kernel: &KernelPlacement) -> u64 {
    let preferred = ram.base() + (ram.size() / 2).min(128 * MIB);
    preferred.max(kernel.high).next_multiple_of(PAGE)
}

/// Copies the initrd into RAM; returns its physical [start, end).
pub fn load_initrd(
    ram: &PhysRam,
    kernel: &KernelPlacement,
    initrd: &[u8],
) -> Result<(u64, u64), String> {
    let start = initrd_start(ram, kernel);
    let len = initrd.len() as u64;
    if !ram.contains(start, len) {
        return Err(format!(
            "{len} bytes do not fit in RAM after the kernel (from {start:#x}; {}): use a larger --memory",
            ram_range(ram)
        ));
    }
    ram.write(start, initrd)
        .map_err(|pa| format!("cannot load at {pa:#x}"))?;
    Ok((start, start + len))
}

/// Where the DTB goes; `initrd_end`: the end of the loaded initrd, if any.
pub fn dtb_address(
    ram: &PhysRam,
    kernel: &KernelPlacement,
    initrd_end: Option<u64>,
    dtb_len: u64,
) -> Result<u64, String> {
    if !kernel.is_linux && initrd_end.is_none() {
        // QEMU puts a bare-metal ELF's DTB at the base of RAM when the image leaves room.
        let below_kernel = kernel.low > ram.base() && kernel.low - ram.base() >= dtb_len;
        let kernel_elsewhere = kernel.high <= ram.base() || kernel.low >= ram.base() + ram.size();
        if below_kernel || kernel_elsewhere {
            return Ok(ram.base());
        }
    }
    let after = initrd_end.unwrap_or_else(|| initrd_start(ram, kernel));
    let addr = after.next_multiple_of(DTB_ALIGN);
    if !ram.contains(addr, dtb_len) {
        return Err(format!(
            "not enough RAM for the device tree after the kernel and initrd (at {addr:#x}; {})",
            ram_range(ram)
        ));
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const BASE: u64 = 0x4000_0000;

    fn ram(mib: u64) -> PhysRam {
        PhysRam::new(BASE, mib * MIB).unwrap()
    }

    /// A minimal arm64 Image header (as in Documentation/arm64/booting.rst) + payload.
    fn image(text_offset: u64, image_size: u64, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![0u8; 64];
        v[8..16].copy_from_slice(&text_offset.to_le_bytes());
        v[16..24].copy_from_slice(&image_size.to_le_bytes());
        v[56..60].copy_from_slice(ARM64_MAGIC);
        v.extend_from_slice(payload);
        v
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn modern_image_goes_2mib_up_like_qemu() {
        let r = ram(64);
        let k = identify_kernel(image(0, 0x10_0000, b"payload"), r.size()).unwrap();
        assert_eq!(k.kind, KernelKind::LinuxImage);
        let p = load_kernel(&r, &k).unwrap();
        assert_eq!(p.entry, BASE + 2 * MIB);
        // The BSS declared by image_size counts, not just the file.
        assert_eq!(p.high, BASE + 2 * MIB + 0x10_0000);
        let mut back = [0u8; 7];
        r.read(p.entry + 64, &mut back).unwrap();
        assert_eq!(&back, b"payload");
    }

    #[test]
    fn old_image_and_raw_binaries_go_to_0x80000() {
        let r = ram(64);
        let old = identify_kernel(image(0x8_0000, 0, b""), r.size()).unwrap();
        assert_eq!(load_kernel(&r, &old).unwrap().entry, BASE + 0x8_0000);
        let offset = identify_kernel(image(0x8_0000, 0x1000, b""), r.size()).unwrap();
        assert_eq!(load_kernel(&r, &offset).unwrap().entry, BASE + 0x8_0000);
        let raw = identify_kernel(vec![0x1f, 0x20, 0x03, 0xd5], r.size()).unwrap();
        assert_eq!(raw.kind, KernelKind::Raw);
        let p = load_kernel(&r, &raw).unwrap();
        assert!(p.is_linux);
        assert_eq!((p.entry, p.high), (BASE + 0x8_0000, BASE + 0x8_0004));
    }

    #[test]
    fn gzipped_image_is_decompressed_and_corruption_refused() {
        let r = ram(64);
        let plain = image(0, 0x1000, &[7u8; 5000]);
        let gz = gzip(&plain);
        let k = identify_kernel(gz.clone(), r.size()).unwrap();
        assert!(k.gzipped);
        assert_eq!(k.kind, KernelKind::LinuxImage);
        assert_eq!(k.bytes, plain);
        let cut = gz[..gz.len() - 6].to_vec();
        let e = identify_kernel(cut, r.size()).err().unwrap();
        assert!(e.contains("gzip"), "{e}");
        // An expansion beyond the limit (here the RAM size) is refused, not attempted.
        let e = identify_kernel(gzip(&vec![0u8; 3 << 20]), 2 << 20)
            .err()
            .unwrap();
        assert!(e.contains("more than 2 MiB"), "{e}");
    }

    #[test]
    fn empty_and_oversized_kernels_are_refused() {
        assert_eq!(
            identify_kernel(Vec::new(), 1 << 20).err().unwrap(),
            "empty file"
        );
        let r = ram(4);
        let big = identify_kernel(image(0, 8 * MIB, b""), r.size()).unwrap();
        let e = load_kernel(&r, &big).err().unwrap();
        assert!(e.contains("larger --memory"), "{e}");
    }

    #[test]
    fn truncated_efi_image_is_detected_from_its_pe_header() {
        // MZ stub with e_lfanew = 0x40, PE signature, one section of 0x200 bytes at 0x400.
        let mut v = image(0, 0x2000, &[]);
        v[0..2].copy_from_slice(b"MZ");
        v[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
        v.resize(0x200, 0);
        v[0x40..0x44].copy_from_slice(b"PE\0\0");
        v[0x46..0x48].copy_from_slice(&1u16.to_le_bytes()); // NumberOfSections
        v[0x54..0x56].copy_from_slice(&0u16.to_le_bytes()); // SizeOfOptionalHeader
        let section = 0x40 + 24;
        v[section + 16..section + 20].copy_from_slice(&0x200u32.to_le_bytes());
        v[section + 20..section + 24].copy_from_slice(&0x400u32.to_le_bytes());
        let e = identify_kernel(v.clone(), 1 << 30).err().unwrap();
        assert!(e.contains("truncated"), "{e}");
        // From a file: the header is read first, and the same check refuses it.
        let f = TempFile::new("truncated-efi", &v);
        let e = load_kernel_file(&ram(64), &f.0).unwrap_err();
        assert!(e.why.contains("truncated kernel Image"), "{e}");
        v.resize(0x600, 0);
        assert!(identify_kernel(v, 1 << 30).is_ok());
    }

    /// A file under the system's temporary directory, removed when dropped.
    struct TempFile(std::path::PathBuf);
    impl TempFile {
        fn new(name: &str, data: &[u8]) -> TempFile {
            let path =
                std::env::temp_dir().join(format!("emu-loader-{}-{name}", std::process::id()));
            std::fs::write(&path, data).unwrap();
            TempFile(path)
        }
    }
    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// An uncompressed Image larger than the head read first goes straight to RAM, where
    /// it ends up exactly as `load_kernel` puts it; other kinds take the whole-file path.
    #[test]
    fn kernel_files_load_like_their_contents() {
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        let plain = image(0, 0x10_0000, &payload);
        for (name, data, gzipped) in [
            ("plain", plain.clone(), false),
            ("gzip", gzip(&plain), true),
        ] {
            let f = TempFile::new(name, &data);
            let direct = ram(64);
            let (kind, gz, p) = load_kernel_file(&direct, &f.0).unwrap();
            assert_eq!((kind, gz), (KernelKind::LinuxImage, gzipped), "{name}");
            let buffered = ram(64);
            let k = identify_kernel(data.clone(), buffered.size()).unwrap();
            assert_eq!(load_kernel(&buffered, &k).unwrap(), p, "{name}");
            let mut a = vec![0u8; plain.len()];
            let mut b = vec![0u8; plain.len()];
            direct.read(p.entry, &mut a).unwrap();
            buffered.read(p.entry, &mut b).unwrap();
            assert!(a == plain && b == plain, "{name}");
        }
        // Errors name the file and say why, as the buffered path does.
        let f = TempFile::new("big", &image(0, 0x10_0000, &payload));
        let e = load_kernel_file(&ram(1), &f.0).unwrap_err();
        assert!(e.why.contains("use a larger --memory"), "{e}");
        let e = load_kernel_file(&PhysRam::new(BASE, 0x1000).unwrap(), &f.0).unwrap_err();
        assert!(e.why.contains("larger than the guest RAM"), "{e}");
        let e = load_kernel_file(&ram(64), Path::new("/nonexistent/kernel")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent/kernel: No such file or directory"
        );
    }

    /// A one-segment AArch64 ELF executable (header + program header + code).
    fn elf(paddr: u64, entry: u64, code: &[u8], memsz: u64) -> Vec<u8> {
        let mut v = vec![0u8; 64 + 56];
        v[0..4].copy_from_slice(ELF_MAGIC);
        v[4] = 2; // 64-bit
        v[5] = 1; // little-endian
        v[6] = 1;
        v[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        v[18..20].copy_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
        v[20..24].copy_from_slice(&1u32.to_le_bytes());
        v[24..32].copy_from_slice(&entry.to_le_bytes());
        v[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
        v[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
        v[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
        v[56..58].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
        let ph = 64;
        v[ph..ph + 4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        v[ph + 4..ph + 8].copy_from_slice(&5u32.to_le_bytes());
        v[ph + 8..ph + 16].copy_from_slice(&120u64.to_le_bytes()); // p_offset
        v[ph + 16..ph + 24].copy_from_slice(&paddr.to_le_bytes()); // p_vaddr
        v[ph + 24..ph + 32].copy_from_slice(&paddr.to_le_bytes()); // p_paddr
        v[ph + 32..ph + 40].copy_from_slice(&(code.len() as u64).to_le_bytes());
        v[ph + 40..ph + 48].copy_from_slice(&memsz.to_le_bytes());
        v.extend_from_slice(code);
        v
    }

    #[test]
    fn elf_segments_load_at_their_physical_address_and_dtb_goes_below() {
        let r = ram(64);
        let file = elf(
            BASE + 0x8_0000,
            BASE + 0x8_0004,
            &[1, 2, 3, 4, 5, 6, 7, 8],
            0x100,
        );
        let k = identify_kernel(file, r.size()).unwrap();
        assert_eq!(k.kind, KernelKind::Elf);
        let p = load_kernel(&r, &k).unwrap();
        assert_eq!(p.entry, BASE + 0x8_0004);
        assert_eq!((p.low, p.high), (BASE + 0x8_0000, BASE + 0x8_0100));
        assert!(!p.is_linux);
        let mut b = [0u8; 8];
        r.read(BASE + 0x8_0000, &mut b).unwrap();
        assert_eq!(b, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(dtb_address(&r, &p, None, 0x1000).unwrap(), BASE);
        // A DTB that does not fit below the kernel goes after it, 2 MiB aligned.
        assert_eq!(
            dtb_address(&r, &p, None, 0x10_0000).unwrap(),
            BASE + 32 * MIB
        );
    }

    #[test]
    fn elf_bss_is_zeroed_even_over_earlier_data() {
        let r = ram(64);
        r.write(BASE + 0x8_0000, &[0xAA; 0x30000]).unwrap();
        let file = elf(BASE + 0x8_0000, BASE + 0x8_0000, &[1, 2, 3, 4], 0x2_0004);
        let k = identify_kernel(file, r.size()).unwrap();
        load_kernel(&r, &k).unwrap();
        let mut b = vec![0u8; 0x2_0008];
        r.read(BASE + 0x8_0000, &mut b).unwrap();
        assert_eq!(&b[..4], &[1, 2, 3, 4]);
        assert!(b[4..0x2_0004].iter().all(|&x| x == 0), "BSS not zeroed");
        assert_eq!(&b[0x2_0004..], &[0xAA; 4], "zeroed past the segment");
    }

    #[test]
    fn elf_outside_ram_or_truncated_is_refused() {
        let r = ram(64);
        let outside = identify_kernel(elf(0x1000, 0x1000, &[0; 4], 4), r.size()).unwrap();
        assert!(load_kernel(&r, &outside)
            .err()
            .unwrap()
            .contains("outside RAM"));
        let mut cut = elf(BASE, BASE, &[0; 64], 64);
        cut.truncate(cut.len() - 10);
        let k = identify_kernel(cut, r.size()).unwrap();
        assert!(load_kernel(&r, &k).err().unwrap().contains("truncated"));
        let not_arm = {
            let mut v = elf(BASE, BASE, &[0; 4], 4);
            v[18] = 62; // EM_X86_64
            v
        };
        let k = identify_kernel(not_arm, r.size()).unwrap();
        assert!(load_kernel(&r, &k).err().unwrap().contains("AArch64"));
    }

    #[test]
    fn initrd_and_dtb_follow_qemus_placement() {
        // 512 MiB: initrd at 128 MiB, DTB 2 MiB-aligned after it.
        let r = ram(512);
        let k = identify_kernel(image(0, 0x100_0000, b""), r.size()).unwrap();
        let p = load_kernel(&r, &k).unwrap();
        let (start, end) = load_initrd(&r, &p, &[9u8; 0x1234]).unwrap();
        assert_eq!((start, end), (BASE + 128 * MIB, BASE + 128 * MIB + 0x1234));
        assert_eq!(
            dtb_address(&r, &p, Some(end), 0x2000).unwrap(),
            BASE + 130 * MIB
        );
        // No initrd: the DTB goes where it would have started.
        assert_eq!(dtb_address(&r, &p, None, 0x2000).unwrap(), BASE + 128 * MIB);
        // 64 MiB: halfway into RAM.
        let small = ram(64);
        let p = load_kernel(&small, &k).unwrap();
        assert_eq!(initrd_start(&small, &p), BASE + 32 * MIB);
        // A kernel reaching past that pushes the initrd up (page aligned).
        let big = identify_kernel(image(0, 40 * MIB + 1, b""), small.size()).unwrap();
        let p = load_kernel(&small, &big).unwrap();
        assert_eq!(initrd_start(&small, &p), BASE + 42 * MIB + PAGE);
    }

    #[test]
    fn initrd_or_dtb_that_does_not_fit_is_refused() {
        let r = ram(16);
        let k = identify_kernel(image(0, 0x1000, b""), r.size()).unwrap();
        let p = load_kernel(&r, &k).unwrap();
        let e = load_initrd(&r, &p, &vec![0u8; 9 << 20]).err().unwrap();
        assert!(e.contains("do not fit"), "{e}");
        let (_, end) = load_initrd(&r, &p, &vec![0u8; 7 << 20]).unwrap();
        let e = dtb_address(&r, &p, Some(end), 0x1000).err().unwrap();
        assert!(e.contains("device tree"), "{e}");
    }
}
