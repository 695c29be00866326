# Second batch: saturating/rounding shifts, doubling multiplies, polynomial multiplies,
# FMULX, reciprocal/rsqrt estimates and steps.
import random
random.seed(23)
M64 = 2**64 - 1
SPECIAL64 = [0, M64, 0x8000000000000000, 0x7fffffffffffffff, 0x7f80ff0001fe8081, 0x80007fffffff0001,
             0x7fffffff80000000, 0x0102030405060708, 0x00ff00ff00ff00ff, 0xfffefdfc80817f7e, 0x8000800080008000]
def r64():
    return random.choice(SPECIAL64) if random.random() < 0.35 else random.getrandbits(64)
def vec():
    return f'{r64():#x}:{r64():#x}'
FS = [0, 0x80000000, 0x3f800000, 0xbfc00000, 0x40400000, 0x3dcccccd, 0x7f800000, 0xff800000, 0x7fc01234,
      0x7f805678, 0x00000001, 0x80000123, 0x00200000, 0x00800000, 0x7f7fffff, 0x3eaaaaab, 0x7e800000, 0x5f800000, 0x00400000, 0x40800000]
FD = [0, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000, 0x4008000000000000, 0x3fb999999999999a,
      0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000001234, 0x7ff0000000005678, 1, 0x8000000000000123,
      0x0010000000000000, 0x7fefffffffffffff, 0x0004000000000000, 0x7fd0000000000000, 0x0002000000000000]
def fvec(double):
    if double:
        return f'{random.choice(FD):#x}:{random.choice(FD):#x}'
    l = [random.choice(FS) for _ in range(4)]
    return f'{l[0] | l[1] << 32:#x}:{l[2] | l[3] << 32:#x}'
FPCRS = [0, 0x400000, 0x800000, 0xc00000, 0x1000000, 0x2000000]
out = []
def add(asm, n=3, regs=(1, 2), fp=None):
    for _ in range(n):
        kv = []
        if fp is not None:
            kv.append(f'fpcr={random.choice(FPCRS):#x}')
        for r in regs:
            kv.append(f'v{r}=' + (fvec(fp) if fp is not None else vec()))
        kv.append(f'v0={vec()}')
        out.append(asm + ' ; ' + ' '.join(kv))
ALL = ['8b', '16b', '4h', '8h', '2s', '4s', '2d']
def shiftvec(es):
    n = 128 // es
    amounts = [0, 1, es - 1, es, es + 1, -1, -(es - 1), -es, -(es + 1), 127, -128, 70, -70, 3]
    l = [random.choice(amounts) & 0xff for _ in range(n)]
    v = sum(x << (i * es) for i, x in enumerate(l))
    return f'{v & M64:#x}:{v >> 64:#x}'
for op in ['sqshl', 'uqshl', 'srshl', 'urshl', 'sqrshl', 'uqrshl']:
    for a, es in [('8b', 8), ('16b', 8), ('4h', 16), ('8h', 16), ('2s', 32), ('4s', 32), ('2d', 64)]:
        for _ in range(3):
            out.append(f'{op} v0.{a}, v1.{a}, v2.{a} ; v1={vec()} v2={shiftvec(es)}')
    for r, es in ([('b', 8), ('h', 16), ('s', 32), ('d', 64)] if op not in ('srshl', 'urshl') else [('d', 64)]):
        for _ in range(3):
            out.append(f'{op} {r}0, {r}1, {r}2 ; v1={vec()} v2={shiftvec(es)}')
for op in ['sqdmulh', 'sqrdmulh']:
    for a in ['4h', '8h', '2s', '4s']:
        add(f'{op} v0.{a}, v1.{a}, v2.{a}')
    for r in 'hs':
        add(f'{op} {r}0, {r}1, {r}2')
    add(f'{op} v0.8h, v1.8h, v2.h[3]')
    add(f'{op} v0.2s, v1.2s, v2.s[3]')
    add(f'{op} h0, h1, v2.h[7]')
    add(f'{op} s0, s1, v2.s[1]')
for op in ['sqdmull', 'sqdmlal', 'sqdmlsl']:
    add(f'{op} v0.4s, v1.4h, v2.4h')
    add(f'{op}2 v0.4s, v1.8h, v2.8h')
    add(f'{op} v0.2d, v1.2s, v2.2s')
    add(f'{op}2 v0.2d, v1.4s, v2.4s')
    add(f'{op} s0, h1, h2')
    add(f'{op} d0, s1, s2')
    add(f'{op} v0.4s, v1.4h, v2.h[5]')
    add(f'{op}2 v0.2d, v1.4s, v2.s[2]')
    add(f'{op} s0, h1, v2.h[1]')
    add(f'{op} d0, s1, v2.s[3]')
# saturation with extreme values
out.append('sqdmulh v0.8h, v1.8h, v2.8h ; v1=0x8000800080008000:0x8000800080007fff v2=0x8000800080008000:0x7fff800080008000')
out.append('sqdmull v0.4s, v1.4h, v2.4h ; v1=0x8000800080008000 v2=0x8000800080008000')
out.append('sqdmlal d0, s1, s2 ; v1=0x80000000 v2=0x80000000 v0=0x7fffffffffffffff')
add('pmul v0.16b, v1.16b, v2.16b')
add('pmul v0.8b, v1.8b, v2.8b')
add('pmull v0.8h, v1.8b, v2.8b')
add('pmull2 v0.8h, v1.16b, v2.16b')
for op in ['sqabs', 'sqneg', 'suqadd', 'usqadd']:
    for a in ALL:
        add(f'{op} v0.{a}, v1.{a}', regs=(1,))
    for r in 'bhsd':
        add(f'{op} {r}0, {r}1', regs=(1,))
for op in ['sqshl', 'uqshl', 'sqshlu']:
    for a, es in [('8b', 8), ('16b', 8), ('4h', 16), ('8h', 16), ('2s', 32), ('4s', 32), ('2d', 64)]:
        for sh in [0, 1, es // 2, es - 1]:
            add(f'{op} v0.{a}, v1.{a}, #{sh}', n=1, regs=(1,))
    for r, es in [('b', 8), ('h', 16), ('s', 32), ('d', 64)]:
        for sh in [0, 3, es - 1]:
            add(f'{op} {r}0, {r}1, #{sh}', n=1, regs=(1,))
for op in ['fmulx', 'frecps', 'frsqrts']:
    add(f'{op} v0.4s, v1.4s, v2.4s', n=6, fp=False)
    add(f'{op} v0.2d, v1.2d, v2.2d', n=6, fp=True)
    add(f'{op} s0, s1, s2', n=4, fp=False)
    add(f'{op} d0, d1, d2', n=4, fp=True)
add('fmulx v0.4s, v1.4s, v2.s[1]', n=4, fp=False)
add('fmulx d0, d1, v2.d[1]', n=4, fp=True)
for op in ['frecpe', 'frsqrte']:
    add(f'{op} v0.4s, v1.4s', n=10, regs=(1,), fp=False)
    add(f'{op} v0.2d, v1.2d', n=10, regs=(1,), fp=True)
    add(f'{op} s0, s1', n=6, regs=(1,), fp=False)
    add(f'{op} d0, d1', n=6, regs=(1,), fp=True)
add('frecpx s0, s1', n=6, regs=(1,), fp=False)
add('frecpx d0, d1', n=6, regs=(1,), fp=True)
add('urecpe v0.4s, v1.4s', n=6, regs=(1,))
add('ursqrte v0.4s, v1.4s', n=6, regs=(1,))
add('urecpe v0.2s, v1.2s', n=2, regs=(1,))
# random normal values for the estimates
for _ in range(20):
    x = random.getrandbits(32) & 0x7fffffff
    y = random.getrandbits(64) & 0x7fffffffffffffff
    out.append(f'frecpe s0, s1 ; v1={x:#x}')
    out.append(f'frsqrte s0, s1 ; v1={x:#x}')
    out.append(f'frecpe d0, d1 ; v1={y:#x}')
    out.append(f'frsqrte d0, d1 ; v1={y:#x}')
# The inline (SWAR) paths, with lanes biased to the edges.
def edgevec(es):
    n = 128 // es
    pool = [0, 1, (1 << (es - 1)) - 1, 1 << (es - 1), (1 << es) - 1, 2, (1 << (es - 1)) + 1]
    v = 0
    for i in range(n):
        x = random.choice(pool) if random.random() < 0.7 else random.getrandbits(es)
        v |= x << (i * es)
    return f'{v & M64:#x}:{v >> 64:#x}'
for a, es in [('8b', 8), ('16b', 8), ('4h', 16), ('8h', 16), ('2s', 32), ('4s', 32), ('2d', 64)]:
    ops = ['add', 'sub', 'cmeq', 'cmtst', 'cmgt', 'cmhi', 'cmge', 'cmhs', 'addp']
    if es < 64:
        ops += ['umaxp', 'uminp', 'smax', 'umax', 'smin', 'umin']
    for op in ops:
        for _ in range(6):
            out.append(f'{op} v0.{a}, v1.{a}, v2.{a} ; v1={edgevec(es)} v2={edgevec(es)} v0={vec()}')
    for op in ['cmeq', 'cmgt', 'cmge', 'cmle', 'cmlt']:
        for _ in range(4):
            out.append(f'{op} v0.{a}, v1.{a}, #0 ; v1={edgevec(es)} v0={vec()}')
    for sh in [1, es // 2, es]:
        out.append(f'sshr v0.{a}, v1.{a}, #{sh} ; v1={edgevec(es)} v0={vec()}')
        out.append(f'ssra v0.{a}, v1.{a}, #{sh} ; v1={edgevec(es)} v0={edgevec(es)}')
    out.append(f'smov x0, v1.{ {8: "b", 16: "h", 32: "s", 64: "d"}[es] }[1] ; v1={edgevec(es)}' if es < 64 else f'umov x0, v1.d[1] ; v1={edgevec(es)}')
for d, s_, es in [('8b', '8h', 8), ('4h', '4s', 16), ('2s', '2d', 32)]:
    d2 = {'8b': '16b', '4h': '8h', '2s': '4s'}[d]
    for sh in [1, 4, es]:
        out.append(f'shrn v0.{d}, v1.{s_}, #{sh} ; v1={edgevec(2 * es)} v0={vec()}')
        out.append(f'shrn2 v0.{d2}, v1.{s_}, #{sh} ; v1={edgevec(2 * es)} v0={vec()}')
    out.append(f'xtn2 v0.{d2}, v1.{s_} ; v1={edgevec(2 * es)} v0={vec()}')
out.append('# FCVTXN: round to odd')
out += '''fcvtxn v0.2s, v1.2d ; v1=0x3fb999999999999a:0x3ff0000000000001 v0=0x1111:0x2222
fcvtxn2 v0.4s, v1.2d ; v1=0x7fefffffffffffff:0x380fffffffffffff v0=0x1111:0x2222
fcvtxn v0.2s, v1.2d ; fpcr=0x1000000 v1=0x36a0000000000001:0x8000000000000001
fcvtxn v0.2s, v1.2d ; fpcr=0x2000000 v1=0x7ff0000000005678:0xfff8000000000123
fcvtxn v0.2s, v1.2d ; v1=0x7ff0000000000000:0x36a0000000000000
fcvtxn s0, d1 ; v1=0x3ff0000010000000
fcvtxn s0, d1 ; v1=0x3ff0000000000000
fcvtxn s0, d1 ; fpcr=0xc00000 v1=0xc7efffffffffffff
fcvtxn s0, d1 ; v1=0x0000000000000001
'''.strip().split('\n')
print('\n'.join(out))
