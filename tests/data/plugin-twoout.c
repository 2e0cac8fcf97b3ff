/* A test model with one dosing compartment (CMT 1) and two outputs (CMT 1 and CMT 2), loaded with
   -model_plugin: the data layer must reject observations of other compartments and doses elsewhere. */
#include <pnlme.h>

static int TwoOutPredict(const PnlmeSubject *s, const PetscReal p[], PetscReal pred[], PetscReal sens[], void *ctx)
{
  (void)ctx;
  for (PetscInt j = 0; j < s->nobs; j++) {
    pred[j] = p[0];
    if (sens) sens[j] = 1.0;
  }
  return 0;
}

static PetscErrorCode TwoOutCreate(PnlmeModel m)
{
  const char *const    names[] = {"A"};
  const PnlmeTransform tr[]    = {PNLME_TRANSFORM_LOG};
  PnlmeModelOps        ops     = {0};

  PetscFunctionBegin;
  PetscCall(PnlmeModelSetDescription(m, "test model: dose CMT 1, outputs CMT 1 and 2"));
  PetscCall(PnlmeModelSetParameters(m, 1, names, tr));
  PetscCall(PnlmeModelSetNumStates(m, 1));
  PetscCall(PnlmeModelAddDoseCompartment(m, 1, 0));
  PetscCall(PnlmeModelAddOutput(m, "first", 1));
  PetscCall(PnlmeModelAddOutput(m, "second", 2));
  ops.predict = TwoOutPredict;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_CLOSED_FORM, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}

PETSC_EXTERN PetscErrorCode PnlmeModelPluginRegister(void);
PetscErrorCode PnlmeModelPluginRegister(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelRegister("test_twoout", TwoOutCreate));
  PetscFunctionReturn(0);
}
