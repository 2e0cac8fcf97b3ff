#!/usr/bin/env bash
# Simulates a cohort, then fits it: sim-then-fit.sh NP SIMULATOR "sim args" FIT-PROGRAM fit args...
# The cohort goes to a temporary file passed to both as -sim_output / -data_file.
set -euo pipefail
np=$1 sim=$2 simargs=$3; shift 3
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
run() { "${MPIEXEC:-mpiexec}" --allow-run-as-root --oversubscribe -n "$np" "$@"; }
# shellcheck disable=SC2086
run "$sim" $simargs -sim_output "$dir/cohort.csv" > "$dir/sim.log" || { cat "$dir/sim.log"; exit 1; }
run "$@" -data_file "$dir/cohort.csv"
