# Cases for the fast paths: FPSR already holding IXC (and sometimes other flags), ordinary
# operands, and operands whose results leave the fast path (overflow, tiny results, the
# smallest normal, NaNs, infinities), under the default FPCR and under the modes that
# disable the fast path.
import random, struct
random.seed(5)
def d(x): return struct.unpack('<Q', struct.pack('<d', x))[0]
def s(x): return struct.unpack('<I', struct.pack('<f', x))[0]
def rnd_d():
    r = random.random()
    if r < 0.6: return d(random.uniform(-1e6, 1e6))
    if r < 0.7: return d(random.choice([1e-308, 2.2250738585072014e-308, 1e308, 1.7e308, 3e-308, -4e-308]))
    if r < 0.8: return random.choice([0, 1 << 63, 0x7ff0000000000000, 0x7ff8000000000001, 0x7ff0000000000001, 1, 0x000fffffffffffff])
    return random.getrandbits(64)
def rnd_s():
    r = random.random()
    if r < 0.6: return s(random.uniform(-1e4, 1e4))
    if r < 0.7: return s(random.choice([1e-38, 1.1754944e-38, 3e38, 3.4e38, 2e-38, -3e-38]))
    if r < 0.8: return random.choice([0, 1 << 31, 0x7f800000, 0x7fc00001, 0x7f800001, 1, 0x007fffff])
    return random.getrandbits(32)
FPCRS = [0, 0, 0, 0x400000, 0x1000000, 0x2000000]
FPSRS = [0x10, 0x10, 0x10, 0x1f, 0x90]
out = []
for _ in range(25):
    for op in ['fadd', 'fsub', 'fmul', 'fdiv']:
        fc, fs = random.choice(FPCRS), random.choice(FPSRS)
        out.append(f'{op} d0, d1, d2 ; fpcr={fc:#x} fpsr={fs:#x} d1={rnd_d():#x} d2={rnd_d():#x}')
        out.append(f'{op} s0, s1, s2 ; fpcr={fc:#x} fpsr={fs:#x} s1={rnd_s():#x} s2={rnd_s():#x}')
    for op in ['fmadd', 'fmsub', 'fnmadd', 'fnmsub']:
        fc, fs = random.choice(FPCRS), random.choice(FPSRS)
        out.append(f'{op} d0, d1, d2, d3 ; fpcr={fc:#x} fpsr={fs:#x} d1={rnd_d():#x} d2={rnd_d():#x} d3={rnd_d():#x}')
        out.append(f'{op} s0, s1, s2, s3 ; fpcr={fc:#x} fpsr={fs:#x} s1={rnd_s():#x} s2={rnd_s():#x} s3={rnd_s():#x}')
    fc, fs = random.choice(FPCRS), random.choice(FPSRS)
    v = lambda: f'{rnd_s() | rnd_s() << 32:#x}:{rnd_s() | rnd_s() << 32:#x}'
    out.append(f'fmla v0.4s, v1.4s, v2.4s ; fpcr={fc:#x} fpsr={fs:#x} v0={v()} v1={v()} v2={v()}')
    out.append(f'fmls v0.2d, v1.2d, v2.2d ; fpcr={fc:#x} fpsr={fs:#x} v0={rnd_d():#x}:{rnd_d():#x} v1={rnd_d():#x}:{rnd_d():#x} v2={rnd_d():#x}:{rnd_d():#x}')
    out.append(f'fmul v0.4s, v1.4s, v2.s[1] ; fpcr={fc:#x} fpsr={fs:#x} v1={v()} v2={v()}')
    out.append(f'fcvt d0, s1 ; fpcr={fc:#x} fpsr={fs:#x} s1={rnd_s():#x}')
    out.append(f'fcvtl v0.2d, v1.2s ; fpcr={fc:#x} fpsr={fs:#x} v1={v()}')
# exact boundary: a product rounding up to the smallest normal, with IXC already set
out.append('fmul d0, d1, d2 ; fpsr=0x10 d1=0x3fefffffffffffff d2=0x0010000000000000')
out.append('fmadd d0, d1, d2, d3 ; fpsr=0x10 d1=0x3fefffffffffffff d2=0x0010000000000000 d3=0')
out.append('fadd s0, s1, s2 ; fpsr=0x10 s1=0x00800001 s2=0x80000002')
out.append('fcvt d0, s1 ; fpcr=0x1000000 fpsr=0x10 s1=0x00000005')
out.append('fcvt d0, s1 ; fpsr=0x10 s1=0x00000005')
print('\n'.join(out))
