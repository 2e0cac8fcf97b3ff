#!/usr/bin/env bash
# SAEM benchmarks: wall time (the `wall time` line of pnlme-fit) and -2LL of the shipped cases.
#   bash bench/saem.sh [build-dir]        (run from the project root; simulates the 2425 cohort if missing)
# Reference figures (REFERENCES.md, this machine class): saemix 4.2 s for theophylline saem_wt
# (SAEM + MAP + FIM + IS); saemix SAEM iterations on neonates189 with deSolve lsoda 1030 s; saemix
# default SAEM on a 2425-subject cohort 200 s (not converged).
set -euo pipefail
B=${1:-build}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() { # label ranks options...
  local label=$1 np=$2; shift 2
  local out; out=$(mpirun --oversubscribe -n "$np" "$B/apps/pnlme-fit" -saem_print_every 0 "$@")
  local wall is lin
  wall=$(sed -n 's/^wall time: \([0-9.]*\) s/\1/p' <<<"$out")
  is=$(awk '$1=="importance" {print $3}' <<<"$out")
  lin=$(awk '$1=="linearisation" {print $2}' <<<"$out")
  printf '%-34s %5s %10s %14s %14s\n' "$label" "$np" "$wall" "${is:--}" "${lin:--}"
}
[ -f out/cohort2425.csv ] || mpirun --oversubscribe -n 2 "$B/apps/pnlme-simulate" -options_file_yaml input/neonates/cohort2425.yaml > /dev/null
printf '%-34s %5s %10s %14s %14s\n' case ranks "wall [s]" "-2LL IS" "-2LL lin"
run "theophylline saem_wt" 1 -options_file_yaml input/theophylline/saem_wt.yaml
run "theophylline saem_wt" 2 -options_file_yaml input/theophylline/saem_wt.yaml
run "theophylline saem (no covariate)" 1 -options_file_yaml input/theophylline/saem.yaml
run "theophylline saem_md" 2 -options_file_yaml input/theophylline/saem_md.yaml
run "neonates189 saem" 2 -options_file_yaml input/neonates/saem.yaml
run "neonates2425 saem_truecov" 2 -options_file_yaml input/neonates/saem_truecov.yaml
