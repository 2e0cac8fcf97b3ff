#!/usr/bin/env bash
# options-defaults.sh PROGRAM SOURCE-DIR
#
# Every option PROGRAM -help lists (pnlme-fit, pnlme-simulate or pnlme-data), given at its default
# value in a run of its object's kind, is read: no "not read by this run", "unknown option" or "option
# ... was not used", and no failure other than a one-line error naming an option (a default that
# contradicts the case's own setting, as -sim_dose_amt 0 with the case's dose).  pnlme-fit's runs are
# those of the theophylline and neonatal cases (SAEM; -estimator vem for VEM's options; FOCEI's case
# for -focei_; the selection case for -covariates_ and the subset solver's options, prefixed
# -covariates_ in pnlme-fit); pnlme-simulate's the warfarin PK/PD
# cohort (an ODE model file) and the theophylline one; pnlme-data's the theophylline data (with the
# neonatal ODE model for the model's and the ODE's options).  A default that is not a value of its type
# ("K1/2", "none" for an integer) describes a rule and is skipped.  Each run is one MPI process
# (singleton: no mpiexec around this script).
set -u
FIT=$1
SRC=$2
prog=$(basename "$FIT")
T="-options_file_yaml $SRC/input/theophylline/saem_wt.yaml -data_file $SRC/input/theophylline/theo_sd.csv"
N="-options_file_yaml $SRC/input/neonates/saem.yaml -data_file $SRC/input/neonates/neonates189.csv"
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT
help=$("$FIT" -help < /dev/null 2>&1) || { echo "$prog -help failed"; exit 1; }
group="" checked=0 skipped=0 failed=0 conflicts=0
while IFS= read -r line; do
  if [[ "$line" =~ ^[A-Z].*:$ ]]; then group=$line; continue; fi
  [[ "$line" =~ ^\ \ (-[a-z0-9_]+)\ \<([^>]*)\>\ \(([^\)]*)\) ]] || continue
  name=${BASH_REMATCH[1]} def=${BASH_REMATCH[2]} type=${BASH_REMATCH[3]}
  case "$type" in # the default is a value of the option's type
    int,*) ok='^[0-9]+(,[0-9]+)*$' ;;
    int*) ok='^-?[0-9]+$' ;;
    real*) ok='^-?[0-9.]+(e-?[0-9]+)?$' ;;
    bool*) ok='^(true|false)$' ;;
    choice:*) ok="^(${type#choice: })$" ;;
    *) ok='^[^ $]+$' ;;
  esac
  if ! [[ "$def" =~ $ok ]]; then skipped=$((skipped + 1)); [ -n "${VERBOSE:-}" ] && echo "skip: $name <$def> ($type)"; continue; fi
  case "$prog:$group" in
    pnlme-simulate:Structural*|pnlme-simulate:ODE*) base="-options_file_yaml $SRC/input/warfarin/sim.yaml -model_file $SRC/input/warfarin/warfarin.model -sim_subjects 20 -sim_output $out_dir/sim.csv" ;;
    pnlme-simulate:*) base="-options_file_yaml $SRC/input/theophylline/sim_theo_sd.yaml -sim_output $out_dir/sim.csv" ;;
    pnlme-data:Structural*|pnlme-data:ODE*) base="-data_file $SRC/input/neonates/neonates189.csv -model neonate" ;;
    pnlme-data:*) base="-data_file $SRC/input/theophylline/theo_sd.csv" ;;
    *:Structural*|*:ODE*) base="$N" ;;
    *:Variational*) base="$T -estimator vem" ;;
    *:FOCE*) base="-options_file_yaml $SRC/input/theophylline/focei_wt.yaml -data_file $SRC/input/theophylline/theo_sd.csv" ;;
    *:Covariate*) base="-options_file_yaml $SRC/input/theophylline/select.yaml -data_file $SRC/input/theophylline/theo_sd.csv" ;;
    *:Exact*) base="-options_file_yaml $SRC/input/theophylline/select.yaml -data_file $SRC/input/theophylline/theo_sd.csv"; name=-covariates_${name#-} ;;
    *) base="$T" ;;
  esac
  [ "$prog" = pnlme-fit ] && base="$base -saem_print_every 0 -lik_is_samples 100 -output_dir $out_dir"
  # shellcheck disable=SC2086
  out=$("$FIT" $base "$name" "$def" < /dev/null 2>&1)
  rc=$?
  bad=$(grep -E "is not read by|unknown option|was not used" <<<"$out" | head -1)
  checked=$((checked + 1))
  if [ -z "$bad" ] && [ $rc -ne 0 ] && grep -qE "^$prog: error: option" <<<"$out"; then
    # the default contradicts the case's own setting (-sim_dose_amt 0 with the case's dose times): a
    # one-line error that names the option is the right answer
    conflicts=$((conflicts + 1))
    [ -n "${VERBOSE:-}" ] && echo "conflict: $name $def: $(grep error: <<<"$out")"
  elif [ -n "$bad" ] || [ $rc -ne 0 ]; then
    echo "FAIL: $name $def ($group): exit $rc: ${bad:-$(tail -3 <<<"$out")}"
    failed=$((failed + 1))
  fi
done <<<"$help"
echo "$checked options given at their default value, $failed refused; $conflicts in conflict with the case's settings (one line naming the option); $skipped defaults that describe a rule skipped"
[ "$checked" -gt 10 ] || { echo "too few options found in -help"; exit 1; }
[ "$failed" -eq 0 ]
