#!/usr/bin/env bash
# pnlme-plot on bad input: one line `pnlme-plot: error: ...` naming the file or option, exit status 1
#   usage: plot-bad-input.sh <pnlme-plot> <expect-error.sh>
set -euo pipefail
plot=$1
expect=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "not hdf5" > "$dir/notes.txt"
/usr/bin/python3 -c "import h5py; f = h5py.File('$dir/other.h5', 'w'); f.attrs['format'] = 'something'"
/usr/bin/python3 -c "import h5py; f = h5py.File('$dir/partial.h5', 'w'); f.attrs['format'] = 'pnlme-results'; f['history/values'] = [[1.0]]"
mkdir "$dir/emptydir"
bash "$expect" "^pnlme-plot: error: $dir/missing.h5: no such file$" "$plot" "$dir/missing.h5"
bash "$expect" "^pnlme-plot: error: $dir/emptydir/results.h5: no such file$" "$plot" "$dir/emptydir"
bash "$expect" "^pnlme-plot: error: $dir/notes.txt: not a readable HDF5 file" "$plot" "$dir/notes.txt"
bash "$expect" "^pnlme-plot: error: $dir/other.h5: not a pnlme results file" "$plot" "$dir/other.h5"
bash "$expect" "^pnlme-plot: error: $dir/partial.h5: no dataset /history/parameter$" "$plot" "$dir/partial.h5"
bash "$expect" "^pnlme-plot: error: option --bins: must be at least 1$" "$plot" --bins 0 "$dir/missing.h5"
bash "$expect" "^pnlme-plot: error: argument --subjects: invalid int value: 'x'$" "$plot" --subjects x "$dir/missing.h5"
bash "$expect" "^pnlme-plot: error: the following arguments are required: RESULTS$" "$plot"
bash "$expect" "^pnlme-plot: error: unrecognized arguments: --colour" "$plot" --colour x "$dir/missing.h5"
# the exit status is exactly 1
set +e
"$plot" "$dir/missing.h5" 2>/dev/null
st=$?
set -e
[ "$st" = 1 ] || { echo "exit status $st, expected 1"; exit 1; }
# -h documents the usage and the pictures, exit 0
"$plot" -h > "$dir/help"
grep -q "usage: pnlme-plot \[options\] RESULTS" "$dir/help" || { echo "-h: no usage line"; exit 1; }
for w in convergence.png obs_vs_pred.png residuals.png individual_fits.png vpc.png --log --subjects --bins -o; do
  grep -q -- "$w" "$dir/help" || { echo "-h does not mention $w"; exit 1; }
done
echo "pnlme-plot: bad input gives one-line errors, -h documents the usage"
