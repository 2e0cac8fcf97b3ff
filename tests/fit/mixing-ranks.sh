#!/usr/bin/env bash
# -saem_mixing_lags: the mixing table of the theophylline fit (9 chains per subject, 300 smoothing
# iterations, lags up to 40) is the same at 1 and 2 ranks; the default sweeps 2,2,2 make 2 + 2 x 3 + 2 =
# 10 model evaluations per chain and iteration; every autocorrelation time is at least 1 (the chains move
# but are not antithetic) and below 40; the fit's estimates are those without the option.
#   usage: mixing-ranks.sh <pnlme-fit> <source dir>
set -euo pipefail
fit=$1 src=$2
mpi=("${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe)
args=(-options_file_yaml "$src/input/theophylline/saem_wt.yaml" -data_file "$src/input/theophylline/theo_sd.csv"
      -saem_print_every 0 -saem_k2 300 -lik_is_samples 0)
a=$("${mpi[@]}" -n 1 "$fit" "${args[@]}" -saem_mixing_lags 40)
b=$("${mpi[@]}" -n 2 "$fit" "${args[@]}" -saem_mixing_lags 40)
c=$("${mpi[@]}" -n 2 "$fit" "${args[@]}")
mix() { sed -n '/mixing over/,/^  parameter/p' <<<"$1" | grep -v '^  parameter'; }
est() { sed -n '/^  parameter/,/^  likelihood/p' <<<"$1"; }
[ -n "$(mix "$a")" ] || { echo "no mixing table"; echo "$a"; exit 1; }
mix "$a"
[ "$(mix "$a")" = "$(mix "$b")" ] || { echo "the mixing tables differ at 1 and 2 ranks"; mix "$b"; exit 1; }
grep -q "mixing over 300 smoothing iterations (lags up to 40): 10.00 model evaluations per chain and iteration" <<<"$(mix "$a")" || { echo "not 10.00 evaluations per chain and iteration"; exit 1; }
n=$(mix "$a" | awk '$1 == "ka" || $1 == "ke" || $1 == "V" { t = ($3 == ">") ? $4 : $3; if (t >= 1 && t < 40) ok++ } END { print ok + 0 }')
[ "$n" = 3 ] || { echo "autocorrelation times outside [1, 40)"; exit 1; }
[ "$(est "$b")" = "$(est "$c")" ] || { echo "the estimates change with the option"; exit 1; }
echo "mixing measured, the same at 1 and 2 ranks, estimates unchanged"
