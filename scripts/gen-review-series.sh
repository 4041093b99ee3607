#!/usr/bin/env bash
# Builds the mbox of a patch series as it reaches a mailing list, for the review reply
# (`checklist --format mail`, tests/mail.rs), from real kernel content: three patches to
# include/uapi/drm/v3d_drm.h on v6.1, the first two carrying what v6.12 added there (the
# DRM_IOCTL_V3D_PERFMON_GET_COUNTER ioctl with its struct, DRM_V3D_PARAM_MAX_PERF_COUNTERS), the
# third renaming a member of an existing ioctl struct (the break a reviewer must catch), with a
# cover letter, Message-IDs, To: and Cc: as `git format-patch --cover-letter --thread` writes
# them. The people are made up. Writes tests/fixtures/series/v3d-perfmon.mbox (committed; rerun
# only to change the series). Usage: scripts/gen-review-series.sh [KERNEL_REPO]
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(cd "${1:-${UAPI_DIFF_KERNELS:-cache/kernels/repo}}" && git rev-parse --path-format=absolute --git-common-dir)
out=tests/fixtures/series/v3d-perfmon.mbox
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git init -q --bare "$work/repo"
echo "$src/objects" >"$work/repo/objects/info/alternates"
export GIT_DIR=$work/repo GIT_INDEX_FILE=$work/index
export GIT_AUTHOR_NAME="Jane Doe" GIT_AUTHOR_EMAIL=jane.doe@example.org \
  GIT_COMMITTER_NAME="Jane Doe" GIT_COMMITTER_EMAIL=jane.doe@example.org
git update-ref refs/tags/base "$(git --git-dir="$src" rev-parse 'v6.1^{commit}')"
git read-tree base
v3d=include/uapi/drm/v3d_drm.h
new=$(git --git-dir="$src" rev-parse "v6.12:$v3d")
edit() { # edit MESSAGE DATE: commits the index with stdin as v3d_drm.h
  local message=$1
  git update-index --cacheinfo "100644,$(git hash-object -w --stdin),$v3d"
  local commit
  commit=$(GIT_AUTHOR_DATE=$2 GIT_COMMITTER_DATE=$2 git commit-tree "$(git write-tree)" -p HEAD -m "$message")
  git update-ref HEAD "$commit"
}
git update-ref HEAD base
# v6.12's struct, with its defines and the doc comment above it.
git cat-file blob "$new" | sed -n '/^#define DRM_V3D_PERFCNT_MAX_NAME/,/^};/p' >"$work/counter.h"
git cat-file blob base:$v3d |
  sed -e 's/^#define DRM_V3D_PERFMON_GET_VALUES                0x0a$/&\n#define DRM_V3D_PERFMON_GET_COUNTER               0x0b/' \
    -e '/^						   struct drm_v3d_perfmon_get_values)$/a #define DRM_IOCTL_V3D_PERFMON_GET_COUNTER DRM_IOWR(DRM_COMMAND_BASE + DRM_V3D_PERFMON_GET_COUNTER, \\\n						   struct drm_v3d_perfmon_get_counter)' \
    -e "/^	__u64 values_ptr;$/{n;r $work/counter.h
s/^};$/};\n/}" |
  edit "drm/v3d: Add DRM_IOCTL_V3D_PERFMON_GET_COUNTER

Userspace lists the performance counters it can sample by name,
category and description. Add an ioctl that returns them for one
counter id.

Link: https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/00000
Cc: Maira Canal <maira@example.org>
Signed-off-by: Jane Doe <jane.doe@example.org>" "2024-06-03T10:00:00+02:00"
git cat-file blob HEAD:$v3d |
  sed -e 's/^	DRM_V3D_PARAM_SUPPORTS_MULTISYNC_EXT,$/&\n	DRM_V3D_PARAM_MAX_PERF_COUNTERS,/' |
  edit "drm/v3d: Expose the number of performance counters

The number of counters depends on the V3D version. Let userspace
query it before it asks for each counter's description.

Signed-off-by: Jane Doe <jane.doe@example.org>" "2024-06-03T10:01:00+02:00"
git cat-file blob HEAD:$v3d |
  sed -e '/^struct drm_v3d_perfmon_create {$/,/^};$/s/^	__u32 ncounters;$/	__u32 num_counters;/' |
  edit "drm/v3d: Rename ncounters to num_counters

Match the name used by the other drivers' perfmon interfaces.

Signed-off-by: Jane Doe <jane.doe@example.org>" "2024-06-03T10:02:00+02:00"
[ "$(git diff base HEAD --stat | wc -l)" = 2 ] || { echo "a patch did not apply" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
# format-patch stamps Message-IDs and the cover letter's date with the current time: fixed here.
GIT_COMMITTER_DATE="2024-06-03T10:03:00+02:00" git format-patch -q --stdout --cover-letter --thread=shallow \
  --to=dri-devel@lists.freedesktop.org --cc="Maxime Example <maxime@example.org>" \
  --cc="Iago Example <iago@example.org>" base..HEAD |
  sed -E -e 's/\.[0-9]{10}\.git\./.1717401780.git./' \
    -e 's/^Subject: \[PATCH 0\/3\] \*\*\* SUBJECT HERE \*\*\*$/Subject: [PATCH 0\/3] drm\/v3d: Describe the performance counters to userspace/' \
    -e 's/^\*\*\* BLURB HERE \*\*\*$/Mesa'"'"'s perfetto producer and the GL_AMD_performance_monitor extension\nneed each counter'"'"'s name and description, which only the kernel knows\nfor the V3D version it drives. This series adds an ioctl for that and\nthe parameter giving the number of counters, and tidies a member name./' \
  >"$out"
echo "$out"
