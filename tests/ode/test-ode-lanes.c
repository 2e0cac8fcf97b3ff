/* dopri5 in SIMD lanes (src/ode/lanes.c): for the neonate and the turnover model (models with
   rhsmany), the two-compartment ODE (without: rhs slot by slot), and the turnover model with a dose lag
   (each set on its own dosed timeline), and the neonate and lagged turnover as model files
   (-lanes_models: the generated rhsmany) and a model file with every function that vectorises
   (-lanes_functions), by dopri5, auto and dopri5 with dense output, 37 parameter sets spread over
   subjects with boluses, an infusion, a reset, an observation at time 0 and two at the same time (one
   set invalid, and one with a negative lag: they fail, alone and in any batch):
   - every set evaluated in a call with others (PnlmeModelPredictMany), in the forward and the reverse
     order and in calls of 2, 3, 8, 9 and 17 sets, gets the bits and the status it gets alone;
   - alone without sensitivities (the lanes' code) and with them (the one-subject integrator) give the
     same bits and take the same number of steps: one algorithm;
   - with an early stop (PnlmeModelPredictManyStop), a set is stopped exactly when the deficits of its
     predictions alone exceed its budget (at once for a negative one), the others keep their bits,
     and the stopped solves take fewer steps;
   - with sensitivities (PnlmeModelPredictManySens), of all parameters and of a mask of two (one of
     them the lag when there is one), in calls of 2, 3, 8, 9, 17 and 37 sets: each set's predictions
     and sensitivities have the bits and the status they have alone, in as many steps;
   - a call allocates nothing, with or without sensitivities. */
#include "odetest.h"
#include <malloc.h>

#define NB 37

static double Uniform(uint64_t *st)
{
  *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((double)(*st >> 11) + 0.5) * 0x1p-53;
}

typedef struct {
  const char *model;
  PetscBool   lag; /* -model_lag 1: each set on its own dosed timeline */
  PetscReal   base[8];
  TSubject    s[3];
} Case;

static void Subjects(Case *c, int neonate, int r)
{ /* r: the index of the second output (0 for a model with one) */
  for (int k = 0; k < 3; k++) TInit(&c->s[k]);
  if (neonate) {
    for (int i = 0; i < 7; i++) TObs(&c->s[0], 0.9 * i + (i ? 0.1 : 0), 0);
    TObs(&c->s[1], 0.0, 0);
    TObs(&c->s[1], 2.5, 0);
    TObs(&c->s[1], 2.5, 0);
    TObs(&c->s[1], 9.0, 0);
    TObs(&c->s[2], 0.5, 0);
  } else {
    TBolus(&c->s[0], 0.0, 100.0, 1);
    TObs(&c->s[0], 0.0, 0);
    TObs(&c->s[0], 1.0, 0);
    TObs(&c->s[0], 12.0, r);
    TInfusion(&c->s[0], 24.0, 20.0, 2.0, 2);
    TObs(&c->s[0], 25.0, 0);
    TObs(&c->s[0], 48.0, r);
    TReset(&c->s[0], 50.0);
    TBolus(&c->s[0], 50.0, 50.0, 1);
    TObs(&c->s[0], 60.0, 0);
    TObs(&c->s[0], 60.0, r);
    TBolus(&c->s[1], 2.0, 80.0, 1);
    TObs(&c->s[1], 1.0, 0);
    TObs(&c->s[1], 3.0, 0);
    TBolus(&c->s[1], 12.0, 80.0, 1);
    TObs(&c->s[1], 12.0, r);
    TObs(&c->s[1], 30.0, 0);
    TInfusion(&c->s[2], 0.0, 50.0, 1.5, 1);
    TObs(&c->s[2], 0.75, 0);
    TObs(&c->s[2], 8.0, r);
  }
  for (int k = 0; k < 3; k++) TFinish(&c->s[k]);
}

/* the test's deficit of an observation: positive, and depends on the prediction */
static PetscReal TestDeficit(void *ctx, const PnlmeSubject *s, PetscInt j0, PetscInt j1, const PetscReal f[])
{
  PetscReal d = 0;
  (void)ctx, (void)s;
  for (PetscInt j = j0; j < j1; j++) d += 0.25 + PetscAbsReal(f[j]) / (1.0 + PetscAbsReal(f[j]));
  return d;
}

static PetscErrorCode TestCase(Case *c, const char integ[], PetscBool dense)
{
  PnlmeModel          m;
  PetscInt            np, nobs[NB], off[NB + 1], nok = 0;
  PetscReal           phi[NB * 8], rphi[NB * 8], *p1, *pb, *ps, sens[TMAXEV * 8];
  const PnlmeSubject *sl[NB], *rsl[NB];
  PetscReal          *pl[NB], *rpl[NB];
  PnlmeSolveStatus    st1[NB], stb[NB], str[NB];
  PetscInt64          n0, f0, r0, s0, n1, f1, r1, s1, s2;
  uint64_t            seed = 2024;
  const char         *name = dense ? "dopri5 -ode_dense_output" : integ;
  PetscFunctionBegin;
  if (dense) PetscCall(PetscOptionsSetValue(NULL, "-ode_dense_output", "1"));
  if (c->lag) PetscCall(PetscOptionsSetValue(NULL, "-model_lag", "1"));
  PetscCall(TModel(c->model, integ, NULL, NULL, &m));
  if (dense) PetscCall(PetscOptionsClearValue(NULL, "-ode_dense_output"));
  if (c->lag) PetscCall(PetscOptionsClearValue(NULL, "-model_lag"));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  off[0] = 0;
  for (PetscInt L = 0; L < NB; L++) {
    sl[L]          = &c->s[L % 3].s;
    rsl[NB - 1 - L] = sl[L];
    nobs[L]        = sl[L]->nobs;
    off[L + 1]     = off[L] + nobs[L];
    for (PetscInt k = 0; k < np; k++) {
      double u1 = Uniform(&seed), u2 = Uniform(&seed);
      phi[L * np + k] = c->base[k] * exp(0.3 * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
    }
  }
  phi[10 * np + 1] = NAN; /* invalid: fails */
  if (c->lag) phi[20 * np + np - 1] = -1.0; /* a negative lag: fails */
  for (PetscInt L = 0; L < NB; L++)
    for (PetscInt k = 0; k < np; k++) rphi[(NB - 1 - L) * np + k] = phi[L * np + k];
  PetscCall(PetscMalloc3(off[NB], &p1, off[NB], &pb, off[NB], &ps));
  /* alone, without and with sensitivities: the same bits and the same steps */
  PetscCall(PnlmeModelGetStats(m, &n0, &f0, &r0, &s0));
  for (PetscInt L = 0; L < NB; L++) PetscCall(PnlmeModelPredict(m, sl[L], phi + L * np, p1 + off[L], NULL, &st1[L]));
  PetscCall(PnlmeModelGetStats(m, &n1, &f1, &r1, &s1));
  for (PetscInt L = 0; L < NB; L++) {
    PnlmeSolveStatus st;
    PetscCall(PnlmeModelPredict(m, sl[L], phi + L * np, ps + off[L], sens, &st));
    PNLME_TEST_CHECK(st == st1[L], "%s/%s: set %d: status %d with sensitivities, %d without", c->model, name, (int)L, (int)st, (int)st1[L]);
    if (st) continue;
    nok++;
    PNLME_TEST_CHECK(!memcmp(p1 + off[L], ps + off[L], sizeof(PetscReal) * nobs[L]), "%s/%s: set %d: predictions with and without sensitivities differ", c->model, name, (int)L);
  }
  PetscCall(PnlmeModelGetStats(m, NULL, NULL, NULL, &s2));
  for (PetscInt L = 0; L < NB; L++)
    PNLME_TEST_CHECK((L == 10 || (c->lag && L == 20)) == (st1[L] != PNLME_SOLVE_OK), "%s/%s: set %d: status %d (the invalid sets fail, the others not)", c->model, name, (int)L, (int)st1[L]);
  PNLME_TEST_CHECK(nok == NB - 1 - (c->lag ? 1 : 0), "%s/%s: %d sets solve with sensitivities, %d without failing", c->model, name, (int)nok, (int)(NB - 1 - (c->lag ? 1 : 0)));
  PNLME_TEST_CHECK(s1 - s0 == s2 - s1 && s1 > s0, "%s/%s: %lld steps without sensitivities, %lld with", c->model, name, (long long)(s1 - s0), (long long)(s2 - s1));
  /* together: forward, reversed, and in calls of a few sets */
  for (PetscInt L = 0; L < NB; L++) {
    pl[L]           = pb + off[L];
    rpl[NB - 1 - L] = ps + off[L];
  }
  PetscCall(PnlmeModelPredictMany(m, NB, sl, phi, pl, stb));
  PetscCall(PnlmeModelPredictMany(m, NB, rsl, rphi, rpl, str));
  for (PetscInt L = 0; L < NB; L++) {
    PNLME_TEST_CHECK(stb[L] == st1[L] && str[NB - 1 - L] == st1[L], "%s/%s: set %d: status %d in a call, %d reversed, %d alone", c->model, name, (int)L, (int)stb[L], (int)str[NB - 1 - L], (int)st1[L]);
    if (st1[L]) continue;
    PNLME_TEST_CHECK(!memcmp(p1 + off[L], pb + off[L], sizeof(PetscReal) * nobs[L]), "%s/%s: set %d: predictions in a call differ from those alone", c->model, name, (int)L);
    PNLME_TEST_CHECK(!memcmp(p1 + off[L], ps + off[L], sizeof(PetscReal) * nobs[L]), "%s/%s: set %d: predictions in the reversed call differ", c->model, name, (int)L);
  }
  for (PetscInt size = 2; size <= 17; size = size == 3 ? 8 : (size == 9 ? 17 : size + 1)) {
    for (PetscInt L0 = 0; L0 < NB; L0 += size) {
      const PetscInt nb = PetscMin(size, NB - L0);
      PetscCall(PnlmeModelPredictMany(m, nb, sl + L0, phi + L0 * np, pl + L0, stb + L0));
    }
    for (PetscInt L = 0; L < NB; L++) {
      PNLME_TEST_CHECK(stb[L] == st1[L], "%s/%s: calls of %d: set %d: status %d, %d alone", c->model, name, (int)size, (int)L, (int)stb[L], (int)st1[L]);
      if (!st1[L]) PNLME_TEST_CHECK(!memcmp(p1 + off[L], pb + off[L], sizeof(PetscReal) * nobs[L]), "%s/%s: calls of %d: set %d differs", c->model, name, (int)size, (int)L);
    }
  }
  { /* early stop: budgets below, around and above each set's total deficit, and negative */
    const PetscReal  factor[5] = {-1.0, 0.3, 0.9, 1.1, PETSC_INFINITY};
    PetscReal        budget[NB];
    PnlmePredictStop stop = {budget, TestDeficit, NULL};
    PetscInt64       sa, sb, sc, nstop = 0;
    for (PetscInt L = 0; L < NB; L++) {
      PetscReal d = 0;
      d = TestDeficit(NULL, sl[L], 0, nobs[L], p1 + off[L]);
      budget[L] = factor[L % 5] < 0 ? -1.0 : factor[L % 5] * d;
    }
    PetscCall(PnlmeModelGetStats(m, NULL, NULL, NULL, &sa));
    PetscCall(PnlmeModelPredictMany(m, NB, sl, phi, pl, stb));
    PetscCall(PnlmeModelGetStats(m, NULL, NULL, NULL, &sb));
    PetscCall(PnlmeModelPredictManyStop(m, NB, sl, phi, pl, &stop, str));
    PetscCall(PnlmeModelGetStats(m, NULL, NULL, NULL, &sc));
    for (PetscInt L = 0; L < NB; L++) {
      const PetscBool over = (PetscBool)(factor[L % 5] < 1.0);
      if (st1[L]) { /* a failing set: stopped before its failure or failed, never OK */
        PNLME_TEST_CHECK(str[L] != PNLME_SOLVE_OK && (factor[L % 5] >= 0 || str[L] == PNLME_SOLVE_STOPPED), "%s/%s: early stop: failing set %d has status %d", c->model, name, (int)L, (int)str[L]);
        continue;
      }
      PNLME_TEST_CHECK((str[L] == PNLME_SOLVE_STOPPED) == over, "%s/%s: early stop: set %d (budget %g of its deficits) has status %d", c->model, name, (int)L, (double)factor[L % 5], (int)str[L]);
      if (!over) PNLME_TEST_CHECK(!memcmp(p1 + off[L], pl[L], sizeof(PetscReal) * nobs[L]), "%s/%s: early stop: set %d not stopped but its predictions differ", c->model, name, (int)L);
      nstop += over;
    }
    PNLME_TEST_CHECK(nstop > 0 && sc - sb < sb - sa, "%s/%s: early stop: %d sets stopped, %lld steps against %lld without", c->model, name, (int)nstop, (long long)(sc - sb), (long long)(sb - sa));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-16s%s %-25s early stop: %d of %d sets stopped as their budgets say, %lld steps instead of %lld, the others' bits kept\n", c->model, c->lag ? " + lag" : "      ", name, (int)nstop, NB, (long long)(sc - sb), (long long)(sb - sa)));
  }
  { /* with sensitivities: all of them, then a mask of two */
    PetscReal *sa, *sb, *sp[NB];
    PetscBool  mask[8] = {PETSC_FALSE};
    PetscInt64 nsets = 0;
    mask[0] = mask[np - 1] = PETSC_TRUE;
    PetscCall(PetscMalloc2(off[NB] * np, &sa, off[NB] * np, &sb));
    for (PetscInt L = 0; L < NB; L++) sp[L] = sb + off[L] * np;
    for (int pass = 0; pass < 2; pass++) {
      PetscInt64 t0, t1, t2;
      PetscCall(PnlmeModelSetSensitivityMask(m, pass ? mask : NULL));
      PetscCall(PnlmeModelGetStats(m, NULL, NULL, NULL, &t0));
      for (PetscInt L = 0; L < NB; L++) {
        PnlmeSolveStatus st;
        PetscCall(PnlmeModelPredict(m, sl[L], phi + L * np, ps + off[L], sa + off[L] * np, &st));
        PNLME_TEST_CHECK(st == st1[L], "%s/%s: set %d: status %d with sensitivities, %d without", c->model, name, (int)L, (int)st, (int)st1[L]);
      }
      PetscCall(PnlmeModelGetStats(m, NULL, NULL, NULL, &t1));
      for (PetscInt size = 2; size <= NB; size = size == 3 ? 8 : (size == 9 ? 17 : (size == 17 ? NB : size + 1))) {
        for (PetscInt i = 0; i < off[NB] * np; i++) sb[i] = NAN; /* every entry must be written */
        for (PetscInt L0 = 0; L0 < NB; L0 += size) {
          const PetscInt nb = PetscMin(size, NB - L0);
          PetscCall(PnlmeModelPredictManySens(m, nb, sl + L0, phi + L0 * np, pl + L0, sp + L0, stb + L0));
        }
        if (size == 2) PetscCall(PnlmeModelGetStats(m, NULL, NULL, NULL, &t2));
        for (PetscInt L = 0; L < NB; L++) {
          PNLME_TEST_CHECK(stb[L] == st1[L], "%s/%s: sensitivities%s in calls of %d: set %d: status %d, %d alone", c->model, name, pass ? " (mask)" : "", (int)size, (int)L, (int)stb[L], (int)st1[L]);
          if (st1[L]) continue;
          PNLME_TEST_CHECK(!memcmp(ps + off[L], pl[L], sizeof(PetscReal) * nobs[L]), "%s/%s: sensitivities%s in calls of %d: set %d: predictions differ from those alone", c->model, name, pass ? " (mask)" : "", (int)size, (int)L);
          PNLME_TEST_CHECK(!memcmp(sa + off[L] * np, sp[L], sizeof(PetscReal) * nobs[L] * np), "%s/%s: sensitivities%s in calls of %d: set %d: sensitivities differ from those alone", c->model, name, pass ? " (mask)" : "", (int)size, (int)L);
          nsets++;
        }
        if (size == 2) PNLME_TEST_CHECK(t2 - t1 == t1 - t0, "%s/%s: sensitivities%s: %lld steps in calls of 2, %lld alone", c->model, name, pass ? " (mask)" : "", (long long)(t2 - t1), (long long)(t1 - t0));
      }
    }
    { /* no allocation, with and without sensitivities */
      PetscLogDouble before, after;
      size_t         hbefore, hafter;
      PetscCall(PetscMallocGetCurrentUsage(&before));
      hbefore = mallinfo2().uordblks;
      for (int it = 0; it < 50; it++) PetscCall(PnlmeModelPredictMany(m, NB, sl, phi, pl, stb));
      for (int it = 0; it < 10; it++) PetscCall(PnlmeModelPredictManySens(m, NB, sl, phi, pl, sp, stb));
      PetscCall(PetscMallocGetCurrentUsage(&after));
      hafter = mallinfo2().uordblks;
      PNLME_TEST_CHECK(before == after && hbefore == hafter, "%s/%s: memory in use changed over 60 calls (PETSc %g, heap %ld bytes)", c->model, name, (double)(after - before), (long)hafter - (long)hbefore);
    }
    PetscCall(PnlmeModelSetSensitivityMask(m, NULL));
    PetscCall(PetscFree2(sa, sb));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-16s%s %-25s with sensitivities (all, and a mask of 2): %lld sets in calls of 2 to %d, the bits of each alone\n", c->model, c->lag ? " + lag" : "      ", name, (long long)nsets, NB));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-16s%s %-25s %d sets: in calls of 1 to %d in any order, the bits and status of each alone; %lld steps with and without sensitivities\n", c->model, c->lag ? " + lag" : "      ", name, NB, NB, (long long)(s1 - s0)));
  PetscCall(PetscFree3(p1, pb, ps));
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  static Case       cases[4];
  const char *const models[4]  = {"neonate", "turnover", "pk2_oral_cl_ode", "turnover"};
  const PetscReal   base[4][8] = {{3433, 86.6, 1.54, 0.072, 1.15}, {1.0, 0.15, 8.0, 100.0, 0.05, 0.8, 1.2}, {1.2, 2.0, 20.0, 3.0, 40.0}, {1.0, 0.15, 8.0, 100.0, 0.05, 0.8, 1.2, 0.7}};
  PetscFunctionBegin;
  for (int c = 0; c < 4; c++) {
    cases[c].model = models[c];
    cases[c].lag   = c == 3;
    memcpy(cases[c].base, base[c], sizeof(base[c]));
    Subjects(&cases[c], c == 0, c == 1 || c == 3);
    PetscCall(TestCase(&cases[c], "dopri5", PETSC_FALSE));
    PetscCall(TestCase(&cases[c], "auto", PETSC_FALSE));
    PetscCall(TestCase(&cases[c], "dopri5", PETSC_TRUE));
  }
  { /* the same models written as model files (-lanes_models DIR, -lanes_cache DIR): the generated rhsmany */
    char      dir[PETSC_MAX_PATH_LEN], cache[PETSC_MAX_PATH_LEN] = "", path[PETSC_MAX_PATH_LEN];
    static char names[2][256];
    PetscBool has;
    PetscCall(PetscOptionsGetString(NULL, NULL, "-lanes_models", dir, sizeof(dir), &has));
    PetscCall(PetscOptionsGetString(NULL, NULL, "-lanes_cache", cache, sizeof(cache), NULL));
    for (int c = 0; has && c < 2; c++) {
      Case *fc = &cases[c == 0 ? 0 : 3]; /* the neonate; the turnover model with a lag */
      PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s.model", dir, fc->model));
      PetscCall(PnlmeModelLoadFile(PETSC_COMM_WORLD, path, cache[0] ? cache : NULL, names[c], sizeof(names[c])));
      fc->model = names[c];
      PetscCall(TestCase(fc, "dopri5", PETSC_FALSE));
      PetscCall(TestCase(fc, "auto", PETSC_FALSE));
    }
    /* every function that vectorises (tests/ode/functions.model: exp, log, sqrt, abs, min, max,
       logistic, ifelse) in the generated rhsmany */
    PetscCall(PetscOptionsGetString(NULL, NULL, "-lanes_functions", path, sizeof(path), &has));
    if (has) {
      static Case fc;
      static char name[256];
      fc.model = NULL;
      fc.lag   = PETSC_FALSE;
      memcpy(fc.base, base[1], sizeof(base[1]));
      Subjects(&fc, 0, 1);
      PetscCall(PnlmeModelLoadFile(PETSC_COMM_WORLD, path, cache[0] ? cache : NULL, name, sizeof(name)));
      fc.model = name;
      PetscCall(TestCase(&fc, "dopri5", PETSC_FALSE));
      PetscCall(TestCase(&fc, "auto", PETSC_FALSE));
      PetscCall(TestCase(&fc, "dopri5", PETSC_TRUE));
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "dopri5 in SIMD lanes OK\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "dopri5 in SIMD lanes: batched solves equal single ones", Run); }
