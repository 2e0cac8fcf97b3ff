/* PnlmeModelSetSensitivityMask: a solve asked for some parameters' sensitivities gives the same
   predictions and, in those columns, the same bits as a solve of all of them, with every integrator,
   with and without -ode_sens_errcon, for models with analytic derivatives, without any (difference
   quotients), and with dose parameters (a lag on the oral doses, a bioavailability on an infusion:
   the jumps of their columns).  Under dopri5 (and arkode_erk and auto, whose sensitivities dopri5
   computes; auto's fallback to cvodes_bdf, not met here, integrates all) without sensitivity error
   control the other columns are 0: they were not integrated. */
#include "senstest.h"

static PetscErrorCode Solve(PnlmeModel m, const TSubject *ts, const PetscReal phi[], const PetscBool mask[], PetscReal pred[], PetscReal sens[])
{
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetSensitivityMask(m, mask));
  PetscCall(PnlmeModelPredict(m, &ts->s, phi, pred, sens, &st));
  PetscCall(PnlmeModelSetSensitivityMask(m, NULL));
  PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "solve with sensitivities failed (%d)", (int)st);
  PetscFunctionReturn(0);
}

/* every single parameter, and pairs k, k + 2 */
static PetscErrorCode Check(const char type[], PetscBool dose, const char integ[], const char errcon[], const TSubject *ts, const PetscReal phi[], PetscInt *nsubset)
{
  PnlmeModel      m;
  PetscInt        np, nobs = ts->nobs;
  PetscReal       predF[TMAXEV], sensF[TMAXEV * 8], pred[TMAXEV], sens[TMAXEV * 8];
  const PetscBool skipped = (PetscBool)(strncmp(integ, "cvodes", 6) && !strcmp(errcon, "0")); /* dopri5 integrates the sensitivities */
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, "-ode_sens_errcon", errcon));
  PetscCall(PetscOptionsSetValue(NULL, "-ode_integrator", integ));
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, &m));
  PetscCall(PnlmeModelSetType(m, type));
  if (dose) {
    PetscCall(PnlmeModelAddDoseLag(m, 1, "Tlag"));
    PetscCall(PnlmeModelAddDoseBioavailability(m, 2, "F"));
  }
  PetscCall(PnlmeModelSetFromOptions(m));
  PetscCall(PnlmeModelSetUp(m));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PNLME_TEST_CHECK(np <= 8, "%s: %d parameters", type, (int)np);
  PetscCall(Solve(m, ts, phi, NULL, predF, sensF));
  for (PetscInt k = 0; k < 2 * np; k++) {
    PetscBool mask[8] = {PETSC_FALSE};
    mask[k % np] = PETSC_TRUE;
    if (k >= np) mask[(k + 2) % np] = PETSC_TRUE;
    PetscCall(Solve(m, ts, phi, mask, pred, sens));
    for (PetscInt j = 0; j < nobs; j++) {
      PNLME_TEST_CHECK(pred[j] == predF[j], "%s/%s errcon %s, mask of %d: pred[%d] %.17g, with every column %.17g", type, integ, errcon, (int)k, (int)j, (double)pred[j], (double)predF[j]);
      for (PetscInt l = 0; l < np; l++) {
        const PetscReal v = sens[j * np + l], want = mask[l] || !skipped ? sensF[j * np + l] : 0.0;
        PNLME_TEST_CHECK(v == want, "%s/%s errcon %s, mask of %d: d pred[%d] / d phi[%d] = %.17g, expected %.17g", type, integ, errcon, (int)k, (int)j, (int)l, (double)v, (double)want);
      }
    }
  }
  /* the mask is gone: every column again, the same bits */
  PetscCall(Solve(m, ts, phi, NULL, pred, sens));
  for (PetscInt j = 0; j < nobs * np; j++) PNLME_TEST_CHECK(sens[j] == sensF[j], "%s/%s: sensitivity %d after the mask", type, integ, (int)j);
  if (skipped) (*nsubset)++;
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  TSubject        neo, tov, pk;
  const PetscReal pneo[5] = {3433, 86.6, 1.54, 0.072, 1.15};
  const PetscReal ptov[7] = {1.0, 0.15, 8.0, 100.0, 0.05, 0.8, 1.2};
  const PetscReal ppk[7]  = {1.1, 3.0, 20.0, 2.0, 40.0, 0.7, 0.8}; /* + Tlag, F */
  const char     *integ[] = {"dopri5", "cvodes_bdf", "cvodes_adams", "arkode_erk", "auto"};
  PetscInt        nsubset = 0, ncase = 0;
  PetscFunctionBegin;
  PetscCall(PnlmeModelRegister("test_neonate_noderiv", NJCreate));
  NeonateTimeline(&neo);
  TurnoverTimeline(&tov);
  PKTimeline(&pk);
  for (int b = 0; b < 5; b++)
    for (int e = 0; e < 2; e++) {
      const char *ec = e ? "1" : "0";
      PetscCall(Check("neonate", PETSC_FALSE, integ[b], ec, &neo, pneo, &nsubset));
      PetscCall(Check("turnover", PETSC_FALSE, integ[b], ec, &tov, ptov, &nsubset));
      PetscCall(Check("pk2_oral_cl_ode", PETSC_TRUE, integ[b], ec, &pk, ppk, &nsubset));
      PetscCall(Check("test_neonate_noderiv", PETSC_FALSE, integ[b], ec, &neo, pneo, &nsubset));
      ncase += 4;
    }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "sensitivity masks OK: %d cases, %d of them integrating only the columns asked for\n", (int)ncase, (int)nsubset));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "ODE sensitivities of some parameters only", Run); }
