#!/bin/bash
# sim_truth: with omega = 0 and no residual error the file holds the model at the typical values and the
# covariate effects, computed here independently (awk): neonatal W0 effects exactly, the neonatal ODE
# with all 7 effects by RK4, and closed-form PK (repeated infusions per kg; oral doses; pre- and
# post-dose samples at dose times).
. "$(dirname "$0")/common.sh"

# (a) W(0) = 3433 exp(0.09 SEX + 1.90 log(GA / mean GA)) for every subject
run 2 $NEONATE -sim_omega W0=0 -sim_error_a 0 -sim_output "$WORK/n0.csv" -sim_summary 0
out=$(awk -F, 'NR == FNR { if (FNR > 1 && $1 != last) { n++; s += $11; last = $1 } next }
  FNR == 1 { m = s / n; next }
  $1 != id { id = $1; w = 3433 * exp(0.09 * $8 + 1.90 * log($11 / m)); d = ($3 - w) / w; if (d < 0) d = -d
             if (d > 2e-9) { print "subject " id ": W(0) " $3 " expected " w; exit } k++ }
  END { if (k == 2425) print "ok"; else if (k) print "subjects " k }' "$WORK/n0.csv" "$WORK/n0.csv")
expect_ok "neonatal W(0) = W0 exp(0.09 SEX + 1.90 log(GA/mean)) to 2e-9" "$out"

# (b) the whole neonatal trajectory with the 7 effects, against RK4 (first 40 subjects)
run 1 $NEONATE -sim_omega W0=0 -sim_error_a 0 -sim_subjects 300 -sim_output "$WORK/n1.csv" -sim_summary 0 \
  -ode_rtol 1e-11 -ode_atol 1e-9
out=$(awk -F, '
function f(t, w) { return kin / (1 + exp(-2 * (t - tlag))) - kout * (1 - t / (t50 + t)) * w }
NR == FNR { if (FNR > 1 && $1 != last) { n++; sga += $11; smage += $12; last = $1 } next }
FNR == 1 { mga = sga / n; mmage = smage / n; next }
$1 > 40 { exit }
{
  if ($1 != id) {
    id = $1; t = 0; tlag = 1.54
    w = 3433 * exp(0.09 * $8 + 1.90 * log($11 / mga))
    kin = 86.6 * exp(3.66 * log($11 / mga) + 0.26 * $10)
    kout = 0.072 * exp(-0.14 * $10)
    t50 = 1.15 * exp(0.58 * log($12 / mmage) + 0.34 * $10)
  }
  tt = $2 + 0; ns = int((tt - t) / 0.0005) + 1; h = (tt - t) / ns
  if (tt > t) for (i = 0; i < ns; i++) {
    k1 = f(t, w); k2 = f(t + h / 2, w + h / 2 * k1); k3 = f(t + h / 2, w + h / 2 * k2); k4 = f(t + h, w + h * k3)
    w += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4); t += h
  }
  t = tt; d = ($3 - w) / w; if (d < 0) d = -d; if (d > dmax) dmax = d; k++
  if (d > 1e-7) { print "subject " id " t " tt ": W " $3 " RK4 " w; bad = 1; exit }
}
END { if (!bad) { print "ok"; printf "max relative difference %.2g over %d observations\n", dmax, k > "/dev/stderr" } }' "$WORK/n1.csv" "$WORK/n1.csv")
expect_ok "neonatal ODE with the 7 covariate effects against RK4 to 1e-7" "$out"

# (c) PK by superposition, in file order (a sample at a dose time sees that dose only if its row follows)
pkcheck() { # file: pk1_iv_cl, CL = 2 (WT/mean)^0.75, V = 20 WT/mean
  awk -F, '
  NR == FNR { if (FNR > 1 && $1 != last) { n++; s += $9; last = $1 } next }
  FNR == 1 { m = s / n; if ($8 != "RATE") { print "no RATE column"; exit } next }
  {
    if ($1 != id) { id = $1; nd = 0; wt = $9 }
    t = $2 + 0
    if ($5 == 1) { nd++; td[nd] = t; amt[nd] = $4 + 0; rate[nd] = $8 + 0; next }
    c = 0; cl = 2 * exp(0.75 * log(wt / m)); v = 20 * wt / m; k = cl / v
    for (j = 1; j <= nd; j++) {
      tau = t - td[j]; if (tau < 0) continue
      if (rate[j] > 0) {
        dur = amt[j] / rate[j]
        if (tau <= dur) c += rate[j] / cl * (1 - exp(-k * tau))
        else c += rate[j] / cl * (1 - exp(-k * dur)) * exp(-k * (tau - dur))
      } else c += amt[j] / v * exp(-k * tau)
    }
    d = $3 - c; if (d < 0) d = -d
    if (d > 1e-8 * (c > 0 ? c : -c) + 1e-12) { print "subject " id " t " t ": DV " $3 " expected " c; bad = 1; exit }
    nobs++
  }
  END { if (!bad) print (nobs == 1600 ? "ok" : "observations " nobs) }' "$1" "$1"
}
IV="-model pk1_iv_cl -sim_theta CL=2,V=20 -sim_covariates WT=truncnormal(70,15,40,120) -sim_beta CL.WT=0.75,V.WT=1
    -sim_error_a 0 -sim_times 0,u(0.5,1),2,+u(1,2),12,24,u(30,40),48 -sim_dose_amt 10 -sim_dose_per WT -sim_digits 15 -sim_subjects 200"
run 2 $IV -sim_dose_duration 1.5 -sim_dose_n 4 -sim_dose_ii 12 -sim_output "$WORK/inf.csv" -sim_summary 0
expect_ok "repeated infusions per kg (pre-dose samples at dose times)" "$(pkcheck "$WORK/inf.csv")"
run 1 $IV -sim_dose_rate 300 -sim_dose_times 0,12,24,36 -sim_dose_first -sim_output "$WORK/inf2.csv" -sim_summary 0
expect_ok "infusions at a fixed rate, dose rows first" "$(pkcheck "$WORK/inf2.csv")"
awk -F, 'NR > 1 && $2 == 12 { print $5 }' "$WORK/inf2.csv" | head -2 | tr '\n' ' ' | grep -q '^1 0 ' || fail "-sim_dose_first: dose row not before the sample"
for first in 0 1; do
  run 2 $IV -sim_dose_n 4 -sim_dose_ii 12 -sim_output "$WORK/bol.csv" -sim_summary 0 -sim_dose_first $first
  head -1 "$WORK/bol.csv" | grep -q RATE && fail "bolus doses must not write a RATE column"
  # the checker reads RATE in column 8: insert a zero column
  sed -e '1s/,CMT,/,CMT,RATE,/' -e '2,$s/^\([^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*\),/\1,0,/' "$WORK/bol.csv" > "$WORK/bol2.csv"
  expect_ok "bolus doses, -sim_dose_first $first (samples at dose times $([ $first = 1 ] && echo post || echo pre)-dose)" "$(pkcheck "$WORK/bol2.csv")"
done
run 2 -model pk1_oral_ke -sim_theta ka=1.5,ke=0.08,V=35 -sim_covariates 'WT=uniform(50,90)' -sim_beta V.WT=1 -sim_error_a 0 \
  -sim_times '0.25,0.5,1,2,3.5,5,7,9,12,24' -sim_dose_amt 4 -sim_dose_per WT -sim_digits 15 -sim_subjects 100 \
  -sim_output "$WORK/oral.csv" -sim_summary 0
out=$(awk -F, 'NR == FNR { if (FNR > 1 && $1 != last) { n++; s += $8; last = $1 } next }
  FNR == 1 { m = s / n; next }
  $1 != id { id = $1; wt = $8 }
  $5 == 1 { td = $2; amt = $4; next }
  { ka = 1.5; ke = 0.08; v = 35 * wt / m; tau = $2 - td
    c = amt * ka / (v * (ka - ke)) * (exp(-ke * tau) - exp(-ka * tau)); d = $3 - c; if (d < 0) d = -d
    if (d > 1e-9 * c) { print "subject " id " t " $2 ": DV " $3 " expected " c; bad = 1; exit } k++ }
  END { if (!bad) print (k == 1000 ? "ok" : "observations " k) }' "$WORK/oral.csv" "$WORK/oral.csv")
expect_ok "oral dose per kg, pk1_oral_ke closed form" "$out"
