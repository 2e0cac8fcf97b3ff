#!/usr/bin/env bash
# Runs a fit with a boolean option true and false, each writing its results to a file (-test_out), and
# requires the files to be byte-identical: the option changes how the work is done, not its result
# (-model_batch: SAEM's chains and the importance-sampling draws of a subject in SIMD lanes or one
# parameter set after the other; -saem_early_rejection: proposals' solves stopped once their rejection
# is certain, or solved to the end).  OPTION=v1,v2,... compares the runs with those values instead (the
# first is the reference).   usage: same-either-way.sh OPTION[=v1,v2,...] NP program args...
set -euo pipefail
opt=${1%%=*}; vals="true false"; [[ $1 == *=* ]] && vals=${1#*=} && vals=${vals//,/ }
np=$2; shift 2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
read -r ref _ <<<"$vals"
for b in $vals; do
  "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n "$np" "$@" "$opt" "$b" -test_out "$dir/out$b" > "$dir/log$b" 2>&1 || { cat "$dir/log$b"; echo "run with $opt $b failed"; exit 1; }
  if [[ $b != "$ref" ]] && ! cmp -s "$dir/out$ref" "$dir/out$b"; then
    diff "$dir/out$ref" "$dir/out$b" | head -5
    echo "results with $opt $ref and $b differ"; exit 1
  fi
done
echo "identical with $opt ${vals// / and } ($(wc -l < "$dir/out$ref") lines)$(grep -ho ', rejected early.*' "$dir/log$ref" || true)"
