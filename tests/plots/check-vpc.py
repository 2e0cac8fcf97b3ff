#!/usr/bin/python3
"""check-vpc.py DIR1 DIR2 R: /vpc/simulated, /curves and the observations' PRED and IPRED of two runs of
the same fit (at different numbers of ranks) are bitwise identical, and the simulations are what the fitted model predicts:
shape [R, T], no failed solve, the median of the replicates of each observation close to PRED, the
observations covered by the simulated 90% intervals, half of the simulated values below PRED; the
curves end at each subject's last observation with the same IPRED and PRED there."""
import sys
import numpy as np
import h5py

fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)
    print(("ok   " if cond else "FAIL ") + msg)


d1, d2, R = sys.argv[1], sys.argv[2], int(sys.argv[3])
a, b = h5py.File(d1 + "/results.h5", "r"), h5py.File(d2 + "/results.h5", "r")
T = int(a.attrs["n_observations"])
for k in ("vpc/simulated", "curves/TIME", "curves/PRED", "curves/IPRED", "observations/PRED", "observations/IPRED"):
    x, y = a[k][()], b[k][()]
    check(x.dtype == np.float64 and x.shape == y.shape and np.array_equal(x.view(np.uint64), y.view(np.uint64)),
          f"/{k} {x.shape} bitwise identical at {a.attrs['n_ranks']} and {b.attrs['n_ranks']} ranks")
s = a["vpc/simulated"][()]
check(s.shape == (R, T), f"/vpc/simulated has shape [{R}, {T}]: {s.shape}")
check(int(a["vpc"].attrs["replicates"]) == R and int(a["vpc"].attrs["n_failed"]) == 0 and int(a["vpc"].attrs["seed"]) == int(a.attrs["seed"]),
      "/vpc attributes replicates, n_failed = 0, seed = -saem_seed")
check(bool(np.isfinite(s).all()), "every simulated value is finite")
check(len(np.unique(s[:, 0])) == R, "the replicates differ from each other")
pred, dv = a["observations/PRED"][()], a["observations/DV"][()]
q5, q50, q95 = np.percentile(s, [5, 50, 95], axis=0)
dev = np.abs(q50 - pred) / (q95 - q5)
check(dev.max() < 0.3 and dev.mean() < 0.12, f"median of the replicates near PRED: max |median - PRED| / (q95 - q5) = {dev.max():.3f} (< 0.3), mean {dev.mean():.3f} (< 0.12)")
cover = np.mean((dv >= q5) & (dv <= q95))
check(0.75 <= cover <= 0.98, f"observations inside the simulated 90% intervals: {cover:.3f} (0.75 .. 0.98)")
below = np.mean(s < pred)
check(0.42 <= below <= 0.58, f"simulated values below PRED: {below:.3f} (0.42 .. 0.58)")
# curves: the grid ends at each subject's last observation time, where they equal PRED and IPRED
ids, oid, ot = a["individuals/ID"][()], a["observations/ID"][()], a["observations/TIME"][()]
ct, cp, ci = a["curves/TIME"][()], a["curves/PRED"][()], a["curves/IPRED"][()]
worst = 0.0
for i, sid in enumerate(ids):
    m = oid == sid
    j = np.argmax(ot[m])
    ok = ct[i, -1] == ot[m][j] and ct[i, 0] <= 0 and np.all(np.diff(ct[i]) > 0)
    worst = max(worst, abs(ci[i, -1] - a["observations/IPRED"][()][m][j]) / abs(ci[i, -1]), abs(cp[i, -1] - pred[m][j]) / abs(cp[i, -1]))
    if not ok:
        break
check(ok and worst < 1e-9, f"/curves: increasing grids from t <= 0 to the last observation, PRED and IPRED equal there (rel. diff {worst:.1e})")
if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
print("VPC simulations and curves: all checks passed")
