/* Forward sensitivities d pred / d phi against central finite differences of the predictions, for the
   neonate, turnover and pk2_oral_cl_ode models with every integrator (arkode_erk hands sensitivity
   solves to dopri5), with and without -ode_sens_errcon, and for a user model without any derivative
   (finite-difference sensitivity rhs, initial condition and output derivatives). */
#include "senstest.h"

/* largest |phi_k (S - FD)| / (|phi_k FD| + 1e-5 ymax(output)) over observations and parameters, where S
   comes from the integrator under test at rtol 1e-10 and FD are central differences (step 1e-4 phi_k) of
   predictions by dopri5 at rtol 1e-12 (so that the differences are not swamped by integration noise) */
static PetscErrorCode Check(const char type[], const char integ[], const char errcon[], const TSubject *ts, const PetscReal phi[], PetscReal tol, PetscReal *worst)
{
  PnlmeModel       m, ref;
  PetscInt         np;
  PetscReal        pred[TMAXEV], sens[TMAXEV * 8], pp[TMAXEV], pm[TMAXEV], ph[8], ymax[4] = {0}, err = 0;
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, "-ode_sens_errcon", "0"));
  PetscCall(TModel(type, "dopri5", "1e-12", "1e-14", &ref));
  PetscCall(PetscOptionsSetValue(NULL, "-ode_sens_errcon", errcon));
  PetscCall(TModel(type, integ, "1e-10", "1e-12", &m));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PetscCall(PnlmeModelPredict(m, &ts->s, phi, pred, sens, &st));
  PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "%s/%s: solve with sensitivities failed (%d)", type, integ, (int)st);
  for (PetscInt j = 0; j < ts->nobs; j++) ymax[ts->obsout[j]] = PetscMax(ymax[ts->obsout[j]], fabs(pred[j]));
  for (PetscInt k = 0; k < np; k++) {
    PetscReal h = 1e-4 * fabs(phi[k]);
    for (PetscInt l = 0; l < np; l++) ph[l] = phi[l];
    ph[k] = phi[k] + h;
    PetscCall(PnlmeModelPredict(ref, &ts->s, ph, pp, NULL, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "perturbed solve failed");
    ph[k] = phi[k] - h;
    PetscCall(PnlmeModelPredict(ref, &ts->s, ph, pm, NULL, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "perturbed solve failed");
    for (PetscInt j = 0; j < ts->nobs; j++) {
      PetscReal fd = phi[k] * (pp[j] - pm[j]) / (2 * h), an = phi[k] * sens[j * np + k];
      PetscReal e  = fabs(an - fd) / (fabs(fd) + 1e-5 * ymax[ts->obsout[j]]);
      PetscCheck(e <= tol, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s/%s: d pred[%d] (t=%g) / d phi[%d]: sensitivity %.12g, finite differences %.12g (relative %.2e > %.0e)", type, integ, (int)j, (double)ts->tobs[j], (int)k, (double)(an / phi[k]), (double)(fd / phi[k]), (double)e, (double)tol);
      err = PetscMax(err, e);
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-20s %-13s errcon %s: max relative error %.2e\n", type, integ, errcon, (double)err));
  *worst = PetscMax(*worst, err);
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PnlmeModelDestroy(&ref));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  TSubject        neo, tov, pk;
  const PetscReal pneo[5] = {3433, 86.6, 1.54, 0.072, 1.15};
  const PetscReal ptov[7] = {1.0, 0.15, 8.0, 100.0, 0.05, 0.8, 1.2};
  const PetscReal ppk[5]  = {1.1, 3.0, 20.0, 2.0, 40.0};
  const char     *integ[] = {"dopri5", "cvodes_bdf", "cvodes_adams", "arkode_erk", "auto"};
  PetscReal       worst   = 0;
  PetscFunctionBegin;
  PetscCall(PnlmeModelRegister("test_neonate_noderiv", NJCreate));
  NeonateTimeline(&neo);
  TurnoverTimeline(&tov);
  PKTimeline(&pk);
  for (int b = 0; b < 5; b++) {
    PetscCall(Check("neonate", integ[b], "0", &neo, pneo, 1e-5, &worst));
    PetscCall(Check("turnover", integ[b], "0", &tov, ptov, 1e-5, &worst));
    PetscCall(Check("pk2_oral_cl_ode", integ[b], "0", &pk, ppk, 1e-5, &worst));
  }
  for (int b = 0; b < 3; b++) {
    PetscCall(Check("neonate", integ[b], "1", &neo, pneo, 1e-5, &worst));
    PetscCall(Check("turnover", integ[b], "1", &tov, ptov, 1e-5, &worst));
    PetscCall(Check("pk2_oral_cl_ode", integ[b], "1", &pk, ppk, 1e-5, &worst));
  }
  /* no derivatives from the model: difference quotients everywhere */
  for (int b = 0; b < 3; b++) PetscCall(Check("test_neonate_noderiv", integ[b], "0", &neo, pneo, 1e-5, &worst));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "sensitivities OK: worst relative error %.2e\n", (double)worst));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "ODE sensitivities against finite differences", Run); }
