#!/usr/bin/env bash
# Fuzzes the C++ core with libFuzzer (+ ASan + UBSan) for a fixed time per target and prints
# a summary table: target, seconds, executions, crashes.
#
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Targets (test/fuzz/fuzz_<target>.cc): native_model, trainer, query, samplers, token_scanner, index_file, ivf_lists. Needs clang++
# (apt-get install clang) and the TypeScript build (npm run build:ts), whose writer makes the
# native model seeds (bench/fuzz-seeds.mjs). The corpus each target grows is kept under
# build/fuzz/run/corpus/<target>/ for the next run; an input that crashes (or fails one of
# the target's checks, leaks, times out or runs out of memory) is copied to
# test/fuzz/regressions/<target>/, which the core tests replay (`npm test`): fix the bug,
# keep the file. libFuzzer stops at a crash; the script starts it again on the same corpus
# until the target's time is used up. Exits with 1 when anything crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
[[ $# -gt 0 ]] && shift
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/fuzz.sh: SECONDS_PER_TARGET must be a positive integer, got '$seconds'" >&2
  exit 2
fi
all_targets=(native_model trainer query samplers token_scanner index_file ivf_lists)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if [[ ! " ${all_targets[*]} " =~ " $t " ]]; then
    echo "bench/fuzz.sh: unknown target '$t' (targets: ${all_targets[*]})" >&2
    exit 2
  fi
done
if ! command -v clang++ >/dev/null; then
  echo "bench/fuzz.sh: clang++ not found (libFuzzer comes with Clang): apt-get install -y clang" >&2
  exit 2
fi
if [[ ! -f dist/cjs/formats/native-model.js ]]; then
  echo "bench/fuzz.sh: dist/ is missing; run npm run build:ts first (the seeds use the TypeScript writer)" >&2
  exit 2
fi

echo "building the fuzz preset (clang, libFuzzer, ASan, UBSan)..."
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2 >/dev/null

run=build/fuzz/run
rm -rf "$run/seeds" "$run/artifacts"
node bench/fuzz-seeds.mjs "$run/seeds"

rows=()
status=0
for t in "${targets[@]}"; do
  corpus="$run/corpus/$t"
  artifacts="$run/artifacts/$t"
  mkdir -p "$corpus" "$artifacts" "test/fuzz/regressions/$t"
  log="$run/$t.log"
  : >"$log"
  executions=0
  start=$(date +%s)
  left=$seconds
  while ((left > 0)); do
    # -timeout: one input running 10 s is a hang; -rss_limit_mb: one using 2 GB is a leak or
    # an allocation the input should not be able to cause.
    set +e
    "build/fuzz/w2v_fuzz_$t" -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$corpus" "$run/seeds/$t" >>"$log" 2>&1
    set -e
    # Each run ends with its totals, a crash included.
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
    executions=$runs
    left=$((seconds - ($(date +%s) - start)))
  done
  elapsed=$(($(date +%s) - start))
  crashes=0
  for f in "$artifacts"/*; do
    [[ -f "$f" ]] || continue
    crashes=$((crashes + 1))
    cp "$f" "test/fuzz/regressions/$t/"
    echo "$t: $(basename "$f") saved as test/fuzz/regressions/$t/$(basename "$f")"
  done
  ((crashes > 0)) && status=1
  rows+=("| $t | $elapsed | $executions | $crashes |")
done

summary="$run/summary.md"
{
  echo "| target | seconds | executions | crashes |"
  echo "| --- | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
} >"$summary"
echo
cat "$summary"
echo
echo "logs: $run/<target>.log; table: $summary"
exit "$status"
