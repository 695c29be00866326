#!/usr/bin/env bash
# Wall time of `xz -9` on an 8 MB file and of a Python script under emu (tiered,
# interpreter only, JIT only) and under qemu-aarch64, in one run. Needs the sysroot from
# tests/fetch-debian-arm64.sh and a release build (cargo build --release).
# Usage: bench/issue2-times.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-1}
S=tests/.cache/sysroot
EMU=target/release/emu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/data8m.txt" <<'PY'
import random, sys
r = random.Random(1)
words = [''.join(r.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(r.randint(2, 9))) for _ in range(5000)]
out, n = [], 0
while n < 8 << 20:
    line = ' '.join(r.choice(words) for _ in range(12)) + ' ' + str(r.randint(0, 10**6)) + '\n'
    out.append(line); n += len(line)
open(sys.argv[1], 'w').write(''.join(out)[:8 << 20])
PY
cp bench/python_workload.py "$work/"
time_it() { # label, command...
    local label=$1; shift
    for _ in $(seq "$reps"); do
        local t0 t1 sum
        t0=$(date +%s.%N)
        sum=$("$@" | md5sum | cut -c1-8)
        t1=$(date +%s.%N)
        printf '%-28s %8.2f s  (output md5 %s)\n' "$label" "$(echo "$t1 - $t0" | bc)" "$sum"
    done
}
for tier in tiered interp jit; do
    time_it "xz -9 emu --tier $tier" $EMU run --tier $tier --sysroot $S $S/usr/bin/xz -9 -c "$work/data8m.txt"
done
time_it "xz -9 qemu-aarch64" qemu-aarch64 -L $S $S/usr/bin/xz -9 -c "$work/data8m.txt"
for tier in tiered interp jit; do
    time_it "python3 emu --tier $tier" $EMU run --tier $tier --sysroot $S $S/usr/bin/python3.11 "$work/python_workload.py"
done
time_it "python3 qemu-aarch64" qemu-aarch64 -L $S $S/usr/bin/python3.11 "$work/python_workload.py"
