#!/usr/bin/env bash
# Proves the README's two commands on a clean Debian 12 root, as a newcomer would run them: a
# `debootstrap bookworm` root with Debian 12's usual apt sources (bookworm, bookworm-updates,
# bookworm-security), the host's Rust toolchain bind-mounted read-only (a machine of this project's
# kind comes with one), a clean clone of this repository's REV at /work/main and, when it exists, the
# shared/ directory beside the repository bind-mounted read-only at /work/shared. Each of the two
# commands in the README's first code block runs inside `chroot` exactly as written; the time of each
# is printed. Everything is removed afterwards, also when interrupted.
#
# Run it whenever an install step (scripts/install-deps.sh, or a package a script or test needs)
# changes: CI runs on a machine where everything is already installed, and so cannot see a missing
# or broken install step. It takes 20 to 40 minutes on 2 cores (debootstrap, two clean release
# builds, the kernel packages, the whole test suite). Needs root, and about 15 GB in /var/tmp.
#
# Usage: scripts/fresh-machine.sh [REV]        (default HEAD; the clone is of the committed REV)
# Exit status: 0 when both commands succeed (the first may exit 1: "changes found", docs/usage.md).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-HEAD}
commit=$(git -C "$repo" rev-parse --verify "$rev^{commit}")
log() { printf '[fresh-machine] %s\n' "$*" >&2; }

"$repo/scripts/install-deps.sh" build
apt-get install -y -qq --no-install-recommends debootstrap >/dev/null

work=$(mktemp -d /var/tmp/uapi-diff-fresh.XXXXXX)
root=$work/root

# Processes still running in the root are ended, the mounts taken down, and the root removed only
# when no mount is left under it (a bind mount left in place would let `rm` reach the host's files).
cleanup() {
  local status=$? pid mounts
  trap - EXIT INT TERM
  for pid in /proc/[0-9]*; do
    [ "$(readlink "$pid/root" 2>/dev/null)" = "$root" ] && kill -9 "${pid#/proc/}" 2>/dev/null
  done
  mounts=$(awk -v r="$root" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m"; done
  if awk -v r="$root" 'index($5, r) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    log "mounts remain under $root: left in place, remove it by hand"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
log "debootstrap bookworm into $root"
debootstrap bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; exit 2; }
cat >"$root/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The certificate authorities this machine adds locally (a network that inspects TLS has its own) come
# with the machine, not with the project: the root gets them too, and the ca-certificates package that
# scripts/install-deps.sh installs takes them into its bundle.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi
log "root ready in $(( $(date +%s) - start )) s"

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t tmpfs -o mode=755 devtmp "$root/dev"
for node in null zero full random urandom tty; do
  touch "$root/dev/$node"
  mount --bind "/dev/$node" "$root/dev/$node"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
# The links every Linux /dev has (udev or the container runtime makes them): bash's `<(…)` reads
# /dev/fd/N.
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -t tmpfs tmpfs "$root/dev/shm"

# The Rust toolchain, read-only; cargo's registry and caches start empty in the root.
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
cargo_bin=$(dirname "$(command -v cargo)")
mkdir -p "$root/root/.rustup" "$root/root/.cargo/bin"
mount --bind -o ro "$rustup_home" "$root/root/.rustup"
mount --bind -o ro "$cargo_bin" "$root/root/.cargo/bin"

mkdir -p "$root/work"
git clone -q --no-local --no-checkout "$repo" "$root/work/main"
git -C "$root/work/main" checkout -q --detach "$commit"
if [ -d "$repo/../shared" ]; then
  mkdir -p "$root/work/shared"
  mount --bind -o ro "$repo/../shared" "$root/work/shared"
fi

# The README's first code block: the two commands, one a line.
mapfile -t commands < <(awk '/^```/ { if (open) exit; open = 1; next } open' "$repo/README.md")
[ ${#commands[@]} -eq 2 ] || { log "the README's first code block has ${#commands[@]} lines, expected 2"; exit 2; }

run_in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    RUSTUP_HOME=/root/.rustup CARGO_HOME=/root/.cargo \
    bash -c "cd /work/main && $1"
}

results=()
for i in 0 1; do
  cmd=${commands[$i]}
  out="$work/command-$((i + 1)).log"
  log "command $((i + 1)): $cmd (output in $out while it runs)"
  t0=$(date +%s)
  set +e
  run_in_root "$cmd" >"$out" 2>&1
  status=$?
  set -e
  seconds=$(( $(date +%s) - t0 ))
  ok=no
  if [ "$i" -eq 0 ]; then
    # The diff exits 1 when it finds changes (docs/usage.md, "Exit status"); it must have printed its header.
    { [ $status -eq 0 ] || [ $status -eq 1 ]; } && grep -q '^uapi-diff .* → ' "$out" && ok=yes
  else
    [ $status -eq 0 ] && ok=yes
  fi
  results+=("command $((i + 1)): exit $status in ${seconds} s ($(( seconds / 60 )) min $(( seconds % 60 )) s): $([ $ok = yes ] && echo ok || echo FAILED)")
  log "${results[-1]}"
  if [ $ok = no ]; then
    tail -n 40 "$out" >&2
    break
  fi
  grep -E '^uapi-diff .* → |test result: |[0-9]+ passed' "$out" | tail -n 3 >&2 || true
done

printf '%s\n' "${results[@]}"
for r in "${results[@]}"; do [[ $r == *": ok" ]] || exit 1; done
[ ${#results[@]} -eq 2 ]
