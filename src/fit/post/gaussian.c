/* The posterior contract of the estimators whose subjects' posteriors are Gaussian (VEM's q_i, the
   Laplace approximation at a conditional mode): cmean and ccov on the transformed scale (the start of
   the conditional-mode search, the importance-sampling proposal) and the natural-scale moments nmom
   from M draws per subject.  The draws come from the subject's own stream (seed, global subject
   index, substream): the same at any number of ranks. */
#include "fit/fitimpl.h"

PetscErrorCode PnlmeFitGaussianPosterior(PnlmeFit fit, const PetscReal mean[], const PetscReal chol[], PetscInt M, uint64_t substream)
{
  PetscInt  p = fit->p;
  PetscReal z[64], e[64];
  PetscFunctionBegin;
  PetscCall(PetscArrayzero(fit->nmom, fit->nlocal * 2 * p));
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    const PetscReal *m = mean + i * p, *L = chol + i * p * p;
    PetscReal       *nm = fit->nmom + 2 * i * p;
    PnlmeSubject     s;
    PnlmeRNG         rng;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    PetscCall(PetscArraycpy(fit->cmean + i * p, m, p));
    for (PetscInt k = 0; k < p; k++)
      for (PetscInt l = 0; l < p; l++) {
        PetscReal Skl = 0;
        for (PetscInt j = 0; j <= PetscMin(k, l); j++) Skl += L[k * p + j] * L[l * p + j];
        fit->ccov[(i * p + k) * p + l] = Skl;
      }
    PnlmeRNGInit(&rng, (uint64_t)fit->seed, (uint64_t)s.gindex, substream);
    for (PetscInt d = 0; d < M; d++) {
      for (PetscInt k = 0; k < p; k++) e[k] = PnlmeRNGNormal(&rng);
      for (PetscInt k = 0; k < p; k++) {
        z[k] = m[k];
        for (PetscInt l = 0; l <= k; l++) z[k] += L[k * p + l] * e[l];
      }
      PnlmeModelTransformToNatural(fit->model, z, fit->phi, NULL);
      for (PetscInt k = 0; k < p; k++) {
        nm[k] += fit->phi[k];
        nm[p + k] += fit->phi[k] * fit->phi[k];
      }
    }
  }
  fit->ncm = M;
  PetscFunctionReturn(0);
}
