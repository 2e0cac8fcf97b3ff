#!/usr/bin/env bash
# Every job script parses (bash -n), is executable, carries its scheduler's directives and starts with
# the marked site-specific block; the shared library parses too.   usage: syntax.sh <source dir>
set -euo pipefail
src=$1
n=0
for f in "$src"/jobscripts/*.slurm "$src"/jobscripts/*.pbs "$src"/jobscripts/pnlme-jobs.sh; do
  bash -n "$f" || { echo "FAIL bash -n $f"; exit 1; }
  case $f in
    *.slurm) grep -q '^#SBATCH --ntasks=' "$f" || { echo "FAIL $f: no #SBATCH --ntasks"; exit 1; }
             grep -q '^#SBATCH --partition=.*# SITE' "$f" || { echo "FAIL $f: partition not marked SITE"; exit 1; } ;;
    *.pbs)   grep -q '^#PBS -l select=' "$f" || { echo "FAIL $f: no #PBS -l select"; exit 1; }
             grep -q '^##PBS -A .*# SITE' "$f" || { echo "FAIL $f: account not marked SITE"; exit 1; } ;;
  esac
  if [[ $f != *pnlme-jobs.sh ]]; then
    [ -x "$f" ] || { echo "FAIL $f is not executable"; exit 1; }
    head -30 "$f" | grep -q "SITE-SPECIFIC SETTINGS" || { echo "FAIL $f: no SITE-SPECIFIC SETTINGS block at the top"; exit 1; }
    grep -q '^PNLME=${PNLME:-$HOME/pnlme} *# SITE' "$f" || { echo "FAIL $f: PNLME not a SITE variable"; exit 1; }
  fi
  echo "ok   $f"
  n=$((n + 1))
done
[ "$n" -ge 9 ] || { echo "FAIL only $n job scripts"; exit 1; }
echo "$n job scripts parse"
