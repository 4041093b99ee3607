#!/usr/bin/env bash
# Installs the Debian packages the project's scripts need, for the groups named (default: build).
# Runs the same `apt-get update` and `apt-get install` every time, whatever is already installed:
# on a prepared machine it takes seconds, and CI then runs exactly the install a fresh machine runs,
# so a package that does not resolve fails here and not only on a newcomer's machine.
#   build  what `cargo build` (a C compiler for tree-sitter's grammar) and scripts/fetch-kernels.sh
#          (apt-get download, dpkg-deb, xz, git) need
#   test   what the tests need beyond that: make/rsync for `make headers_install`; gcc for the
#          differential tests, with `gcc -m32` for i386 (lib32gcc-12-dev and libc6-dev-i386, not
#          gcc-multilib: on Debian 12 gcc-multilib conflicts with every gcc-12-<arch> cross compiler);
#          the arm, powerpc64 and mips cross compilers and their libc headers; chromium (headless)
#          and a font to render the HTML report in tests/browser.rs
#   bench  GNU time for scripts/bench.sh
# Usage: scripts/install-deps.sh [build] [test] [bench]
set -euo pipefail
declare -A group_packages=(
  [build]="gcc libc6-dev git xz-utils ca-certificates"
  [test]="make rsync lib32gcc-12-dev libc6-dev-i386
          gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
          gcc-powerpc64-linux-gnu libc6-dev-ppc64-cross
          gcc-mips-linux-gnu libc6-dev-mips-cross
          chromium fonts-dejavu-core"
  [bench]="time"
)
packages=()
for group in "${@:-build}"; do
  [ -n "${group_packages[$group]+set}" ] || { echo "install-deps.sh: unknown group '$group' (build, test, bench)" >&2; exit 2; }
  # shellcheck disable=SC2206 # the lists are whitespace-separated package names
  packages+=(${group_packages[$group]})
done
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
