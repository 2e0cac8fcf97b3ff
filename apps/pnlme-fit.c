/* pnlme-fit: fit a population model by SAEM.
     mpirun -n P pnlme-fit -options_file_yaml input/<case>/<name>.yaml -output_dir DIR */
#include <pnlme.h>

static PetscErrorCode Run(void)
{
  PnlmeFit       fit;
  PetscLogDouble t0, t1;
  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PnlmeFitCreateFromOptions(PETSC_COMM_WORLD, &fit));
  PetscCall(PnlmeFitSolve(fit));
  PetscCall(PnlmeFitView(fit, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PetscTime(&t1));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "wall time: %.3f s\n", (double)(t1 - t0)));
  PetscCall(PnlmeFitDestroy(&fit));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "pnlme-fit: population fit by SAEM (options: -help)\n", Run);
}
