/* Library initialisation: log class, log events, built-in model registry. */
#include <pnlmesys.h>
#include "model/modelimpl.h"

PetscClassId  PNLME_CLASSID;
PetscLogEvent PNLME_DataRead, PNLME_DataPartition, PNLME_ModelPredict, PNLME_ODESolve, PNLME_Simulate, PNLME_SimWrite;
static PetscBool PnlmeInitialized = PETSC_FALSE;

PetscErrorCode PnlmeInitialize(void)
{
  PetscFunctionBegin;
  if (PnlmeInitialized) PetscFunctionReturn(0);
  PnlmeInitialized = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("pnlme", &PNLME_CLASSID));
  PetscCall(PetscLogEventRegister("PnlmeDataRead", PNLME_CLASSID, &PNLME_DataRead));
  PetscCall(PetscLogEventRegister("PnlmeDataPartit", PNLME_CLASSID, &PNLME_DataPartition));
  PetscCall(PetscLogEventRegister("PnlmeModelPred", PNLME_CLASSID, &PNLME_ModelPredict));
  PetscCall(PetscLogEventRegister("PnlmeODESolve", PNLME_CLASSID, &PNLME_ODESolve));
  PetscCall(PetscLogEventRegister("PnlmeSimulate", PNLME_CLASSID, &PNLME_Simulate));
  PetscCall(PetscLogEventRegister("PnlmeSimWrite", PNLME_CLASSID, &PNLME_SimWrite));
  PetscCall(PnlmeModelRegisterPK());
  PetscCall(PnlmeModelRegisterODEModels());
  PetscCall(PetscRegisterFinalize(PnlmeFinalize));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode PnlmeModelListDestroy(void);

PetscErrorCode PnlmeFinalize(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelListDestroy());
  PnlmeInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}
