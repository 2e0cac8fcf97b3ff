#!/usr/bin/env bash
# Scaling of the SAEM iterations (issue 6): time per iteration against the number of subjects N at 1
# and 2 ranks, parallel efficiency, load imbalance (slowest rank's E-step over the fastest's),
# memory per subject and the bytes reduced per iteration.  Neonatal cohorts drawn from the truth of
# input/neonates/cohort2425.yaml (pnlme-simulate), fitted with the true covariate structure
# (input/neonates/saem_truecov.yaml) for K iterations without the interweaving step and without the
# likelihood stage (-fit_post false): what is measured is the E-step, the exact reductions and the
# M-step, the part whose cost grows with N.
#   bash bench/scaling.sh [build-dir] [largest N (default 1000000)] [K (default 3)]
set -euo pipefail
B=${1:-build}
NMAX=${2:-1000000}
K=${3:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p out
printf '%9s %5s %12s %14s %10s %10s %12s %14s\n' N ranks "s/iter" "us/subj/iter" efficiency imbalance "MB/rank" "bytes/iter"
for N in 1000 10000 100000 1000000; do
  [ "$N" -le "$NMAX" ] || break
  csv=out/scaling_$N.csv
  [ -f "$csv" ] || mpirun --oversubscribe -n 2 "$B/apps/pnlme-simulate" -options_file_yaml input/neonates/cohort2425.yaml -sim_subjects "$N" -sim_output "$csv" > /dev/null
  t1=""
  for np in 1 2; do
    log=$(mpirun --oversubscribe -n "$np" "$B/apps/pnlme-fit" -options_file_yaml input/neonates/saem_truecov.yaml -data_file "$csv" \
          -saem_k1 "$K" -saem_auto 0 -saem_k2 0 -saem_sa_iterations "$K" -saem_nc_every 0 -fit_post false -saem_print_every 0 \
          -log_view -memory_view 2>&1)
    # stage "SAEM iterations": total time; E-step: max time and max/min ratio over ranks
    stage=$(awk '/^ *1: +SAEM iterations:/ {print $4}' <<<"$log")
    imb=$(awk '$1=="PnlmeEStep" {print $5; exit}' <<<"$log")
    mem=$(awk '/Maximum \(over computational time\) process memory/ {print $(NF-4); exit}' <<<"$log")
    per=$(awk -v s="$stage" -v k="$K" 'BEGIN {printf "%.4f", s / k}')
    [ -n "$t1" ] || t1=$per
    eff=$(awk -v a="$t1" -v b="$per" -v p="$np" 'BEGIN {printf "%.2f", a / (p * b)}')
    us=$(awk -v s="$per" -v n="$N" -v p="$np" 'BEGIN {printf "%.2f", s * 1e6 * p / n}')
    mb=$(awk -v m="$mem" -v p="$np" 'BEGIN {printf "%.1f", m / p / 1048576}')
    bytes=$(sed -n 's/.*one exact reduction of .* statistics (\([0-9]*\) bytes).*/\1/p' <<<"$log" | head -1)
    printf '%9s %5s %12s %14s %10s %10s %12s %14s\n' "$N" "$np" "$per" "$us" "$eff" "${imb:--}" "$mb" "${bytes:--}"
  done
done
