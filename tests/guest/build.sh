#!/usr/bin/env bash
# Rebuilds the guest test programs in this directory and records their expected results
# by running them under qemu-aarch64 (the oracle). The binaries and expected/ are
# committed, so the tests need neither the cross compiler nor QEMU.
#
# Needs: aarch64-linux-gnu-gcc, qemu-aarch64, and for the dynamically linked programs the
# Debian arm64 sysroot (bash tests/fetch-debian-arm64.sh).
# Usage: bash tests/guest/build.sh            rebuild everything, re-record expected/
#        bash tests/guest/build.sh --expected re-record expected/ only
set -euo pipefail
cd "$(dirname "$0")"
guest_dir=$(pwd)
sysroot=$(cd .. && pwd)/.cache/sysroot
CC=${CC:-aarch64-linux-gnu-gcc}
# Reproducible binaries: no build ID, fixed paths.
CFLAGS=(-O2 -g0 -Wall -Wextra -Wno-format -Wno-format-truncation -Wno-stringop-truncation -Wno-infinite-recursion -Wl,--build-id=none -ffile-prefix-map="$guest_dir"=.)

build() {  # build OUTPUT SOURCE FLAGS...
    local out=$1 src=$2
    shift 2
    echo "build.sh: $out <- $src $*"
    "$CC" "${CFLAGS[@]}" -o "$out" "$src" "$@"
    # The random-test harness keeps its global symbols: the test finds its patch points by
    # name (and only those: others name temporary files, which would change every build).
    if [[ $out == random_harness ]]; then
        aarch64-linux-gnu-strip -K harness_block -K harness_block_end -K harness_init -K harness_scratch "$out"
    elif [[ $out == fp_batch_harness ]]; then
        aarch64-linux-gnu-strip -K harness_slots -K harness_slots_end -K harness_records "$out"
    else
        aarch64-linux-gnu-strip "$out"
    fi
}

if [[ "${1:-}" != "--expected" ]]; then
    build hello hello.S -nostdlib -static
    build faults faults.S -nostdlib -static
    build random_harness random_harness.S -nostdlib -static
    build fp_batch_harness fp_batch_harness.S -nostdlib -static
    build isa_int isa_int.c -static -march=armv8-a+crc
    build isa_mem isa_mem.c -static -march=armv8-a+crc+lse
    build isa_fp isa_fp.c -static
    build libc_basics libc_basics.c -static -lm
    build libc_basics_dyn libc_basics.c -lm
    build threads threads.c -static -pthread
    build threads_dyn threads.c -pthread
    build process process.c -static
    build exec_other exec_other.c -static
    build self_modifying self_modifying.c -static
    build mem_faults mem_faults.c -static
    build bus_faults bus_faults.c -static
    build spin spin.S -nostdlib -static
    # Semihosting: no C library, general registers only, no unaligned accesses, linked
    # in the virt board's RAM (tests/semihosting.rs runs it; not in cases.txt, as it
    # needs --semihosting).
    build semihost semihost.c -nostdlib -static -ffreestanding -fno-stack-protector \
        -mgeneral-regs-only -mstrict-align -Wl,-Ttext-segment=0x40080000 -Wl,-z,max-page-size=4096
    # Debugged by tests/gdb_user.rs: with symbols and line tables, unoptimised, unstripped.
    echo "build.sh: gdb_target <- gdb_target.c -g -O0 -static"
    "$CC" -g -O0 -static -Wall -Wl,--build-id=none -ffile-prefix-map="$guest_dir"=. -o gdb_target gdb_target.c
fi

# run_qemu LINK BINARY ARGS... : runs one program in a scratch directory (QEMU writes
# core files into the current directory otherwise), prints its stdout, returns its status.
run_qemu() {
    local link=$1 bin=$2
    shift 2
    local qemu=(qemu-aarch64)
    if [[ $link == dynamic ]]; then
        [[ -d $sysroot/lib ]] || { echo "build.sh: no sysroot; run tests/fetch-debian-arm64.sh" >&2; exit 1; }
        qemu+=(-L "$sysroot")
    fi
    # A clean environment: hello prints EMU_T* variables.
    (cd "$scratch" && ulimit -c 0 && exec env -i ${EMU_TEST_EXEC:+EMU_TEST_EXEC=$EMU_TEST_EXEC} \
        "${qemu[@]}" "$bin" "$@")
}

# Status as the tests spell it: "exit N", or "signal N" for a death by signal (bash
# reports those as 128 + N; none of our programs exits with such a status itself).
status_word() {
    if (( $1 > 128 )); then echo "signal $(( $1 - 128 ))"; else echo "exit $1"; fi
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p expected
while read -r name bin link flags args; do
    [[ -z $name || $name == \#* ]] && continue
    args=${args//@GUEST@/$guest_dir}
    read -r -a argv <<<"$args"
    echo "build.sh: recording expected/$name"
    out=expected/$name.stdout
    if [[ $flags == *exec* ]]; then
        # This program's own first line, then what the exec'd program prints and returns.
        set +e
        run_qemu "$link" "$guest_dir/$bin" "${argv[@]}" 2>/dev/null | head -n 1 >"$out"
        # exec_other.c gives the new program exactly this environment.
        EMU_TEST_EXEC=1 run_qemu "$link" "${argv[@]}" >>"$out" 2>/dev/null
        rc=$?
        set -e
    else
        set +e
        run_qemu "$link" "$guest_dir/$bin" "${argv[@]}" >"$out" 2>/dev/null
        rc=$?
        set -e
    fi
    status_word "$rc" >"expected/$name.status"
done <cases.txt
echo "build.sh: done"
