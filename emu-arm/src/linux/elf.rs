//! The ELF loader: maps an AArch64 ELF64 executable (ET_EXEC or position-independent
//! ET_DYN) and, through the caller, its PT_INTERP interpreter into the guest space, as the
//! kernel's `load_elf_binary` does.

use super::mm::MemMap;
use emu_core::emit::perm;
use emu_core::mem::{page_ceil, page_floor, GuestSpace, PAGE_MASK};
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR};
use std::fmt;
use std::os::fd::AsRawFd;
use std::path::Path;

/// Where a position-independent main program is loaded (qemu-aarch64 uses the same base).
pub const PIE_BASE: u64 = 0x55_0000_0000;

const EM_AARCH64: u16 = 183;
const EM_X86_64: u16 = 62;
const EM_386: u16 = 3;
const EM_ARM: u16 = 40;
const EM_RISCV: u16 = 243;

/// Why a program could not be loaded; displayed as the reason in `emu: <path>: <why>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError(pub String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, LoadError> {
    Err(LoadError(msg.into()))
}

/// What the stack builder and the run loop need to know about a loaded image.
#[derive(Debug, Clone, Default)]
pub struct LoadedElf {
    /// Entry point (relocated).
    pub entry: u64,
    /// What was added to every p_vaddr (0 for ET_EXEC).
    pub bias: u64,
    /// Guest address of the program headers (for AT_PHDR).
    pub phdr: u64,
    pub phnum: u64,
    pub phent: u64,
    /// The end of the highest segment (where the break starts for the main program).
    pub end: u64,
    /// The PT_INTERP path, if any.
    pub interp: Option<String>,
    /// PT_GNU_STACK asked for an executable stack.
    pub exec_stack: bool,
}

/// Checks the ELF identification and header fields we rely on, before goblin parses the
/// rest, so each kind of wrong file gets its own clear message.
pub fn check_header(data: &[u8]) -> Result<(), LoadError> {
    if data.len() < 4 || &data[..4] != b"\x7fELF" {
        return err("not an ELF file (and not a #! script)");
    }
    if data.len() < 64 {
        return err("truncated ELF file (header incomplete)");
    }
    match data[4] {
        2 => {}
        1 => return err("32-bit ELF: only 64-bit AArch64 (ELF64) programs are supported"),
        c => return err(format!("unknown ELF class {c}")),
    }
    if data[5] != 1 {
        return err("big-endian ELF: only little-endian AArch64 programs are supported");
    }
    let machine = u16::from_le_bytes([data[18], data[19]]);
    if machine != EM_AARCH64 {
        let name = match machine {
            EM_X86_64 => "x86-64".to_string(),
            EM_386 => "i386".to_string(),
            EM_ARM => "32-bit Arm".to_string(),
            EM_RISCV => "RISC-V".to_string(),
            m => format!("machine {m}"),
        };
        return err(format!("ELF for {name}, not AArch64"));
    }
    let kind = u16::from_le_bytes([data[16], data[17]]);
    if kind != goblin::elf::header::ET_EXEC && kind != goblin::elf::header::ET_DYN {
        return err("ELF file is not an executable (neither ET_EXEC nor ET_DYN)");
    }
    Ok(())
}

fn guest_perms(flags: u32) -> u8 {
    let mut p = 0;
    if flags & PF_R != 0 {
        p |= perm::READ;
    }
    if flags & PF_W != 0 {
        p |= perm::WRITE;
    }
    if flags & PF_X != 0 {
        p |= perm::EXEC;
    }
    p
}

/// How to choose the load address of a position-independent image.
#[derive(Clone, Copy, Debug)]
pub enum Placement {
    /// At this base (the main program), or top-down if it is taken.
    Preferred(u64),
    /// Wherever the mmap allocator puts it (the interpreter, like Linux).
    Anywhere,
}

/// Maps the ELF image in `data` (the contents of the file at `path`) into `space`.
pub fn load(
    space: &GuestSpace,
    mm: &mut MemMap,
    path: &Path,
    data: &[u8],
    placement: Placement,
) -> Result<LoadedElf, LoadError> {
    check_header(data)?;
    let elf = match goblin::elf::Elf::parse_header(data) {
        Ok(h) => h,
        Err(e) => return err(format!("malformed ELF header: {e}")),
    };
    let phoff = elf.e_phoff;
    let phnum = elf.e_phnum as u64;
    let phent = elf.e_phentsize as u64;
    if phent != 56 {
        return err("malformed ELF: unexpected program header size");
    }
    if phoff
        .checked_add(phnum * phent)
        .is_none_or(|end| end > data.len() as u64)
    {
        return err("truncated ELF file (program headers past the end of the file)");
    }
    let ctx = goblin::container::Ctx::new(
        goblin::container::Container::Big,
        goblin::container::Endian::Little,
    );
    let phdrs = match goblin::elf::ProgramHeader::parse(data, phoff as usize, phnum as usize, ctx) {
        Ok(p) => p,
        Err(e) => return err(format!("malformed ELF program headers: {e}")),
    };

    let loads: Vec<_> = phdrs.iter().filter(|p| p.p_type == PT_LOAD).collect();
    if loads.is_empty() {
        return err("malformed ELF: no loadable segment");
    }
    let mut lo = u64::MAX;
    let mut hi = 0u64;
    for p in &loads {
        let end = p.p_vaddr.checked_add(p.p_memsz);
        let file_end = p.p_offset.checked_add(p.p_filesz);
        let (Some(end), Some(file_end)) = (end, file_end) else {
            return err("malformed ELF: segment size overflows");
        };
        if p.p_filesz > p.p_memsz {
            return err("malformed ELF: segment file size exceeds memory size");
        }
        // A segment with no file bytes (pure bss) may carry any offset.
        if p.p_filesz > 0 && file_end > data.len() as u64 {
            return err("truncated ELF file (a segment extends past the end of the file)");
        }
        lo = lo.min(page_floor(p.p_vaddr));
        hi = hi.max(end);
    }
    let Some(hi_page) = page_ceil(hi) else {
        return err("malformed ELF: segment beyond the address space");
    };
    let span = hi_page - lo;
    let limit = space.view().limit;

    let bias = if elf.e_type == goblin::elf::header::ET_DYN {
        let base = match placement {
            Placement::Preferred(b) if mm.is_free(b, b.saturating_add(span)) => Some(b),
            _ => mm.find_free(span),
        };
        match base {
            Some(b) => b.wrapping_sub(lo),
            None => return err("no room in the guest address space for the image"),
        }
    } else {
        if hi_page > limit {
            return err("ELF segments lie beyond the guest address space");
        }
        if !mm.is_free(lo, hi_page) {
            return err("ELF segments overlap existing mappings");
        }
        0
    };

    let file = std::fs::File::open(path).map_err(|e| LoadError(e.to_string()))?;
    let fd = file.as_raw_fd();
    let start = lo.wrapping_add(bias);
    let map_err = |e: std::io::Error| LoadError(format!("cannot map segment: {e}"));
    // Reserve the whole span first, like the kernel's total_mapping_size: the holes
    // between segments stay reserved, so later mmaps cannot land inside the image.
    space.map_anon(start, span, 0).map_err(map_err)?;
    mm.insert(start, start + span);

    for p in &loads {
        let vaddr = p.p_vaddr.wrapping_add(bias);
        let page = page_floor(vaddr);
        let Some(seg_end) = page_ceil(vaddr + p.p_memsz) else {
            return err("malformed ELF: segment beyond the address space");
        };
        let rw = perm::READ | perm::WRITE;
        let file_end = vaddr + p.p_filesz;
        let mut mapped_to = page;
        if p.p_filesz > 0 {
            let delta = vaddr - page;
            let Some(file_map_end) = page_ceil(file_end) else {
                return err("malformed ELF: segment beyond the address space");
            };
            if p.p_offset & PAGE_MASK == vaddr & PAGE_MASK {
                space
                    .map_file(
                        page,
                        file_map_end - page,
                        rw,
                        fd,
                        p.p_offset - delta,
                        libc::MAP_PRIVATE,
                    )
                    .map_err(map_err)?;
            } else {
                // File offset and address are not congruent modulo the page size: copy.
                space
                    .map_anon(page, file_map_end - page, rw)
                    .map_err(map_err)?;
                let bytes = &data[p.p_offset as usize..(p.p_offset + p.p_filesz) as usize];
                space
                    .view()
                    .write_bytes(vaddr, bytes)
                    .map_err(|a| LoadError(format!("cannot write segment at {a:#x}")))?;
            }
            // bss that shares the last file page must read as zero, not as file bytes.
            let tail = file_map_end - file_end;
            if tail > 0 && p.p_memsz > p.p_filesz {
                let zeros = vec![0u8; tail as usize];
                space
                    .view()
                    .write_bytes(file_end, &zeros)
                    .map_err(|a| LoadError(format!("cannot clear bss at {a:#x}")))?;
            }
            mapped_to = file_map_end;
        }
        if seg_end > mapped_to {
            space
                .map_anon(mapped_to, seg_end - mapped_to, rw)
                .map_err(map_err)?;
        }
        space
            .protect(page, seg_end - page, guest_perms(p.p_flags))
            .map_err(map_err)?;
    }

    let phdr = if let Some(p) = phdrs.iter().find(|p| p.p_type == PT_PHDR) {
        p.p_vaddr.wrapping_add(bias)
    } else {
        loads
            .iter()
            .find(|p| p.p_offset <= phoff && phoff < p.p_offset + p.p_filesz)
            .map_or(0, |p| (p.p_vaddr + (phoff - p.p_offset)).wrapping_add(bias))
    };
    let interp = match phdrs.iter().find(|p| p.p_type == PT_INTERP) {
        Some(p) => {
            let end = p.p_offset.saturating_add(p.p_filesz);
            if end > data.len() as u64 {
                return err("truncated ELF file (PT_INTERP past the end of the file)");
            }
            let raw = &data[p.p_offset as usize..end as usize];
            let raw = raw.split(|&b| b == 0).next().unwrap_or(raw);
            Some(String::from_utf8_lossy(raw).into_owned())
        }
        None => None,
    };
    let exec_stack = phdrs
        .iter()
        .find(|p| p.p_type == PT_GNU_STACK)
        .is_some_and(|p| p.p_flags & PF_X != 0);
    Ok(LoadedElf {
        entry: elf.e_entry.wrapping_add(bias),
        bias,
        phdr,
        phnum,
        phent,
        end: hi.wrapping_add(bias),
        interp,
        exec_stack,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF64 header + one PT_LOAD program header, for header checks.
    fn tiny_elf(class: u8, machine: u16) -> Vec<u8> {
        let mut d = vec![0u8; 64 + 56 + 16];
        d[..4].copy_from_slice(b"\x7fELF");
        d[4] = class;
        d[5] = 1;
        d[6] = 1;
        d[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        d[18..20].copy_from_slice(&machine.to_le_bytes());
        d[20..24].copy_from_slice(&1u32.to_le_bytes());
        d[24..32].copy_from_slice(&0x400078u64.to_le_bytes()); // entry
        d[32..40].copy_from_slice(&64u64.to_le_bytes()); // phoff
        d[52..54].copy_from_slice(&64u16.to_le_bytes());
        d[54..56].copy_from_slice(&56u16.to_le_bytes());
        d[56..58].copy_from_slice(&1u16.to_le_bytes());
        let ph = &mut d[64..120];
        ph[0..4].copy_from_slice(&PT_LOAD.to_le_bytes());
        ph[4..8].copy_from_slice(&(PF_R | PF_X).to_le_bytes());
        ph[8..16].copy_from_slice(&0u64.to_le_bytes()); // offset
        ph[16..24].copy_from_slice(&0x400000u64.to_le_bytes()); // vaddr
        ph[32..40].copy_from_slice(&136u64.to_le_bytes()); // filesz
        ph[40..48].copy_from_slice(&0x2010u64.to_le_bytes()); // memsz (bss)
        d
    }

    #[test]
    fn header_errors_are_specific() {
        assert!(check_header(b"hello").unwrap_err().0.contains("not an ELF"));
        assert!(check_header(b"\x7fELF\x02")
            .unwrap_err()
            .0
            .contains("truncated"));
        assert!(check_header(&tiny_elf(1, EM_AARCH64))
            .unwrap_err()
            .0
            .contains("32-bit"));
        assert!(check_header(&tiny_elf(2, EM_X86_64))
            .unwrap_err()
            .0
            .contains("x86-64"));
        assert!(check_header(&tiny_elf(2, EM_AARCH64)).is_ok());
    }

    #[test]
    fn loads_segment_and_zeroes_bss() {
        let mut data = tiny_elf(2, EM_AARCH64);
        data[120..136].copy_from_slice(&[0xAB; 16]); // file bytes the bss must not show
                                                     // filesz 120 ends inside those bytes: everything from 120 must read as zero.
        data[64 + 32..64 + 40].copy_from_slice(&120u64.to_le_bytes());
        let path = std::env::temp_dir().join(format!("emu-elf-test-{}", std::process::id()));
        std::fs::write(&path, &data).unwrap();
        let space = GuestSpace::new(1 << 32).unwrap();
        let mut mm = MemMap::new(0x10000, 1 << 31);
        let img = load(&space, &mut mm, &path, &data, Placement::Anywhere).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(img.entry, 0x400078);
        assert_eq!(img.phdr, 0x400040);
        assert_eq!(img.end, 0x402010);
        let v = space.view();
        assert_eq!(v.read_u32(0x400000).unwrap(), 0x464c457f);
        let mut b = [0xffu8; 16];
        v.read_bytes(0x400078, &mut b).unwrap();
        assert_eq!(b, [0; 16]);
        assert_eq!(v.page_perms(0x400000), perm::READ | perm::EXEC);
        assert_eq!(v.page_perms(0x402000), perm::READ | perm::EXEC);
        assert!(v.write_bytes(0x400000, &[1]).is_err());
        assert!(!mm.is_free(0x400000, 0x403000));

        // Truncated: the segment claims more file bytes than exist.
        let mut short = data.clone();
        short.truncate(100);
        let e = load(&space, &mut mm, &path, &short, Placement::Anywhere).unwrap_err();
        assert!(e.0.contains("truncated"), "{e}");
    }
}
