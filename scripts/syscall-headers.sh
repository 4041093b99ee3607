#!/bin/sh
# Runs the part of `make ARCH=<dir> headers_install` that generates uapi headers (its prerequisites
# `uapi-asm-generic` and `archheaders`: the unistd headers from the syscall tables and the generic-y
# wrappers; the rest of headers_install copies the tree's headers) in a copy of an unpacked kernel
# source tree made once per version (what these targets read: no drivers, no C sources, and no
# arch/*/include/generated/ an earlier in-tree build may have left, which make would take as up to
# date through the O= build's VPATH), out of tree, and keeps arch/<dir>/include/generated/uapi/asm/ as
# $UAPI_DIFF_CACHE/kernels/installed-syscalls-<ver>-<dir>/generated/. Needs only host tools (make,
# gcc for the build's own helpers); about a second per arch. tests/syscalls.rs compares the tool's
# generated headers with these. Usage: scripts/syscall-headers.sh VERSION ARCH_DIR
set -eu
ver=$1
dir=$2
cache=${UAPI_DIFF_CACHE:-cache}
orig=$cache/kernels/src/linux-source-$ver
src=$cache/kernels/syscall-src-$ver
out=$cache/kernels/installed-syscalls-$ver-$dir
[ -d "$out" ] && exit 0
[ -d "$orig/arch/$dir" ] || { echo "no arch/$dir in $orig" >&2; exit 1; }
if [ ! -d "$src" ]; then
    rsync -a --exclude '/arch/*/include/generated' --exclude '*.c' \
        --exclude '/drivers' --exclude '/Documentation' --exclude '/fs' --exclude '/net' \
        --exclude '/sound' --exclude '/tools' --exclude '/samples' --exclude '/crypto' \
        --exclude '/lib' --exclude '/kernel' --exclude '/mm' --exclude '/security' --exclude '/rust' \
        --exclude '/block' --exclude '/virt' --exclude '/io_uring' --exclude '/ipc' --exclude '/init' \
        --exclude '/certs' --exclude '/usr' --exclude '/include/linux' --exclude '/include/net' \
        --exclude '/include/trace' --exclude '/include/drm' "$orig/" "$src.tmp.$$/"
    mv "$src.tmp.$$" "$src"
fi
tmp=$out.tmp.$$
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
make -s -C "$src" O="$tmp/build" ARCH="$dir" uapi-asm-generic archheaders >"$tmp/make.log" 2>&1 || {
    cat "$tmp/make.log" >&2
    exit 1
}
cp -r "$tmp/build/arch/$dir/include/generated/uapi/asm" "$tmp/generated"
rm -rf "$tmp/build" "$tmp/make.log"
mv "$tmp" "$out"
trap - EXIT
