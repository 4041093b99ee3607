#!/usr/bin/env bash
# Compare uapi-diff with the kernel's own scripts/check-uapi.sh (libabigail's abidiff on DWARF of
# each installed header compiled alone) on one pair of revisions, for x86_64.
#
#   scripts/compare-check-uapi.sh [--old v6.1] [--new v6.12] [-j 2] [--ignore-ambiguous] [--runs 3]
#                                 [--work DIR] [--skip-check-uapi]
#
# Steps (each skipped when its result is already in the work directory):
#  1. libabigail >= 2.4: Debian 12 ships 2.2, which check-uapi.sh refuses. abigail-tools and the
#     libraries it needs are downloaded from the next Debian suite (default trixie) with a private
#     apt configuration whose sources are the system's own with the suite renamed (no host is
#     spelled here), unpacked into a private prefix with dpkg-deb -x, and run through that prefix's
#     own dynamic loader. Nothing is installed system-wide; the system's apt state is not touched.
#  2. check-uapi.sh needs a full kernel tree in git (it runs `git archive` and
#     `make headers_install` at both revisions); cache/kernels/repo keeps only the uAPI paths, so
#     a scratch repository is built from the same linux-source .debs (cache/kernels/debs), pristine
#     (the unpacked trees in cache/kernels/src carry headers_install output).
#  3. check-uapi.sh -p OLD -b NEW -j N -l LOG under /usr/bin/time -v (and with -i if asked).
#  4. uapi-diff diff OLD NEW --format json on cache/kernels/repo under /usr/bin/time -v, --runs
#     times (the median is reported), plus `uapi-diff dump` of both revisions (where each type lives).
#  5. scripts/compare_check_uapi.py: the per-header comparison table (Markdown) and a JSON summary.
#
# Needs: the cache from scripts/fetch-kernels.sh, gcc, make, python3, /usr/bin/time (package `time`).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
old=v6.1
new=v6.12
jobs=2
runs=3
ignore_ambiguous=0
skip_check_uapi=0
work="$root/target/check-uapi"
suite=${ABIGAIL_SUITE:-trixie}

while [ $# -gt 0 ]; do
  case "$1" in
    --old) old=$2; shift 2 ;;
    --new) new=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --ignore-ambiguous) ignore_ambiguous=1; shift ;;
    --skip-check-uapi) skip_check_uapi=1; shift ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

cache="$root/cache/kernels"
out="$work/out"
mkdir -p "$work" "$out"
log() { printf '[compare-check-uapi] %s\n' "$*" >&2; }

"$root/scripts/install-deps.sh" build test bench
[ -d "$cache/debs" ] && [ -d "$cache/repo" ] || { log "no kernel cache: run scripts/fetch-kernels.sh"; exit 2; }

# ---------------------------------------------------------------------------------------------
# 1. libabigail from $suite into a private prefix
# ---------------------------------------------------------------------------------------------
abi="$work/abigail"
abidiff="$abi/bin/abidiff"
# abigail-tools and every library abidiff loads (checked below with the loader's --list).
abigail_pkgs=(abigail-tools libabigail5 libc6 libstdc++6 libgcc-s1 libelf1t64 libdw1t64 libxml2
  libzstd1 liblzma5 libbz2-1.0 zlib1g libbpf1 libctf0 libbinutils libsframe1 libxxhash0 libarchive13t64)
if [ ! -x "$abidiff" ]; then
  apt_dir="$work/apt"
  rm -rf "$apt_dir" "$abi"
  mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$abi/root" "$abi/bin"
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || { log "cannot tell the system's Debian codename"; exit 2; }
  # The system's own sources (deb822 .sources and one-line .list), suite names renamed:
  # bookworm -> trixie, bookworm-updates -> trixie-updates, bookworm-security -> trixie-security.
  n=0
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    grep -q "\b$codename\b" "$f" || continue
    n=$((n + 1))
    sed -e "s/\b$codename\b/$suite/g" "$f" > "$apt_dir/sources.list.d/$n-$(basename "$f" | sed 's/^sources\.list$/system.list/')"
  done
  [ "$n" -gt 0 ] || { log "no apt source names $codename"; exit 2; }
  apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::status=/dev/null
    -o APT::Sandbox::User=root -o Acquire::Languages=none)
  log "apt-get update ($suite, private lists in $apt_dir)"
  apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1 || { cat "$apt_dir/update.log" >&2; exit 2; }
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "${abigail_pkgs[@]}" >"$apt_dir/download.log" 2>&1) \
    || { cat "$apt_dir/download.log" >&2; exit 2; }
  for d in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$d" "$abi/root"; done
  loader="$abi/root/usr/lib64/ld-linux-x86-64.so.2"
  libs="$abi/root/usr/lib/x86_64-linux-gnu"
  for tool in abidiff abidw; do
    cat >"$abi/bin/$tool" <<EOF
#!/bin/sh
# $suite's $tool, run with its own glibc and libraries (unpacked, not installed).
exec "$loader" --library-path "$libs" "$abi/root/usr/bin/$tool" "\$@"
EOF
    chmod +x "$abi/bin/$tool"
  done
  if "$loader" --library-path "$libs" --list "$abi/root/usr/bin/abidiff" | grep -q 'not found'; then
    "$loader" --library-path "$libs" --list "$abi/root/usr/bin/abidiff" >&2
    log "a library abidiff needs is not in the list above: add its package to abigail_pkgs"; rm -f "$abidiff"; exit 2
  fi
  ls "$apt_dir"/debs/*.deb | xargs -n1 basename >"$abi/packages.txt"
fi
abidiff_version=$("$abidiff" --version | cut -d ' ' -f 2)
log "abidiff $abidiff_version ($abidiff)"
if ! printf '2.4\n%s\n' "$abidiff_version" | sort -Vc 2>/dev/null; then
  log "abidiff $abidiff_version is older than 2.4"; exit 2
fi

# ---------------------------------------------------------------------------------------------
# 2. A full kernel tree in git: one commit per linux-source package, tagged like cache/kernels/repo
# ---------------------------------------------------------------------------------------------
kernel="$work/kernel"
need_tree=0
for t in "$old" "$new"; do git -C "$kernel" rev-parse -q --verify "refs/tags/$t" >/dev/null 2>&1 || need_tree=1; done
if [ "$need_tree" = 1 ]; then
  rm -rf "$kernel" "$kernel.unpack"
  git init -q -b main "$kernel"
  for t in "$old" "$new"; do
    v=${t#v}
    deb=$(ls "$cache/debs"/linux-source-"$v"_*.deb | tail -n 1)
    log "full tree $t from $(basename "$deb")"
    mkdir -p "$kernel.unpack"
    dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards "*/usr/src/linux-source-$v.tar.xz" | xz -dc | tar -x -C "$kernel.unpack"
    # -f: Debian's .gitignore ignores everything at the top level of its source package.
    (cd "$kernel.unpack/linux-source-$v" \
      && GIT_DIR="$kernel/.git" GIT_WORK_TREE=$PWD git add -f -A . \
      && GIT_DIR="$kernel/.git" GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z \
         git -c gc.auto=0 -c user.name=uapi-diff -c user.email=uapi-diff@localhost commit -q -m "linux-source-$v ($(basename "$deb"))" \
      && GIT_DIR="$kernel/.git" git tag -f "$t" >/dev/null)
    rm -rf "$kernel.unpack"
  done
fi
git -C "$kernel" checkout -q -f "$new"
git -C "$kernel" clean -qfdx

# ---------------------------------------------------------------------------------------------
# 3. check-uapi.sh
# ---------------------------------------------------------------------------------------------
run_check_uapi() { # NAME EXTRA-ARGS...
  local name=$1; shift
  [ -s "$out/check-uapi-$name.log" ] && [ -s "$out/check-uapi-$name.rc" ] && { log "check-uapi.sh ($name): kept from an earlier run"; return; }
  log "check-uapi.sh -p $old -b $new -j $jobs $* (x86_64)"
  local rc=0
  (cd "$kernel" && PATH="$abi/bin:$PATH" ARCH=x86_64 /usr/bin/time -v -o "$out/check-uapi-$name.time" \
     scripts/check-uapi.sh -p "$old" -b "$new" -j "$jobs" -l "$out/check-uapi-$name.log" "$@" \
     >"$out/check-uapi-$name.stdout" 2>"$out/check-uapi-$name.stderr") || rc=$?
  echo "$rc" >"$out/check-uapi-$name.rc"
  # rc 1 = ABI differences found (expected for this pair); 2 = a prerequisite failed.
  [ "$rc" -le 1 ] || { tail -20 "$out/check-uapi-$name.stderr" >&2; exit 2; }
  grep -E 'UAPI headers compatible' "$out/check-uapi-$name.stderr" "$out/check-uapi-$name.stdout" | sed 's/^[^:]*://' >&2 || true
}
if [ "$skip_check_uapi" = 0 ]; then
  run_check_uapi default
  [ "$ignore_ambiguous" = 0 ] || run_check_uapi ignore-ambiguous -i
fi

# ---------------------------------------------------------------------------------------------
# 4. uapi-diff on the same pair
# ---------------------------------------------------------------------------------------------
bin="$root/target/release/uapi-diff"
[ -x "$bin" ] || (cd "$root" && cargo build --release)
for i in $(seq 1 "$runs"); do
  log "uapi-diff diff $old $new --format json (run $i/$runs)"
  rc=0
  /usr/bin/time -v -o "$out/uapi-diff-$i.time" "$bin" diff "$old" "$new" -C "$cache/repo" --format json \
    >"$out/uapi-diff.json" 2>"$out/uapi-diff.stderr" || rc=$?
  [ "$rc" -le 1 ] || { cat "$out/uapi-diff.stderr" >&2; exit 2; }
done
for t in "$old" "$new"; do
  "$bin" dump "$t" -C "$cache/repo" --format json >"$out/dump-$t.json" 2>/dev/null
done

# ---------------------------------------------------------------------------------------------
# 5. The comparison
# ---------------------------------------------------------------------------------------------
# The headers check-uapi.sh leaves out: usr/include/Makefile's no-header-test list at either revision,
# computed exactly as check-uapi.sh's add_to_incompat_list does (asm-generic/* is skipped as well).
for t in "$old" "$new"; do
  { printf 'all: ; @echo $(no-header-test)\n'; git -C "$kernel" show "$t:usr/include/Makefile"; } \
    | SRCARCH=x86 make -s --always-make -f - | tr ' ' '\n' | grep -v asm-generic | grep .
done | sort -u >"$out/check-uapi-skipped.txt"
args=(--skipped "$out/check-uapi-skipped.txt" --log "$out/check-uapi-default.log" --diff "$out/uapi-diff.json"
  --dump-old "$out/dump-$old.json" --dump-new "$out/dump-$new.json"
  --old-ref "$old" --new-ref "$new"
  --markdown "$out/comparison.md" --json "$out/comparison.json")
[ -s "$out/check-uapi-ignore-ambiguous.log" ] && args+=(--log-ignore-ambiguous "$out/check-uapi-ignore-ambiguous.log")
for f in "$out"/check-uapi-*.time "$out"/uapi-diff-*.time; do [ -f "$f" ] && args+=(--time "$f"); done
python3 "$root/scripts/compare_check_uapi.py" "${args[@]}"
log "written: $out/comparison.md, $out/comparison.json"
