#!/usr/bin/env bash
# jobscripts/strong-scaling.slurm run locally (PNLME_LOCAL=1: mpirun, #SBATCH lines are comments):
# 1000 neonatal subjects simulated in the job, fitted at 1 and 2 ranks (a short fixed schedule);
# scripts/collect-scaling must give scaling.csv with both runs and valid speedup/efficiency PNGs.
#   usage: strong-local.sh <source dir> <build/apps dir>
set -euo pipefail
src=$1
bin=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
PNLME_LOCAL=1 PNLME="$src" PNLME_BIN="$bin" N=1000 RANKS="1 2" RUNDIR="$dir/run" \
  FIT_OPTS="-saem_auto 0 -saem_k1 10 -saem_k2 5 -lik_is_samples 20 -saem_print_every 0" \
  bash "$src/jobscripts/strong-scaling.slurm" > "$dir/out" 2>&1 || { cat "$dir/out"; echo "FAIL the job script"; exit 1; }
cat "$dir/out"
/usr/bin/python3 - "$dir/run/scaling.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["study"] for r in rows] == ["strong", "strong"], rows
assert [int(r["subjects"]) for r in rows] == [1000, 1000], rows
assert [int(r["ranks"]) for r in rows] == [1, 2], rows
for r in rows:
    for c in ("wall_time", "saem_time", "likelihood_time", "output_time"):
        assert float(r[c]) > 0, (c, r)
    assert float(r["saem_time"]) < float(r["wall_time"]), r
assert float(rows[0]["speedup"]) == 1.0 and float(rows[0]["efficiency"]) == 1.0, rows[0]
s, e = float(rows[1]["speedup"]), float(rows[1]["efficiency"])
assert abs(s - float(rows[0]["wall_time"]) / float(rows[1]["wall_time"])) < 1e-4 * s and abs(e - s / 2) < 1e-4 * e, rows[1]
print("ok   scaling.csv: strong N=1000 at 1 and 2 ranks, speed-up %.3f, efficiency %.3f" % (s, e))
PY
for np in 1 2; do
  grep -q "^wall time: " "$dir/run/strong_N1000_np$np.log" || { echo "FAIL no wall time line at $np ranks"; exit 1; }
done
[ ! -e "$dir/run/cohort.csv" ] || { echo "FAIL the cohort was not removed"; exit 1; }
"$src/tests/plots/check-png.py" "$dir/run" speedup efficiency
echo "strong scaling job: CSV and pictures"
