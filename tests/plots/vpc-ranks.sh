#!/usr/bin/env bash
# /vpc/simulated, /curves and the observations' PRED and IPRED of the theophylline fit are bitwise
# identical at 1 rank (in rounds of 7 replicates, one parameter set after the other: -model_batch false)
# and at 2 ranks (one round; each subject's replicates, and the PRED and IPRED solves of blocks of
# subjects, evaluated together in SIMD lanes), and statistically what the fitted model predicts
# (check-vpc.py).   usage: vpc-ranks.sh <pnlme-fit> <source dir>
set -euo pipefail
fit=$1
src=$2
here=$(cd "$(dirname "$0")" && pwd)
mpi=("${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
R=50
args=(-options_file_yaml "$src/input/theophylline/saem_wt.yaml" -data_file "$src/input/theophylline/theo_sd.csv"
      -saem_print_every 0 -saem_k1 100 -saem_k2 30 -lik_is_samples 200 -vpc_replicates $R -output_curves 60)
"${mpi[@]}" -n 1 "$fit" "${args[@]}" -vpc_round_replicates 7 -model_batch false -output_dir "$dir/np1" > "$dir/log1" 2>&1 || { cat "$dir/log1"; echo "fit at 1 rank failed"; exit 1; }
"${mpi[@]}" -n 2 "$fit" "${args[@]}" -output_dir "$dir/np2" > "$dir/log2" 2>&1 || { cat "$dir/log2"; echo "fit at 2 ranks failed"; exit 1; }
"$here/check-vpc.py" "$dir/np1" "$dir/np2" $R
