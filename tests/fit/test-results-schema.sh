#!/usr/bin/env bash
# results.h5 and individuals.csv of the theophylline fit at 1, 2 and 3 ranks: the schema of
# docs/results-schema.md, values against estimates.csv, likelihood.csv and individuals.csv, and the
# per-subject, per-observation, history and estimate datasets (and the CSV files) identical at every
# number of ranks.   usage: test-results-schema.sh <pnlme-fit> <test-results-schema> <source dir>
set -euo pipefail
fit=$1
check=$2
src=$3
mpi=("${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
args=(-options_file_yaml "$src/input/theophylline/saem_wt.yaml" -data_file "$src/input/theophylline/theo_sd.csv"
      -saem_print_every 0 -saem_k1 150 -saem_k2 50 -lik_is_samples 500)
for np in 1 2 3; do
  "${mpi[@]}" -n "$np" "$fit" "${args[@]}" -output_dir "$dir/np$np" > "$dir/log$np" 2>&1 || { cat "$dir/log$np"; echo "fit at $np ranks failed"; exit 1; }
  if [ "$np" = 1 ]; then
    "$check" -dir "$dir/np$np" -n_ranks "$np"
  else
    "$check" -dir "$dir/np$np" -n_ranks "$np" -compare "$dir/np1"
    for f in estimates.csv likelihood.csv individuals.csv; do
      cmp "$dir/np1/$f" "$dir/np$np/$f" || { echo "$f differs between 1 and $np ranks"; exit 1; }
    done
  fi
done
echo "results.h5 and the CSV files identical at 1, 2 and 3 ranks"
