#!/usr/bin/env bash
# Runs a fit with a boolean option true and false, each writing its results to a file (-test_out), and
# requires the files to be byte-identical: the option changes how the work is done, not its result
# (-model_batch: SAEM's chains and the importance-sampling draws of a subject in SIMD lanes or one
# parameter set after the other; -saem_early_rejection: proposals' solves stopped once their rejection
# is certain, or solved to the end).   usage: same-either-way.sh OPTION NP program args...
set -euo pipefail
opt=$1; np=$2; shift 2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
for b in true false; do
  "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n "$np" "$@" "$opt" $b -test_out "$dir/out$b" > "$dir/log$b" 2>&1 || { cat "$dir/log$b"; echo "run with $opt $b failed"; exit 1; }
done
if ! cmp -s "$dir/outtrue" "$dir/outfalse"; then
  diff "$dir/outtrue" "$dir/outfalse" | head -5
  echo "results with $opt true and false differ"; exit 1
fi
echo "identical with $opt true and false ($(wc -l < "$dir/outtrue") lines)$(grep -ho ', rejected early.*' "$dir/logtrue" || true)"
