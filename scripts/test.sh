#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need, builds the real-kernel data,
# runs every test. Works on a fresh Debian machine with a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
# The same install every run (scripts/install-deps.sh): gcc and make for the differential tests
# (the tool itself never builds or runs anything), cross compilers for the other arches.
scripts/install-deps.sh build test
UAPI_DIFF_KERNELS=$(scripts/fetch-kernels.sh | tail -n 1)
export UAPI_DIFF_KERNELS
cargo test --release --locked
