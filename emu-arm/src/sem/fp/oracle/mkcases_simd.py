import random
random.seed(11)
M64 = 2**64 - 1
SPECIAL64 = [0, M64, 0x8000000000000000, 0x7fffffffffffffff, 0x7f80ff0001fe8081, 0x80007fffffff0001,
             0x7fffffff80000000, 0x0102030405060708, 0x00ff00ff00ff00ff, 0xfffefdfc80817f7e]
def r64():
    return random.choice(SPECIAL64) if random.random() < 0.3 else random.getrandbits(64)
def vec():
    return f'{r64():#x}:{r64():#x}'
FS = [0, 0x80000000, 0x3f800000, 0xbfc00000, 0x40400000, 0x3dcccccd, 0x7f800000, 0xff800000, 0x7fc01234,
      0x7f805678, 0x00000001, 0x80000123, 0x00800000, 0x7f7fffff, 0x3eaaaaab, 0x4f000000, 0xcf000001, 0x5f800000]
FD = [0, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000, 0x4008000000000000, 0x3fb999999999999a,
      0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000001234, 0x7ff0000000005678, 1, 0x8000000000000123,
      0x0010000000000000, 0x7fefffffffffffff, 0x43e0000000000000, 0xc3e0000000000001, 0x41e0000000000000]
def fvec(double):
    if double:
        return f'{random.choice(FD):#x}:{random.choice(FD):#x}'
    l = [random.choice(FS) for _ in range(4)]
    return f'{l[0] | l[1] << 32:#x}:{l[2] | l[3] << 32:#x}'
FPCRS = [0, 0x400000, 0x800000, 0xc00000, 0x1000000, 0x2000000, 0x3000000]
out = []
def add(asm, n=3, regs=(1, 2, 3), fp=None, fpcr=None):
    for _ in range(n):
        parts = [asm]
        kv = []
        if fpcr is not None:
            kv.append(f'fpcr={fpcr:#x}')
        elif fp is not None:
            kv.append(f'fpcr={random.choice(FPCRS):#x}')
        for r in regs:
            kv.append(f'v{r}=' + (fvec(fp) if fp is not None else vec()))
        kv.append(f'v0={vec()}')
        kv.append(f'x1={r64():#x}')
        out.append(asm + ' ; ' + ' '.join(kv))

ALL = ['8b', '16b', '4h', '8h', '2s', '4s', '2d']
NO64 = ALL[:-1]
for op in ['add', 'sub', 'cmeq', 'cmge', 'cmgt', 'cmhi', 'cmhs', 'cmtst', 'sqadd', 'uqadd', 'sqsub', 'uqsub', 'sshl', 'ushl', 'addp']:
    for a in ALL:
        add(f'{op} v0.{a}, v1.{a}, v2.{a}')
for op in ['mul', 'mla', 'mls', 'smax', 'umax', 'smin', 'umin', 'sabd', 'uabd', 'saba', 'uaba', 'smaxp', 'umaxp', 'sminp', 'uminp',
           'shadd', 'uhadd', 'srhadd', 'urhadd', 'shsub', 'uhsub']:
    for a in NO64:
        add(f'{op} v0.{a}, v1.{a}, v2.{a}')
for op in ['and', 'orr', 'orn', 'eor', 'bic', 'bsl', 'bit', 'bif']:
    for a in ['8b', '16b']:
        add(f'{op} v0.{a}, v1.{a}, v2.{a}')
        add(f'{op} v0.{a}, v0.{a}, v1.{a}', regs=(1,))
# shifts by register with controlled amounts
for a, es in [('16b', 8), ('8h', 16), ('4s', 32), ('2d', 64)]:
    for op in ['sshl', 'ushl']:
        amounts = [0, 1, es - 1, es, es + 1, -1, -(es - 1), -es, -(es + 1), 127, -128, 200]
        for _ in range(3):
            n = 128 // es
            l = [random.choice(amounts) & 0xff for _ in range(n)]
            v = sum(x << (i * es) for i, x in enumerate(l))
            out.append(f'{op} v0.{a}, v1.{a}, v2.{a} ; v1={vec()} v2={v & M64:#x}:{v >> 64:#x}')
# two-register misc
for op, arrs in [('rev64', ['8b', '16b', '4h', '8h', '2s', '4s']), ('rev32', ['8b', '16b', '4h', '8h']), ('rev16', ['8b', '16b']),
                 ('cls', NO64), ('clz', NO64), ('cnt', ['8b', '16b']), ('not', ['8b', '16b']), ('rbit', ['8b', '16b']),
                 ('abs', ALL), ('neg', ALL)]:
    for a in arrs:
        add(f'{op} v0.{a}, v1.{a}', regs=(1,))
for op in ['cmgt', 'cmge', 'cmeq', 'cmle', 'cmlt']:
    for a in ALL:
        add(f'{op} v0.{a}, v1.{a}, #0', regs=(1,))
for op in ['saddlp', 'uaddlp', 'sadalp', 'uadalp']:
    for a, b in [('4h', '8b'), ('8h', '16b'), ('2s', '4h'), ('4s', '8h'), ('1d', '2s'), ('2d', '4s')]:
        add(f'{op} v0.{a}, v1.{b}', regs=(1,))
for op in ['xtn', 'sqxtn', 'uqxtn', 'sqxtun']:
    for a, b in [('8b', '8h'), ('4h', '4s'), ('2s', '2d')]:
        add(f'{op} v0.{a}, v1.{b}', regs=(1,))
        a2 = {'8b': '16b', '4h': '8h', '2s': '4s'}[a]
        add(f'{op}2 v0.{a2}, v1.{b}', regs=(1,))
for a, b in [('8h', '8b'), ('4s', '4h'), ('2d', '2s')]:
    add(f'shll v0.{a}, v1.{b}, #{ {"8h": 8, "4s": 16, "2d": 32}[a] }', regs=(1,))
    add(f'shll2 v0.{a}, v1.{ {"8b":"16b","4h":"8h","2s":"4s"}[b] }, #{ {"8h": 8, "4s": 16, "2d": 32}[a] }', regs=(1,))
# across
for op in ['addv', 'smaxv', 'umaxv', 'sminv', 'uminv', 'saddlv', 'uaddlv']:
    for a, s in [('8b', 'b'), ('16b', 'b'), ('4h', 'h'), ('8h', 'h'), ('4s', 's')]:
        d = s if op not in ('saddlv', 'uaddlv') else {'b': 'h', 'h': 's', 's': 'd'}[s]
        add(f'{op} {d}0, v1.{a}', regs=(1,))
for op in ['fmaxnmv', 'fminnmv', 'fmaxv', 'fminv']:
    add(f'{op} s0, v1.4s', n=12, regs=(1,), fp=False)
# copy
for a in ['b', 'h', 's', 'd']:
    n = {'b': 16, 'h': 8, 's': 4, 'd': 2}[a]
    for i in [0, n - 1, n // 2]:
        for arr in {'b': ['8b', '16b'], 'h': ['4h', '8h'], 's': ['2s', '4s'], 'd': ['2d']}[a]:
            add(f'dup v0.{arr}, v1.{a}[{i}]', n=1, regs=(1,))
        add(f'mov {a}0, v1.{a}[{i}]', n=1, regs=(1,))
        add(f'mov v0.{a}[{i}], v1.{a}[{n - 1 - i}]', n=1, regs=(1,))
        reg = 'x' if a == 'd' else 'w'
        add(f'mov v0.{a}[{i}], {reg}1', n=1, regs=())
        add(f'umov {reg}0, v1.{a}[{i}]', n=1, regs=(1,))
        if a in 'bh':
            add(f'smov w0, v1.{a}[{i}]', n=1, regs=(1,))
        if a in 'bhs':
            add(f'smov x0, v1.{a}[{i}]', n=1, regs=(1,))
for arr, reg in [('8b', 'w'), ('16b', 'w'), ('4h', 'w'), ('8h', 'w'), ('2s', 'w'), ('4s', 'w'), ('2d', 'x')]:
    add(f'dup v0.{arr}, {reg}1', n=2, regs=())
out.append('dup v0.4s, wzr ; v0=0x1234:0x5678')
# modified immediate
for s in ['movi v0.16b, #0xab', 'movi v0.8b, #0x7f', 'movi v0.4s, #0x12, lsl #8', 'movi v0.2s, #0xff, lsl #24',
          'movi v0.8h, #0x34', 'movi v0.4h, #0x34, lsl #8', 'movi v0.2d, #0xff00ff00ff00ff00', 'movi d0, #0xff0000ff00ffff00',
          'mvni v0.8h, #0x34, lsl #8', 'mvni v0.4s, #0x80', 'mvni v0.2s, #0x12, msl #16', 'movi v0.4s, #0x12, msl #8',
          'orr v0.4s, #0x12, lsl #24', 'orr v0.8h, #0x81', 'orr v0.2s, #0x55, lsl #16', 'bic v0.8h, #0xff', 'bic v0.4s, #0xf0, lsl #8', 'bic v0.4h, #0x1, lsl #8',
          'fmov v0.4s, #1.5', 'fmov v0.2d, #-0.25', 'fmov v0.2s, #2.0', 'movi v0.2d, #0']:
    add(s, n=1, regs=())
# shift by immediate
for a, es in [('8b', 8), ('16b', 8), ('4h', 16), ('8h', 16), ('2s', 32), ('4s', 32), ('2d', 64)]:
    for op in ['sshr', 'ushr', 'ssra', 'usra', 'srshr', 'urshr', 'srsra', 'ursra', 'sri']:
        for sh in [1, es // 2 + 1, es]:
            add(f'{op} v0.{a}, v1.{a}, #{sh}', n=1, regs=(1,))
    for op in ['shl', 'sli']:
        for sh in [0, 3, es - 1]:
            add(f'{op} v0.{a}, v1.{a}, #{sh}', n=1, regs=(1,))
for d, s, es in [('8b', '8h', 8), ('4h', '4s', 16), ('2s', '2d', 32)]:
    d2 = {'8b': '16b', '4h': '8h', '2s': '4s'}[d]
    for op in ['shrn', 'rshrn', 'sqshrn', 'uqshrn', 'sqrshrn', 'uqrshrn', 'sqshrun', 'sqrshrun']:
        for sh in [1, es // 2, es]:
            add(f'{op} v0.{d}, v1.{s}, #{sh}', n=1, regs=(1,))
            add(f'{op}2 v0.{d2}, v1.{s}, #{sh}', n=1, regs=(1,))
    for op in ['sshll', 'ushll']:
        for sh in [0, 1, es - 1]:
            add(f'{op} v0.{s}, v1.{d}, #{sh}', n=1, regs=(1,))
            add(f'{op}2 v0.{s}, v1.{d2}, #{sh}', n=1, regs=(1,))
    add(f'sxtl v0.{s}, v1.{d}', n=1, regs=(1,))
    add(f'uxtl2 v0.{s}, v1.{d2}', n=1, regs=(1,))
for op in ['scvtf', 'ucvtf', 'fcvtzs', 'fcvtzu']:
    for a, fb in [('4s', 1), ('4s', 16), ('2s', 32), ('2d', 1), ('2d', 40), ('2d', 64)]:
        dbl = a == '2d'
        add(f'{op} v0.{a}, v1.{a}, #{fb}', n=2, regs=(1,), fp=(dbl if op.startswith('fcvt') else None))
# by element
for op in ['mul', 'mla', 'mls']:
    for a, e, idx in [('4h', 'h', 7), ('8h', 'h', 2), ('2s', 's', 3), ('4s', 's', 1)]:
        add(f'{op} v0.{a}, v1.{a}, v2.{e}[{idx}]', n=2)
    add(f'{op} v0.8h, v1.8h, v7.h[5]', n=1, regs=(1, 7))
for op in ['smull', 'umull', 'smlal', 'umlal', 'smlsl', 'umlsl']:
    for a, b, e, idx in [('4s', '4h', 'h', 3), ('2d', '2s', 's', 2)]:
        add(f'{op} v0.{a}, v1.{b}, v2.{e}[{idx}]', n=2)
        b2 = {'4h': '8h', '2s': '4s'}[b]
        add(f'{op}2 v0.{a}, v1.{b2}, v2.{e}[{idx}]', n=2)
for op in ['fmul', 'fmla', 'fmls']:
    add(f'{op} v0.4s, v1.4s, v2.s[3]', n=4, fp=False)
    add(f'{op} v0.2s, v1.2s, v2.s[1]', n=3, fp=False)
    add(f'{op} v0.2d, v1.2d, v2.d[1]', n=4, fp=True)
    add(f'{op} s0, s1, v2.s[2]', n=3, fp=False)
    add(f'{op} d0, d1, v2.d[1]', n=3, fp=True)
# three different
for op in ['saddl', 'uaddl', 'ssubl', 'usubl', 'sabal', 'uabal', 'sabdl', 'uabdl', 'smlal', 'umlal', 'smlsl', 'umlsl', 'smull', 'umull']:
    for w, n_, n2 in [('8h', '8b', '16b'), ('4s', '4h', '8h'), ('2d', '2s', '4s')]:
        add(f'{op} v0.{w}, v1.{n_}, v2.{n_}', n=1)
        add(f'{op}2 v0.{w}, v1.{n2}, v2.{n2}', n=1)
for op in ['saddw', 'uaddw', 'ssubw', 'usubw']:
    for w, n_, n2 in [('8h', '8b', '16b'), ('4s', '4h', '8h'), ('2d', '2s', '4s')]:
        add(f'{op} v0.{w}, v1.{w}, v2.{n_}', n=1)
        add(f'{op}2 v0.{w}, v1.{w}, v2.{n2}', n=1)
for op in ['addhn', 'raddhn', 'subhn', 'rsubhn']:
    for n_, w, n2 in [('8b', '8h', '16b'), ('4h', '4s', '8h'), ('2s', '2d', '4s')]:
        add(f'{op} v0.{n_}, v1.{w}, v2.{w}', n=1)
        add(f'{op}2 v0.{n2}, v1.{w}, v2.{w}', n=1)
# permute, ext, tbl
for op in ['zip1', 'zip2', 'uzp1', 'uzp2', 'trn1', 'trn2']:
    for a in ALL:
        add(f'{op} v0.{a}, v1.{a}, v2.{a}', n=1)
for i in [0, 1, 7, 8, 15]:
    add(f'ext v0.16b, v1.16b, v2.16b, #{i}', n=1)
for i in [0, 3, 7]:
    add(f'ext v0.8b, v1.8b, v2.8b, #{i}', n=1)
def idxvec(maxv):
    b = [random.randrange(maxv) for _ in range(16)]
    v = sum(x << (8 * i) for i, x in enumerate(b))
    return f'{v & M64:#x}:{v >> 64:#x}'
for op in ['tbl', 'tbx']:
    for nregs in [1, 2, 3, 4]:
        lst = ', '.join(f'v{1 + k}.16b' for k in range(nregs))
        for arr in ['16b', '8b']:
            regs = ' '.join(f'v{1 + k}={vec()}' for k in range(nregs))
            out.append(f'{op} v0.{arr}, {{{lst}}}, v7.{arr} ; {regs} v7={idxvec(16 * nregs + 20)} v0={vec()}')
out.append(f'tbl v0.16b, {{v6.16b, v7.16b}}, v1.16b ; v6={vec()} v7={vec()} v1={idxvec(40)}')
# scalar forms
for op in ['add', 'sub', 'cmeq', 'cmge', 'cmgt', 'cmhi', 'cmhs', 'cmtst', 'sshl', 'ushl']:
    add(f'{op} d0, d1, d2', n=2)
for op in ['sqadd', 'uqadd', 'sqsub', 'uqsub']:
    for r in 'bhsd':
        add(f'{op} {r}0, {r}1, {r}2', n=2)
for op in ['cmgt', 'cmge', 'cmeq', 'cmle', 'cmlt']:
    add(f'{op} d0, d1, #0', n=2, regs=(1,))
for op in ['abs', 'neg']:
    add(f'{op} d0, d1', n=2, regs=(1,))
for op in ['sqxtn', 'uqxtn', 'sqxtun']:
    for d, s in [('b', 'h'), ('h', 's'), ('s', 'd')]:
        add(f'{op} {d}0, {s}1', n=2, regs=(1,))
for op, sh in [('shl', 5), ('shl', 63), ('sshr', 64), ('ushr', 64), ('sshr', 7), ('ushr', 1), ('ssra', 3), ('usra', 64), ('srshr', 5),
               ('urshr', 64), ('sri', 64), ('sri', 4), ('sli', 0), ('sli', 33), ('srsra', 2), ('ursra', 63)]:
    add(f'{op} d0, d1, #{sh}', n=1, regs=(1,))
for op in ['sqshrn', 'uqshrn', 'sqshrun', 'sqrshrn']:
    add(f'{op} b0, h1, #3', n=2, regs=(1,))
    add(f'{op} s0, d1, #20', n=2, regs=(1,))
add('addp d0, v1.2d', n=2, regs=(1,))
for op in ['faddp', 'fmaxp', 'fminp', 'fmaxnmp', 'fminnmp']:
    add(f'{op} s0, v1.2s', n=3, regs=(1,), fp=False)
    add(f'{op} d0, v1.2d', n=3, regs=(1,), fp=True)
for op in ['fcmeq', 'fcmge', 'fcmgt', 'facge', 'facgt', 'fabd']:
    add(f'{op} s0, s1, s2', n=3, fp=False)
    add(f'{op} d0, d1, d2', n=3, fp=True)
for op in ['fcmeq', 'fcmge', 'fcmgt', 'fcmle', 'fcmlt']:
    add(f'{op} s0, s1, #0.0', n=3, regs=(1,), fp=False)
    add(f'{op} d0, d1, #0.0', n=3, regs=(1,), fp=True)
    add(f'{op} v0.4s, v1.4s, #0.0', n=3, regs=(1,), fp=False)
    add(f'{op} v0.2d, v1.2d, #0.0', n=2, regs=(1,), fp=True)
for op in ['fcvtns', 'fcvtnu', 'fcvtms', 'fcvtmu', 'fcvtas', 'fcvtau', 'fcvtps', 'fcvtpu', 'fcvtzs', 'fcvtzu']:
    add(f'{op} s0, s1', n=2, regs=(1,), fp=False)
    add(f'{op} d0, d1', n=2, regs=(1,), fp=True)
    add(f'{op} v0.4s, v1.4s', n=2, regs=(1,), fp=False)
    add(f'{op} v0.2d, v1.2d', n=2, regs=(1,), fp=True)
for op in ['scvtf', 'ucvtf']:
    add(f'{op} s0, s1', n=2, regs=(1,))
    add(f'{op} d0, d1', n=2, regs=(1,))
    add(f'{op} v0.4s, v1.4s', n=2, regs=(1,))
    add(f'{op} v0.2d, v1.2d', n=2, regs=(1,))
    add(f'{op} s0, s1, #7', n=1, regs=(1,))
    add(f'{op} d0, d1, #33', n=1, regs=(1,))
add('fcvtzs s0, s1, #4', n=2, regs=(1,), fp=False)
add('fcvtzu d0, d1, #10', n=2, regs=(1,), fp=True)
# FP vector arithmetic
for op in ['fadd', 'fsub', 'fmul', 'fdiv', 'fmax', 'fmin', 'fmaxnm', 'fminnm', 'fmla', 'fmls', 'fabd', 'fcmeq', 'fcmge', 'fcmgt',
           'facge', 'facgt', 'faddp', 'fmaxp', 'fminp', 'fmaxnmp', 'fminnmp']:
    add(f'{op} v0.4s, v1.4s, v2.4s', n=4, fp=False)
    add(f'{op} v0.2s, v1.2s, v2.2s', n=2, fp=False)
    add(f'{op} v0.2d, v1.2d, v2.2d', n=4, fp=True)
for op in ['frintn', 'frintp', 'frintm', 'frintz', 'frinta', 'frintx', 'frinti', 'fabs', 'fneg', 'fsqrt']:
    add(f'{op} v0.4s, v1.4s', n=3, regs=(1,), fp=False)
    add(f'{op} v0.2d, v1.2d', n=3, regs=(1,), fp=True)
    add(f'{op} v0.2s, v1.2s', n=1, regs=(1,), fp=False)
add('fcvtn v0.2s, v1.2d', n=4, regs=(1,), fp=True)
add('fcvtn2 v0.4s, v1.2d', n=4, regs=(1,), fp=True)
add('fcvtn v0.4h, v1.4s', n=4, regs=(1,), fp=False)
add('fcvtn2 v0.8h, v1.4s', n=4, regs=(1,), fp=False)
add('fcvtl v0.2d, v1.2s', n=4, regs=(1,), fp=False)
add('fcvtl2 v0.2d, v1.4s', n=4, regs=(1,), fp=False)
add('fcvtl v0.4s, v1.4h', n=4, regs=(1,))
add('fcvtl2 v0.4s, v1.8h', n=4, regs=(1,))
print('\n'.join(out))
