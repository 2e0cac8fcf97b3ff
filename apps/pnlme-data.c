/* pnlme-data: reads and validates a NONMEM-style dataset collectively and prints its summary.
   mpirun -n 2 pnlme-data -data_file input/theophylline/theo_sd.csv -data_covariates WT:log,SEX:cat [-model NAME | -model_file PATH] */
#include <pnlme.h>

static const char help[] = "Reads, validates and summarises a NONMEM-style dataset.\n"
                           "  -data_file PATH -data_columns DV=CONC,... -data_covariates WT:log,SEX:cat\n"
                           "  -data_partition_view   print the partition of subjects over ranks\n"
                           "  -model NAME | -model_plugin PATH | -model_file PATH   check doses and observations against a model\n";

static PetscErrorCode Run(void)
{
  PnlmeData  data;
  PnlmeModel model = NULL;
  PetscBool  hasmodel, hasplugin, hasfile;

  PetscFunctionBegin;
  PetscCall(PnlmeDataCreate(PETSC_COMM_WORLD, &data));
  PetscCall(PnlmeDataSetFromOptions(data));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-model", &hasmodel));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-model_plugin", &hasplugin));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-model_file", &hasfile));
  if (hasmodel || hasplugin || hasfile) {
    PetscCall(PnlmeModelCreate(PETSC_COMM_WORLD, &model));
    PetscCall(PnlmeModelSetFromOptions(model));
    PetscCall(PnlmeModelSetUp(model));
    PetscCall(PnlmeDataSetModel(data, model));
  }
  PetscCall(PnlmeOptionsCheckUnused(PETSC_COMM_WORLD, PETSC_FALSE)); /* every option given is one this run reads */
  PetscCall(PnlmeDataLoad(data));
  PetscCall(PnlmeDataView(data, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PnlmeDataDestroy(&data));
  PetscCall(PnlmeModelDestroy(&model));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMainOptions(argc, argv, help, "data,model,ode", Run);
}
