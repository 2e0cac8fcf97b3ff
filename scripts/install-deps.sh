#!/usr/bin/env bash
# Installs exactly the Debian 12 packages pnlme needs that are missing; a no-op when all are there.
set -euo pipefail
pkgs=(build-essential cmake pkg-config openmpi-bin libopenmpi-dev libpetsc-real3.18-dev libsundials-dev
      libscalapack-openmpi-dev libhdf5-openmpi-dev hdf5-tools librandom123-dev libyaml-dev
      python3 python3-numpy python3-h5py python3-matplotlib)   # Python: scripts/pnlme-plot, scripts/collect-scaling
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
