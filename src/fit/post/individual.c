/* Conditional modes: for every local subject, z_MAP = argmax p(y_i | z) p(z; theta), by TAO
   (limited-memory quasi-Newton) on PETSC_COMM_SELF, with gradients from the model's sensitivities.
   One Tao per rank, reused across subjects; starts at the conditional mean from the chains. */
#include "fit/fitimpl.h"
#include <petsctao.h>

typedef struct {
  PnlmeFit     fit;
  PnlmeSubject s;
  PetscInt     i;
} MAPCtx;

static PetscErrorCode ObjGrad(Tao tao, Vec Z, PetscReal *F, Vec Gv, void *vctx)
{
  MAPCtx          *ctx = (MAPCtx *)vctx;
  PnlmeFit         fit = ctx->fit;
  PnlmePop        *pop = &fit->pop;
  PetscInt         p = fit->p, n = ctx->s.nobs;
  const PetscReal *z, *m = fit->mi + ctx->i * p;
  PetscReal       *g, dphidz[64], ll;
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  (void)tao;
  PetscCall(VecGetArrayRead(Z, &z));
  PetscCall(VecGetArray(Gv, &g));
  PnlmeModelTransformToNatural(fit->model, z, fit->phi, dphidz);
  PetscCall(PnlmeModelPredict(fit->model, &ctx->s, fit->phi, fit->predp, fit->sens, &st));
  ll = st ? PETSC_NINFINITY : PnlmeErrorLogLikGrad(pop, &ctx->s, fit->predp, fit->dldf);
  if (!(ll > PETSC_NINFINITY)) { /* a failed solve: a wall the line search backs away from */
    *F = PETSC_MAX_REAL;
    for (PetscInt k = 0; k < p; k++) g[k] = 0;
  } else {
    *F = -ll - PnlmePopLogPrior(pop, z, m);
    for (PetscInt k = 0; k < p; k++) {
      PetscReal v = 0;
      for (PetscInt j = 0; j < n; j++) v -= fit->dldf[j] * fit->sens[j * p + k];
      g[k] = v * dphidz[k];
      for (PetscInt l = 0; l < p; l++) g[k] += (pop->full || l == k ? pop->Oinv[k * p + l] : 0) * (z[l] - m[l]);
    }
  }
  PetscCall(VecRestoreArrayRead(Z, &z));
  PetscCall(VecRestoreArray(Gv, &g));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitComputeMAP(PnlmeFit fit)
{
  Tao                tao;
  Vec                Z, lo, hi;
  MAPCtx             ctx;
  PetscInt           p = fit->p, nfail = 0;
  TaoConvergedReason reason;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitMAP, 0, 0, 0, 0));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, p, &Z));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetOptionsPrefix(tao, "map_"));
  PetscCall(TaoSetType(tao, TAOBLMVM));
  PetscCall(VecDuplicate(Z, &lo));
  PetscCall(VecDuplicate(Z, &hi));
  PetscCall(TaoSetTolerances(tao, 1e-8, 0, 0));
  PetscCall(TaoSetMaximumIterations(tao, 200));
  ctx.fit = fit;
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, ObjGrad, &ctx));
  PetscCall(TaoSetFromOptions(tao));
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscReal *zv;
    ctx.i = i;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &ctx.s));
    PetscCall(VecGetArray(Z, &zv));
    PetscCall(PetscArraycpy(zv, fit->cmean + i * p, p));
    PetscCall(VecRestoreArray(Z, &zv));
    { /* the mode lies within a few prior SDs of the individual mean: bounds keep the line search away
         from parameters where the model is stiff or blows up (and costly to integrate) */
      PetscReal *l, *h;
      PetscCall(VecGetArray(lo, &l));
      PetscCall(VecGetArray(hi, &h));
      for (PetscInt k = 0; k < p; k++) {
        PetscReal m = fit->mi[i * p + k], w = fit->mapbound * PetscSqrtReal(fit->pop.Omega[k * p + k]), z0 = fit->cmean[i * p + k];
        l[k] = PetscMin(m - w, z0 - 1e-3 * w);
        h[k] = PetscMax(m + w, z0 + 1e-3 * w);
        if (fit->pop.fixed[k]) l[k] = h[k] = m; /* no random effect: at the individual mean */
      }
      PetscCall(VecRestoreArray(lo, &l));
      PetscCall(VecRestoreArray(hi, &h));
      PetscCall(TaoSetVariableBounds(tao, lo, hi));
    }
    PetscCall(TaoSetSolution(tao, Z));
    PetscCall(TaoSolve(tao));
    PetscCall(TaoGetConvergedReason(tao, &reason));
    if (reason < 0) {
      /* a line search that stalls at the precision of the ODE solution is converged in practice:
         judge by the gradient reached (objective in nats, z in units of the transformed scale) */
      PetscReal f, gnorm, cnorm, xdiff;
      PetscInt  its;
      PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, &xdiff, NULL));
      if (!(gnorm <= fit->mapgtol)) nfail++;
    }
    PetscCall(VecGetArray(Z, &zv));
    PetscCall(PetscArraycpy(fit->map + i * p, zv, p));
    PetscCall(VecRestoreArray(Z, &zv));
  }
  PetscCallMPI(MPI_Allreduce(&nfail, &fit->nmapfail, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)fit)));
  PetscCall(TaoDestroy(&tao));
  PetscCall(VecDestroy(&Z));
  PetscCall(VecDestroy(&lo));
  PetscCall(VecDestroy(&hi));
  PetscCall(PetscLogEventEnd(PNLME_FitMAP, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
