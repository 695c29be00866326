#!/usr/bin/env bash
# What a kernel touches while it boots under qemu-system-aarch64 and runs
# images/boot-checks.txt: the numbers behind images/NOTES-for-emu.md.
#
#   images/qemu-census.sh [--gic 2|3] demo|debian|KERNEL INITRD
#
# Prints, from one boot each (through tests/boot-qemu-reference.sh):
#   - QEMU's unimp/guest_errors log (accesses QEMU does not implement),
#   - the distinct system instructions (MRS/MSR/SYS/TLBI/DC/IC/AT/HVC/SMC/ERET/WFI/HINT)
#     in the code QEMU translated (-d in_asm: each translated site once, not executions),
#   - the exceptions taken, by class (-d int),
#   - the GIC, PL011 and PL031 register offsets accessed, with counts (-trace).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A QEMU that adds logging options: $1 = name, the rest = the options.
wrap() {
    local name=$1
    shift
    printf '#!/bin/sh\nexec qemu-system-aarch64 %s "$@"\n' "$*" >"$work/$name"
    chmod +x "$work/$name"
}
wrap asm -d in_asm,unimp,guest_errors -D "$work/asm.log"
wrap int -d int -D "$work/int.log"
wrap trace -trace "'gic_dist_*'" -trace "'gic_cpu_*'" -trace "'gicv3_dist_*'" \
    -trace "'gicv3_redist_*'" -trace "'gicv3_its_read'" -trace "'gicv3_its_write'" \
    -trace pl011_read -trace pl011_write -trace pl031_read -trace pl031_write -D "$work/trace.log"
for w in asm int trace; do
    QEMU=$work/$w STEP_TIMEOUT=120 bash tests/boot-qemu-reference.sh "$@" >"$work/$w.out" 2>&1 \
        || { cat "$work/$w.out"; exit 1; }
done
tail -n 1 "$work/asm.out"

echo "== QEMU unimp / guest_errors"
grep -vE '^(0x|IN:|OBJD|-+$|$)' "$work/asm.log" | sort | uniq -c || echo "(none)"

echo "== system instructions in translated code: distinct operand, translated sites"
grep -E '^0x' "$work/asm.log" | awk '
    $3 == "mrs" { print "mrs", $5; next }
    $3 ~ /^(msr|tlbi|dc|ic|at|sys|sysl)$/ { sub(",", "", $4); print $3, $4; next }
    $3 ~ /^(hvc|smc|svc|eret|wfi|wfe|sev|sevl|yield|hint|isb|dsb|dmb|clrex)$/ { print $3, $4 }' |
    sed -E 's/ +$//' | sort | uniq -c | awk '{ n = $1; $1 = ""; printf "%-32s %6d\n", $0, n }'

echo "== exceptions taken (class from ESR_ELx.EC, -d int)"
grep -A3 '^Taking exception' "$work/int.log" | awk '
    function hex(s,    i, v) { v = 0; s = tolower(s); sub(/^0x/, "", s)
        for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
        return v }
    /^Taking exception/ { kind = $0; sub(/^Taking exception [0-9]+ \[/, "", kind); sub(/\].*/, "", kind) }
    /\.\.\.from EL/ { from = $2 " -> " $4 }
    # An interrupt has no syndrome: QEMU prints a stale ESR for it.
    /\.\.\.with ESR/ { split($3, e, "/"); ec = sprintf(", EC 0x%02x", int(hex(e[2]) / 67108864) % 64)
        if (kind ~ /IRQ|FIQ/) ec = ""
        count[kind ", " from ec]++ }
    END { for (k in count) printf "%-50s %7d\n", k, count[k] }' | sort
grep -c '^Taking exception .*\[IRQ\]' "$work/int.log" | sed 's/^/IRQs taken: /'

echo "== device registers: trace point, offset(count)"
sed -nE 's/^(gic_dist_read|gic_dist_write|gic_cpu_read|gic_cpu_write) .* at (0x[0-9a-f]+).*/\1 \2/p;
          s/^(gicv3_[a-z_]+) .*offset (0x[0-9a-f]+).*/\1 \2/p;
          s/^(pl0[13]1_read|pl0[13]1_write) addr (0x[0-9a-f]+).*/\1 \2/p' "$work/trace.log" |
    sed -E 's/ 0x0*([0-9a-f])/ 0x\1/' | sort | uniq -c |
    awk '{ line[$2] = line[$2] " " $3 "(" $1 ")" } END { for (k in line) print k ":" line[k] }' | sort
