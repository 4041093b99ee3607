#!/usr/bin/env bash
# Builds a repository of N+1 revisions (tags r00 … rN) that go from v6.1 to v6.12 a few files at a
# time, for measuring `uapi-diff history` against the number of revisions. Every file that differs
# between the two tags (under include/, arch/x86/include/, drivers/gpu/drm/) switches from its v6.1
# to its v6.12 version at one revision, in a fixed pseudo-random order: r00 is v6.1, rN is v6.12,
# and every step changes about 1/N of them. The objects come from the real-kernel repo, so nothing
# is read but its trees. Idempotent. Usage: scripts/gen-history-repo.sh [N] [KERNEL_REPO] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
src=${2:-${UAPI_DIFF_KERNELS:-cache/kernels/repo}}
out=${3:-cache/history-$n/repo}
if [ -f "$out.done" ]; then echo "$out"; exit 0; fi
rm -rf "$out"
mkdir -p "$(dirname "$out")"
git clone -q --bare "$src" "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
paths=(include arch/x86/include drivers/gpu/drm)
git -C "$out" ls-tree -r v6.1 -- "${paths[@]}" >"$tmp/old"
git -C "$out" ls-tree -r v6.12 -- "${paths[@]}" >"$tmp/new"
cut -f2 "$tmp/old" "$tmp/new" | LC_ALL=C sort -u >"$tmp/paths"
# One index-info file per revision: a path that differs switches at the revision its rank says.
awk -F'\t' -v n="$n" -v dir="$tmp" '
  FILENAME == dir "/old" { split($1, a, " "); old[$2] = a[1] " " a[3]; next }
  FILENAME == dir "/new" { split($1, a, " "); new[$2] = a[1] " " a[3]; next }
  { path[++m] = $1 }
  END {
    for (k = 1; k <= m; k++) if (old[path[k]] != new[path[k]]) diff[++d] = path[k]
    for (k = 1; k <= d; k++) switch_at[diff[k]] = int(((k * 7919) % d) * n / d) + 1
    for (i = 0; i <= n; i++) {
      f = sprintf("%s/rev.%d", dir, i)
      for (k = 1; k <= m; k++) {
        p = path[k]
        v = (p in switch_at && switch_at[p] <= i) ? new[p] : old[p]
        if (v != "") { split(v, a, " "); printf "%s %s\t%s\n", a[1], a[2], p > f }
      }
      close(f)
    }
  }' "$tmp/old" "$tmp/new" "$tmp/paths"
export GIT_AUTHOR_NAME=uapi-diff GIT_AUTHOR_EMAIL=uapi-diff@localhost GIT_COMMITTER_NAME=uapi-diff \
  GIT_COMMITTER_EMAIL=uapi-diff@localhost GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
parent=()
for i in $(seq 0 "$n"); do
  GIT_INDEX_FILE="$tmp/index.$i" git -C "$out" update-index --add --index-info <"$tmp/rev.$i"
  tree=$(GIT_INDEX_FILE="$tmp/index.$i" git -C "$out" write-tree)
  commit=$(git -C "$out" commit-tree "$tree" "${parent[@]}" -m "r$i")
  git -C "$out" tag -f "$(printf 'r%02d' "$i")" "$commit" >/dev/null
  parent=(-p "$commit")
done
touch "$out.done"
echo "$out"
