/* Checks a model file's generated derivatives.
   ODE models: at 200 random points (t, x, phi), the Jacobian, df/dphi, dx0/dphi and the outputs'
   derivatives against central differences of rhs, init and output (-lang_optol, default 1e-5
   relative); then the sensitivities of predictions through a timeline (a bolus into every dose
   compartment at 0 and 3 h, observations of every output from 0.3 to 7.8 h) against central differences
   of predictions integrated at rtol 1e-12 (step 1e-3 relative: the integrator's error, about 1e-11, is
   not smooth in the parameters; -lang_senstol, default 2e-3: a check of the plumbing, the
   derivatives themselves are checked at the operators).  Closed forms: the
   sensitivities against central differences of predictions (an entry is compared relative to the
   largest of its parameter's column, 1e-4 of it at least).  With -lang_compare TYPE, predictions and
   sensitivities must also equal those of the model TYPE (-lang_cmptol, default 1e-10), given a lag on
   the compartments -lang_compare_lag CMT[,CMT] by -model_lag (a file whose doses have 'lag = ...').
   Parameters: -lang_phi v1,v2,... (natural scale); random points vary them by +-30%.
   Last, no allocation: PETSc's memory in use and the C heap in use (mallinfo2) are unchanged over 1000
   predictions with and without sensitivities. */
#include <pnlme.h>
#include "model/modelimpl.h"
#include <stdio.h>
#include <malloc.h>

#define MAXP 16
#define MAXX 16

static PetscReal RelErr(PetscReal a, PetscReal b, PetscReal scale) { return PetscAbsReal(a - b) / PetscMax(PetscMax(PetscAbsReal(a), PetscAbsReal(b)), scale); }

static PetscErrorCode CheckOperators(PnlmeModel m, const PetscReal phi0[], PetscReal tol, PetscReal *worst)
{
  const PnlmeModelOps *o = &m->mops;
  const PetscInt       n = m->nstate, np = m->nparam;
  PnlmeRNG             r;
  PetscReal            x[MAXX], p[MAXP], f[MAXX], fp[MAXX], fm[MAXX], J[MAXX * MAXX], Fp[MAXX * MAXP], x0[MAXX], dx0[MAXX * MAXP], y, yp, ym, dydx[MAXX], dydp[MAXP];
  PetscFunctionBegin;
  *worst = 0;
  PnlmeRNGInit(&r, 3, 0, 0);
  for (int it = 0; it < 200; it++) {
    PetscReal t = PnlmeRNGUniformRange(&r, 0.0, 8.0);
    for (PetscInt k = 0; k < np; k++) p[k] = phi0[k] * (1 + 0.3 * (2 * PnlmeRNGUniformRange(&r, 0, 1) - 1));
    for (PetscInt i = 0; i < n; i++) x[i] = PnlmeRNGUniformRange(&r, 0.2, 3.0);
    PetscCheck(!o->rhs(t, x, p, f, NULL) && !o->jac(t, x, p, J, NULL) && !o->rhsp(t, x, p, Fp, NULL), PETSC_COMM_SELF, PETSC_ERR_PLIB, "model operation failed");
    for (PetscInt j = 0; j < n; j++) { /* J column j */
      PetscReal h = 1e-6 * PetscMax(1, PetscAbsReal(x[j])), xj = x[j], scale = 0;
      x[j] = xj + h;
      o->rhs(t, x, p, fp, NULL);
      x[j] = xj - h;
      o->rhs(t, x, p, fm, NULL);
      x[j] = xj;
      for (PetscInt i = 0; i < n; i++) scale = PetscMax(scale, PetscAbsReal((fp[i] - fm[i]) / (2 * h)));
      for (PetscInt i = 0; i < n; i++) *worst = PetscMax(*worst, RelErr(J[i * n + j], (fp[i] - fm[i]) / (2 * h), 1e-3 * scale + 1e-8));
    }
    for (PetscInt k = 0; k < np; k++) { /* Fp column k */
      PetscReal h = 1e-6 * PetscMax(1e-3, PetscAbsReal(p[k])), pk = p[k], scale = 0;
      p[k] = pk + h;
      o->rhs(t, x, p, fp, NULL);
      p[k] = pk - h;
      o->rhs(t, x, p, fm, NULL);
      p[k] = pk;
      for (PetscInt i = 0; i < n; i++) scale = PetscMax(scale, PetscAbsReal((fp[i] - fm[i]) / (2 * h)));
      for (PetscInt i = 0; i < n; i++) *worst = PetscMax(*worst, RelErr(Fp[i * np + k], (fp[i] - fm[i]) / (2 * h), 1e-3 * scale + 1e-8));
    }
    PetscCheck(!o->init(p, x0, dx0, NULL), PETSC_COMM_SELF, PETSC_ERR_PLIB, "init failed");
    for (PetscInt k = 0; k < np; k++) {
      PetscReal h = 1e-6 * PetscMax(1e-3, PetscAbsReal(p[k])), pk = p[k];
      p[k] = pk + h;
      o->init(p, fp, NULL, NULL);
      p[k] = pk - h;
      o->init(p, fm, NULL, NULL);
      p[k] = pk;
      for (PetscInt i = 0; i < n; i++) *worst = PetscMax(*worst, RelErr(dx0[i * np + k], (fp[i] - fm[i]) / (2 * h), 1e-8));
    }
    for (PetscInt io = 0; io < m->nout; io++) {
      PetscCheck(!o->output(t, x, p, io, &y, dydx, dydp, NULL), PETSC_COMM_SELF, PETSC_ERR_PLIB, "output failed");
      for (PetscInt j = 0; j < n; j++) {
        PetscReal h = 1e-6 * PetscMax(1, PetscAbsReal(x[j])), xj = x[j];
        x[j] = xj + h;
        o->output(t, x, p, io, &yp, NULL, NULL, NULL);
        x[j] = xj - h;
        o->output(t, x, p, io, &ym, NULL, NULL, NULL);
        x[j] = xj;
        *worst = PetscMax(*worst, RelErr(dydx[j], (yp - ym) / (2 * h), 1e-6));
      }
      for (PetscInt k = 0; k < np; k++) {
        PetscReal h = 1e-6 * PetscMax(1e-3, PetscAbsReal(p[k])), pk = p[k];
        p[k] = pk + h;
        o->output(t, x, p, io, &yp, NULL, NULL, NULL);
        p[k] = pk - h;
        o->output(t, x, p, io, &ym, NULL, NULL, NULL);
        p[k] = pk;
        *worst = PetscMax(*worst, RelErr(dydp[k], (yp - ym) / (2 * h), 1e-6));
      }
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "operators (jac, rhsp, dx0/dphi, dy/dx, dy/dphi) against central differences at 200 points: worst relative difference %.2e (tolerance %g)\n", (double)*worst, (double)tol));
  PetscFunctionReturn(0);
}

#define NOBS 32
static PetscErrorCode Subject(PnlmeModel m, PnlmeEvent ev[], PetscReal tobs[], PetscInt obsout[], PnlmeSubject *s)
{
  PetscInt ne = 0, no = 0;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof(*s)));
  for (PetscInt d = 0; d < m->ndose; d++) ev[ne++] = (PnlmeEvent){0.0, 10.0 * (d + 1), 0, PNLME_EV_BOLUS, m->dosecmt[d], 0};
  for (int j = 1; j <= 16; j++) {
    PetscReal t = 0.5 * j - 0.2; /* off the switch times 1.5 and 3 of files/functions.model */
    if (j == 7) /* t = 3.3: the doses at 3 h come before it */
      for (PetscInt d = 0; d < m->ndose; d++) ev[ne++] = (PnlmeEvent){3.0, 5.0, 0, PNLME_EV_BOLUS, m->dosecmt[d], 0};
    for (PetscInt io = 0; io < m->nout; io++) {
      ev[ne++]   = (PnlmeEvent){t, 0, 0, PNLME_EV_OBS, 0, no};
      tobs[no]   = t;
      obsout[no] = io;
      no++;
    }
  }
  s->nobs   = no;
  s->tobs   = tobs;
  s->obsout = obsout;
  s->nev    = ne;
  s->ev     = ev;
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  char             file[PETSC_MAX_PATH_LEN] = "", cache[PETSC_MAX_PATH_LEN] = "", name[64], cmp[64] = "", cmplag[64] = "";
  PetscReal        phi[MAXP], optol = 1e-5, senstol = 2e-3, cmptol = 1e-10, worst = 0, wsens = 0, wcmp = 0;
  PetscInt         nphi = MAXP, np;
  PetscBool        flg;
  PnlmeModel       m, c = NULL;
  PnlmeEvent       ev[4 * NOBS];
  PetscReal        tobs[NOBS * 2], pred[NOBS * 2], pp[NOBS * 2], pm[NOBS * 2], sens[NOBS * 2 * MAXP], cpred[NOBS * 2], csens[NOBS * 2 * MAXP];
  PetscInt         obsout[NOBS * 2];
  PnlmeSubject     s;
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-lang_file", file, sizeof(file), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-lang_cache", cache, sizeof(cache), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-lang_compare", cmp, sizeof(cmp), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-lang_compare_lag", cmplag, sizeof(cmplag), NULL));
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-lang_phi", phi, &nphi, &flg));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-lang_optol", &optol, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-lang_senstol", &senstol, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-lang_cmptol", &cmptol, NULL));
  PetscCall(PnlmeModelLoadFile(PETSC_COMM_WORLD, file, cache, name, sizeof(name)));
  PetscCall(PetscOptionsInsertString(NULL, "-ode_integrator dopri5 -ode_rtol 1e-12 -ode_atol 1e-14"));
  PetscCall(PnlmeModelCreate(PETSC_COMM_WORLD, &m));
  PetscCall(PnlmeModelSetType(m, name));
  PetscCall(PnlmeModelSetFromOptions(m));
  PetscCall(PnlmeModelSetUp(m));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PetscCheck(flg && nphi == np, PETSC_COMM_WORLD, PETSC_ERR_USER, "-lang_phi: give the %d parameters", (int)np);
  if (m->kind == PNLME_MODEL_ODE) PetscCall(CheckOperators(m, phi, optol, &worst));
  PetscCall(Subject(m, ev, tobs, obsout, &s));
  PetscCall(PnlmeModelPredict(m, &s, phi, pred, sens, &st));
  PetscCheck(!st, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "prediction failed");
  for (PetscInt k = 0; k < np; k++) {
    PetscReal h = 1e-3 * PetscAbsReal(phi[k]), pk = phi[k];
    phi[k] = pk + h;
    PetscCall(PnlmeModelPredict(m, &s, phi, pp, NULL, &st));
    phi[k] = pk - h;
    PetscCall(PnlmeModelPredict(m, &s, phi, pm, NULL, &st));
    phi[k] = pk;
    PetscReal col = 0;
    for (PetscInt j = 0; j < s.nobs; j++) col = PetscMax(col, PetscAbsReal(sens[j * np + k]));
    for (PetscInt j = 0; j < s.nobs; j++) {
      PetscReal e = RelErr(sens[j * np + k], (pp[j] - pm[j]) / (2 * h), 1e-4 * col + 1e-6 * PetscAbsReal(pred[j]) / PetscAbsReal(pk));
      if (e > senstol) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  observation %d (t %g, output %d), parameter %d: %.10g, central difference %.10g\n", (int)j, (double)tobs[j], (int)obsout[j], (int)k, (double)sens[j * np + k], (double)((pp[j] - pm[j]) / (2 * h))));
      wsens = PetscMax(wsens, e);
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "sensitivities of %d predictions against central differences: worst relative difference %.2e (tolerance %g)\n", (int)s.nobs, (double)wsens, (double)senstol));
  if (cmp[0]) {
    PetscCall(PnlmeModelCreate(PETSC_COMM_WORLD, &c));
    PetscCall(PnlmeModelSetType(c, cmp));
    if (cmplag[0]) PetscCall(PetscOptionsSetValue(NULL, "-model_lag", cmplag)); /* the C model's lag by option */
    PetscCall(PnlmeModelSetFromOptions(c));
    if (cmplag[0]) PetscCall(PetscOptionsClearValue(NULL, "-model_lag"));
    PetscCall(PnlmeModelSetUp(c));
    PetscCall(PnlmeModelPredict(c, &s, phi, cpred, csens, &st));
    for (PetscInt j = 0; j < s.nobs; j++) {
      wcmp = PetscMax(wcmp, RelErr(cpred[j], pred[j], 1e-300));
      for (PetscInt k = 0; k < np; k++) wcmp = PetscMax(wcmp, RelErr(csens[j * np + k], sens[j * np + k], 1e-300));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "against %s: worst relative difference of predictions and sensitivities %.2e (tolerance %g)\n", cmp, (double)wcmp, (double)cmptol));
    PetscCall(PnlmeModelDestroy(&c));
  }
  {
    PetscLogDouble  p0, p1;
    struct mallinfo2 h0, h1;
    PetscCall(PetscMallocGetCurrentUsage(&p0));
    h0 = mallinfo2();
    for (int it = 0; it < 1000; it++) PetscCall(PnlmeModelPredict(m, &s, phi, pred, (it % 2) ? sens : NULL, &st));
    PetscCall(PetscMallocGetCurrentUsage(&p1));
    h1 = mallinfo2();
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "1000 predictions: PETSc memory %+g bytes, C heap in use %+ld bytes\n", (double)(p1 - p0), (long)h1.uordblks - (long)h0.uordblks));
    PetscCheck(p1 == p0 && h1.uordblks == h0.uordblks, PETSC_COMM_WORLD, PETSC_ERR_USER, "the predictions of %s allocate", file);
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscCheck(worst <= optol && wsens <= senstol && wcmp <= cmptol, PETSC_COMM_WORLD, PETSC_ERR_USER, "derivatives of %s differ", file);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "derivatives ok\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "checks the derivatives of a model file", Run); }
