#!/usr/bin/env bash
# One GPU session's checks of the CUDA trainer, meant to finish in under 5 minutes on an H200:
#   1. build the CUDA addon and the GPU tests for this GPU's architecture only (plain CMake:
#      what `npm run build:cuda` builds, without needing cmake-js on the GPU machine);
#   2. run the GPU tests (kernel vs its host emulation, trainer end to end), then the kernel
#      tests again under compute-sanitizer memcheck where it runs;
#   3. node bench/gpu.mjs: smoke test vs the CPU trainer's neighbours, en-8m quality vs the
#      CPU trainer, words/s for skip-gram and CBOW at dim 100 and 300, share of peak memory
#      bandwidth; prints a table last.
# Exits non-zero if a build, a test or a check fails. Extra arguments go to bench/gpu.mjs
# (e.g. --quick, --epochs 5, --require-goal).
#
# What it needs on the GPU machine: nvcc, cmake, node (on PATH, or W2V_NODE, or .gpu/node.xz
# from bench/gpu-pack.sh), node_modules (or .gpu/node_modules), dist/ (npm run build:ts), and the
# data (W2V_DATA, ../shared/data, shared/data or .gpu/data). Results (log, JSON) go to $OUT
# when set (the device tool's folder), else bench/results.
#
# Environment: W2V_CUDA_ARCH (e.g. 90; default: nvidia-smi's compute capability),
# W2V_GPU_SKIP_BUILD=1 (reuse build/gpu), W2V_GPU_SANITIZE=0 (skip compute-sanitizer),
# W2V_CUDA_BATCH_WORDS / W2V_CUDA_MAX_BLOCKS (the trainer's tuning knobs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
START=$(date +%s)
RESULTS=${OUT:-$ROOT/bench/results}
mkdir -p "$RESULTS"
STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
exec > >(tee "$RESULTS/gpu-$STAMP.log") 2>&1

elapsed() { echo $(( $(date +%s) - START )); }
step() { echo; echo "== $* (at $(elapsed) s)"; }
fail() { echo "bench/gpu.sh: $*" >&2; exit 1; }

# ---- tools and inputs --------------------------------------------------------------------
if [ -n "${W2V_NODE:-}" ]; then
  export PATH="$(dirname "$W2V_NODE"):$PATH"
elif ! command -v node >/dev/null && [ -f .gpu/node.xz ]; then
  mkdir -p /tmp/w2v-node
  if command -v xz >/dev/null; then xz -dc .gpu/node.xz > /tmp/w2v-node/node
  else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' .gpu/node.xz /tmp/w2v-node/node
  fi
  chmod +x /tmp/w2v-node/node
  export PATH="/tmp/w2v-node:$PATH"
fi
command -v node >/dev/null || fail "node not found: put it on PATH, set W2V_NODE, or run bench/gpu-pack.sh where node is and carry .gpu"
if [ ! -d node_modules ] && [ -d .gpu/node_modules ]; then ln -s .gpu/node_modules node_modules; fi
[ -d node_modules/node-addon-api ] || fail "node_modules/node-addon-api is missing (npm ci, or carry .gpu from bench/gpu-pack.sh)"
[ -d node_modules/node-api-headers ] || fail "node_modules/node-api-headers is missing (npm ci, or carry .gpu from bench/gpu-pack.sh)"
[ -f dist/cjs/index.js ] || fail "dist/ is missing: run npm run build:ts (here or before carrying dist)"
NVCC=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$NVCC" ] || fail "nvcc not found (CUDACXX, PATH, /usr/local/cuda/bin)"
command -v cmake >/dev/null || fail "cmake not found"
DATA=${W2V_DATA:-}
for d in "$ROOT/../shared/data" "$ROOT/shared/data" "$ROOT/.gpu/data"; do
  if [ -z "$DATA" ] && [ -f "$d/corpus/en-8m.txt.gz" ]; then DATA=$d; fi
done
[ -n "$DATA" ] || fail "en-8m not found: set W2V_DATA to a folder holding corpus/en-8m.txt.gz and eval/"

step "machine"
nvidia-smi --query-gpu=name,compute_cap,memory.total,clocks.max.sm,clocks.max.mem,driver_version --format=csv || true
echo "node $(node --version), $("$NVCC" --version | tail -1), $(cmake --version | head -1), $(nproc) CPUs, data $DATA"
ARCH=${W2V_CUDA_ARCH:-$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')}
ARCH=${ARCH:-90}

# ---- 1. build ----------------------------------------------------------------------------
BUILD=$ROOT/build/gpu
if [ "${W2V_GPU_SKIP_BUILD:-0}" != 1 ]; then
  step "build: CUDA addon and GPU tests for sm_$ARCH"
  mkdir -p "$BUILD"
  GENERATOR=()
  if command -v ninja >/dev/null; then GENERATOR=(-G Ninja); fi
  CUDACXX=$NVCC cmake -S . -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release -DW2V_CUDA=ON -DW2V_CORE_TESTS=ON \
    -DW2V_CUDA_ARCHITECTURES="$ARCH-real" -DW2V_ADDON_OUTPUT_DIR="$BUILD/addon" \
    -DCMAKE_JS_INC="$ROOT/node_modules/node-api-headers/include" >"$BUILD/configure.log" 2>&1 \
    || { tail -40 "$BUILD/configure.log"; fail "cmake configure failed"; }
  grep -q "W2V_CUDA: building the CUDA trainer" "$BUILD/configure.log" || { tail -40 "$BUILD/configure.log"; fail "CMake did not enable CUDA"; }
  cmake --build "$BUILD" --target word2vec_native w2v_cuda_tests --parallel "$(nproc)" || fail "build failed"
fi
export WORD2VEC_NATIVE_ADDON=$BUILD/addon/word2vec_native.node
[ -f "$WORD2VEC_NATIVE_ADDON" ] || fail "no addon at $WORD2VEC_NATIVE_ADDON"

# ---- 2. GPU tests ------------------------------------------------------------------------
step "GPU tests (build/gpu/w2v_cuda_tests)"
set +e
"$BUILD/w2v_cuda_tests"
TESTS=$?
set -e
[ $TESTS -eq 77 ] && fail "the GPU tests saw no CUDA device"
[ $TESTS -eq 0 ] || fail "GPU tests failed (exit $TESTS)"

SANITIZER=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ "${W2V_GPU_SANITIZE:-1}" = 1 ] && [ -n "$SANITIZER" ]; then
  step "compute-sanitizer memcheck on the kernel tests"
  set +e
  timeout 120 "$SANITIZER" --tool memcheck --error-exitcode 99 "$BUILD/w2v_cuda_tests" cuda_kernel > "$RESULTS/gpu-$STAMP.memcheck.log" 2>&1
  MEMCHECK=$?
  set -e
  tail -5 "$RESULTS/gpu-$STAMP.memcheck.log"
  if [ $MEMCHECK -eq 99 ]; then fail "compute-sanitizer found memory errors (see gpu-$STAMP.memcheck.log)"
  elif [ $MEMCHECK -ne 0 ]; then echo "compute-sanitizer could not check (exit $MEMCHECK; e.g. not supported on this runtime): not counted"
  else echo "memcheck: no errors"
  fi
fi

# ---- 3. checks and timings ---------------------------------------------------------------
step "bench/gpu.mjs"
set +e
node bench/gpu.mjs --data "$DATA" --out "$RESULTS/gpu-$STAMP.json" "$@"
BENCH=$?
set -e
echo "bench/gpu.sh took $(elapsed) s in all (budget: 300 s on an H200)"
exit $BENCH
