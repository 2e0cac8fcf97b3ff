/* Accuracy of the neonatal model at the default tolerances (-ode_rtol 1e-6, -ode_atol 1e-9) against a
   very fine reference (dopri5 at rtol 1e-12, itself checked against cvodes_bdf at rtol 1e-10), on 200
   subjects drawn from the synthetic cohort's population law and sampling design; predictions and
   sensitivities, every integrator.  Reports the largest relative errors. */
#include "odetest.h"

#define NSUBJ 200

static void Draw(PetscInt i, PetscReal phi[5], TSubject *ts)
{
  const PetscReal typ[5] = {3433, 86.6, 1.54, 0.072, 1.15}, om[5] = {0.127, 0.219, 0.116, 0.076, 0.186};
  PnlmeRNG        r;
  PnlmeRNGInit(&r, 2024, (uint64_t)i, 0);
  for (int k = 0; k < 5; k++) phi[k] = typ[k] * exp(om[k] * PnlmeRNGNormal(&r));
  TInit(ts);
  {
    PetscInt  nobs = (PetscInt)PnlmeRNGInteger(&r, 3, 8);
    PetscReal t    = PnlmeRNGUniformRange(&r, 0.4, 1.4);
    TObs(ts, 0.0, 0);
    for (PetscInt j = 1; j < nobs && t <= 7.0; j++, t += 1.0) TObs(ts, t, 0);
  }
  TFinish(ts);
}

static PetscErrorCode Solve(PnlmeModel m, PetscInt i, PetscReal pred[], PetscReal sens[], PetscInt *nobs)
{
  TSubject         ts;
  PetscReal        phi[5];
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  Draw(i, phi, &ts);
  PetscCall(PnlmeModelPredict(m, &ts.s, phi, pred, sens, &st));
  PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "subject %d failed", (int)i);
  /* normalised sensitivities phi_k dW/dphi_k, comparable across parameters */
  if (sens)
    for (PetscInt j = 0; j < ts.nobs; j++)
      for (int k = 0; k < 5; k++) sens[j * 5 + k] *= phi[k];
  *nobs = ts.nobs;
  PetscFunctionReturn(0);
}

static PetscErrorCode Compare(PnlmeModel m, PnlmeModel ref, PetscReal *errp, PetscReal *errs)
{
  PetscReal p[16], ps[16], s[80], pr[16], sr[80];
  PetscInt  nobs;
  PetscFunctionBegin;
  *errp = *errs = 0;
  for (PetscInt i = 0; i < NSUBJ; i++) {
    PetscCall(Solve(m, i, p, NULL, &nobs)); /* predictions alone (arkode_erk integrates these itself) */
    PetscCall(Solve(m, i, ps, s, &nobs));
    PetscCall(Solve(ref, i, pr, sr, &nobs));
    for (PetscInt j = 0; j < nobs; j++) {
      *errp = PetscMax(*errp, fabs(p[j] - pr[j]) / fabs(pr[j]));
      *errp = PetscMax(*errp, fabs(ps[j] - pr[j]) / fabs(pr[j]));
      for (int k = 0; k < 5; k++) *errs = PetscMax(*errs, fabs(s[j * 5 + k] - sr[j * 5 + k]) / fabs(pr[j])); /* relative to W */
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PnlmeModel ref, chk;
  PetscReal  ep, es;
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, "-ode_sens_errcon", "1"));
  PetscCall(TModel("neonate", "dopri5", "1e-12", "1e-14", &ref));
  PetscCall(TModel("neonate", "cvodes_bdf", "1e-10", "1e-12", &chk));
  PetscCall(Compare(chk, ref, &ep, &es));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "reference dopri5 rtol 1e-12 vs cvodes_bdf rtol 1e-10: W %.2e, phi dW/dphi %.2e (relative to W)\n", (double)ep, (double)es));
  PNLME_TEST_CHECK(ep < 1e-8 && es < 1e-7, "the two references disagree");
  PetscCall(PnlmeModelDestroy(&chk));
  PetscCall(PetscOptionsClearValue(NULL, "-ode_sens_errcon"));
  PetscCall(PetscOptionsClearValue(NULL, "-ode_rtol"));
  PetscCall(PetscOptionsClearValue(NULL, "-ode_atol"));
  for (int b = 0; b < TNINTEGRATORS; b++) {
    PnlmeModel m;
    PetscCall(TModel("neonate", TIntegrators[b], NULL, NULL, &m));
    PetscCall(Compare(m, ref, &ep, &es));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-13s default tolerances (rtol 1e-6): max relative error W %.2e, sensitivities %.2e%s\n", TIntegrators[b], (double)ep, (double)es, !strcmp(TIntegrators[b], "arkode_erk") ? " (sensitivities by dopri5)" : ""));
    PNLME_TEST_CHECK(ep < 2e-5 && es < 1e-3, "%s: error too large at the default tolerance", TIntegrators[b]);
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PnlmeModelDestroy(&ref));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "neonate accuracy OK\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "neonate accuracy at the default tolerance", Run); }
