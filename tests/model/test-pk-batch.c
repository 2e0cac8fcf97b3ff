/* Batched closed-form predictions (PnlmeModelPredictBatch, PnlmeModelPredictMany): for every model of
   the PK library, on a timeline with boluses into each dosing compartment, an infusion, a reset,
   pre-dose and same-time observations, 37 parameter sets (some with ka equal to an elimination rate,
   two invalid) evaluated together give each set the bits and status PnlmeModelPredict gives it alone,
   in any order of the sets (a set's result does not depend on the others); the same with the sets
   spread over three subjects (one of them with a dose into a compartment the model lacks: its sets
   fail, the others not), and over bolus-only timelines and one of boluses into both compartments and
   central infusions, in runs of sets on one subject; with an early stop (PnlmeModelPredictManyStop) the sets of negative budget are
   skipped (PNLME_SOLVE_STOPPED), no set whose deficits are within its budget stops, and every set not
   stopped keeps its bits and status; and a batch allocates nothing; the same while the subjects are
   held (HeldSubjects, below).  All of it also with a lag time and a
   bioavailability on the first dosing compartment (each set on its own dosed timeline; one more set
   invalid: a negative lag). */
#include "pktest.h"
#include <malloc.h>

#define NB 37

static PKTSubject S;

static double Uniform(uint64_t *st)
{
  *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((double)(*st >> 11) + 0.5) * 0x1p-53;
}

/* the test's deficit of an observation: positive, and depends on the prediction */
static PetscReal TestDeficit(void *ctx, const PnlmeSubject *s, PetscInt j0, PetscInt j1, const PetscReal f[])
{
  PetscReal d = 0;
  (void)ctx, (void)s;
  for (PetscInt j = j0; j < j1; j++) d += 0.25 + PetscAbsReal(f[j]) / (1.0 + PetscAbsReal(f[j]));
  return d;
}

static PetscErrorCode TestModel(const char name[], const PnlmeSubject *s, PetscBool doseparams)
{
  PnlmeModel       m;
  PetscInt         np, np0, nobs = s->nobs, nok = 0, nbad = doseparams ? 3 : 2;
  PetscReal        phi[NB * 8], rphi[NB * 8], *pb, *pr, *p1;
  PnlmeSolveStatus st[NB], rst[NB], st1;
  uint64_t         seed = 12345;
  const PetscReal  base[8] = {1.2, 0.1, 20, 1.5, 40, 0.3, 0.2, 1.0};
  char             label[64];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(label, sizeof(label), "%s%s", name, doseparams ? " with Tlag and F" : ""));
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, &m));
  PetscCall(PnlmeModelSetType(m, name));
  PetscCall(PnlmeModelGetNumParameters(m, &np0));
  if (doseparams) {
    PetscCall(PnlmeModelAddDoseLag(m, 1, "Tlag"));
    PetscCall(PnlmeModelAddDoseBioavailability(m, 1, "F"));
  }
  PetscCall(PnlmeModelSetUp(m));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PetscCall(PetscMalloc3(NB * nobs, &pb, NB * nobs, &pr, PKT_MAXOBS, &p1));
  for (PetscInt L = 0; L < NB; L++)
    for (PetscInt k = 0; k < np; k++) {
      double u1 = Uniform(&seed), u2 = Uniform(&seed);
      phi[L * np + k] = base[k] * exp(0.5 * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
    }
  phi[5 * np + 0] = phi[5 * np + 1]; /* ka equal to the first rate-like parameter (exact for *_k and *_ke) */
  phi[7 * np + 1] = -1.0;            /* invalid: fails */
  phi[11 * np + 0] = NAN;            /* invalid: fails */
  if (doseparams) {
    for (PetscInt L = 0; L < NB; L++) {
      phi[L * np + np0]     = 0.8 * phi[L * np + np0] / base[np0];          /* a lag around 0.8 */
      phi[L * np + np0 + 1] = 0.6 + 0.1 * phi[L * np + np0 + 1] / base[np0 + 1]; /* F around 0.7 */
    }
    phi[13 * np + np0] = -0.5; /* a negative lag: fails */
  }
  for (PetscInt L = 0; L < NB; L++) /* the same sets in the reverse order */
    for (PetscInt k = 0; k < np; k++) rphi[(NB - 1 - L) * np + k] = phi[L * np + k];
  PetscCall(PnlmeModelPredictBatch(m, s, NB, phi, pb, st));
  PetscCall(PnlmeModelPredictBatch(m, s, NB, rphi, pr, rst));
  for (PetscInt L = 0; L < NB; L++) {
    PetscCall(PnlmeModelPredict(m, s, phi + L * np, p1, NULL, &st1));
    PNLME_TEST_CHECK(st[L] == st1 && rst[NB - 1 - L] == st1, "%s: set %d: status %d in a batch, %d reversed, %d alone", label, (int)L, (int)st[L], (int)rst[NB - 1 - L], (int)st1);
    if (st1) continue;
    nok++;
    PNLME_TEST_CHECK(!memcmp(p1, pb + L * nobs, sizeof(PetscReal) * nobs), "%s: set %d: the batch's predictions are not those of the set alone", label, (int)L);
    PNLME_TEST_CHECK(!memcmp(p1, pr + (NB - 1 - L) * nobs, sizeof(PetscReal) * nobs), "%s: set %d: the reversed batch's predictions differ", label, (int)L);
  }
  PNLME_TEST_CHECK(st[7] && st[11] && (!doseparams || st[13]) && nok == NB - nbad, "%s: the %d invalid sets fail, the others not (%d ok)", label, (int)nbad, (int)nok);
  { /* the sets spread over three subjects: s, a short one with a single bolus, one with a bad dose; then
       over the bolus-only timelines the engine plans once per subject (several doses, a reset, pre-dose and
       same-time observations; one with more elements than a plan holds), in runs of sets on one subject */
    static PKTSubject S2, S3, S4, S5, S6;
    const PnlmeSubject *sl[NB];
    PetscReal          *pl[NB], *pm;
    PnlmeSolveStatus    sm[NB];
    PetscInt            mobs = nobs;
    PKTInit(&S2);
    PKTBolus(&S2, 1.0, 30, 1);
    PKTObs(&S2, 0.5);
    PKTObs(&S2, 2.0);
    PKTObs(&S2, 9.0);
    PKTInit(&S3);
    PKTBolus(&S3, 0.0, 30, 7); /* no compartment 7 */
    PKTObs(&S3, 1.0);
    PKTInit(&S4);
    PKTObs(&S4, 0.0);
    for (int d = 0; d < 3; d++) {
      PKTObs(&S4, 12.0 * d); /* at the dose's time, before it */
      PKTBolus(&S4, 12.0 * d, 40 + 10 * d, 1);
      for (int j = 1; j <= 5; j++) PKTObs(&S4, 12.0 * d + 0.1 * j * j);
    }
    PKTReset(&S4, 60.0);
    PKTBolus(&S4, 61.0, 70, 1);
    PKTObs(&S4, 61.0);
    PKTObs(&S4, 62.0);
    PKTObs(&S4, 75.0);
    PKTInit(&S5);
    for (int d = 0; d < 60; d++) {
      PKTBolus(&S5, 1.0 * d, 20, 1);
      PKTObs(&S5, 1.0 * d + 0.5);
      PKTObs(&S5, 1.0 * d + 0.75);
    }
    PKTInit(&S6); /* boluses into both compartments of an oral model and infusions into the central one */
    {
      PetscInt st2c;
      PetscCall(PnlmeModelGetDoseState(m, 2, &st2c));
      for (int d = 0; d < 4; d++) {
        PKTBolus(&S6, 12.0 * d, 50, 1);
        PKTInfusion(&S6, 12.0 * d + 3, 20, 1.5, st2c >= 0 ? 2 : 1);
        if (st2c >= 0 && d == 2) PKTBolus(&S6, 12.0 * d + 5, 30, 2);
        for (int j = 1; j <= 4; j++) PKTObs(&S6, 12.0 * d + 1.1 * j);
      }
    }
    mobs = PetscMax(mobs, PetscMax(PKTFinish(&S4)->nobs, PetscMax(PKTFinish(&S5)->nobs, PKTFinish(&S6)->nobs)));
    PetscCall(PetscMalloc1(NB * mobs, &pm));
    for (PetscInt L = 0; L < NB; L++) {
      sl[L] = L % 3 == 0 ? s : (L % 3 == 1 ? PKTFinish(&S2) : PKTFinish(&S3));
      pl[L] = pm + L * mobs;
    }
    for (int pass = 0; pass < 2; pass++) {
      if (pass) /* runs of 1 to 6 sets on one subject: S4, S2, S5, S6, S4, ... */
        for (PetscInt L = 0, r = 0; L < NB; r++)
          for (PetscInt k = 0; k <= r % 6 && L < NB; k++, L++) sl[L] = r % 4 == 0 ? PKTFinish(&S4) : (r % 4 == 1 ? PKTFinish(&S2) : (r % 4 == 2 ? PKTFinish(&S5) : PKTFinish(&S6)));
      PetscCall(PnlmeModelPredictMany(m, NB, sl, phi, pl, sm));
      for (PetscInt L = 0; L < NB; L++) {
        PetscCall(PnlmeModelPredict(m, sl[L], phi + L * np, p1, NULL, &st1));
        PNLME_TEST_CHECK(sm[L] == st1 && (pass || L % 3 != 2 || st1), "%s: set %d on subject %d (pass %d): status %d together, %d alone", label, (int)L, (int)(L % 3), pass, (int)sm[L], (int)st1);
        if (!st1) PNLME_TEST_CHECK(!memcmp(p1, pl[L], sizeof(PetscReal) * sl[L]->nobs), "%s: set %d on subject %d (pass %d): the predictions together are not those alone", label, (int)L, (int)(L % 3), pass);
      }
      { /* with sensitivities: each set's predictions and rows are those it has alone */
        PetscReal *sm1, *sall, *srow[NB];
        PetscCall(PetscMalloc2(mobs * np, &sm1, NB * mobs * np, &sall));
        for (PetscInt L = 0; L < NB; L++) srow[L] = sall + L * mobs * np;
        PetscCall(PnlmeModelPredictManySens(m, NB, sl, phi, pl, srow, sm));
        for (PetscInt L = 0; L < NB; L++) {
          PetscCall(PnlmeModelPredict(m, sl[L], phi + L * np, p1, sm1, &st1));
          PNLME_TEST_CHECK(sm[L] == st1, "%s: with sensitivities: set %d (pass %d): status %d together, %d alone", label, (int)L, pass, (int)sm[L], (int)st1);
          if (!st1) PNLME_TEST_CHECK(!memcmp(p1, pl[L], sizeof(PetscReal) * sl[L]->nobs) && !memcmp(sm1, srow[L], sizeof(PetscReal) * sl[L]->nobs * np), "%s: with sensitivities: set %d (pass %d): the predictions or sensitivities together are not those alone", label, (int)L, pass);
        }
        PetscCall(PetscFree2(sm1, sall));
      }
    }
    for (PetscInt L = 0; L < NB; L++) sl[L] = L % 3 == 0 ? s : (L % 3 == 1 ? PKTFinish(&S2) : PKTFinish(&S3));
    { /* early stop: budgets below, around and above each set's total deficit, and negative */
      const PetscReal  factor[5] = {-1.0, 0.3, 0.9, 1.1, PETSC_INFINITY};
      PetscReal        budget[NB];
      PnlmePredictStop stop = {budget, TestDeficit, NULL};
      PetscInt         nstop = 0;
      for (PetscInt L = 0; L < NB; L++) {
        PetscReal d = 0;
        PetscCall(PnlmeModelPredict(m, sl[L], phi + L * np, p1, NULL, &st1));
        if (!st1) d = TestDeficit(NULL, sl[L], 0, sl[L]->nobs, p1);
        budget[L] = factor[L % 5] < 0 ? -1.0 : factor[L % 5] * d;
      }
      PetscCall(PnlmeModelPredictManyStop(m, NB, sl, phi, pl, &stop, sm));
      for (PetscInt L = 0; L < NB; L++) {
        PetscCall(PnlmeModelPredict(m, sl[L], phi + L * np, p1, NULL, &st1));
        if (factor[L % 5] < 0 || sm[L] == PNLME_SOLVE_STOPPED) { /* only a set whose deficits exceed its budget */
          PNLME_TEST_CHECK(sm[L] == PNLME_SOLVE_STOPPED && (st1 || factor[L % 5] < 1.0), "%s: early stop: set %d (budget %g of its deficits) has status %d, %d alone", label, (int)L, (double)factor[L % 5], (int)sm[L], (int)st1);
          nstop++;
          continue;
        }
        PNLME_TEST_CHECK(sm[L] == st1, "%s: early stop: set %d (budget %g of its deficits) has status %d, %d alone", label, (int)L, (double)factor[L % 5], (int)sm[L], (int)st1);
        if (!st1) PNLME_TEST_CHECK(!memcmp(p1, pl[L], sizeof(PetscReal) * sl[L]->nobs), "%s: early stop: set %d is not stopped but its predictions differ", label, (int)L);
      }
      PNLME_TEST_CHECK(nstop >= (NB + 4) / 5, "%s: early stop: only %d sets stopped", label, (int)nstop);
    }
    PetscCall(PetscFree(pm));
  }
  {
    PetscLogDouble   m0, m1;
    struct mallinfo2 h0, h1;
    PetscCall(PetscMallocGetCurrentUsage(&m0));
    h0 = mallinfo2();
    for (int it = 0; it < 200; it++) PetscCall(PnlmeModelPredictBatch(m, s, NB, phi, pb, st));
    PetscCall(PetscMallocGetCurrentUsage(&m1));
    h1 = mallinfo2();
    PNLME_TEST_CHECK(m1 == m0 && h1.uordblks == h0.uordblks, "%s: batched predictions allocate (PETSc %+g, heap %+ld bytes)", label, (double)(m1 - m0), (long)h1.uordblks - (long)h0.uordblks);
  }
  PetscCall(PetscFree3(pb, pr, p1));
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

/* a set whose predictions overflow (V subnormal: c = 1/V = inf) has status PNLME_SOLVE_NONFINITE alone, in
   a batch and with sensitivities; a set whose predictions underflow to 0 is fine */
static PetscErrorCode NonFinite(void)
{
  PnlmeModel          m;
  static PKTSubject   T;
  const PnlmeSubject *sl[3];
  PetscReal           phi[6] = {1.0, 1e-310, 1.0, 20.0, 1e3, 1e-3}, pred[3][8], sens[3][16], p1[8], s1[16], *pl[3], *sp[3];
  PnlmeSolveStatus    st[3], st1;
  PetscFunctionBegin;
  PetscCall(PKTModel("pk1_iv_cl", &m));
  PKTInit(&T);
  PKTBolus(&T, 0.0, 100, 1);
  PKTObs(&T, 0.5);
  PKTObs(&T, 2.0);
  for (int L = 0; L < 3; L++) {
    sl[L] = PKTFinish(&T);
    pl[L] = pred[L];
    sp[L] = sens[L];
  }
  PetscCall(PnlmeModelPredictMany(m, 3, sl, phi, pl, st));
  PNLME_TEST_CHECK(st[0] == PNLME_SOLVE_NONFINITE && st[1] == PNLME_SOLVE_OK && st[2] == PNLME_SOLVE_OK, "non-finite predictions: statuses %d %d %d in a batch", (int)st[0], (int)st[1], (int)st[2]);
  PetscCall(PnlmeModelPredictManySens(m, 3, sl, phi, pl, sp, st));
  PNLME_TEST_CHECK(st[0] == PNLME_SOLVE_NONFINITE && st[1] == PNLME_SOLVE_OK && st[2] == PNLME_SOLVE_OK, "non-finite predictions: statuses %d %d %d with sensitivities", (int)st[0], (int)st[1], (int)st[2]);
  PetscCall(PnlmeModelPredict(m, sl[0], phi, p1, NULL, &st1));
  PNLME_TEST_CHECK(st1 == PNLME_SOLVE_NONFINITE, "non-finite predictions: status %d alone", (int)st1);
  PetscCall(PnlmeModelPredict(m, sl[0], phi, p1, s1, &st1));
  PNLME_TEST_CHECK(st1 == PNLME_SOLVE_NONFINITE, "non-finite predictions: status %d alone with sensitivities", (int)st1);
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

/* Held subjects (PnlmeModelHoldSubjects): 300 subject views at distinct addresses (more than the plans
   the engine keeps), some with 900 observations (more elements than its pool holds), some with a dose
   into a compartment the model lacks, evaluated in two calls of 300 sets while held (the second with
   sensitivities, on the plans the first kept), in two orders: every set has the bits and status it has alone without holding; after a
   release, a subject changed in place at the same address gives its new predictions when held again; a
   held call allocates nothing; a model with a lag ignores the hold (its calls pass dosed timelines built
   in work arrays) and gives the same results. */
#define NV 300
static PetscErrorCode HeldSubjects(const char name[], PetscBool lag)
{
  static PKTSubject   A, B, C, D;
  static PnlmeSubject view[NV];
  const PnlmeSubject *sl[NV];
  PnlmeModel          m;
  PetscInt            np, mobs = 900;
  PetscReal          *phi, *ref, *pred, *sens, *sref, *pl[NV], *sp[NV];
  PnlmeSolveStatus    st[NV], rst[NV];
  uint64_t            seed = 777;
  char                label[64];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(label, sizeof(label), "%s held%s", name, lag ? " with Tlag" : ""));
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, &m));
  PetscCall(PnlmeModelSetType(m, name));
  if (lag) PetscCall(PnlmeModelAddDoseLag(m, 1, "Tlag"));
  PetscCall(PnlmeModelSetUp(m));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PKTInit(&A);
  PKTBolus(&A, 0.0, 100, 1);
  for (int j = 1; j <= 10; j++) PKTObs(&A, 0.5 * j);
  PKTInit(&B);
  PKTObs(&B, 0.0);
  for (int d = 0; d < 3; d++) {
    PKTBolus(&B, 12.0 * d, 40 + 10 * d, 1);
    for (int j = 1; j <= 5; j++) PKTObs(&B, 12.0 * d + 0.1 * j * j);
  }
  PKTReset(&B, 60.0);
  PKTBolus(&B, 61.0, 70, 1);
  PKTObs(&B, 62.0);
  PKTInit(&C);
  PKTBolus(&C, 0.0, 100, 1);
  for (int j = 1; j <= 900; j++) PKTObs(&C, 0.05 * j);
  PKTInit(&D);
  PKTBolus(&D, 0.0, 30, 7); /* no compartment 7 */
  PKTObs(&D, 1.0);
  PKTFinish(&A), PKTFinish(&B), PKTFinish(&C), PKTFinish(&D);
  for (PetscInt i = 0; i < NV; i++) view[i] = i % 7 == 0 ? C.s : (i % 11 == 0 ? D.s : (i % 2 ? A.s : B.s));
  PetscCall(PetscMalloc5(NV * np, &phi, NV * mobs, &ref, NV * mobs, &pred, NV * mobs * np, &sens, NV * mobs * np, &sref));
  for (PetscInt L = 0; L < NV * np; L++) phi[L] = (L % np == np - 1 && lag ? 0.5 : 1.0 + (L % np)) * (0.7 + 0.6 * Uniform(&seed));
  for (PetscInt L = 0; L < NV; L++) {
    pl[L] = pred + L * mobs;
    sp[L] = sens + L * mobs * np;
  }
  for (int round = 0; round < 3; round++) {
    PetscCall(PnlmeModelHoldSubjects(m, PETSC_FALSE));
    if (round == 2) { /* a subject changed at the same address while released, then held again */
      A.ev[0].amount = 250;
      B.ev[2].time   = 1.0; /* the first dose: its time (still before the observations that follow it) */
    }
    for (PetscInt L = 0; L < NV; L++) { /* the references: alone, not held */
      const PetscInt v = round == 1 ? NV - 1 - L : L;
      sl[L]            = &view[v];
      PetscCall(PnlmeModelPredict(m, sl[L], phi + L * np, ref + L * mobs, sref + L * mobs * np, &rst[L]));
    }
    PetscCall(PnlmeModelHoldSubjects(m, PETSC_TRUE));
    for (int withsens = 0; withsens < 2; withsens++) {
      if (withsens) PetscCall(PnlmeModelPredictManySens(m, NV, sl, phi, pl, sp, st));
      else PetscCall(PnlmeModelPredictMany(m, NV, sl, phi, pl, st));
      for (PetscInt L = 0; L < NV; L++) {
        const PetscInt n = sl[L]->nobs;
        PNLME_TEST_CHECK(st[L] == rst[L], "%s: round %d%s: set %d: status %d held, %d alone", label, round, withsens ? " with sensitivities" : "", (int)L, (int)st[L], (int)rst[L]);
        if (rst[L]) continue;
        PNLME_TEST_CHECK(!memcmp(pl[L], ref + L * mobs, sizeof(PetscReal) * n), "%s: round %d%s: set %d: the predictions held are not those alone", label, round, withsens ? " with sensitivities" : "", (int)L);
        if (withsens) PNLME_TEST_CHECK(!memcmp(sp[L], sref + L * mobs * np, sizeof(PetscReal) * n * np), "%s: round %d: set %d: the sensitivities held are not those alone", label, round, (int)L);
      }
    }
    if (round == 1) {
      PetscLogDouble   m0, m1;
      struct mallinfo2 h0, h1;
      PetscCall(PetscMallocGetCurrentUsage(&m0));
      h0 = mallinfo2();
      PetscCall(PnlmeModelPredictMany(m, NV, sl, phi, pl, st));
      PetscCall(PetscMallocGetCurrentUsage(&m1));
      h1 = mallinfo2();
      PNLME_TEST_CHECK(m1 == m0 && h1.uordblks == h0.uordblks, "%s: a held call allocates (PETSc %+g, heap %+ld bytes)", label, (double)(m1 - m0), (long)h1.uordblks - (long)h0.uordblks);
    }
  }
  PetscCall(PnlmeModelHoldSubjects(m, PETSC_FALSE));
  PetscCall(PetscFree5(phi, ref, pred, sens, sref));
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  const char *const names[] = {"pk1_iv_cl", "pk1_iv_k", "pk1_oral_cl", "pk1_oral_k", "pk1_oral_ke", "pk2_iv_cl", "pk2_iv_k", "pk2_oral_cl", "pk2_oral_k"};
  PetscFunctionBegin;
  for (int im = 0; im < 9; im++) {
    PnlmeModel m;
    PetscInt   st2;
    PetscCall(PKTModel(names[im], &m));
    PetscCall(PnlmeModelGetDoseState(m, 2, &st2));
    PetscCall(PnlmeModelDestroy(&m));
    PKTInit(&S);
    PKTObs(&S, 0.0); /* pre-dose */
    PKTBolus(&S, 0.0, 100, 1);
    for (int j = 1; j <= 24; j++) PKTObs(&S, 0.25 * j * j);
    if (st2 >= 0) PKTBolus(&S, 6.0, 50, 2); /* into the central compartment of an oral model */
    PKTObs(&S, 12.0);                         /* an observation at a dose time, before it */
    PKTBolus(&S, 12.0, 80, 1);
    PKTInfusion(&S, 30.0, 10, 2.5, 1);
    PKTObs(&S, 31.0);
    PKTObs(&S, 32.5);
    PKTObs(&S, 40.0);
    PKTReset(&S, 160.0);
    PKTBolus(&S, 161.0, 100, 1);
    PKTObs(&S, 161.0);
    PKTObs(&S, 170.0);
    PetscCall(TestModel(names[im], PKTFinish(&S), PETSC_FALSE));
    PetscCall(TestModel(names[im], PKTFinish(&S), PETSC_TRUE));
  }
  PetscCall(NonFinite());
  PetscCall(HeldSubjects("pk1_oral_ke", PETSC_FALSE));
  PetscCall(HeldSubjects("pk2_oral_cl", PETSC_FALSE));
  PetscCall(HeldSubjects("pk1_oral_ke", PETSC_TRUE));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "batched closed-form predictions equal single ones, also with dose parameters: OK\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "batched closed-form predictions test", Run); }
