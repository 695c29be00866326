//! Semihosting calls against a fake CPU: registers X0/X1 and one block of guest memory.

use super::*;
use std::sync::{Arc, Mutex};

/// Guest memory is `[BASE, BASE + SIZE)`; everything else faults.
const BASE: u64 = 0x10_0000;
const SIZE: usize = 0x4000;
/// Where tests put parameter blocks, names and buffers.
const BLOCK: u64 = BASE;
const NAME: u64 = BASE + 0x100;
const BUF: u64 = BASE + 0x1000;

struct FakeCpu {
    x: [u64; 2],
    mem: Vec<u8>,
}

impl FakeCpu {
    fn new() -> FakeCpu {
        FakeCpu {
            x: [0; 2],
            mem: vec![0; SIZE],
        }
    }
    fn range(&self, addr: u64, len: usize) -> Result<std::ops::Range<usize>, MemFault> {
        let start = addr.checked_sub(BASE).ok_or(MemFault)? as usize;
        let end = start.checked_add(len).ok_or(MemFault)?;
        if end > self.mem.len() {
            return Err(MemFault);
        }
        Ok(start..end)
    }
    fn poke(&mut self, addr: u64, data: &[u8]) {
        let r = self.range(addr, data.len()).unwrap();
        self.mem[r].copy_from_slice(data);
    }
    fn peek(&self, addr: u64, len: usize) -> &[u8] {
        &self.mem[self.range(addr, len).unwrap()]
    }
    fn params(&mut self, fields: &[u64]) {
        let bytes: Vec<u8> = fields.iter().flat_map(|f| f.to_le_bytes()).collect();
        self.poke(BLOCK, &bytes);
    }
}

impl Target for FakeCpu {
    fn x(&self, n: usize) -> u64 {
        self.x[n]
    }
    fn set_x0(&mut self, value: u64) {
        self.x[0] = value;
    }
    fn read_mem(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault> {
        let r = self.range(addr, buf.len())?;
        buf.copy_from_slice(&self.mem[r]);
        Ok(())
    }
    fn write_mem(&mut self, addr: u64, data: &[u8]) -> Result<(), MemFault> {
        let r = self.range(addr, data.len())?;
        self.mem[r].copy_from_slice(data);
        Ok(())
    }
    fn heap_info(&mut self) -> HeapInfo {
        HeapInfo {
            heap_base: 0x1000,
            heap_limit: 0x2000,
            stack_base: 0x9000,
            stack_limit: 0x8000,
        }
    }
}

/// A console that records what it is given.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Fixture {
    sh: Semihosting,
    cpu: FakeCpu,
    console: Captured,
    scratch: sandbox::tests::Scratch,
}

impl Fixture {
    fn new(label: &str) -> Fixture {
        let scratch = sandbox::tests::Scratch::new(label);
        let console = Captured::default();
        let sh = Semihosting::new(&scratch.root, b"prog one two".to_vec())
            .unwrap()
            .with_console(Box::new(console.clone()));
        Fixture {
            sh,
            cpu: FakeCpu::new(),
            console,
            scratch,
        }
    }

    /// Calls `operation` with X1 = `arg`; returns X0 (or panics on exit).
    fn call(&mut self, operation: u64, arg: u64) -> u64 {
        self.cpu.x = [operation, arg];
        assert_eq!(self.sh.call(&mut self.cpu), Outcome::Continue);
        self.cpu.x[0]
    }

    /// Calls `operation` with a parameter block holding `fields`.
    fn call_with(&mut self, operation: u64, fields: &[u64]) -> u64 {
        self.cpu.params(fields);
        self.call(operation, BLOCK)
    }

    fn open(&mut self, name: &str, mode: u64) -> u64 {
        self.cpu.poke(NAME, name.as_bytes());
        self.cpu.poke(NAME + name.len() as u64, &[0]);
        self.call_with(op::OPEN, &[NAME, mode, name.len() as u64])
    }

    fn errno(&mut self) -> i32 {
        self.call(op::ERRNO, 0) as i32
    }
}

#[test]
fn console_output() {
    let mut f = Fixture::new("console");
    f.cpu.poke(BUF, b"hello\0ignored");
    assert_eq!(f.call(op::WRITE0, BUF), 0);
    f.cpu.poke(BUF, b"!");
    assert_eq!(f.call(op::WRITEC, BUF), 0);
    assert_eq!(f.console.0.lock().unwrap().as_slice(), b"hello!");
    // A string running to the end of readable memory (no NUL) prints what it can and
    // fails; the byte just before the end, with its NUL, prints.
    let end = BASE + SIZE as u64;
    f.cpu.poke(end - 2, b"z\0");
    assert_eq!(f.call(op::WRITE0, end - 2), 0);
    f.cpu.poke(end - 2, b"zz");
    assert_eq!(f.call(op::WRITE0, end - 2), FAILED);
    assert_eq!(f.errno(), libc::EFAULT);
    assert_eq!(f.call(op::WRITEC, 0), FAILED);
}

#[test]
fn file_round_trip_inside_the_root() {
    let mut f = Fixture::new("files");
    let h = f.open("data.txt", 4); // "w"
    assert!(
        h != FAILED && h != 0,
        "open for write failed: errno {}",
        f.errno()
    );
    f.cpu.poke(BUF, b"0123456789");
    assert_eq!(f.call_with(op::WRITE, &[h, BUF, 10]), 0, "all written");
    assert_eq!(f.call_with(op::FLEN, &[h]), 10);
    assert_eq!(f.call_with(op::ISTTY, &[h]), 0);
    assert_eq!(f.call_with(op::CLOSE, &[h]), 0);
    assert_eq!(f.call_with(op::CLOSE, &[h]), FAILED);
    assert_eq!(f.errno(), libc::EBADF);
    assert_eq!(
        std::fs::read(f.scratch.root.join("data.txt")).unwrap(),
        b"0123456789"
    );

    let h = f.open("data.txt", 0); // "r"
    assert_eq!(f.call_with(op::SEEK, &[h, 6]), 0);
    // 4 bytes remain; asking for 8 leaves 4 unread.
    assert_eq!(f.call_with(op::READ, &[h, BUF + 0x100, 8]), 4);
    assert_eq!(f.cpu.peek(BUF + 0x100, 4), b"6789");
    assert_eq!(f.call_with(op::READ, &[h, BUF, 8]), 8, "end of file");
    // Writing to a read-only file fails: nothing written.
    assert_eq!(f.call_with(op::WRITE, &[h, BUF, 1]), FAILED);
    // A buffer outside guest memory is EFAULT, not a host crash.
    assert_eq!(f.call_with(op::SEEK, &[h, 0]), 0);
    assert_eq!(f.call_with(op::READ, &[h, 0xdead_0000, 4]), FAILED);
    assert_eq!(f.errno(), libc::EFAULT);
    assert_eq!(f.call_with(op::CLOSE, &[h]), 0);

    let h = f.open("data.txt", 8); // "a"
    f.cpu.poke(BUF, b"AB");
    assert_eq!(f.call_with(op::WRITE, &[h, BUF, 2]), 0);
    assert_eq!(f.call_with(op::CLOSE, &[h]), 0);
    assert_eq!(
        std::fs::read(f.scratch.root.join("data.txt")).unwrap(),
        b"0123456789AB"
    );
}

#[test]
fn remove_and_rename() {
    let mut f = Fixture::new("rename");
    f.cpu.poke(NAME, b"inside.txt");
    f.cpu.poke(NAME + 0x40, b"renamed.txt");
    assert_eq!(f.call_with(op::RENAME, &[NAME, 10, NAME + 0x40, 11]), 0);
    assert!(f.scratch.root.join("renamed.txt").exists());
    assert_eq!(f.call_with(op::REMOVE, &[NAME + 0x40, 11]), 0);
    assert!(!f.scratch.root.join("renamed.txt").exists());
    assert_eq!(f.call_with(op::REMOVE, &[NAME + 0x40, 11]), FAILED);
    assert_eq!(f.errno(), libc::ENOENT);
}

#[test]
fn paths_outside_the_root_are_refused() {
    let mut f = Fixture::new("outside");
    for (name, mode) in [
        ("../outside.txt", 0),
        ("../outside.txt", 4),
        ("../new.txt", 4),
        ("/etc/passwd", 0),
    ] {
        assert_eq!(f.open(name, mode), FAILED, "{name} mode {mode}");
        assert_eq!(f.errno(), sandbox::OUTSIDE_ROOT, "{name} mode {mode}");
    }
    assert!(!f.scratch.top.join("new.txt").exists());
    assert_eq!(
        std::fs::read(f.scratch.top.join("outside.txt")).unwrap(),
        b"out",
        "the file outside was not truncated"
    );
    f.cpu.poke(NAME, b"../outside.txt");
    assert_eq!(f.call_with(op::REMOVE, &[NAME, 14]), FAILED);
    assert!(f.scratch.top.join("outside.txt").exists());
    f.cpu.poke(NAME + 0x40, b"stolen.txt");
    assert_eq!(
        f.call_with(op::RENAME, &[NAME, 14, NAME + 0x40, 10]),
        FAILED
    );
    assert_eq!(f.errno(), sandbox::OUTSIDE_ROOT);
}

#[test]
fn special_files_and_bad_arguments() {
    let mut f = Fixture::new("special");
    let out = f.open(":tt", 4);
    let err = f.open(":tt", 8);
    assert!(out != FAILED && err != FAILED && out != err);
    let features = f.open(":semihosting-features", 0);
    assert_eq!(f.call_with(op::FLEN, &[features]), 5);
    assert_eq!(f.call_with(op::READ, &[features, BUF, 5]), 0);
    assert_eq!(f.cpu.peek(BUF, 5), b"SHFB\x03");
    assert_eq!(f.open(":semihosting-features", 4), FAILED);
    assert_eq!(f.open("data.txt", 12), FAILED);
    assert_eq!(f.errno(), libc::EINVAL);
    assert_eq!(f.open(":tt", 12), FAILED);
    assert_eq!(f.errno(), libc::EINVAL);
    // A name longer than PATH_MAX, or a parameter block outside memory.
    assert_eq!(f.call_with(op::OPEN, &[NAME, 0, 1 << 40]), FAILED);
    assert_eq!(f.errno(), libc::ENAMETOOLONG);
    assert_eq!(f.call(op::OPEN, 0), FAILED);
    assert_eq!(f.errno(), libc::EFAULT);
    assert_eq!(f.call_with(op::SEEK, &[u64::MAX, 0]), FAILED);
    assert_eq!(f.errno(), libc::EBADF);
    assert_eq!(f.call(op::SYSTEM, BLOCK), FAILED);
    assert_eq!(f.call(0xff, 0), FAILED);
    assert_eq!(f.errno(), libc::ENOSYS);
    assert_eq!(f.call_with(op::ISERROR, &[u64::MAX]), 1);
    assert_eq!(f.call_with(op::ISERROR, &[3]), 0);
}

#[test]
fn cmdline_heapinfo_and_time() {
    let mut f = Fixture::new("info");
    assert_eq!(f.call_with(op::GET_CMDLINE, &[BUF, 64]), 0);
    assert_eq!(f.cpu.peek(BUF, 13), b"prog one two\0");
    assert_eq!(f.cpu.peek(BLOCK + 8, 8), 12u64.to_le_bytes());
    // 12 characters and the NUL do not fit in 12 bytes.
    assert_eq!(f.call_with(op::GET_CMDLINE, &[BUF, 12]), FAILED);

    assert_eq!(f.call_with(op::HEAPINFO, &[BUF]), 0);
    let words: Vec<u8> = [0x1000u64, 0x2000, 0x9000, 0x8000]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    assert_eq!(f.cpu.peek(BUF, 32), words.as_slice());

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t = f.call(op::TIME, 0);
    assert!(t.abs_diff(now) <= 2, "SYS_TIME {t}, host {now}");
    assert!(f.call(op::CLOCK, 0) < 100 * 60, "centiseconds since start");
    assert_eq!(f.call(op::TICKFREQ, 0), 1_000_000_000);
    assert_eq!(f.call(op::ELAPSED, BUF), 0);
    let first = u64::from_le_bytes(f.cpu.peek(BUF, 8).try_into().unwrap());
    assert_eq!(f.call(op::ELAPSED, BUF), 0);
    let second = u64::from_le_bytes(f.cpu.peek(BUF, 8).try_into().unwrap());
    assert!(second >= first);
}

#[test]
fn exit_statuses() {
    let mut f = Fixture::new("exit");
    for (operation, reason, subcode, status) in [
        (op::EXIT, ADP_STOPPED_APPLICATION_EXIT, 0, 0),
        (op::EXIT, ADP_STOPPED_APPLICATION_EXIT, 42, 42),
        (op::EXIT_EXTENDED, ADP_STOPPED_APPLICATION_EXIT, 7, 7),
        // ADP_Stopped_RunTimeErrorUnknown: a failure whatever the subcode.
        (op::EXIT, 0x20023, 0, 1),
    ] {
        f.cpu.params(&[reason, subcode]);
        f.cpu.x = [operation, BLOCK];
        assert_eq!(f.sh.call(&mut f.cpu), Outcome::Exit(status));
    }
    // An unreadable block is an error return, not an exit.
    assert_eq!(f.call(op::EXIT, 0), FAILED);
}

/// Arbitrary operation numbers and parameter blocks never panic: every call returns a
/// value or ends the run. (SYS_READC is left out: it reads the test's stdin.)
#[test]
fn arbitrary_calls_do_not_panic() {
    let mut f = Fixture::new("arbitrary");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let interesting = [
        0,
        1,
        2,
        3,
        4,
        8,
        0xff,
        0x1000,
        1 << 40,
        u64::MAX,
        BASE,
        BUF,
        NAME,
    ];
    for _ in 0..5000 {
        let operation = next() % 0x40;
        if operation == op::READC {
            continue;
        }
        // Parameter fields: small numbers, handles, sizes and pointers in and out of memory.
        let fields: Vec<u64> = (0..4)
            .map(|_| {
                let r = next();
                if r & 1 == 0 {
                    interesting[(r >> 1) as usize % interesting.len()]
                } else {
                    BASE + (r >> 8) % (SIZE as u64 + 64)
                }
            })
            .collect();
        f.cpu.params(&fields);
        let arg = if next() & 3 == 0 { next() } else { BLOCK };
        f.cpu.x = [operation, arg];
        let _ = f.sh.call(&mut f.cpu);
    }
}
