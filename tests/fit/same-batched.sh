#!/usr/bin/env bash
# Runs a fit with the model's batched evaluations (-model_batch true: SAEM's chains and the
# importance-sampling draws of a subject in SIMD lanes) and without (one parameter set after the
# other), each writing its results to a file (-test_out), and requires the files to be byte-identical:
# batching changes no lane's result.   usage: same-batched.sh NP program args...
set -euo pipefail
np=$1; shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
for b in true false; do
  "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n "$np" "$@" -model_batch $b -test_out "$dir/out$b" > "$dir/log$b" 2>&1 || { cat "$dir/log$b"; echo "run with -model_batch $b failed"; exit 1; }
done
if ! cmp -s "$dir/outtrue" "$dir/outfalse"; then
  diff "$dir/outtrue" "$dir/outfalse" | head -5
  echo "results with and without batched evaluations differ"; exit 1
fi
echo "identical with and without batched evaluations ($(wc -l < "$dir/outtrue") lines)"
