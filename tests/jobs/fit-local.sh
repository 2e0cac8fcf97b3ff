#!/usr/bin/env bash
# jobscripts/fit.pbs run locally on the theophylline case (2 ranks, VPC and curves), then pnlme-plot in
# the job: the results files and the 5 pictures; a missing DATA file is a one-line error.
#   usage: fit-local.sh <source dir> <build/apps dir>
set -euo pipefail
src=$1
bin=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
env=(PNLME_LOCAL=1 PNLME="$src" PNLME_BIN="$bin" NP=2 FIT_CASE="$src/input/theophylline/saem_wt.yaml")
env "${env[@]}" DATA="$src/input/theophylline/theo_sd.csv" RUNDIR="$dir/run" \
  FIT_OPTS="-saem_k1 100 -saem_k2 30 -lik_is_samples 200 -vpc_replicates 50 -output_curves 50 -saem_print_every 0" \
  bash "$src/jobscripts/fit.pbs" > "$dir/out" 2>&1 || { cat "$dir/out"; echo "FAIL the job script"; exit 1; }
cat "$dir/out"
for f in estimates.csv likelihood.csv individuals.csv results.h5 single_N12_np2.log; do
  [ -s "$dir/run/$f" ] || { echo "FAIL no $f"; exit 1; }
done
grep -q "^# pnlme-run study=single subjects=12 ranks=2 " "$dir/run/single_N12_np2.log" || { echo "FAIL log header"; exit 1; }
"$src/tests/plots/check-png.py" "$dir/run/plots" convergence obs_vs_pred residuals individual_fits vpc
bash "$src/tests/common/expect-error.sh" "^fit.pbs: error: DATA=$dir/none.csv: no such file$" \
  env "${env[@]}" DATA="$dir/none.csv" RUNDIR="$dir/run2" bash "$src/jobscripts/fit.pbs"
echo "fit job: results and pictures"
