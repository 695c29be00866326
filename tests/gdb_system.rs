//! The GDB stub in system mode, driven by the real client: `gdb-multiarch -batch -ex ...`
//! against `emu boot --gdb 127.0.0.1:0 --gdb-wait --kernel tests/guest/baremetal/gdb_mmu.elf`
//! (bare-metal, `-g -O0`; see gdb_mmu.c for its page tables: a VA window at 0x80000000
//! maps onto `window_page`, elsewhere in RAM). Ctrl-C and kill are driven at the protocol
//! level, since gdb's batch mode cannot interrupt a running target.
//!
//! Every expected value is asserted: addresses come from the committed ELF's symbol table,
//! source lines from its sources, and the guest's output and exit status from the emulator
//! process. Skipped (with a message) when gdb-multiarch is not installed (the protocol-level
//! test needs no gdb and always runs). Port 0 lets the kernel choose a free port, which emu
//! prints on stderr.

use emu_tests::gdb_harness::{
    assert_line, cmds, gdb_client, printed_values, Debuggee, Gdb, TIMEOUT,
};
use emu_tests::{emu_binary, guest_dir, Status};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn baremetal_dir() -> PathBuf {
    guest_dir().join("baremetal")
}

fn program() -> PathBuf {
    baremetal_dir().join("gdb_mmu.elf")
}

fn symbol(name: &str) -> u64 {
    let data = std::fs::read(program()).expect("tests/guest/baremetal/gdb_mmu.elf exists");
    let elf = goblin::elf::Elf::parse(&data).expect("gdb_mmu.elf is an ELF file");
    elf.syms
        .iter()
        .find(|s| elf.strtab.get_at(s.st_name) == Some(name))
        .map(|s| s.st_value)
        .unwrap_or_else(|| panic!("gdb_mmu.elf has no symbol {name}"))
}

/// The 1-based number of the line of `file` (in the guest's directory) containing `text`.
fn line_of(file: &str, text: &str) -> usize {
    let src = std::fs::read_to_string(baremetal_dir().join(file)).expect("source exists");
    src.lines()
        .position(|l| l.contains(text))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{file} has no line with {text:?}"))
}

/// `emu boot --tier T --gdb 127.0.0.1:0 --gdb-wait --kernel gdb_mmu.elf`, waiting for gdb.
fn start_emu(tier: &str) -> Debuggee {
    let mut cmd = Command::new(emu_binary());
    cmd.args(["boot", "--tier", tier, "--serial", "stdio", "--kernel"])
        .arg(program())
        .args(["--gdb", "127.0.0.1:0", "--gdb-wait"]);
    Debuggee::spawn(cmd)
}

/// Runs gdb in batch mode with `commands` against the debuggee; returns its transcript.
fn run_gdb(gdb: &Path, port: u16, commands: &[String]) -> String {
    Gdb::start(gdb, &baremetal_dir(), &program(), None, port, commands).finish()
}

/// The raw value of register `name` in `info registers` output.
fn register(transcript: &str, name: &str) -> u64 {
    transcript
        .lines()
        .find_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next()? == name).then_some(())?;
            u64::from_str_radix(parts.next()?.strip_prefix("0x")?, 16).ok()
        })
        .unwrap_or_else(|| panic!("no register {name} in:\n{transcript}"))
}

#[test]
fn break_step_memory_through_the_mmu_system_registers_and_watchpoints() {
    debug_session_on_gdb_mmu(
        "break_step_memory_through_the_mmu_system_registers_and_watchpoints",
        "tiered",
    );
}

/// The same with every block compiled before it runs: breakpoints, steps and watchpoints
/// must hold in compiled code too.
#[test]
fn break_step_memory_and_watchpoints_with_the_jit_only() {
    debug_session_on_gdb_mmu("break_step_memory_and_watchpoints_with_the_jit_only", "jit");
}

fn debug_session_on_gdb_mmu(test: &str, tier: &str) {
    let Some(gdb) = gdb_client(test) else {
        return;
    };
    let mmu_is_on = symbol("mmu_is_on");
    let window_page = symbol("window_page");
    let level1 = symbol("level1");
    let vectors = symbol("vectors");
    let sync_handler = symbol("sync_handler");
    let svc_insn = symbol("svc_insn");
    let tick_store = symbol("tick_store");
    let emu = start_emu(tier);
    let t = run_gdb(
        &gdb,
        emu.port,
        &cmds(&[
            // MMU off: VA = PA, and nothing is at 0x80000020.
            "x/wx 0x80000020",
            "break mmu_is_on",
            "continue",
            "p/x $pc",
            "stepi",
            "p/x $pc",
            // Through the MMU: the window at 0x80000000 is window_page.
            "x/s 0x80000000",
            "x/wx 0x80000020",
            "set {unsigned int}0x80000020 = 0x1234",
            "p/x window_page.words[0]",
            "x/wx 0x80001000",
            "info registers SCTLR_EL1 TTBR0_EL1 VBAR_EL1 cpsr CurrentEL",
            "monitor translate 0x80000020",
            "monitor translate 0x80001000",
            "monitor regs",
            "monitor icount",
            "delete",
            // A step over an SVC ends at the vector.
            "hbreak svc_insn",
            "continue",
            "stepi",
            "p/x $pc",
            "p/x $ESR_EL1",
            "p/x $ELR_EL1",
            "delete",
            // The handler reads svc_count, then the loop writes counter.
            "rwatch svc_count",
            "continue",
            "p/x $pc",
            "delete",
            "watch counter",
            "continue",
            "p/x $pc",
            "continue",
            "delete",
            // main reads the window's word through its VA.
            "awatch *(unsigned int *)0x80000020",
            "continue",
            "delete",
            "continue",
        ]),
    );
    let (status, stdout, stderr) = emu.finish();
    let ctx = format!("gdb transcript:\n{t}\nemu stderr:\n{stderr}");

    assert_line(
        &t,
        "0x80000020:\tCannot access memory at address 0x80000020",
    );
    let line = line_of("gdb_mmu.c", "puts_uart(\"MMU on\\n\");");
    let bp = t
        .lines()
        .find_map(|l| {
            let rest = l.strip_prefix("Breakpoint 1 at 0x")?;
            let (addr, place) = rest.split_once(": ")?;
            (place == format!("file gdb_mmu.c, line {line}.")).then_some(())?;
            u64::from_str_radix(addr, 16).ok()
        })
        .unwrap_or_else(|| panic!("no breakpoint in mmu_is_on at line {line}; {ctx}"));
    assert!(bp > mmu_is_on && bp < mmu_is_on + 0x20, "{ctx}");
    assert_line(
        &t,
        &format!("Breakpoint 1, mmu_is_on () at gdb_mmu.c:{line}"),
    );
    assert_line(&t, "0x80000000:\t\"seen through the MMU\"");
    assert_line(&t, "0x80000020:\t0x00000011");
    assert_line(
        &t,
        "0x80001000:\tCannot access memory at address 0x80001000",
    );
    assert_line(&t, "0x80001000: not mapped: Translation fault at level 3");
    let translate = format!(
        "0x80000020 -> PA {:#x}: level 3 page of 4 KiB, EL1 rw- EL0 ---, AttrIndx 0 (MAIR 0xff), SH 3, global",
        window_page + 0x20
    );
    assert_line(&t, &translate);
    assert_line(&t, &format!("VBAR_EL1        {vectors:#018x}"));
    assert_line(&t, "PSTATE  0x000003c5  (EL1h, DAIF 0xf, NZCV 0x0)");
    assert_line(
        &t,
        "TCR_EL1 decoded: TTBR0: 39-bit VAs, 4 KiB granule; TTBR1: walks disabled; \
         IPS 32 bits; ASIDs 8 bits from TTBR0",
    );
    let executed: u64 = t
        .lines()
        .find_map(|l| l.strip_suffix(" instructions executed")?.parse().ok())
        .unwrap_or_else(|| panic!("no instruction count; {ctx}"));
    // _start, mmu_on's table setup and mmu_is_on's prologue: dozens of instructions.
    assert!((40..1000).contains(&executed), "{executed} executed; {ctx}");
    assert_line(&t, "1 instructions single-stepped in this session");

    assert_eq!(register(&t, "SCTLR_EL1") & 0x1005, 0x1005, "M, C, I; {ctx}");
    assert_eq!(register(&t, "TTBR0_EL1"), level1, "{ctx}");
    assert_eq!(register(&t, "VBAR_EL1"), vectors, "{ctx}");
    assert_eq!(register(&t, "cpsr"), 0x3c5, "EL1h, DAIF masked; {ctx}");
    assert_eq!(register(&t, "CurrentEL"), 4, "{ctx}");

    assert_line(
        &t,
        &format!(
            "sync_handler () at gdb_mmu_start.S:{}",
            line_of("gdb_mmu_start.S", "adrp    x9, svc_count")
        ),
    );
    let tick_ret = line_of("gdb_mmu_start.S", "str     x0, [x1]") + 1;
    assert_line(&t, &format!("tick () at gdb_mmu_start.S:{tick_ret}"));
    assert_line(&t, "Old value = 0");
    assert_line(&t, "New value = 1");
    assert_line(&t, "Old value = 1");
    assert_line(&t, "New value = 2");
    assert_line(&t, "Value = 0");
    // The access watchpoint on the window VA (not the PA behind it) sees main's read.
    assert_line(&t, "Value = 4660");
    assert_line(
        &t,
        &format!(
            "main () at gdb_mmu.c:{}",
            line_of("gdb_mmu.c", "puthex(w->words[0]);")
        ),
    );
    assert_line(&t, "[Inferior 1 (process 1) exited normally]");
    // The hardware breakpoint on the SVC.
    let svc_line = line_of("gdb_mmu_start.S", "svc     #0x42");
    assert_line(
        &t,
        &format!("Hardware assisted breakpoint 2 at {svc_insn:#x}: file gdb_mmu_start.S, line {svc_line}."),
    );
    assert_line(
        &t,
        &format!("Breakpoint 2, raise_svc () at gdb_mmu_start.S:{svc_line}"),
    );

    let expected = [
        format!("{bp:#x}"),
        format!("{:#x}", bp + 4),
        "0x1234".to_string(),
        // The step over `svc #0x42` lands on the current-EL SP_ELx synchronous vector.
        format!("{:#x}", vectors + 0x200),
        "0x56000042".to_string(), // EC 0x15 (SVC64), IL, imm16 0x42
        format!("{:#x}", svc_insn + 4),
        // The read watchpoint stopped at the handler's load (gdb steps over it).
        format!("{:#x}", sync_handler + 8),
        // The write watchpoint stopped at the store in tick (gdb steps over it).
        format!("{:#x}", tick_store + 4),
    ];
    assert_eq!(printed_values(&t), expected, "{ctx}");

    assert_eq!(status, Status::Exit(0), "{ctx}");
    assert_eq!(
        stdout, "MMU on\nwindow word 0: 0x00001234\nsvc count: 0x00000001\ncounter: 0x00000003\n",
        "the guest sees gdb's write through its VA window; {ctx}"
    );
}

/// A minimal remote-protocol client: enough to resume, interrupt and kill.
struct Rsp {
    conn: TcpStream,
}

impl Rsp {
    fn connect(port: u16) -> Rsp {
        let conn = TcpStream::connect(("127.0.0.1", port)).expect("connects to emu");
        conn.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        Rsp { conn }
    }

    fn byte(&mut self) -> u8 {
        let mut b = [0u8; 1];
        self.conn.read_exact(&mut b).expect("emu answers");
        b[0]
    }

    /// Sends a packet and waits for emu's acknowledgement.
    fn send(&mut self, body: &str) {
        let sum = body.bytes().fold(0u8, |s, b| s.wrapping_add(b));
        write!(self.conn, "${body}#{sum:02x}").expect("send");
        assert_eq!(self.byte(), b'+', "emu acknowledges {body:?}");
    }

    /// Reads one packet (acknowledging it) and returns its body.
    fn receive(&mut self) -> String {
        while self.byte() != b'$' {}
        let mut body = Vec::new();
        loop {
            match self.byte() {
                b'#' => break,
                b => body.push(b),
            }
        }
        let _checksum = [self.byte(), self.byte()];
        self.conn.write_all(b"+").expect("ack");
        // Run-length encoding: `X*N` is X followed by N - 29 more copies.
        let mut plain = Vec::new();
        let mut bytes = body.into_iter();
        while let Some(b) = bytes.next() {
            if b == b'*' {
                let count = bytes.next().expect("a repeat count") - 29;
                let last = *plain.last().expect("a byte to repeat");
                plain.extend(std::iter::repeat_n(last, count as usize));
            } else {
                plain.push(b);
            }
        }
        String::from_utf8_lossy(&plain).into_owned()
    }

    fn request(&mut self, body: &str) -> String {
        self.send(body);
        self.receive()
    }

    /// The pc, from a `p20` (register 32) reply: 8 little-endian bytes in hex.
    fn pc(&mut self) -> u64 {
        let hex = self.request("p20");
        assert_eq!(hex.len(), 16, "a 64-bit pc, got {hex:?}");
        let bytes: Vec<u8> = (0..8)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
            .collect();
        u64::from_le_bytes(bytes.try_into().expect("8 bytes"))
    }

    fn set_pc(&mut self, pc: u64) {
        let hex: String = pc
            .to_le_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(self.request(&format!("P20={hex}")), "OK");
    }

    /// Continues, lets the guest run a while, then sends Ctrl-C: the stop is SIGINT.
    fn run_and_interrupt(&mut self) {
        self.send("c");
        std::thread::sleep(Duration::from_millis(300));
        self.conn.write_all(&[0x03]).expect("Ctrl-C");
        let stop = self.receive();
        assert!(
            stop.starts_with("T02") || stop.starts_with("S02"),
            "a SIGINT stop, got {stop:?}"
        );
    }
}

#[test]
fn ctrl_c_stops_busy_and_idle_guests_and_kill_ends_emu() {
    // Compiled code must be interruptible too: JIT only.
    let emu = start_emu("jit");
    let spin = symbol("spin_forever");
    let idle = symbol("idle_forever");
    let mut gdb = Rsp::connect(emu.port);
    let first = gdb.request("?");
    assert!(
        first.starts_with('S') || first.starts_with('T'),
        "a stop reply, got {first:?}"
    );
    assert_eq!(gdb.pc(), symbol("_start"));
    // A busy loop in translated code.
    gdb.set_pc(spin);
    gdb.run_and_interrupt();
    let pc = gdb.pc();
    assert!(
        pc == spin || pc == spin + 4,
        "stopped in the loop, at {pc:#x}"
    );
    // The loop ran: x2 counts its iterations.
    let x2 = gdb.request("p2");
    assert_ne!(x2, "0000000000000000", "x2 counted");
    // Sleeping in WFI.
    gdb.set_pc(idle);
    gdb.run_and_interrupt();
    let pc = gdb.pc();
    assert!(
        pc == idle || pc == idle + 4,
        "stopped in the idle loop, at {pc:#x}"
    );
    // `kill`: emu ends, as QEMU does, with status 0.
    gdb.conn.write_all(b"$k#6b").expect("kill");
    let (status, _stdout, stderr) = emu.finish();
    assert_eq!(status, Status::Exit(0), "stderr:\n{stderr}");
    assert!(
        stderr.contains("emu: terminated by the debugger"),
        "stderr:\n{stderr}"
    );
}

#[test]
fn monitor_reset_restores_cpu_and_ram_and_detach_lets_the_machine_run_on() {
    let test = "monitor_reset_restores_cpu_and_ram_and_detach_lets_the_machine_run_on";
    let Some(gdb) = gdb_client(test) else {
        return;
    };
    let emu = start_emu("tiered");
    let t = run_gdb(
        &gdb,
        emu.port,
        &cmds(&[
            "break power_off",
            "continue",
            "p/x counter",
            "set {unsigned int}0x80000020 = 0x99",
            "p/x window_page.words[0]",
            "monitor reset",
            // gdb caches registers across monitor commands.
            "maintenance flush register-cache",
            "p/x $pc",
            "p/x counter",
            "p/x window_page.words[0]",
            "p/x $SCTLR_EL1",
            "delete",
            "detach",
        ]),
    );
    let (status, stdout, stderr) = emu.finish();
    let ctx = format!("gdb transcript:\n{t}\nemu stderr:\n{stderr}");
    let expected = [
        "0x3".to_string(),
        "0x99".to_string(),
        format!("{:#x}", symbol("_start")),
        // RAM as loaded: .bss zero, .data as in the image.
        "0x0".to_string(),
        "0x11".to_string(),
        // SCTLR_EL1's reset value: MMU off.
        "0x30d50818".to_string(),
    ];
    assert_eq!(printed_values(&t), expected, "{ctx}");
    assert_line(&t, "[Inferior 1 (process 1) detached]");
    // The program ran once before the reset and once after the detach.
    let once = "MMU on\nwindow word 0: 0x00000011\nsvc count: 0x00000001\ncounter: 0x00000003\n";
    assert_eq!(stdout, format!("{once}{once}"), "{ctx}");
    assert_eq!(status, Status::Exit(0), "{ctx}");
    assert!(
        stderr.contains("emu: gdb: detached; the machine runs on"),
        "{ctx}"
    );
}

#[test]
fn bad_gdb_options_are_refused() {
    let run = |args: &[&str]| {
        let out = Command::new(emu_binary())
            .args(["boot", "--serial", "none", "--kernel"])
            .arg(program())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("emu runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--gdb", "nonsense"]);
    assert_eq!(code, Some(125), "{err}");
    assert!(
        err.contains("emu: --gdb nonsense: invalid socket address"),
        "{err}"
    );
    let (code, err) = run(&["--gdb-wait"]);
    assert_eq!(code, Some(125), "{err}");
    assert!(err.contains("--gdb <HOST:PORT>"), "{err}");
}

#[test]
fn code_written_by_gdb_replaces_compiled_translations() {
    let test = "code_written_by_gdb_replaces_compiled_translations";
    let Some(gdb) = gdb_client(test) else {
        return;
    };
    // JIT only: tick's block is compiled by its first call.
    let emu = start_emu("jit");
    let t = run_gdb(
        &gdb,
        emu.port,
        &cmds(&[
            "break tick",
            "continue",
            "continue",
            "p/x counter",
            // The store becomes a NOP: later ticks leave counter alone.
            "set {unsigned int}tick_store = 0xd503201f",
            "x/i tick_store",
            "delete",
            "continue",
        ]),
    );
    let (status, stdout, stderr) = emu.finish();
    let ctx = format!("gdb transcript:\n{t}\nemu stderr:\n{stderr}");
    assert_eq!(printed_values(&t), ["0x1"], "{ctx}");
    assert_line(
        &t,
        &format!("   {:#x} <tick+8>:\tnop", symbol("tick_store")),
    );
    assert_eq!(status, Status::Exit(0), "{ctx}");
    assert!(stdout.ends_with("counter: 0x00000001\n"), "{stdout}\n{ctx}");
}
