/* The plugin example loads through -model_plugin and predicts what its closed-form solution says. */
#include <pnlmetest.h>

static PetscErrorCode Run(void)
{
  PnlmeModel       m;
  const char      *type;
  PetscReal        tobs[5] = {0.0, 1.0, 2.5, 5.0, 10.0}, dv[5] = {0}, pred[5], sens[15];
  PetscInt         obsout[5] = {0};
  PnlmeEvent       ev[8];
  PnlmeSubject     s = {0};
  PnlmeSolveStatus st;
  PetscInt         np;
  PetscFunctionBegin;
  PetscCall(PnlmeModelCreate(PETSC_COMM_WORLD, &m));
  PetscCall(PnlmeModelSetFromOptions(m));
  PetscCall(PnlmeModelSetUp(m));
  PetscCall(PnlmeModelGetType(m, &type));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PNLME_TEST_CHECK(np == 3, "plugin model has %d parameters", (int)np);
  /* timeline: a dose of 10 at t=0 (after the first sample) and 30 at t=5 (before the sample at 5) */
  PetscInt ne = 0;
  ev[ne++] = (PnlmeEvent){0.0, 0, 0, PNLME_EV_OBS, 1, 0};
  ev[ne++] = (PnlmeEvent){0.0, 10.0, 0, PNLME_EV_BOLUS, 1, 0};
  ev[ne++] = (PnlmeEvent){1.0, 0, 0, PNLME_EV_OBS, 1, 1};
  ev[ne++] = (PnlmeEvent){2.5, 0, 0, PNLME_EV_OBS, 1, 2};
  ev[ne++] = (PnlmeEvent){5.0, 30.0, 0, PNLME_EV_BOLUS, 1, 1};
  ev[ne++] = (PnlmeEvent){5.0, 0, 0, PNLME_EV_OBS, 1, 3};
  ev[ne++] = (PnlmeEvent){10.0, 0, 0, PNLME_EV_OBS, 1, 4};
  s.nobs   = 5;
  s.tobs   = tobs;
  s.dv     = dv;
  s.obsout = obsout;
  s.nev    = ne;
  s.ev     = ev;
  if (!strcmp(type, "logistic")) {
    /* the logistic model has no dosing compartment: keep only observations */
    PetscInt k = 0;
    for (PetscInt e = 0; e < ne; e++)
      if (ev[e].type == PNLME_EV_OBS) ev[k++] = ev[e];
    s.nev = k;
    const PetscReal p[3] = {2.0, 0.7, 50.0};
    PetscCall(PnlmeModelPredict(m, &s, p, pred, sens, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "logistic solve failed");
    for (PetscInt j = 0; j < 5; j++) {
      PetscReal t = tobs[j], exact = p[2] / (1.0 + (p[2] / p[0] - 1.0) * exp(-p[1] * t));
      PNLME_TEST_CLOSE(pred[j], exact, 1e-5, 1e-8, "logistic N(t)");
    }
    /* the plugin gives no Jacobian: pnlme differentiates it; compare with the exact derivatives */
    for (PetscInt j = 0; j < 5; j++) {
      PetscReal t = tobs[j], E = exp(-p[1] * t), D = 1.0 + (p[2] / p[0] - 1.0) * E;
      PetscReal exact[3] = {p[2] * p[2] / (p[0] * p[0]) * E / (D * D), p[2] * (p[2] / p[0] - 1.0) * t * E / (D * D), 1.0 / D - p[2] * (E / p[0]) / (D * D)};
      for (PetscInt k2 = 0; k2 < 3; k2++) PNLME_TEST_CLOSE(sens[3 * j + k2], exact[k2], 1e-4, 1e-6, "logistic sensitivity");
    }
  } else {
    const PetscReal p[3] = {1.0, 5.0, 20.0};
    const PetscReal D[5] = {0.0, 10.0, 10.0, 40.0, 40.0};
    PetscCall(PnlmeModelPredict(m, &s, p, pred, sens, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "emax failed");
    for (PetscInt j = 0; j < 5; j++) PNLME_TEST_CLOSE(pred[j], p[0] + p[1] * D[j] / (p[2] + D[j]), 1e-14, 0, "emax E");
  }
  PetscCall(PnlmeModelView(m, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "plugin model %s OK\n", type));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "plugin test", Run); }
