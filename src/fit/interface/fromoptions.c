/* The pipeline data -> model -> fit assembled from the options database. */
#include "fit/fitimpl.h"

/* the model (-model ...) and the data loaded for it (-data_...), as the caller's references */
PetscErrorCode PnlmeFitLoadFromOptions(MPI_Comm comm, PnlmeModel *model, PnlmeData *data)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelCreate(comm, model));
  PetscCall(PnlmeModelSetFromOptions(*model));
  PetscCall(PnlmeModelSetUp(*model));
  PetscCall(PnlmeDataCreate(comm, data));
  PetscCall(PnlmeDataSetModel(*data, *model));
  PetscCall(PnlmeDataSetFromOptions(*data));
  PetscCall(PnlmeDataLoad(*data));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitCreateFromOptions(MPI_Comm comm, PnlmeFit *fit)
{
  PnlmeModel model;
  PnlmeData  data;
  PetscFunctionBegin;
  PetscCall(PnlmeFitLoadFromOptions(comm, &model, &data));
  PetscCall(PnlmeFitCreate(comm, fit));
  PetscCall(PnlmeFitSetData(*fit, data));
  PetscCall(PnlmeFitSetModel(*fit, model));
  PetscCall(PnlmeFitSetFromOptions(*fit));
  PetscCall(PnlmeDataDestroy(&data)); /* the fit holds the references now */
  PetscCall(PnlmeModelDestroy(&model));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetData(PnlmeFit fit, PnlmeData *data)
{
  PetscFunctionBegin;
  *data = fit->data;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetModel(PnlmeFit fit, PnlmeModel *model)
{
  PetscFunctionBegin;
  *model = fit->model;
  PetscFunctionReturn(0);
}
