#!/usr/bin/env bash
# Builds the real-kernel test data from Debian's linux-source packages into a git-ignored cache:
#   cache/kernels/src/linux-source-{5.10,6.1,6.12}/   full unpacked trees (for the gcc harness)
#   cache/kernels/repo/                              a git repo with tags v5.10, v6.1 and v6.12, one
#                                                    commit each, in that order
# The repo holds only the paths uapi-diff reads, for every surface: the headers (include/,
# arch/*/include/), the KMS property code (drivers/gpu/drm/, drivers/accel/), the syscall tables
# (every arch/**/*.tbl, arch/*/kernel/Makefile.syscalls, scripts/syscall.tbl), the netlink specs
# (Documentation/netlink/, Documentation/userspace-api/netlink/), MAINTAINERS and
# Documentation/gpu/, so it stays small and quick to build. 6.1 and 6.12 come from Debian 12's own
# suites; 5.10 from Debian 11's security suite, through a private apt source list under the cache
# (the machine's own sources are left alone; its host is the one the machine's security suite uses).
# Idempotent: each step is skipped when its output exists (the package install runs every time, see
# scripts/install-deps.sh). Usage: scripts/fetch-kernels.sh [CACHE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
cache=${1:-${UAPI_DIFF_CACHE:-cache}/kernels}
mkdir -p "$cache/debs" "$cache/src"
cache=$(cd "$cache" && pwd)
versions=(5.10 6.1 6.12)
# Exact package versions: the real-kernel snapshots pin what these trees contain.
declare -A package_version=([5.10]="5.10.262-1" [6.1]="6.1.192-2" [6.12]="6.12.117-1~deb12u1")
# Where a version comes from: "" is the machine's own apt sources, otherwise a suite fetched through
# a private source list.
declare -A package_suite=([5.10]="bullseye-security" [6.1]="" [6.12]="")
repo_paths=(include arch MAINTAINERS drivers/gpu/drm drivers/accel Documentation/gpu
            Documentation/netlink Documentation/userspace-api/netlink scripts/syscall.tbl)
# The repo is rebuilt when what it should hold changes (versions or paths).
repo_signature="versions=${versions[*]} paths=${repo_paths[*]} arch=include,*.tbl,kernel/Makefile.syscalls"

# apt-get with a private source list for one suite (lists under the cache, the machine's sources and
# state untouched). The host is the machine's own security mirror.
private_apt() {
  local suite=$1; shift
  local dir="$cache/apt/$suite"
  mkdir -p "$dir/lists/partial"
  if [ ! -f "$dir/sources.list" ]; then
    local uri
    uri=$(awk '/^URIs:/{u=$2} /^Suites:/ && /-security/{print u; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '$1=="deb" && $3 ~ /-security/ {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
    [ -n "$uri" ] || { echo "fetch-kernels.sh: no Debian security suite in the machine's apt sources to take the host of $suite from" >&2; exit 2; }
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$uri" "$suite" >"$dir/sources.list"
  fi
  apt-get -o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=/dev/null \
          -o Dir::State::Lists="$dir/lists" "$@"
}

if [ "$(cat "$cache/repo.done" 2>/dev/null)" != "$repo_signature" ]; then
  for v in "${versions[@]}"; do
    if ! ls "$cache/debs"/linux-source-"$v"_*.deb >/dev/null 2>&1; then
      pkg="linux-source-$v=${package_version[$v]}"
      if [ -n "${package_suite[$v]}" ]; then
        private_apt "${package_suite[$v]}" -qq update
        (cd "$cache/debs" && private_apt "${package_suite[$v]}" download "$pkg")
      else
        (cd "$cache/debs" && apt-get download "$pkg")
      fi
    fi
    if [ ! -d "$cache/src/linux-source-$v" ]; then
      tmp=$(mktemp -d "$cache/src/.unpack.XXXX")
      deb=$(ls "$cache/debs"/linux-source-"$v"_*.deb | tail -n 1)
      # The .deb carries /usr/src/linux-source-V.tar.xz; take that tarball out, then unpack it.
      dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*.tar.xz'
      tar -xJf "$tmp"/usr/src/linux-source-"$v".tar.xz -C "$tmp"
      mv "$tmp/linux-source-$v" "$cache/src/linux-source-$v"
      rm -rf "$tmp"
    fi
  done
  rm -rf "$cache/repo" "$cache/repo.done"
  git init -q -b main "$cache/repo"
  for v in "${versions[@]}"; do
    (cd "$cache/repo" && git rm -rq --ignore-unmatch . >/dev/null && find . -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +)
    src="$cache/src/linux-source-$v"
    # Only the paths uapi-diff reads (for arch/, each architecture's include/ directory), as the
    # tarball has them: what a build in the unpacked tree generated (the gcc harness runs
    # `make headers_install` there) is left out, so the commits are the same on every machine.
    paths=()
    for p in "${repo_paths[@]}"; do
      if [ "$p" = arch ]; then
        for d in "$src"/arch/*/include; do paths+=("${d#$src/}"); done
        # The syscall tables wherever an arch keeps them, and the ABI lists of the arches that
        # generate their numbers from scripts/syscall.tbl (6.11 and later).
        while IFS= read -r f; do paths+=("${f#$src/}"); done < <(
          find "$src"/arch -path '*/include' -prune -o \( -name '*.tbl' -o -name Makefile.syscalls \) -type f -print | LC_ALL=C sort)
      elif [ -e "$src/$p" ]; then
        paths+=("$p")
      fi
    done
    tar -C "$src" --exclude=generated --exclude=include/config -cf - "${paths[@]}" | tar -C "$cache/repo" -xf -
    # Fixed dates, so the commit ids are the same on every machine that builds the same packages.
    (cd "$cache/repo" && git add -A && GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" git -c gc.auto=0 -c user.name=uapi-diff -c user.email=uapi-diff@localhost \
       commit -q -m "linux-source-$v ($(ls "$cache/debs"/linux-source-"$v"_*.deb | tail -n 1 | xargs basename))" \
       && git tag -f "v$v" >/dev/null)
  done
  (cd "$cache/repo" && git gc -q)
  echo "$repo_signature" >"$cache/repo.done"
fi
echo "$cache/repo"
