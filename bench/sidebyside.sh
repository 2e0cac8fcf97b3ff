#!/usr/bin/env bash
# One case fitted by one build or by several side by side (before/after: build the previous main in a
# second folder), seeds 1..S, the builds alternating within each seed: wall time (the in-process
# `wall time` line), -2LL (IS) with its Monte-Carlo SE, SAEM iterations, and the time of the
# interweaving/fixed-effect steps from -log_view (PnlmeNonCentred, the slower rank).
#   bash bench/sidebyside.sh CASE.yaml "build [build-before ...]" [ranks] [seeds]   (from the project root)
# e.g. bash bench/sidebyside.sh input/warfarin/pkpd.yaml "build /tmp/prev/build" 2 3
set -euo pipefail
CASE=${1:?a case (YAML option file)}
BUILDS=${2:-build}
NP=${3:-2}
S=${4:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
printf '%-24s %4s %9s %12s %7s %6s %9s\n' build seed "wall [s]" "-2LL (IS)" "MC SE" iters "NC [s]"
for s in $(seq 1 "$S"); do
  for b in $BUILDS; do
    out=$(mpirun --oversubscribe -n "$NP" "$b/apps/pnlme-fit" -options_file_yaml "$CASE" -saem_seed "$s" -saem_print_every 0 -log_view)
    w=$(sed -n 's/^wall time: \([0-9.]*\) s/\1/p' <<<"$out")
    l=$(awk '$1 == "importance" && $2 == "sampling" {print $3, $4}' <<<"$out")
    it=$(sed -n 's/.* \([0-9]*\) iterations (K1.*/\1/p' <<<"$out")
    nc=$(awk '$1 == "PnlmeNonCentred" {printf "%.2f", $4}' <<<"$out")
    printf '%-24s %4d %9s %12s %7s %6s %9s\n' "$b" "$s" "$w" ${l} "$it" "${nc:--}"
  done
done
