#!/usr/bin/env bash
# Builds the directory-layout test data (tests/layouts.rs) into a git-ignored cache:
#   installed-6.1/include, installed-6.12/include   `make headers_install` (x86) of the unpacked trees
#   libc-dev/usr/include                            Debian's linux-libc-dev (multiarch: x86_64-linux-gnu/asm)
#   libc-dev-arm64-cross/usr/aarch64-linux-gnu/include   Debian's linux-libc-dev-arm64-cross
#   igt/                                            ../shared/data/igt-gpu-tools-*.tar.xz, unpacked (if present;
#                                                   UAPI_DIFF_SHARED_DATA overrides ../shared/data)
# Idempotent: each step is skipped when its output exists. The kernels' make runs with O= into this
# cache, so the unpacked trees stay untouched.
# Usage: scripts/fetch-layouts.sh KERNELS_SRC_DIR [CACHE_DIR]; prints the cache dir last.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: fetch-layouts.sh KERNELS_SRC_DIR [CACHE_DIR]}
cache=${2:-cache/layouts}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

for v in 6.1 6.12; do
  out="$cache/installed-$v"
  if [ ! -e "$out/include/linux/types.h" ]; then
    rm -rf "$out" "$cache/build-$v"
    make -s -C "$src/linux-source-$v" O="$cache/build-$v" ARCH=x86_64 \
      INSTALL_HDR_PATH="$out" headers_install >/dev/null
    rm -rf "$cache/build-$v"
  fi
done

# Debian's packages, as apt has them (what the tests assert holds for any 6.1 stable update).
for pkg in linux-libc-dev linux-libc-dev-arm64-cross; do
  dir="$cache/${pkg#linux-}"
  if [ ! -d "$dir/usr" ]; then
    mkdir -p "$cache/debs"
    if ! ls "$cache/debs/${pkg}"_*.deb >/dev/null 2>&1; then
      (cd "$cache/debs" && { apt-get download "$pkg" || { apt-get update -qq && apt-get download "$pkg"; }; })
    fi
    tmp=$(mktemp -d "$cache/.unpack.XXXX")
    dpkg-deb -x "$(ls "$cache/debs/${pkg}"_*.deb | tail -n 1)" "$tmp"
    mv "$tmp" "$dir"
  fi
done

igt=$(ls "${UAPI_DIFF_SHARED_DATA:-../shared/data}"/igt-gpu-tools-*.tar.xz 2>/dev/null | tail -n 1 || true)
if [ -n "$igt" ] && [ ! -d "$cache/igt" ]; then
  tmp=$(mktemp -d "$cache/.unpack.XXXX")
  tar -xJf "$igt" -C "$tmp"
  mv "$tmp" "$cache/igt"
fi
echo "$cache"
