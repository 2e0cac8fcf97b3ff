#!/usr/bin/env bash
# The Fisher information inverted by ScaLAPACK (forced with -fim_scalapack_threshold 1) gives the same
# standard errors as LAPACK.   usage: fim-scalapack.sh "2 4" pnlme-fit options...
set -euo pipefail
ranks=$1; shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
run() { "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n "$@" > "$dir/log" 2>&1 || { cat "$dir/log"; exit 1; }; }
run 1 "$@" -output_dir "$dir/lapack"
for np in $ranks; do
  run "$np" "$@" -fim_scalapack_threshold 1 -output_dir "$dir/scalapack$np"
  grep -q . "$dir/scalapack$np/estimates.csv"
  paste -d, "$dir/lapack/estimates.csv" "$dir/scalapack$np/estimates.csv" | awk -F, -v np="$np" '
    NR == 1 { next }
    $1 != $6 || $2 != $7 { print "estimates differ at " np " ranks: " $0; bad = 1 }
    $3 == "" || $8 == "" { print "no standard error for " $1; bad = 1 }
    $5 != "estimated" || $10 != "estimated" { print "status of " $1 ": " $5 ", " $10; bad = 1 }
    { d = $3 - $8; if (d < 0) d = -d; if (d > 1e-9 * ($3 < 0 ? -$3 : $3) + 1e-300) { print "SE of " $1 " differs: " $3 " vs " $8; bad = 1 } n++ }
    END { if (bad || n == 0) exit 1; print np " ranks: " n " standard errors equal to LAPACK'"'"'s" }'
done
