#!/usr/bin/env bash
# Builds the real-kernel test data from Debian's linux-source packages into a git-ignored cache:
#   cache/kernels/src/linux-source-6.1/ and .../linux-source-6.12/   full unpacked trees (for the gcc harness)
#   cache/kernels/repo/                                               a git repo with tags v6.1 and v6.12
# The repo holds only the paths uapi-diff reads (include/, arch/*/include/, drivers/gpu/drm/,
# drivers/accel/, MAINTAINERS, Documentation/gpu/), so it stays small and quick to build.
# Idempotent: each step is skipped when its output exists (the package install runs every time, see
# scripts/install-deps.sh). Usage: scripts/fetch-kernels.sh [CACHE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
cache=${1:-${UAPI_DIFF_CACHE:-cache}/kernels}
mkdir -p "$cache/debs" "$cache/src"
cache=$(cd "$cache" && pwd)
versions=(6.1 6.12)
# Exact package versions: the real-kernel snapshots pin what these trees contain.
declare -A package_version=([6.1]="6.1.192-2" [6.12]="6.12.117-1~deb12u1")
repo_paths=(include arch MAINTAINERS drivers/gpu/drm drivers/accel Documentation/gpu)

if [ ! -f "$cache/repo.done" ]; then
  for v in "${versions[@]}"; do
    if ! ls "$cache/debs"/linux-source-"$v"_*.deb >/dev/null 2>&1; then
      pkg="linux-source-$v=${package_version[$v]}"
      (cd "$cache/debs" && apt-get download "$pkg")
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
  touch "$cache/repo.done"
fi
echo "$cache/repo"
