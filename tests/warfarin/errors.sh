#!/usr/bin/env bash
# One-line errors of the options of issue 16 (-data_observed_cmt, -model_lag, -model_bioavailability)
# at 1 and 2 ranks, checked by tests/common/expect-error.sh.   usage: errors.sh PNLME-FIT SOURCE-DIR
set -u
FIT=$1 SRC=$2
EXPECT="$SRC/tests/common/expect-error.sh"
W=$SRC/input/warfarin
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
BASE="-options_file_yaml $W/pk.yaml -data_file $W/warfarin.csv -output_dir $WORK/out -saem_print_every 0"
fail=0
bad() {
  local np=$1 re=$2
  shift 2
  if [ "$np" = 1 ]; then bash "$EXPECT" "$re" "$FIT" "$@" || fail=1
  else "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n "$np" bash "$EXPECT" "$re" "$FIT" "$@" || fail=1; fi
}
for np in 1 2; do
  bad $np "option -data_observed_cmt 5: no observation row of .*warfarin.csv has CMT 5" $BASE -data_observed_cmt 5
  bad $np "option -data_observed_cmt 4,5: no observation row of .*warfarin.csv has one of the CMT values 4,5" $BASE -data_observed_cmt 4,5
  bad $np "option -model_lag 3: model pk1_oral_cl has no dosing compartment 3" $BASE -model_lag 3
  bad $np "option -model_bioavailability: compartment 1 is given twice" $BASE -model_bioavailability 1,1
done
# a file without a CMT column
awk -F, 'BEGIN{OFS=","} {print $1,$2,$3,$4,$5,$6,$9}' "$W/warfarin.csv" > "$WORK/nocmt.csv"
bad 1 "option -data_observed_cmt: .*nocmt.csv has no CMT column" $BASE -data_file "$WORK/nocmt.csv" -data_covariates WT:log
# a lag on a model without doses, and -fit_theta must name Tlag
bad 1 "option -model_lag 1: model neonate has no dosing compartment 1" -model neonate -model_lag 1 -data_file $W/warfarin.csv -fit_theta W0=1
bad 1 "Tlag" -model pk1_oral_cl -model_lag 1 -data_file $W/warfarin.csv -data_observed_cmt 2 -fit_theta ka=1,CL=0.1,V=10 -output_dir $WORK/out
[ $fail = 0 ] && echo "errors of -data_observed_cmt and -model_lag: OK"
exit $fail
