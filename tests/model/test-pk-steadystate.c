/* Steady-state doses (SS 1 and 2) of the closed-form PK models: a STEADY_STATE entry before a dose makes
   it the infinite series of that dose every II.  Checked against the textbook formula of the
   one-compartment bolus, against the same dose written out over many intervals (values and
   sensitivities, boluses into both inputs and infusions into both, one and two compartments, with a lag
   time and a bioavailability), for SS 2
   on top of an earlier dose, for a batch of sets (each set's bits the ones it has alone), and for a
   half-life too long for the series (a failed prediction, not a crash or a hang). */
#include "pktest.h"

static PKTSubject S, E; /* large: static */

static const PetscReal SST[] = {0, 0.25, 1, 3.5, 11.99, 12, 17, 30, 49.5}; /* observation times after the dose */
#define NSST ((PetscInt)(sizeof(SST) / sizeof(SST[0])))

static inline void PKTSteadyState(PKTSubject *t, PetscReal time, PetscReal ii, PetscInt ss) { PKTEvent(t, PNLME_EV_STEADY_STATE, time, ii, 0, ss, 0); }

/* one dose (a bolus, or an infusion of duration dur > 0) into cmt at td */
static void Dose(PKTSubject *t, PetscReal td, PetscReal amt, PetscReal dur, PetscInt cmt)
{
  if (dur > 0) PKTInfusion(t, td, amt / dur, dur, cmt);
  else PKTBolus(t, td, amt, cmt);
}

/* S: the steady-state dose at td (SS 1: after a reset) and the observations; E: the same dose every ii
   from td - (n - 1) ii to td (and with SS 2 the dose of 50 at time 0 in both) */
static void Build(PetscReal td, PetscReal ii, PetscInt n, PetscReal amt, PetscReal dur, PetscInt cmt, PetscInt ss)
{
  PKTInit(&S);
  PKTInit(&E);
  if (ss == 2) {
    PKTBolus(&S, 0, 50, 1);
    PKTBolus(&E, 0, 50, 1);
  }
  if (ss == 1) PKTReset(&S, td);
  PKTSteadyState(&S, td, ii, ss);
  Dose(&S, td, amt, dur, cmt);
  for (PetscInt j = n - 1; j >= 0; j--) Dose(&E, td - (PetscReal)j * ii, amt, dur, cmt);
  for (PetscInt i = 0; i < NSST; i++) {
    PKTObs(&S, td + SST[i]);
    PKTObs(&E, td + SST[i]);
  }
}

/* the one-compartment bolus at steady state: D/V e^{-k u} / (1 - e^{-k II}) */
static PetscErrorCode TestFormula(void)
{
  PnlmeModel      m;
  const PetscReal phi[2] = {0.3, 20}, D = 100, ii = 12, td = 200;
  PetscReal       pred[PKT_MAXOBS];
  PetscFunctionBegin;
  PetscCall(PKTModel("pk1_iv_k", &m));
  Build(td, ii, 1, D, 0, 1, 1);
  PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, NULL));
  for (PetscInt i = 0; i < NSST; i++) PNLME_TEST_CLOSE(pred[i], D / phi[1] * exp(-phi[0] * SST[i]) / -expm1(-phi[0] * ii), 1e-13, 0, "one-compartment bolus at steady state");
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "the one-compartment formula: OK\n"));
  PetscFunctionReturn(0);
}

/* the steady-state dose against the dose written out over n intervals, values and sensitivities */
static PetscErrorCode Against(PnlmeModel m, const char *name, const PetscReal phi[], PetscInt np, PetscReal amt, PetscReal dur, PetscInt cmt, PetscInt ss, PetscInt n)
{
  static PetscReal ps[PKT_MAXOBS], pe[PKT_MAXOBS], ss0[PKT_MAXOBS * 8], se[PKT_MAXOBS * 8], pv[PKT_MAXOBS];
  char             what[160];
  PetscFunctionBegin;
  Build(500, 12, n, amt, dur, cmt, ss);
  PetscCall(PKTPredict(m, PKTFinish(&S), phi, pv, NULL));
  PetscCall(PKTPredict(m, &S.s, phi, ps, ss0));
  PetscCall(PKTPredict(m, PKTFinish(&E), phi, pe, se));
  for (PetscInt i = 0; i < NSST; i++) {
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s, SS %d, CMT %d, duration %g: C(td + %g)", name, (int)ss, (int)cmt, (double)dur, (double)SST[i]));
    PNLME_TEST_CLOSE(pv[i], pe[i], 1e-12, 0, what);
    PNLME_TEST_CLOSE(ps[i], pe[i], 1e-12, 0, what);
    for (PetscInt k = 0; k < np; k++) {
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s, SS %d, CMT %d, duration %g: dC/dphi_%d (td + %g)", name, (int)ss, (int)cmt, (double)dur, (int)k, (double)SST[i]));
      PNLME_TEST_CLOSE(ss0[i * np + k], se[i * np + k], 1e-10, 1e-12 * fabs(pe[i]), what);
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode TestSeries(void)
{
  const char     *names[] = {"pk1_iv_cl", "pk1_oral_cl", "pk2_iv_cl", "pk2_oral_cl"};
  const PetscReal phis[][5] = {{2.0, 20}, {1.1, 2.0, 20}, {2.0, 20, 4.0, 40}, {0.7, 2.0, 20, 4.0, 40}};
  const PetscInt  nps[] = {2, 3, 4, 5};
  PetscFunctionBegin;
  for (int im = 0; im < 4; im++) {
    PnlmeModel m;
    PetscInt   depot = im % 2 ? 1 : 0, central = depot ? 2 : 1;
    PetscCall(PKTModel(names[im], &m));
    for (PetscInt ss = 1; ss <= 2; ss++) {
      /* the slowest rate of the two-compartment models is about 0.03/h: 1600 intervals of 12 h leave
         e^{-580} of the series */
      PetscCall(Against(m, names[im], phis[im], nps[im], 100, 0, central, ss, 1600));
      PetscCall(Against(m, names[im], phis[im], nps[im], 100, 1.5, central, ss, 1600));
      PetscCall(Against(m, names[im], phis[im], nps[im], 100, 15, central, ss, 1600)); /* infusions overlap */
      if (depot) {
        PetscCall(Against(m, names[im], phis[im], nps[im], 100, 0, 1, ss, 1600));
        PetscCall(Against(m, names[im], phis[im], nps[im], 100, 2.5, 1, ss, 1600));
      }
    }
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "steady state = the dose over 1600 intervals (values, sensitivities; SS 1 and 2; boluses and infusions into both inputs): OK\n"));
  PetscFunctionReturn(0);
}

/* with a lag time and a bioavailability on the dose (pk1_oral_cl, on the depot and on the central input):
   the observations within the lag after the steady-state dose receive its earlier virtual doses, and the
   derivatives in Tlag and F are those of the doses written out */
static PetscErrorCode TestDoseParameters(void)
{
  PnlmeModel      m;
  const PetscReal phi[7] = {1.1, 2.0, 20, 0.75, 0.8, 0.4, 0.6}; /* ka CL V Tlag F Tlag2 F2 */
  PetscFunctionBegin;
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, &m));
  PetscCall(PnlmeModelSetType(m, "pk1_oral_cl"));
  PetscCall(PnlmeModelAddDoseLag(m, 1, "Tlag"));
  PetscCall(PnlmeModelAddDoseBioavailability(m, 1, "F"));
  PetscCall(PnlmeModelAddDoseLag(m, 2, "Tlag2"));
  PetscCall(PnlmeModelAddDoseBioavailability(m, 2, "F2"));
  PetscCall(PnlmeModelSetUp(m));
  for (PetscInt ss = 1; ss <= 2; ss++) {
    PetscCall(Against(m, "pk1_oral_cl with Tlag and F", phi, 7, 100, 0, 1, ss, 1600));
    PetscCall(Against(m, "pk1_oral_cl with Tlag and F", phi, 7, 100, 0, 2, ss, 1600));
    PetscCall(Against(m, "pk1_oral_cl with Tlag and F", phi, 7, 100, 1.5, 2, ss, 1600));
    PetscCall(Against(m, "pk1_oral_cl with Tlag and F", phi, 7, 100, 2.5, 1, ss, 1600));
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "with a lag time and a bioavailability (observations within the lag): OK\n"));
  PetscFunctionReturn(0);
}

/* a batch of sets on one subject: each set's bits the ones it has alone; a set whose half-life is too
   long for the series fails alone, the others do not */
static PetscErrorCode TestBatch(void)
{
  PnlmeModel       m;
  PetscReal        phi[4 * 3] = {1.1, 2.0, 20, 0.5, 3.0, 30, 1.1, 1e-5, 20, 2.0, 1.0, 15}, pb[4 * PKT_MAXOBS], p1[PKT_MAXOBS];
  PnlmeSolveStatus st[4], s1;
  PetscFunctionBegin;
  PetscCall(PKTModel("pk1_oral_cl", &m));
  Build(72, 24, 1, 100, 0, 1, 1);
  PetscCall(PnlmeModelPredictBatch(m, PKTFinish(&S), 4, phi, pb, st));
  for (PetscInt L = 0; L < 4; L++) {
    PetscCall(PnlmeModelPredict(m, &S.s, phi + 3 * L, p1, NULL, &s1));
    PNLME_TEST_CHECK(s1 == st[L], "set %d: status %d in the batch, %d alone", (int)L, (int)st[L], (int)s1);
    if (L == 2) PNLME_TEST_CHECK(s1 == PNLME_SOLVE_FAILED, "a half-life of 70,000 h at II 24 h: the series would need 10^5 terms: the set must fail (status %d)", (int)s1);
    else
      for (PetscInt i = 0; i < NSST; i++) PNLME_TEST_CHECK(pb[L * NSST + i] == p1[i], "set %d, observation %d: %.17g in the batch, %.17g alone", (int)L, (int)i, pb[L * NSST + i], p1[i]);
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "batches: OK\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscFunctionBegin;
  PetscCall(TestFormula());
  PetscCall(TestSeries());
  PetscCall(TestDoseParameters());
  PetscCall(TestBatch());
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "steady-state doses of the closed-form PK models", Run); }
