#!/usr/bin/env bash
# Warfarin PK (docs/pkpd.md): pnlme-fit on input/warfarin/pk.yaml (and pk_nolag.yaml) at 1 and 2 ranks,
# and, when R and saemix are installed, saemix on the same model side by side (bench/warfarin_saemix.R):
# wall times, -2LL (IS) and the ratio of the wall times.  The 1-rank pnlme-fit run and saemix run on the
# same core (the last one; bench/theo.sh says why), the 2-rank run with mpirun's own binding.
#   bash bench/warfarin.sh [build-dir]            (run from the project root)
# R and saemix: `apt-get install r-base-core r-cran-ggplot2 r-cran-gridextra r-cran-rlang r-cran-mclust
# r-cran-scales r-cran-mass` (Debian 12), then from the sources of npde (>= 3.2) and saemix 3.4 (CRAN
# packages, not in Debian): `R CMD INSTALL npde` and `R CMD INSTALL saemix` in the unpacked source trees.
set -euo pipefail
B=${1:-build}
CPU=$(($(nproc) - 1))
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
row() { printf '%-26s %-10s %5s %10s %10s\n' "$@"; }
pnlme() { # case ranks -> "wall -2LL"
  local out
  local run=(mpirun --oversubscribe -n "$2")
  [ "$2" = 1 ] && run=(taskset -c "$CPU" mpirun --bind-to none -n 1)
  out=$("${run[@]}" "$B/apps/pnlme-fit" -options_file_yaml "input/warfarin/$1.yaml" -saem_print_every 0)
  echo "$(sed -n 's/^wall time: \([0-9.]*\) s/\1/p' <<<"$out") $(awk '$1=="importance" {print $3}' <<<"$out")"
}
row case program ranks "wall [s]" "-2LL IS"
for c in pk pk_nolag; do
  read -r w1 l1 <<<"$(pnlme $c 1)"
  row "$c" pnlme-fit 1 "$w1" "$l1"
  read -r w2 l2 <<<"$(pnlme $c 2)"
  row "$c" pnlme-fit 2 "$w2" "$l2"
  if command -v Rscript >/dev/null && Rscript -e 'quit(status = !requireNamespace("saemix", quietly = TRUE))' >/dev/null 2>&1; then
    out=$(taskset -c "$CPU" Rscript bench/warfarin_saemix.R input/warfarin/warfarin.csv "$([ $c = pk ] && echo lag || echo nolag)")
    ws=$(sed -n 's/^saemix: wall \([0-9.]*\) s.*/\1/p' <<<"$out")
    ls=$(sed -n 's/^saemix: .*-2LL (IS) \([0-9.]*\).*/\1/p' <<<"$out")
    row "$c" saemix 1 "$ws" "$ls"
    awk -v a="$ws" -v b="$w1" -v c="$c" 'BEGIN { printf "%-26s saemix / pnlme-fit (1 rank) wall time: %.0f\n", c, a / b }'
  else
    row "$c" saemix - "(not installed)" -
  fi
done
