/* The mixing measurement's arithmetic (src/fit/em/mixing.h, used by -saem_mixing_lags): the integrated
   autocorrelation time of exact AR(1) autocorrelations rho_l = phi^l is (1 + phi) / (1 - phi), for
   positive and negative phi, flagged as a lower bound while the pairs stay positive, and cut where a
   pair turns negative; and 400 simulated AR(1) chains of 1,000 iterations (phi = 0, 0.5, 0.8, 0.9)
   pooled as mixing.c pools them (each chain centred on its own mean) give tau within 10 % of the
   truth. */
#include <pnlmetest.h>
#include <math.h>
#include "fit/em/mixing.h"

static double Uniform(uint64_t *st)
{
  *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((double)(*st >> 11) + 0.5) * 0x1p-53;
}

static double Normal(uint64_t *st) { return sqrt(-2 * log(Uniform(st))) * cos(2 * M_PI * Uniform(st)); }

int main(int argc, char **argv)
{
  PetscInt  fails = 0;
  PetscReal rho[201];
  PetscBool low;
  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* exact sequences */
  for (int c = 0; c < 4; c++) {
    const PetscReal phi = (PetscReal[]){0.5, 0.9, -0.5, 0.0}[c], want = (1 + phi) / (1 - phi);
    PetscReal       tau;
    for (PetscInt l = 0; l <= 200; l++) rho[l] = pow(phi, (double)l);
    tau = PnlmeMixingTau(rho, 1, 200, &low);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "exact AR(1) phi %g: tau %.6f (want %.6f)%s\n", (double)phi, (double)tau, (double)want, low ? ", a lower bound" : ""));
    if (!(PetscAbsReal(tau - want) < 1e-6 * want)) fails++;
    if (phi != 0.0 && !low) fails++; /* every pair positive up to lag 200 */
  }
  rho[0] = 1;
  rho[1] = 0.6;
  rho[2] = 0.2;
  rho[3] = -0.3; /* the second pair is negative: tau = -1 + 2 (1 + 0.6) */
  rho[4] = rho[5] = 0.9;
  if (!(PetscAbsReal(PnlmeMixingTau(rho, 1, 5, &low) - 2.2) < 1e-12) || low) fails++;
  rho[2] = 0.5;
  rho[3] = 0.5; /* pairs 1.6, 1.0, 1.8: the third is cut to the second's 1.0 (monotone), all positive */
  if (!(PetscAbsReal(PnlmeMixingTau(rho, 1, 5, &low) - (-1 + 2 * (1.6 + 1.0 + 1.0))) < 1e-12) || !low) fails++;
  /* simulated chains, pooled */
  for (int c = 0; c < 4; c++) {
    const PetscInt  L = 60, T = 1000, nch = 400, p = 1;
    const PetscReal phi = (PetscReal[]){0.0, 0.5, 0.8, 0.9}[c], want = (1 + phi) / (1 - phi);
    PetscReal       ring[61], S[61], ms[1], C[61] = {0}, tau;
    uint64_t        st = 12345 + (uint64_t)c;
    for (PetscInt g = 0; g < nch; g++) {
      PetscReal z = Normal(&st) / sqrt(1 - phi * phi) + 3.0; /* stationary, around a chain mean of 3 */
      for (PetscInt l = 0; l <= L; l++) S[l] = 0;
      ms[0] = 0;
      for (PetscInt t = 0; t < T; t++) {
        PnlmeMixingChainAdd(L, p, t, ring, S, ms, &z);
        z = 3.0 + phi * (z - 3.0) + Normal(&st);
      }
      for (PetscInt l = 0; l <= L; l++) C[l] += PnlmeMixingChainCov(p, T, S, ms, l, 0);
    }
    for (PetscInt l = 0; l <= L; l++) rho[l] = C[l] / C[0];
    tau = PnlmeMixingTau(rho, 1, L, &low);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "simulated AR(1) phi %g: lag-1 autocorrelation %.3f, tau %.3f (want %.3f)\n", (double)phi, (double)rho[1], (double)tau, (double)want));
    if (!(PetscAbsReal(tau - want) < 0.1 * want)) fails++;
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, fails ? "FAILED: %" PetscInt_FMT " checks\n" : "autocorrelation times: OK\n", fails));
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
