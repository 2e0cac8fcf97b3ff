#!/bin/bash
# sim_errormodels: for each residual error model the residuals y - f (f = IPRED) of a large cohort have
# the designed spread: constant SD(y-f) = a; proportional SD((y-f)/f) = b; exponential SD(log(y/f)) = a;
# combined2 E(y-f)^2 = a^2 + b^2 f^2 and combined1 E|y-f| = sqrt(2/pi) (a + b|f|), both by least squares.
. "$(dirname "$0")/common.sh"

PK="-model pk1_oral_ke -sim_theta ka=1.5,ke=0.08,V=32 -sim_omega ka=0.5,ke=0.2,V=0.2 -sim_dose_amt 320
    -sim_times 0.25,0.5,1,2,4,8,12,24,36,48 -sim_subjects 4000 -sim_ipred -sim_summary 0"
stats() { # file kind: prints "a b" estimates
  awk -F, -v kind="$2" 'NR == 1 || $5 == 1 { next }
  { y = $3; f = $NF; r = y - f; n++
    if (kind == "constant") s += r * r
    else if (kind == "proportional") s += (r / f) ^ 2
    else if (kind == "exponential") s += log(y / f) ^ 2
    else { x = (kind == "combined2") ? f * f : (f < 0 ? -f : f); z = (kind == "combined2") ? r * r : (r < 0 ? -r : r)
           sx += x; sz += z; sxx += x * x; sxz += x * z } }
  END {
    if (kind == "constant" || kind == "exponential") print sqrt(s / n), 0
    else if (kind == "proportional") print 0, sqrt(s / n)
    else { b = (n * sxz - sx * sz) / (n * sxx - sx * sx); a = (sz - b * sx) / n
           if (kind == "combined2") print sqrt(a), sqrt(b); else print a / sqrt(2 / 3.141592653589793), b / sqrt(2 / 3.141592653589793) } }' "$1"
}
check() { # kind a b tolerance
  local kind=$1 a=$2 b=$3 tol=$4 est
  args="-sim_error $kind"
  [ "$kind" != proportional ] && args="$args -sim_error_a $a"
  case $kind in proportional | combined1 | combined2) args="$args -sim_error_b $b" ;; esac
  run 2 $PK $args -sim_output "$WORK/$kind.csv"
  est=$(stats "$WORK/$kind.csv" "$kind")
  out=$(echo "$est" | awk -v a="$a" -v b="$b" -v tol="$tol" '{ if ((a > 0 && ($1 / a - 1 > tol || 1 - $1 / a > tol)) || (b > 0 && ($2 / b - 1 > tol || 1 - $2 / b > tol))) print "estimated a " $1 " b " $2; else print "ok" }')
  expect_ok "$kind: a $a b $b, estimated $est (tolerance $tol)" "$out"
}
check constant 0.5 0 0.03
check proportional 0 0.1 0.03
check exponential 0.15 0 0.03
check combined2 0.3 0.1 0.06
check combined1 0.3 0.1 0.06
