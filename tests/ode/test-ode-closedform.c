/* The oral PK models written as ODEs against their exact solution (matrix exponential of the linear
   system, through the same timeline) and against the closed-form models when those are registered:
   multiple doses, a pre-dose sample, a zero-order infusion into the central compartment, a reset and
   doses after it; every integrator, at tight tolerance (-ode_rtol 1e-10).  With the closed forms, their
   sensitivities are also compared with the ODE's forward sensitivities. */
#include "odetest.h"

static void Timeline(TSubject *ts)
{
  TInit(ts);
  TObs(ts, 0.0, 0); /* pre-dose sample at the dose time */
  TBolus(ts, 0.0, 100.0, 1);
  TObs(ts, 0.25, 0);
  TObs(ts, 0.5, 0);
  TObs(ts, 1.0, 0);
  TObs(ts, 2.0, 0);
  TObs(ts, 4.0, 0); /* pre-dose */
  TBolus(ts, 4.0, 100.0, 1);
  TObs(ts, 5.0, 0);
  TInfusion(ts, 6.0, 50.0, 2.0, 2); /* 100 into the central compartment over 2 h */
  TObs(ts, 6.5, 0);
  TObs(ts, 7.0, 0);
  TObs(ts, 8.0, 0);
  TObs(ts, 9.0, 0);
  TObs(ts, 12.0, 0);
  TBolus(ts, 12.0, 80.0, 1);
  TBolus(ts, 12.0, 30.0, 2); /* IV bolus with the oral dose */
  TObs(ts, 14.0, 0);
  TObs(ts, 20.0, 0);
  TReset(ts, 24.0);
  TObs(ts, 24.0, 0); /* after the reset: back to zero */
  TBolus(ts, 24.0, 120.0, 1);
  TObs(ts, 25.0, 0);
  TObs(ts, 30.0, 0);
  TObs(ts, 48.0, 0);
  TFinish(ts);
}

static PetscErrorCode Check(const char ode[], const char cf[], PetscInt n, const PetscReal A[], PetscInt obsstate, const PetscReal phi[], PetscReal V, PetscReal *maxerr)
{
  TSubject         ts;
  PetscReal        ref[TMAXEV], pred[TMAXEV], predcf[TMAXEV], senscf[TMAXEV * 5], sens[TMAXEV * 5], ymax = 0;
  PetscInt         dosestate[4] = {-1, 0, 1, 2};
  PnlmeModel       mcf = NULL;
  PnlmeSolveStatus st;
  PetscErrorCode   ierr;
  PetscFunctionBegin;
  Timeline(&ts);
  TLinearReference(n, A, dosestate, obsstate, V, &ts.s, ref);
  for (PetscInt j = 0; j < ts.nobs; j++) ymax = PetscMax(ymax, fabs(ref[j]));
  /* the closed form, when registered */
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, &mcf));
  ierr = PnlmeModelSetType(mcf, cf);
  if (!ierr) {
    PetscCall(PnlmeModelSetUp(mcf));
    PetscCall(PnlmeModelPredict(mcf, &ts.s, phi, predcf, senscf, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "%s: closed form failed (status %d)", cf, (int)st);
    for (PetscInt j = 0; j < ts.nobs; j++) PNLME_TEST_CLOSE(predcf[j], ref[j], 1e-9, 1e-12 * ymax, "closed form vs exact");
  } else PetscCall(PetscPrintf(PETSC_COMM_SELF, "  (closed form %s not registered: compared with the exact solution only)\n", cf));
  PetscCall(PnlmeModelDestroy(&mcf));
  for (PetscInt b = 0; b < TNINTEGRATORS; b++) {
    PnlmeModel m;
    PetscReal  err = 0, errcf = 0;
    PetscCall(TModel(ode, TIntegrators[b], "1e-10", "1e-12", &m));
    PetscCall(PnlmeModelPredict(m, &ts.s, phi, pred, NULL, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "%s with %s failed (status %d)", ode, TIntegrators[b], (int)st);
    for (PetscInt j = 0; j < ts.nobs; j++) {
      char what[128];
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s/%s at t=%g", ode, TIntegrators[b], (double)ts.tobs[j]));
      PNLME_TEST_CLOSE(pred[j], ref[j], 1e-6, 1e-9 * ymax, what);
      err = PetscMax(err, fabs(pred[j] - ref[j]) / (fabs(ref[j]) + 1e-9 * ymax));
      if (!ierr) {
        PNLME_TEST_CLOSE(pred[j], predcf[j], 1e-6, 1e-9 * ymax, what);
        errcf = PetscMax(errcf, fabs(pred[j] - predcf[j]) / (fabs(predcf[j]) + 1e-9 * ymax));
      }
    }
    *maxerr = PetscMax(*maxerr, err);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-16s %-13s max relative error vs exact %.2e%s", ode, TIntegrators[b], (double)err, ierr ? "\n" : ""));
    if (!ierr) PetscCall(PetscPrintf(PETSC_COMM_SELF, ", vs closed form %.2e\n", (double)errcf));
    if (!ierr) { /* sensitivities: phi_k dC/dphi_k, relative with a floor of 1e-7 Cmax */
      PetscInt  np;
      PetscReal serr = 0;
      PetscCall(PnlmeModelGetNumParameters(m, &np));
      PetscCall(PnlmeModelPredict(m, &ts.s, phi, pred, sens, &st));
      PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "%s with %s and sensitivities failed (status %d)", ode, TIntegrators[b], (int)st);
      for (PetscInt j = 0; j < ts.nobs; j++)
        for (PetscInt k = 0; k < np; k++) {
          PetscReal a = phi[k] * sens[j * np + k], c = phi[k] * senscf[j * np + k];
          PetscCheck(fabs(a - c) <= 1e-5 * fabs(c) + 1e-7 * ymax, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s/%s: d C(t=%g) / d phi[%d]: ODE %.12g, closed form %.12g", ode, TIntegrators[b], (double)ts.tobs[j], (int)k, (double)sens[j * np + k], (double)senscf[j * np + k]);
          serr = PetscMax(serr, fabs(a - c) / (fabs(c) + 1e-7 * ymax));
        }
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-16s %-13s sensitivities vs closed form: max relative error %.2e\n", ode, TIntegrators[b], (double)serr));
    }
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscReal maxerr = 0;
  PetscFunctionBegin;
  { /* one compartment: ka, ke, V */
    const PetscReal ka = 1.2, ke = 0.15, V = 20.0, phi[3] = {ka, ke, V};
    const PetscReal A[4] = {-ka, 0, ka, -ke};
    PetscCall(Check("pk1_oral_ke_ode", "pk1_oral_ke", 2, A, 1, phi, V, &maxerr));
  }
  { /* two compartments: ka, CL, V1, Q, V2 */
    const PetscReal ka = 1.1, CL = 3.0, V1 = 20.0, Q = 2.0, V2 = 40.0, phi[5] = {ka, CL, V1, Q, V2};
    const PetscReal A[9] = {-ka, 0, 0, ka, -(CL + Q) / V1, Q / V2, 0, Q / V1, -Q / V2};
    PetscCall(Check("pk2_oral_cl_ode", "pk2_oral_cl", 3, A, 1, phi, V1, &maxerr));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "closed form vs ODE OK: max relative error %.2e\n", (double)maxerr));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "ODE against closed forms", Run); }
