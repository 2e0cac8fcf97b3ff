/* pnlme-fit: fit a population model by SAEM.
     mpirun -n P pnlme-fit -options_file_yaml input/<case>/<name>.yaml */
#include <pnlme.h>

static PetscErrorCode Run(void)
{
  PnlmeData      data;
  PnlmeModel     model;
  PnlmeFit       fit;
  PetscLogDouble t0, t1;
  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PnlmeModelCreate(PETSC_COMM_WORLD, &model));
  PetscCall(PnlmeModelSetFromOptions(model));
  PetscCall(PnlmeModelSetUp(model));
  PetscCall(PnlmeDataCreate(PETSC_COMM_WORLD, &data));
  PetscCall(PnlmeDataSetModel(data, model));
  PetscCall(PnlmeDataSetFromOptions(data));
  PetscCall(PnlmeDataLoad(data));
  PetscCall(PnlmeFitCreate(PETSC_COMM_WORLD, &fit));
  PetscCall(PnlmeFitSetData(fit, data));
  PetscCall(PnlmeFitSetModel(fit, model));
  PetscCall(PnlmeFitSetFromOptions(fit));
  PetscCall(PnlmeFitSolve(fit));
  PetscCall(PnlmeFitView(fit, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PetscTime(&t1));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "wall time: %.3f s\n", (double)(t1 - t0)));
  PetscCall(PnlmeFitDestroy(&fit));
  PetscCall(PnlmeDataDestroy(&data));
  PetscCall(PnlmeModelDestroy(&model));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "pnlme-fit: population fit by SAEM (options: -help)\n", Run);
}
