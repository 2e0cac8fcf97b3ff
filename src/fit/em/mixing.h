/* The arithmetic of the mixing measurement (mixing.c), on plain arrays: one chain's running sums, its
   autocovariances, and the integrated autocorrelation time of an autocorrelation sequence (also used by
   tests/fit/test-mixing.c). */
#ifndef PNLME_FIT_EM_MIXING_H
#define PNLME_FIT_EM_MIXING_H
#include <petscsys.h>

/* state z (p values) of one chain at iteration t = 0, 1, ...: ring [(L + 1) x p] keeps the last L + 1
   states, S [(L + 1) x p] the sums of z_t,k z_{t-l},k over t >= l, msum [p] the sums of z_t,k */
static inline void PnlmeMixingChainAdd(PetscInt L, PetscInt p, PetscInt t, PetscReal ring[], PetscReal S[], PetscReal msum[], const PetscReal z[])
{
  const PetscInt nl = PetscMin(L, t);
  for (PetscInt k = 0; k < p; k++) ring[(t % (L + 1)) * p + k] = z[k];
  for (PetscInt l = 0; l <= nl; l++) {
    const PetscReal *zl = ring + ((t - l) % (L + 1)) * p;
    for (PetscInt k = 0; k < p; k++) S[l * p + k] += z[k] * zl[k];
  }
  for (PetscInt k = 0; k < p; k++) msum[k] += z[k];
}

/* the chain's autocovariance of component k at lag l after T iterations (T > l), centred on its mean */
static inline PetscReal PnlmeMixingChainCov(PetscInt p, PetscInt T, const PetscReal S[], const PetscReal msum[], PetscInt l, PetscInt k)
{
  const PetscReal m = msum[k] / (PetscReal)T;
  return S[l * p + k] / (PetscReal)(T - l) - m * m;
}

/* tau = 1 + 2 sum_{l >= 1} rho_l by Geyer's initial monotone sequence over lags 0..L (rho[l * stride],
   rho_0 = 1): the pairs rho_2m + rho_2m+1 while positive, each at most the previous; *low: the pairs were
   still positive at lag L (tau is then a lower bound) */
static inline PetscReal PnlmeMixingTau(const PetscReal rho[], PetscInt stride, PetscInt L, PetscBool *low)
{
  PetscReal tau = -1, prev = PETSC_MAX_REAL;
  *low          = PETSC_TRUE;
  for (PetscInt m = 0; 2 * m + 1 <= L; m++) {
    PetscReal G = rho[2 * m * stride] + rho[(2 * m + 1) * stride];
    if (!(G > 0)) {
      *low = PETSC_FALSE;
      break;
    }
    G = PetscMin(G, prev);
    tau += 2 * G;
    prev = G;
  }
  return tau;
}
#endif
