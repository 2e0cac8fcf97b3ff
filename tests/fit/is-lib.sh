# Shared by is-control.sh and is-start.sh (sourced; needs $fit and $dir).
# run NAME RANKS ARGS...: the fit into $dir/NAME; prints its -2LL (IS) and Monte-Carlo SE
run() {
  local name=$1 np=$2; shift 2
  "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n "$np" "$fit" "$@" -output_dir "$dir/$name" > "$dir/$name.log" 2>&1 ||
    { cat "$dir/$name.log"; echo "FAIL: fit $name"; exit 1; }
  awk -F, '$1 == "is" { print $2, $6 }' "$dir/$name/likelihood.csv"
}
# within3se M S R T: fails unless the estimate M (SE S) is within 3 combined SEs of the reference R (SE T)
within3se() {
  awk -v m="$1" -v s="$2" -v r="$3" -v t="$4" 'BEGIN { d = m - r; exit !(d * d < 9 * (s * s + t * t)) }' ||
    { echo "FAIL: $1 (SE $2) is not within 3 SEs of the reference $3 (SE $4)"; exit 1; }
}
