#!/usr/bin/env bash
# expect-error.sh [--success] REGEX CMD [ARGS...]
#
# Runs CMD and checks how it fails: the exit status is non-zero, and its standard error holds exactly one
# line, which matches the extended regular expression REGEX.  With --success the exit status must be 0
# instead (for one-line warnings).  Open MPI help blocks (between lines of dashes) are not counted.
#
# Two ways to use it with MPI:
#   expect-error.sh REGEX mpiexec -n 2 pnlme-data ...   (the script runs the whole job)
#   mpiexec -n 2 bash expect-error.sh REGEX pnlme-data ...   (pnlme_add_test: one script per rank; the
#     command joins the job as that rank; rank 0 must print the line, the other ranks nothing)
set -u
mode=fail
if [ "${1:-}" = "--success" ]; then
  mode=success
  shift
fi
if [ $# -lt 2 ]; then
  echo "usage: $0 [--success] REGEX CMD [ARGS...]" >&2
  exit 2
fi
regex=$1
shift
rank=${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-${PMI_RANK:-0}}}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$@" >"$tmp/out" 2>"$tmp/err"
status=$?

# drop Open MPI help blocks: a line of dashes opens a block, the next one closes it
awk '/^--------------------+$/ { inblock = !inblock; next } !inblock' "$tmp/err" >"$tmp/lines"
nlines=$(grep -c '' "$tmp/lines")

report() {
  local msg=$1
  shift
  echo "expect-error: $msg" >&2
  echo "  command: $*" >&2
  echo "  exit status: $status, rank: $rank" >&2
  echo "--- stderr" >&2
  cat "$tmp/err" >&2
  echo "--- stdout" >&2
  cat "$tmp/out" >&2
  exit 1
}

if [ "$mode" = fail ] && [ "$status" -eq 0 ]; then
  report "expected a non-zero exit status" "$@"
fi
if [ "$mode" = success ] && [ "$status" -ne 0 ]; then
  report "expected exit status 0" "$@"
fi
if [ "$rank" != 0 ]; then
  [ "$nlines" -eq 0 ] || report "rank $rank printed $nlines line(s) on stderr, expected none" "$@"
  exit 0
fi
[ "$nlines" -eq 1 ] || report "expected exactly one line on stderr, got $nlines" "$@"
grep -Eq -- "$regex" "$tmp/lines" || report "stderr does not match: $regex" "$@"
echo "ok: $(cat "$tmp/lines")"
exit 0
