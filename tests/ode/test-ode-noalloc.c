/* No allocation per subject solve: PETSc's current malloc usage and the C heap in use (mallinfo2) are
   unchanged over 1000 solves of the neonate (200 of the turnover model) with each integrator, with and without sensitivities. */
#include "odetest.h"
#include <malloc.h>

static PetscErrorCode Run(void)
{
  const PetscReal pneo[5] = {3433, 86.6, 1.54, 0.072, 1.15}, ptov[7] = {1.0, 0.15, 8.0, 100.0, 0.05, 0.8, 1.2};
  TSubject        neo, tov;
  PetscFunctionBegin;
  TInit(&neo);
  for (int i = 0; i < 7; i++) TObs(&neo, 0.9 * i + (i ? 0.1 : 0), 0);
  TFinish(&neo);
  TInit(&tov);
  TBolus(&tov, 0.0, 100.0, 1);
  TObs(&tov, 1.0, 0);
  TObs(&tov, 12.0, 1);
  TInfusion(&tov, 24.0, 20.0, 2.0, 2);
  TObs(&tov, 25.0, 0);
  TObs(&tov, 48.0, 1);
  TReset(&tov, 50.0);
  TBolus(&tov, 50.0, 50.0, 1);
  TObs(&tov, 60.0, 0);
  TFinish(&tov);
  for (int b = 0; b < TNINTEGRATORS; b++) {
    for (int which = 0; which < 2; which++) {
      PnlmeModel        m;
      const TSubject   *ts  = which ? &tov : &neo;
      const PetscReal  *phi = which ? ptov : pneo;
      PetscReal         pred[TMAXEV], sens[TMAXEV * 8], ph[8];
      PnlmeSolveStatus  st;
      PetscLogDouble    before, after;
      size_t            hbefore, hafter;
      PetscInt          np;
      PetscCall(TModel(which ? "turnover" : "neonate", TIntegrators[b], NULL, NULL, &m));
      PetscCall(PnlmeModelGetNumParameters(m, &np));
      for (int ws = 0; ws < 2; ws++) {
        PetscCall(PnlmeModelPredict(m, &ts->s, phi, pred, ws ? sens : NULL, &st)); /* warm-up */
        PetscCall(PetscMallocGetCurrentUsage(&before));
        hbefore = mallinfo2().uordblks;
        for (int i = 0; i < (which ? 200 : 1000); i++) {
          for (PetscInt k = 0; k < np; k++) ph[k] = phi[k] * (1.0 + 0.1 * sin(i + k));
          PetscCall(PnlmeModelPredict(m, &ts->s, ph, pred, ws ? sens : NULL, &st));
          PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "solve %d failed", i);
        }
        PetscCall(PetscMallocGetCurrentUsage(&after));
        hafter = mallinfo2().uordblks;
        PNLME_TEST_CHECK(before == after, "%s/%s: PETSc memory in use changed by %g bytes over the solves", TIntegrators[b], which ? "turnover" : "neonate", (double)(after - before));
        PNLME_TEST_CHECK(hbefore == hafter, "%s/%s: heap in use changed by %ld bytes over the solves", TIntegrators[b], which ? "turnover" : "neonate", (long)hafter - (long)hbefore);
      }
      PetscCall(PnlmeModelDestroy(&m));
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-13s no allocation over 1000 neonate and 200 turnover solves, with and without sensitivities\n", TIntegrators[b]));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "no allocation per solve OK\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "no allocation per ODE solve", Run); }
