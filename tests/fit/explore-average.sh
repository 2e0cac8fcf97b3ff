#!/usr/bin/env bash
# -saem_explore_average (src/fit/em/history.c): SAEM's smoothing phase starts from the mean of the
# exploration's variance parameters (Omega, the error parameters) over the settling window, B from its
# last iterate.  With no smoothing iteration (-saem_k2 0) that start is the estimate, so against the
# same run without the option (every iterate before it the same):
#   - each omega^2 is the mean of omega^2 over the window's iterations (printed with 5 digits),
#     each error parameter the mean of its values;
#   - the typical values and covariate effects are those of the run without it, to every digit;
#   - some omega differs from the run without it (the option does something).
# The window with -saem_auto 0: the iterations after the annealing, at most -saem_auto_window.
#   usage: explore-average.sh <pnlme-fit> fit args...
set -euo pipefail
fit=$1; shift
K1=200 SA=150
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
run() {
  "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n 2 "$fit" "$@" -saem_auto 0 -saem_k1 $K1 \
    -saem_sa_iterations $SA -saem_k2 0 -saem_print_every 1 -lik_is_samples 0 < /dev/null
}
run "$@" -saem_explore_average 0 -output_dir "$dir/off" > "$dir/off.txt"
run "$@" -output_dir "$dir/on" > "$dir/on.txt"
awk -F, -v from=$((SA + 1)) -v to=$K1 '
  FNR == 1 { file++ }
  file == 1 && /^SAEM iteration\/total/ { split($0, h, "|"); nc = split(h[3], name, " ") }
  file == 1 && /^SAEM +[0-9]+\/[0-9]+ explore/ {
    split($0, f, "|"); split(f[1], it, "[ /]+"); k = it[2] + 0
    if (k < from || k > to) next
    n = split(f[3], v, " ")
    for (c = 1; c <= n; c++) sum[name[c]] += name[c] ~ /^omega_/ ? v[c] * v[c] : v[c]
    cnt++
  }
  file == 2 && FNR > 1 { off[$1] = $2 }
  file == 3 && FNR > 1 { on[$1] = $2 }
  END {
    if (cnt != to - from + 1) { printf "FAIL: %d iterations of the window in the progress lines, expected %d\n", cnt, to - from + 1; exit 1 }
    bad = 0; moved = 0
    for (c = 1; c <= nc; c++) {
      p = name[c]
      if (!(p in on) || !(p in off)) { printf "FAIL: %s missing from estimates.csv\n", p; bad = 1; continue }
      if (p ~ /_pop$/ || p ~ /^beta_/) {
        if (on[p] != off[p]) { printf "FAIL: %s %s with the option, %s without: B is not the last iterate\n", p, on[p], off[p]; bad = 1 }
        continue
      }
      if (p ~ /^corr_/) continue
      m = sum[p] / cnt; e = p ~ /^omega_/ ? on[p] * on[p] : on[p]
      d = e - m; if (d < 0) d = -d
      printf "%-14s %.6g with the option, %.6g the window mean%s, %.6g without\n", p, on[p], p ~ /^omega_/ ? sqrt(m) : m, p ~ /^omega_/ ? " (of omega^2)" : "", off[p]
      if (d > 2e-4 * (m > 0 ? m : -m) + 1e-12) { printf "FAIL: %s: %.8g against the window mean %.8g\n", p, e, m; bad = 1 }
      if (on[p] != off[p]) moved = 1
    }
    if (!moved) { print "FAIL: no variance parameter differs from the run without the option"; bad = 1 }
    exit bad
  }' "$dir/off.txt" "$dir/off/estimates.csv" "$dir/on/estimates.csv" || { echo "FAIL: the exploration average"; exit 1; }
echo "exploration average: ok"
