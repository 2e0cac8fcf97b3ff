#!/usr/bin/env bash
# Post-fit cost per subject (docs/speed.md): theophylline-like cohorts of 10^3 to 10^5 subjects
# (input/theophylline/sim_theo_sd.yaml), a short SAEM run, then the post-fit steps timed by -log_view:
# conditional modes (MAP), linearisation with the Fisher information, importance sampling; and one SAEM
# iteration (E-step + M-step) for comparison.
#   bash bench/postfit.sh [build-dir] [ranks] [sizes]        (run from the project root)
set -euo pipefail
B=${1:-build}
NP=${2:-1}
SIZES=${3:-1000 10000 100000}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
printf '%9s %6s | %14s %14s %14s %14s  (us per subject) | %s\n' subjects ranks "SAEM iteration" MAP "lin. + FIM" "IS" "IS draws per subject, -2LL (IS) and its MC SE"
for n in $SIZES; do
  mpirun --oversubscribe -n "$NP" "$B/apps/pnlme-simulate" -options_file_yaml input/theophylline/sim_theo_sd.yaml \
    -sim_subjects "$n" -sim_output "$dir/c.csv" > /dev/null
  out=$(mpirun --oversubscribe -n "$NP" "$B/apps/pnlme-fit" -model pk1_oral_ke -data_file "$dir/c.csv" -data_covariates WT:log \
    -fit_theta ka=1.5,ke=0.1,V=30 -fit_covariates ka.WT,V.WT -fit_error proportional \
    -saem_k1 30 -saem_auto 0 -saem_k2 10 -saem_print_every 0 -log_view)
  awk -v n="$n" -v np="$NP" '
    $1 == "PnlmeEStep" { e = $4; it = $2 } $1 == "PnlmeMStep" { m = $4 }
    $1 == "PnlmeFitMAP" { map = $4 } $1 == "PnlmeFitLinear" { lin = $4 } $1 == "PnlmeFitIS" { is = $4 }
    $1 == "importance" && $2 == "sampling" { m2ll = $3; se = $4 }
    $1 == "(importance" { draws = $3 " + " $6 }
    END { s = 1e6 / n; printf "%9d %6d | %14.2f %14.2f %14.2f %14.2f | %s, %s (%s)\n", n, np, (e + m) / it * s, map * s, lin * s, is * s, draws, m2ll, se }' <<<"$out"
done
