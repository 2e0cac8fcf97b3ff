/* A user model for pnlme in one C file: logistic growth as an ODE, and an Emax dose-response as a
   closed form.  Build it as a shared library against the public headers and load it with
       -model_plugin ./libpnlme-logistic.so -model logistic
   (see docs/plugins.md).  Only the public API (pnlme.h) is used. */
#include <pnlme.h>
#include <math.h>

/* ---- logistic growth: dN/dt = r N (1 - N/K), N(0) = N0;  parameters N0, r, K (all log-normal) */
static int LogisticRHS(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  (void)t;
  (void)ctx;
  f[0] = p[1] * x[0] * (1.0 - x[0] / p[2]);
  return 0;
}

static int LogisticInit(const PetscReal p[], PetscReal x0[], PetscReal dx0[], void *ctx)
{
  (void)ctx;
  x0[0] = p[0];
  if (dx0) { /* d x0 / d (N0, r, K) */
    dx0[0] = 1.0;
    dx0[1] = 0.0;
    dx0[2] = 0.0;
  }
  return 0;
}

static int LogisticOutput(PetscReal t, const PetscReal x[], const PetscReal p[], PetscInt iout, PetscReal *y, PetscReal dydx[], PetscReal dydp[], void *ctx)
{
  (void)t;
  (void)p;
  (void)iout;
  (void)ctx;
  *y = x[0];
  if (dydx) dydx[0] = 1.0;
  if (dydp) dydp[0] = dydp[1] = dydp[2] = 0.0;
  return 0;
}

/* No Jacobian and no df/dp are given: pnlme approximates them by finite differences. */
static PetscErrorCode LogisticCreate(PnlmeModel m)
{
  const char *const    names[] = {"N0", "r", "K"};
  const PnlmeTransform tr[]    = {PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG};
  PnlmeModelOps        ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetDescription(m, "logistic growth dN/dt = r N (1 - N/K) (plugin example)"));
  PetscCall(PnlmeModelSetParameters(m, 3, names, tr));
  PetscCall(PnlmeModelSetNumStates(m, 1));
  PetscCall(PnlmeModelAddOutput(m, "N", 1));
  ops.rhs    = LogisticRHS;
  ops.init   = LogisticInit;
  ops.output = LogisticOutput;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}

/* ---- Emax: E = E0 + Emax D / (ED50 + D), with D the sum of the doses given before the observation.
   Closed forms see the subject's timeline and fill pred (and sens) themselves. */
static int EmaxPredict(const PnlmeSubject *s, const PetscReal p[], PetscReal pred[], PetscReal sens[], void *ctx)
{
  PetscReal dose = 0.0;
  (void)ctx;
  if (p[2] <= 0) return 1;
  for (PetscInt e = 0; e < s->nev; e++) {
    const PnlmeEvent *ev = &s->ev[e];
    if (ev->type == PNLME_EV_BOLUS) dose += ev->amount;
    else if (ev->type == PNLME_EV_RESET) dose = 0.0;
    else if (ev->type == PNLME_EV_OBS) {
      PetscInt  j = ev->index;
      PetscReal q = 1.0 / (p[2] + dose);
      pred[j]     = p[0] + p[1] * dose * q;
      if (sens) {
        sens[3 * j + 0] = 1.0;
        sens[3 * j + 1] = dose * q;
        sens[3 * j + 2] = -p[1] * dose * q * q;
      }
    }
  }
  return 0;
}

static PetscErrorCode EmaxCreate(PnlmeModel m)
{
  const char *const    names[] = {"E0", "Emax", "ED50"};
  const PnlmeTransform tr[]    = {PNLME_TRANSFORM_NORMAL, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG};
  PnlmeModelOps        ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetDescription(m, "Emax dose-response on the cumulative dose (plugin example)"));
  PetscCall(PnlmeModelSetParameters(m, 3, names, tr));
  PetscCall(PnlmeModelAddDoseCompartment(m, 1, 0));
  PetscCall(PnlmeModelAddOutput(m, "E", 1));
  ops.predict = EmaxPredict;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_CLOSED_FORM, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}

/* The one symbol pnlme looks for.  The last model registered is the default for -model_plugin. */
PETSC_EXTERN PetscErrorCode PnlmeModelPluginRegister(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelRegister("emax", EmaxCreate));
  PetscCall(PnlmeModelRegister("logistic", LogisticCreate));
  PetscFunctionReturn(0);
}
