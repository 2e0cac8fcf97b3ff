#!/usr/bin/env bash
# Standard errors of a fit with a parameter ("dummy") that no prediction depends on: dummy_pop and
# omega_dummy have status "not identifiable" and no SE; every other value is "estimated" with a finite,
# plausible SE (RSE below 100 %), at 2 ranks.   usage: se-status.sh <pnlme-fit> fit args...
set -euo pipefail
fit=$1; shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n 2 "$fit" "$@" -output_dir "$dir/out" > "$dir/log" 2>&1 || { cat "$dir/log"; echo "FAIL: fit"; exit 1; }
awk -F, 'NR == 1 { next }
  $1 == "dummy_pop" || $1 == "omega_dummy" { if ($5 != "not identifiable" || $3 != "") { print "FAIL: " $0; bad = 1 } next }
  { if ($5 != "estimated" || $3 == "" || $4 > 100) { print "FAIL: " $0; bad = 1 } }
  END { exit bad }' "$dir/out/estimates.csv" || { cat "$dir/out/estimates.csv"; exit 1; }
grep -q "warning: the Fisher information is singular for 2 parameter(s)" "$dir/log" || { cat "$dir/log"; echo "FAIL: no warning"; exit 1; }
echo "SE status: ok"; cat "$dir/out/estimates.csv"
