#!/usr/bin/env bash
# -fit_fix ke=0.0866,V.WT=0.582 (NONMEM FIX): the two values are reported as given with status
# "fixed" and no SE, the others are estimated, and BICc counts 4 subject-level parameters (3 omegas,
# beta_ka_WT) and 3 fixed effects (ka, V, a): BICc - (-2LL) = 4 log(12) + 3 log(120).
#   usage: fit-fix.sh <pnlme-fit> fit args...
set -euo pipefail
fit=$1; shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n 2 "$fit" "$@" -fit_fix ke=0.0866,V.WT=0.582 -output_dir "$dir/out" > "$dir/log" 2>&1 || { cat "$dir/log"; echo "FAIL: fit"; exit 1; }
check() { awk -F, -v p="$1" -v v="$2" -v s="$3" '$1 == p { f = 1; if (v != "" && ($2 - v > 1e-12 * v || v - $2 > 1e-12 * v)) exit 1; if ($5 != s) exit 1 } END { exit !f }' "$dir/out/estimates.csv" ||
  { cat "$dir/out/estimates.csv"; echo "FAIL: $1 should be ${2:-estimated} with status $3"; exit 1; }; }
check ke_pop 0.0866 fixed
check beta_V_WT 0.582 fixed
check ka_pop "" estimated
check V_pop "" estimated
check beta_ka_WT "" estimated
awk -F, '$1 == "is" { d = $5 - $2 - (4 * log(12) + 3 * log(120)); exit !(d < 1e-4 && d > -1e-4) }' "$dir/out/likelihood.csv" || { cat "$dir/out/likelihood.csv"; echo "FAIL: BICc does not count 7 parameters"; exit 1; }
echo "-fit_fix: ok"
