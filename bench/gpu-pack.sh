#!/usr/bin/env bash
# Packs into .gpu/ (git-ignored) what bench/gpu.sh needs on a bare GPU machine that has CUDA,
# CMake and Python but maybe no Node.js, no node_modules and no data: node (xz-compressed),
# the production node_modules plus node-api-headers, and en-8m with the evaluation files.
# Run it here after npm run build:ts; then carry ".gpu" and "dist" to the GPU machine (about
# 45 MB; the device tool carries at most 64 MB with the working tree) and run bench/gpu.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
DATA=${W2V_DATA:-$ROOT/../shared/data}
[ -f dist/cjs/index.js ] || { echo "dist/ is missing: npm run build:ts first" >&2; exit 1; }
[ -f "$DATA/corpus/en-8m.txt.gz" ] || { echo "no $DATA/corpus/en-8m.txt.gz (set W2V_DATA)" >&2; exit 1; }
rm -rf .gpu
mkdir -p .gpu/node_modules .gpu/data/corpus .gpu/data/eval
NODE=$(command -v node)
xz -6 -T0 -c "$NODE" > .gpu/node.xz
for dir in $(npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2) "$ROOT/node_modules/node-api-headers"; do
  rel=${dir#"$ROOT/node_modules/"}
  mkdir -p ".gpu/node_modules/$(dirname "$rel")"
  cp -r "$dir" ".gpu/node_modules/$rel"
done
cp "$DATA/corpus/en-8m.txt.gz" .gpu/data/corpus/
cp "$DATA"/eval/* .gpu/data/eval/
du -sh .gpu dist
echo "carry: [\".gpu\", \"dist\"]; run: bash bench/gpu.sh"
