#!/usr/bin/env bash
# A dataset of steady-state doses (SS 1, II) and the same doses written out (ADDL over many intervals
# before): the fit's objective at the same parameters and the individual modes must agree to the modes'
# own tolerance.   usage: ss-vs-explicit.sh NP SS.csv EXPLICIT.csv pnlme-fit args...
set -euo pipefail
np=$1 ss=$2 ex=$3; shift 3
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
for f in ss ex; do
  data=$ss; [ $f = ex ] && data=$ex
  "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n "$np" "$@" -data_file "$data" -output_dir "$dir/$f" > "$dir/log$f" 2>&1 || { cat "$dir/log$f"; echo "the fit of $data failed"; exit 1; }
done
# the first likelihood row's -2LL, and every numeric column of individuals.csv, relative 1e-6
awk -F, 'NR == FNR && FNR == 2 { a = $2; next } FNR == 2 { b = $2; d = a - b; if (d < 0) d = -d
  if (d > 1e-6 * (a < 0 ? -a : a)) { printf "-2LL %s against %s written out\n", a, b; exit 1 }
  printf "-2LL %s against %s written out\n", a, b }' "$dir/ss/likelihood.csv" "$dir/ex/likelihood.csv"
paste -d, "$dir/ss/individuals.csv" "$dir/ex/individuals.csv" | awk -F, 'NR > 1 { n = NF / 2
  for (i = 2; i <= n; i++) { a = $i; b = $(i + n); d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a)
    if (d > 1e-6 * m + 1e-12) { printf "individuals.csv line %d column %d: %s against %s written out\n", NR, i, a, b; bad = 1 } }
  rows++ } END { if (bad) exit 1; printf "%d subjects, individual estimates equal to 1e-6\n", rows }'
