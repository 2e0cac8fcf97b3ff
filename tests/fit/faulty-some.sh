#!/usr/bin/env bash
# A model whose solve fails for about 1 % of the parameter vectors: the fit (2 ranks) completes (exit 0) and
# writes every result; the failures are counted.   usage: faulty-some.sh <pnlme-fit> args...
set -euo pipefail
fit=$1; shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n 2 "$fit" "$@" -output_dir "$dir/out" > "$dir/log" 2>&1 || { cat "$dir/log"; echo "FAIL: the fit stopped"; exit 1; }
grep -Eq "model evaluations [0-9]+, failed \(rejected\) [1-9][0-9]*" "$dir/log" || { cat "$dir/log"; echo "FAIL: no failed evaluation counted"; exit 1; }
for f in estimates.csv likelihood.csv individuals.csv results.h5; do [ -s "$dir/out/$f" ] || { echo "FAIL: no $f"; exit 1; }; done
awk -F, 'NR > 1 && $1 == "is" { exit !($2 > 0 && $2 < 1e6) }' "$dir/out/likelihood.csv" || { cat "$dir/out/likelihood.csv"; echo "FAIL: no finite -2LL (IS)"; exit 1; }
echo "faulty model (1 % of solves fail): completed, $(grep -Eo 'failed \(rejected\) [0-9]+' "$dir/log")"
