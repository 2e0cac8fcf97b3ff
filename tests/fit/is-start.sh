#!/usr/bin/env bash
# The first proposal of importance sampling (src/fit/post/likelihood.c, -lik_is_start): at equal draws
# (one round of adaptation, then a fixed number of estimation draws), the Monte-Carlo SE with the
# default mixture of the chains' moments and the Laplace approximation at the MAP is below RATIO times
# the SE with the chains' moments alone; both estimates agree with a 40,000-draw reference within 3
# combined SEs; the default estimate is the same at 1 and 2 ranks.
#   usage: is-start.sh RATIO <pnlme-fit> fit args...
set -euo pipefail
ratio=$1 fit=$2; shift 2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/is-lib.sh"
fixed=(-lik_is_tol 0 -lik_is_samples 2000 -lik_is_batch 2000)
read -r mmix smix <<<"$(run mix 2 "$@" "${fixed[@]}")"
read -r mch sch <<<"$(run chains 2 "$@" "${fixed[@]}" -lik_is_start chains)"
read -r mref sref <<<"$(run ref 2 "$@" -lik_is_start chains -lik_is_adapt_rounds 2 -lik_is_control_variates false -lik_is_tol 0 -lik_is_samples 40000 -lik_is_batch 40000)"
read -r mmix1 smix1 <<<"$(run mix1 1 "$@" "${fixed[@]}")"
echo "-2LL (IS): mixture $mmix (SE $smix), chains $mch (SE $sch), reference $mref (SE $sref)"
awk -v a="$smix" -v b="$sch" -v r="$ratio" 'BEGIN { exit !(a > 0 && a < r * b) }' || { echo "FAIL: the mixture's SE is not below $ratio times the chains' one"; exit 1; }
within3se "$mmix" "$smix" "$mref" "$sref"
within3se "$mch" "$sch" "$mref" "$sref"
[ "$mmix $smix" = "$mmix1 $smix1" ] || { echo "FAIL: 1 rank gives $mmix1 (SE $smix1)"; exit 1; }
echo "importance-sampling start: ok"
