//! The GDB stub in user mode, driven by the real client: `gdb-multiarch -batch -ex ...`
//! against `emu run --gdb 127.0.0.1:0 --gdb-wait tests/guest/gdb_target` (built with
//! `-g -O0`, see its source for what it computes).
//!
//! Every expected value is asserted: addresses come from the committed binary's symbol
//! table, source lines from gdb_target.c, and the program's output and exit status from
//! the emulator process. Skipped (with a message) when gdb-multiarch is not installed.
//! Port 0 lets the kernel choose a free port, which emu prints on stderr.

use emu_tests::gdb_harness::{
    assert_line, cmds, gdb_client, printed_values, Debuggee, Gdb, TIMEOUT,
};
use emu_tests::{emu_binary, guest_dir, skip, Status};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn program() -> PathBuf {
    guest_dir().join("gdb_target")
}

/// Symbol addresses of the committed test program.
struct Symbols(Vec<(String, u64, u64)>);

impl Symbols {
    fn load() -> Symbols {
        let data = std::fs::read(program()).expect("tests/guest/gdb_target exists");
        let elf = goblin::elf::Elf::parse(&data).expect("gdb_target is an ELF file");
        Symbols(
            elf.syms
                .iter()
                .filter_map(|s| {
                    let name = elf.strtab.get_at(s.st_name)?;
                    Some((name.to_string(), s.st_value, s.st_size))
                })
                .collect(),
        )
    }

    fn addr(&self, name: &str) -> u64 {
        self.0
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|s| s.1)
            .unwrap_or_else(|| panic!("gdb_target has no symbol {name}"))
    }

    fn range(&self, name: &str) -> (u64, u64) {
        let (_, a, size) = self
            .0
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("gdb_target has no symbol {name}"));
        (*a, a + size)
    }
}

/// The 32-bit instruction words of the program at `[start, end)` (from its loadable
/// segments).
fn code_words(start: u64, end: u64) -> Vec<(u64, u32)> {
    let data = std::fs::read(program()).expect("tests/guest/gdb_target exists");
    let elf = goblin::elf::Elf::parse(&data).expect("gdb_target is an ELF file");
    let mut out = Vec::new();
    for ph in elf
        .program_headers
        .iter()
        .filter(|p| p.p_type == goblin::elf::program_header::PT_LOAD)
    {
        let mut a = start.max(ph.p_vaddr);
        while a + 4 <= end.min(ph.p_vaddr + ph.p_filesz) {
            let off = (ph.p_offset + a - ph.p_vaddr) as usize;
            let word = u32::from_le_bytes(data[off..off + 4].try_into().expect("4 bytes"));
            out.push((a, word));
            a += 4;
        }
    }
    out
}

/// `emu run [--tier T] [--sysroot DIR] --gdb 127.0.0.1:0 --gdb-wait PROGRAM ARGS...`.
fn start_emu(
    program: &Path,
    sysroot: Option<&Path>,
    tier: Option<&str>,
    args: &[&str],
) -> Debuggee {
    let mut cmd = Command::new(emu_binary());
    cmd.arg("run");
    if let Some(t) = tier {
        cmd.args(["--tier", t]);
    }
    if let Some(root) = sysroot {
        cmd.arg("--sysroot").arg(root);
    }
    cmd.args(["--gdb", "127.0.0.1:0", "--gdb-wait"])
        .arg(program)
        .args(args);
    Debuggee::spawn(cmd)
}

/// gdb on the committed test program, from its source directory.
fn start_gdb(gdb: &Path, port: u16, commands: &[String]) -> Gdb {
    Gdb::start(gdb, &guest_dir(), &program(), None, port, commands)
}

/// Runs one gdb batch session against a fresh emu; returns gdb's transcript and emu's
/// status and stdout.
fn debug_session(
    gdb: &Path,
    tier: Option<&str>,
    args: &[&str],
    commands: &[String],
) -> (String, Status, String) {
    let emu = start_emu(&program(), None, tier, args);
    let transcript = start_gdb(gdb, emu.port, commands).finish();
    let (status, stdout, _) = emu.finish();
    (transcript, status, stdout)
}

/// `info registers` lines as name -> (raw hex value, natural column).
fn registers(transcript: &str) -> Vec<(String, u64, String)> {
    transcript
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next()?;
            let raw = parts.next()?.strip_prefix("0x")?;
            let value = u64::from_str_radix(raw, 16).ok()?;
            let natural: Vec<&str> = parts.collect();
            let known =
                name.starts_with('x') || ["sp", "pc", "cpsr", "fpsr", "fpcr"].contains(&name);
            known.then(|| (name.to_string(), value, natural.join(" ")))
        })
        .collect()
}

fn exited_with(transcript: &str, octal_code: &str) -> bool {
    transcript.lines().any(|l| {
        l.starts_with("[Inferior 1 (process ")
            && l.trim_end()
                .ends_with(&format!(") exited with code {octal_code}]"))
    })
}

#[test]
fn break_backtrace_locals_registers_and_disassembly() {
    let Some(gdb) = gdb_client("break_backtrace_locals_registers_and_disassembly") else {
        return;
    };
    let sym = Symbols::load();
    let add_scaled = sym.addr("add_scaled");
    let compute = sym.addr("compute");
    let multiplier = sym.addr("multiplier");
    // Compiled code too: a breakpoint must stop compiled blocks as well.
    let (t, status, stdout) = debug_session(
        &gdb,
        Some("jit"),
        &[],
        &cmds(&[
            "break add_scaled",
            "continue",
            "bt",
            "p a",
            "p b",
            "x/4i $pc",
            "info registers",
            "x/2wx 0",
            "continue",
            "p a",
            "p b",
            "delete",
            "continue",
        ]),
    );
    // -O0 code: the breakpoint is after the 3-instruction prologue.
    let bp = add_scaled + 12;
    assert_line(
        &t,
        &format!("Breakpoint 1 at {bp:#x}: file ./gdb_target.c, line 16."),
    );
    assert_line(
        &t,
        "Breakpoint 1, add_scaled (a=0, b=1) at ./gdb_target.c:16",
    );
    assert_line(&t, "16\t    int scaled = b * multiplier;");
    assert_line(&t, "#0  add_scaled (a=0, b=1) at ./gdb_target.c:16");
    let return_addr = compute + 0x28; // after the `bl add_scaled`
    assert_line(
        &t,
        &format!("#1  0x{return_addr:016x} in compute (n=4) at ./gdb_target.c:25"),
    );
    assert!(
        t.lines().any(|l| l.starts_with("#2  0x")
            && l.contains(" in main (argc=1, argv=0x")
            && l.trim_end().ends_with(") at ./gdb_target.c:44")),
        "no main frame in:\n{t}"
    );
    // The disassembly of the 4 instructions at the breakpoint: the global's address
    // is built with adrp + add.
    assert_line(
        &t,
        &format!(
            "=> {bp:#x} <add_scaled+12>:\tadrp\tx0, {:#x}",
            multiplier & !0xfff
        ),
    );
    assert_line(
        &t,
        &format!(
            "   {:#x} <add_scaled+16>:\tadd\tx0, x0, #{:#x}",
            bp + 4,
            multiplier & 0xfff
        ),
    );
    assert_line(
        &t,
        &format!("   {:#x} <add_scaled+20>:\tldr\tw0, [x0]", bp + 8),
    );
    assert_line(
        &t,
        &format!("   {:#x} <add_scaled+24>:\tldr\tw1, [sp, #8]", bp + 12),
    );
    let regs = registers(&t);
    let reg = |name: &str| {
        regs.iter()
            .find(|r| r.0 == name)
            .unwrap_or_else(|| panic!("no register {name} in:\n{t}"))
            .clone()
    };
    assert_eq!(
        regs.iter()
            .filter(|r| r.0.starts_with('x') && r.0[1..].parse::<u32>().is_ok())
            .count(),
        31,
        "x0-x30 in:\n{t}"
    );
    assert_eq!(reg("x0").1, 0, "a = 0");
    assert_eq!(reg("x1").1, 1, "b = 1");
    assert_eq!(reg("x30").1, return_addr);
    assert_eq!(reg("pc").1, bp);
    assert_eq!(reg("pc").2, format!("{bp:#x} <add_scaled+12>"));
    // compute's frame pointer, minus add_scaled's 32-byte frame.
    assert_eq!(reg("sp").1, reg("x29").1 - 0x20);
    // The loop's `cmp i, n` (1 - 4) left N set; EL0.
    assert_eq!(reg("cpsr").1, 0x8000_0000);
    assert_eq!(reg("cpsr").2, "[ EL=0 BTYPE=0 N ]");
    assert_eq!(reg("fpsr").1, 0);
    assert_eq!(reg("fpcr").1, 0);
    // Unmapped memory is an error reply, not a crash.
    assert_line(&t, "0x0:\tCannot access memory at address 0x0");
    // The second call: total = 3, i = 2.
    assert_line(
        &t,
        "Breakpoint 1, add_scaled (a=3, b=2) at ./gdb_target.c:16",
    );
    assert_eq!(printed_values(&t), ["0", "1", "3", "2"]);
    assert!(exited_with(&t, "036"), "no exit in:\n{t}");
    assert_eq!(status, Status::Exit(30));
    assert_eq!(stdout, "result=30 counter=42\n");
}

#[test]
fn stepi_runs_exactly_one_instruction() {
    let Some(gdb) = gdb_client("stepi_runs_exactly_one_instruction") else {
        return;
    };
    let sym = Symbols::load();
    let compute = sym.addr("compute");
    let add_scaled = sym.addr("add_scaled");
    let (write_start, write_end) = sym.range("__libc_write");
    // Every `svc #0` in write(): step over the system call itself.
    let svcs: Vec<u64> = code_words(write_start, write_end)
        .into_iter()
        .filter(|&(_, w)| w == 0xd400_0001)
        .map(|(a, _)| a)
        .collect();
    assert!(!svcs.is_empty(), "write() has an svc");
    let mut commands = vec![
        format!("break *{:#x}", compute + 0x18),
        "continue".into(),
        "monitor icount".into(),
    ];
    for _ in 0..8 {
        commands.push("stepi".into());
        commands.push("p/x $pc".into());
    }
    commands.push("p/x $x30".into());
    commands.push("monitor icount".into());
    commands.push("delete".into());
    for a in &svcs {
        commands.push(format!("break *{a:#x}"));
    }
    commands.extend(cmds(&[
        "continue", "p/x $pc", "stepi", "p/x $pc", "p $x0", "delete", "continue",
    ]));
    let (t, status, stdout) = debug_session(&gdb, Some("jit"), &[], &commands);
    // From the `b` into the loop condition: cmp, b.le back to the body, into the call.
    let expected_pcs = [
        compute + 0x38,
        compute + 0x3c,
        compute + 0x40,
        compute + 0x44,
        compute + 0x1c,
        compute + 0x20,
        compute + 0x24,
        add_scaled,
    ];
    let values = printed_values(&t);
    assert_eq!(values.len(), 12, "values printed in:\n{t}");
    let pcs: Vec<String> = expected_pcs.iter().map(|a| format!("{a:#x}")).collect();
    assert_eq!(values[..8], pcs[..], "transcript:\n{t}");
    assert_eq!(values[8], format!("{:#x}", compute + 0x28), "x30 after bl");
    assert_line(&t, "0 instructions single-stepped in this session");
    assert_line(&t, "8 instructions single-stepped in this session");
    // The guest's instruction counter advanced by exactly the 8 steps.
    let executed: Vec<u64> = t
        .lines()
        .filter_map(|l| l.strip_suffix(" instructions executed")?.parse().ok())
        .collect();
    assert_eq!(executed.len(), 2, "two icount reports in:\n{t}");
    assert!(executed[0] > 1000, "start-up ran: {executed:?}");
    assert_eq!(executed[1] - executed[0], 8, "transcript:\n{t}");
    // The svc breakpoint, then one step: the write happened (x0 = bytes written).
    let at_svc = u64::from_str_radix(values[9].trim_start_matches("0x"), 16).expect("hex pc");
    assert!(svcs.contains(&at_svc), "stopped at {at_svc:#x}, not an svc");
    assert_eq!(values[10], format!("{:#x}", at_svc + 4));
    assert_eq!(values[11], "21", "write() returned its length");
    assert!(exited_with(&t, "036"), "no exit in:\n{t}");
    assert_eq!(status, Status::Exit(30));
    assert_eq!(stdout, "result=30 counter=42\n");
}

#[test]
fn watchpoints_stop_after_the_access_at_the_right_line() {
    let Some(gdb) = gdb_client("watchpoints_stop_after_the_access_at_the_right_line") else {
        return;
    };
    let sym = Symbols::load();
    let bump = sym.addr("bump_counter");
    let (t, status, stdout) = debug_session(
        &gdb,
        Some("jit"),
        &[],
        &cmds(&[
            "watch watched_counter",
            "continue",
            "p/x $pc",
            "delete",
            "rwatch watched_counter",
            "continue",
            "p/x $pc",
            "delete",
            "awatch watched_counter",
            "continue",
            "p/x $pc",
            "continue",
            "delete",
            "continue",
        ]),
    );
    assert_line(&t, "Hardware watchpoint 1: watched_counter");
    assert_line(&t, "Old value = 0");
    assert_line(&t, "New value = 42");
    // Stopped after the store of line 31, i.e. at the start of line 32.
    assert_line(&t, "bump_counter () at ./gdb_target.c:32");
    assert_line(&t, "32\t    watched_counter += 0;");
    assert_line(&t, "Hardware read watchpoint 2: watched_counter");
    assert_line(&t, "Value = 42");
    // The read is the `ldr` of line 32, at bump_counter+0x18; gdb stops after it.
    assert_line(
        &t,
        &format!(
            "0x{:016x} in bump_counter () at ./gdb_target.c:32",
            bump + 0x1c
        ),
    );
    // An access watchpoint: the store of line 32 (same value), then main's read.
    assert_line(
        &t,
        "Hardware access (read/write) watchpoint 3: watched_counter",
    );
    assert_line(&t, "bump_counter () at ./gdb_target.c:33");
    assert!(
        t.lines().any(|l| l.starts_with("0x")
            && l.contains(" in main (argc=1, argv=0x")
            && l.ends_with(") at ./gdb_target.c:51")),
        "no stop at main's read of the counter in:\n{t}"
    );
    let values = printed_values(&t);
    assert_eq!(
        values,
        [
            format!("{:#x}", bump + 0x10),
            format!("{:#x}", bump + 0x1c),
            format!("{:#x}", bump + 0x28)
        ]
    );
    assert!(exited_with(&t, "036"), "no exit in:\n{t}");
    assert_eq!(status, Status::Exit(30));
    assert_eq!(stdout, "result=30 counter=42\n");
}

#[test]
fn set_var_changes_the_programs_output() {
    let Some(gdb) = gdb_client("set_var_changes_the_programs_output") else {
        return;
    };
    let (t, status, stdout) = debug_session(
        &gdb,
        None,
        &[],
        &cmds(&[
            "hbreak compute",
            "continue",
            "p n",
            "set var multiplier = 10",
            "p multiplier",
            // Registers are writable too (x19, V0's high half, FPSR's QC bit are not
            // used by the rest of the program).
            "set var $x19 = 0x1234",
            "set var $v0.d.u[1] = 5",
            "set var $fpsr = 0x8000000",
            "p/x $x19",
            "p $v0.d.u[1]",
            "p/x $fpsr",
            "delete",
            "continue",
        ]),
    );
    assert!(
        t.lines()
            .any(|l| l.starts_with("Hardware assisted breakpoint 1 at ")),
        "no hardware breakpoint in:\n{t}"
    );
    assert_line(&t, "Breakpoint 1, compute (n=4) at ./gdb_target.c:23");
    assert_eq!(printed_values(&t), ["4", "10", "0x1234", "5", "0x8000000"]);
    // 10 * (1 + 2 + 3 + 4) = 100 = 0144.
    assert!(exited_with(&t, "0144"), "no exit in:\n{t}");
    assert_eq!(status, Status::Exit(100));
    assert_eq!(stdout, "result=100 counter=42\n");
}

#[test]
fn ctrl_c_interrupts_a_running_guest() {
    let Some(gdb) = gdb_client("ctrl_c_interrupts_a_running_guest") else {
        return;
    };
    let emu = start_emu(&program(), None, None, &["spin"]);
    let session = start_gdb(
        &gdb,
        emu.port,
        &cmds(&[
            "continue",
            "p spins > 0",
            "bt 1",
            "set var keep_spinning = 0",
            "continue",
        ]),
    );
    emu.wait_for_output("spinning\n");
    // Let the guest spin for a while (its loop gets compiled and chained), then press
    // Ctrl-C: gdb sends 0x03.
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: sends SIGINT to the gdb process this test started.
    unsafe { libc::kill(session.pid() as i32, libc::SIGINT) };
    let t = session.finish();
    let (status, stdout, _) = emu.finish();
    assert_line(&t, "Program received signal SIGINT, Interrupt.");
    assert_eq!(printed_values(&t), ["1"], "the loop ran; transcript:\n{t}");
    assert!(
        t.lines()
            .any(|l| l.starts_with("#0 ") && l.contains("spin () at ./gdb_target.c:3")),
        "not stopped in spin():\n{t}"
    );
    assert!(exited_with(&t, "036"), "no exit in:\n{t}");
    assert_eq!(status, Status::Exit(30));
    assert_eq!(stdout, "spinning\nresult=30 counter=42\n");
}

#[test]
fn monitor_commands_and_kill() {
    let Some(gdb) = gdb_client("monitor_commands_and_kill") else {
        return;
    };
    let sym = Symbols::load();
    let counter = sym.addr("watched_counter");
    let translate = format!("monitor translate {counter:#x}");
    let (t, status, stdout) = debug_session(
        &gdb,
        None,
        &[],
        &cmds(&[
            "monitor help",
            &translate,
            "monitor translate 0x10",
            "monitor regs",
            "monitor reset",
            "monitor icount",
            "kill",
        ]),
    );
    assert_line(
        &t,
        "  translate ADDR   how virtual address ADDR maps (user mode: the page's mapping)",
    );
    assert!(
        t.lines().any(|l| l.starts_with(&format!(
            "{counter:#x}: user mode, no page tables: guest VA = host 0x"
        )) && l.ends_with(&format!("page {:#x} rw-", counter & !0xfff))),
        "no translation of {counter:#x} in:\n{t}"
    );
    assert!(
        t.lines()
            .any(|l| l.starts_with("mapping: ") && l.contains(" rw-p ")),
        "no mapping line in:\n{t}"
    );
    assert_line(&t, "0x10: not mapped");
    assert!(t.contains("not applicable in user mode"), "{t}");
    assert_line(
        &t,
        "reset is not supported in user mode (restart the program instead)",
    );
    assert_line(&t, "0 instructions single-stepped in this session");
    // Nothing ran yet: gdb attached before the first instruction.
    assert_line(&t, "0 instructions executed");
    assert!(
        t.lines()
            .any(|l| l.starts_with("[Inferior 1 (process ") && l.ends_with(") killed]")),
        "not killed:\n{t}"
    );
    assert_eq!(status, Status::Signal(libc::SIGKILL));
    assert_eq!(stdout, "");
}

#[test]
fn detach_lets_the_program_run_to_its_end() {
    let Some(gdb) = gdb_client("detach_lets_the_program_run_to_its_end") else {
        return;
    };
    let (t, status, stdout) = debug_session(
        &gdb,
        None,
        &[],
        &cmds(&["break add_scaled", "continue", "detach"]),
    );
    assert_line(
        &t,
        "Breakpoint 1, add_scaled (a=0, b=1) at ./gdb_target.c:16",
    );
    assert!(
        t.lines()
            .any(|l| l.starts_with("[Inferior 1 (process ") && l.ends_with(") detached]")),
        "not detached:\n{t}"
    );
    // The breakpoint is gone with the debugger: the program finishes normally.
    assert_eq!(status, Status::Exit(30));
    assert_eq!(stdout, "result=30 counter=42\n");
}

#[test]
fn monitor_quit_ends_the_emulator() {
    let Some(gdb) = gdb_client("monitor_quit_ends_the_emulator") else {
        return;
    };
    let (t, status, stdout) = debug_session(
        &gdb,
        None,
        &[],
        &cmds(&["break compute", "continue", "monitor quit"]),
    );
    assert_line(&t, "Breakpoint 1, compute (n=4) at ./gdb_target.c:23");
    assert_line(&t, "emu: quitting");
    // Ended at the breakpoint: the program never printed its result.
    assert_eq!(status, Status::Exit(0));
    assert_eq!(stdout, "");
}

#[test]
fn bad_gdb_options_are_emulator_errors() {
    // No gdb needed: the options are refused before anything runs.
    let run = |args: &[&str]| {
        let mut cmd = Command::new(emu_binary());
        cmd.arg("run").args(args).arg(program());
        emu_tests::run_command(cmd, b"", TIMEOUT)
    };
    let bad_address = run(&["--gdb", "127.0.0.1:notaport"]);
    assert_eq!(bad_address.status, Status::Exit(125));
    assert!(
        bad_address
            .stderr_text()
            .contains("--gdb 127.0.0.1:notaport: "),
        "{}",
        bad_address.stderr_text()
    );
    assert_eq!(bad_address.stdout_text(), "");
    let wait_alone = run(&["--gdb-wait"]);
    assert_eq!(wait_alone.status, Status::Exit(125));
    assert!(
        wait_alone.stderr_text().starts_with("emu: arguments: "),
        "{}",
        wait_alone.stderr_text()
    );
}

#[test]
fn dynamically_linked_program_and_its_shared_libraries() {
    let Some(gdb) = gdb_client("dynamically_linked_program_and_its_shared_libraries") else {
        return;
    };
    let Some(root) = emu_tests::sysroot() else {
        skip(
            "dynamically_linked_program_and_its_shared_libraries",
            "no Debian sysroot (bash tests/fetch-debian-arm64.sh)",
        );
        return;
    };
    let program = guest_dir().join("libc_basics_dyn");
    let emu = start_emu(&program, Some(&root), None, &[]);
    let session = Gdb::start(
        &gdb,
        &guest_dir(),
        &program,
        Some(&root),
        emu.port,
        &cmds(&[
            "break puts",
            "continue",
            "info sharedlibrary",
            "delete",
            "continue",
        ]),
    );
    let t = session.finish();
    let (status, stdout, _) = emu.finish();
    // gdb found libc through the auxv and the dynamic linker's list, and the breakpoint
    // in it (a PIE program's library, at an address chosen at run time) stops.
    let libc = root.join("lib/aarch64-linux-gnu/libc.so.6");
    assert!(
        t.lines().any(|l| l.starts_with("Breakpoint 1, 0x")
            && l.ends_with(&format!(" in puts () from {}", libc.display()))),
        "no stop in libc's puts in:\n{t}"
    );
    for lib in [
        "lib/ld-linux-aarch64.so.1",
        "lib/aarch64-linux-gnu/libc.so.6",
    ] {
        let path = root.join(lib);
        assert!(
            t.lines()
                .any(|l| l.starts_with("0x") && l.ends_with(&path.display().to_string())),
            "{lib} not in info sharedlibrary:\n{t}"
        );
    }
    assert_line(&t, "[Inferior 1 (process 1) exited normally]");
    assert_eq!(status, Status::Exit(0));
    let expected = std::fs::read_to_string(guest_dir().join("expected/libc_basics_dyn.stdout"))
        .expect("recorded output");
    assert_eq!(stdout, expected);
}
