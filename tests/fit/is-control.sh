#!/usr/bin/env bash
# Importance sampling with control variates (src/fit/post/likelihood.c): on the same fit, the default
# estimate's Monte-Carlo SE is below 0.6 times that of the plain mean of the weights with the same
# draws, both estimates agree with a 40,000-draw plain reference within 3 combined SEs, and the
# estimate is the same at 1 and 2 ranks.
#   usage: is-control.sh <pnlme-fit> fit args...
set -euo pipefail
fit=$1; shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/is-lib.sh"
read -r mcv scv <<<"$(run cv 2 "$@")"
read -r mpl spl <<<"$(run plain 2 "$@" -lik_is_control_variates false)"
read -r mref sref <<<"$(run ref 2 "$@" -lik_is_control_variates false -lik_is_tol 0 -lik_is_samples 40000 -lik_is_batch 40000)"
read -r mcv1 scv1 <<<"$(run cv1 1 "$@")"
echo "-2LL (IS): control variates $mcv (SE $scv), plain $mpl (SE $spl), reference $mref (SE $sref)"
awk -v a="$scv" -v b="$spl" 'BEGIN { exit !(a > 0 && a < 0.6 * b) }' || { echo "FAIL: the control variates do not lower the SE enough"; exit 1; }
within3se "$mcv" "$scv" "$mref" "$sref"
within3se "$mpl" "$spl" "$mref" "$sref"
[ "$mcv $scv" = "$mcv1 $scv1" ] || { echo "FAIL: 1 rank gives $mcv1 (SE $scv1)"; exit 1; }
echo "control variates: ok"
