//! A toy guest for testing the two tiers against each other without the A64 frontend.
//!
//! Every instruction is one 32-bit word: `op:8 a:4 b:4 c:4 imm:12` (high to low). Its
//! semantics touch every [`Emitter`] method, so running random and directed toy programs
//! in the interpreter and in the JIT and comparing the results checks the JIT emitter
//! method by method.

#![allow(dead_code)]

use emu_core::emit::*;
use emu_core::guest::Guest;
use emu_core::jit::JitSettings;
use emu_core::mem::GuestSpace;
use emu_core::runtime::{Runtime, TierConfig};

/// The toy CPU state: the core header, then 16 registers.
#[repr(C)]
#[derive(Clone, Debug, Default)]
pub struct Toy {
    pub core: CoreState,
    pub r: [u64; 16],
}

pub fn reg(n: u32) -> Slot {
    Slot(std::mem::size_of::<CoreState>() as u32 + 8 * (n & 15))
}

pub const BINOPS: [BinOp; 18] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::And,
    BinOp::Or,
    BinOp::Xor,
    BinOp::AndNot,
    BinOp::OrNot,
    BinOp::XorNot,
    BinOp::Shl,
    BinOp::Lshr,
    BinOp::Ashr,
    BinOp::Rotr,
    BinOp::Rotr32,
    BinOp::Mul,
    BinOp::UMulHi,
    BinOp::SMulHi,
    BinOp::UDiv,
    BinOp::SDiv,
];
pub const UNOPS: [UnOp; 14] = [
    UnOp::Not,
    UnOp::Neg,
    UnOp::Clz,
    UnOp::Cls,
    UnOp::Ctz,
    UnOp::Popcnt,
    UnOp::Bswap,
    UnOp::Bitrev,
    UnOp::Sext8,
    UnOp::Sext16,
    UnOp::Sext32,
    UnOp::Zext8,
    UnOp::Zext16,
    UnOp::Zext32,
];
pub const CMPS: [Cmp; 10] = [
    Cmp::Eq,
    Cmp::Ne,
    Cmp::Ult,
    Cmp::Ule,
    Cmp::Ugt,
    Cmp::Uge,
    Cmp::Slt,
    Cmp::Sle,
    Cmp::Sgt,
    Cmp::Sge,
];
pub const ATOMICS: [AtomicOp; 9] = [
    AtomicOp::Add,
    AtomicOp::Clr,
    AtomicOp::Xor,
    AtomicOp::Set,
    AtomicOp::SMax,
    AtomicOp::SMin,
    AtomicOp::UMax,
    AtomicOp::UMin,
    AtomicOp::Swap,
];

// Opcodes.
pub const BIN: u32 = 0x01; // r[a] = BINOPS[imm](r[b], r[c])
pub const UN: u32 = 0x02; // r[a] = UNOPS[imm](r[b])
pub const CMP: u32 = 0x03; // r[a] = CMPS[imm](r[b], r[c])
pub const SEL: u32 = 0x04; // r[a] = r[a] != 0 ? r[b] : r[c]
pub const MOVI: u32 = 0x05; // r[a] = sext20(b:c:imm)
pub const SHLI: u32 = 0x06; // r[a] = r[a] << 12 | imm
pub const LOAD: u32 = 0x07; // r[a] = load(r[b] + sext(imm), 1 << c)
pub const STORE: u32 = 0x08; // store(r[b] + sext(imm), r[a], 1 << c)
pub const RMW: u32 = 0x09; // r[a] = rmw(ATOMICS[imm & 15], r[b], r[c], 1 << (imm >> 4 & 3))
pub const CAS: u32 = 0x0a; // r[a] = cas(r[b], expected r[a], new r[c], 1 << imm)
pub const CAS2: u32 = 0x0b; // r[a],r[a+1] = cas2(r[b], r[a],r[a+1], r[c],r[c+1])
pub const PURE: u32 = 0x0c; // r[a] = mix(r[a], r[b], r[c])
pub const STATE: u32 = 0x0d; // state_helper(r[a], r[b], imm)
pub const TRAP: u32 = 0x0e; // if r[a] != 0: exit arch(1 + imm % 8), fault_addr r[b]
pub const FENCE: u32 = 0x0f;
pub const GOTO: u32 = 0x10; // pc += 4 * sext(imm)
pub const BCOND: u32 = 0x11; // if r[a] != 0: pc += 4 * sext(imm)
pub const JR: u32 = 0x12; // pc = r[a]
pub const HALT: u32 = 0x13; // exit arch(0), pc + 4, arg imm
pub const GETPC: u32 = 0x14; // r[a] = state.pc (the pc stored by the last exit)
pub const BINI: u32 = 0x15; // r[a] = BINOPS[c](r[b], sext(imm))
pub const FLUSH: u32 = 0x16; // exit FLUSH_CODE, pc + 4 (like IC IVAU)
/// pc += 4 * sext(imm), then r[a] = pc + 4: state written *after* the goto call, which
/// the interpreter applies, so the JIT must too.
pub const CALL: u32 = 0x17;

pub const HALT_EXIT: Exit = Exit::arch(0);
/// Exit of an undefined toy instruction (exit_arg = the word, pc = the instruction).
pub const UNDEF_EXIT: Exit = Exit::arch(9);

pub fn enc(op: u32, a: u32, b: u32, c: u32, imm: i32) -> u32 {
    op << 24 | (a & 15) << 20 | (b & 15) << 16 | (c & 15) << 12 | (imm as u32 & 0xfff)
}

/// Instructions that load a full 64-bit constant into `r`.
pub fn li(r: u32, v: u64) -> Vec<u32> {
    // The top nibble, then 5 chunks of 12 bits: 4 + 60 = 64.
    let mut out = vec![enc(MOVI, r, 0, 0, (v >> 60) as i32)];
    for i in (0..5).rev() {
        out.push(enc(SHLI, r, 0, 0, ((v >> (12 * i)) & 0xfff) as i32));
    }
    out
}

#[derive(Clone, Copy, Debug)]
pub struct ToyInsn {
    pub raw: u32,
}

pub struct ToyGuest;

pub extern "C" fn mix(a: u64, b: u64, c: u64) -> u64 {
    a.rotate_left(7) ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ c
}

/// Reads and writes registers in the state struct directly (so the JIT must have written
/// its cached registers back, and must reload them after), records the pc it sees in r10,
/// and returns exit arch(imm & 0xff) when imm >= 0x800.
///
/// # Safety
/// `state` points to a [`Toy`].
pub unsafe extern "C" fn state_helper(state: *mut u8, a: u64, b: u64, imm: u64) -> u64 {
    // SAFETY: caller's contract.
    let t = unsafe { &mut *(state as *mut Toy) };
    t.r[11] = t.r[11].wrapping_mul(31).wrapping_add(a ^ b.rotate_left(3));
    t.r[10] = t.core.pc;
    t.r[9] = t.r[1].wrapping_add(t.r[2]);
    if imm >= 0x800 {
        Exit::arch(imm & 0xff).0
    } else {
        0
    }
}

fn sext(v: u32, bits: u32) -> u64 {
    ((v as i64) << (64 - bits) >> (64 - bits)) as u64
}

impl Guest for ToyGuest {
    type Insn = ToyInsn;

    fn decode(raw: u32) -> ToyInsn {
        ToyInsn { raw }
    }

    fn encoding(i: &ToyInsn) -> u32 {
        i.raw
    }

    fn ends_block(i: &ToyInsn) -> bool {
        !matches!(i.raw >> 24, BIN..=FENCE | GETPC | BINI)
    }

    fn exec<E: Emitter>(e: &mut E, i: &ToyInsn, pc: u64) -> Result<(), Exit> {
        let w = i.raw;
        let (op, a, b, c, imm) = (w >> 24, w >> 20 & 15, w >> 16 & 15, w >> 12 & 15, w & 0xfff);
        let simm = sext(imm, 12);
        match op {
            BIN => {
                let (x, y) = (e.get(reg(b)), e.get(reg(c)));
                let r = e.bin(BINOPS[imm as usize % BINOPS.len()], x, y);
                e.set(reg(a), r);
            }
            UN => {
                let x = e.get(reg(b));
                let r = e.un(UNOPS[imm as usize % 14], x);
                e.set(reg(a), r);
            }
            CMP => {
                let (x, y) = (e.get(reg(b)), e.get(reg(c)));
                let r = e.cmp(CMPS[imm as usize % 10], x, y);
                e.set(reg(a), r);
            }
            SEL => {
                let (k, x, y) = (e.get(reg(a)), e.get(reg(b)), e.get(reg(c)));
                let r = e.select(k, x, y);
                e.set(reg(a), r);
            }
            MOVI => {
                let v = e.imm(sext(w & 0xf_ffff, 20));
                e.set(reg(a), v);
            }
            SHLI => {
                let x = e.get(reg(a));
                let k12 = e.imm(12);
                let s = e.bin(BinOp::Shl, x, k12);
                let lo = e.imm(imm as u64);
                let r = e.bin(BinOp::Or, s, lo);
                e.set(reg(a), r);
            }
            LOAD | STORE => {
                let base = e.get(reg(b));
                let off = e.imm(simm);
                let addr = e.bin(BinOp::Add, base, off);
                let size = 1 << (c & 3);
                if op == LOAD {
                    let v = e.load(addr, size)?;
                    e.set(reg(a), v);
                } else {
                    let v = e.get(reg(a));
                    e.store(addr, v, size)?;
                }
            }
            RMW => {
                let (addr, v) = (e.get(reg(b)), e.get(reg(c)));
                let op = ATOMICS[(imm & 15) as usize % 9];
                let old = e.atomic_rmw(op, addr, v, 1 << (imm >> 4 & 3))?;
                e.set(reg(a), old);
            }
            CAS => {
                let (addr, exp, new) = (e.get(reg(b)), e.get(reg(a)), e.get(reg(c)));
                let old = e.atomic_cas(addr, exp, new, 1 << (imm & 3))?;
                e.set(reg(a), old);
            }
            CAS2 => {
                let addr = e.get(reg(b));
                let exp = [e.get(reg(a)), e.get(reg(a + 1))];
                let new = [e.get(reg(c)), e.get(reg(c + 1))];
                let old = e.atomic_cas2(addr, exp, new)?;
                e.set(reg(a), old[0]);
                e.set(reg(a + 1), old[1]);
            }
            PURE => {
                let args = [e.get(reg(a)), e.get(reg(b)), e.get(reg(c))];
                let r = e.call_pure(mix, args);
                e.set(reg(a), r);
            }
            STATE => {
                let (x, y, k) = (e.get(reg(a)), e.get(reg(b)), e.imm(imm as u64));
                e.call_state(state_helper, [x, y, k])?;
            }
            TRAP => {
                let (k, at) = (e.get(reg(a)), e.get(reg(b)));
                e.trap_if(k, Exit::arch(1 + (imm as u64 % 8)), at)?;
            }
            FENCE => e.fence(),
            GOTO => e.goto(pc.wrapping_add(simm.wrapping_mul(4))),
            BCOND => {
                let k = e.get(reg(a));
                e.goto_cond(k, pc.wrapping_add(simm.wrapping_mul(4)), pc.wrapping_add(4));
            }
            JR => {
                let t = e.get(reg(a));
                e.goto_dyn(t);
            }
            HALT => e.exit(HALT_EXIT, pc.wrapping_add(4), imm as u64),
            GETPC => {
                let v = e.get(SLOT_PC);
                e.set(reg(a), v);
            }
            BINI => {
                let x = e.get(reg(b));
                let y = e.imm(simm);
                let r = e.bin(BINOPS[c as usize], x, y);
                e.set(reg(a), r);
            }
            FLUSH => e.exit(Exit::FLUSH_CODE, pc.wrapping_add(4), 0),
            CALL => {
                e.goto(pc.wrapping_add(simm.wrapping_mul(4)));
                let ret = e.imm(pc.wrapping_add(4));
                e.set(reg(a), ret);
            }
            _ => e.exit(UNDEF_EXIT, pc, w as u64),
        }
        Ok(())
    }

    fn disassemble(i: &ToyInsn, _pc: u64) -> String {
        format!("toy {:#010x}", i.raw)
    }
}

// Guest memory layout of the toy machine.
pub const CODE: u64 = 0x1000;
/// Two read/write pages.
pub const RW: u64 = 0x10000;
/// A read-only page right after them.
pub const RO: u64 = 0x12000;
/// Unmapped.
pub const HOLE: u64 = 0x13000;
/// One more read/write page after the hole.
pub const RW2: u64 = 0x14000;
pub const SPACE: u64 = 1 << 32;
/// The last page of the address space (read/write): accesses can run past the limit.
pub const TOP: u64 = SPACE - 0x1000;

pub struct Machine {
    pub space: GuestSpace,
    pub cpu: Toy,
    pub rt: Runtime<ToyGuest>,
}

impl Machine {
    pub fn new(code: &[u32], cfg: TierConfig) -> Machine {
        Self::with_space(code, cfg, SPACE)
    }

    /// A machine whose address space ends at `limit` (the TOP page is mapped only when
    /// `limit` is [`SPACE`]).
    pub fn with_space(code: &[u32], cfg: TierConfig, limit: u64) -> Machine {
        let space = GuestSpace::new(limit).expect("reserve");
        let len = ((code.len() as u64 * 4) + 0xfff) & !0xfff;
        let len = len.max(0x1000);
        space
            .map_anon(CODE, len, perm::READ | perm::WRITE)
            .expect("map code");
        let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        space.view().write_bytes(CODE, &bytes).expect("code");
        space
            .protect(CODE, len, perm::READ | perm::EXEC)
            .expect("protect");
        let rw = perm::READ | perm::WRITE;
        space.map_anon(RW, 0x2000, rw).expect("rw");
        space.map_anon(RO, 0x1000, rw).expect("ro");
        space.map_anon(RW2, 0x1000, rw).expect("rw2");
        let mut pages = vec![RW, RW + 0x1000, RW2];
        if limit == SPACE {
            space.map_anon(TOP, 0x1000, rw).expect("top");
            pages.push(TOP);
        }
        // Recognisable data everywhere.
        let pattern: Vec<u8> = (0..0x1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for page in pages {
            space.view().write_bytes(page, &pattern).expect("fill");
        }
        space.view().write_bytes(RO, &pattern).expect("fill");
        space.protect(RO, 0x1000, perm::READ).expect("ro");
        let rt = Runtime::new(space.view(), cfg).expect("runtime");
        let cpu = Toy {
            core: CoreState {
                pc: CODE,
                ..CoreState::default()
            },
            ..Toy::default()
        };
        Machine { space, cpu, rt }
    }

    pub fn run(&mut self) -> Exit {
        let p = &mut self.cpu as *mut Toy as *mut u8;
        // SAFETY: the state lives in self and only this thread uses it.
        unsafe { self.rt.run(p) }
    }

    /// Every data page's bytes (RW, RO, RW2, TOP).
    pub fn data(&self) -> Vec<u8> {
        let mut out = vec![0u8; 0x5000];
        let v = self.space.view();
        v.read_bytes(RW, &mut out[..0x3000]).expect("read");
        v.read_bytes(RW2, &mut out[0x3000..0x4000]).expect("read");
        // TOP exists only in full-size spaces; elsewhere its bytes stay zero.
        let _ = v.read_bytes(TOP, &mut out[0x4000..]);
        out
    }
}

pub fn interp_only() -> TierConfig {
    TierConfig {
        jit: false,
        ..TierConfig::default()
    }
}

pub fn jit_always() -> TierConfig {
    TierConfig {
        jit: true,
        threshold: 0,
        ..TierConfig::default()
    }
}

/// The result of running a program to its first non-jump exit.
#[derive(Debug)]
pub struct Outcome {
    pub exit: Exit,
    pub cpu: Toy,
    pub data: Vec<u8>,
    pub stats: emu_core::runtime::Stats,
}

pub fn run_with(code: &[u32], cfg: TierConfig, setup: &dyn Fn(&mut Toy)) -> Outcome {
    run_in_space(code, cfg, SPACE, setup)
}

pub fn run_in_space(
    code: &[u32],
    cfg: TierConfig,
    limit: u64,
    setup: &dyn Fn(&mut Toy),
) -> Outcome {
    let mut m = Machine::with_space(code, cfg, limit);
    setup(&mut m.cpu);
    let exit = m.run();
    Outcome {
        exit,
        data: m.data(),
        cpu: m.cpu.clone(),
        stats: m.rt.stats,
    }
}

/// Asserts two outcomes are identical: exit, pc, fault address, exit argument,
/// registers and every data byte.
pub fn assert_same(a: &Outcome, b: &Outcome, what: &str) {
    assert_eq!(a.exit, b.exit, "{what}: exit");
    assert_eq!(a.cpu.core.pc, b.cpu.core.pc, "{what}: pc");
    assert_eq!(
        a.cpu.core.fault_addr, b.cpu.core.fault_addr,
        "{what}: fault_addr"
    );
    assert_eq!(a.cpu.core.exit_arg, b.cpu.core.exit_arg, "{what}: exit_arg");
    for i in 0..16 {
        assert_eq!(a.cpu.r[i], b.cpu.r[i], "{what}: r{i}");
    }
    if a.data != b.data {
        let at = a.data.iter().zip(&b.data).position(|(x, y)| x != y);
        panic!("{what}: data differs at offset {at:?}");
    }
}

/// Runs `code` in the interpreter, in the JIT (every block compiled first, with and
/// without chaining) and mixed (compiled after the first run); asserts all agree and
/// returns the interpreter's outcome.
pub fn run_all(code: &[u32], setup: &dyn Fn(&mut Toy)) -> Outcome {
    let interp = run_with(code, interp_only(), setup);
    let jit = run_with(code, jit_always(), setup);
    assert_same(&interp, &jit, "interp vs jit");
    assert!(jit.stats.blocks_compiled > 0, "the JIT compiled nothing");
    assert_eq!(jit.stats.compile_failures, 0, "JIT compile failures");
    let unchained = run_with(
        code,
        TierConfig {
            chaining: false,
            ..jit_always()
        },
        setup,
    );
    assert_same(&interp, &unchained, "interp vs unchained jit");
    let mixed = run_with(
        code,
        TierConfig {
            threshold: 1,
            ..jit_always()
        },
        setup,
    );
    assert_same(&interp, &mixed, "interp vs mixed");
    let block_at_a_time = run_with(
        code,
        TierConfig {
            jit_settings: JitSettings {
                follow_jumps: false,
                ..JitSettings::default()
            },
            ..jit_always()
        },
        setup,
    );
    assert_same(
        &interp,
        &block_at_a_time,
        "interp vs jit without following jumps",
    );
    interp
}

/// Runs `first` on a new thread, then sets the interrupt flag at `flag` (a
/// `CoreState::interrupt`) from there, as a signal handler would. Join the returned
/// thread after the run it stops.
///
/// # Safety
/// `flag` must stay valid until the returned thread is joined.
pub unsafe fn interrupt_later(
    flag: *mut u64,
    first: impl FnOnce() + Send + 'static,
) -> std::thread::JoinHandle<()> {
    struct SendPtr(*mut u64);
    // SAFETY: the caller keeps the pointee alive until the join; an aligned u64 store is
    // atomic enough for a flag.
    unsafe impl Send for SendPtr {}
    let flag = SendPtr(flag);
    std::thread::spawn(move || {
        let f = flag;
        first();
        // SAFETY: see SendPtr.
        unsafe { std::ptr::write_volatile(f.0, 1) };
    })
}

/// 200 blocks in a chain of GOTOs (block `i` adds `i` to r1), run around twice through a
/// counter in r3, then `halt`: r1 ends at [`TWO_LAPS_SUM`]. Compiled one function per
/// block ([`with_small_code_cache`]), they overflow the code cache.
pub fn two_laps_of_200_blocks(halt: u32) -> Vec<u32> {
    let mut code = vec![enc(MOVI, 3, 0, 0, 2)];
    for i in 0..200 {
        code.push(enc(BINI, 1, 1, 0, i));
        code.push(enc(GOTO, 0, 0, 0, 1));
    }
    code.push(enc(BINI, 3, 3, 1, 1));
    code.push(enc(BCOND, 3, 0, 0, -401));
    code.push(halt);
    code
}

/// r1 at the end of [`two_laps_of_200_blocks`].
pub const TWO_LAPS_SUM: u64 = 2 * 19_900;

/// `cfg` with a 4 KiB code cache and one function per block (no jump following).
pub fn with_small_code_cache(cfg: TierConfig) -> TierConfig {
    TierConfig {
        jit_settings: JitSettings {
            code_cache_bytes: 4096,
            follow_jumps: false,
            ..JitSettings::default()
        },
        ..cfg
    }
}
