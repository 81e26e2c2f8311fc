#!/usr/bin/env bash
# Runs the core under valgrind memcheck and prints, per program, the errors and the bytes
# leaked:
#
#   bench/valgrind.sh
#
# Programs (built RelWithDebInfo, without sanitizers, in build/valgrind): w2v_train_small
# (test/valgrind/train_small.cc: every training mode with 2 threads, a cancelled and a
# destroyed-while-running training, a throwing constructor, queries), once with each
# training kernel (W2V_SIMD=scalar and the CPU's best), and the four fuzz replay runners over
# test/fuzz/regressions/. Each runs under
#   valgrind --leak-check=full --show-leak-kinds=all --error-exitcode=1
# Exits with 1 when any program has an error or a definite, indirect or possible leak.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
  echo "bench/valgrind.sh: valgrind not found: apt-get install -y valgrind" >&2
  exit 2
fi
build=build/valgrind
echo "building $build (RelWithDebInfo, no sanitizers)..."
cmake -S . -B "$build" -DW2V_CORE_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(w2v_train_small w2v_replay_native_model w2v_replay_trainer w2v_replay_query w2v_replay_samplers)
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null

rows=()
status=0
# name | environment | command...
run() {
  local name=$1 simd=$2
  shift 2
  local log="$build/valgrind-$name.log"
  set +e
  W2V_SIMD="$simd" valgrind --leak-check=full --show-leak-kinds=all --error-exitcode=1 --log-file="$log" "$@" >"$build/valgrind-$name.out" 2>&1
  local rc=$?
  set -e
  local errors definite indirect possible reachable
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tail -1 | tr -d ,)
  bytes() { sed -n "s/.*$1: \([0-9,]*\) bytes.*/\1/p" "$log" | tail -1 | tr -d ,; }
  definite=$(bytes 'definitely lost'); indirect=$(bytes 'indirectly lost')
  possible=$(bytes 'possibly lost'); reachable=$(bytes 'still reachable')
  # "All heap blocks were freed" replaces the leak lines when nothing is left.
  grep -q 'All heap blocks were freed' "$log" && definite=0 indirect=0 possible=0 reachable=0
  rows+=("| $name | ${errors:-?} | ${definite:-?} | ${indirect:-?} | ${possible:-?} | ${reachable:-?} | $rc |")
  if [[ $rc -ne 0 || "${errors:-1}" != 0 || "${definite:-1}" != 0 || "${indirect:-1}" != 0 || "${possible:-1}" != 0 ]]; then
    status=1
    echo "$name: see $log"
  fi
}

run train_small-best "" "$build/w2v_train_small"
run train_small-scalar scalar "$build/w2v_train_small"
for t in native_model trainer query samplers; do
  run "replay_$t" "" "$build/w2v_replay_$t" test/fuzz/regressions/$t
done

echo
echo "| program | errors | definitely lost (bytes) | indirectly lost | possibly lost | still reachable | exit |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "valgrind logs: $build/valgrind-<program>.log; program output: $build/valgrind-<program>.out"
exit "$status"
