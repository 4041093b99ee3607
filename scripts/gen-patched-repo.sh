#!/usr/bin/env bash
# Builds a bare repository over the real-kernel repo's objects (git alternates: nothing is copied)
# with small patches on v6.12, for the incremental diff (tests/incremental.rs, scripts/bench.sh):
#   base   v6.12
#   p1     one patch to one DRM header (a new define and a new member of an ioctl's struct)
#   p3     three patches: p1, a new flag in drm_mode.h (which every DRM header includes), and a new
#          x86 asm/ header that now takes over <asm/…> from asm-generic
# and series.mbox, `git format-patch base..p3` of the three. Idempotent.
# Usage: scripts/gen-patched-repo.sh [KERNEL_REPO] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(cd "${1:-${UAPI_DIFF_KERNELS:-cache/kernels/repo}}" && git rev-parse --path-format=absolute --git-common-dir)
out=${2:-cache/patched/repo}
if [ -f "$out.done" ]; then echo "$out"; exit 0; fi
rm -rf "$out"
mkdir -p "$out"
git init -q --bare "$out"
echo "$src/objects" >"$out/objects/info/alternates"
export GIT_DIR=$out GIT_INDEX_FILE=$out/scratch-index
export GIT_AUTHOR_NAME=uapi-diff GIT_AUTHOR_EMAIL=uapi-diff@localhost GIT_COMMITTER_NAME=uapi-diff \
  GIT_COMMITTER_EMAIL=uapi-diff@localhost GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
git update-ref refs/tags/base "$(git --git-dir="$src" rev-parse 'v6.12^{commit}')"
git read-tree base
# put PATH: replaces (or adds) PATH in the index with stdin.
put() {
  git update-index --add --cacheinfo "100644,$(git hash-object -w --stdin),$1"
}
commit() {
  local parent=$1 tag=$2 message=$3
  git update-ref "refs/tags/$tag" "$(git commit-tree "$(git write-tree)" -p "$parent" -m "$message")"
}
amd=include/uapi/drm/amdgpu_drm.h
git cat-file blob "base:$amd" |
  sed -e 's/^#define AMDGPU_GEM_DOMAIN_CPU\t\t0x1$/&\n#define AMDGPU_GEM_DOMAIN_EXAMPLE\t0x80/' \
    -e '/^struct drm_amdgpu_gem_create_in  {$/,/^};$/s/^};$/\t__u64 example_flags;\n};/' | put "$amd"
commit base p1 "drm/amdgpu: an example domain and create flag"
mode=include/uapi/drm/drm_mode.h
git cat-file blob "base:$mode" |
  sed -e 's/^#define DRM_MODE_FLAG_PIC_AR_MASK\t\t(0x0F<<19)$/&\n#define DRM_MODE_FLAG_EXAMPLE\t\t(1<<30)/' | put "$mode"
commit p1 p2 "drm: an example mode flag"
printf '%s\n' '#ifndef _ASM_X86_POLL_H' '#define _ASM_X86_POLL_H' '#define POLLWRBAND 0x0100' \
  '#include <asm-generic/poll.h>' '#endif' | put arch/x86/include/uapi/asm/poll.h
commit p2 p3 "x86: its own asm/poll.h"
for rev in p1 p2 p3; do
  [ "$(git diff --name-only "$rev~1" "$rev" | wc -l)" = 1 ] || { echo "$rev: patch did not apply" >&2; exit 1; }
done
git format-patch -q --stdout base..p3 >"$out/series.mbox"
rm -f "$GIT_INDEX_FILE"
touch "$out.done"
echo "$out"
