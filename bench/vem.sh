#!/usr/bin/env bash
# VEM against SAEM on the same machine in the same run: wall time (the `wall time` line of pnlme-fit,
# which includes the conditional modes, the linearisation and importance sampling) and -2LL.
#   bash bench/vem.sh [build-dir]        (run from the project root; simulates the 2425 cohort if missing)
# Prints one row per fit and the ratios SAEM/VEM of the wall times.  docs/vem.md has the figures.
set -euo pipefail
B=${1:-build}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
declare -A WALL
run() { # key label ranks options...
  local key=$1 label=$2 np=$3; shift 3
  local out; out=$(mpirun --oversubscribe -n "$np" "$B/apps/pnlme-fit" -saem_print_every 0 "$@")
  local wall is lin
  wall=$(sed -n 's/^wall time: \([0-9.]*\) s/\1/p' <<<"$out")
  is=$(awk '$1=="importance" {print $3}' <<<"$out")
  lin=$(awk '$1=="linearisation" {print $2}' <<<"$out")
  WALL[$key]=$wall
  printf '%-30s %5s %10s %14s %14s\n' "$label" "$np" "$wall" "${is:--}" "${lin:--}"
}
[ -f out/cohort2425.csv ] || mpirun --oversubscribe -n 2 "$B/apps/pnlme-simulate" -options_file_yaml input/neonates/cohort2425.yaml > /dev/null
printf '%-30s %5s %10s %14s %14s\n' case ranks "wall [s]" "-2LL IS" "-2LL lin"
run theo_saem "theophylline saem_wt" 1 -options_file_yaml input/theophylline/saem_wt.yaml
run theo_vem "theophylline vem_wt" 1 -options_file_yaml input/theophylline/vem_wt.yaml
run neo_saem "neonates2425 saem_truecov" 2 -options_file_yaml input/neonates/saem_truecov.yaml
run neo_vem "neonates2425 vem_truecov" 2 -options_file_yaml input/neonates/vem_truecov.yaml
awk -v a="${WALL[theo_saem]}" -v b="${WALL[theo_vem]}" 'BEGIN {printf "theophylline: SAEM/VEM wall time %.2f\n", a / b}'
awk -v a="${WALL[neo_saem]}" -v b="${WALL[neo_vem]}" 'BEGIN {printf "neonates2425: SAEM/VEM wall time %.2f\n", a / b}'
