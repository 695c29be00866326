# Random encodings from the scalar FP / Advanced SIMD space (op0 = x111), with register
# fields limited to 0-7 (the oracle's registers), random register contents (mixed with FP
# special values) and random rounding/flush/default-NaN modes. Compared against qemu:
# where both execute, the results must match; where QEMU raises SIGILL we must too.
# The committed table: `mkcases_random.py 3000 2 > /tmp/r.txt; gen.py /tmp/r.txt ../oracle_random.rs`
# (the case file itself is 3 MB of register values, so it is not committed).
import random, sys
random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 99)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
FS = [0, 0x80000000, 0x3f800000, 0xbfc00000, 0x7f800000, 0xff800000, 0x7fc01234, 0x7f805678, 0x00000001,
      0x80000123, 0x00800000, 0x7f7fffff, 0x4f000000, 0x3eaaaaab]
FD = [0, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000, 0x7ff0000000000000, 0xfff0000000000000,
      0x7ff8000000001234, 0x7ff0000000005678, 1, 0x0010000000000000, 0x7fefffffffffffff, 0x43e0000000000000]
def r64():
    k = random.random()
    if k < 0.25:
        return random.choice(FD)
    if k < 0.5:
        return random.choice(FS) | random.choice(FS) << 32
    if k < 0.6:
        return random.choice([0, 2**64 - 1, 0x8000000000000000, 0x7fffffffffffffff, 0x8000800080008000])
    return random.getrandbits(64)
out = []
while len(out) < N:
    w = random.getrandbits(32)
    w = (w & ~(7 << 25)) | (7 << 25)
    # Register fields Rd (4:0), Rn (9:5), Rm (20:16) limited to 0-7.
    w &= ~((3 << 3) | (3 << 8) | (3 << 19))
    # FMADD family: Ra (14:10) too.
    if (w >> 24) & 0x5f == 0x1f:
        w &= ~(3 << 13)
    # TBL/TBX tables must stay within v0-v7.
    if (w >> 24) & 0xbf == 0x0e and (w >> 21) & 1 == 0 and (w >> 10) & 3 == 0 and (w >> 15) & 1 == 0:
        if ((w >> 5) & 31) + ((w >> 13) & 3) > 7:
            continue
    fpcr = random.choice([0, 0, 0x400000, 0x800000, 0xc00000, 0x1000000, 0x2000000, 0x4000000, 0x3c00000])
    fpsr = random.choice([0, 0, 0x10, 0x9f])
    kv = [f'fpcr={fpcr:#x}', f'fpsr={fpsr:#x}', f'nzcv={random.getrandbits(4) << 28:#x}']
    kv += [f'v{i}={r64():#x}:{r64():#x}' for i in range(8)]
    kv += [f'x{i}={r64():#x}' for i in range(8)]
    out.append(f'.inst {w:#010x} ; ' + ' '.join(kv))
print('\n'.join(out))
