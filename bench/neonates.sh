#!/usr/bin/env bash
# The 2425-subject neonatal cohort with the true covariates (input/neonates/saem_truecov.yaml; the
# cohort of input/neonates/cohort2425.yaml, simulated into out/cohort2425.csv when missing) fitted by
# one build or by two side by side (before/after: build the previous main in a second folder), seeds
# 1..S, one after the other in one run: wall time, -2LL (IS) with its Monte-Carlo SE, and the omegas
# against the truth (0.127, 0.219, 0.116, 0.076, 0.186; ../shared/brief/REFERENCES.md).
#   bash bench/neonates.sh "build [build-before]" [ranks] [seeds]       (run from the project root)
set -euo pipefail
BUILDS=${1:-build}
NP=${2:-2}
S=${3:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
first=${BUILDS%% *}
[ -f out/cohort2425.csv ] || mpirun --oversubscribe -n "$NP" "$first/apps/pnlme-simulate" -options_file_yaml input/neonates/cohort2425.yaml > /dev/null
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
printf '%-24s %4s %9s %12s %7s   %s\n' build seed "wall [s]" "-2LL (IS)" "MC SE" "omega W0/kin/Tlag/kout/T50 (truth 0.127/0.219/0.116/0.076/0.186)"
for s in $(seq 1 "$S"); do
  for b in $BUILDS; do
    out=$(mpirun --oversubscribe -n "$NP" "$b/apps/pnlme-fit" -options_file_yaml input/neonates/saem_truecov.yaml \
      -saem_seed "$s" -saem_print_every 0 -output_dir "$dir")
    w=$(sed -n 's/^wall time: \([0-9.]*\) s/\1/p' <<<"$out")
    l=$(awk '$1 == "importance" && $2 == "sampling" {print $3, $4}' <<<"$out")
    o=$(awk -F, '$1 ~ /^omega_/ {printf "%s%.3f", n++ ? "/" : "", $2}' "$dir/estimates.csv")
    printf '%-24s %4d %9s %12s %7s   %s\n' "$b" "$s" "$w" ${l} "$o"
  done
done
