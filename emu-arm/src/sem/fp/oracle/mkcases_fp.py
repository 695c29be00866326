import random
random.seed(7)
D = dict(z=0, nz=0x8000000000000000, one=0x3ff0000000000000, m15=0xbff8000000000000, three=0x4008000000000000,
  tenth=0x3fb999999999999a, inf=0x7ff0000000000000, ninf=0xfff0000000000000, qn=0x7ff8000000001234,
  nqn=0xfff8000000000042, sn=0x7ff0000000005678, nsn=0xfff0000000000abc, dmin=1, dmax=0x000fffffffffffff,
  ndm=0x8000000000000123, mn=0x0010000000000000, big=0x7fefffffffffffff, nbig=0xffefffffffffffff,
  onep=0x3ff0000000000001, third=0x3fd5555555555555, two=0x4000000000000000, h=0x3fe0000000000000, e300=0x01a56e1fc2f8f359, big2=0x7fe0000000000000)
S = dict(z=0, nz=0x80000000, one=0x3f800000, m15=0xbfc00000, three=0x40400000, tenth=0x3dcccccd, inf=0x7f800000,
  ninf=0xff800000, qn=0x7fc01234, nqn=0xffc00042, sn=0x7f805678, nsn=0xff800abc, dmin=1, dmax=0x007fffff,
  ndm=0x80000123, mn=0x00800000, big=0x7f7fffff, nbig=0xff7fffff, onep=0x3f800001, third=0x3eaaaaab, two=0x40000000, h=0x3f000000, e300=0x0da24260, big2=0x7f000000)
FPCRS = [0, 0x400000, 0x800000, 0xc00000, 0x1000000, 0x2000000]
keys = list(D)
out = []
def pairs(n):
    ps = [(a, b) for a in ['sn','qn','nsn','nqn','inf','ninf','z','nz','dmin','ndm'] for b in ['one','qn','sn','inf','z','nz','dmax']]
    random.shuffle(ps)
    ps = ps[:n//2] + [(random.choice(keys), random.choice(keys)) for _ in range(n//2)]
    return ps
ops2 = ['fmul','fdiv','fadd','fsub','fmax','fmin','fmaxnm','fminnm','fnmul']
for p, V in (('d', D), ('s', S)):
    for op in ops2:
        for a, b in pairs(36):
            fp = random.choice(FPCRS)
            out.append(f'{op} {p}0, {p}1, {p}2 ; fpcr={fp:#x} {p}1={V[a]:#x} {p}2={V[b]:#x}')
    # rounding-sensitive arithmetic under every mode
    for op in ['fadd','fsub','fmul','fdiv']:
        for a, b in [('one','tenth'),('third','three'),('tenth','third'),('big','big'),('mn','h'),('dmax','dmin'),('one','onep'),('big2','two'),('e300','e300')]:
            for fp in [0, 0x400000, 0x800000, 0xc00000, 0x1000000, 0x1c00000]:
                out.append(f'{op} {p}0, {p}1, {p}2 ; fpcr={fp:#x} {p}1={V[a]:#x} {p}2={V[b]:#x}')
    # tininess before rounding: a product just below the smallest normal rounding up to it
    tiny_a = 0x3fefffffffffffff if p == 'd' else 0x3f7fffff
    for fp in [0, 0x400000, 0xc00000, 0x1000000]:
        out.append(f'fmul {p}0, {p}1, {p}2 ; fpcr={fp:#x} {p}1={tiny_a:#x} {p}2={V["mn"]:#x}')
        out.append(f'fmul {p}0, {p}1, {p}2 ; fpcr={fp:#x} {p}1={V["h"]:#x} {p}2={V["mn"]:#x}')
        out.append(f'fsub {p}0, {p}1, {p}2 ; fpcr={fp:#x} {p}1={V["onep"]:#x} {p}2={V["one"]:#x}')
        out.append(f'fadd {p}0, {p}1, {p}2 ; fpcr={fp:#x} {p}1={V["dmax"]:#x} {p}2={V["dmin"]:#x}')
    for op in ['fmadd','fmsub','fnmadd','fnmsub']:
        trip = [('sn','qn','one'),('qn','inf','z'),('one','inf','z'),('qn','sn','nqn'),('one','two','three'),('tenth','three','third'),
                ('inf','ninf','one'),('one','one','ninf'),('nz','z','one'),('z','nz','z'),('big','big','nbig'),('dmin','h','z'),
                ('one','nqn','qn'),('one','tenth','h'),('mn','h','ndm'), ('sn','inf','z'), ('ninf','one','inf')]
        for a, b, c in trip:
            for fp in [0, 0x400000, 0x800000, 0xc00000, 0x1000000, 0x2000000]:
                out.append(f'{op} {p}0, {p}1, {p}2, {p}3 ; fpcr={fp:#x} {p}1={V[a]:#x} {p}2={V[b]:#x} {p}3={V[c]:#x}')
    for op in ['fsqrt','fabs','fneg','fmov','frintn','frintp','frintm','frintz','frinta','frintx','frinti']:
        for a in ['z','nz','one','m15','three','tenth','inf','ninf','qn','nsn','sn','dmin','ndm','big','h','third','two','onep']:
            fp = random.choice(FPCRS)
            out.append(f'{op} {p}0, {p}1 ; fpcr={fp:#x} {p}1={V[a]:#x}')
    for a in ['h','m15']:
        for fp in [0, 0x400000, 0x800000, 0xc00000]:
            for op in ['frintx','frinti']:
                out.append(f'{op} {p}0, {p}1 ; fpcr={fp:#x} {p}1={V[a]:#x}')
    for op in ['fcmp','fcmpe']:
        for a, b in pairs(24) + [('one','one'),('z','nz'),('one','two'),('two','one'),('dmin','z')]:
            fp = random.choice([0, 0x1000000])
            out.append(f'{op} {p}1, {p}2 ; fpcr={fp:#x} {p}1={V[a]:#x} {p}2={V[b]:#x}')
        for a in ['z','nz','qn','sn','one','m15','dmin']:
            out.append(f'{op} {p}1, #0.0 ; fpcr=0x1000000 {p}1={V[a]:#x}')
            out.append(f'{op} {p}1, #0.0 ; {p}1={V[a]:#x}')
    for op in ['fccmp','fccmpe']:
        for a, b in [('one','two'),('qn','one'),('sn','one'),('one','one')]:
            for nz in [0, 0x40000000, 0x60000000]:
                out.append(f'{op} {p}1, {p}2, #5, eq ; nzcv={nz:#x} {p}1={V[a]:#x} {p}2={V[b]:#x}')
    for nz in [0, 0x40000000, 0x80000000, 0x90000000]:
        out.append(f'fcsel {p}0, {p}1, {p}2, gt ; nzcv={nz:#x} {p}1={V["one"]:#x} {p}2={V["qn"]:#x}')
    for imm in ['1.0','-2.0','0.125','31.0','-1.9375','0.5']:
        out.append(f'fmov {p}0, #{imm}')
    # conversions to integers
    for op in ['fcvtzs','fcvtzu','fcvtns','fcvtnu','fcvtas','fcvtau','fcvtps','fcvtpu','fcvtms','fcvtmu']:
        for r in ['w','x']:
            for a in ['z','nz','one','m15','three','tenth','inf','ninf','qn','sn','dmin','big','nbig','h','third']:
                fp = random.choice([0, 0x1000000])
                out.append(f'{op} {r}0, {p}1 ; fpcr={fp:#x} {p}1={V[a]:#x}')
    big_vals_d = [0x41dfffffffc00000, 0x41e0000000000000, 0xc1e0000000000000, 0xc1e0000000200000, 0x41efffffffe00000, 0x41f0000000000000,
                  0x43e0000000000000, 0xc3e0000000000000, 0x43f0000000000000, 0x43efffffffffffff, 0xbff0000000000000, 0x4004000000000000, 0xc004000000000000, 0x400c000000000000, 0xbfe0000000000000]
    big_vals_s = [0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001, 0x4f7fffff, 0x4f800000, 0x5f000000, 0xdf000000, 0x5f800000, 0x5effffff, 0xbf800000, 0x40200000, 0xc0200000, 0x40600000, 0xbf000000]
    for a in (big_vals_d if p == 'd' else big_vals_s):
        for op in ['fcvtzs','fcvtzu','fcvtns','fcvtau','fcvtms','fcvtpu']:
            for r in ['w','x']:
                out.append(f'{op} {r}0, {p}1 ; {p}1={a:#x}')
    for fb in [1, 16, 32]:
        for a in ['one','m15','three','tenth','big','h']:
            for op in ['fcvtzs','fcvtzu']:
                out.append(f'{op} w0, {p}1, #{fb} ; {p}1={V[a]:#x}')
                out.append(f'{op} x0, {p}1, #{fb*2} ; {p}1={V[a]:#x}')
    ints = [0, 1, 0xffffffffffffffff, 0x7fffffffffffffff, 0x8000000000000000, 0x123456789abcdef1, 0xffffffff, 0x80000000, 0x1000001, 0x20000000000001, 0x7fffffff, 0xfffffffffffff801]
    for op in ['scvtf','ucvtf']:
        for r in ['w','x']:
            for v in ints:
                fp = random.choice([0, 0x400000, 0x800000, 0xc00000])
                out.append(f'{op} {p}0, {r}1 ; fpcr={fp:#x} x1={v:#x}')
            for fb in [1, 8, 32]:
                v = random.choice(ints)
                out.append(f'{op} {p}0, {r}1, #{fb} ; x1={v:#x}')
        out.append(f'{op} {p}0, x1, #64 ; x1=0x8000000000000001')
# FMOV general
out.append('fmov w0, s1 ; v1=0x1234567887654321:0xffff')
out.append('fmov x0, d1 ; v1=0x1234567887654321:0xffff')
out.append('fmov x0, v1.d[1] ; v1=0x1234567887654321:0xffff')
out.append('fmov s0, w1 ; x1=0x1234567887654321')
out.append('fmov d0, x1 ; x1=0x1234567887654321')
out.append('fmov v0.d[1], x1 ; x1=0x1234567887654321')
out.append('fmov s0, wzr')
# FCVT between precisions
H = [0, 0x8000, 0x3c00, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e01, 0x7d01, 0xfc01, 0xbc00, 0x3555]
for a in H:
    for fp in [0, 0x1000000, 0x2000000, 0x4000000]:
        out.append(f'fcvt s0, h1 ; fpcr={fp:#x} v1={a:#x}')
        out.append(f'fcvt d0, h1 ; fpcr={fp:#x} v1={a:#x}')
for a in list(S.values()) + [0x477fefff, 0x477ff000, 0x477fffff, 0x38800000, 0x387fc000, 0x33800000, 0x33000001, 0x33000000, 0x3c00401]:
    for fp in [0, 0x400000, 0x800000, 0xc00000, 0x1000000, 0x2000000, 0x4000000]:
        out.append(f'fcvt h0, s1 ; fpcr={fp:#x} v1={a:#x}')
    for fp in [0, 0x1000000, 0x2000000]:
        out.append(f'fcvt d0, s1 ; fpcr={fp:#x} v1={a:#x}')
for a in list(D.values()) + [0x3810000000000000, 0x380fffffffffffff, 0x36a0000000000000, 0x47efffffefffffff, 0x47effffff0000000, 0x40fffe0000000000, 0x40ffff0000000000]:
    for fp in [0, 0x400000, 0x800000, 0xc00000, 0x1000000, 0x2000000]:
        out.append(f'fcvt s0, d1 ; fpcr={fp:#x} v1={a:#x}')
    for fp in [0, 0xc00000, 0x1000000, 0x4000000]:
        out.append(f'fcvt h0, d1 ; fpcr={fp:#x} v1={a:#x}')
print('\n'.join(out))
