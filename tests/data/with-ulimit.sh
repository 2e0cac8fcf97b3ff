#!/usr/bin/env bash
# with-ulimit.sh KB CMD [ARGS...]: runs CMD with its virtual memory limited to KB kilobytes (ulimit -v), so
# that an allocation beyond it fails as it would on a machine without that memory.  An AddressSanitizer
# build reserves far more address space than any such limit: the check is skipped there (exit 0).
for arg in "${@:2}"; do
  if [ -f "$arg" ] && [ -x "$arg" ] && ldd "$arg" 2>/dev/null | grep -q libasan; then
    echo "with-ulimit: skipped ($arg is built with AddressSanitizer)"
    exit 0
  fi
done
ulimit -v "$1" || exit 2
shift
exec "$@"
