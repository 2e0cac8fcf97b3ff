#!/usr/bin/env bash
# Installs what is missing and builds pnlme into build/ (Release, warnings as errors in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
werror=OFF; [ "${CI:-}" = "true" ] && werror=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPNLME_WERROR=${PNLME_WERROR:-$werror} >/dev/null
cmake --build build -j "$(nproc)"
