#!/usr/bin/env bash
# The main job: installs what is missing, builds, simulates the 2425-subject neonatal cohort on 2 MPI
# ranks, reads it back (validation, covariates, partition) and fits the theophylline case by SAEM.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p out
mpirun --oversubscribe -n 2 build/apps/pnlme-simulate -options_file_yaml input/neonates/cohort2425.yaml -sim_output out/cohort2425.csv "$@"
mpirun --oversubscribe -n 2 build/apps/pnlme-data -data_file out/cohort2425.csv -model neonate \
  -data_covariates SEX:cat,DELM:cat,PARA2:cat,GA:log,MAGE:log -data_partition_view
# and the population fit of the theophylline case (SAEM, WT on ka and V) on 2 ranks
mpirun --oversubscribe -n 2 build/apps/pnlme-fit -options_file_yaml input/theophylline/saem_wt.yaml -output_dir out/theo_wt
