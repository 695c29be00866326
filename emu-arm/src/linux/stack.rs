//! The initial process stack, laid out as Linux's `create_elf_tables` does: from the top,
//! the argument and environment strings, the platform string, 16 random bytes; then,
//! 16-byte aligned at the new SP: argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.

use crate::features;
use emu_core::mem::MemView;

pub const AT_NULL: u64 = 0;
pub const AT_PHDR: u64 = 3;
pub const AT_PHENT: u64 = 4;
pub const AT_PHNUM: u64 = 5;
pub const AT_PAGESZ: u64 = 6;
pub const AT_BASE: u64 = 7;
pub const AT_FLAGS: u64 = 8;
pub const AT_ENTRY: u64 = 9;
pub const AT_UID: u64 = 11;
pub const AT_EUID: u64 = 12;
pub const AT_GID: u64 = 13;
pub const AT_EGID: u64 = 14;
pub const AT_PLATFORM: u64 = 15;
pub const AT_HWCAP: u64 = 16;
pub const AT_CLKTCK: u64 = 17;
pub const AT_SECURE: u64 = 23;
pub const AT_RANDOM: u64 = 25;
pub const AT_HWCAP2: u64 = 26;
pub const AT_EXECFN: u64 = 31;
pub const AT_MINSIGSTKSZ: u64 = 51;

/// What goes into the auxiliary vector besides the stack-relative entries.
#[derive(Debug, Clone, Default)]
pub struct AuxInfo {
    pub phdr: u64,
    pub phent: u64,
    pub phnum: u64,
    /// Load address of the interpreter (0 without one).
    pub base: u64,
    /// Entry point of the main program (not of the interpreter).
    pub entry: u64,
    /// The minimum signal stack size our signal frames need.
    pub minsigstksz: u64,
}

/// Where the auxv ended up, for `/proc/self/auxv`-style consumers and tests.
#[derive(Debug, Clone)]
pub struct InitialStack {
    pub sp: u64,
    /// The auxiliary vector as written (type, value) pairs, AT_NULL last.
    pub auxv: Vec<(u64, u64)>,
}

/// Writes the initial stack below `top` and returns the new SP. `execfn` is the program
/// name the kernel reports in AT_EXECFN (the path given to execve).
pub fn build(
    mem: &MemView,
    top: u64,
    args: &[Vec<u8>],
    env: &[Vec<u8>],
    execfn: &[u8],
    aux: &AuxInfo,
) -> Result<InitialStack, u64> {
    let mut p = top;
    // Pushes a byte string (NUL-terminated) and returns its guest address.
    let push_str = |p: &mut u64, s: &[u8]| -> Result<u64, u64> {
        *p = p.checked_sub(s.len() as u64 + 1).ok_or(0u64)?;
        mem.write_bytes(*p, s)?;
        mem.write_bytes(*p + s.len() as u64, &[0])?;
        Ok(*p)
    };
    let execfn_addr = push_str(&mut p, execfn)?;
    let mut env_addrs = Vec::with_capacity(env.len());
    for s in env.iter().rev() {
        env_addrs.push(push_str(&mut p, s)?);
    }
    env_addrs.reverse();
    let mut arg_addrs = Vec::with_capacity(args.len());
    for s in args.iter().rev() {
        arg_addrs.push(push_str(&mut p, s)?);
    }
    arg_addrs.reverse();
    let platform = push_str(&mut p, b"aarch64")?;
    p &= !15;
    p = p.checked_sub(16).ok_or(0u64)?;
    let random = p;
    mem.write_bytes(random, &random_bytes())?;

    // SAFETY: getuid and friends cannot fail.
    let (uid, euid, gid, egid) = unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
        )
    };
    let auxv: Vec<(u64, u64)> = vec![
        (AT_HWCAP, features::USER_HWCAP),
        (AT_PAGESZ, 4096),
        (AT_CLKTCK, 100),
        (AT_PHDR, aux.phdr),
        (AT_PHENT, aux.phent),
        (AT_PHNUM, aux.phnum),
        (AT_BASE, aux.base),
        (AT_FLAGS, 0),
        (AT_ENTRY, aux.entry),
        (AT_UID, uid as u64),
        (AT_EUID, euid as u64),
        (AT_GID, gid as u64),
        (AT_EGID, egid as u64),
        (AT_SECURE, 0),
        (AT_RANDOM, random),
        (AT_HWCAP2, features::USER_HWCAP2),
        (AT_EXECFN, execfn_addr),
        (AT_PLATFORM, platform),
        (AT_MINSIGSTKSZ, aux.minsigstksz),
        (AT_NULL, 0),
    ];
    let words = 1 + arg_addrs.len() + 1 + env_addrs.len() + 1 + 2 * auxv.len();
    let sp = p.checked_sub(8 * words as u64).ok_or(0u64)? & !15;
    let mut table: Vec<u64> = Vec::with_capacity(words);
    table.push(arg_addrs.len() as u64);
    table.extend(&arg_addrs);
    table.push(0);
    table.extend(&env_addrs);
    table.push(0);
    for &(k, v) in &auxv {
        table.push(k);
        table.push(v);
    }
    let bytes: Vec<u8> = table.iter().flat_map(|w| w.to_le_bytes()).collect();
    mem.write_bytes(sp, &bytes)?;
    Ok(InitialStack { sp, auxv })
}

/// 16 bytes from the host's random source (AT_RANDOM seeds the guest's stack protector
/// and pointer guard).
fn random_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    // SAFETY: b is a valid 16-byte buffer.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != b.len() as isize {
        // getrandom cannot really fail for 16 bytes; fall back to something varying.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b = (t ^ (std::process::id() as u128) << 64).to_le_bytes();
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use emu_core::emit::perm;
    use emu_core::mem::GuestSpace;

    #[test]
    fn layout_matches_linux() {
        let space = GuestSpace::new(1 << 32).unwrap();
        let top = 0x8000_0000u64;
        space
            .map_anon(top - 0x10000, 0x10000, perm::READ | perm::WRITE)
            .unwrap();
        let mem = space.view();
        let args = vec![b"prog".to_vec(), b"arg one".to_vec()];
        let env = vec![b"A=1".to_vec()];
        let aux = AuxInfo {
            phdr: 0x400040,
            phent: 56,
            phnum: 3,
            base: 0,
            entry: 0x400100,
            minsigstksz: 5120,
        };
        let st = build(&mem, top, &args, &env, b"/bin/prog", &aux).unwrap();
        let sp = st.sp;
        assert_eq!(sp % 16, 0);
        assert_eq!(mem.read_u64(sp).unwrap(), 2);
        let argv0 = mem.read_u64(sp + 8).unwrap();
        let argv1 = mem.read_u64(sp + 16).unwrap();
        assert_eq!(mem.read_cstr(argv0, 100).unwrap(), b"prog");
        assert_eq!(mem.read_cstr(argv1, 100).unwrap(), b"arg one");
        assert_eq!(mem.read_u64(sp + 24).unwrap(), 0);
        let env0 = mem.read_u64(sp + 32).unwrap();
        assert_eq!(mem.read_cstr(env0, 100).unwrap(), b"A=1");
        assert_eq!(mem.read_u64(sp + 40).unwrap(), 0);
        // auxv follows; find some entries.
        let mut a = sp + 48;
        let mut seen = std::collections::HashMap::new();
        loop {
            let (k, v) = (mem.read_u64(a).unwrap(), mem.read_u64(a + 8).unwrap());
            if k == AT_NULL {
                break;
            }
            seen.insert(k, v);
            a += 16;
        }
        assert_eq!(seen[&AT_PAGESZ], 4096);
        assert_eq!(seen[&AT_PHDR], 0x400040);
        assert_eq!(seen[&AT_ENTRY], 0x400100);
        assert_eq!(seen[&AT_HWCAP], features::USER_HWCAP);
        assert_eq!(mem.read_cstr(seen[&AT_PLATFORM], 100).unwrap(), b"aarch64");
        assert_eq!(mem.read_cstr(seen[&AT_EXECFN], 100).unwrap(), b"/bin/prog");
        let r = seen[&AT_RANDOM];
        assert!(r > sp && r + 16 <= top);
    }
}
