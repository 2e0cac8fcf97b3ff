#!/usr/bin/env bash
# scripts/collect-scaling on bad input: one line naming the path, exit 1; a failed run's log is skipped
# with a note.   usage: collect-bad-input.sh <source dir>
set -euo pipefail
src=$1
c=$src/scripts/collect-scaling
expect=$src/tests/common/expect-error.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/empty" "$dir/failed"
printf '# pnlme-run study=strong subjects=10 ranks=1\npnlme-fit: error: something\n' > "$dir/failed/strong_N10_np1.log"
bash "$expect" "^collect-scaling: error: $dir/nothing: no such file or directory$" "$c" "$dir/nothing"
bash "$expect" "^collect-scaling: error: $dir/empty: no usable pnlme-run log" "$c" "$dir/empty"
bash "$expect" "^collect-scaling: error: $dir/failed: no usable pnlme-run log" "$c" "$dir/failed"
printf '# pnlme-run study=strong subjects=10 ranks=2\nwall time: 1.5 s\n' > "$dir/failed/strong_N10_np2.log"
"$c" -o "$dir/out" "$dir/failed" > "$dir/log" 2>&1 || { cat "$dir/log"; echo "FAIL with one usable log"; exit 1; }
grep -q "note: $dir/failed/strong_N10_np1.log: skipped: no 'wall time:' line" "$dir/log" || { echo "FAIL no note for the failed run"; exit 1; }
grep -q "^strong,10,2,1.5,nan,nan,nan,1,1,strong_N10_np2.log$" "$dir/out/scaling.csv" || { cat "$dir/out/scaling.csv"; echo "FAIL scaling.csv"; exit 1; }
"$c" -h | grep -q "usage: collect-scaling" || { echo "FAIL -h"; exit 1; }
echo "collect-scaling: bad input gives one-line errors"
