/* A plugin whose PnlmeModelPluginRegister fails: with a bare nonzero return (as a plugin not written
   with PETSc's macros would), or, with -failing_register_rank R, only on rank R of PETSC_COMM_WORLD
   (the load must still fail on every rank with the same line). */
#include <pnlme.h>

PETSC_EXTERN PetscErrorCode PnlmeModelPluginRegister(void)
{
  PetscInt    rank = -1;
  PetscMPIInt r;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-failing_register_rank", &rank, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &r));
  if (rank >= 0 && rank != r) PetscFunctionReturn(0); /* registers nothing: only the failing rank's code counts */
  return 3;
}
