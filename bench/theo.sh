#!/usr/bin/env bash
# Theophylline WT model (input/theophylline/saem_wt.yaml) by pnlme-fit and by saemix side by side in
# one run (docs/speed.md): pnlme's in-process `wall time` (SAEM, MAP, Fisher information, importance
# sampling) over 5 seeds, saemix's saemix() time (the same steps) over the same seeds, the two
# alternating, the -2LL (IS) of each and the ratio of the median wall times.  Both run on the same core
# (taskset; mpirun without its own binding): the cores of a virtual machine can differ in speed for
# minutes (on the 2-core machine of docs/speed.md core 0 ran this fit 1.5x slower than core 1), and
# mpirun's default binding put pnlme-fit on core 0 while the scheduler gave R the faster one.
#   bash bench/theo.sh [build-dir] [runs] [core]         (run from the project root; core: the last one)
# saemix: Debian's r-base-core and r-cran-* packages, then saemix 3.4 and npde from their sources
# (bench/README.md, "Warfarin PK against saemix").
set -euo pipefail
B=${1:-build}
R=${2:-5}
CPU=${3:-$(($(nproc) - 1))}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
have_saemix=0
if command -v Rscript > /dev/null && Rscript -e 'quit(status = !requireNamespace("saemix", quietly = TRUE))' > /dev/null 2>&1; then have_saemix=1; fi
# the two alternate seed by seed, so that a change of the machine's load falls on both
pw=() ps=()
for s in $(seq 1 "$R"); do
  out=$(taskset -c "$CPU" mpirun --bind-to none -n 1 "$B/apps/pnlme-fit" -options_file_yaml input/theophylline/saem_wt.yaml -saem_seed "$s" -saem_print_every 0)
  w=$(sed -n 's/^wall time: \([0-9.]*\) s/\1/p' <<<"$out"); l=$(awk '$1 == "importance" && $2 == "sampling" {print $3}' <<<"$out")
  printf 'pnlme-fit seed %d: wall %s s, -2LL (IS) %s\n' "$s" "$w" "$l"
  pw+=("$w")
  if [ "$have_saemix" = 1 ]; then
    out=$(taskset -c "$CPU" Rscript bench/theo_saemix.R input/theophylline/theo_sd.csv "$s")
    echo "$out" | sed -n 's/^saemix: /saemix seed '"$s"': /p'
    ps+=("$(sed -n 's/^saemix: wall \([0-9.]*\) s.*/\1/p' <<<"$out")")
  fi
done
pm=$(printf '%s\n' "${pw[@]}" | median)
if [ "$have_saemix" = 1 ]; then
  sm=$(printf '%s\n' "${ps[@]}" | median)
  awk -v a="$sm" -v b="$pm" -v c="$CPU" 'BEGIN { printf "median wall (both on core %d): saemix %.3f s, pnlme-fit %.3f s: saemix / pnlme-fit = %.1f\n", c, a, b, a / b }'
else
  echo "median wall: pnlme-fit $pm s (saemix not installed)"
fi
