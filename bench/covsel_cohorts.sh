#!/usr/bin/env bash
# Covariate selection across cohorts: how often does the one run (input/neonates/select.yaml, 25
# candidate effects) recover the 7 true effects, and is its model the BICc optimum?  For each
# cohort seed, a 2425-subject cohort is drawn from the truth (input/neonates/cohort2425.yaml with
# -sim_seed S), the one run selects (no comparison fits), and the true covariate model is fitted
# (input/neonates/saem_truecov.yaml); both BICc are by importance sampling (MC SE about 1.1 each).
#   bash bench/covsel_cohorts.sh [build-dir] [seeds...]      (default seeds 1..11; 11 is the case's)
# About 100 s per cohort on 2 cores.  Extra pnlme-fit options for the one run: COVSEL_OPTIONS.
set -euo pipefail
B=build
SEEDS=()
for a in "$@"; do case $a in [0-9]*) SEEDS+=("$a") ;; *) B=$a ;; esac; done
[ ${#SEEDS[@]} -gt 0 ] || SEEDS=(1 2 3 4 5 6 7 8 9 10 11)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
TRUE="W0.SEX W0.GA kin.GA kin.PARA2 kout.PARA2 T50.MAGE T50.PARA2"
D=out/cohorts
mkdir -p "$D"
bicc() { awk '$1=="importance" && $2=="sampling" {print $7; exit}' <<<"$1"; }
printf '%-5s %-5s %-30s %-22s %12s %12s %8s %-4s %s\n' seed true "false positives" missed "BICc one-run" "BICc truth" delta pass "one-run wall [s]"
npass=0; nopt=0; n=0
for s in "${SEEDS[@]}"; do
  csv=$D/c$s.csv
  [ -f "$csv" ] || mpirun --oversubscribe -n 2 "$B/apps/pnlme-simulate" -options_file_yaml input/neonates/cohort2425.yaml -sim_seed "$s" -sim_output "$csv" > /dev/null
  # shellcheck disable=SC2086
  sel=$(mpirun --oversubscribe -n 2 "$B/apps/pnlme-fit" -options_file_yaml input/neonates/select.yaml -data_file "$csv" -output_dir "$D/select$s" -covariates_compare false -saem_print_every 0 ${COVSEL_OPTIONS:-})
  tru=$(mpirun --oversubscribe -n 2 "$B/apps/pnlme-fit" -options_file_yaml input/neonates/saem_truecov.yaml -data_file "$csv" -output_dir "$D/truth$s" -saem_print_every 0)
  chosen=$(sed -n 's/^  selected: //p' <<<"$sel" | tail -1)
  wall=$(sed -n 's/^wall time: \([0-9.]*\) s/\1/p' <<<"$sel")
  b1=$(bicc "$sel"); b2=$(bicc "$tru")
  ntrue=0; fp=(); miss=()
  for e in $chosen; do if [[ " $TRUE " == *" $e "* ]]; then ntrue=$((ntrue + 1)); else fp+=("$e"); fi; done
  for e in $TRUE; do [[ " $chosen " == *" $e "* ]] || miss+=("$e"); done
  pass=no
  if [ "$ntrue" = 7 ] && [ ${#fp[@]} -le 1 ]; then pass=yes; npass=$((npass + 1)); fi
  delta=$(awk -v a="$b1" -v b="$b2" 'BEGIN {printf "%+.1f", a - b}')
  # within the Monte-Carlo noise of the two estimates (2 x sqrt(2) x 1.1 = 3.1) or below: as good as the truth
  if awk -v d="$delta" 'BEGIN {exit !(d <= 3.1)}'; then nopt=$((nopt + 1)); fi
  n=$((n + 1))
  fps=$(IFS=,; echo "${fp[*]:-}"); mss=$(IFS=,; echo "${miss[*]:-}")
  printf '%-5s %-5s %-30s %-22s %12s %12s %8s %-4s %s\n' "$s" "$ntrue/7" "${fps:--}" "${mss:--}" "$b1" "$b2" "$delta" "$pass" "$wall"
done
echo "cohorts $n: 7 true effects with at most one false positive in $npass; one-run BICc within 3.1 of the true model's (or below) in $nopt"
