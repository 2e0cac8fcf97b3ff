#!/usr/bin/env bash
# The per-subject, per-iteration path allocates nothing: SAEM on theophylline-like cohorts of 50 and
# 400 subjects (pnlme-simulate), 20 and 60 iterations each, with the C heap's allocation calls counted
# (mcount.c, preloaded).  The calls per iteration, (count(60) - count(20)) / 40, must not grow with the
# number of subjects: one allocation per subject and iteration would add 350.  Three times: as it is
# (the E-step, the M-step, the interweaving steps), with ke without random effect (-fit_fixed ke: the
# fixed-effect step every iteration), and with variational EM (-estimator vem: its E-step's blocks of
# subjects in lockstep).
#   usage: noalloc.sh pnlme-simulate pnlme-fit libpnlme-mcount.so
set -euo pipefail
sim=$1 fit=$2 shim=$3
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
in=${PNLME_SOURCE_DIR:-.}/input/theophylline
for extra in "" "-fit_fixed ke" "-estimator vem"; do
  declare -A per=()
  for n in 50 400; do
    [ -f "$dir/c$n.csv" ] || "$sim" -options_file_yaml "$in/sim_theo_sd.yaml" -sim_subjects $n -sim_output "$dir/c$n.csv" > /dev/null
    for k in 20 60; do
      iters="-saem_k1 $k -saem_auto false -saem_k2 0"
      [ "$extra" = "-estimator vem" ] && iters="-vem_k1 $k -vem_auto false -vem_k2 0"
      # shellcheck disable=SC2086 # extra, iters: options, split on purpose
      MCOUNT_FILE="$dir/n${n}k$k" LD_PRELOAD="$shim" "$fit" -model pk1_oral_ke -data_file "$dir/c$n.csv" -data_covariates WT:log \
        -fit_theta ka=1.5,ke=0.1,V=30 -fit_covariates ka.WT,V.WT -fit_error proportional $extra \
        $iters -saem_print_every 0 -fit_post false > /dev/null
    done
    per[$n]=$(( ($(cat "$dir/n${n}k60") - $(cat "$dir/n${n}k20")) / 40 ))
    echo "${extra:-defaults}, $n subjects: ${per[$n]} allocation calls per iteration"
  done
  if [ $(( per[400] - per[50] )) -gt 5 ]; then
    echo "${extra:-defaults}: allocations per iteration grow with the number of subjects: ${per[50]} -> ${per[400]}"; exit 1
  fi
done
echo "no allocation in the per-subject path"
