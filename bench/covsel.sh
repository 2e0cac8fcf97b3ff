#!/usr/bin/env bash
# Covariate selection: the one-run method (-covariates_select bicc) against stepwise covariate
# modelling (-covariates_select scm) -- number of fits, wall time, the model selected -- and the
# stress case (200 pure-noise covariates added to the neonatal cohort: 1025 candidate effects).
#   bash bench/covsel.sh [build-dir] [--with-neonates-scm]
# (run from the project root; simulates the cohorts if missing).  SCM on the neonatal cohort is
# 230 full fits (about 1.6 hours on 2 cores), hence opt-in.
set -euo pipefail
B=build; SCMNEO=0
for a in "$@"; do case $a in --with-neonates-scm) SCMNEO=1 ;; *) B=$a ;; esac; done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() { # label ranks options...
  local label=$1 np=$2; shift 2
  local out; out=$(mpirun --oversubscribe -n "$np" "$B/apps/pnlme-fit" -saem_print_every 0 "$@")
  local fits wall sel miqp bicc
  fits=$(sed -n 's/^  fits: \([0-9]*\), total time.*/\1/p' <<<"$out")
  wall=$(sed -n 's/^wall time: \([0-9.]*\) s/\1/p' <<<"$out")
  sel=$(sed -n 's/^  selected: //p' <<<"$out" | tr ' ' ',')
  miqp=$(sed -n 's/^  MIQP: .*s in all, \([0-9.]*\) ms per M-step on average, \([0-9.]*\) ms at most.*/\1 \/ \2/p' <<<"$out")
  bicc=$(awk '$1=="importance" && $2=="sampling" {print $7}' <<<"$out" | head -1)
  printf '%-32s %-4s %5s %9s %12s %-13s %s\n' "$label" "$np" "$fits" "$wall" "${bicc:--}" "${miqp:--}" "$sel"
}
[ -f out/cohort2425.csv ] || mpirun --oversubscribe -n 2 "$B/apps/pnlme-simulate" -options_file_yaml input/neonates/cohort2425.yaml > /dev/null
[ -f out/cohort2425_noise.csv ] || mpirun --oversubscribe -n 2 "$B/apps/pnlme-simulate" -options_file_yaml input/neonates/cohort2425_noise.yaml > /dev/null
printf '%-32s %-4s %5s %9s %12s %-13s %s\n' case np fits "wall [s]" "BICc (IS)" "MIQP ms/M-step (avg/max)" selected
run "theophylline one-run (bicc)" 1 -options_file_yaml input/theophylline/select.yaml
run "theophylline SCM" 1 -options_file_yaml input/theophylline/select.yaml -covariates_select scm
run "neonates 2425 one-run (bicc)" 2 -options_file_yaml input/neonates/select.yaml
[ "$SCMNEO" = 1 ] && run "neonates 2425 SCM" 2 -options_file_yaml input/neonates/select.yaml -covariates_select scm
run "neonates + 200 noise one-run" 2 -options_file_yaml input/neonates/select_noise.yaml
