#!/bin/bash
# The outer solvers of FOCEI/Laplace side by side (docs/focei.md, "Newton methods on the outer problem"):
# every case with each TAO type, -fit_post false; prints iterations, evaluations of the objective and of
# its gradient, the objective and the in-process time.
#   usage: bash bench/focei_outer.sh [BUILD_DIR] ["blmvm bntr"] [small|all]
# "all" adds neonates189 (FOCEI, Laplace) and warfarin PK/PD at 2 ranks (about 2 minutes per type).
set -u
B=${1:-build}
TYPES=${2:-"blmvm bntr"}
SET=${3:-small}
MPI=(mpirun --allow-run-as-root --oversubscribe)
run() { # run NP NAME TYPE ARGS...
  local np=$1 name=$2 tt=$3 out
  shift 3
  out=$("${MPI[@]}" -n "$np" "$B/apps/pnlme-fit" "$@" -saem_print_every 0 -fit_post false -focei_tao_type "$tt" < /dev/null 2>&1)
  echo "$out" | awk -v n="$name" -v t="$tt" '
    /population parameters, [0-9]+ outer iterations/ { for (i = 1; i <= NF; i++) if ($i == "outer") it = $(i - 1); match($0, /gradient norm [0-9.e+-]+/); g = substr($0, RSTART + 14, RLENGTH - 14) }
    /^  objective \(-2LL/ { for (i = 1; i <= NF; i++) { if ($i == "in") { obj = $(i - 1); w = $(i + 1) } if ($i ~ /^evaluations/) ev = $(i - 1); if ($i == "them") ng = $(i - 2) } }
    /error:/ { err = $0 }
    /warning: the outer iterations did not converge/ { g = g " (not converged)" }
    END { if (err != "") printf "%-24s %-6s %s\n", n, t, err; else printf "%-24s %-6s %4s iterations %4s evaluations (%4s gradients)  %14s  %8s s  gradient norm %s\n", n, t, it, ev, ng, obj, w, g }'
}
T="-options_file_yaml input/theophylline/focei_wt.yaml"
W="-options_file_yaml input/warfarin/pk.yaml"
for tt in $TYPES; do
  run 1 theo_focei "$tt" $T
  run 1 theo_foce "$tt" $T -focei_interaction false
  run 1 theo_laplace "$tt" $T -estimator laplace
  for e in proportional combined1 combined2 exponential; do
    run 1 "theo_focei_$e" "$tt" $T -fit_error $e
    run 1 "theo_laplace_$e" "$tt" $T -fit_error $e -estimator laplace
  done
  run 1 warfarin_pk_focei "$tt" $W -estimator focei
  run 1 warfarin_pk_laplace "$tt" $W -estimator laplace
  run 1 warfarin_pk_foce "$tt" $W -estimator focei -focei_interaction false
  run 1 warfarin_pk_nolag "$tt" -options_file_yaml input/warfarin/pk_nolag.yaml -estimator focei
  run 1 warfarin_pk_constant "$tt" $W -estimator focei -fit_error constant
  run 1 warfarin_pk_combined1 "$tt" $W -estimator focei -fit_error combined1
  if [ "$SET" = all ]; then
    run 2 neonates189_focei "$tt" -options_file_yaml input/neonates/saem.yaml -estimator focei
    run 2 neonates189_laplace "$tt" -options_file_yaml input/neonates/saem.yaml -estimator laplace
    run 2 warfarin_pkpd_focei "$tt" -options_file_yaml input/warfarin/pkpd.yaml -estimator focei
  fi
done
