#!/usr/bin/env bash
# The E-step's kernels: model evaluations per effective sample (docs/saem.md, "Mixing"), measured over
# the smoothing iterations (-saem_mixing_lags) with several sweep counts of the three kernels
# (-saem_kernels: independence, component-wise, block), the exploration the same for all (its default
# sweeps given explicitly).  Per case and sweeps: E, the model evaluations per chain and iteration; per
# random effect tau, the integrated autocorrelation time of the chains (iterations per effective
# sample, ">" a lower bound), and E tau, the evaluations per effective sample; the last column the
# largest E tau (the slowest random effect sets how many iterations an estimate needs).
#   bash bench/kernels.sh [build-dir] [ranks] [smoothing iterations] [lags]   (from the project root)
set -euo pipefail
B=${1:-build}
NP=${2:-2}
K2=${3:-400}
LAGS=${4:-50}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -f out/cohort2425.csv ] || mpirun --oversubscribe -n 2 "$B/apps/pnlme-simulate" -options_file_yaml input/neonates/cohort2425.yaml > /dev/null
# case label | options | the exploration's default sweeps (1,1,1 with several chains, else 2,2,2)
CASES=(
  "theophylline|-options_file_yaml input/theophylline/saem_wt.yaml|1,1,1"
  "warfarin_pk|-options_file_yaml input/warfarin/pk.yaml|1,1,1"
  "neonates189|-options_file_yaml input/neonates/saem.yaml -data_file input/neonates/neonates189.csv|2,2,2"
  "neonates2425|-options_file_yaml input/neonates/saem_truecov.yaml|2,2,2"
)
SWEEPS=${SWEEPS:-"2,2,2 1,1,1 2,2,0 2,0,2 0,2,2 4,0,0 0,4,0 0,0,4"}
printf '%-13s %-7s %6s  %s\n' case sweeps E "random effect: tau (E tau) ... | largest E tau"
for c in "${CASES[@]}"; do
  IFS='|' read -r label opts explore <<<"$c"
  for k in $SWEEPS; do
    # shellcheck disable=SC2086 # opts: options, split on purpose
    out=$(mpirun --oversubscribe -n "$NP" "$B/apps/pnlme-fit" $opts -saem_print_every 0 -fit_post false \
          -saem_kernels "$k" -saem_kernels_explore "$explore" -saem_k2 "$K2" -saem_mixing_lags "$LAGS" < /dev/null)
    awk -v label="$label" -v k="$k" '
      /mixing over/ { for (i = 1; i <= NF; i++) if ($i == "model") E = $(i - 1); on = 1; next }
      on && /random effect/ { next }
      on && NF >= 4 && $1 != "parameter" {
        n = split($0, f, " "); tau = f[3]; cost = f[n]; if (tau == ">") { tau = ">" f[4] }
        row = row sprintf(" %s %s (%s)", $1, tau, cost); if (cost + 0 > worst) worst = cost + 0; next }
      on { on = 0 }
      END { printf "%-13s %-7s %6s %s | %.1f\n", label, k, E, row, worst }' <<<"$out"
  done
done
