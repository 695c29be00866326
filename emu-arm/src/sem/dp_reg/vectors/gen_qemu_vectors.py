#!/usr/bin/env python3
"""Regenerates qemu_vectors.txt: integer data-processing instructions run under
qemu-aarch64 (the oracle) with chosen register and flag inputs, and the results.

Usage: gen_qemu_vectors.py WORDS > qemu_vectors.txt
WORDS: lines "<hex word> <decode kind>", a sweep of words through our decoder, written by
`cargo test -p emu-arm --lib write_decoder_sweep -- --ignored` (to /tmp/int_words.txt);
this script picks a sample per kind, restricts the register fields to
x0-x7 and x31, keeps only words objdump knows, and runs each once under qemu-aarch64.

Needs aarch64-linux-gnu-as/ld/objdump and qemu-aarch64. The committed test only reads
the output file.

Line format: word, then inputs x0..x7 sp nzcv, then outputs x0..x7 sp nzcv (hex).
"""
import random, re, subprocess, sys, tempfile, os, collections

PER_KIND = 24
# The flag-setting groups get more cases: their boundaries are where bugs hide.
PER_KIND_FLAGS = 64
FLAG_KINDS = {"AddSubImm", "AddSubShifted", "AddSubExtended", "AddSubCarry",
              "CondCompareReg", "CondCompareImm"}
rng = random.Random(20261125)

INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
               0xffffffff, 0x100000000, 0x7fffffffffffffff, 0x8000000000000000,
               0xffffffffffffffff, 0xfffffffffffffffe, 0xffffffff80000000, 31, 32, 63, 64]

def value():
    r = rng.random()
    if r < 0.4:
        return rng.choice(INTERESTING)
    if r < 0.6:
        return rng.getrandbits(32)
    if r < 0.7:
        return rng.getrandbits(6)
    return rng.getrandbits(64)

def reg():
    return rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 31])

def restrict(word, kind):
    """Rewrites the register fields of `word` to x0-x7 / x31."""
    w = word
    if kind not in ("CondCompareReg", "CondCompareImm"):
        w = (w & ~0x1f) | reg()          # Rd (cond compare: o3 + nzcv)
    w = (w & ~(0x1f << 5)) | (reg() << 5)  # Rn
    return w

def restrict_full(word, kind):
    w = restrict(word, kind)
    dp_reg_rm = {"LogicalShifted", "AddSubShifted", "AddSubExtended", "AddSubCarry",
                 "CondCompareReg", "CondSelect", "Udiv", "Sdiv", "ShiftVar", "Crc32",
                 "Crc32c", "MulAdd", "SMulAddLong", "UMulAddLong", "SMulHigh", "UMulHigh",
                 "Extract"}
    if kind in dp_reg_rm:
        w = (w & ~(0x1f << 16)) | (reg() << 16)
    if kind in ("MulAdd", "SMulAddLong", "UMulAddLong", "SMulHigh", "UMulHigh"):
        w = (w & ~(0x1f << 10)) | (reg() << 10)
    return w

def one_source_words():
    out = []
    for _ in range(PER_KIND * 6):
        sf = rng.getrandbits(1)
        opcode = rng.choice([0, 1, 2, 3, 4, 5] if sf else [0, 1, 2, 4, 5])
        out.append((sf << 31) | 0x5AC00000 | (opcode << 10) | (reg() << 5) | reg())
    return out

def objdump_ok(words):
    with tempfile.TemporaryDirectory() as d:
        s = os.path.join(d, "w.s")
        with open(s, "w") as f:
            for w in words:
                f.write(".inst 0x%08x\n" % w)
        subprocess.check_call(["aarch64-linux-gnu-as", s, "-o", s + ".o"])
        out = subprocess.check_output(["aarch64-linux-gnu-objdump", "-d", s + ".o"]).decode()
    ok = set()
    for line in out.splitlines():
        m = re.match(r"\s*[0-9a-f]+:\s+([0-9a-f]{8})\s+(\S+)", line)
        if m and m.group(2) not in (".inst", "udf"):
            ok.add(int(m.group(1), 16))
    return ok

def run_qemu(cases):
    """cases: [(word, inputs[10])] → outputs[10] each."""
    asm = [".text", ".global _start", "_start:", "adr x20, inputs", "adr x21, outputs",
           "mov x22, sp"]
    for w, _ in cases:
        asm += ["ldp x0, x1, [x20], #16", "ldp x2, x3, [x20], #16",
                "ldp x4, x5, [x20], #16", "ldp x6, x7, [x20], #16",
                "ldp x9, x10, [x20], #16", "msr nzcv, x10", "mov sp, x9",
                ".inst 0x%08x" % w,
                "mov x9, sp", "mrs x10, nzcv", "mov sp, x22",
                "stp x0, x1, [x21], #16", "stp x2, x3, [x21], #16",
                "stp x4, x5, [x21], #16", "stp x6, x7, [x21], #16",
                "stp x9, x10, [x21], #16"]
    asm += ["mov x0, #1", "adr x1, outputs", "ldr x2, =%d" % (len(cases) * 80), "mov x8, #64",
            "svc #0", "mov x0, #0", "mov x8, #93", "svc #0", ".ltorg", ".data", ".balign 16",
            "inputs:"]
    for _, inp in cases:
        asm += [".quad " + ", ".join("0x%x" % v for v in inp)]
    asm += [".bss", ".balign 16", "outputs:", ".skip %d" % (len(cases) * 80)]
    with tempfile.TemporaryDirectory() as d:
        s = os.path.join(d, "h.s")
        with open(s, "w") as f:
            f.write("\n".join(asm) + "\n")
        subprocess.check_call(["aarch64-linux-gnu-as", s, "-o", s + ".o"])
        subprocess.check_call(["aarch64-linux-gnu-ld", "-static", s + ".o", "-o", s + ".elf"])
        raw = subprocess.check_output(["qemu-aarch64", s + ".elf"])
    vals = [int.from_bytes(raw[i:i + 8], "little") for i in range(0, len(raw), 8)]
    return [vals[i * 10:(i + 1) * 10] for i in range(len(cases))]

def main():
    by_kind = collections.defaultdict(list)
    for line in open(sys.argv[1]):
        w, k = line.split()
        m = re.match(r"(DpImm|DpReg)\((\w+)\)", k)
        if m and m.group(2) != "PcRel":  # ADR/ADRP depend on the pc: unit-tested instead
            by_kind[m.group(2)].append(int(w, 16))
    words = []
    for kind, ws in sorted(by_kind.items()):
        rng.shuffle(ws)
        n = PER_KIND_FLAGS if kind in FLAG_KINDS else PER_KIND
        words += [restrict_full(w, kind) for w in ws[:n]]
    words += one_source_words()
    ok = objdump_ok(words)
    words = [w for w in words if w in ok]
    cases = []
    for w in words:
        inputs = [value() for _ in range(8)]
        sp = value()
        nzcv = rng.getrandbits(4) << 28
        cases.append((w, inputs + [sp, nzcv]))
    outputs = run_qemu(cases)
    print("# generated by gen_qemu_vectors.py: word, inputs x0-x7 sp nzcv, outputs (qemu-aarch64)")
    for (w, inp), out in zip(cases, outputs):
        print("%08x %s %s" % (w, " ".join("%x" % v for v in inp), " ".join("%x" % v for v in out)))

main()
