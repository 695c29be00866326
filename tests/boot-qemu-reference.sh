#!/usr/bin/env bash
# Boots an arm64 kernel + initramfs under qemu-system-aarch64 (the reference for emu's
# system mode), plays the console conversation of images/boot-checks.txt on the serial
# port, and reports the time to the shell prompt.
#
#   tests/boot-qemu-reference.sh [--gic 2|3] demo      images/Image.gz + images/initramfs.cpio.gz
#   tests/boot-qemu-reference.sh [--gic 2|3] debian    tests/.cache/kernel/ (tests/fetch-debian-kernel.sh)
#   tests/boot-qemu-reference.sh [--gic 2|3] KERNEL INITRD
#
# With `--emu PATH` first, the same conversation runs on emu's system mode instead
# (`PATH boot --kernel K --initrd I --append A --memory M --gic vN --no-reboot`), so the
# two can be compared with the same expectations and timings.
#
# Environment: STEP_TIMEOUT (seconds each step may take, default 60), QEMU (the binary),
# MEMORY (guest RAM, default 512M),
# APPEND (extra kernel command line), LOG (a file to keep the console log in), CHECKS
# (another conversation file, default images/boot-checks.txt). Exit status 0 when every
# step passed; the whole console log is printed when one fails. Needs no root and writes
# only to a temporary directory.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

gic=3
emu=
if [[ ${1:-} == --emu ]]; then
    emu=${2:-}
    shift 2 || true
    [[ -x $emu ]] || { echo "boot-qemu-reference: --emu $emu: not an executable" >&2; exit 2; }
fi
if [[ ${1:-} == --gic ]]; then
    gic=${2:-}
    shift 2 || true
fi
usage="usage: $0 [--emu PATH] [--gic 2|3] demo|debian|KERNEL INITRD"
[[ $gic == 2 || $gic == 3 ]] || { echo "$usage" >&2; exit 2; }
case ${1:-} in
    demo) kernel=images/Image.gz initrd=images/initramfs.cpio.gz ;;
    debian) kernel=tests/.cache/kernel/vmlinuz initrd=tests/.cache/kernel/initramfs.cpio.gz ;;
    *) kernel=${1:-} initrd=${2:-} ;;
esac
[[ -n $kernel && -n $initrd ]] || { echo "$usage" >&2; exit 2; }
for f in "$kernel" "$initrd"; do
    [[ -f $f ]] || { echo "boot-qemu-reference: $f not found" >&2; exit 2; }
done
qemu=${QEMU:-qemu-system-aarch64}
step_timeout=${STEP_TIMEOUT:-60}
memory=${MEMORY:-512M}
checks=${CHECKS:-images/boot-checks.txt}

work=$(mktemp -d)
log=$work/console.log
qemu_pid=
cleanup() {
    if [[ -n $qemu_pid ]]; then kill "$qemu_pid" 2>/dev/null || true; fi
    [[ -n ${LOG:-} && -f $log ]] && cp "$log" "$LOG"
    rm -rf "$work"
}
trap cleanup EXIT

# panic=-1 + no reboot: a kernel panic ends the machine at once (the next expect then
# fails) instead of hanging until the step timeout.
append="console=ttyAMA0 earlycon panic=-1${APPEND:+ $APPEND}"
if [[ -n $emu ]]; then
    cmd=("$emu" boot --kernel "$kernel" --initrd "$initrd" --append "$append" --memory "$memory"
         --gic "v$gic" --no-reboot)
else
    # -nic none: no network (and no need for QEMU's efi-virtio.rom option ROM).
    cmd=("$qemu" -M "virt,gic-version=$gic" -cpu cortex-a57 -m "$memory" -nographic -nic none
         -no-reboot -kernel "$kernel" -initrd "$initrd" -append "$append")
fi
shown=()
for a in "${cmd[@]}"; do [[ $a == *' '* ]] && shown+=("\"$a\"") || shown+=("$a"); done
echo "boot-qemu-reference: ${shown[*]}"
mkfifo "$work/console.in"
started=$(date +%s%N)
"${cmd[@]}" <"$work/console.in" >"$log" 2>&1 &
qemu_pid=$!
exec 3>"$work/console.in"

elapsed() {
    local ms=$(( ($(date +%s%N) - started) / 1000000 ))
    printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}
fail() {
    echo "boot-qemu-reference: FAILED at $(elapsed)s: $*" >&2
    echo "----- console log -----" >&2
    cat -v "$log" >&2
    exit 1
}

# Byte offset in the log just past the previous match: each expect searches after it.
matched_to=0
expect() {
    local text=$1 deadline=$(( $(date +%s) + step_timeout )) content rest before
    while :; do
        # (NUL bytes removed: bash variables cannot hold them.)
        content=$(tr -d '\0' <"$log")
        rest=${content:matched_to}
        if [[ $rest == *"$text"* ]]; then
            before=${rest%%"$text"*}
            matched_to=$(( matched_to + ${#before} + ${#text} ))
            return 0
        fi
        kill -0 "$qemu_pid" 2>/dev/null || fail "the machine exited while waiting for '$text'"
        (( $(date +%s) < deadline )) || fail "no '$text' within ${step_timeout}s"
        sleep 0.1
    done
}

wait_exit() {
    local want=$1 deadline=$(( $(date +%s) + step_timeout )) status=0
    while kill -0 "$qemu_pid" 2>/dev/null; do
        (( $(date +%s) < deadline )) || fail "the machine did not end within ${step_timeout}s"
        sleep 0.1
    done
    wait "$qemu_pid" || status=$?
    qemu_pid=
    (( status == want )) || fail "the machine ended with status $status, expected $want"
}

while IFS= read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    verb=${line%% *}
    arg=${line#"$verb"}
    arg=${arg# }
    case $verb in
        expect)
            expect "$arg"
            [[ $arg == EMU-BOOT-OK ]] && echo "boot-qemu-reference: shell ready after $(elapsed)s"
            ;;
        send) printf '%s\n' "$arg" >&3 ;;
        ctrl-c) printf '\003' >&3 ;;
        exit) wait_exit "$arg" ;;
        *) fail "unknown step in $checks: $line" ;;
    esac
done <"$checks"

# The timer interrupt is wired through the GIC asked for (when the conversation prints it:
# see images/boot-checks.txt).
if grep -q '^expect timer ticks on GIC' "$checks"; then
    if [[ $gic == 3 ]]; then gic_name=GICv3; else gic_name=GIC-0; fi
    grep -q "timer ticks on $gic_name" "$log" || fail "the timer interrupt does not go through $gic_name"
fi
echo "boot-qemu-reference: all steps of $checks passed in $(elapsed)s (gic v$gic, $kernel)"
