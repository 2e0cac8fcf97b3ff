/* The built-in closed-form PK models: one table entry per model, one create function per name. */
#include "model/pk/pk.h"

/* clang-format off */
static const PnlmePKModel PKModels[] = {
  {"pk1_iv_cl", "one compartment, IV bolus/infusion into CMT 1, C = A1/V", 1, 2, {"CL", "V"}, -1, 0, 2, 0, 1, PnlmePKDisposition1CL},
  {"pk1_iv_k", "one compartment, IV bolus/infusion into CMT 1, C = A1/V", 1, 2, {"k", "V"}, -1, 0, 2, 0, 1, PnlmePKDisposition1K},
  {"pk1_oral_cl", "one compartment, first-order absorption from depot CMT 1 (IV doses into CMT 2 allowed), C = A2/V", 2, 3, {"ka", "CL", "V"}, 0, 1, 2, 1, 2, PnlmePKDisposition1CL},
  {"pk1_oral_k", "one compartment, first-order absorption from depot CMT 1 (IV doses into CMT 2 allowed), C = A2/V", 2, 3, {"ka", "k", "V"}, 0, 1, 2, 1, 2, PnlmePKDisposition1K},
  {"pk1_oral_ke", "one compartment, first-order absorption from depot CMT 1 (IV doses into CMT 2 allowed), C = A2/V (theophylline)", 2, 3, {"ka", "ke", "V"}, 0, 1, 2, 1, 2, PnlmePKDisposition1K},
  {"pk2_iv_cl", "two compartments, IV bolus/infusion into central CMT 1, peripheral CMT 2, C = A1/V1", 2, 4, {"CL", "V1", "Q", "V2"}, -1, 0, 4, 0, 1, PnlmePKDisposition2CL},
  {"pk2_iv_k", "two compartments, IV bolus/infusion into central CMT 1, peripheral CMT 2, C = A1/V1", 2, 4, {"k", "V1", "k12", "k21"}, -1, 0, 4, 0, 1, PnlmePKDisposition2K},
  {"pk2_oral_cl", "two compartments, first-order absorption from depot CMT 1 (IV doses into CMT 2 allowed), central CMT 2, peripheral CMT 3, C = A2/V1", 3, 5, {"ka", "CL", "V1", "Q", "V2"}, 0, 1, 4, 1, 2, PnlmePKDisposition2CL},
  {"pk2_oral_k", "two compartments, first-order absorption from depot CMT 1 (IV doses into CMT 2 allowed), central CMT 2, peripheral CMT 3, C = A2/V1", 3, 5, {"ka", "k", "V1", "k12", "k21"}, 0, 1, 4, 1, 2, PnlmePKDisposition2K},
};
/* clang-format on */

static PetscErrorCode PKCreate(PnlmeModel m, PetscInt which)
{
  const PnlmePKModel *def = &PKModels[which];
  PnlmeTransform      tr[PNLME_PK_MAXPAR];
  PnlmeModelOps       ops;
  PnlmePKContext     *cx;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&ops, sizeof(ops)));
  for (PetscInt i = 0; i < def->np; i++) tr[i] = PNLME_TRANSFORM_LOG;
  PetscCall(PnlmeModelSetDescription(m, def->description));
  PetscCall(PnlmeModelSetParameters(m, def->np, def->pnames, tr));
  PetscCall(PnlmeModelSetNumStates(m, def->ncmt));
  if (def->depotcmt > 0) {
    PetscCall(PnlmeModelAddDoseCompartment(m, def->depotcmt, 0));
    PetscCall(PnlmeModelAddDoseCompartment(m, def->centralcmt, 1));
  } else {
    PetscCall(PnlmeModelAddDoseCompartment(m, def->centralcmt, 0));
  }
  PetscCall(PnlmeModelAddOutput(m, "C", def->centralcmt));
  ops.predict = PnlmePKPredict;
  PetscCall(PnlmePKContextCreate(def, &cx));
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_CLOSED_FORM, &ops, cx, PnlmePKContextDestroy));
  PetscCall(PnlmeModelSetPredictDose(m, PnlmePKPredictDose));
  PetscCall(PnlmeModelSetSteadyState(m, PETSC_TRUE));
  PetscCall(PnlmeModelSetPredictBatch(m, PnlmePKPredictMany, PnlmePKHold));
  PetscCall(PnlmeModelSetPredictBatchSens(m, PnlmePKPredictManySens, PnlmePKPredictManyDoseSens));
  PetscFunctionReturn(0);
}

#define PK_CREATE(i) \
  static PetscErrorCode PKCreate##i(PnlmeModel m) \
  { \
    PetscFunctionBegin; \
    PetscCall(PKCreate(m, i)); \
    PetscFunctionReturn(0); \
  }
PK_CREATE(0)
PK_CREATE(1)
PK_CREATE(2)
PK_CREATE(3)
PK_CREATE(4)
PK_CREATE(5)
PK_CREATE(6)
PK_CREATE(7)
PK_CREATE(8)

PetscErrorCode PnlmeModelRegisterPK(void)
{
  const PnlmeModelCreateFn fns[] = {PKCreate0, PKCreate1, PKCreate2, PKCreate3, PKCreate4, PKCreate5, PKCreate6, PKCreate7, PKCreate8};

  PetscFunctionBegin;
  PetscCheck(sizeof(fns) / sizeof(fns[0]) == sizeof(PKModels) / sizeof(PKModels[0]), PETSC_COMM_SELF, PETSC_ERR_PLIB, "PK model table and create functions differ in size");
  for (size_t i = 0; i < sizeof(PKModels) / sizeof(PKModels[0]); i++) PetscCall(PnlmeModelRegister(PKModels[i].name, fns[i]));
  PetscFunctionReturn(0);
}
