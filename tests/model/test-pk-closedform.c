/* Closed-form PK predictions: explicit formulas, superposition, pre-dose ordering, resets, infusions
   (numerical integral, bolus limit), the linear ODE solved by a matrix exponential, equivalent
   parameterisations, and the degenerate case ka == elimination rate. */
#include "pktest.h"

static PKTSubject S, H; /* large: static */

/* the theophylline formula; the difference of exponentials through expm1 so that the reference
   itself is accurate at small t */
static PetscReal Theo(PetscReal D, PetscReal ka, PetscReal ke, PetscReal V, PetscReal t)
{
  return D * ka / (V * (ka - ke)) * exp(-ke * t) * (-expm1(-(ka - ke) * t));
}

static PetscErrorCode TestTheophylline(void)
{
  PnlmeModel      m;
  const PetscReal phi[3] = {1.5, 0.087, 32.0}, D = 319.992;
  const PetscReal theo[] = {0.25, 0.57, 1.12, 2.02, 3.82, 5.1, 7.03, 9.05, 12.12, 24.37};
  PetscReal       pred[PKT_MAXOBS];
  PetscFunctionBegin;
  PetscCall(PKTModel("pk1_oral_ke", &m));
  PKTInit(&S);
  PKTBolus(&S, 0, D, 1);
  for (int i = 0; i <= 300; i++) PKTObs(&S, 0.1 * i * (1 + 0.01 * i)); /* 0 .. 120 h */
  PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
  PNLME_TEST_CHECK(pred[0] == 0.0, "oral bolus at the observation time: C(0) = %g, expected 0", pred[0]);
  for (int i = 1; i <= 300; i++) PNLME_TEST_CLOSE(pred[i], Theo(D, phi[0], phi[1], phi[2], S.tobs[i]), 1e-12, 0, "theophylline formula");
  /* the textbook form, at the sampling times of subject 1 */
  PKTInit(&S);
  PKTBolus(&S, 0, D, 1);
  for (int i = 0; i < 10; i++) PKTObs(&S, theo[i]);
  PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
  for (int i = 0; i < 10; i++) {
    PetscReal t = theo[i], c = D * phi[0] / (phi[2] * (phi[0] - phi[1])) * (exp(-phi[1] * t) - exp(-phi[0] * t));
    PNLME_TEST_CLOSE(pred[i], c, 1e-12, 0, "theophylline textbook formula");
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "theophylline formula: OK\n"));
  PetscFunctionReturn(0);
}

/* prediction of one dose (bolus or infusion) given at time 0, at times t[] (t >= 0) */
static PetscErrorCode Single(PnlmeModel m, const PetscReal phi[], PetscInt type, PetscReal amt, PetscReal dur, PetscInt cmt, PetscInt n, const PetscReal t[], PetscReal y[])
{
  PetscFunctionBegin;
  PKTInit(&H);
  if (type == PNLME_EV_BOLUS) PKTBolus(&H, 0, amt, cmt);
  else PKTInfusion(&H, 0, amt, dur, cmt);
  for (PetscInt i = 0; i < n; i++) PKTObs(&H, t[i]);
  PetscCall(PKTPredict(m, PKTFinish(&H), phi, y, NULL));
  PetscFunctionReturn(0);
}

/* multiple doses (boluses into both inputs, an infusion) = sum of single doses shifted in time */
static PetscErrorCode TestSuperposition(void)
{
  const char *names[] = {"pk1_oral_ke", "pk2_oral_cl", "pk2_iv_cl", "pk1_iv_k"};
  PetscFunctionBegin;
  for (int im = 0; im < 4; im++) {
    PnlmeModel m;
    PetscReal  phi[8], pred[PKT_MAXOBS], sum[PKT_MAXOBS] = {0}, y[PKT_MAXOBS], tt[PKT_MAXOBS];
    PetscBool  oral = strstr(names[im], "oral") ? PETSC_TRUE : PETSC_FALSE;
    struct {
      PetscInt  type, cmt;
      PetscReal time, amt, dur;
    } dose[4] = {
      {PNLME_EV_BOLUS,          1,            0,  300, 0},
      {PNLME_EV_BOLUS,          1,            10, 200, 0},
      {PNLME_EV_INFUSION_START, 1,            17, 40,  2.5},
      {PNLME_EV_BOLUS,          oral ? 2 : 1, 20, 150, 0}
    };
    PKTTypical(names[im], phi);
    PetscCall(PKTModel(names[im], &m));
    PKTInit(&S);
    for (int d = 0; d < 4; d++) {
      if (dose[d].type == PNLME_EV_BOLUS) PKTBolus(&S, dose[d].time, dose[d].amt, dose[d].cmt);
      else PKTInfusion(&S, dose[d].time, dose[d].amt, dose[d].dur, dose[d].cmt);
    }
    for (int i = 0; i < 120; i++) PKTObs(&S, 0.37 * i + 0.05);
    PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
    for (int d = 0; d < 4; d++) {
      PetscInt n = 0, map[PKT_MAXOBS];
      for (PetscInt i = 0; i < S.nobs; i++)
        if (S.tobs[i] >= dose[d].time) {
          map[n]  = i;
          tt[n++] = S.tobs[i] - dose[d].time;
        }
      PetscCall(Single(m, phi, dose[d].type, dose[d].amt, dose[d].dur, dose[d].cmt, n, tt, y));
      for (PetscInt i = 0; i < n; i++) sum[map[i]] += y[i];
    }
    for (PetscInt i = 0; i < S.nobs; i++) PNLME_TEST_CLOSE(pred[i], sum[i], 1e-12, 1e-15, "superposition");
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "superposition of doses: OK\n"));
  PetscFunctionReturn(0);
}

/* an observation listed before a dose at the same time sees none of it; listed after, it sees D h(0) */
static PetscErrorCode TestPredoseAndReset(void)
{
  PnlmeModel m, mo;
  PetscReal  phi[2] = {2.5, 30}, pho[3] = {1.6, 0.087, 32}, pred[8];
  PetscFunctionBegin;
  PetscCall(PKTModel("pk1_iv_cl", &m));
  PKTInit(&S);
  PKTBolus(&S, 0, 100, 1);
  PKTObs(&S, 10);          /* pre-dose */
  PKTBolus(&S, 10, 60, 1); /* dose row */
  PKTObs(&S, 10);          /* post-dose, same time */
  PKTObs(&S, 0);           /* sorted after the dose row at t = 0 (insertion order kept) */
  PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
  PNLME_TEST_CLOSE(pred[0], 100 / 30.0 * exp(-2.5 / 30 * 10), 1e-14, 0, "pre-dose sample");
  PNLME_TEST_CLOSE(pred[1], pred[0] + 60 / 30.0, 1e-14, 0, "post-dose sample at the dose time: + D h(0) = D/V");
  PNLME_TEST_CLOSE(pred[2], 100 / 30.0, 1e-14, 0, "sample after the first dose row at t = 0");
  /* observation row first at t = 0: no dose yet */
  PKTInit(&S);
  PKTObs(&S, 0);
  PKTBolus(&S, 0, 100, 1);
  PKTObs(&S, 1);
  PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
  PNLME_TEST_CHECK(pred[0] == 0.0, "pre-dose sample before the first dose: %g", pred[0]);
  /* reset: earlier doses forgotten (a running infusion too) */
  PKTInit(&S);
  PKTBolus(&S, 0, 100, 1);
  PKTInfusion(&S, 12, 30, 10, 1);
  PKTObs(&S, 14);
  PKTReset(&S, 15);
  PKTObs(&S, 15);
  PKTObs(&S, 18);
  PKTBolus(&S, 20, 60, 1);
  PKTObs(&S, 20);
  PKTObs(&S, 26);
  PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
  PNLME_TEST_CHECK(pred[0] > 100 / 30.0 * exp(-2.5 / 30 * 14), "before the reset the doses count");
  PNLME_TEST_CHECK(pred[1] == 0.0 && pred[2] == 0.0, "after a reset and before a new dose C must be 0: %g %g", pred[1], pred[2]);
  PNLME_TEST_CLOSE(pred[3], 2.0, 1e-14, 0, "first dose after the reset, at its time");
  PNLME_TEST_CLOSE(pred[4], 2.0 * exp(-2.5 / 30 * 6), 1e-14, 0, "first dose after the reset");
  /* oral: a bolus into the central compartment at the observation time counts D/V; into the depot 0 */
  PetscCall(PKTModel("pk1_oral_ke", &mo));
  PKTInit(&S);
  PKTBolus(&S, 5, 320, 1);
  PKTObs(&S, 5);
  PKTBolus(&S, 5, 64, 2);
  PKTObs(&S, 5);
  PetscCall(PKTPredict(mo, PKTFinish(&S), pho, pred, NULL));
  PNLME_TEST_CHECK(pred[0] == 0.0, "depot bolus at the observation time: %g", pred[0]);
  PNLME_TEST_CLOSE(pred[1], 2.0, 1e-14, 0, "central bolus of an oral model at the observation time");
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PnlmeModelDestroy(&mo));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "pre-dose ordering and resets: OK\n"));
  PetscFunctionReturn(0);
}

/* infusion = integral of rate * h(t - s) over the infusion (composite Simpson), and the bolus limit */
static PetscErrorCode TestInfusion(void)
{
  const char *names[] = {"pk1_iv_cl", "pk2_iv_k", "pk1_oral_ke", "pk1_oral_ke", "pk2_oral_cl", "pk2_oral_cl"};
  const int   cmts[]  = {1, 1, 1, 2, 1, 2};
  PetscFunctionBegin;
  for (int im = 0; im < 6; im++) {
    PnlmeModel      m;
    PetscReal       phi[8], pred[16], h[PKT_MAXOBS], node[PKT_MAXOBS];
    const PetscReal td = 2, R = 50, T = 3, tobs[] = {2, 2.5, 4, 5, 6, 12, 40};
    const PetscInt  N  = 400; /* Simpson intervals */
    PKTTypical(names[im], phi);
    PetscCall(PKTModel(names[im], &m));
    PKTInit(&S);
    PKTInfusion(&S, td, R, T, cmts[im]);
    for (int i = 0; i < 7; i++) PKTObs(&S, tobs[i]);
    PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
    for (int i = 0; i < 7; i++) {
      PetscReal u = tobs[i] - td, w = PetscMin(u, T), ref = 0;
      if (w > 0) {
        for (PetscInt k = 0; k <= N; k++) node[k] = u - w * k / N; /* h(u - s), s = w k / N */
        PetscCall(Single(m, phi, PNLME_EV_BOLUS, 1.0, 0, cmts[im], N + 1, node, h));
        for (PetscInt k = 0; k <= N; k++) ref += h[k] * (k == 0 || k == N ? 1 : (k % 2 ? 4 : 2));
        ref *= R * w / (3.0 * N);
      }
      PNLME_TEST_CLOSE(pred[i], ref, 1e-9, 1e-14, "infusion vs Simpson integral of the bolus response");
    }
    /* bolus limit: duration 1e-7 */
    {
      PetscReal t2[] = {2.5, 3, 6, 30}, yb[4], yi[4];
      PetscCall(Single(m, phi, PNLME_EV_BOLUS, 100, 0, cmts[im], 4, t2, yb));
      PetscCall(Single(m, phi, PNLME_EV_INFUSION_START, 100 / 1e-7, 1e-7, cmts[im], 4, t2, yi));
      for (int i = 0; i < 4; i++) PNLME_TEST_CLOSE(yi[i], yb[i], 1e-6, 0, "short infusion tends to a bolus");
    }
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "infusions (Simpson integral, bolus limit): OK\n"));
  PetscFunctionReturn(0);
}

/* relative accuracy long after an infusion (terminal phase), against the explicit formulas in long double */
static PetscErrorCode TestInfusionLate(void)
{
  PnlmeModel        m;
  const PetscReal   phi[3] = {1.6, 0.087, 32}, R = 100, T = 3, tobs[] = {0.5, 2, 3, 3.5, 10, 50, 100, 200, 300, 500};
  const long double ka = 1.6L, ke = 0.087L, V = 32;
  PetscReal         pred[16];
  PetscFunctionBegin;
  PetscCall(PKTModel("pk1_oral_ke", &m));
  for (int cmt = 1; cmt <= 2; cmt++) {
    PKTInit(&S);
    PKTInfusion(&S, 0, R, T, cmt);
    for (int i = 0; i < 10; i++) PKTObs(&S, tobs[i]);
    PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
    for (int i = 0; i < 10; i++) {
      long double u = tobs[i], w = u > T ? u - T : 0, ref;
      if (cmt == 1) /* R ka/V int_w^u (e^{-ke s} - e^{-ka s})/(ka - ke) ds */
        ref = R * ka / V * ((expl(-ke * w) - expl(-ke * u)) / ke - (expl(-ka * w) - expl(-ka * u)) / ka) / (ka - ke);
      else ref = R / V * (expl(-ke * w) - expl(-ke * u)) / ke;
      PNLME_TEST_CLOSE(pred[i], (double)ref, 1e-12, 0, cmt == 1 ? "depot infusion, late times" : "central infusion, late times");
    }
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "infusions, relative accuracy up to 500 h: OK\n"));
  PetscFunctionReturn(0);
}

/* central infusions (f(T) once per set and duration, or in the lanes while running or past a plan's 8
   durations) against the explicit formula in long double: rates k with k T from 1e-4 to 50 (both forms of
   f, and k T = 0.5 at their switch), observations during, at the end of and after each infusion, and a
   subject with 11 infusions of 11 durations superposed; relative 1e-13 */
static PetscErrorCode TestInfusionCentral(void)
{
  PnlmeModel      m;
  const PetscReal ks[] = {1e-4, 0.05, 0.2, 0.5, 2.0, 25.0}, V = 20;
  PetscReal       pred[PKT_MAXOBS], worst = 0;
  PetscFunctionBegin;
  PetscCall(PKTModel("pk1_iv_k", &m));
  for (int ik = 0; ik < 6; ik++) {
    const PetscReal phi[2] = {ks[ik], V};
    for (int many = 0; many < 2; many++) {
      const int   nd = many ? 11 : 1;
      PetscReal   start[11], dur[11], rate[11];
      const PetscReal frac[] = {0.01, 0.3, 0.999, 1.0, 1.001, 1.5, 3.0};
      PKTInit(&S);
      for (int d = 0; d < nd; d++) {
        start[d] = 7.0 * d;
        dur[d]   = many ? 0.5 + 0.37 * d : 1.0;
        rate[d]  = 40 + 3 * d;
        PKTInfusion(&S, start[d], rate[d], dur[d], 1);
        for (int i = 0; i < 7; i++) PKTObs(&S, start[d] + frac[i] * dur[d]);
      }
      if (!many) PKTObs(&S, 0.5 / ks[ik]); /* k u = 0.5 */
      PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
      for (PetscInt i = 0; i < S.nobs; i++) {
        const long double t = S.tobs[i], k = ks[ik];
        long double       ref = 0;
        for (int d = 0; d < nd; d++) {
          const long double u = t - start[d], u1 = u < dur[d] ? u : dur[d];
          if (u >= 0) ref += rate[d] / (V * k) * -expm1l(-k * u1) * expl(-k * (u - u1));
        }
        worst = PetscMax(worst, fabs(pred[i] - (double)ref) / (double)ref);
        PNLME_TEST_CLOSE(pred[i], (double)ref, 1e-13, 0, "central infusions against the formula in long double");
      }
    }
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "central infusions, k T from 1e-4 to 50, 11 durations: OK (worst %.1e relative)\n", (double)worst));
  PetscFunctionReturn(0);
}

/* every model against the linear ODE solved by a matrix exponential, on a timeline with boluses,
   overlapping infusions, central doses for oral models, pre-dose samples and a reset; with central, the
   infusions of oral models go to the central compartment (a timeline of both inputs the blocks take) */
static PetscErrorCode TimelineAll(PKTSubject *t, PetscBool oral, PetscBool central)
{
  const int ic = central && oral ? 2 : 1; /* the infusions' compartment (central: the engine's blocks for both inputs) */
  PetscFunctionBegin;
  PKTInit(t);
  PKTBolus(t, 0, 300, 1);
  PKTInfusion(t, 5, 40, 2.5, ic);
  PKTInfusion(t, 6, 25, 4, ic);
  if (oral) PKTBolus(t, 8, 120, 2);
  if (oral) PKTInfusion(t, 9, 30, 3, 2);
  for (int i = 0; i < 60; i++) PKTObs(t, 0.5 * i);
  PKTObs(t, 7.5); /* at the end of an infusion */
  PKTObs(t, 12);
  PKTBolus(t, 12, 200, 1);
  PKTObs(t, 12);
  PKTReset(t, 31);
  PKTObs(t, 32);
  PKTBolus(t, 33, 100, 1);
  for (int i = 0; i < 20; i++) PKTObs(t, 33 + 1.7 * i);
  PetscFunctionReturn(0);
}

static PetscErrorCode CompareODE(const char name[], const PetscReal phi[], const char what[], PetscBool central)
{
  PnlmeModel m;
  PKTSystem  sys;
  PetscReal  pred[PKT_MAXOBS], ref[PKT_MAXOBS], mx = 0;
  PetscFunctionBegin;
  PetscCall(PKTModel(name, &m));
  PetscCall(TimelineAll(&S, strstr(name, "oral") ? PETSC_TRUE : PETSC_FALSE, central));
  PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
  PetscCall(PKTSystemOf(name, phi, &sys));
  PetscCall(PKTReference(&sys, &S.s, ref));
  for (PetscInt i = 0; i < S.nobs; i++) mx = PetscMax(mx, fabs(ref[i]));
  for (PetscInt i = 0; i < S.nobs; i++) {
    PetscCheck(fabs(pred[i] - ref[i]) <= 1e-9 * fabs(ref[i]) + 1e-12 * mx, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s (%s): observation %d at t = %g: closed form %.17g, matrix exponential %.17g", name, what, (int)i, S.tobs[i], pred[i],
               ref[i]);
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestODE(void)
{
  PetscFunctionBegin;
  for (int im = 0; im < PKT_NMODELS; im++) {
    PetscReal phi[8];
    PKTTypical(PKTModels[im], phi);
    PetscCall(CompareODE(PKTModels[im], phi, "typical", PETSC_FALSE));
    PetscCall(CompareODE(PKTModels[im], phi, "typical, central infusions", PETSC_TRUE));
    /* flip-flop / fast distribution variants */
    for (int j = 0; j < 5; j++) phi[j] *= (j % 2 ? 3.0 : 0.2);
    PetscCall(CompareODE(PKTModels[im], phi, "scaled", PETSC_FALSE));
    PetscCall(CompareODE(PKTModels[im], phi, "scaled, central infusions", PETSC_TRUE));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "all models vs matrix exponential of the linear ODE: OK\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode ComparePair(const char a[], const PetscReal pa[], const char b[], const PetscReal pb[])
{
  PnlmeModel ma, mb;
  PetscReal  ya[PKT_MAXOBS], yb[PKT_MAXOBS];
  PetscFunctionBegin;
  PetscCall(PKTModel(a, &ma));
  PetscCall(PKTModel(b, &mb));
  PetscCall(TimelineAll(&S, strstr(a, "oral") ? PETSC_TRUE : PETSC_FALSE, PETSC_FALSE));
  PetscCall(PKTPredict(ma, PKTFinish(&S), pa, ya, NULL));
  PetscCall(PKTPredict(mb, &S.s, pb, yb, NULL));
  for (PetscInt i = 0; i < S.nobs; i++) PNLME_TEST_CLOSE(ya[i], yb[i], 1e-13, 1e-16, "equivalent parameterisations");
  PetscCall(PnlmeModelDestroy(&ma));
  PetscCall(PnlmeModelDestroy(&mb));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestParameterisations(void)
{
  const PetscReal CL = 2.7, V = 31, ka = 1.4, V1 = 18, Q = 3.5, V2 = 45;
  PetscFunctionBegin;
  {
    PetscReal a[] = {CL, V}, b[] = {CL / V, V};
    PetscCall(ComparePair("pk1_iv_cl", a, "pk1_iv_k", b));
  }
  {
    PetscReal a[] = {ka, CL, V}, b[] = {ka, CL / V, V};
    PetscCall(ComparePair("pk1_oral_cl", a, "pk1_oral_k", b));
    PetscCall(ComparePair("pk1_oral_cl", a, "pk1_oral_ke", b));
  }
  {
    PetscReal a[] = {CL, V1, Q, V2}, b[] = {CL / V1, V1, Q / V1, Q / V2};
    PetscCall(ComparePair("pk2_iv_cl", a, "pk2_iv_k", b));
  }
  {
    PetscReal a[] = {ka, CL, V1, Q, V2}, b[] = {ka, CL / V1, V1, Q / V1, Q / V2};
    PetscCall(ComparePair("pk2_oral_cl", a, "pk2_oral_k", b));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "(CL, V, Q, V2) vs (k, V, k12, k21) parameterisations: OK\n"));
  PetscFunctionReturn(0);
}

/* ka == ke and nearby: exact limit D ka/V t e^{-ke t} phi1(-(ka - ke) t), phi1 by its power series */
static PetscErrorCode TestDegenerate(void)
{
  PnlmeModel      m;
  const PetscReal ke = 0.087, V = 32, D = 320, rel[] = {0, 1e-14, 1e-12, 1e-9, 1e-6, 1e-4, -1e-8, 1e-2};
  PetscReal       pred[64];
  PetscFunctionBegin;
  PetscCall(PKTModel("pk1_oral_ke", &m));
  for (int r = 0; r < 8; r++) {
    PetscReal phi[3] = {ke * (1 + rel[r]), ke, V}, dk = phi[0] - ke;
    PKTInit(&S);
    PKTBolus(&S, 0, D, 1);
    for (int i = 0; i < 40; i++) PKTObs(&S, 0.03 + 2.1 * i);
    PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
    for (int i = 0; i < 40; i++) {
      PetscReal t = S.tobs[i], ser = 0, term = 1;
      for (int n = 0; n < 40; n++) {
        ser += term;
        term *= -dk * t / (n + 2);
      }
      PNLME_TEST_CLOSE(pred[i], D * phi[0] / V * t * exp(-ke * t) * ser, 1e-12, 0, "ka == ke limit");
    }
  }
  PetscCall(PnlmeModelDestroy(&m));
  /* two compartments: ka equal to either disposition rate, against the matrix exponential */
  {
    PetscReal k = 0.15, k12 = 0.2, k21 = 0.08, s = k + k12 + k21, disc = sqrt(s * s - 4 * k * k21);
    PetscReal alpha = 0.5 * (s + disc), beta = k * k21 / alpha;
    PetscReal pa[5] = {alpha, k, 20, k12, k21}, pb[5] = {beta, k, 20, k12, k21}, pc[5] = {beta * (1 + 1e-9), k, 20, k12, k21};
    PetscCall(CompareODE("pk2_oral_k", pa, "ka = alpha", PETSC_FALSE));
    PetscCall(CompareODE("pk2_oral_k", pb, "ka = beta", PETSC_FALSE));
    PetscCall(CompareODE("pk2_oral_k", pc, "ka = beta (1 + 1e-9)", PETSC_FALSE));
  }
  {
    PetscReal p[3] = {0.087, 0.087, 32};
    PetscCall(CompareODE("pk1_oral_ke", p, "ka = ke, central infusions", PETSC_TRUE));
    PetscCall(CompareODE("pk1_oral_ke", p, "ka = ke, with infusions", PETSC_FALSE));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "degenerate ka == elimination rate: OK\n"));
  PetscFunctionReturn(0);
}

/* model m (type name, parameters phi) on S against the matrix exponential of its linear ODE: relative
   1e-9, absolute 1e-12 of the largest value */
static PetscErrorCode AgainstReference(PnlmeModel m, const char name[], const PetscReal phi[], const char what[])
{
  PKTSystem sys;
  PetscReal pred[PKT_MAXOBS], ref[PKT_MAXOBS], mx = 0;
  PetscFunctionBegin;
  PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
  PetscCall(PKTSystemOf(name, phi, &sys));
  PetscCall(PKTReference(&sys, &S.s, ref));
  for (PetscInt i = 0; i < S.nobs; i++) mx = PetscMax(mx, fabs(ref[i]));
  for (PetscInt i = 0; i < S.nobs; i++) PNLME_TEST_CLOSE(pred[i], ref[i], 1e-9, 1e-12 * mx, what);
  PetscFunctionReturn(0);
}

/* more doses since the last reset than the engine remembers (it then rescans the timeline) */
static PetscErrorCode TestManyDoses(void)
{
  const char *names[] = {"pk1_oral_ke", "pk2_iv_cl", "pk2_oral_k"};
  PetscFunctionBegin;
  for (int im = 0; im < 3; im++) {
    PnlmeModel m;
    PetscReal  phi[8];
    PKTTypical(names[im], phi);
    PetscCall(PKTModel(names[im], &m));
    PKTInit(&S);
    for (int d = 0; d < 300; d++) {
      if (d == 250) PKTReset(&S, 0.25 * d - 0.1);
      if (d % 50 == 7) PKTInfusion(&S, 0.25 * d + 0.1, 20, 3, 1);
      else PKTBolus(&S, 0.25 * d, 100 + d, 1);
    }
    for (int i = 0; i < 500; i++) PKTObs(&S, 0.3 * i + 0.01);
    PetscCall(AgainstReference(m, names[im], phi, "300 doses vs matrix exponential"));
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "300 doses with a reset and infusions: OK\n"));
  PetscFunctionReturn(0);
}

/* 1,000 and 1,500 observations (a plan holds 1,024: the second goes one set at a time) of a bolus and a
   central infusion, every model against the matrix exponential */
static PetscErrorCode TestManyObservations(void)
{
  PetscFunctionBegin;
  for (int im = 0; im < PKT_NMODELS; im++) {
    const PetscInt nobs[2] = {1000, 1500};
    const int      cc      = strstr(PKTModels[im], "oral") ? 2 : 1;
    for (int r = 0; r < 2; r++) {
      PnlmeModel m;
      PetscReal  phi[8];
      PKTTypical(PKTModels[im], phi);
      PetscCall(PKTModel(PKTModels[im], &m));
      PKTInit(&S);
      PKTBolus(&S, 0, 100, 1);
      PKTInfusion(&S, 10, 30, 2, cc);
      for (PetscInt i = 0; i < nobs[r]; i++) PKTObs(&S, 0.05 * (PetscReal)i);
      PetscCall(AgainstReference(m, PKTModels[im], phi, "many observations vs matrix exponential"));
      PetscCall(PnlmeModelDestroy(&m));
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "1,000 and 1,500 observations: OK\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscFunctionBegin;
  PetscCall(TestTheophylline());
  PetscCall(TestSuperposition());
  PetscCall(TestPredoseAndReset());
  PetscCall(TestInfusion());
  PetscCall(TestInfusionLate());
  PetscCall(TestInfusionCentral());
  PetscCall(TestODE());
  PetscCall(TestParameterisations());
  PetscCall(TestDegenerate());
  PetscCall(TestManyDoses());
  PetscCall(TestManyObservations());
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "closed-form PK predictions", Run); }
