//! The execution runtime: finds the block at the guest pc, runs it in the interpreter tier
//! until it is hot, then compiles it with Cranelift and runs the compiled code.
//!
//! This is the one place that shows what happens to a guest instruction:
//! fetch + decode (`translate`) → interpret (`interpret`) → count → compile (`Jit`) → run.

use crate::debug::{self, DebugHooks, Watchpoint};
use crate::emit::{perm, CoreState, Emitter, Exit, SLOT_PC};
use crate::guest::Guest;
use crate::interp::Interp;
use crate::jit::{CompileError, Jit, JitFn, JitSettings, JobTag, LinkRequest};
use crate::mem::PAGE_SIZE;
use crate::memmodel::{CodePage, MemModel};
use smallvec::SmallVec;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When blocks move from the interpreter to compiled code.
#[derive(Clone, Copy, Debug)]
pub struct TierConfig {
    /// Compile a block after it has run this many times in the interpreter
    /// (0: compile every block before its first run).
    pub threshold: u32,
    /// `false`: never compile (interpreter only).
    pub jit: bool,
    /// The most guest instructions in one block.
    pub max_block_insns: usize,
    /// Cranelift settings and code cache size.
    pub jit_settings: JitSettings,
    /// Link compiled blocks' direct branches to their compiled successors.
    pub chaining: bool,
    /// Count guest instructions in `CoreState::icount` (per block, in both tiers) and
    /// return [`Exit::INTERRUPT`] before a block once `icount >= icount_limit`.
    pub count_insns: bool,
    /// Compile hot blocks on a worker thread while the interpreter keeps running them
    /// (`threshold > 0` only). `false`: compile on the vCPU thread, so when a block
    /// switches tiers depends only on the guest's execution (`--deterministic` runs
    /// and `--jit-threads 0`); compiling is also synchronous while a debugger is attached.
    pub background_compile: bool,
}

impl Default for TierConfig {
    fn default() -> Self {
        TierConfig {
            // Measured (release, 2-core machine): the Debian kernel's boot to a shell took
            // 3.8 s of CPU at 200 and 2.8 s at 1000; python3 startup 1.05 s vs 0.69 s;
            // xz -9 the same. Compiling is ~0.3 ms per block, so only code that runs
            // often repays it.
            // Retuned with background compiles (load average 7-9 from other work, CPU
            // seconds from `perf record -e task-clock` split by thread, medians of 3-7
            // runs; vCPU thread + worker): Debian boot to the prompt, synchronous at 1000:
            // 3.33; background at 1000: 2.60 + 0.72, 500: 2.63 + 1.20, 300: 2.70 + 1.33,
            // 200: 2.60 + 1.28, 100: 3.12 + 1.65 (twice as many blocks compiled for no
            // gain on the vCPU thread, and the extra worker CPU costs wall time on a busy
            // host: wall medians 7.4 s at 1000, 12.5 s at 500). python_workload.py:
            // synchronous 4.28; background 1000: 4.03 + 0.40, 500: 3.68 + 0.54, 200: 3.81
            // + 0.68. xz -9: 4.60 everywhere (it runs few, very hot blocks). So 1000 stays.
            threshold: 1000,
            jit: true,
            max_block_insns: 64,
            jit_settings: JitSettings::default(),
            chaining: true,
            count_insns: false,
            background_compile: true,
        }
    }
}

/// Counters for `--stats`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub blocks_translated: u64,
    pub blocks_compiled: u64,
    pub compile_failures: u64,
    pub compile_time: Duration,
    pub interp_block_runs: u64,
    /// Entries from the run loop into compiled code (chained blocks are not counted).
    pub jit_block_runs: u64,
    pub flushes: u64,
    /// Code cache resets because it was full.
    pub cache_resets: u64,
    /// Direct-branch exits linked to their compiled successor.
    pub chain_links: u64,
    /// Blocks dropped because a store changed their page (system mode).
    pub blocks_invalidated: u64,
    /// Blocks kept after a store to their page because their instructions were
    /// unchanged when they next ran (system mode).
    pub blocks_revalidated: u64,
    /// Compiles handed to the background worker.
    pub compiles_queued: u64,
    /// Background results thrown away: their block was dropped or retranslated, or the
    /// code cache was flushed meanwhile.
    pub compiles_discarded: u64,
    /// Times a hot block could not be queued because the worker's queue was full (it
    /// asks again on its next run).
    pub queue_full: u64,
    /// Hot blocks compiled on the vCPU thread after all because the worker was too far
    /// behind (see `STARVED`).
    pub compiles_inline: u64,
    /// Compiles moved to the front of the worker's queue because their block kept
    /// running while it waited (see `PATIENCE`).
    pub compiles_hurried: u64,
    /// Guest accesses in compiled code that faulted in the host (user mode), each
    /// re-run in the interpreter from its restart point.
    pub host_faults: u64,
    /// Guest accesses that compiled code left to the interpreter without trying them
    /// (outside the guest space), re-run from their restart point likewise.
    pub restarts: u64,
}

/// Background compiles (`TierConfig::background_compile`): runs of a hot block past the
/// threshold after which its job, if the worker has not got to it, moves to the front of
/// the worker's queue (or enters it although it is full). A block that runs this often
/// while it waits is where the guest is spending its time now, and the queue holds
/// blocks that were hot earlier. (Compiling it on the vCPU thread instead, as this used
/// to do, put ~210 compiles per Debian boot on that thread, the one the guest waits for;
/// now 16-22.)
const PATIENCE: u32 = 1000;

/// Runs past the threshold after which a block whose job is still waiting is compiled on
/// the vCPU thread: a job at the front of the queue waits only for the one the worker
/// has in hand, so if it has not started by now the worker is not getting CPU (a busy
/// host). Without this the interpreter ran hot blocks for millions of extra runs (Debian
/// boot, threshold 200, load average 6: interpreter block runs 7.5M → 17M).
const STARVED: u32 = 4 * PATIENCE;

/// After [`STARVED`], how often (in runs) a waiting block tries to take its job back
/// (it cannot once the worker has started it).
const STEAL_RETRY: u32 = 64;

/// After a host fault in compiled code: blocks interpreted from the restart point before
/// compiled code runs again. The faulting access is at most one compiled function's
/// path away, so the interpreter normally reaches it (and raises the guest fault) well
/// within this; if it does not (another thread mapped the page meanwhile), compiled code
/// simply resumes, each round having moved the guest forward.
const RESTART_INTERP_BLOCKS: u32 = 256;

/// Bumped whenever translated code anywhere in the process may be stale (code pages
/// unmapped or remapped, `IC IVAU`); every runtime flushes its caches when it sees a change.
static CODE_GENERATION: AtomicU64 = AtomicU64::new(0);

/// Tell every runtime in the process (all guest threads) to drop its translations.
pub fn invalidate_all_code() {
    CODE_GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// One decoded block.
struct Block<G: Guest> {
    pc: u64,
    /// System mode: the host address of `pc`'s instruction in guest RAM, which stands
    /// for `pa` one to one (code only ever comes from RAM), so the run loop can check a
    /// block against an inline TLB hit without computing the physical address. 0 in user
    /// mode.
    host: usize,
    code: Option<JitFn>,
    runs: u32,
    /// Cranelift refused this block once: keep interpreting it.
    compile_failed: bool,
    /// Its compile is queued on the worker: keep interpreting it until it arrives.
    queued: bool,
    /// System mode: its page was written since it was last checked; the run loop checks
    /// its words before running it (see [`Runtime::mark_written_pages_suspect`]).
    suspect: bool,
    /// The block that ran after this one last time and the pc it was looked up for,
    /// valid while no block has been dropped since (`next_epoch` is the runtime's
    /// `drop_epoch` then). See [`Runtime::successor`].
    next: *mut Block<G>,
    next_pc: u64,
    next_epoch: u64,
    /// Inline up to [`INLINE_INSNS`]: the run loop's cost for cold code is mostly cache
    /// misses (the jump cache slot, the block, its instructions), and most blocks are
    /// short, so their instructions share the block's allocation (and cache lines).
    insns: SmallVec<[G::Insn; INLINE_INSNS]>,
    /// Physical address of `pc` in system mode (the block is only valid while `pc`
    /// translates there); equal to `pc` in user mode.
    pa: u64,
    /// Unique per runtime, so a background result finds exactly the block it was
    /// built from (not a later translation at the same address).
    id: u64,
}

/// Instructions a block keeps in its own allocation (8 bytes each for A64).
const INLINE_INSNS: usize = 8;

/// Entries of the direct-mapped pc → block cache in front of the block map (16 bytes
/// each: 512 KiB). A Debian kernel boot translates ~75k blocks; with 4096 entries a
/// third of the run loop's time went to hashing and cache-missing map probes.
const JUMP_CACHE_SIZE: usize = 32768;

/// The block map's hasher: guest addresses are already well spread in their middle bits,
/// so a multiply-and-fold is plenty (SipHash showed up in profiles).
#[derive(Default, Clone, Copy)]
struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        let x = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = x ^ (x >> 29);
    }
}

type AddrMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<AddrHasher>>;

/// One per guest thread: its block cache, jump cache and compiler.
pub struct Runtime<G: Guest> {
    mem: MemModel,
    cfg: TierConfig,
    /// Keyed by (pc, pa): one VA may hold different code in different address spaces.
    blocks: AddrMap<(u64, u64), Box<Block<G>>>,
    /// System mode: the blocks of each physical page, so that a store to a page drops
    /// just its translations. (Chaining never leaves a page in system mode, and other
    /// pages reach compiled code only through the indirect-branch cache, whose entries
    /// for dropped blocks are dropped with them, so no live code jumps into dropped code.)
    blocks_by_page: AddrMap<u64, Vec<(u64, u64)>>,
    invalidated: Vec<u64>,
    /// Direct-mapped pc → block, in front of the hash map.
    jump_cache: Box<[(u64, *mut Block<G>)]>,
    jit: Option<Jit>,
    generation: u64,
    /// The chaining cell the last compiled block left through, waiting for its
    /// successor (the block at the new pc) to be compiled.
    pending_link: Option<LinkRequest>,
    /// `Block::id` of the next block translated.
    next_block_id: u64,
    pub stats: Stats,
    /// Log each block translated (`--trace in_asm`).
    pub trace_in_asm: bool,
    /// Log each block executed (`--trace exec`; chained blocks are not logged, so
    /// tracing turns chaining off).
    pub trace_exec: bool,
    /// Only blocks starting in this range are traced (in_asm, exec).
    pub trace_range: std::ops::Range<u64>,
    /// Breakpoints, watchpoints and single-stepping asked for by a debugger.
    debug: DebugHooks,
    /// `debug` is not empty: the run loop consults it at each block boundary.
    debugging: bool,
    /// Blocks still to interpret after a host fault (see [`RESTART_INTERP_BLOCKS`]).
    restart_budget: u32,
    /// Bumped whenever blocks are freed, which makes every `Block::next` link (and the
    /// run loop's previous block) stale at once.
    drop_epoch: u64,
}

// SAFETY: the raw pointers in the jump cache point into this runtime's own boxes.
unsafe impl<G: Guest> Send for Runtime<G> {}

impl<G: Guest> Runtime<G> {
    /// A runtime for one guest thread. If the JIT cannot be set up (no executable
    /// memory), it logs a warning and interprets everything.
    pub fn new(mem: impl Into<MemModel>, mut cfg: TierConfig) -> Result<Self, String> {
        let mem = mem.into();
        cfg.jit_settings.count_insns = cfg.count_insns;
        let generation = CODE_GENERATION.load(Ordering::SeqCst);
        let jit = if cfg.jit {
            match Jit::with_settings(mem, cfg.jit_settings) {
                Ok(mut j) => {
                    j.set_generation(&CODE_GENERATION, generation);
                    Some(j)
                }
                Err(e) => {
                    // E.g. a host that refuses writable+executable mappings: the
                    // interpreter still runs everything, just slower.
                    tracing::warn!("JIT unavailable ({e}); running interpreter-only");
                    None
                }
            }
        } else {
            None
        };
        Ok(Runtime {
            mem,
            cfg,
            blocks: AddrMap::default(),
            blocks_by_page: AddrMap::default(),
            invalidated: Vec::new(),
            jump_cache: vec![(u64::MAX, std::ptr::null_mut()); JUMP_CACHE_SIZE].into_boxed_slice(),
            jit,
            generation,
            pending_link: None,
            next_block_id: 0,
            stats: Stats::default(),
            trace_in_asm: false,
            trace_exec: false,
            trace_range: 0..u64::MAX,
            debug: DebugHooks::default(),
            debugging: false,
            restart_budget: 0,
            drop_epoch: 1,
        })
    }

    pub fn debug_hooks(&self) -> &DebugHooks {
        &self.debug
    }

    /// Installs a debugger's breakpoints, watchpoints and single-step request (see
    /// [`crate::debug`]). A changed breakpoint set drops all translations, since blocks
    /// that ran over a new breakpoint address must be cut there; while breakpoints are
    /// set, compiled code does not follow jumps (it would run past them).
    pub fn set_debug_hooks(&mut self, hooks: DebugHooks) {
        let breakpoints_changed = hooks.breakpoints != self.debug.breakpoints;
        self.debugging = hooks != DebugHooks::default();
        if breakpoints_changed {
            if let Some(jit) = &mut self.jit {
                jit.set_follow_jumps(
                    self.cfg.jit_settings.follow_jumps && hooks.breakpoints.is_empty(),
                );
            }
        }
        self.debug = hooks;
        if breakpoints_changed {
            self.flush();
        }
    }

    pub fn config(&self) -> TierConfig {
        self.cfg
    }

    /// Drops every translation.
    pub fn flush(&mut self) {
        self.drop_epoch += 1;
        self.blocks.clear();
        self.blocks_by_page.clear();
        self.jump_cache.fill((u64::MAX, std::ptr::null_mut()));
        self.pending_link = None;
        if let Some(j) = &mut self.jit {
            j.flush();
            j.set_generation(&CODE_GENERATION, self.generation);
        }
        self.stats.flushes += 1;
    }

    /// Marks the blocks of the physical pages the architecture says were written as
    /// suspect: the first one to run again checks every block of its page against guest
    /// memory ([`Runtime::revalidate_page`]).
    ///
    /// A store to a code page reports the whole page (and lets later stores to it run
    /// unchecked until something marks it again), so the instruction words themselves
    /// are the only reliable record of what changed. Comparing them keeps the blocks of
    /// a page whose data (not code) was written, or whose other instructions were
    /// patched: the Debian kernel's boot writes 900 times to 585 pages holding
    /// translated code (static keys and alternatives patch an instruction at a time;
    /// freed memory is reused), and dropping every block on them threw away 25,000
    /// blocks, 600 of them compiled, to be translated again and run through the
    /// interpreter again. The check waits until the page's code runs again because
    /// re-marking the page at once would send every later data store to it through the
    /// slow path and back to the run loop (445,000 page checks in that boot).
    ///
    /// Until then nothing reaches a suspect block's compiled code without the run loop's
    /// lookup, which checks the flag: its indirect-branch cache entry is dropped here,
    /// and chained jumps only link blocks of one page (system mode), which all turn
    /// suspect together and are all checked together; a check that drops a block
    /// unlinks the chained jumps into its code.
    ///
    /// # Safety
    /// As for [`Runtime::run`].
    unsafe fn mark_written_pages_suspect(
        &mut self,
        sm: crate::memmodel::SystemMemory,
        state: *mut u8,
    ) {
        self.invalidated.clear();
        // SAFETY: caller's contract.
        unsafe { (sm.take_invalidated)(state, &mut self.invalidated) };
        for i in 0..self.invalidated.len() {
            let page = self.invalidated[i] & !(PAGE_SIZE - 1);
            let Some(keys) = self.blocks_by_page.get(&page) else {
                continue;
            };
            for key in keys {
                let Some(b) = self.blocks.get_mut(key) else {
                    continue;
                };
                b.suspect = true;
                if let (Some(code), Some(jit)) = (b.code, &mut self.jit) {
                    jit.forget_indirect_target(b.pc, code);
                }
            }
        }
    }

    /// Checks every block of physical page `page` (some suspect) against guest memory:
    /// drops those whose words changed and, if any are left, marks the page as code
    /// again so that the next store to it is reported.
    ///
    /// # Safety
    /// As for [`Runtime::run`].
    unsafe fn revalidate_page(
        &mut self,
        sm: crate::memmodel::SystemMemory,
        state: *mut u8,
        page: u64,
    ) {
        let Some(keys) = self.blocks_by_page.remove(&page) else {
            return;
        };
        let mut kept = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(b) = self.blocks.get_mut(&key) else {
                continue;
            };
            // SAFETY: `host` is where the block's words are in guest RAM, which stays
            // mapped for the machine's life; a block never leaves its page.
            if unsafe { Self::words_unchanged(b) } {
                if b.suspect {
                    b.suspect = false;
                    self.stats.blocks_revalidated += 1;
                }
                kept.push(key);
                continue;
            }
            if let Some(b) = self.blocks.remove(&key) {
                self.drop_epoch += 1;
                if let (Some(code), Some(jit)) = (b.code, &mut self.jit) {
                    jit.forget_indirect_target(b.pc, code);
                    // Kept blocks of the page may be chained to it.
                    jit.unlink_into(code);
                }
                let slot = ((key.0 >> 2) as usize) & (JUMP_CACHE_SIZE - 1);
                if std::ptr::eq(self.jump_cache[slot].1, &*b) {
                    self.jump_cache[slot] = (u64::MAX, std::ptr::null_mut());
                }
                self.stats.blocks_invalidated += 1;
            }
        }
        if !kept.is_empty() {
            // SAFETY: caller's contract.
            unsafe { (sm.mark_code)(state, page) };
            self.blocks_by_page.insert(page, kept);
        }
    }

    /// Whether guest memory still holds the instruction words `b` was decoded from.
    ///
    /// # Safety
    /// `b.host` must point at `b.insns.len()` readable words (system mode's guest RAM).
    unsafe fn words_unchanged(b: &Block<G>) -> bool {
        if b.host == 0 {
            return false;
        }
        b.insns.iter().enumerate().all(|(i, insn)| {
            // SAFETY: caller's contract.
            let raw = unsafe { ((b.host + 4 * i) as *const u32).read_unaligned() };
            u32::from_le(raw) == G::encoding(insn)
        })
    }

    /// Drops all compiled code but keeps the decoded blocks (the code cache is full).
    /// Blocks that were compiled get compiled again on their next run.
    fn drop_compiled_code(&mut self) {
        for b in self.blocks.values_mut() {
            // Queued compiles are void too (built for the old epoch): ask again.
            if b.code.take().is_some() || b.queued {
                b.runs = self.cfg.threshold;
                b.queued = false;
            }
        }
        self.pending_link = None;
        if let Some(j) = &mut self.jit {
            j.flush();
        }
        self.stats.cache_resets += 1;
    }

    /// Runs guest code from `state.pc` until something other than a plain jump happens.
    ///
    /// # Safety
    /// `state` must point to the guest's CPU state struct (with [`CoreState`] first), valid
    /// for the whole call and used by no other thread meanwhile.
    pub unsafe fn run(&mut self, state: *mut u8) -> Exit {
        let core = state as *mut CoreState;
        self.pending_link = None;
        if let MemModel::System(sm) = self.mem {
            // SAFETY: caller's contract.
            unsafe { self.mark_written_pages_suspect(sm, state) };
        }
        // The block that ran last, if it ended by jumping to `pc` (see `lookup`), while
        // `drop_epoch` says it is still alive.
        let mut prev: *mut Block<G> = std::ptr::null_mut();
        let mut prev_epoch = 0;
        loop {
            // SAFETY: caller's contract; `interrupt` may be written by signal handlers.
            if unsafe { std::ptr::read_volatile(&(*core).interrupt) } != 0 {
                return Exit::INTERRUPT;
            }
            // SAFETY: caller's contract.
            if self.cfg.count_insns && unsafe { (*core).icount >= (*core).icount_limit } {
                return Exit::INTERRUPT;
            }
            let gen = CODE_GENERATION.load(Ordering::Relaxed);
            if gen != self.generation {
                self.generation = gen;
                self.flush();
                if let MemModel::System(sm) = self.mem {
                    // SAFETY: caller's contract.
                    unsafe { (sm.code_flushed)(state) };
                }
            }
            if self.jit.as_ref().is_some_and(Jit::has_compiled) {
                self.collect_compiled();
            }
            // SAFETY: caller's contract.
            let pc = unsafe { (*core).pc };
            if self.debugging {
                // SAFETY: caller's contract.
                if let Some(exit) = unsafe { self.debug_at_block_start(pc, state) } {
                    return exit;
                }
            }
            let from = if prev_epoch == self.drop_epoch {
                prev
            } else {
                std::ptr::null_mut()
            };
            prev = std::ptr::null_mut();
            let (blk, host) = match self.lookup(state, pc, from) {
                Ok(b) => b,
                Err(addr) => {
                    // SAFETY: caller's contract.
                    unsafe { (*core).fault_addr = addr };
                    return Exit::FAULT_EXEC;
                }
            };
            let (blk_pc, n_insns, mut code, compile_failed) = {
                // SAFETY: blk points into self.blocks (boxed, so stable); only `compile`
                // below may replace blocks' code, and it never removes blocks.
                let b = unsafe { &*blk };
                (b.pc, b.insns.len(), b.code, b.compile_failed)
            };
            if self.trace_exec && self.trace_range.contains(&blk_pc) {
                tracing::trace!(target: "exec", "block {blk_pc:#x} ({n_insns} insns)");
            }
            // Watchpoints are checked by the interpreter only: while any is set, compiled
            // code does not run (see crate::debug).
            let watching = !self.debug.watchpoints.is_empty();
            let restarting = self.restart_budget > 0;
            if watching || restarting {
                code = None;
            }
            if code.is_none() && self.jit.is_some() && !compile_failed && !watching && !restarting {
                // SAFETY: as above.
                let runs = unsafe {
                    (*blk).runs = (*blk).runs.saturating_add(1);
                    (*blk).runs
                };
                if runs > self.cfg.threshold {
                    if self.cfg.background_compile && !self.debugging {
                        self.queue_compile(blk, runs - self.cfg.threshold);
                    } else {
                        self.compile(blk);
                    }
                    // SAFETY: as above (compile keeps blocks alive).
                    code = unsafe { (*blk).code };
                }
            }
            let pending = self.pending_link.take();
            let exit = match (code, &mut self.jit) {
                (Some(code), Some(jit)) => {
                    let chaining = self.cfg.chaining && !self.trace_exec;
                    if chaining {
                        // In system mode, compiled code files link requests only for
                        // branches within its own page (see jit/emitter/control.rs), so
                        // the target's translation is the one its source ran under.
                        if let Some(req) = pending {
                            if jit.link(req, code) {
                                self.stats.chain_links += 1;
                            }
                        }
                        // System mode: the entry records where `blk_pc` was fetched
                        // from; compiled code checks that against the TLB before use.
                        jit.remember_indirect_target(blk_pc, host, code);
                    }
                    self.stats.jit_block_runs += 1;
                    // SAFETY: code belongs to this Jit's current epoch (every flush and
                    // cache reset drops all blocks' code) and was compiled for this guest.
                    let e = unsafe { jit.run(code, state) };
                    let request = jit.take_link_request();
                    if chaining && e == Exit::JUMP {
                        self.pending_link = request;
                    }
                    if e == Exit::HOST_FAULT || e == Exit::RESTART {
                        // pc is the restart point: interpret from there to the access.
                        if e == Exit::HOST_FAULT {
                            self.stats.host_faults += 1;
                        } else {
                            self.stats.restarts += 1;
                        }
                        self.restart_budget = RESTART_INTERP_BLOCKS;
                        continue;
                    }
                    e
                }
                _ => {
                    self.stats.interp_block_runs += 1;
                    if self.cfg.count_insns {
                        // SAFETY: caller's contract.
                        unsafe { (*core).icount += n_insns as u64 };
                    }
                    // SAFETY: caller's contract; blk is alive (see above).
                    let e =
                        unsafe { Self::interpret(&*blk, state, self.mem, &self.debug.watchpoints) };
                    if restarting {
                        self.restart_budget = if e == Exit::JUMP {
                            self.restart_budget - 1
                        } else {
                            0
                        };
                    }
                    e
                }
            };
            self.after_exit(exit, state);
            if exit == Exit::JUMP {
                prev = blk;
                prev_epoch = self.drop_epoch;
            } else if exit != Exit::FLUSH_CODE {
                return exit;
            }
        }
    }

    fn after_exit(&mut self, exit: Exit, state: *mut u8) {
        if exit == Exit::FLUSH_CODE {
            // The exiting instruction (IC IVAU and friends) asked for its range to be
            // re-translated; other threads learn of it through the generation counter.
            let _ = state;
            invalidate_all_code();
        }
    }

    /// The debugger's part of the run loop, before the block at `pc` runs: a single step,
    /// or a stop at a breakpoint. `Some(exit)`: return it from [`Runtime::run`].
    ///
    /// # Safety
    /// As for [`Runtime::run`].
    unsafe fn debug_at_block_start(&mut self, pc: u64, state: *mut u8) -> Option<Exit> {
        let core = state as *mut CoreState;
        if self.debug.single_step {
            // SAFETY: caller's contract.
            return Some(unsafe { self.step_one(pc, state) });
        }
        if self.debug.is_breakpoint(pc) {
            // SAFETY: caller's contract.
            unsafe { (*core).exit_arg = debug::reason::BREAKPOINT };
            return Some(Exit::DEBUG);
        }
        None
    }

    /// Runs exactly the one instruction at `pc` in the interpreter, outside the block
    /// cache (so nothing is chained or compiled), and says how it ended: a finished step
    /// is [`Exit::DEBUG`] with reason STEP; any other exit (fault, SVC, watchpoint...) is
    /// returned as it is.
    ///
    /// # Safety
    /// As for [`Runtime::run`].
    unsafe fn step_one(&mut self, pc: u64, state: *mut u8) -> Exit {
        let core = state as *mut CoreState;
        let blk = match self
            .locate(state, pc)
            .and_then(|page| self.translate(state, pc, page, 1))
        {
            Ok(b) => b,
            Err(addr) => {
                // SAFETY: caller's contract.
                unsafe { (*core).fault_addr = addr };
                return Exit::FAULT_EXEC;
            }
        };
        // An instruction that synchronises the context after `IC IVAU` exits once with
        // FLUSH_CODE at itself and runs for real the second time.
        for _ in 0..2 {
            self.stats.interp_block_runs += 1;
            if self.cfg.count_insns {
                // SAFETY: caller's contract.
                unsafe { (*core).icount += 1 };
            }
            // SAFETY: caller's contract.
            let exit = unsafe { Self::interpret(&blk, state, self.mem, &self.debug.watchpoints) };
            self.after_exit(exit, state);
            if exit == Exit::JUMP {
                // SAFETY: caller's contract.
                unsafe { (*core).exit_arg = debug::reason::STEP };
                return Exit::DEBUG;
            }
            if exit != Exit::FLUSH_CODE {
                return exit;
            }
        }
        // SAFETY: caller's contract.
        unsafe { (*core).exit_arg = debug::reason::STEP };
        Exit::DEBUG
    }

    /// Runs a block in the interpreter tier, stopping before any access that triggers one
    /// of `watchpoints`.
    ///
    /// # Safety
    /// As for [`Runtime::run`].
    unsafe fn interpret(
        blk: &Block<G>,
        state: *mut u8,
        mem: MemModel,
        watchpoints: &[Watchpoint],
    ) -> Exit {
        // SAFETY: caller's contract.
        let mut it = unsafe { Interp::new(state, mem) };
        if !watchpoints.is_empty() {
            // SAFETY: the list outlives this interpreter, which is dropped on return.
            unsafe { it.set_watchpoints(watchpoints) };
        }
        let mut pc = blk.pc;
        for insn in blk.insns.iter() {
            it.begin_insn(pc);
            if let Err(e) = G::interpret(&mut it, insn, pc) {
                return e;
            }
            if let Some(e) = it.ended {
                return e;
            }
            pc += 4;
        }
        // The block was cut (length cap, page end): continue after it.
        it.set(SLOT_PC, pc);
        Exit::JUMP
    }

    /// Compiles `blk` (which is alive: in `self.blocks` or about to be inserted).
    fn compile(&mut self, blk: *mut Block<G>) {
        if self.jit.is_none() {
            return;
        }
        let t = Instant::now();
        let mut result = self.compile_once(blk);
        if result == Err(CompileError::CacheFull) {
            self.drop_compiled_code();
            result = self.compile_once(blk);
        }
        self.stats.compile_time += t.elapsed();
        // SAFETY: caller's contract.
        let blk = unsafe { &mut *blk };
        match result {
            Ok(c) => {
                self.stats.blocks_compiled += 1;
                blk.code = Some(c);
            }
            Err(_) => {
                self.stats.compile_failures += 1;
                // Stay in the interpreter; do not retry on every run.
                blk.compile_failed = true;
                blk.code = None;
            }
        }
    }

    /// Hands hot `blk` (alive, in `self.blocks`), which has run `waited` times since it
    /// became hot, to the background compiler; it keeps running in the interpreter until
    /// [`Runtime::collect_compiled`] installs its code. A block that keeps waiting jumps
    /// the queue after [`PATIENCE`] runs and is compiled here after [`STARVED`].
    fn queue_compile(&mut self, blk: *mut Block<G>, waited: u32) {
        let Some(jit) = &mut self.jit else { return };
        if !jit.can_queue() {
            self.compile(blk);
            return;
        }
        // SAFETY: as for `compile`.
        let b = unsafe { &mut *blk };
        let tag = JobTag {
            pc: b.pc,
            pa: b.pa,
            id: b.id,
        };
        if b.queued {
            if waited == PATIENCE && jit.hurry(tag) {
                self.stats.compiles_hurried += 1;
            }
            // (A job the worker has in hand is done within a compile's time: try again
            // a while later rather than on every run.)
            if waited >= STARVED && waited.is_multiple_of(STEAL_RETRY) {
                let t = Instant::now();
                if let Some(result) = jit.compile_queued_now(tag) {
                    self.stats.compile_time += t.elapsed();
                    self.stats.compiles_inline += 1;
                    b.queued = false;
                    match result {
                        Ok(c) => {
                            self.stats.blocks_compiled += 1;
                            b.code = Some(c);
                        }
                        // Asks again on its next run.
                        Err(CompileError::CacheFull) => self.drop_compiled_code(),
                        Err(CompileError::Failed) => {
                            self.stats.compile_failures += 1;
                            b.compile_failed = true;
                        }
                    }
                }
            }
            return;
        }
        let t = Instant::now();
        // Past its patience a block no longer waits for room in the queue.
        let urgent = waited >= PATIENCE;
        if jit.queue_block::<G>(tag, &b.insns, urgent) {
            b.queued = true;
            self.stats.compiles_queued += 1;
            if urgent {
                self.stats.compiles_hurried += 1;
            }
            // Building the IR is part of the compile cost (on this thread).
            self.stats.compile_time += t.elapsed();
        } else if !jit.can_queue() {
            // The worker just died.
            self.compile(blk);
        } else {
            self.stats.queue_full += 1;
        }
    }

    /// Installs the background compiles that have finished into their blocks, if those
    /// blocks are still the ones the code was built from.
    fn collect_compiled(&mut self) {
        loop {
            let Some(jit) = &mut self.jit else { return };
            let Some(done) = jit.poll_compiled() else {
                return;
            };
            self.stats.compile_time += done.time;
            let JobTag { pc, pa, id } = done.tag;
            let (Some(code), Some(blk)) = (done.code, self.blocks.get_mut(&(pc, pa))) else {
                // Built for an older epoch (the flush or cache reset since dropped or
                // un-queued its block), or its block was dropped (page written).
                self.stats.compiles_discarded += 1;
                continue;
            };
            if blk.id != id || !blk.queued {
                // Retranslated since.
                self.stats.compiles_discarded += 1;
                continue;
            }
            blk.queued = false;
            let result = code.and_then(|bytes| jit.install(pc, &bytes));
            match result {
                Ok(c) => {
                    self.stats.blocks_compiled += 1;
                    blk.code = Some(c);
                }
                Err(CompileError::CacheFull) => {
                    // Its cells are gone with the cache: it asks again on its next run.
                    self.stats.compiles_discarded += 1;
                    self.drop_compiled_code();
                }
                Err(CompileError::Failed) => {
                    self.stats.compile_failures += 1;
                    blk.compile_failed = true;
                }
            }
        }
    }

    /// In the child of a host fork (user mode): the compile worker thread is gone, so
    /// blocks waiting for it must ask again.
    pub fn after_fork_child(&mut self) {
        if let Some(jit) = &mut self.jit {
            jit.forget_worker();
        }
        for b in self.blocks.values_mut() {
            if b.queued {
                b.queued = false;
                b.runs = self.cfg.threshold;
            }
        }
    }

    fn compile_once(&mut self, blk: *mut Block<G>) -> Result<JitFn, CompileError> {
        let Some(jit) = &mut self.jit else {
            return Err(CompileError::Failed);
        };
        // SAFETY: compile's contract; nothing else touches the block meanwhile.
        let blk = unsafe { &*blk };
        jit.compile_block::<G>(blk.pc, &blk.insns)
    }

    /// Where the code at `pc` lives: in system mode, its translation now (which may fault:
    /// `Err(pc)`, the architecture has recorded why); in user mode, `pc` itself.
    fn locate(&self, state: *mut u8, pc: u64) -> Result<Option<CodePage>, u64> {
        match self.mem {
            MemModel::User(_) => Ok(None),
            MemModel::System(sm) => {
                if !pc.is_multiple_of(4) {
                    return Err(pc);
                }
                // SAFETY: `run`'s contract on `state`.
                unsafe { (sm.fetch)(state, pc) }.map(Some).map_err(|_| pc)
            }
        }
    }

    /// Finds or translates the block at `pc`; also returns the host address of the
    /// instruction at `pc` in system mode (0 in user mode). `Err` is the address whose
    /// fetch faulted.
    ///
    /// `from` (null or a live block: the one that ran just before, see
    /// [`Block::next`]) remembers the answer, and gives it next time without the jump
    /// cache.
    fn lookup(
        &mut self,
        state: *mut u8,
        pc: u64,
        from: *mut Block<G>,
    ) -> Result<(*mut Block<G>, usize), u64> {
        // SAFETY: `from` is null or live (caller's contract); `run`'s contract on state.
        let mut found = match unsafe { self.successor(from, state, pc) } {
            Some(hit) => hit,
            None => self.lookup_cached(state, pc)?,
        };
        let epoch = self.drop_epoch;
        // SAFETY: lookup_cached returns live blocks.
        if unsafe { (*found.0).suspect } {
            if let MemModel::System(sm) = self.mem {
                // SAFETY: as above; `run`'s contract on `state`.
                unsafe {
                    let page = (*found.0).pa & !(PAGE_SIZE - 1);
                    self.revalidate_page(sm, state, page);
                }
            }
            // The block at pc is now checked, or gone and translated again.
            found = self.lookup_cached(state, pc)?;
        }
        // (If the check dropped blocks, `from` may be one of them.)
        if !from.is_null() && epoch == self.drop_epoch {
            // SAFETY: live, as above.
            unsafe {
                (*from).next = found.0;
                (*from).next_pc = pc;
                (*from).next_epoch = epoch;
            }
        }
        Ok(found)
    }

    /// The block `from` ran into last time, if that is still the block at `pc`: the
    /// interpreter tier's chaining. A cold block's run is mostly cache misses, and this
    /// skips the jump cache's (the answer sits in `from`'s header, which was just read).
    ///
    /// # Safety
    /// `from` is null or a live block; `state` as for [`Runtime::run`].
    #[inline]
    unsafe fn successor(
        &self,
        from: *mut Block<G>,
        state: *mut u8,
        pc: u64,
    ) -> Option<(*mut Block<G>, usize)> {
        if from.is_null() {
            return None;
        }
        // SAFETY: caller's contract.
        let (next, next_pc, next_epoch) =
            unsafe { ((*from).next, (*from).next_pc, (*from).next_epoch) };
        if next.is_null() || next_pc != pc || next_epoch != self.drop_epoch {
            return None;
        }
        match self.mem {
            // One block per pc.
            MemModel::User(_) => Some((next, 0)),
            MemModel::System(sm) => {
                // SAFETY: caller's contract; `next` is live (no block was dropped since
                // it was recorded).
                let host = unsafe { Self::exec_tlb_hit(sm, state, pc) }?;
                (unsafe { (*next).host } == host).then_some((next, host))
            }
        }
    }

    /// System mode: the host address of the instruction at `pc` if the current EL's TLB
    /// has an execute entry for it (what the architecture's `fetch` tries first).
    ///
    /// # Safety
    /// As for [`Runtime::run`].
    #[inline]
    unsafe fn exec_tlb_hit(
        sm: crate::memmodel::SystemMemory,
        state: *mut u8,
        pc: u64,
    ) -> Option<usize> {
        // SAFETY: `run`'s contract on `state`; the slot holds the current TLB's entry
        // array (or 0 before the architecture selected one).
        let entries = unsafe { *(state.add(sm.tlb_slot.0 as usize) as *const u64) };
        if entries == 0 || !pc.is_multiple_of(4) {
            return None;
        }
        // SAFETY: a non-null slot points at a live array of TLB_ENTRIES entries.
        unsafe {
            crate::softmmu::lookup_in(
                entries as *const crate::softmmu::TlbEntry,
                pc,
                4,
                crate::softmmu::TlbAccess::Execute,
            )
        }
    }

    /// [`Runtime::lookup`] without the check of suspect blocks.
    fn lookup_cached(&mut self, state: *mut u8, pc: u64) -> Result<(*mut Block<G>, usize), u64> {
        let slot = ((pc >> 2) as usize) & (JUMP_CACHE_SIZE - 1);
        let (tag, ptr) = self.jump_cache[slot];
        if let MemModel::System(sm) = self.mem {
            // The common case without calling the architecture's `fetch`: the current
            // EL's TLB has an execute entry for pc and the jump cache holds the block
            // fetched from that very host address.
            if tag == pc && !ptr.is_null() {
                // SAFETY: `run`'s contract on `state`.
                if let Some(host) = unsafe { Self::exec_tlb_hit(sm, state, pc) } {
                    // SAFETY: non-null jump cache pointers point at live boxed blocks.
                    if unsafe { (*ptr).host } == host {
                        return Ok((ptr, host));
                    }
                }
            }
        }
        let page = self.locate(state, pc)?;
        let pa = page.map_or(pc, |p| p.pa);
        let host = page.map_or(0, |p| p.host);
        // Empty slots are tagged u64::MAX with a null pointer; a guest can jump to that pc
        // (it is misaligned, so it faults below), so an empty slot must never match.
        // SAFETY: non-null jump cache pointers point at live boxed blocks.
        if tag == pc && !ptr.is_null() && unsafe { (*ptr).pa } == pa {
            return Ok((ptr, host));
        }
        let ptr: *mut Block<G> = match self.blocks.get_mut(&(pc, pa)) {
            Some(b) => &mut **b,
            None => {
                let max_insns = self.cfg.max_block_insns;
                let mut b = Box::new(self.translate(state, pc, page, max_insns)?);
                let p: *mut Block<G> = &mut *b;
                if self.cfg.jit && self.cfg.threshold == 0 {
                    self.compile(p);
                }
                self.blocks.insert((pc, pa), b);
                if self.mem.is_system() {
                    self.blocks_by_page
                        .entry(pa & !(PAGE_SIZE - 1))
                        .or_default()
                        .push((pc, pa));
                }
                p
            }
        };
        self.jump_cache[slot] = (pc, ptr);
        Ok((ptr, host))
    }

    /// Fetches and decodes instructions from `pc` up to a block end, a page end, an
    /// unreadable instruction, a debugger breakpoint or `max_insns`.
    fn translate(
        &mut self,
        state: *mut u8,
        pc: u64,
        page: Option<CodePage>,
        max_insns: usize,
    ) -> Result<Block<G>, u64> {
        if !pc.is_multiple_of(4) {
            return Err(pc);
        }
        let mut insns = SmallVec::new();
        let mut a = pc;
        loop {
            if !insns.is_empty() && self.debug.is_breakpoint(a) {
                // The run loop must see the breakpoint address as a block start.
                break;
            }
            let host = match (self.mem, page) {
                (MemModel::User(mem), _) => {
                    if mem.page_perms(a) & perm::EXEC == 0 {
                        if insns.is_empty() {
                            return Err(a);
                        }
                        break;
                    }
                    mem.host(a) as usize
                }
                // A block never leaves its page, which `page` says is executable RAM.
                (MemModel::System(_), Some(p)) => p.host + (a - pc) as usize,
                (MemModel::System(_), None) => return Err(a),
            };
            // SAFETY: the page is mapped executable, hence readable by the host (user
            // mode), or is guest RAM (system mode).
            let raw = unsafe { (host as *const u32).read_unaligned() };
            let insn = G::decode(u32::from_le(raw));
            insns.push(insn);
            a += 4;
            if G::ends_block(&insn) || insns.len() >= max_insns || a.is_multiple_of(PAGE_SIZE) {
                break;
            }
        }
        self.stats.blocks_translated += 1;
        let id = self.next_block_id;
        self.next_block_id += 1;
        if self.trace_in_asm && self.trace_range.contains(&pc) {
            let mut text = format!("IN: {pc:#x}\n");
            for (i, insn) in insns.iter().enumerate() {
                let ipc = pc + 4 * i as u64;
                text.push_str(&format!("  {ipc:#014x}:  {}\n", G::disassemble(insn, ipc)));
            }
            tracing::info!(target: "in_asm", "{text}");
        }
        let (pa, host) = match (self.mem, page) {
            (MemModel::System(sm), Some(p)) => {
                // Stores to this page must now drop the translation.
                // SAFETY: `run`'s contract on `state`.
                unsafe { (sm.mark_code)(state, p.pa) };
                (p.pa, p.host)
            }
            _ => (pc, 0),
        };
        Ok(Block {
            pc,
            pa,
            host,
            insns,
            runs: 0,
            code: None,
            compile_failed: false,
            queued: false,
            suspect: false,
            next: std::ptr::null_mut(),
            next_pc: 0,
            next_epoch: 0,
            id,
        })
    }
}
