#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (ctest, MPI tests at 1 and 2 ranks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd build && ctest --output-on-failure --timeout 600 "$@"
