#!/usr/bin/env bash
# A stage that fails after the iterations started (here: the checkpoint of iteration 20 cannot be
# written, its temporary file's name is taken by a directory) stops the fit with one line that says
# where the estimates so far and the history are, and those files are there, at 2 ranks.
#   usage: salvage.sh <pnlme-fit> <expect-error.sh> fit args...
set -euo pipefail
fit=$1 expect=$2; shift 2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/out/checkpoint.h5.tmp"
"${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n 2 bash "$expect" \
  "^pnlme-fit: error: the SAEM iterations failed: checkpoint .*: cannot create the file.*; the estimates of iteration 20 and the history are in $dir/out [(]estimates.csv, history.csv[)]$" \
  "$fit" "$@" -saem_k1 100 -saem_auto 0 -checkpoint_every 20 -output_dir "$dir/out"
[ "$(wc -l < "$dir/out/history.csv")" = 21 ] || { echo "FAIL: history.csv has $(wc -l < "$dir/out/history.csv") lines, expected 21"; exit 1; }
awk -F, 'NR == 1 { ok = ($5 == "status") } NR > 1 && $2 == "" { ok = 0 } END { exit !ok }' "$dir/out/estimates.csv" || { cat "$dir/out/estimates.csv"; echo "FAIL: estimates.csv"; exit 1; }
echo "salvage: ok"
