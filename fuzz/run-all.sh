#!/usr/bin/env bash
# Runs every fuzz target for a fixed budget, one after the other, and prints one line per
# target: executions, coverage, corpus size and the outcome (docs/fuzzing.md).
#
# usage: fuzz/run-all.sh [SECONDS_PER_TARGET] [TARGET…]     (default 600 s, every target)
# needs: a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
set -uo pipefail
cd "$(dirname "$0")"
budget=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build || exit 2
mkdir -p logs
status=0
printf '%-11s %12s %8s %9s %8s %s\n' target executions "cov" features corpus result
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  dict=()
  case $t in policy|fmt) dict=(-dict=policy.dict) ;; esac
  log="logs/$t.log"
  cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$budget" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "${dict[@]}" \
    >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -o '[0-9]*')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -o '[0-9]*')
  corpus=$(find "corpus/$t" -type f | wc -l)
  if [ $rc -eq 0 ]; then result="no crash"; else result="FAILED (exit $rc, see fuzz/$log)"; status=1; fi
  printf '%-11s %12s %8s %9s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$result"
done
exit $status
