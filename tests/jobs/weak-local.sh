#!/usr/bin/env bash
# jobscripts/weak-scaling.pbs run locally: 100 subjects per rank at 1 and 2 ranks (4096 ranks skipped:
# the "allocation" has 2), the cohorts simulated in the job; scaling.csv and the pictures.
#   usage: weak-local.sh <source dir> <build/apps dir>
set -euo pipefail
src=$1
bin=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
PNLME_LOCAL=1 PNLME_LOCAL_MAXRANKS=2 PNLME="$src" PNLME_BIN="$bin" NPER=100 RANKS="1 2 4096" RUNDIR="$dir/run" \
  FIT_OPTS="-saem_auto 0 -saem_k1 10 -saem_k2 5 -lik_is_samples 20 -saem_print_every 0" \
  bash "$src/jobscripts/weak-scaling.pbs" > "$dir/out" 2>&1 || { cat "$dir/out"; echo "FAIL the job script"; exit 1; }
cat "$dir/out"
grep -q "note: skipping 4096 ranks (the allocation has 2)" "$dir/out" || { echo "FAIL no note for 4096 ranks"; exit 1; }
/usr/bin/python3 - "$dir/run/scaling.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [(r["study"], int(r["subjects"]), int(r["ranks"])) for r in rows] == [("weak", 100, 1), ("weak", 200, 2)], rows
e = float(rows[1]["efficiency"])
assert abs(e - float(rows[0]["wall_time"]) / float(rows[1]["wall_time"])) < 1e-4 * e and abs(float(rows[1]["speedup"]) - 2 * e) < 1e-4 * e, rows
print("ok   scaling.csv: weak 100 subjects/rank at 1 and 2 ranks, efficiency %.3f" % e)
PY
"$src/tests/plots/check-png.py" "$dir/run" speedup efficiency
echo "weak scaling job: CSV and pictures"
