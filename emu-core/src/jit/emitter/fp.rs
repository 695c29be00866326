//! Inline floating point ([`Emitter::fp_fast`]): FADD/FMUL/FMLA... computed with the
//! host's SSE/FMA instructions in the compiled code, falling back to the precise helper
//! when the host result might differ from the architecture's.
//!
//! Why the fast path is exact (the approach of dynarmic, restricted so that no MXCSR
//! handling is needed): compiled code runs with the host's default MXCSR (round to
//! nearest, no flush-to-zero, no denormals-are-zero), so a host operation gives the
//! IEEE result that the guest computes when its control register says round-to-nearest
//! without flushing (the caller's `ctrl_zero` guard). Arm and x86 then still differ on
//! NaNs (propagation, default NaN), on tininess (Arm detects it before rounding, x86
//! after) and on the flags; so every lane's result must be finite and (a simpler test
//! than strictly above the smallest normal) at least twice the smallest normal in
//! magnitude. Such a result had no invalid operation, no
//! division by zero, no overflow (round to nearest overflows to infinity) and no
//! underflow (its exact value was not below the smallest normal either), and all
//! operands were finite (an infinite or NaN operand gives an infinite or NaN result, or
//! zero for `x / inf`). The one flag left is Inexact, which is sticky: the guard
//! requires it to be set already (the helper sets it on the first inexact operation of
//! the program), so the fast path never has to write the status register at all.
//! Max/Min have no rounding: they are exact whenever neither operand is a NaN.
//!
//! The fallback is the ordinary state helper: it recomputes from the unchanged inputs
//! (the fast attempt only made SSA values) and writes the destination and FPSR.

use super::JitEmitter;
use crate::emit::*;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F32X4, F64, F64X2, I32, I32X4, I64, I64X2};
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Type, Value};

/// Flags of a vector `bitcast` (Cranelift wants the lane order spelled out).
fn vector_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// Whether the host has FMA3 (Cranelift's `fma` would otherwise be a libcall, which
/// compiled code cannot make: it holds no relocations).
fn host_has_fma() -> bool {
    std::arch::is_x86_feature_detected!("fma")
}

/// A computed fast-path guard (see [`JitEmitter::fp_guard`]).
pub(super) struct Guard {
    ctrl: Slot,
    ctrl_zero: u64,
    status: Slot,
    status_set: u64,
    ok: Option<Value>,
}

impl Guard {
    fn same(&self, o: &Guard) -> bool {
        (self.ctrl, self.ctrl_zero, self.status, self.status_set)
            == (o.ctrl, o.ctrl_zero, o.status, o.status_set)
    }
}

impl JitEmitter<'_, '_> {
    pub(super) fn emit_fp_fast(&mut self, op: &FpFast, fallback: StateHelper, args: [u64; 3]) {
        let lanes = op.lanes as usize;
        let lane_bits = if op.double { 64 } else { 32 };
        let supported = matches!(lanes, 1 | 2 | 4)
            && lanes * lane_bits <= 128
            && op.m_elem.is_none_or(|i| (i as usize) < 128 / lane_bits)
            && (!matches!(op.kind, FpKind::MulAdd { .. }) || host_has_fma());
        if !supported {
            let a = args.map(|x| self.konst(x));
            self.emit_call_state(fallback, a);
            return;
        }

        let mut ok = self.fp_guard(op);

        let outputs = match op.kind {
            FpKind::ToInt { .. } | FpKind::FromInt { .. } | FpKind::Convert => {
                self.fp_conversion(op, &mut ok)
            }
            _ => self.fp_lanes(op, lanes, &mut ok),
        };

        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.ins().brif(ok, fast, &[], slow, &[]);
        self.b.seal_block(fast);
        self.b.seal_block(slow);

        let out_vars: Vec<_> = outputs.iter().map(|&(s, _)| self.slot_var(s)).collect();
        let status_var = self.slot_var(op.status);

        // Fast: the results only go to the cached destination variables.
        self.b.switch_to_block(fast);
        for (&(_, v), &var) in outputs.iter().zip(&out_vars) {
            self.b.def_var(var, v);
        }
        self.b.ins().jump(join, &[]);

        // Slow: the state struct made current (without forgetting the cache, which
        // stays valid for every slot but the helper's outputs), the helper, and its
        // outputs re-read.
        self.b.switch_to_block(slow);
        self.spill_dirty();
        let sig = self.sig("state", 4, 1, self.env.build.host_call_conv);
        let state = self.state;
        let mut call_args = vec![state];
        call_args.extend(args.map(|x| self.b.ins().iconst(I64, x as i64)));
        let r = match self.call_host(sig, fallback as *const () as usize, &call_args) {
            Some(r) => r,
            None => unreachable!("the state-helper signature has one return value"),
        };
        let exit = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(exit);
        self.b.set_cold_block(cont);
        self.b.ins().brif(r, exit, &[], cont, &[]);
        self.b.seal_block(exit);
        self.b.seal_block(cont);
        self.b.switch_to_block(exit);
        // An exit from the helper (UNDEF for an encoding the decoder let through): the
        // state is spilled; a precise pc, and never JUMP, so the link word is moot.
        let pc = self.b.ins().iconst(I64, self.pc as i64);
        self.store_state(SLOT_PC, pc);
        self.b.ins().return_(&[r]);
        self.b.switch_to_block(cont);
        for (&(slot, _), &var) in outputs.iter().zip(&out_vars) {
            let v = self.load_state(slot);
            self.b.def_var(var, v);
        }
        let st = self.load_state(op.status);
        self.b.def_var(status_var, st);
        self.b.ins().jump(join, &[]);

        self.b.seal_block(join);
        self.b.switch_to_block(join);
        // The destination is newer than the state struct on the fast path. The status
        // register is unchanged there, and as current as before on the slow path (the
        // helper started from the spilled value), so its dirty flag stays as it was.
        for (&(slot, _), &var) in outputs.iter().zip(&out_vars) {
            self.mark_slot(slot, var, true);
        }
        let status_dirty = self.slots.get(&op.status.0).is_some_and(|s| s.dirty);
        self.mark_slot(op.status, status_var, status_dirty);
        // The slow path spilled and ran the helper: the state struct may be newer than
        // any restart point.
        self.state_changed();
    }

    /// The arithmetic and compare kinds, lane by lane: the outputs, with each lane's
    /// check folded into `ok`.
    fn fp_lanes(&mut self, op: &FpFast, lanes: usize, ok: &mut Value) -> Vec<(Slot, Value)> {
        let lane_bits = if op.double { 64 } else { 32 };
        let full_vector = lanes * lane_bits == 128 && !op.m_zero;
        if full_vector {
            if let Some(outputs) = self.fp_vector(op, ok) {
                return outputs;
            }
        }
        let mut results = Vec::with_capacity(lanes);
        let lanes = if op.kind == FpKind::Compare { 1 } else { lanes };
        for i in 0..lanes {
            let x = self.fp_lane(op.n, op.double, i);
            let y = if op.m_zero {
                if op.double {
                    self.b.ins().f64const(0.0)
                } else {
                    self.b.ins().f32const(0.0)
                }
            } else {
                let y_lane = op.m_elem.map_or(i, |e| e as usize);
                self.fp_lane(op.m, op.double, y_lane)
            };
            if op.kind == FpKind::Compare {
                // Ordered operands: N = less, Z = equal, C = greater or equal, V = 0, in
                // A64's stored form (N in bit 63, Z set when its word is 0; see
                // emu-arm's `CpuState::n`).
                let ordered = self.b.ins().fcmp(FloatCC::Ordered, x, y);
                *ok = self.b.ins().band(*ok, ordered);
                let lt = self.b.ins().fcmp(FloatCC::LessThan, x, y);
                let lt = self.b.ins().uextend(I64, lt);
                results.push(self.b.ins().ishl_imm_s(lt, 63));
                let ne = self.b.ins().fcmp(FloatCC::NotEqual, x, y);
                results.push(self.b.ins().uextend(I64, ne));
                let ge = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, y);
                results.push(self.b.ins().uextend(I64, ge));
                results.push(self.b.ins().iconst(I64, 0));
                continue;
            }
            let r = match op.kind {
                FpKind::Compare
                | FpKind::ToInt { .. }
                | FpKind::FromInt { .. }
                | FpKind::Convert => unreachable!("compares above, conversions elsewhere"),
                FpKind::Add => self.b.ins().fadd(x, y),
                FpKind::Sub => self.b.ins().fsub(x, y),
                FpKind::Mul | FpKind::NMul => self.b.ins().fmul(x, y),
                FpKind::Div => self.b.ins().fdiv(x, y),
                FpKind::Sqrt => self.b.ins().sqrt(x),
                FpKind::Max => self.b.ins().fmax(x, y),
                FpKind::Min => self.b.ins().fmin(x, y),
                FpKind::MulAdd { neg_n, neg_a } => {
                    let x = if neg_n { self.b.ins().fneg(x) } else { x };
                    let a = self.fp_lane(op.a, op.double, i);
                    let a = if neg_a { self.b.ins().fneg(a) } else { a };
                    self.b.ins().fma(x, y, a)
                }
            };
            let lane_ok = match op.kind {
                FpKind::Max | FpKind::Min => self.b.ins().fcmp(FloatCC::Ordered, x, y),
                _ => self.fp_ordinary(r, op.double),
            };
            *ok = self.b.ins().band(*ok, lane_ok);
            // FNMUL negates after rounding (the check above is on the product).
            let r = if op.kind == FpKind::NMul {
                self.b.ins().fneg(r)
            } else {
                r
            };
            results.push(r);
        }
        if op.kind == FpKind::Compare {
            op.flags.into_iter().zip(results).collect()
        } else {
            let (lo, hi) = self.pack_lanes(&results, op.double);
            vec![(op.d[0], lo), (op.d[1], hi)]
        }
    }

    /// A 128-bit operation (4S, 2D) in one host vector instruction, with the result
    /// check on all lanes at once; `None` for the kinds done lane by lane.
    fn fp_vector(&mut self, op: &FpFast, ok: &mut Value) -> Option<Vec<(Slot, Value)>> {
        let (fty, ity, frac) = if op.double {
            (F64X2, I64X2, 52)
        } else {
            (F32X4, I32X4, 23)
        };
        if !matches!(
            op.kind,
            FpKind::Add | FpKind::Sub | FpKind::Mul | FpKind::Div | FpKind::MulAdd { .. }
        ) {
            return None;
        }
        let x = self.fp_vreg(op.n, fty);
        let y = match op.m_elem {
            Some(i) => {
                let e = self.fp_lane(op.m, op.double, i as usize);
                self.b.ins().splat(fty, e)
            }
            None => self.fp_vreg(op.m, fty),
        };
        let r = match op.kind {
            FpKind::Add => self.b.ins().fadd(x, y),
            FpKind::Sub => self.b.ins().fsub(x, y),
            FpKind::Mul => self.b.ins().fmul(x, y),
            FpKind::Div => self.b.ins().fdiv(x, y),
            FpKind::MulAdd { neg_n, neg_a } => {
                let x = if neg_n { self.b.ins().fneg(x) } else { x };
                let a = self.fp_vreg(op.a, fty);
                let a = if neg_a { self.b.ins().fneg(a) } else { a };
                self.b.ins().fma(x, y, a)
            }
            _ => return None,
        };
        // The exponent test of `fp_ordinary`, per lane, then "all lanes passed".
        let exp_max = (1i64 << (ity.lane_bits() - 1 - frac)) - 1;
        let v = self.b.ins().bitcast(ity, vector_flags(), r);
        let v = self.b.ins().ishl_imm_u(v, 1);
        let e = self.b.ins().ushr_imm_u(v, frac as i64 + 1);
        let lane_ty = ity.lane_type();
        let two = self.b.ins().iconst(lane_ty, 2);
        let two = self.b.ins().splat(ity, two);
        let e = self.b.ins().isub(e, two);
        let limit = self.b.ins().iconst(lane_ty, exp_max - 2);
        let limit = self.b.ins().splat(ity, limit);
        let lanes_ok = self.b.ins().icmp(IntCC::UnsignedLessThan, e, limit);
        let all = self.b.ins().vall_true(lanes_ok);
        *ok = self.b.ins().band(*ok, all);
        let halves = self.b.ins().bitcast(I64X2, vector_flags(), r);
        let lo = self.b.ins().extractlane(halves, 0);
        let hi = self.b.ins().extractlane(halves, 1);
        Some(vec![(op.d[0], lo), (op.d[1], hi)])
    }

    /// The register `[lo, hi]` as a vector of type `ty`.
    fn fp_vreg(&mut self, reg: [Slot; 2], ty: Type) -> Value {
        let lo = self.get(reg[0]);
        let hi = self.get(reg[1]);
        let v = self.b.ins().scalar_to_vector(I64X2, lo);
        let v = self.b.ins().insertlane(v, hi, 1);
        self.b.ins().bitcast(ty, vector_flags(), v)
    }

    /// The conversions: the outputs, with the check folded into `ok`.
    fn fp_conversion(&mut self, op: &FpFast, ok: &mut Value) -> Vec<(Slot, Value)> {
        let fty = if op.double { F64 } else { F32 };
        match op.kind {
            FpKind::ToInt { signed, wide } => {
                let x = self.fp_lane(op.n, op.double, 0);
                // In range when lo <= x < hi (NaN fails both): then the conversion
                // neither saturates nor is invalid; the only possible flag is Inexact.
                // The bounds are powers of two, exact in either precision; for a 32-bit
                // signed result the few doubles in (-2^31-1, -2^31) are left to the
                // helper.
                let n = if wide { 64 } else { 32 };
                let (lo, hi) = if signed {
                    (-(2f64.powi(n - 1)), 2f64.powi(n - 1))
                } else {
                    (-1.0, 2f64.powi(n))
                };
                let lo_cc = if signed {
                    FloatCC::GreaterThanOrEqual
                } else {
                    FloatCC::GreaterThan
                };
                let (lo, hi) = if op.double {
                    (self.b.ins().f64const(lo), self.b.ins().f64const(hi))
                } else {
                    (
                        self.b.ins().f32const(lo as f32),
                        self.b.ins().f32const(hi as f32),
                    )
                };
                let above = self.b.ins().fcmp(lo_cc, x, lo);
                let below = self.b.ins().fcmp(FloatCC::LessThan, x, hi);
                let in_range = self.b.ins().band(above, below);
                *ok = self.b.ins().band(*ok, in_range);
                let it = if wide { I64 } else { I32 };
                let r = if signed {
                    self.b.ins().fcvt_to_sint_sat(it, x)
                } else {
                    self.b.ins().fcvt_to_uint_sat(it, x)
                };
                let r = if wide {
                    r
                } else {
                    self.b.ins().uextend(I64, r)
                };
                vec![(op.d[0], r)]
            }
            FpKind::FromInt { signed, wide } => {
                // Any integer converts to a finite number at least 1 in magnitude, or
                // to an exact zero: Inexact is the only possible flag.
                let v = self.get(op.n[0]);
                let v = if wide {
                    v
                } else {
                    self.b.ins().ireduce(I32, v)
                };
                let r = if signed {
                    self.b.ins().fcvt_from_sint(fty, v)
                } else {
                    self.b.ins().fcvt_from_uint(fty, v)
                };
                let (lo, hi) = self.pack_lanes(&[r], op.double);
                vec![(op.d[0], lo), (op.d[1], hi)]
            }
            _ => {
                // FCVT between single and double.
                let x = self.fp_lane(op.n, op.double, 0);
                let r = if op.double {
                    let r = self.b.ins().fdemote(F32, x);
                    let ordinary = self.fp_ordinary(r, false);
                    *ok = self.b.ins().band(*ok, ordinary);
                    r
                } else {
                    // Widening is exact; only NaNs (quieting, payloads) differ.
                    let ordered = self.b.ins().fcmp(FloatCC::Ordered, x, x);
                    *ok = self.b.ins().band(*ok, ordered);
                    self.b.ins().fpromote(F64, x)
                };
                let (lo, hi) = self.pack_lanes(&[r], !op.double);
                vec![(op.d[0], lo), (op.d[1], hi)]
            }
        }
    }

    /// The guard on the control and status registers, computed once per function
    /// while neither register is written: the fallback helpers only ever set status
    /// bits and never write the control register (the contract of `fp_fast`), so a
    /// guard that held stays true after them; one that failed may have become true,
    /// and reusing it only costs the rest of the block its fast paths.
    fn fp_guard(&mut self, op: &FpFast) -> Value {
        let key = Guard {
            ctrl: op.ctrl,
            ctrl_zero: op.ctrl_zero,
            status: op.status,
            status_set: op.status_set,
            ok: None,
        };
        if let Some(g) = self.fp_guards.iter().find(|g| g.same(&key)) {
            if let Some(v) = g.ok {
                return v;
            }
        }
        let ctrl = self.get(op.ctrl);
        let status = self.get(op.status);
        let c = self.b.ins().band_imm_u(ctrl, op.ctrl_zero as i64);
        let mut ok = self.b.ins().icmp_imm_u(IntCC::Equal, c, 0);
        if op.status_set != 0 {
            let s = self.b.ins().band_imm_u(status, op.status_set as i64);
            let s_ok = self
                .b
                .ins()
                .icmp_imm_u(IntCC::Equal, s, op.status_set as i64);
            ok = self.b.ins().band(ok, s_ok);
        }
        self.fp_guards.push(Guard {
            ok: Some(ok),
            ..key
        });
        ok
    }

    /// A write of `slot` by the semantics (`set`): guards on it are stale.
    pub(super) fn fp_slot_written(&mut self, slot: Slot) {
        if !self.fp_guards.is_empty() {
            self.fp_guards
                .retain(|g| g.ctrl != slot && g.status != slot);
        }
    }

    /// Whether `r` is finite and at least twice the smallest normal in magnitude: its
    /// biased exponent is in 2..=max-1 (one shift drops the sign, one isolates the
    /// exponent; integer operations with small immediates). Twice, rather than "above
    /// the smallest normal", costs the rare results in [min normal, 2 min normal) the
    /// slow path and saves the mantissa test.
    fn fp_ordinary(&mut self, r: Value, double: bool) -> Value {
        let (ty, bits, frac) = if double { (I64, 64, 52) } else { (I32, 32, 23) };
        let exp_max = (1i64 << (bits - 1 - frac)) - 1;
        let v = self.b.ins().bitcast(ty, MemFlagsData::new(), r);
        let v = self.b.ins().ishl_imm_u(v, 1);
        let e = self.b.ins().ushr_imm_u(v, frac + 1);
        let e = self.b.ins().iadd_imm_s(e, -2);
        self.b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, e, exp_max - 2)
    }

    /// Lane `i` of the register `[lo, hi]` as a float.
    fn fp_lane(&mut self, reg: [Slot; 2], double: bool, i: usize) -> Value {
        if double {
            let v = self.get(reg[i & 1]);
            self.b.ins().bitcast(F64, MemFlagsData::new(), v)
        } else {
            let v = self.get(reg[(i >> 1) & 1]);
            let v = if i & 1 == 1 {
                self.b.ins().ushr_imm_u(v, 32)
            } else {
                v
            };
            let v = self.b.ins().ireduce(I32, v);
            self.b.ins().bitcast(F32, MemFlagsData::new(), v)
        }
    }

    /// The register halves holding `lanes` (zero above them).
    fn pack_lanes(&mut self, lanes: &[Value], double: bool) -> (Value, Value) {
        let ints: Vec<Value> = lanes
            .iter()
            .map(|&r| {
                if double {
                    self.b.ins().bitcast(I64, MemFlagsData::new(), r)
                } else {
                    let v = self.b.ins().bitcast(I32, MemFlagsData::new(), r);
                    self.b.ins().uextend(I64, v)
                }
            })
            .collect();
        let zero = self.b.ins().iconst(I64, 0);
        if double {
            return (ints[0], ints.get(1).copied().unwrap_or(zero));
        }
        let mut halves = [zero, zero];
        for (i, v) in ints.into_iter().enumerate() {
            let h = &mut halves[i >> 1];
            *h = if i & 1 == 0 {
                v
            } else {
                let up = self.b.ins().ishl_imm_u(v, 32);
                self.b.ins().bor(*h, up)
            };
        }
        (halves[0], halves[1])
    }

    /// The cache variable of `slot` (declared on first use), without touching its state.
    fn slot_var(&mut self, slot: Slot) -> cranelift_frontend::Variable {
        match self.slots.get(&slot.0) {
            Some(s) => s.var,
            None => {
                let var = self.b.declare_var(I64);
                self.slots.insert(
                    slot.0,
                    super::CachedSlot {
                        var,
                        loaded: false,
                        dirty: false,
                    },
                );
                var
            }
        }
    }

    fn mark_slot(&mut self, slot: Slot, var: cranelift_frontend::Variable, dirty: bool) {
        if dirty {
            self.insn_changed_state = true;
        }
        self.slots.insert(
            slot.0,
            super::CachedSlot {
                var,
                loaded: true,
                dirty,
            },
        );
    }
}
