#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need, builds the real-kernel data,
# runs every test. Works on a fresh Debian machine with a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
# The differential tests run `make headers_install` on the real trees and compile headers with gcc
# (the tool itself never builds or runs anything); make/rsync/gcc come from Debian's packages.
# gcc-multilib gives `gcc -m32` for the i386 cross-check; the arm (ILP32 EABI), powerpc64 and mips
# (big-endian, their own _IOC encodings) cross-checks compile with Debian's cross gcc and libc headers.
missing=()
for tool in gcc make rsync arm-linux-gnueabihf-gcc powerpc64-linux-gnu-gcc mips-linux-gnu-gcc; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -e /usr/lib/gcc/x86_64-linux-gnu/12/32/libgcc.a ] || missing+=(gcc-multilib)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq gcc libc6-dev gcc-multilib make rsync \
    gcc-arm-linux-gnueabihf libc6-dev-armhf-cross gcc-powerpc64-linux-gnu libc6-dev-ppc64-cross \
    gcc-mips-linux-gnu libc6-dev-mips-cross >/dev/null
fi
UAPI_DIFF_KERNELS=$(scripts/fetch-kernels.sh | tail -n 1)
export UAPI_DIFF_KERNELS
cargo test --release --locked
