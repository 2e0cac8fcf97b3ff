/* pnlme-fit: fit a population model by SAEM or VEM, with covariate selection on request.
     mpirun -n P pnlme-fit -options_file_yaml input/<case>/<name>.yaml -output_dir DIR
     ... -covariates_select bicc|scm   (docs/selection.md) */
#include <pnlme.h>

static PetscErrorCode Run(void)
{
  PnlmeCovSelect cs;
  PetscLogDouble t0, t1;
  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PnlmeCovSelectCreateFromOptions(PETSC_COMM_WORLD, &cs));
  PetscCall(PnlmeOptionsCheckUnused(PETSC_COMM_WORLD, PETSC_FALSE)); /* every option given is one this run reads */
  PetscCall(PnlmeCovSelectSolve(cs));
  PetscCall(PnlmeCovSelectView(cs, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PetscTime(&t1));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "wall time: %.3f s\n", (double)(t1 - t0)));
  PetscCall(PnlmeCovSelectDestroy(&cs));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMainOptions(argc, argv, "pnlme-fit: population fit by SAEM, VEM, FOCEI or Laplace, covariate selection (options: -help)\n", "data,model,ode,fit,saem,vem,focei,lik,vpc,covariates,subset", Run);
}
