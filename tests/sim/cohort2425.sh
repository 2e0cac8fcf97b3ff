#!/bin/bash
# sim_cohort2425: input/neonates/cohort2425.yaml gives the cohort of REFERENCES.md: 2425 subjects,
# the sampling design, covariate frequencies within sampling error of the truth, plausible weights,
# and the W0 effects recovered by a regression of log(weight at t=0) on SEX and log(GA/mean GA).
. "$(dirname "$0")/common.sh"

run 2 $NEONATE -sim_output "$WORK/c.csv" > "$WORK/summary.txt"
cat "$WORK/summary.txt"
head -1 "$WORK/c.csv" | grep -qx 'ID,TIME,DV,AMT,EVID,MDV,CMT,SEX,DELM,PARA2,GA,MAGE' || fail "header: $(head -1 "$WORK/c.csv")"

out=$(awk -F, '
function bad(msg) { if (!err) err = msg " (line " NR ")" }
NR == 1 { next }
{
  if ($4 != 0 || $5 != 0 || $6 != 0 || $7 != 1) bad("not an observation row in CMT 1")
  if ($1 != id) {
    if (id != "") close_subject()
    id = $1; n = 0; ns++
    if (id != ns) bad("IDs not 1..N in order")
    sex = $8; delm = $9; para = $10; ga = $11; mage = $12
    if (ga < 36 || ga > 43.5 || mage < 16 || mage > 48) bad("GA or MAGE outside its truncation")
    if ((sex != 0 && sex != 1) || (delm != 0 && delm != 1) || (para != 0 && para != 1)) bad("binary covariate not 0/1")
    S[ns] = sex; G[ns] = ga; W[ns] = $3
    nsex += sex; ndelm += delm; npara += para; sga += ga; smage += mage
  } else if ($8 != sex || $9 != delm || $10 != para || $11 != ga || $12 != mage) bad("covariate changes within a subject")
  t = $2 + 0; n++
  if (n == 1 && t != 0) bad("first time not 0")
  if (n == 2 && (t < 0.4 || t > 1.4)) bad("second time outside [0.4,1.4]")
  if (n >= 3 && (t - prev < 1 - 1e-8 || t - prev > 1 + 1e-8)) bad("increment not 1")
  if (t > 7) bad("time beyond 7")
  prev = t; second = (n == 2) ? t : second
}
function close_subject() {
  if (n < 3 || n > 8) bad("number of observations " n " not in 3..8")
  nobs += n
}
END {
  close_subject()
  if (err) { print err; exit }
  if (ns != 2425) { print "subjects " ns; exit }
  m = nobs / ns
  # E[n]: uniform on 3..8, n = 8 loses its last time when the second time is beyond 1 (prob 0.4)
  if (m < 5.4333 - 0.14 || m > 5.4333 + 0.14) { print "mean observations per subject " m; exit }
  p = nsex / ns;  if (p < 0.48 - 0.041 || p > 0.48 + 0.041) { print "SEX proportion " p; exit }
  p = ndelm / ns; if (p < 0.76 - 0.035 || p > 0.76 + 0.035) { print "DELM proportion " p; exit }
  p = npara / ns; if (p < 0.49 - 0.041 || p > 0.49 + 0.041) { print "PARA2 proportion " p; exit }
  mga = sga / ns; if (mga < 39.6 || mga > 39.8) { print "GA mean " mga; exit }
  p = smage / ns; if (p < 30.6 || p > 31.5) { print "MAGE mean " p; exit }
  # log W(0) = log W0 + 0.09 SEX + 1.90 log(GA/mean) + eta (sd 0.127) + small error
  for (i = 1; i <= ns; i++) {
    y = log(W[i]); x1 = S[i]; x2 = log(G[i] / mga); w += W[i]
    s0++; s1 += x1; s2 += x2; s11 += x1 * x1; s12 += x1 * x2; s22 += x2 * x2
    sy += y; s1y += x1 * y; s2y += x2 * y; syy += y * y
  }
  if (w / ns < 3300 || w / ns > 3900) { print "mean weight at t=0 " w / ns; exit }
  # normal equations [s0 s1 s2; s1 s11 s12; s2 s12 s22] b = [sy s1y s2y] by Cramer
  det = s0 * (s11 * s22 - s12 * s12) - s1 * (s1 * s22 - s12 * s2) + s2 * (s1 * s12 - s11 * s2)
  b0 = (sy * (s11 * s22 - s12 * s12) - s1 * (s1y * s22 - s12 * s2y) + s2 * (s1y * s12 - s11 * s2y)) / det
  b1 = (s0 * (s1y * s22 - s2y * s12) - sy * (s1 * s22 - s12 * s2) + s2 * (s1 * s2y - s1y * s2)) / det
  b2 = (s0 * (s11 * s2y - s12 * s1y) - s1 * (s1 * s2y - s1y * s2) + sy * (s1 * s12 - s11 * s2)) / det
  res = 0
  for (i = 1; i <= ns; i++) { r = log(W[i]) - b0 - b1 * S[i] - b2 * log(G[i] / mga); res += r * r }
  sd = sqrt(res / (ns - 3))
  printf "W0 %.1f (3433), W0.SEX %.4f (0.09), W0.GA %.3f (1.90), residual SD %.4f (sqrt(0.127^2 + (28/W)^2) = 0.1273)\n", exp(b0), b1, b2, sd > "/dev/stderr"
  if (exp(b0) < 3433 * 0.985 || exp(b0) > 3433 * 1.015) { print "W0 " exp(b0); exit }
  if (b1 < 0.09 - 0.03 || b1 > 0.09 + 0.03) { print "W0.SEX " b1; exit }
  if (b2 < 1.90 - 0.4 || b2 > 1.90 + 0.4) { print "W0.GA " b2; exit }
  if (sd < 0.1273 * 0.93 || sd > 0.1273 * 1.07) { print "SD of eta_W0 " sd; exit }
  print "ok"
}' "$WORK/c.csv")
expect_ok "cohort2425 design, covariates and W0 effects" "$out"
grep -q "failed solves: 0 " "$WORK/summary.txt" || fail "failed solves in the 2425 cohort"
