#!/bin/bash
# sim_badoptions: every bad specification stops with one line "pnlme-simulate: error: option ...: ..."
# naming the option and the problem, and a non-zero exit status (at 1 rank, and at 2 for some), as
# tests/common/expect-error.sh checks it.
. "$(dirname "$0")/common.sh"
EXPECT="$SRC/tests/common/expect-error.sh"
OUT="-sim_output $WORK/x.csv"
TH="-model neonate -sim_theta W0=3433,kin=86.6,Tlag=1.54,kout=0.072,T50=1.15 -sim_times 0,1,2 -sim_error_a 28 $OUT"
# bad NP REGEX ARGS...: one case, run in the background (8 at a time).  At 1 rank the program runs as an
# MPI singleton under tests/common/expect-error.sh; at more ranks every rank runs the script, which
# checks that rank 0 prints the one line and the others nothing (so mpiexec itself succeeds).
ncase=0
bad() {
  local np=$1 re=$2
  shift 2
  ncase=$((ncase + 1))
  if [ "$np" = 1 ]; then set -- bash "$EXPECT" "$re" "$SIM" "$@"; else set -- "$MPIEXEC" --allow-run-as-root --oversubscribe -n "$np" bash "$EXPECT" "$re" "$SIM" "$@"; fi
  ("$@" > "$WORK/case$ncase.out" 2>&1 || echo "FAIL: case $ncase: $*" >> "$WORK/case$ncase.out") &
  [ $((ncase % 8)) = 0 ] && wait
  return 0
}
bad 1 "option -sim_theta: unknown parameter 'V' \(model neonate has W0,kin,Tlag,kout,T50\)" $TH -sim_theta W0=3433,kin=86.6,Tlag=1.54,kout=0.072,T50=1.15,V=3
bad 2 "option -sim_theta: unknown parameter 'V'" $TH -sim_theta W0=3433,kin=86.6,Tlag=1.54,kout=0.072,T50=1.15,V=3
bad 1 "option -sim_theta: missing parameter 'T50'" $TH -sim_theta W0=3433,kin=86.6,Tlag=1.54,kout=0.072
bad 2 "option -sim_theta: missing parameter 'T50'" $TH -sim_theta W0=3433,kin=86.6,Tlag=1.54,kout=0.072
bad 1 "option -sim_theta: missing \(model neonate needs W0,kin,Tlag,kout,T50\)" -model neonate -sim_times 0 -sim_error_a 1 $OUT
bad 1 "option -sim_theta: kin=-1 must be positive" $TH -sim_theta W0=3433,kin=-1,Tlag=1.54,kout=0.072,T50=1.15
bad 1 "option -sim_theta: 'W0' is given twice" $TH -sim_theta W0=3433,W0=1,kin=86.6,Tlag=1.54,kout=0.072,T50=1.15
bad 1 "option -sim_theta: value of 'kin' is not a finite number" $TH -sim_theta W0=3433,kin=abc
bad 1 "option -sim_omega: unknown parameter 'CL'" $TH -sim_omega CL=0.2
bad 1 "option -sim_omega: W0=-0.1: a standard deviation must be >= 0" $TH -sim_omega W0=-0.1
bad 1 "option -sim_corr: the correlation matrix is not positive semi-definite" $TH -sim_omega W0=0.1,kin=0.1,T50=0.1 -sim_corr W0.kin=0.9,W0.T50=0.9,kin.T50=-0.9
bad 1 "option -sim_covariates: 'SEX=gamma\(1,2\)': unknown distribution 'gamma'" $TH -sim_covariates 'SEX=gamma(1,2)'
bad 2 "option -sim_covariates: 'GA=truncnormal\(39.7,1.24,36\)': truncnormal takes 4 arguments" $TH -sim_covariates 'GA=truncnormal(39.7,1.24,36)'
bad 1 "option -sim_covariates: 'SEX=bernoulli': expected name\(arguments\)" $TH -sim_covariates SEX=bernoulli
bad 1 "option -sim_covariates: 'SEX=bernoulli\(1.5\)': p must be in \[0,1\]" $TH -sim_covariates 'SEX=bernoulli(1.5)'
bad 1 "option -sim_covariates: unbalanced '\('" $TH -sim_covariates 'SEX=bernoulli(0.5'
bad 1 "option -sim_covariates: covariate name 'DV' is a reserved column name" $TH -sim_covariates 'DV=constant(1)'
bad 1 "option -sim_covariates: 'WT=uniform\(90,50\)': a must be <= b" $TH -sim_covariates 'WT=uniform(90,50)'
bad 1 "option -sim_covariate_transform: SEX=log but SEX can take values <= 0" $TH -sim_covariates 'SEX=bernoulli(0.5)' -sim_covariate_transform SEX=log
bad 1 "option -sim_covariate_transform: WT=log but subject [0-9]+ drew WT = -" $TH -sim_covariates 'WT=normal(1,1)'
bad 1 "option -sim_covariate_transform: GA: unknown transform 'sqrt'" $TH -sim_covariates 'GA=normal(40,1)' -sim_covariate_transform GA=sqrt
bad 1 "option -sim_beta: unknown covariate 'WT' \(not in -sim_covariates\)" $TH -sim_covariates 'SEX=bernoulli(0.5)' -sim_beta W0.WT=1
bad 1 "option -sim_beta: unknown parameter 'CL'" $TH -sim_covariates 'SEX=bernoulli(0.5)' -sim_beta CL.SEX=1
bad 1 "option -sim_beta: 'W0SEX' is not of the form PARAM.COVARIATE=value" $TH -sim_covariates 'SEX=bernoulli(0.5)' -sim_beta W0SEX=1
bad 1 "option -sim_times: missing" -model neonate -sim_theta W0=3433,kin=86.6,Tlag=1.54,kout=0.072,T50=1.15 -sim_error_a 1 $OUT
bad 1 "option -sim_times: entry 3 '1' can come before entry 2" $TH -sim_times '0,u(0.4,1.4),1'
bad 2 "option -sim_times: entry 3 '1' can come before entry 2" $TH -sim_times '0,u(0.4,1.4),1'
bad 1 "option -sim_times: the first entry '\+1' is an increment with no previous time" $TH -sim_times +1,2
bad 1 "option -sim_times: 'u\(2,1\)': u\(a,b\) needs a <= b" $TH -sim_times '0,u(2,1)'
bad 1 "option -sim_times: 'x': 'x' is not a finite number" $TH -sim_times 0,x
bad 1 "option -sim_times: '\+v\(1,2\)': unknown function 'v'" $TH -sim_times '0,+v(1,2)'
bad 1 "option -sim_times: '\+-1': an increment must be >= 0" $TH -sim_times '0,+-1'
bad 1 "option -sim_nobs_max 4: -sim_times has only 3 entries" $TH -sim_nobs_max 4
bad 1 "options -sim_nobs_min 3 -sim_nobs_max 2: need 1 <= min <= max" $TH -sim_nobs_min 3 -sim_nobs_max 2
bad 1 "option -sim_tmax -1: the first sampling time can be later" $TH -sim_tmax -1
bad 1 "option -sim_tmax: 'soon' is not a number" $TH -sim_tmax soon
bad 1 "option -sim_error proportional: needs -sim_error_b" $TH -sim_error proportional -sim_error_a 0
bad 1 "option -sim_error constant: needs -sim_error_a" -model neonate -sim_theta W0=3433,kin=86.6,Tlag=1.54,kout=0.072,T50=1.15 -sim_times 0 $OUT
bad 1 "option -sim_error_b: not used by -sim_error constant" $TH -sim_error_b 0.1
bad 1 "sim_error" $TH -sim_error gaussian
bad 1 "option -sim_dose_amt: model neonate has no dosing compartment" $TH -sim_dose_amt 100
bad 1 "option -sim_dose_cmt 3: model pk1_oral_ke has no such dosing compartment" -model pk1_oral_ke -sim_theta ka=1,ke=0.1,V=30 -sim_times 1 -sim_error_a 1 -sim_dose_amt 100 -sim_dose_cmt 3 $OUT
bad 1 "option -sim_dose_times: '6' comes before the previous dose" -model pk1_oral_ke -sim_theta ka=1,ke=0.1,V=30 -sim_times 1 -sim_error_a 1 -sim_dose_amt 100 -sim_dose_times 0,12,6 $OUT
bad 1 "options -sim_dose_\*: a dose design needs -sim_dose_amt > 0" -model pk1_oral_ke -sim_theta ka=1,ke=0.1,V=30 -sim_times 1 -sim_error_a 1 -sim_dose_times 0,12 $OUT
bad 1 "option -sim_dose_per: unknown covariate 'WT' \(not in -sim_covariates\)" -model pk1_oral_ke -sim_theta ka=1,ke=0.1,V=30 -sim_times 1 -sim_error_a 1 -sim_dose_amt 4 -sim_dose_per WT $OUT
# a dose per covariate that some subject draws <= 0: the first such subject (the 4th), at 1 and 2 ranks
DPER="-model pk1_oral_ke -sim_theta ka=1,ke=0.1,V=30 -sim_times 1 -sim_error_a 1 -sim_dose_amt 4 -sim_dose_per WT -sim_covariates WT=normal(1,1) -sim_covariate_transform WT=none -sim_subjects 300 $OUT"
bad 1 "option -sim_dose_per WT: subject 4 has WT = -0.350137, so a dose amount -1.40055 <= 0" $DPER
bad 2 "option -sim_dose_per WT: subject 4 has WT = -0.350137, so a dose amount -1.40055 <= 0" $DPER
bad 1 "option -sim_obs_cmt: the model has no output with CMT 7" -model turnover -sim_theta ka=1,CL=2,V=30,R0=100,kout=0.1,Imax=0.8,IC50=1 -sim_times 1 -sim_error_a 1 -sim_obs_cmt 7 $OUT
bad 1 "option -sim_subjects 0: must be in \[1, " $TH -sim_subjects 0
bad 1 "option -sim_output /proc/nonexistent/x.csv: cannot open the file for writing" $TH -sim_output /proc/nonexistent/x.csv
bad 2 "option -sim_output /proc/nonexistent/x.csv: cannot open the file for writing" $TH -sim_output /proc/nonexistent/x.csv
bad 1 "-model nosuch: unknown model" -model nosuch -sim_times 0
bad 1 "no model given" -sim_times 0
wait
for i in $(seq 1 $ncase); do cat "$WORK/case$i.out"; done
! grep -q '^FAIL' "$WORK"/case*.out || fail "some cases did not give the expected one-line error"
echo "ok: $ncase bad specifications"
