/* Conditional modes: for every local subject, z_MAP = argmax p(y_i | z) p(z; theta) by damped
   Gauss-Newton with the model's sensitivities (the mode search of fit/post/mode.c, shared with FOCEI),
   started at the conditional mean from the chains, kept within -map_bound prior SDs of the individual
   mean.  One work object per rank, reused across subjects: the per-subject path allocates nothing. */
#include "fit/post/mode.h"

/* the mode search's tolerance on the largest Gauss-Newton step (transformed scale) and its most
   iterations: Gauss-Newton converges in a few steps near the mode */
#define MAP_STEP_TOL 1e-8
#define MAP_MAX_IT   200

PetscErrorCode PnlmeFitComputeMAP(PnlmeFit fit)
{
  PnlmeModeWork *W;
  PetscInt       p = fit->p, nfail = 0;
  PetscReal     *lo, *hi;
  PnlmeSubject   s;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitMAP, 0, 0, 0, 0));
  PetscCall(PnlmeModeWorkCreate(fit, MAP_STEP_TOL, MAP_MAX_IT, &W));
  PetscCall(PetscMalloc2(p, &lo, p, &hi));
  W->lo = lo, W->hi = hi;
  W->secant = PETSC_TRUE; /* fewer solves with sensitivities per mode (mode.c); FOCEI's inner problem keeps Gauss-Newton */
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    const PetscReal *m = fit->mi + i * p;
    PetscReal       *z = fit->map + i * p;
    PetscInt         status;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    /* the mode lies within a few prior SDs of the individual mean: the box keeps the search away from
       parameters where the model is stiff or blows up (and costly to integrate) */
    for (PetscInt k = 0; k < p; k++) {
      PetscReal w = fit->mapbound * PetscSqrtReal(fit->pop.Omega[k * p + k]), z0 = fit->cmean[i * p + k];
      lo[k]       = PetscMin(m[k] - w, z0 - 1e-3 * w);
      hi[k]       = PetscMax(m[k] + w, z0 + 1e-3 * w);
      z[k]        = z0;
    }
    PetscCall(PnlmeSubjectMode(fit, W, &s, m, z, &status));
    /* a search that stops at the precision of the model's solution is converged in practice: judge by
       the gradient reached (objective in nats, z in units of the transformed scale) */
    if (status == PNLME_MODE_FAILED) {
      nfail++;
      PetscCall(PetscArraycpy(z, fit->cmean + i * p, p));
    } else if (status == PNLME_MODE_NOTCONVERGED && !(PnlmeModeGradientNorm(W, z) <= fit->mapgtol)) nfail++;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &nfail, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)fit)));
  fit->nmapfail = nfail;
  PetscCall(PetscFree2(lo, hi));
  PetscCall(PnlmeModeWorkDestroy(&W));
  PetscCall(PetscLogEventEnd(PNLME_FitMAP, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
