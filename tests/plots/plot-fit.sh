#!/usr/bin/env bash
# A real fit on 2 ranks, then pnlme-plot: every picture is a valid, non-trivial PNG (check-png.py).
#   usage: plot-fit.sh <pnlme-fit> <pnlme-plot> <pnlme-plot options> -- <pnlme-fit options...>
set -euo pipefail
fit=$1
plot=$2
plotopts=$3
shift 4
here=$(cd "$(dirname "$0")" && pwd)
mpi=("${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"${mpi[@]}" -n 2 "$fit" "$@" -saem_print_every 0 -output_dir "$dir/fit" > "$dir/log" 2>&1 || { cat "$dir/log"; echo "the fit failed"; exit 1; }
# shellcheck disable=SC2086
"$plot" $plotopts -o "$dir/png" "$dir/fit/results.h5" > "$dir/plotlog" 2>&1 || { cat "$dir/plotlog"; echo "pnlme-plot failed"; exit 1; }
cat "$dir/plotlog"
[ "$(grep -c '\.png$' "$dir/plotlog")" = 5 ] || { echo "pnlme-plot did not list 5 files"; exit 1; }
"$here/check-png.py" "$dir/png" convergence obs_vs_pred residuals individual_fits vpc
echo "pnlme-plot: 5 valid pictures"
