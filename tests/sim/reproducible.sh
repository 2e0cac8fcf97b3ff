#!/bin/bash
# sim_reproducible: one seed gives the same bytes at 1, 2 and 3 ranks and for any round size (neonatal
# cohort; PK cohort with repeated infusions, IPRED and the parameter file); another seed differs; the
# printed summary is the same at any number of ranks (but for the wall time line).  The same bytes with
# the blocks' predictions in SIMD lanes and one subject after the other (-model_batch false), also when
# solves fail (redraws) and when a subject fails for good (the same error).
. "$(dirname "$0")/common.sh"

for np in 1 2 3; do
  run $np $NEONATE -sim_subjects 1500 -sim_output "$WORK/neo$np.csv" -sim_output_params "$WORK/neo$np.par" \
    -sim_round_subjects $((np * 97)) > "$WORK/neo$np.txt"
done
for np in 2 3; do
  cmp "$WORK/neo1.csv" "$WORK/neo$np.csv" || fail "neonatal cohort differs between 1 and $np ranks"
  cmp "$WORK/neo1.par" "$WORK/neo$np.par" || fail "parameter file differs between 1 and $np ranks"
  diff <(grep -v 'wall time' "$WORK/neo1.txt" | sed 's/neo1\./neoN./') <(grep -v 'wall time' "$WORK/neo$np.txt" | sed "s/neo$np\./neoN./") ||
    fail "summary differs between 1 and $np ranks"
done
echo "ok: neonatal cohort byte-identical at 1, 2, 3 ranks ($(wc -c < "$WORK/neo1.csv") bytes)"
run 1 $NEONATE -sim_subjects 1500 -sim_output "$WORK/neo1b.csv" -sim_summary 0
cmp -s "$WORK/neo1.csv" "$WORK/neo1b.csv" || fail "same seed, round size 20000: different file"
run 2 $NEONATE -sim_subjects 1500 -sim_seed 2426 -sim_output "$WORK/seed.csv" -sim_summary 0
cmp -s "$WORK/neo1.csv" "$WORK/seed.csv" && fail "a different seed gave the same file"
echo "ok: a different seed gives a different file"
# the first subjects do not depend on the cohort size (streams per subject)
run 2 $NEONATE -sim_subjects 1700 -sim_output "$WORK/neo1700.csv" -sim_summary 0
# the covariate means (hence the DV) change with N: compare every column but DV
cut -d, -f1,2,4- "$WORK/neo1.csv" > "$WORK/a"
cut -d, -f1,2,4- "$WORK/neo1700.csv" | head -n "$(wc -l < "$WORK/a")" > "$WORK/b"
cmp -s "$WORK/a" "$WORK/b" || fail "subject draws depend on the number of subjects"
echo "ok: a subject's design and covariates do not depend on the cohort size"

PK="-model pk1_iv_cl -sim_theta CL=2,V=20 -sim_omega CL=0.3,V=0.2 -sim_corr CL.V=0.5 -sim_covariates WT=truncnormal(70,15,40,120)
    -sim_beta CL.WT=0.75,V.WT=1 -sim_error combined2 -sim_error_a 0.05 -sim_error_b 0.1 -sim_times 0,u(0.5,1),2,+u(1,2),12,24,u(30,40)
    -sim_dose_amt 10 -sim_dose_per WT -sim_dose_duration 1.5 -sim_dose_n 4 -sim_dose_ii 12 -sim_ipred -sim_subjects 777"
for np in 1 2 3; do
  run $np $PK -sim_output "$WORK/pk$np.csv" -sim_round_subjects 50 -sim_summary 0
done
cmp "$WORK/pk1.csv" "$WORK/pk2.csv" || fail "PK cohort differs between 1 and 2 ranks"
cmp "$WORK/pk1.csv" "$WORK/pk3.csv" || fail "PK cohort differs between 1 and 3 ranks"
head -1 "$WORK/pk1.csv" | grep -qx 'ID,TIME,DV,AMT,EVID,MDV,CMT,RATE,WT,IPRED' || fail "PK header: $(head -1 "$WORK/pk1.csv")"
echo "ok: PK infusion cohort byte-identical at 1, 2, 3 ranks"
for np in 1 2 3; do
  run $np $PK -sim_output "$WORK/pk${np}b.csv" -sim_round_subjects 50 -sim_summary 0 -model_batch false
  cmp "$WORK/pk1.csv" "$WORK/pk${np}b.csv" || fail "PK cohort at $np ranks differs with -model_batch false"
done
echo "ok: PK infusion cohort the same with -model_batch false at 1, 2, 3 ranks"

# failed solves (dopri5 with a step limit): the failed subjects redrawn, the same bytes and summary with
# and without the lanes; a limit that some subject never meets stops every run at the same subject
FAILING="$NEONATE -sim_subjects 1500 -ode_integrator dopri5 -ode_rtol 1e-9"
run 1 $FAILING -ode_max_steps 10 -model_batch false -sim_output "$WORK/fail1.csv" > "$WORK/fail1.txt"
grep -Eq 'failed solves: [1-9][0-9]* \(subjects redrawn: [1-9]' "$WORK/fail1.txt" || fail "no failed solve to redraw: $(grep 'failed solves' "$WORK/fail1.txt")"
for np in 1 3; do
  run $np $FAILING -ode_max_steps 10 -sim_output "$WORK/fail$np.lanes.csv" > "$WORK/fail$np.lanes.txt"
  cmp "$WORK/fail1.csv" "$WORK/fail$np.lanes.csv" || fail "failed solves: $np ranks in lanes differ from one at a time"
  diff <(grep 'failed solves' "$WORK/fail1.txt") <(grep 'failed solves' "$WORK/fail$np.lanes.txt") || fail "failed solves counted differently at $np ranks"
done
echo "ok: $(grep -o 'failed solves.*' "$WORK/fail1.txt"): the same bytes in lanes at 1 and 3 ranks"
for run_args in "1 -model_batch false" "1" "3"; do
  # shellcheck disable=SC2086
  if run $run_args $FAILING -ode_max_steps 8 -sim_output "$WORK/stop.csv" > "$WORK/stop.txt" 2>&1; then fail "a subject that never solves did not stop the run ($run_args)"; fi
  grep -q 'error: subject 15: the model prediction failed' "$WORK/stop.txt" || fail "($run_args) $(grep error "$WORK/stop.txt" | head -1)"
done
echo "ok: a subject that never solves stops the run at subject 15 with and without the lanes"
