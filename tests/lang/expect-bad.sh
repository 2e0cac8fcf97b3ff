#!/usr/bin/env bash
# expect-bad.sh FILE CMD [ARGS...]: runs CMD ARGS -model_file FILE and checks, through
# tests/common/expect-error.sh, that it fails with exactly one line "PROG: error: FILE:EXPECTED", where
# EXPECTED is the text after "# expect: " on the file's first line (LINE:COLUMN: problem).
set -u
file=$1
shift
expected=$(head -n 1 "$file" | sed -n 's/^# expect: //p')
if [ -z "$expected" ]; then
  echo "expect-bad: $file has no '# expect: ' first line" >&2
  exit 2
fi
prog=$(basename "$1")
esc() { printf '%s' "$1" | sed 's/[][\.*^$(){}+?|/]/\\&/g'; }
exec bash "$(dirname "$0")/../common/expect-error.sh" "^$(esc "$prog"): error: $(esc "$file"):$(esc "$expected")\$" "$@" -model_file "$file"
