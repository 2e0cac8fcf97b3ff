#!/usr/bin/env bash
# Kill and restart: a fit with -checkpoint_every 10 is killed with SIGKILL (mpiexec and its ranks) at
# a random iteration after its first checkpoint, then continued with -restart at 1 rank and, from the
# same checkpoint, at 3 ranks.  Both must end with estimates.csv, likelihood.csv, individuals.csv and
# the datasets of results.h5 (iteration history included) bitwise identical to an uninterrupted run at
# 2 ranks.  Also: a checkpoint of another option set is refused, and a checkpoint that cannot be
# written is a one-line error naming the file.  With "vem" as third argument the same for
# -estimator vem (its ELBO history included; a VEM checkpoint is refused by SAEM).
#   usage: test-restart.sh <pnlme-fit> <source dir> [saem|vem]
set -euo pipefail
fit=$1
src=$2
est=${3:-saem}
mpi=("${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe)
dir=$(mktemp -d)
pids=""
cleanup() {
  for p in $pids; do kill -9 "$p" 2> /dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# long enough (a few seconds at 2 ranks) for the kill to land in the middle of the iterations
datasets="/history/values /estimates/estimate /estimates/se /likelihood/minus2ll /individuals/mean /individuals/sd /individuals/map /observations/IPRED /observations/IWRES"
if [ "$est" = vem ]; then
  K=1500 k1opt=-vem_k1 k2opt=-vem_k2
  args=(-options_file_yaml "$src/input/theophylline/vem_wt.yaml" -data_file "$src/input/theophylline/theo_sd.csv"
        -saem_print_every 0 -vem_auto 0 -vem_k1 1200 -vem_k2 300 -lik_is_samples 500)
  datasets="$datasets /history/elbo"
else
  K=1800 k1opt=-saem_k1 k2opt=-saem_k2
  args=(-options_file_yaml "$src/input/theophylline/saem_wt.yaml" -data_file "$src/input/theophylline/theo_sd.csv"
        -saem_print_every 0 -saem_k1 1500 -saem_k2 300 -lik_is_samples 500)
fi

# 1. the uninterrupted run
"${mpi[@]}" -n 2 "$fit" "${args[@]}" -output_dir "$dir/ref" > "$dir/ref.log" 2>&1 || { cat "$dir/ref.log"; fail "uninterrupted run"; }

# 2. the run that is killed
"${mpi[@]}" -n 2 "$fit" "${args[@]}" -output_dir "$dir/run" -checkpoint_every 10 > "$dir/run.log" 2>&1 &
launcher=$!
pids="$launcher"
for _ in $(seq 1 400); do
  [ -f "$dir/run/checkpoint.h5" ] && break
  kill -0 "$launcher" 2> /dev/null || break
  sleep 0.05
done
[ -f "$dir/run/checkpoint.h5" ] || { cat "$dir/run.log"; fail "no checkpoint was written"; }
# then until a random iteration between 100 and K/2 (checkpoints come every 10)
target=$((RANDOM % (K / 2 - 100) + 100))
for _ in $(seq 1 2000); do
  kill -0 "$launcher" 2> /dev/null || break
  it=$(h5dump -a /n_iterations "$dir/run/checkpoint.h5" 2> /dev/null | sed -n 's/^ *(0): *//p')
  [ -n "$it" ] && [ "$it" -ge "$target" ] && break
  sleep 0.01
done
# Open MPI puts every rank in a process group of its own: kill the ranks by id, then the launcher
ranks=$(pgrep -P "$launcher" || true)
pids="$launcher $ranks"
kill -9 $ranks "$launcher" 2> /dev/null || true
wait "$launcher" 2> /dev/null || true
for _ in $(seq 1 100); do
  alive=0
  for p in $ranks; do kill -0 "$p" 2> /dev/null && alive=1; done
  [ $alive = 0 ] && break
  sleep 0.05
done
[ ! -f "$dir/run/estimates.csv" ] || fail "the run ended before it was killed: lengthen it"
niter=$(h5dump -a /n_iterations "$dir/run/checkpoint.h5" | sed -n 's/^ *(0): *//p')
echo "killed after the checkpoint of iteration $niter of $K"
cp "$dir/run/checkpoint.h5" "$dir/killed.h5"

# 3. restart at 1 rank (checkpointing on, into the same file) and at 3 ranks
"${mpi[@]}" -n 1 "$fit" "${args[@]}" -output_dir "$dir/run" -checkpoint_every 10 -restart "$dir/run/checkpoint.h5" > "$dir/r1.log" 2>&1 || { cat "$dir/r1.log"; fail "restart at 1 rank"; }
"${mpi[@]}" -n 3 "$fit" "${args[@]}" -output_dir "$dir/run3" -restart "$dir/killed.h5" > "$dir/r3.log" 2>&1 || { cat "$dir/r3.log"; fail "restart at 3 ranks"; }
for out in run run3; do
  for f in estimates.csv likelihood.csv individuals.csv; do
    cmp "$dir/ref/$f" "$dir/$out/$f" || { diff "$dir/ref/$f" "$dir/$out/$f" | head -5; fail "$out/$f differs from the uninterrupted run"; }
  done
  for d in $datasets; do
    h5diff "$dir/ref/results.h5" "$dir/$out/results.h5" "$d" > /dev/null || fail "$out/results.h5 $d differs from the uninterrupted run"
  done
done
echo "restarted at 1 and 3 ranks: results bitwise identical to the uninterrupted run"

# 4. a checkpoint of another option set is refused (and a VEM checkpoint by SAEM)
if "${mpi[@]}" -n 1 "$fit" "${args[@]}" $k1opt 1000 -restart "$dir/killed.h5" > "$dir/bad.log" 2>&1; then fail "a restart with another K1 was accepted"; fi
grep -q "checkpoint is of another model, dataset or option set: k1" "$dir/bad.log" || { cat "$dir/bad.log"; fail "no clear message for another K1"; }
if [ "$est" = vem ]; then
  # the case's options without the VEM ones (SAEM would refuse those as options it does not read)
  if "${mpi[@]}" -n 1 "$fit" -options_file_yaml "$src/input/theophylline/vem_wt.yaml" -data_file "$src/input/theophylline/theo_sd.csv" -saem_print_every 0 -lik_is_samples 500 \
      -estimator saem -saem_k1 1200 -saem_k2 300 -saem_auto 0 -saem_chains 10 -restart "$dir/killed.h5" > "$dir/bad.log" 2>&1; then fail "a VEM checkpoint was accepted by SAEM"; fi
  grep -q "checkpoint is of another model, dataset or option set: estimator" "$dir/bad.log" || { cat "$dir/bad.log"; fail "no clear message for another estimator"; }
fi

# 5. a checkpoint that cannot be written: a one-line error naming the file, non-zero exit
touch "$dir/afile"
if "${mpi[@]}" -n 2 "$fit" "${args[@]}" "$k1opt" 20 "$k2opt" 0 -checkpoint_every 5 -checkpoint_file "$dir/afile/ck.h5" > "$dir/ck.log" 2>&1; then fail "an unwritable checkpoint was accepted"; fi
grep -q "^pnlme-fit: error: -checkpoint_file $dir/afile: " "$dir/ck.log" || { cat "$dir/ck.log"; fail "no one-line error naming the checkpoint file"; }
grep -q "^SAEM" "$dir/ck.log" && { cat "$dir/ck.log"; fail "the fit started before the checkpoint's directory was checked"; }
[ "$(grep -c 'error' "$dir/ck.log")" = 1 ] || { cat "$dir/ck.log"; fail "more than one error line"; }
echo "refusals: ok"
