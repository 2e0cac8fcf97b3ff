#!/usr/bin/env bash
# options-defaults.sh PNLME-FIT SOURCE-DIR
#
# Every option pnlme-fit -help lists, given at its default value in a run of its object's kind, is
# accepted: the run exits 0, with no error and no "option ... was not used" warning.  The runs are those
# of the theophylline and neonatal cases (SAEM; -estimator vem for VEM's options; FOCEI's case for
# -focei_; the selection case for -covariates_ and the subset solver's options, prefixed -covariates_
# in pnlme-fit).  A default that is not a value of its type ("K1/2", "none" for an integer) describes
# a rule and is skipped.  Each run is one MPI process (singleton: no mpiexec around this script).
set -u
FIT=$1
SRC=$2
T="-options_file_yaml $SRC/input/theophylline/saem_wt.yaml -data_file $SRC/input/theophylline/theo_sd.csv"
N="-options_file_yaml $SRC/input/neonates/saem.yaml -data_file $SRC/input/neonates/neonates189.csv"
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT
help=$("$FIT" -help < /dev/null 2>&1) || { echo "pnlme-fit -help failed"; exit 1; }
group="" checked=0 skipped=0 failed=0
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
  case "$group" in
    Structural*|ODE*) base="$N" ;;
    Variational*) base="$T -estimator vem" ;;
    FOCE*) base="-options_file_yaml $SRC/input/theophylline/focei_wt.yaml -data_file $SRC/input/theophylline/theo_sd.csv" ;;
    Covariate*) base="-options_file_yaml $SRC/input/theophylline/select.yaml -data_file $SRC/input/theophylline/theo_sd.csv" ;;
    Exact*) base="-options_file_yaml $SRC/input/theophylline/select.yaml -data_file $SRC/input/theophylline/theo_sd.csv"; name=-covariates_${name#-} ;;
    *) base="$T" ;;
  esac
  # shellcheck disable=SC2086
  out=$("$FIT" $base -saem_print_every 0 -lik_is_samples 100 -output_dir "$out_dir" "$name" "$def" < /dev/null 2>&1)
  rc=$?
  bad=$(grep -E "error|was not used" <<<"$out" | grep -v "error model" | head -1)
  checked=$((checked + 1))
  if [ $rc -ne 0 ] || [ -n "$bad" ]; then
    echo "FAIL: $name $def ($group): exit $rc: $bad"
    failed=$((failed + 1))
  fi
done <<<"$help"
echo "$checked options given at their default value, $failed refused; $skipped defaults that describe a rule skipped"
[ "$checked" -gt 100 ] || { echo "too few options found in -help"; exit 1; }
[ "$failed" -eq 0 ]
