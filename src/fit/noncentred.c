/* Non-centred (interweaving) step for the exploration phase of SAEM.
   The centred SAEM iteration moves the typical values mu (and beta) only as fast as the individual
   parameters z_i follow them: along directions the data inform weakly at the subject level (the
   kin/Tlag/T50 ridge of the neonatal model) this is the slow convergence of EM.  The non-centred
   step holds every chain's random effect eta = z - B^T x fixed and maximises the data likelihood
   sum_i log p(y_i | B^T x_i + eta_i) over the free entries of B (Yu & Meng 2011, ancillarity-
   sufficiency interweaving), then moves every chain with it: z = B_new^T x + eta.
   The objective is evaluated collectively (each rank its subjects, exact reduction), so every rank
   runs the same TAO iterations; it costs a few dozen subject solves with sensitivities per chain. */
#include "fit/fitimpl.h"
#include <petsctao.h>

typedef struct {
  PnlmeFit  fit;
  PetscInt  nf;
  PetscInt  idx[64 * 65]; /* free entries of B */
  PetscReal *eta;         /* [nlocal x nchains x p] */
} NCCtx;

static PetscErrorCode NCObjective(Tao tao, Vec X, PetscReal *F, Vec G, void *vctx)
{
  NCCtx           *ctx = (NCCtx *)vctx;
  PnlmeFit         fit = ctx->fit;
  PetscInt         p = fit->p, q = fit->q, nc = fit->nchains, nf = ctx->nf;
  const PetscReal *b;
  PetscReal       *g, B[64 * 65], z[64], dphidz[64], gz[64];
  PnlmeExactSum    acc[64 * 65 + 1];
  PnlmeSubject     s;
  PnlmeSolveStatus st;
  PetscInt         bad = 0;
  PetscFunctionBegin;
  (void)tao;
  PetscCall(PetscArraycpy(B, fit->pop.B, q * p));
  PetscCall(VecGetArrayRead(X, &b));
  for (PetscInt f = 0; f < nf; f++) B[ctx->idx[f]] = b[f];
  PetscCall(VecRestoreArrayRead(X, &b));
  PnlmeExactSumReset(acc, nf + 1);
  for (PetscInt i = 0; i < fit->nlocal && !bad; i++) {
    const PetscReal *x = fit->x + i * q;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    for (PetscInt c = 0; c < nc && !bad; c++) {
      const PetscReal *eta = ctx->eta + (i * nc + c) * p;
      PetscReal        ll;
      for (PetscInt k = 0; k < p; k++) {
        z[k] = eta[k];
        for (PetscInt a = 0; a < q; a++) z[k] += x[a] * B[a * p + k];
      }
      PnlmeModelTransformToNatural(fit->model, z, fit->phi, dphidz);
      PetscCall(PnlmeModelPredict(fit->model, &s, fit->phi, fit->predp, fit->sens, &st));
      ll = st ? PETSC_NINFINITY : PnlmeErrorLogLikGrad(&fit->pop, s.nobs, s.dv, fit->predp, fit->dldf);
      if (!(ll > PETSC_NINFINITY)) {
        bad = 1;
        break;
      }
      for (PetscInt k = 0; k < p; k++) {
        PetscReal v = 0;
        for (PetscInt j = 0; j < s.nobs; j++) v += fit->dldf[j] * fit->sens[j * p + k];
        gz[k] = -v * dphidz[k] / nc;
      }
      PnlmeExactSumAdd(&acc[nf], -ll / nc);
      for (PetscInt f = 0; f < nf; f++) PnlmeExactSumAdd(&acc[f], gz[ctx->idx[f] % p] * x[ctx->idx[f] / p]);
    }
  }
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), nf + 1, acc));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)fit)));
  PetscCall(VecGetArray(G, &g));
  if (bad) { /* a failed solve: a wall for the line search */
    *F = PETSC_MAX_REAL;
    for (PetscInt f = 0; f < nf; f++) g[f] = 0;
  } else {
    *F = PnlmeExactSumValue(&acc[nf]);
    for (PetscInt f = 0; f < nf; f++) g[f] = PnlmeExactSumValue(&acc[f]);
  }
  PetscCall(VecRestoreArray(G, &g));
  PetscFunctionReturn(0);
}

/* one non-centred step; on return the chains, their cached predictions and likelihoods, and the
   individual means are consistent with the new B */
PetscErrorCode PnlmeFitNonCentredStep(PnlmeFit fit, PetscBool fixedonly, PetscReal gamma)
{
  PetscInt  p = fit->p, q = fit->q, nc = fit->nchains, nloc = fit->nlocal;
  NCCtx     ctx;
  Tao       tao;
  Vec       X, lo, hi;
  PetscReal *xv, *l, *h;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_NonCentred, 0, 0, 0, 0));
  ctx.fit = fit;
  ctx.nf  = 0;
  for (PetscInt a = 0; a < q; a++)
    for (PetscInt k = 0; k < p; k++)
      if (fit->pop.mask[a * p + k] && (!fixedonly || fit->pop.fixed[k])) ctx.idx[ctx.nf++] = a * p + k;
  ctx.eta = fit->ncwork;
  for (PetscInt i = 0; i < nloc; i++)
    for (PetscInt c = 0; c < nc; c++)
      for (PetscInt k = 0; k < p; k++) ctx.eta[(i * nc + c) * p + k] = fit->z[(i * nc + c) * p + k] - fit->mi[i * p + k];
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, ctx.nf, &X));
  PetscCall(VecDuplicate(X, &lo));
  PetscCall(VecDuplicate(X, &hi));
  PetscCall(VecGetArray(X, &xv));
  PetscCall(VecGetArray(lo, &l));
  PetscCall(VecGetArray(hi, &h));
  for (PetscInt f = 0; f < ctx.nf; f++) { /* a trust region of two prior SDs around the current value */
    PetscInt k = ctx.idx[f] % p;
    xv[f]      = fit->pop.B[ctx.idx[f]];
    l[f]       = xv[f] - 2 * PetscSqrtReal(fit->pop.Omega[k * p + k]);
    h[f]       = xv[f] + 2 * PetscSqrtReal(fit->pop.Omega[k * p + k]);
  }
  PetscCall(VecRestoreArray(X, &xv));
  PetscCall(VecRestoreArray(lo, &l));
  PetscCall(VecRestoreArray(hi, &h));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetOptionsPrefix(tao, "saem_nc_"));
  PetscCall(TaoSetType(tao, TAOBLMVM));
  PetscCall(TaoSetSolution(tao, X));
  PetscCall(TaoSetVariableBounds(tao, lo, hi));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, NCObjective, &ctx));
  PetscCall(TaoSetTolerances(tao, 1e-6, 1e-8, 0));
  PetscCall(TaoSetMaximumIterations(tao, fit->ncmaxit));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(TaoSolve(tao));
  PetscCall(VecGetArray(X, &xv));
  for (PetscInt f = 0; f < ctx.nf; f++) fit->pop.B[ctx.idx[f]] += gamma * (xv[f] - fit->pop.B[ctx.idx[f]]); /* stochastic approximation */
  PetscCall(VecRestoreArray(X, &xv));
  PetscCall(TaoDestroy(&tao));
  PetscCall(VecDestroy(&X));
  PetscCall(VecDestroy(&lo));
  PetscCall(VecDestroy(&hi));
  /* move the chains with the population: z = B^T x + eta, and refresh what depends on them */
  for (PetscInt i = 0; i < nloc; i++) {
    PnlmeSubject s;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    PnlmePopMean(&fit->pop, fit->x + i * q, fit->mi + i * p);
    for (PetscInt c = 0; c < nc; c++) {
      PetscReal       *z = fit->z + (i * nc + c) * p, *pr = fit->pred + fit->predoff[i] * nc + c * s.nobs;
      PnlmeSolveStatus st;
      for (PetscInt k = 0; k < p; k++) z[k] = fit->mi[i * p + k] + ctx.eta[(i * nc + c) * p + k];
      PnlmeModelTransformToNatural(fit->model, z, fit->phi, NULL);
      PetscCall(PnlmeModelPredict(fit->model, &s, fit->phi, pr, NULL, &st));
      fit->ll[i * nc + c] = st ? PETSC_NINFINITY : PnlmeErrorLogLik(&fit->pop, s.nobs, s.dv, pr);
    }
  }
  PetscCall(PetscLogEventEnd(PNLME_NonCentred, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
