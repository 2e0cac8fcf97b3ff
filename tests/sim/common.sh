# Sourced by the sim_* test scripts: usage <script> SIMULATE_EXE MPIEXEC SOURCE_DIR
set -eu
SIM=$1
MPIEXEC=$2
SRC=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pnlme-sim-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# run NP ARGS...: the simulator on NP ranks (summary on stdout)
run() {
  local np=$1
  shift
  "$MPIEXEC" --allow-run-as-root --oversubscribe -n "$np" "$SIM" "$@"
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# check "what" AWK_CONDITION_RESULT: the awk programs below print "ok" or a reason
expect_ok() {
  local what=$1 out=$2
  [ "$out" = ok ] || fail "$what: $out"
  echo "ok: $what"
}

# the neonatal truth of input/neonates/cohort2425.yaml
NEONATE="-options_file_yaml $SRC/input/neonates/cohort2425.yaml"
