#!/usr/bin/env bash
# A restart inside the window that -saem_explore_average averages (src/fit/em/history.c): the window's
# variance parameters so far come from the checkpoint (/saem/explore_variances).  A run at 2 ranks
# checkpoints once, at iteration 250 of a window 151-300 (-saem_auto 0 -saem_k1 300, 150 annealing
# iterations); restarted from that checkpoint at 1 and at 3 ranks it must end with estimates.csv and
# individuals.csv bitwise those of the run that wrote it; a checkpoint of a run without the option is
# refused by one with it.
#   usage: explore-average-restart.sh <pnlme-fit> fit args...
set -euo pipefail
fit=$1; shift
mpi=("${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe)
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
args=("$@" -saem_auto 0 -saem_k1 300 -saem_sa_iterations 150 -saem_k2 50 -saem_print_every 0 -lik_is_samples 0)
"${mpi[@]}" -n 2 "$fit" "${args[@]}" -checkpoint_every 250 -output_dir "$dir/ref" < /dev/null > "$dir/ref.log" 2>&1 || { cat "$dir/ref.log"; fail "the run"; }
it=$(h5dump -a /n_iterations "$dir/ref/checkpoint.h5" | sed -n 's/^ *(0): *//p')
[ "$it" = 250 ] || fail "the checkpoint is of iteration $it, not 250"
h5dump -d /saem/explore_variances -H "$dir/ref/checkpoint.h5" > /dev/null 2>&1 || fail "no /saem/explore_variances in the checkpoint"
for np in 1 3; do
  "${mpi[@]}" -n $np "$fit" "${args[@]}" -restart "$dir/ref/checkpoint.h5" -output_dir "$dir/r$np" < /dev/null > "$dir/r$np.log" 2>&1 || { cat "$dir/r$np.log"; fail "restart at $np ranks"; }
  for f in estimates.csv individuals.csv; do
    cmp -s "$dir/ref/$f" "$dir/r$np/$f" || { diff "$dir/ref/$f" "$dir/r$np/$f" | head -5; fail "restart at $np ranks: $f differs from the run that wrote the checkpoint"; }
  done
done
echo "restarted at iteration 250 at 1 and 3 ranks: bitwise the same"
if "${mpi[@]}" -n 1 "$fit" "${args[@]}" -saem_explore_average 0 -restart "$dir/ref/checkpoint.h5" -output_dir "$dir/off" < /dev/null > "$dir/off.log" 2>&1; then fail "a checkpoint with the exploration average was accepted by a run without it"; fi
grep -q "checkpoint is of another model, dataset or option set: explore_average" "$dir/off.log" || { cat "$dir/off.log"; fail "no clear message for another -saem_explore_average"; }
echo "explore-average restart: ok"
