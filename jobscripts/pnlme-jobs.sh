# Shared by the job scripts of this directory (sourced, not run): launching MPI under SLURM, PBS or
# locally, simulating a cohort, and one timed fit whose log collect-scaling reads.  docs/user-guide.md
#
# Every timed fit writes RUNDIR/<study>_N<subjects>_np<ranks>.log: a first line
#   # pnlme-run study=<strong|weak|single> subjects=<N> ranks=<P> case=<yaml> host=<host> date=<ISO date>
# then pnlme-fit's stdout with -log_view (the `wall time: <s> s` line and the stage table).
# scripts/collect-scaling turns a directory of such logs into scaling.csv, speedup.png and efficiency.png.

pnlme_die() {
  echo "$(basename "${PNLME_JOB:-job}"): error: $*" >&2
  exit 1
}

# pnlme_setup SCHEDULER: SCHEDULER is slurm or pbs; PNLME_LOCAL=1 runs everything with a local mpirun
# instead (scheduler directives are then mere comments).  Sets PNLME_BIN and the launcher.
pnlme_setup() {
  PNLME_SCHED=$1
  [ "${PNLME_LOCAL:-0}" = 1 ] && PNLME_SCHED=local
  PNLME_BIN=${PNLME_BIN:-$PNLME/build/apps}
  for b in pnlme-fit pnlme-simulate; do
    [ -x "$PNLME_BIN/$b" ] || pnlme_die "PNLME_BIN=$PNLME_BIN: no executable $b (set PNLME to the built pnlme tree, or PNLME_BIN)"
  done
  PNLME_PYTHON=${PNLME_PYTHON:-/usr/bin/python3}
  case $PNLME_SCHED in
    slurm) PNLME_MAXRANKS=${SLURM_NTASKS:-${SLURM_NPROCS:-1}} ;;
    pbs)   PNLME_MAXRANKS=$( [ -n "${PBS_NODEFILE:-}" ] && wc -l < "$PBS_NODEFILE" || echo 1) ;;
    local) PNLME_MAXRANKS=${PNLME_LOCAL_MAXRANKS:-1024} ;;
    *)     pnlme_die "unknown scheduler '$PNLME_SCHED'" ;;
  esac
}

# pnlme_launch NP CMD ARGS...: CMD on NP MPI ranks
pnlme_launch() {
  local np=$1
  shift
  case $PNLME_SCHED in
    slurm) srun --ntasks="$np" ${SRUN_FLAGS:-} "$@" ;;
    # shellcheck disable=SC2086
    pbs)   ${MPIRUN:-mpirun} -n "$np" ${MPIRUN_FLAGS:-} "$@" ;;
    local)
      local root=()
      [ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
      # shellcheck disable=SC2086
      OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ${MPIRUN:-mpirun} "${root[@]}" --oversubscribe -n "$np" ${MPIRUN_FLAGS:-} "$@" ;;
  esac
}

# pnlme_ranks LIST: the rank counts of LIST that the allocation holds (a note for the others)
pnlme_ranks() {
  local r out=()
  for r in $1; do
    [[ $r =~ ^[1-9][0-9]*$ ]] || pnlme_die "RANKS: '$r' is not a positive integer"
    if [ "$r" -le "$PNLME_MAXRANKS" ]; then out+=("$r"); else echo "note: skipping $r ranks (the allocation has $PNLME_MAXRANKS)" >&2; fi
  done
  [ ${#out[@]} -gt 0 ] || pnlme_die "RANKS: none of '$1' fits the allocation of $PNLME_MAXRANKS ranks"
  echo "${out[@]}"
}

# pnlme_simulate N NP CSV: a cohort of N subjects from SIM_CASE (seed SIM_SEED) into CSV
pnlme_simulate() {
  local n=$1 np=$2 csv=$3
  [[ $n =~ ^[1-9][0-9]*$ ]] || pnlme_die "cohort size '$n' is not a positive integer"
  echo "== simulating $n subjects on $np ranks -> $csv"
  # shellcheck disable=SC2086
  pnlme_launch "$np" "$PNLME_BIN/pnlme-simulate" -options_file_yaml "$SIM_CASE" -sim_subjects "$n" \
    -sim_seed "${SIM_SEED:-1000000}" -sim_output "$csv" ${SIM_OPTS:-} || pnlme_die "pnlme-simulate failed ($n subjects, $np ranks)"
}

# pnlme_timed_fit STUDY N NP CSV: one fit of CSV on NP ranks with FIT_CASE and FIT_OPTS; log in RUNDIR
pnlme_timed_fit() {
  local study=$1 n=$2 np=$3 csv=$4
  local tag="${study}_N${n}_np${np}"
  local log="$RUNDIR/$tag.log"
  echo "== fit: $study scaling, $n subjects, $np ranks -> $log"
  echo "# pnlme-run study=$study subjects=$n ranks=$np case=$(basename "$FIT_CASE") host=$(hostname) date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$log"
  # shellcheck disable=SC2086
  pnlme_launch "$np" "$PNLME_BIN/pnlme-fit" -options_file_yaml "$FIT_CASE" -data_file "$csv" ${FIT_OPTS:-} \
    -output_dir "$RUNDIR/$tag" -log_view >> "$log" 2>&1 || { tail -5 "$log" >&2; pnlme_die "pnlme-fit failed, see $log"; }
  grep "^wall time:" "$log" || pnlme_die "no 'wall time:' line in $log"
  [ "${KEEP_RESULTS:-0}" = 1 ] || rm -rf "${RUNDIR:?}/$tag"
}

# pnlme_collect: scaling.csv, speedup.png, efficiency.png of RUNDIR
pnlme_collect() {
  if [ "${COLLECT:-1}" = 1 ]; then
    "$PNLME_PYTHON" "$PNLME/scripts/collect-scaling" -o "$RUNDIR" "$RUNDIR" || pnlme_die "collect-scaling failed"
  fi
}
