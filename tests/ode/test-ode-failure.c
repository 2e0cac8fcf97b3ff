/* Failing integrations come back as PNLME_SOLVE_FAILED through PnlmeModelPredict, never abort, and the
   next subject solves correctly: a solution that blows up in finite time, a model that refuses its
   parameters, a dose into a compartment the model lacks, and -ode_max_steps 2; every integrator, with
   and without sensitivities; the same failures among good sets in one call (PnlmeModelPredictMany:
   dopri5 in SIMD lanes) give each set the status and bits it has alone.  Also: in auto mode a stiff
   subject (dopri5 detects stiffness) is redone by cvodes_bdf and agrees with it, also in calls (of 4 and 11 sets) with
   ordinary subjects. */
#include "odetest.h"

/* x' = a x^2, x(0) = 1: x = 1 / (1 - a t), infinite at t = 1/a; the rhs refuses a < 0 */
static int BURhs(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  (void)t, (void)ctx;
  if (p[0] < 0) return 1;
  f[0] = p[0] * x[0] * x[0];
  return 0;
}
static int BUJac(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal J[], void *ctx)
{
  (void)t, (void)ctx;
  J[0] = 2 * p[0] * x[0];
  return 0;
}
static int BURhsp(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal Fp[], void *ctx)
{
  (void)t, (void)ctx, (void)p;
  Fp[0] = x[0] * x[0];
  return 0;
}
static int BUInit(const PetscReal p[], PetscReal x0[], PetscReal dx0[], void *ctx)
{
  (void)p, (void)ctx;
  x0[0] = 1.0;
  if (dx0) dx0[0] = 0.0;
  return 0;
}
static int BUOutput(PetscReal t, const PetscReal x[], const PetscReal p[], PetscInt iout, PetscReal *y, PetscReal dydx[], PetscReal dydp[], void *ctx)
{
  (void)t, (void)p, (void)iout, (void)ctx;
  *y = x[0];
  if (dydx) dydx[0] = 1.0;
  if (dydp) dydp[0] = 0.0;
  return 0;
}
static PetscErrorCode BUCreate(PnlmeModel m)
{
  const char *const    names[] = {"a"};
  const PnlmeTransform tr[]    = {PNLME_TRANSFORM_NORMAL};
  PnlmeModelOps        ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetParameters(m, 1, names, tr));
  PetscCall(PnlmeModelSetNumStates(m, 1));
  PetscCall(PnlmeModelAddDoseCompartment(m, 1, 0));
  PetscCall(PnlmeModelAddOutput(m, "x", 1));
  ops.rhs    = BURhs;
  ops.jac    = BUJac;
  ops.rhsp   = BURhsp;
  ops.init   = BUInit;
  ops.output = BUOutput;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode Expect(PnlmeModel m, const TSubject *ts, PetscReal a, PetscBool withsens, PnlmeSolveStatus want, const char *what)
{
  PetscReal        pred[TMAXEV], sens[TMAXEV];
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  PetscCall(PnlmeModelPredict(m, &ts->s, &a, pred, withsens ? sens : NULL, &st));
  PNLME_TEST_CHECK(st == want, "%s: status %d, expected %d", what, (int)st, (int)want);
  if (want == PNLME_SOLVE_OK)
    for (PetscInt j = 0; j < ts->nobs; j++) PNLME_TEST_CLOSE(pred[j], 1.0 / (1.0 - a * ts->tobs[j]), 1e-4, 0, what);
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  TSubject   ts, bad;
  PetscInt64 npred, nfail;
  PetscFunctionBegin;
  PetscCall(PnlmeModelRegister("test_blowup", BUCreate));
  TInit(&ts);
  TObs(&ts, 0.5, 0);
  TObs(&ts, 2.0, 0);
  TObs(&ts, 5.0, 0);
  TFinish(&ts);
  TInit(&bad);
  TObs(&bad, 0.5, 0);
  TBolus(&bad, 1.0, 1.0, 7); /* CMT 7 does not exist */
  TObs(&bad, 2.0, 0);
  TFinish(&bad);
  for (int b = 0; b < TNINTEGRATORS; b++) {
    PnlmeModel m;
    char       what[128];
    PetscCall(TModel("test_blowup", TIntegrators[b], "1e-8", NULL, &m));
    for (int ws = 0; ws < 2; ws++) {
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s%s blow-up", TIntegrators[b], ws ? " with sensitivities" : ""));
      PetscCall(Expect(m, &ts, 1.0, (PetscBool)ws, PNLME_SOLVE_FAILED, what));
      PetscCall(Expect(m, &ts, 0.1, (PetscBool)ws, PNLME_SOLVE_OK, what));
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s%s refused parameter", TIntegrators[b], ws ? " with sensitivities" : ""));
      PetscCall(Expect(m, &ts, -1.0, (PetscBool)ws, PNLME_SOLVE_FAILED, what));
      PetscCall(Expect(m, &ts, 0.1, (PetscBool)ws, PNLME_SOLVE_OK, what));
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s%s unknown compartment", TIntegrators[b], ws ? " with sensitivities" : ""));
      PetscCall(Expect(m, &bad, 0.1, (PetscBool)ws, PNLME_SOLVE_FAILED, what));
      PetscCall(Expect(m, &ts, 0.1, (PetscBool)ws, PNLME_SOLVE_OK, what));
    }
    PetscCall(PnlmeModelGetStats(m, &npred, &nfail, NULL, NULL));
    PNLME_TEST_CHECK(npred == 12 && nfail == 6, "%s: %d predictions, %d failed", TIntegrators[b], (int)npred, (int)nfail);
    { /* the same failures in one call with good sets (dopri5: SIMD lanes): each set's status and bits as alone */
      const PetscReal     a[8] = {1.0, 0.1, -1.0, 0.1, 0.15, 0.05, 1.0, 0.12}; /* blow-up, ok, refused, data error, ok, ok, blow-up, ok */
      PetscReal           ym[8][TMAXEV], y1[TMAXEV], *pl[8];
      const PnlmeSubject *sl[8];
      PnlmeSolveStatus    sm[8], s1;
      for (int L = 0; L < 8; L++) {
        sl[L] = L == 3 ? &bad.s : &ts.s;
        pl[L] = ym[L];
      }
      PetscCall(PnlmeModelPredictMany(m, 8, sl, a, pl, sm));
      for (int L = 0; L < 8; L++) {
        PetscCall(PnlmeModelPredict(m, sl[L], &a[L], y1, NULL, &s1));
        PNLME_TEST_CHECK(sm[L] == s1 && (s1 == PNLME_SOLVE_OK) == (L != 0 && L != 2 && L != 3 && L != 6), "%s: set %d of a call: status %d, alone %d", TIntegrators[b], L, (int)sm[L], (int)s1);
        if (!s1) PNLME_TEST_CHECK(!memcmp(y1, ym[L], sizeof(PetscReal) * sl[L]->nobs), "%s: set %d of a call: predictions differ from those alone", TIntegrators[b], L);
      }
    }
    /* too few steps allowed, then enough again */
    PetscCall(PetscOptionsSetValue(NULL, "-ode_max_steps", "2"));
    PetscCall(PnlmeModelSetFromOptions(m));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s -ode_max_steps 2", TIntegrators[b]));
    PetscCall(Expect(m, &ts, 0.1, PETSC_FALSE, PNLME_SOLVE_FAILED, what));
    PetscCall(Expect(m, &ts, 0.1, PETSC_TRUE, PNLME_SOLVE_FAILED, what));
    PetscCall(PetscOptionsSetValue(NULL, "-ode_max_steps", "100000"));
    PetscCall(PnlmeModelSetFromOptions(m));
    PetscCall(Expect(m, &ts, 0.1, PETSC_FALSE, PNLME_SOLVE_OK, what));
    PetscCall(PnlmeModelDestroy(&m));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-13s failures reported as status, next subjects fine\n", TIntegrators[b]));
  }
  { /* stiff turnover subject (ka = 1e4 /h): auto hands it to cvodes_bdf */
    const PetscReal  p[7] = {1e4, 0.15, 8.0, 100.0, 0.05, 0.8, 1.2};
    PetscReal        pa[TMAXEV], pb[TMAXEV], sa[TMAXEV * 7], sb[TMAXEV * 7];
    PnlmeSolveStatus st;
    PnlmeModel       ma, mb;
    PetscInt64       nsteps;
    TSubject         tv;
    TInit(&tv);
    TBolus(&tv, 0.0, 100.0, 1);
    for (int i = 1; i <= 10; i++) TObs(&tv, 12.0 * i, i % 2);
    TFinish(&tv);
    PetscCall(PetscOptionsClearValue(NULL, "-ode_max_steps"));
    PetscCall(TModel("turnover", "auto", "1e-8", NULL, &ma));
    PetscCall(TModel("turnover", "cvodes_bdf", "1e-8", NULL, &mb));
    for (int ws = 0; ws < 2; ws++) {
      PetscCall(PnlmeModelPredict(ma, &tv.s, p, pa, ws ? sa : NULL, &st));
      PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "auto on a stiff subject: status %d", (int)st);
      PetscCall(PnlmeModelPredict(mb, &tv.s, p, pb, ws ? sb : NULL, &st));
      PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "cvodes_bdf on a stiff subject: status %d", (int)st);
      for (PetscInt j = 0; j < tv.nobs; j++) PNLME_TEST_CLOSE(pa[j], pb[j], 1e-5, 1e-8, "auto vs cvodes_bdf on a stiff subject");
      if (ws)
        for (PetscInt j = 0; j < tv.nobs * 7; j++) PNLME_TEST_CLOSE(sa[j], sb[j], 1e-3, 1e-6 * fabs(pb[j / 7]), "auto vs cvodes_bdf sensitivities on a stiff subject");
    }
    PetscCall(PnlmeModelGetStats(ma, NULL, NULL, NULL, &nsteps));
    PNLME_TEST_CHECK(nsteps < 5000, "auto took %d steps on a stiff subject: no fallback?", (int)nsteps);
    { /* in calls with ordinary sets (dopri5 in SIMD lanes, 4 slots, and 8 with sets left to take): the
         stiff ones redone by cvodes_bdf, each set with the bits it has alone */
      enum { NM = 11 };
      PetscReal          pm[NM * 7], ym[NM][TMAXEV], y1[TMAXEV], *pl[NM];
      const PnlmeSubject *sl[NM];
      PnlmeSolveStatus   sm[NM];
      for (int L = 0; L < NM; L++) {
        for (int k = 0; k < 7; k++) pm[L * 7 + k] = p[k];
        pm[L * 7] = L % 2 ? 1.0 + 0.1 * L : 1e4; /* ka: stiff, ordinary, stiff, ordinary, ... */
        sl[L]     = &tv.s;
        pl[L]     = ym[L];
      }
      for (int nm = 4; nm <= NM; nm += NM - 4) {
        PetscCall(PnlmeModelPredictMany(ma, nm, sl, pm, pl, sm));
        for (int L = 0; L < nm; L++) {
          PetscCall(PnlmeModelPredict(ma, &tv.s, pm + L * 7, y1, NULL, &st));
          PNLME_TEST_CHECK(sm[L] == PNLME_SOLVE_OK && st == PNLME_SOLVE_OK, "auto, set %d of a call of %d: status %d, alone %d", L, nm, (int)sm[L], (int)st);
          PNLME_TEST_CHECK(!memcmp(y1, ym[L], sizeof(PetscReal) * tv.nobs), "auto, set %d of a call of %d: predictions differ from those alone", L, nm);
        }
      }
    }
    PetscCall(PnlmeModelView(ma, PETSC_VIEWER_STDOUT_SELF));
    PetscCall(PnlmeModelDestroy(&ma));
    PetscCall(PnlmeModelDestroy(&mb));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "failure handling OK\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "ODE failures are statuses", Run); }
