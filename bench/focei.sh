#!/usr/bin/env bash
# FOCEI against SAEM side by side (docs/focei.md): the same case fitted by both estimators in one run,
# with wall times, the estimator's own objective, -2LL by importance sampling at each one's estimates
# (the common yardstick) and the typical values.
#   bash bench/focei.sh [build-dir] [ranks] [cases]       (run from the project root)
# cases (default "theo warfarin neonates189"): theo (theophylline WT, additive error), warfarin
# (warfarin PK with lag, combined2 error), neonates189 (the 189-subject neonatal set, ODE model),
# neonates2425 (the 2425-subject synthetic cohort with the true covariates: simulated first into
# out/cohort2425.csv; tens of minutes for FOCEI on 2 cores).  With R and nlme installed (Debian:
# r-base-core, r-cran-nlme), the theo case also runs R nlme on the same model (bench/focei_nlme.R).
set -euo pipefail
B=${1:-build}
NP=${2:-2}
CASES=${3:-theo warfarin neonates189}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi() { mpirun --oversubscribe -n "$NP" "$@"; }
printf '%-13s %-10s %9s %12s %12s  %s\n' case estimator "wall [s]" objective "-2LL IS" "typical values"
run() { # case estimator args...
  local c=$1 e=$2 out
  shift 2
  out=$(mpi "$B/apps/pnlme-fit" "$@" -estimator "$e" -saem_print_every 0)
  printf '%-13s %-10s %9s %12s %12s  %s\n' "$c" "$e" \
    "$(sed -n 's/^wall time: \([0-9.]*\) s/\1/p' <<<"$out")" \
    "$(awk '$1=="FOCEI" && $2=="objective" {print $3}' <<<"$out")" \
    "$(awk '$1=="importance" && $2=="sampling" {print $3}' <<<"$out")" \
    "$(awk '$1 ~ /_pop$/ {printf "%s %s  ", $1, $2}' <<<"$out")"
}
for c in $CASES; do
  case $c in
  theo)
    args=(-options_file_yaml input/theophylline/focei_wt.yaml) ;;
  warfarin)
    args=(-options_file_yaml input/warfarin/pk.yaml) ;;
  neonates189)
    args=(-options_file_yaml input/neonates/saem.yaml -data_file input/neonates/neonates189.csv) ;;
  neonates2425)
    [ -f out/cohort2425.csv ] || mpi "$B/apps/pnlme-simulate" -options_file_yaml input/neonates/cohort2425.yaml > /dev/null
    args=(-options_file_yaml input/neonates/saem_truecov.yaml) ;;
  *) echo "unknown case $c" >&2; exit 2 ;;
  esac
  for e in saem focei; do run "$c" "$e" "${args[@]}"; done
  if [ "$c" = theo ] && command -v Rscript > /dev/null && Rscript -e 'quit(status = !requireNamespace("nlme", quietly = TRUE))' > /dev/null 2>&1; then
    Rscript bench/focei_nlme.R input/theophylline/theo_sd.csv   # R nlme side by side (Debian r-cran-nlme)
  fi
done
