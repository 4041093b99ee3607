#!/usr/bin/env bash
# Benchmark (docs/performance.md): cold-process runs of `uapi-diff` on the real-kernel repo, with
# the median wall time, user+sys CPU and peak RSS of RUNS runs (GNU time), beside the raw
# tree-sitter parse of the same distinct blobs (examples/parse_baseline.rs), then the `history`
# curve on a generated repo (scripts/gen-history-repo.sh). Prints Markdown tables and the load
# average before and after, since a shared machine makes every figure noisy.
# Every case runs in three modes (issue 26): `--no-cache`, a cold cache (emptied before each run)
# and a warm cache (filled by one run before the timed ones), in a private cache directory.
# The history's ratio (21 revisions against one pair, issue 27) is taken from runs in turn, per
# round, with its spread: on a shared machine a ratio of two medians measured minutes apart mostly
# measures the machine.
# Usage: scripts/bench.sh [RUNS] [HISTORY_RUNS]; BENCH_CURVE=1 adds the history curve.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
hruns=${2:-3}
scripts/install-deps.sh build bench
repo=${UAPI_DIFF_KERNELS:-$(scripts/fetch-kernels.sh | tail -n 1)}
cargo build --release --locked --quiet --bin uapi-diff --example parse_baseline --example scan_userspace
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The binaries measured are copies: a build during the bench changes nothing in it.
cp target/release/uapi-diff target/release/examples/parse_baseline target/release/examples/scan_userspace "$out/"
bin=$out/uapi-diff
# The tool's cache for these runs only (never the user's).
export UAPI_DIFF_CACHE_DIR=$out/cache
unset UAPI_DIFF_NO_CACHE

# timed FILE CMD...: one cold run, its wall time, user+sys CPU and peak RSS appended to FILE.
timed() {
  local file=$1
  shift
  ${before_each:-true}
  # Exit status 1 means "changes found": only 2 is an error.
  /usr/bin/time -o "$out/t" -f '%e %U %S %M' "$@" >/dev/null 2>"$out/err" || [ $? -eq 1 ] || {
    cat "$out/err" >&2
    exit 2
  }
  # GNU time adds "Command exited with non-zero status 1" before the figures.
  tail -n 1 "$out/t" >>"$file"
}

# An awk function for the programs below: the median of a[1..n], which it sorts in place.
awk_median='
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }'

# row LABEL FILE: a table row of the medians of FILE's runs; FILE becomes the last measured.
row() {
  awk -v label="$1" "$awk_median"'
    { wall[NR] = $1; cpu[NR] = $2 + $3; rss[NR] = $4 }
    END { printf "| %s | %.2f s | %.2f s | %d MB | %d |\n", label, median(wall, NR), median(cpu, NR), median(rss, NR) / 1024, NR }
  ' "$2"
  cp "$2" "$out/last"
}

# measure LABEL N CMD...: N cold runs; prints a table row of medians.
measure() {
  local label=$1 n=$2
  shift 2
  : >"$out/times"
  for _ in $(seq "$n"); do
    timed "$out/times" "$@"
  done
  row "$label" "$out/times"
}

# median_wall: the median wall time of the last `measure`.
median_wall() {
  awk '{print $1}' "$out/last" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# modes LABEL N CMD...: the three rows of a case: --no-cache, cold cache, warm cache.
modes() {
  local label=$1 n=$2
  shift 2
  measure "$label, --no-cache" "$n" "$@" --no-cache
  before_each="rm -rf $UAPI_DIFF_CACHE_DIR" measure "$label, cold cache" "$n" "$@"
  "$@" >/dev/null 2>&1 || true
  measure "$label, warm cache" "$n" "$@"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
echo
echo "| v6.1 → v6.12 | median wall | median user+sys | median peak RSS | runs |"
echo "|---|---|---|---|---|"
measure "diff (uAPI + KMS), --no-cache" "$runs" "$bin" diff v6.1 v6.12 -C "$repo" --format json --no-cache
full=$(median_wall)
before_each="rm -rf $UAPI_DIFF_CACHE_DIR" measure "diff (uAPI + KMS), cold cache" "$runs" "$bin" diff v6.1 v6.12 -C "$repo" --format json
"$bin" diff v6.1 v6.12 -C "$repo" --format json >/dev/null 2>&1 || true
measure "diff (uAPI + KMS), warm cache" "$runs" "$bin" diff v6.1 v6.12 -C "$repo" --format json
modes "diff --no-kms" "$runs" "$bin" diff v6.1 v6.12 -C "$repo" --format json --no-kms
modes "checklist" "$runs" "$bin" checklist v6.1 v6.12 -C "$repo" --format markdown
# The incremental diff (issue 18): a change costs what it touches. scripts/gen-patched-repo.sh's
# revisions on v6.12: one patch to one DRM header (target ≤ 0.2 s), three patches (≤ 0.3 s, as
# commits and as a series mbox), each beside the full computation of the same pair
# (UAPI_DIFF_FULL=1) in the same run. Targets for memory: ≤ 100 MB for one patch, ≤ 300 MB for the
# full v6.1 → v6.12 (the rows above).
prepo=$(scripts/gen-patched-repo.sh "$repo" | tail -n 1)
echo
echo "| v6.12 + patches | median wall | median user+sys | median peak RSS | runs |"
echo "|---|---|---|---|---|"
measure "one patch (target ≤ 0.2 s, ≤ 100 MB), --no-cache" "$runs" "$bin" diff base p1 -C "$prepo" --format json --no-cache
one=$(median_wall)
modes "one patch" "$runs" "$bin" diff base p1 -C "$prepo" --format json
measure "one patch, full (UAPI_DIFF_FULL=1), --no-cache" "$runs" env UAPI_DIFF_FULL=1 "$bin" diff base p1 -C "$prepo" --format json --no-cache
onefull=$(median_wall)
modes "three patches (target ≤ 0.3 s)" "$runs" "$bin" diff base p3 -C "$prepo" --format json
modes "three patches as a series (diff base --series)" "$runs" "$bin" diff base --series "$prepo/series.mbox" -C "$prepo" --format json
modes "three patches, checklist of the series" "$runs" "$bin" checklist base --series "$prepo/series.mbox" -C "$prepo" --format json
modes "one patch, --all-arches (per extra arch only what it changes)" "$runs" "$bin" diff base p1 -C "$prepo" --format json --all-arches
echo "one patch: incremental/full = $(awk -v a="$one" -v b="$onefull" 'BEGIN {printf "%.2f", a / b}')"
echo

# Large inputs (docs/usage.md, "Bad input"): memory grows with the items a header declares, not its bytes.
big=$out/big
mkdir -p "$big/old/include/uapi/linux" "$big/prose/include/uapi/linux" "$big/dense/include/uapi/linux"
echo '#define BIG_FIRST 1' >"$big/old/include/uapi/linux/big.h"
awk 'BEGIN { print "#define BIG_FIRST 1\n/**"; for (i = 0; i < 760000; i++) print " * kernel-doc prose, line after line, to make this header very big."; print " */" }' \
  >"$big/prose/include/uapi/linux/big.h"
awk 'BEGIN { for (i = 0; i < 60000; i++) printf "#define BIG_%d (%d << 2)\nstruct big_%d { int a; unsigned long long b[%d]; };\n", i, i, i, i % 7 + 1 }' \
  >"$big/dense/include/uapi/linux/big.h"
measure "50 MB kernel-doc header (target < 2 s, < 300 MB)" "$runs" "$bin" diff "$big/old" "$big/prose" --format json
measure "5 MB header, 60k structs + 60k defines (target < 8 s, < 1 GB)" "$runs" "$bin" diff "$big/old" "$big/dense" --format json
measure "baseline process: read + parse, 1 run" "$runs" "$out/parse_baseline" "$repo" v6.1 v6.12 --runs 1
floor=$(median_wall)
echo
echo "full pair (--no-cache) / baseline process (the parse floor): $(awk -v a="$full" -v b="$floor" 'BEGIN {printf "%.2f", a / b}')"
"$out/parse_baseline" "$repo" v6.1 v6.12 --runs "$runs" | sed 's/^/baseline parse (uAPI + KMS): /'
"$out/parse_baseline" "$repo" v6.1 v6.12 --runs "$runs" --no-kms | sed 's/^/baseline parse (uAPI only): /'
echo "scripts/check-uapi.sh took 165 s on the same pair: $(awk -v f="$full" 'BEGIN {printf "%.0f", 165 / f}')× the median full diff"

# --userspace: the scan of IGT for the v6.1 -> v6.12 checklist's items (target: at most 0.3 s added).
igt_tar=${UAPI_DIFF_DATA:-../shared/data}/igt-gpu-tools-b3d809d5.tar.xz
if [ -f "$igt_tar" ]; then
  igt=cache/igt-gpu-tools-b3d809d5
  [ -f "$igt/igt-gpu-tools/meson.build" ] || { mkdir -p "$igt" && tar xJf "$igt_tar" -C "$igt"; }
  echo
  "$out/scan_userspace" "$repo" v6.1 v6.12 "$igt/igt-gpu-tools" --runs "$runs" |
    sed 's/^/userspace scan of IGT: /'
fi

hrepo=$(scripts/gen-history-repo.sh 20 "$repo" | tail -n 1)
revs=$(seq 0 20 | xargs printf 'r%02d ')
echo
echo "| history (21 revisions against one pair) | median wall | median user+sys | median peak RSS | runs |"
echo "|---|---|---|---|---|"
# The pair and the walk run in turn (pair, walk, pair, walk…), and the ratio is taken per round:
# a shared machine's speed drifts from minute to minute, and two runs in a row see the same speed.
: >"$out/pair"
: >"$out/walk"
for _ in $(seq "$hruns"); do
  timed "$out/pair" "$bin" history r00 r01 -C "$hrepo" --no-cache
  # shellcheck disable=SC2086
  timed "$out/walk" "$bin" history $revs -C "$hrepo" --no-cache
done
row "one pair (r00 r01), --no-cache" "$out/pair"
row "21 revisions, --no-cache" "$out/walk"
# shellcheck disable=SC2086
before_each="rm -rf $UAPI_DIFF_CACHE_DIR" measure "21 revisions, cold cache" "$hruns" "$bin" history $revs -C "$hrepo"
# shellcheck disable=SC2086
measure "21 revisions, warm cache" "$hruns" "$bin" history $revs -C "$hrepo"
echo "history over 21 revisions / one pair, --no-cache (target ≤ 3), per round: $(
  paste -d' ' "$out/walk" "$out/pair" | awk "$awk_median"'
    { ratio[NR] = $1 / $5 }
    END { m = median(ratio, NR); printf "median %.2f (%.2f to %.2f over %d rounds)", m, ratio[1], ratio[NR], NR }'
)"
# The since-index and the HTML report walk the same 21 revisions (docs/since.md): the walk's cost
# plus the fold per item (since) and the kept step diffs (the report).
# shellcheck disable=SC2086
measure "since, warm cache" "$hruns" "$bin" since $revs -C "$hrepo"
# shellcheck disable=SC2086
measure "history --format html, warm cache" "$hruns" "$bin" history $revs -C "$hrepo" --format html
if [ "${BENCH_CURVE:-0}" = 1 ]; then
  echo
  echo "| history, revisions | median wall (no KMS) | median wall (with KMS) |"
  echo "|---|---|---|"
  for k in 2 5 10 15 21; do
    revs=$(seq 0 $((k - 1)) | xargs printf 'r%02d ')
    # shellcheck disable=SC2086
    nokms=$(measure x "$hruns" "$bin" history $revs -C "$hrepo" --no-kms --no-cache | cut -d'|' -f3)
    # shellcheck disable=SC2086
    kms=$(measure x "$hruns" "$bin" history $revs -C "$hrepo" --no-cache | cut -d'|' -f3)
    echo "| $k |$nokms|$kms|"
  done
fi
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
