#!/usr/bin/env bash
# Fetches the newest Debian QEMU (10.x from bookworm-backports) into bench/.cache/qemu/
# without installing it: the harness compares against it, while the system's
# qemu-aarch64 (7.2, bookworm) stays the oracle of the differential tests. Replacing the
# system package would change that oracle under everyone's feet.
#
# It uses a private apt configuration (its own sources list and package lists under
# bench/.cache/apt), so it needs neither root nor a backports line in /etc/apt. qemu-user's
# binaries are static-pie and run as they are; qemu-system-aarch64 is dynamic but its
# libraries are all in bookworm (checked with ldd below).
#
# Idempotent. Usage: bench/fetch-qemu.sh   (prints the directory of the binaries)
set -euo pipefail
cd "$(dirname "$0")"
cache=$PWD/.cache
dest=$cache/qemu
say() { echo "fetch-qemu: $*" >&2; }

if [[ -x $dest/usr/bin/qemu-aarch64 ]]; then
    echo "$dest/usr/bin"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    say "no apt-get/dpkg-deb: cannot fetch QEMU from bookworm-backports"
    exit 1
fi

apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/debs"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [signed-by=$keyring] http://deb.debian.org/debian bookworm-backports main" \
    >"$apt_dir/sources.list"
apt_opts=(
    -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir"
    -o "Dir::Cache::archives=$apt_dir/archives"
    -o "APT::Sandbox::User=root"
    -o "Debug::NoLocking=1"
)
say "apt-get update (bookworm-backports only, private lists in $apt_dir)"
apt-get "${apt_opts[@]}" update -qq
(
    cd "$apt_dir/debs"
    for p in qemu-user qemu-system-arm; do
        say "downloading $p from bookworm-backports"
        apt-get "${apt_opts[@]}" download -qq "$p/bookworm-backports"
    done
)
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
for deb in "$apt_dir"/debs/*.deb; do
    dpkg-deb -x "$deb" "$dest.tmp"
done
if ! "$dest.tmp/usr/bin/qemu-aarch64" --version >/dev/null; then
    say "the fetched qemu-aarch64 does not run"
    exit 1
fi
if ldd "$dest.tmp/usr/bin/qemu-system-aarch64" | grep -q "not found"; then
    say "qemu-system-aarch64 from backports misses libraries (system mode will use the system's):"
    ldd "$dest.tmp/usr/bin/qemu-system-aarch64" | grep "not found" >&2
    rm -f "$dest.tmp/usr/bin/qemu-system-aarch64"
fi
mv "$dest.tmp" "$dest"
say "$("$dest/usr/bin/qemu-aarch64" --version | head -1) in $dest/usr/bin"
echo "$dest/usr/bin"
