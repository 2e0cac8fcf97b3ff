/* Lag times and bioavailabilities of ODE models (docs/ode.md): the event driver's jumps of the state and
   of its sensitivities at moved doses, infusion starts and ends.
   - pk1_oral_ke_ode and pk2_oral_cl_ode with a lag and a bioavailability on CMT 1 and CMT 2, against the
     closed forms with the same dose parameters (values and analytic sensitivities), for every integrator,
     on boluses, an ADDL series, infusions into the depot and the centre, observations 1e-3 from every
     moved event, moved doses and infusion ends exactly at observation times, and a reset;
   - dopri5 at rtol 1e-12 against differences of its own predictions;
   - a model without any derivative (difference quotients in the sensitivity rhs, init and output);
   - no allocation per solve. */
#include "odetest.h"
#include "../model/dosetest.h"
#include <malloc.h>

static PKTSubject S;

static PetscErrorCode DoseODEModel(const char type[], const char integ[], const char rtol[], const char atol[], PnlmeModel *m)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, "-ode_integrator", integ));
  PetscCall(PetscOptionsSetValue(NULL, "-ode_rtol", rtol));
  PetscCall(PetscOptionsSetValue(NULL, "-ode_atol", atol));
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, m));
  PetscCall(PnlmeModelSetType(*m, type));
  PetscCall(PnlmeModelAddDoseLag(*m, 1, "Tlag"));
  PetscCall(PnlmeModelAddDoseBioavailability(*m, 1, "F"));
  PetscCall(PnlmeModelAddDoseLag(*m, 2, "Tlag2"));
  PetscCall(PnlmeModelAddDoseBioavailability(*m, 2, "F2"));
  PetscCall(PnlmeModelSetFromOptions(*m));
  PetscCall(PnlmeModelSetUp(*m));
  PetscFunctionReturn(0);
}

/* ---- one compartment, first-order absorption, (ka, ke, V), without any derivative */
static int NDRhs(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  (void)t;
  (void)ctx;
  f[0] = -p[0] * x[0];
  f[1] = p[0] * x[0] - p[1] * x[1];
  return 0;
}
static int NDInit(const PetscReal p[], PetscReal x0[], PetscReal dx0[], void *ctx)
{
  (void)p;
  (void)dx0;
  (void)ctx;
  x0[0] = x0[1] = 0;
  return 0;
}
static int NDOutput(PetscReal t, const PetscReal x[], const PetscReal p[], PetscInt iout, PetscReal *y, PetscReal dydx[], PetscReal dydp[], void *ctx)
{
  (void)t;
  (void)iout;
  (void)dydx;
  (void)dydp;
  (void)ctx;
  *y = x[1] / p[2];
  return 0;
}
static PetscErrorCode NDCreate(PnlmeModel m)
{
  const char *const names[] = {"ka", "ke", "V"};
  PnlmeModelOps     ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetParameters(m, 3, names, NULL));
  PetscCall(PnlmeModelSetNumStates(m, 2));
  PetscCall(PnlmeModelAddDoseCompartment(m, 1, 0));
  PetscCall(PnlmeModelAddDoseCompartment(m, 2, 1));
  PetscCall(PnlmeModelAddOutput(m, "C", 2));
  ops.rhs    = NDRhs;
  ops.init   = NDInit;
  ops.output = NDOutput;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}

static const PetscReal Lag[3] = {0, 0.75, 0.4}, Fb[3] = {1, 0.8, 0.6};

/* the timelines: 0 the general regimen (observations on a grid and 1e-3 from every moved event), 1 a
   bolus and an ADDL dose landing on observations, 2 an infusion start on one, 3 an infusion end on one,
   4 a reset that forgets a dose moved past it and stops an infusion */
static void Timeline(int which)
{
  DTDose    d[8];
  PetscReal tobs[PKT_MAXOBS];
  PetscInt  nd = 0, no = 0;
  switch (which) {
  case 0:
    d[nd++] = (DTDose){0, 100, 0, 1};
    d[nd++] = (DTDose){12, 100, 0, 1};
    d[nd++] = (DTDose){24, 100, 0, 1};
    d[nd++] = (DTDose){30, 60, 30, 1};
    d[nd++] = (DTDose){40, 20, 0, 2};
    d[nd++] = (DTDose){44, 50, 10, 2};
    for (PetscInt i = 0; i < 70; i++) tobs[no++] = 0.31 + 0.83 * i;
    for (PetscInt i = 0; i < nd; i++) {
      const PetscReal t0 = d[i].t + Lag[d[i].cmt];
      tobs[no++] = t0 - 1e-3;
      tobs[no++] = t0 + 1e-3;
      if (d[i].rate > 0) {
        tobs[no++] = t0 + Fb[d[i].cmt] * d[i].amt / d[i].rate - 1e-3;
        tobs[no++] = t0 + Fb[d[i].cmt] * d[i].amt / d[i].rate + 1e-3;
      }
    }
    break;
  case 1: /* with Tlag 0.5: doses at 0.5, 12.5, 24.5 */
    d[nd++] = (DTDose){0, 100, 0, 1};
    d[nd++] = (DTDose){12, 100, 0, 1};
    d[nd++] = (DTDose){24, 100, 0, 1};
    tobs[no++] = 12.5;
    tobs[no++] = 24.5;
    tobs[no++] = 30;
    break;
  case 2: /* infusion into the depot from 0.5 */
    d[nd++] = (DTDose){0, 80, 40, 1};
    tobs[no++] = 0.5;
    tobs[no++] = 1;
    break;
  case 3: /* ... ending at 0.5 + 0.75 x 2 = 2 */
    d[nd++] = (DTDose){0, 80, 40, 1};
    tobs[no++] = 2;
    tobs[no++] = 5;
    break;
  }
  DTBuild(&S, d, nd, tobs, no, NULL, NULL);
  if (which == 4) { /* by hand: an infusion from 0.4 (CMT 2), a bolus at 0 moved to 3 past the reset at 2 */
    PKTInit(&S);
    PKTInfusion(&S, 0, 20, 4, 2);
    PKTBolus(&S, 0, 100, 1);
    PKTObs(&S, 1);
    PKTObs(&S, 1.5);
    PKTReset(&S, 2);
    PKTBolus(&S, 2.5, 50, 1);
    PKTObs(&S, 2.5);
    PKTObs(&S, 4);
    PKTObs(&S, 9);
    PKTFinish(&S);
  }
}

/* the parameters of timeline `which` */
static void Params(const char cf[], int which, PetscReal phi[], PetscInt *np)
{
  PetscInt n = strstr(cf, "pk2") ? 5 : 3;
  PKTTypical(cf, phi);
  phi[n]     = which == 0 ? Lag[1] : which == 4 ? 3.0 : 0.5;
  phi[n + 1] = which == 0 ? Fb[1] : 0.75;
  phi[n + 2] = Lag[2];
  phi[n + 3] = Fb[2];
  *np        = n + 4;
}

static PetscErrorCode Compare(const char ode[], const char cf[], PetscReal *werr, PetscReal *wsens)
{
  PnlmeModel mc;
  PetscFunctionBegin;
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, &mc));
  PetscCall(PnlmeModelSetType(mc, cf));
  PetscCall(PnlmeModelAddDoseLag(mc, 1, "Tlag"));
  PetscCall(PnlmeModelAddDoseBioavailability(mc, 1, "F"));
  PetscCall(PnlmeModelAddDoseLag(mc, 2, "Tlag2"));
  PetscCall(PnlmeModelAddDoseBioavailability(mc, 2, "F2"));
  PetscCall(PnlmeModelSetUp(mc));
  for (int b = 0; b < TNINTEGRATORS; b++) {
    PnlmeModel m;
    PetscReal  ebe = 0, sbe = 0;
    /* without derivatives, CVODES's difference quotients need the sensitivities in the error test */
    if (!strcmp(ode, "test_pk1_noderiv")) PetscCall(PetscOptionsSetValue(NULL, "-ode_sens_errcon", "1"));
    PetscCall(DoseODEModel(ode, TIntegrators[b], "1e-10", "1e-12", &m));
    PetscCall(PetscOptionsClearValue(NULL, "-ode_sens_errcon"));
    for (int which = 0; which < 5; which++) {
      PetscReal        phi[16], pred[PKT_MAXOBS], ref[PKT_MAXOBS], mx = 0;
      PetscInt         np;
      static PetscReal sens[PKT_MAXOBS * 16], sref[PKT_MAXOBS * 16];
      Timeline(which);
      Params(cf, which, phi, &np);
      PetscCall(PKTPredict(m, &S.s, phi, pred, sens));
      PetscCall(PKTPredict(mc, &S.s, phi, ref, sref));
      for (PetscInt i = 0; i < S.nobs; i++) mx = PetscMax(mx, fabs(ref[i]));
      for (PetscInt i = 0; i < S.nobs; i++) {
        const PetscReal e = fabs(pred[i] - ref[i]) / mx;
        ebe               = PetscMax(ebe, e);
        PetscCheck(e <= 1e-7, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s/%s, timeline %d: pred[%d] (t = %g) %.12g, closed form %.12g", ode, TIntegrators[b], which, (int)i, (double)S.tobs[i], (double)pred[i], (double)ref[i]);
        for (PetscInt j = 0; j < np; j++) {
          const PetscReal a = fabs(phi[j]) * sens[i * np + j], r = fabs(phi[j]) * sref[i * np + j], es = fabs(a - r) / (fabs(r) + mx);
          const char     *name;
          sbe = PetscMax(sbe, es);
          PetscCall(PnlmeModelGetParameterName(m, j, &name));
          PetscCheck(es <= 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s/%s, timeline %d: d pred[%d] (t = %g) / d %s: %.12g, closed form %.12g", ode, TIntegrators[b], which, (int)i, (double)S.tobs[i], name, (double)sens[i * np + j], (double)sref[i * np + j]);
        }
      }
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-16s %-13s values %.1e, sensitivities %.1e of max|pred| from the closed form\n", ode, TIntegrators[b], (double)ebe, (double)sbe));
    *werr  = PetscMax(*werr, ebe);
    *wsens = PetscMax(*wsens, sbe);
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PnlmeModelDestroy(&mc));
  PetscFunctionReturn(0);
}

/* dopri5 at rtol 1e-12 against differences of its own predictions (one-sided at the coincidences, on the
   side the order of events gives) */
static PetscErrorCode CheckFD(const char ode[], const char cf[])
{
  PnlmeModel m;
  PetscReal  worst = 0;
  PetscFunctionBegin;
  PetscCall(DoseODEModel(ode, "dopri5", "1e-12", "1e-14", &m));
  for (int which = 0; which < 5; which++) {
    PetscReal        phi[16], pred[PKT_MAXOBS];
    PetscInt         np, np0, side[16] = {0};
    static PetscReal sens[PKT_MAXOBS * 16];
    char             what[64];
    Timeline(which);
    Params(cf, which, phi, &np);
    PetscCall(PnlmeModelGetNumStructuralParameters(m, &np0));
    if (which == 1 || which == 2) side[np0] = -1;
    if (which == 3) side[np0] = side[np0 + 1] = 1;
    PetscCall(PKTPredict(m, &S.s, phi, pred, sens));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s/dopri5, timeline %d", ode, which));
    PetscCall(DTCheckSens(m, &S.s, phi, side, sens, 1e-4, 1e-5, 1e-7, what, &worst));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-16s dopri5 against differences of its predictions: worst %.1e\n", ode, (double)worst));
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckNoAlloc(void)
{
  PetscFunctionBegin;
  Timeline(0);
  for (int b = 0; b < 3; b++) {
    PnlmeModel       m;
    PetscReal        phi[16], ph[16], pred[PKT_MAXOBS];
    PetscInt         np;
    static PetscReal sens[PKT_MAXOBS * 16];
    PetscCall(DoseODEModel("pk1_oral_ke_ode", TIntegrators[b], "1e-6", "1e-9", &m));
    PetscCall(PnlmeModelSetMaxSizes(m, S.nobs, S.nev));
    Params("pk1_oral_ke", 0, phi, &np);
    for (int ws = 0; ws < 2; ws++) {
      PetscLogDouble before, after;
      size_t         hbefore, hafter;
      PetscCall(PKTPredict(m, &S.s, phi, pred, ws ? sens : NULL));
      PetscCall(PetscMallocGetCurrentUsage(&before));
      hbefore = mallinfo2().uordblks;
      for (int i = 0; i < 100; i++) {
        for (PetscInt k = 0; k < np; k++) ph[k] = phi[k] * (1.0 + 0.05 * sin(i + k));
        PetscCall(PKTPredict(m, &S.s, ph, pred, ws ? sens : NULL));
      }
      PetscCall(PetscMallocGetCurrentUsage(&after));
      hafter = mallinfo2().uordblks;
      PNLME_TEST_CHECK(before == after && hbefore == hafter, "%s: memory in use changed over solves with dose parameters", TIntegrators[b]);
    }
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  no allocation per solve with dose parameters (dopri5, cvodes_bdf, cvodes_adams)\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscReal werr = 0, wsens = 0;
  PetscFunctionBegin;
  PetscCall(PnlmeModelRegister("test_pk1_noderiv", NDCreate));
  PetscCall(Compare("pk1_oral_ke_ode", "pk1_oral_ke", &werr, &wsens));
  PetscCall(Compare("pk2_oral_cl_ode", "pk2_oral_cl", &werr, &wsens));
  PetscCall(Compare("test_pk1_noderiv", "pk1_oral_ke", &werr, &wsens));
  PetscCall(CheckFD("pk1_oral_ke_ode", "pk1_oral_ke"));
  PetscCall(CheckFD("pk2_oral_cl_ode", "pk2_oral_cl"));
  PetscCall(CheckFD("test_pk1_noderiv", "pk1_oral_ke"));
  PetscCall(CheckNoAlloc());
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "dose parameters of ODE models: values within %.1e and sensitivities within %.1e of max|pred| from the closed forms: OK\n", (double)werr, (double)wsens));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "lag times and bioavailabilities of ODE models", Run); }
