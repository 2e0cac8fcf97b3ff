#!/usr/bin/env bash
# Checkpoint integrity (docs/results-schema.md, "Integrity"): a short theophylline fit writes a checkpoint
# at 2 ranks and at 1 rank; the two files are identical, checksums included (they do not depend on the
# partition); each restarts at the other number of ranks and ends with the uninterrupted run's
# estimates.csv and individuals.csv.  Then copies damaged by checkpoint-damage (a value scaled in
# /pop/B, one bit flipped in /subjects/z and /subjects/rng, zeroed bytes in /observations/pred, changed
# attributes, NaN behind a valid checksum, an older format, an extra dataset) and a directory given to
# -restart are each refused at 1 and 2 ranks with exactly one line naming the file and what is wrong
# (tests/common/expect-error.sh).
#   usage: test-checkpoint-integrity.sh <pnlme-fit> <checkpoint-damage> <source dir>
set -euo pipefail
fit=$1
damage=$2
src=$3
mpi=("${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe)
expect=("bash" "$src/tests/common/expect-error.sh")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$damage" hash || fail "PnlmeHash64 is not XXH64"

args=(-options_file_yaml "$src/input/theophylline/saem_wt.yaml" -data_file "$src/input/theophylline/theo_sd.csv"
      -saem_print_every 0 -saem_auto 0 -saem_k1 20 -saem_k2 5 -lik_is_samples 50)

# 1. checkpoints (the last one: iteration 20) of complete runs at 2 and 1 ranks
for np in 2 1; do
  "${mpi[@]}" -n $np "$fit" "${args[@]}" -checkpoint_every 10 -output_dir "$dir/w$np" > "$dir/w$np.log" 2>&1 || { cat "$dir/w$np.log"; fail "the run at $np ranks"; }
done
h5diff "$dir/w1/checkpoint.h5" "$dir/w2/checkpoint.h5" || fail "the checkpoints of 1 and 2 ranks differ"
for np in 1 2; do
  h5dump -A "$dir/w$np/checkpoint.h5" | grep -A6 'ATTRIBUTE "checksum"' | grep '(0)' > "$dir/sums$np" || true
done
[ "$(grep -c '' "$dir/sums1")" -ge 15 ] || { cat "$dir/sums1"; fail "fewer checksums than groups and datasets"; }
cmp "$dir/sums1" "$dir/sums2" || fail "the checksums differ between 1 and 2 ranks"
echo "checkpoints and checksums identical at 1 and 2 ranks"

# 2. the undamaged checkpoints restart at the other number of ranks, with the uninterrupted results
ck=$dir/w2/checkpoint.h5
ver=$(h5dump -a /format_version "$ck" | sed -n 's/^ *(0): *//p')
for np in 1 2; do
  other=$((3 - np))
  "${mpi[@]}" -n $np "$fit" "${args[@]}" -restart "$dir/w$other/checkpoint.h5" -output_dir "$dir/r$np" > "$dir/r$np.log" 2>&1 || { cat "$dir/r$np.log"; fail "restart at $np ranks of the checkpoint of $other"; }
  for f in estimates.csv individuals.csv; do
    cmp "$dir/w2/$f" "$dir/r$np/$f" || fail "restart at $np ranks: $f differs from the uninterrupted run"
  done
done
echo "undamaged checkpoints restart at the other number of ranks with identical results"

# 3. damaged copies (format 4: before checksums): name|expected message (extended regex, after "-restart FILE: ")|checkpoint-damage action
cases=(
  "popB|dataset /pop/B is damaged \(its contents do not match its checksum\)$|scale /pop/B 0 1.5"
  "flipz|dataset /subjects/z is damaged \(its contents do not match its checksum\)$|flip /subjects/z 70 6"
  "zeropred|dataset /observations/pred is damaged \(its contents do not match its checksum\)$|zero /observations/pred 4096"
  "rng|dataset /subjects/rng is damaged \(its contents do not match its checksum\)$|flip /subjects/rng 100 0"
  "ids|dataset /subjects/ID is damaged \(its contents do not match its checksum\)$|flip /subjects/ID 8 1"
  "attra|the attributes of group /pop are damaged \(they do not match their checksum\)$|attr /pop logdet 0.5"
  "attrniter|the attributes of group / are damaged \(they do not match their checksum\)$|attr / n_iterations 15"
  "nanz|dataset /subjects/z holds NaN at \[1,0,2\]: not a state to continue from$|nan /subjects/z NANZ"
  "nanomega|dataset /pop/Omega holds NaN at \[1,1\]: not a state to continue from$|nan /pop/Omega 4"
  "nana|dataset /pop/a holds NaN at \[0\]: not a state to continue from$|nan /pop/a 0"
  "version4|checkpoint format version 4 \(an older pnlme, without checksums\): this pnlme reads version $ver only; start the fit again$|attr / format_version 4 reseal"
  "extra|dataset /subjects/extra is not part of a format-$ver checkpoint of this fit$|add /subjects/extra"
)
# z is [N, chains, p]: element [1,0,2] is number chains*p + 2
nc=$(h5dump -H -d /subjects/z "$ck" | sed -n 's/.*SIMPLE { ( [0-9]*, \([0-9]*\), \([0-9]*\) ).*/\1 \2/p')
read -r chains p <<< "$nc"
for c in "${cases[@]}"; do
  IFS='|' read -r name regex action <<< "$c"
  action=${action//NANZ/$((chains * p + 2))}
  # shellcheck disable=SC2086
  "$damage" "$ck" "$dir/$name.h5" $action || fail "checkpoint-damage $action"
  for np in 1 2; do
    "${expect[@]}" "^pnlme-fit: error: -restart $dir/$name.h5: $regex" "${mpi[@]}" -n $np "$fit" "${args[@]}" -restart "$dir/$name.h5" -output_dir "$dir/x" \
      || fail "$name at $np ranks"
  done
done
# 4. a directory, and a missing file
for np in 1 2; do
  "${expect[@]}" "^pnlme-fit: error: -restart $dir: cannot open the file: Is a directory$" "${mpi[@]}" -n $np "$fit" "${args[@]}" -restart "$dir" || fail "directory at $np ranks"
  "${expect[@]}" "^pnlme-fit: error: -restart $dir/none.h5: cannot open the file: No such file or directory$" "${mpi[@]}" -n $np "$fit" "${args[@]}" -restart "$dir/none.h5" || fail "missing file at $np ranks"
done
[ ! -e "$dir/x" ] || [ -z "$(ls -A "$dir/x")" ] || fail "a refused restart wrote results"
echo "damaged checkpoints refused with one line at 1 and 2 ranks"
