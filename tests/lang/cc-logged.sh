#!/usr/bin/env bash
# A C compiler that logs each compilation (not --version) to $PNLME_CC_LOG, then runs cc; with
# PNLME_CC_FAIL=1 every compilation fails (as a compiler error would).
if [ "${1:-}" != "--version" ]; then
  echo "compile $$" >> "${PNLME_CC_LOG:-/dev/null}"
  if [ "${PNLME_CC_FAIL:-0}" = 1 ]; then
    echo "model.c:1:1: error: simulated compiler failure" >&2
    exit 1
  fi
fi
exec cc "$@"
