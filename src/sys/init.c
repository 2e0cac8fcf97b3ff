/* Library initialisation: log class, log events, built-in model registry. */
#include <pnlmesys.h>
#include "model/modelimpl.h"

PetscClassId  PNLME_CLASSID;
PetscLogEvent PNLME_DataRead, PNLME_DataPartition, PNLME_ModelPredict, PNLME_Simulate, PNLME_SimWrite;
PetscLogEvent PNLME_EStep, PNLME_MStep, PNLME_NonCentred, PNLME_FitMAP, PNLME_FitLinearize, PNLME_FitIS, PNLME_FitOutput, PNLME_FitCheckpoint;
PetscLogEvent PNLME_FitVPC, PNLME_VEMEStep, PNLME_VEMMStep;
PetscLogStage PNLME_StageSAEM, PNLME_StageVEM, PNLME_StageLikelihood, PNLME_StageOutput;
static PetscBool PnlmeInitialized = PETSC_FALSE;

/* the option tables of the objects (their files), in the order -help lists them */
PETSC_INTERN PetscErrorCode PnlmeDataRegisterOptions(void);
PETSC_INTERN PetscErrorCode PnlmeModelRegisterOptions(void);
PETSC_INTERN PetscErrorCode PnlmeODERegisterOptions(void);
PETSC_INTERN PetscErrorCode PnlmeSimRegisterOptions(void);
PETSC_INTERN PetscErrorCode PnlmeFitRegisterOptions(void);
PETSC_INTERN PetscErrorCode PnlmeFitRegisterOptions_VEM(void);
PETSC_INTERN PetscErrorCode PnlmeFitRegisterOptions_VPC(void);
PETSC_INTERN PetscErrorCode PnlmeCovSelectRegisterOptions(void);
PETSC_INTERN PetscErrorCode PnlmeSubsetRegisterOptions(void);
PETSC_INTERN PetscErrorCode PnlmeErrorModelRegisterAll(void); /* src/pop/errormodel.c */
PETSC_INTERN PetscErrorCode PnlmeFitRegisterAll(void);        /* src/fit/interface/fit.c */

PetscErrorCode PnlmeInitialize(void)
{
  PetscFunctionBegin;
  if (PnlmeInitialized) PetscFunctionReturn(0);
  PnlmeInitialized = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("pnlme", &PNLME_CLASSID));
  PetscCall(PetscLogEventRegister("PnlmeDataRead", PNLME_CLASSID, &PNLME_DataRead));
  PetscCall(PetscLogEventRegister("PnlmeDataPartit", PNLME_CLASSID, &PNLME_DataPartition));
  PetscCall(PetscLogEventRegister("PnlmeModelPred", PNLME_CLASSID, &PNLME_ModelPredict));
  PetscCall(PetscLogEventRegister("PnlmeSimulate", PNLME_CLASSID, &PNLME_Simulate));
  PetscCall(PetscLogEventRegister("PnlmeSimWrite", PNLME_CLASSID, &PNLME_SimWrite));
  PetscCall(PetscLogEventRegister("PnlmeEStep", PNLME_CLASSID, &PNLME_EStep));
  PetscCall(PetscLogEventRegister("PnlmeMStep", PNLME_CLASSID, &PNLME_MStep));
  PetscCall(PetscLogEventRegister("PnlmeNonCentred", PNLME_CLASSID, &PNLME_NonCentred));
  PetscCall(PetscLogEventRegister("PnlmeFitMAP", PNLME_CLASSID, &PNLME_FitMAP));
  PetscCall(PetscLogEventRegister("PnlmeFitLinear", PNLME_CLASSID, &PNLME_FitLinearize));
  PetscCall(PetscLogEventRegister("PnlmeFitIS", PNLME_CLASSID, &PNLME_FitIS));
  PetscCall(PetscLogEventRegister("PnlmeFitOutput", PNLME_CLASSID, &PNLME_FitOutput));
  PetscCall(PetscLogEventRegister("PnlmeFitCheckpt", PNLME_CLASSID, &PNLME_FitCheckpoint));
  PetscCall(PetscLogEventRegister("PnlmeFitVPC", PNLME_CLASSID, &PNLME_FitVPC));
  PetscCall(PetscLogEventRegister("PnlmeVEMEStep", PNLME_CLASSID, &PNLME_VEMEStep));
  PetscCall(PetscLogEventRegister("PnlmeVEMMStep", PNLME_CLASSID, &PNLME_VEMMStep));
  PetscCall(PetscLogStageRegister("SAEM iterations", &PNLME_StageSAEM));
  PetscCall(PetscLogStageRegister("VEM iterations", &PNLME_StageVEM));
  PetscCall(PetscLogStageRegister("Likelihood", &PNLME_StageLikelihood));
  PetscCall(PetscLogStageRegister("Output", &PNLME_StageOutput));
  PetscCall(PnlmeDataRegisterOptions());
  PetscCall(PnlmeModelRegisterOptions());
  PetscCall(PnlmeODERegisterOptions());
  PetscCall(PnlmeSimRegisterOptions());
  PetscCall(PnlmeFitRegisterOptions());
  PetscCall(PnlmeFitRegisterOptions_VEM());
  PetscCall(PnlmeFitRegisterOptions_VPC());
  PetscCall(PnlmeCovSelectRegisterOptions());
  PetscCall(PnlmeSubsetRegisterOptions());
  PetscCall(PnlmeErrorModelRegisterAll());
  PetscCall(PnlmeFitRegisterAll());
  PetscCall(PnlmeModelRegisterPK());
  PetscCall(PnlmeModelRegisterODEModels());
  PetscCall(PetscRegisterFinalize(PnlmeFinalize));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode PnlmeModelListDestroy(void);
PETSC_INTERN PetscErrorCode PnlmeFitListDestroy(void);

PetscErrorCode PnlmeFinalize(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelListDestroy());
  PetscCall(PnlmeFitListDestroy());
  PetscCall(PnlmeOptionsFinalize());
  PnlmeInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}
