#!/usr/bin/env bash
# Cross-compiles the C++ core tests for AArch64 (the NEON kernels) and runs them under
# qemu-user. Needs Debian's g++-aarch64-linux-gnu and qemu-user:
#   apt-get install -y g++-aarch64-linux-gnu qemu-user
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build/core-arm64}"
cmake -S "$root" -B "$build" -DW2V_CORE_TESTS=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_SYSTEM_NAME=Linux \
  -DCMAKE_SYSTEM_PROCESSOR=aarch64 -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ >/dev/null
cmake --build "$build" -j2
qemu-aarch64 -L /usr/aarch64-linux-gnu "$build/w2v_core_tests"
