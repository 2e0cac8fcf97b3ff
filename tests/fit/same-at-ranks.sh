#!/usr/bin/env bash
# Runs a program at several rank counts, each writing its results to a file (-test_out), and
# requires the files to be byte-identical.   usage: same-at-ranks.sh "1 2 3 4" program args...
set -euo pipefail
ranks=$1; shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
first=""
for np in $ranks; do
  "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n "$np" "$@" -test_out "$dir/out$np" > "$dir/log$np" 2>&1 || { cat "$dir/log$np"; echo "run at $np ranks failed"; exit 1; }
  if [ -z "$first" ]; then first=$np; continue; fi
  if ! cmp -s "$dir/out$first" "$dir/out$np"; then
    diff "$dir/out$first" "$dir/out$np" | head -5
    echo "results at $np ranks differ from $first ranks"; exit 1
  fi
done
echo "identical at ranks: $ranks ($(wc -l < "$dir/out$first") lines)"
