#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need, builds the real-kernel data,
# runs every test. Works on a fresh Debian machine with a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v gcc >/dev/null 2>&1; then
  # The differential tests compile headers with gcc (the tool itself never does).
  apt-get update -qq && apt-get install -y -qq gcc libc6-dev >/dev/null
fi
UAPI_DIFF_KERNELS=$(scripts/fetch-kernels.sh | tail -n 1)
export UAPI_DIFF_KERNELS
cargo test --release --locked
