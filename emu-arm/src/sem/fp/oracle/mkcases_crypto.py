# The cryptographic extension: AES, SHA-1, SHA-256 and PMULL 1Q, with random and edge
# register values, different and aliased registers, and unallocated neighbours (which
# must SIGILL). Output goes to ../crypto/oracle_crypto.rs (see README.md).
import random
random.seed(41)
M64 = 2**64 - 1
SPECIAL64 = [0, M64, 0x8000000000000000, 0x0000000000000001, 0x0102030405060708,
             0x00ff00ff00ff00ff, 0xffffffff00000000, 0x8000000180000001]
def r64():
    return random.choice(SPECIAL64) if random.random() < 0.25 else random.getrandbits(64)
def vec():
    return f'{r64():#x}:{r64():#x}'
out = []
def add(asm, regs, n):
    for _ in range(n):
        out.append(asm + ' ; ' + ' '.join(f'v{r}={vec()}' for r in regs))
for op in ['aese', 'aesd']:
    add(f'{op} v0.16b, v1.16b', (0, 1), 12)
    add(f'{op} v3.16b, v3.16b', (3,), 3)
for op in ['aesmc', 'aesimc']:
    add(f'{op} v0.16b, v1.16b', (0, 1), 12)
    add(f'{op} v4.16b, v4.16b', (4,), 3)
for op in ['sha1c', 'sha1p', 'sha1m']:
    add(f'{op} q0, s1, v2.4s', (0, 1, 2), 12)
    add(f'{op} q5, s5, v5.4s', (5,), 2)
for op in ['sha256h', 'sha256h2']:
    add(f'{op} q0, q1, v2.4s', (0, 1, 2), 12)
    add(f'{op} q6, q6, v7.4s', (6, 7), 2)
add('sha1su0 v0.4s, v1.4s, v2.4s', (0, 1, 2), 12)
add('sha256su1 v0.4s, v1.4s, v2.4s', (0, 1, 2), 12)
add('sha256su1 v3.4s, v3.4s, v3.4s', (3,), 2)
add('sha1h s0, s1', (0, 1), 8)
add('sha1su1 v0.4s, v1.4s', (0, 1), 12)
add('sha256su0 v0.4s, v1.4s', (0, 1), 12)
add('sha256su0 v2.4s, v2.4s', (2,), 2)
for op in ['pmull v0.1q, v1.1d, v2.1d', 'pmull2 v0.1q, v1.2d, v2.2d']:
    add(op, (0, 1, 2), 12)
add('pmull2 v7.1q, v7.2d, v7.2d', (7,), 2)
# Unallocated: AES with size 01 and opcode 01000, SHA three-register opcode 111, SHA
# two-register opcode 00011, PMULL-shaped with U = 1 (UMULL has no size 11).
for w, what in [(0x4e684820, 'aese size=01'), (0x4e288820, 'aes opcode=01000'),
                (0x5e027020, 'sha3 opcode=111'), (0x5e283820, 'sha2 opcode=00011'),
                (0x5e682820, 'sha256su0 size=01'), (0x2ee0e020, 'U=1 size=11 opcode=1110')]:
    out.append(f'.inst {w:#010x} // {what} ; v0={vec()} v1={vec()} v2={vec()}')
print('\n'.join(out))
