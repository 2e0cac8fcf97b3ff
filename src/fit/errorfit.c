/* M-step of the residual error parameters.
   constant and exponential: closed form from the stochastic approximation of the residual sum of
   squares (statistic S3).  proportional, combined1, combined2: as saemix, the parameters that
   maximise the conditional log-likelihood at the current chains' predictions, found by TAO on
   (log a, log b) with the objective evaluated collectively (each rank its observations, one exact
   reduction: every rank runs identical iterations), followed by a stochastic-approximation step on
   the parameters. */
#include "fit/fitimpl.h"
#include <petsctao.h>

/* objective: (1/nc) sum over chains and observations of r^2/g^2 + 2 log g, and its gradient in (log a, log b) */
static PetscErrorCode ErrorObjective(Tao tao, Vec X, PetscReal *F, Vec G, void *ctx)
{
  PnlmeFit         fit = (PnlmeFit)ctx;
  const PetscReal *x;
  PetscReal       *g, a, b;
  PnlmeExactSum    acc[3];
  PnlmeSubject     s;
  PetscInt         nc = fit->nchains;
  PetscFunctionBegin;
  (void)tao;
  PetscCall(VecGetArrayRead(X, &x));
  a = fit->pop.err == PNLME_ERROR_PROPORTIONAL ? 0 : PetscExpReal(x[0]);
  b = PetscExpReal(x[fit->pop.err == PNLME_ERROR_PROPORTIONAL ? 0 : 1]);
  PetscCall(VecRestoreArrayRead(X, &x));
  PnlmeExactSumReset(acc, 3);
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    for (PetscInt c = 0; c < nc; c++) {
      const PetscReal *f = fit->pred + fit->predoff[i] * nc + c * s.nobs;
      PetscReal        obj = 0, da = 0, db = 0;
      for (PetscInt j = 0; j < s.nobs; j++) {
        PetscReal af = PetscAbsReal(f[j]), r2 = (s.dv[j] - f[j]) * (s.dv[j] - f[j]), gg, dgda, dgdb;
        if (fit->pop.err == PNLME_ERROR_COMBINED2) {
          gg   = PetscSqrtReal(a * a + b * b * af * af);
          dgda = a / gg;
          dgdb = b * af * af / gg;
        } else {
          gg   = a + b * af;
          dgda = 1;
          dgdb = af;
        }
        if (!(gg > 0)) gg = PETSC_SMALL;
        obj += r2 / (gg * gg) + 2 * PetscLogReal(gg);
        /* d/dg (r^2/g^2 + 2 log g) = -2 r^2/g^3 + 2/g; chain rule to log a, log b */
        da += (-2 * r2 / (gg * gg * gg) + 2 / gg) * dgda * a;
        db += (-2 * r2 / (gg * gg * gg) + 2 / gg) * dgdb * b;
      }
      PnlmeExactSumAdd(&acc[0], obj / nc);
      PnlmeExactSumAdd(&acc[1], da / nc);
      PnlmeExactSumAdd(&acc[2], db / nc);
    }
  }
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), 3, acc));
  *F = PnlmeExactSumValue(&acc[0]);
  PetscCall(VecGetArray(G, &g));
  if (fit->pop.err == PNLME_ERROR_PROPORTIONAL) g[0] = PnlmeExactSumValue(&acc[2]);
  else {
    g[0] = PnlmeExactSumValue(&acc[1]);
    g[1] = PnlmeExactSumValue(&acc[2]);
  }
  PetscCall(VecRestoreArray(G, &g));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitErrorMStep(PnlmeFit fit, PetscInt iter, PetscReal gamma, PetscReal S3)
{
  PnlmePop *pop = &fit->pop;
  PetscFunctionBegin;
  if (pop->err == PNLME_ERROR_CONSTANT || pop->err == PNLME_ERROR_EXPONENTIAL) {
    PetscReal a2 = S3 / (PetscReal)fit->Ntot;
    if (iter < fit->saiter) a2 = PetscMax(a2, fit->safactor * pop->a * pop->a); /* annealing */
    pop->a = PetscSqrtReal(a2);
    PetscFunctionReturn(0);
  }
  {
    Tao       tao;
    Vec       X;
    PetscInt  n = pop->err == PNLME_ERROR_PROPORTIONAL ? 1 : 2;
    PetscReal *x, aopt, bopt;
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, n, &X));
    PetscCall(VecGetArray(X, &x));
    if (n == 1) x[0] = PetscLogReal(pop->b);
    else {
      x[0] = PetscLogReal(pop->a);
      x[1] = PetscLogReal(pop->b);
    }
    PetscCall(VecRestoreArray(X, &x));
    PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
    PetscCall(TaoSetOptionsPrefix(tao, "error_"));
    PetscCall(TaoSetType(tao, TAOBLMVM));
    { /* a bounded search (e^-8 to e^8 times the current values) keeps the first steps finite */
      Vec lo, hi;
      PetscCall(VecDuplicate(X, &lo));
      PetscCall(VecDuplicate(X, &hi));
      PetscCall(VecCopy(X, lo));
      PetscCall(VecCopy(X, hi));
      PetscCall(VecShift(lo, -8.0));
      PetscCall(VecShift(hi, 8.0));
      PetscCall(TaoSetVariableBounds(tao, lo, hi));
      PetscCall(VecDestroy(&lo));
      PetscCall(VecDestroy(&hi));
    }
    PetscCall(TaoSetSolution(tao, X));
    PetscCall(TaoSetObjectiveAndGradient(tao, NULL, ErrorObjective, fit));
    PetscCall(TaoSetTolerances(tao, 1e-8, 1e-10, 0));
    PetscCall(TaoSetFromOptions(tao));
    PetscCall(TaoSolve(tao));
    PetscCall(VecGetArray(X, &x));
    aopt = n == 1 ? 0 : PetscExpReal(x[0]);
    bopt = PetscExpReal(x[n - 1]);
    PetscCall(VecRestoreArray(X, &x));
    PetscCall(TaoDestroy(&tao));
    PetscCall(VecDestroy(&X));
    /* stochastic approximation on the parameters, annealing on their squares */
    {
      PetscReal a_new = pop->a + gamma * (aopt - pop->a), b_new = pop->b + gamma * (bopt - pop->b);
      if (iter < fit->saiter) {
        a_new = PetscMax(a_new, PetscSqrtReal(fit->safactor) * pop->a);
        b_new = PetscMax(b_new, PetscSqrtReal(fit->safactor) * pop->b);
      }
      if (n == 2) pop->a = a_new;
      pop->b = b_new;
    }
  }
  PetscFunctionReturn(0);
}
