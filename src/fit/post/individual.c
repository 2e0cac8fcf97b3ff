/* Conditional modes: for every local subject, z_MAP = argmax p(y_i | z) p(z; theta) by damped
   Gauss-Newton with the model's sensitivities (the mode search of fit/post/mode.c, shared with FOCEI),
   started at the conditional mean from the chains, kept within -map_bound prior SDs of the individual
   mean.  The searches of a rank's subjects advance in lockstep, PNLME_MODE_LANES at a time, their
   model solves evaluated together (mode.c, PnlmeModeBatchSolve); each mode is the one its search gives
   alone.  One batch of work per rank, reused across subjects: the per-subject path allocates nothing. */
#include "fit/post/mode.h"

/* the mode search's tolerance on the largest Gauss-Newton step (transformed scale) and its most
   iterations: Gauss-Newton converges in a few steps near the mode */
#define MAP_STEP_TOL 1e-8
#define MAP_MAX_IT   200

typedef struct {
  PetscInt nfail;
} MAPCtx;

/* lane F takes subject i: the mode lies within a few prior SDs of the individual mean: the box keeps the
   search away from parameters where the model is stiff or blows up (and costly to integrate) */
static PetscErrorCode MAPStart(PnlmeFit fit, PetscInt i, PnlmeModeWork *F, void *ctx)
{
  const PetscInt   p = fit->p;
  const PetscReal *m = fit->mi + i * p;
  PetscReal       *z = fit->map + i * p;
  PetscFunctionBegin;
  (void)ctx;
  PetscCall(PnlmeDataGetSubject(fit->data, i, &F->sub));
  for (PetscInt k = 0; k < p; k++) {
    PetscReal w = fit->mapbound * PetscSqrtReal(fit->pop.Omega[k * p + k]), z0 = fit->cmean[i * p + k];
    F->lob[k]   = PetscMin(m[k] - w, z0 - 1e-3 * w);
    F->hib[k]   = PetscMax(m[k] + w, z0 + 1e-3 * w);
    z[k]        = z0;
  }
  PetscCall(PnlmeModeBegin(fit, F, &F->sub, m, z));
  PetscFunctionReturn(0);
}

/* a search that stops at the precision of the model's solution is converged in practice: judge by the
   gradient reached (objective in nats, z in units of the transformed scale) */
static PetscErrorCode MAPDone(PnlmeFit fit, PetscInt i, PnlmeModeWork *F, void *ctx)
{
  MAPCtx *c = (MAPCtx *)ctx;
  PetscFunctionBegin;
  if (F->status == PNLME_MODE_FAILED) {
    c->nfail++;
    PetscCall(PetscArraycpy(fit->map + i * fit->p, fit->cmean + i * fit->p, fit->p));
  } else if (F->status == PNLME_MODE_NOTCONVERGED && !(PnlmeModeGradientNorm(F, fit->map + i * fit->p) <= fit->mapgtol)) c->nfail++;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitComputeMAP(PnlmeFit fit)
{
  PnlmeModeBatch *B;
  MAPCtx          c = {0};
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitMAP, 0, 0, 0, 0));
  PetscCall(PnlmeModeBatchCreate(fit, MAP_STEP_TOL, MAP_MAX_IT, PNLME_MODE_LANES, &B));
  for (PetscInt l = 0; l < B->nl; l++) {
    PnlmeModeWork *F = B->lane[l];
    F->lo = F->lob, F->hi = F->hib;
    F->secant = PETSC_TRUE; /* fewer solves with sensitivities per mode (mode.c); FOCEI's inner problem likewise (-focei_inner_secant) */
  }
  PetscCall(PnlmeModeBatchSolve(fit, B, fit->nlocal, MAPStart, MAPDone, &c));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &c.nfail, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)fit)));
  fit->nmapfail = c.nfail;
  PetscCall(PnlmeModeBatchDestroy(&B));
  PetscCall(PetscLogEventEnd(PNLME_FitMAP, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
