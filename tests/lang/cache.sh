#!/usr/bin/env bash
# The compile cache of model files: test-lang-load BIN, model file MODEL, work directory WORK.
#  1. an empty cache: the first run compiles (one compilation), the second finds the object (none);
#  2. a 2-rank job on an empty cache compiles once (one rank per node compiles);
#  3. a concurrent start on an empty cache of 4 single-rank runs and a 2-rank job: every run succeeds,
#     the model is compiled exactly once (the others wait on the lock and find it), the cache holds one
#     object and no temporary file;
#  4. a changed model is a new key (one more object); a change of layout or comments only is not (the
#     key is the generated code).
set -u
bin=$1 model=$2 work=$3
mpiexec=${MPIEXEC:-mpiexec}
fail() { echo "cache.sh: FAIL: $*" >&2; exit 1; }
export PNLME_CC="$(cd "$(dirname "$0")" && pwd)/cc-logged.sh"
rm -rf "$work"; mkdir -p "$work"
run() { "$@" </dev/null; }

# 1
export PNLME_CC_LOG=$work/log1
out=$(run "$bin" -model_file "$model" -model_cache "$work/c1") || fail "first run: $out"
echo "$out" | grep -q ", compiled$" || fail "first run did not compile: $out"
out=$(run "$bin" -model_file "$model" -model_cache "$work/c1") || fail "second run: $out"
echo "$out" | grep -q ", cache hit$" || fail "second run compiled again: $out"
[ "$(grep -c compile "$work/log1")" = 1 ] || fail "compilations in runs 1-2: $(cat "$work/log1")"
echo "ok 1: first run compiled, second run cache hit"

# 2
export PNLME_CC_LOG=$work/log2
out=$(run $mpiexec --allow-run-as-root --oversubscribe -n 2 "$bin" -model_file "$model" -model_cache "$work/c2") || fail "2 ranks: $out"
echo "$out" | grep -q ", compiled$" || fail "2 ranks: $out"
[ "$(grep -c compile "$work/log2")" = 1 ] || fail "2 ranks compiled $(grep -c compile "$work/log2") times"
echo "ok 2: 2 ranks, one compilation"

# 3
export PNLME_CC_LOG=$work/log3
pids=()
for k in 1 2 3 4; do
  run "$bin" -model_file "$model" -model_cache "$work/c3" >"$work/out3.$k" 2>&1 &
  pids+=($!)
done
run $mpiexec --allow-run-as-root --oversubscribe -n 2 "$bin" -model_file "$model" -model_cache "$work/c3" >"$work/out3.5" 2>&1 &
pids+=($!)
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent run failed: $(cat "$work"/out3.*)"; done
[ "$(grep -c compile "$work/log3")" = 1 ] || fail "concurrent start: $(grep -c compile "$work/log3") compilations"
[ "$(cat "$work"/out3.* | grep -c ', compiled$')" = 1 ] || fail "concurrent start: $(cat "$work"/out3.*)"
[ "$(cat "$work"/out3.* | grep -c ', cache hit$')" = 4 ] || fail "concurrent start: $(cat "$work"/out3.*)"
[ "$(ls "$work/c3" | grep -c '\.so$')" = 1 ] || fail "objects: $(ls -a "$work/c3")"
[ "$(ls -A "$work/c3" | grep -c '^\.')" = 0 ] || fail "temporary files left: $(ls -a "$work/c3")"
echo "ok 3: concurrent start of 4 runs and a 2-rank job, one compilation"

# 4
sed 's/kout \* T50/kout * (T50)/; s/^# /#  /' "$model" > "$work/layout.model"
out=$(run "$bin" -model_file "$work/layout.model" -model_cache "$work/c1") || fail "layout change: $out"
echo "$out" | grep -q ", cache hit$" || fail "a change of layout only compiled again: $out"
sed 's/2 \* (t - Tlag)/2.5 * (t - Tlag)/' "$model" > "$work/changed.model"
cmp -s "$model" "$work/changed.model" && fail "the model text did not change"
out=$(run "$bin" -model_file "$work/changed.model" -model_cache "$work/c1") || fail "changed model: $out"
echo "$out" | grep -q ", compiled$" || fail "a changed model was not compiled: $out"
[ "$(ls "$work/c1" | grep -c '\.so$')" = 2 ] || fail "objects after a change: $(ls "$work/c1")"
echo "ok 4: a changed model is compiled under a new key"
echo "cache tests passed"
