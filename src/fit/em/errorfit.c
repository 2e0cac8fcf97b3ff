/* M-step of the residual error parameters, output by output.
   Closed-form models (constant, exponential) without censored observations: a^2 from the stochastic
   approximation of the output's residual sum of squares (S3[k]).  The others (proportional,
   combined1, combined2, and any output with censored observations): as saemix, the parameters that
   maximise the conditional log-likelihood of the output's observations at the current chains'
   predictions, found by TAO on (log a, log b) with the objective evaluated collectively (each rank its
   observations, one exact reduction: every rank runs identical iterations), followed by a
   stochastic-approximation step on the parameters. */
#include "fit/fitimpl.h"
#include <petsctao.h>

typedef struct {
  PnlmeFit fit;
  PetscInt k; /* the output */
} ErrorCtx;

static inline PetscReal NormalCDF(PetscReal z)
{
  return 0.5 * erfc(-z / PETSC_SQRT2);
}

/* a censored observation's -2 log P and its gradient in (log a, log b) */
static void CensoredTerm(const PnlmeErrorOps *ops, PetscReal a, PetscReal b, const PnlmeSubject *s, PetscInt j, PetscReal f, PetscReal *obj, PetscReal *da, PetscReal *db)
{
  PetscReal g, dgda, dgdb, loq = s->dv[j], lim = s->limit ? s->limit[j] : (PetscReal)NAN, x, u, ul = 0, P, dPdg;
  PetscBool interval = (PetscBool)(s->cens[j] == 1 && PetscIsNormalReal(lim) && lim < loq);
  ops->gderiv(a, b, f, &g, &dgda, &dgdb);
  if (!(g > 0)) g = PETSC_SMALL;
  if (ops->logscale) {
    x = f > 0 ? PetscLogReal(f) : PETSC_NINFINITY;
    u = (PetscLogReal(PetscMax(loq, PETSC_SMALL)) - x) / g;
    if (interval && lim > 0) ul = (PetscLogReal(lim) - x) / g;
    else interval = PETSC_FALSE;
  } else {
    u = (loq - f) / g;
    if (interval) ul = (lim - f) / g;
  }
  if (s->cens[j] == -1) u = -u;
  /* P = Phi(u) [- Phi(ul)], u = c / g: dP/dg = -(u phi(u) [- ul phi(ul)]) / g */
  P    = NormalCDF(u) - (interval ? NormalCDF(ul) : 0);
  dPdg = -(u * PetscExpReal(-0.5 * u * u) - (interval ? ul * PetscExpReal(-0.5 * ul * ul) : 0)) / PetscSqrtReal(2 * PETSC_PI) / g;
  if (!(P > 0)) P = PETSC_SMALL;
  *obj += -2 * PetscLogReal(P);
  *da += -2 * dPdg / P * dgda * a;
  *db += -2 * dPdg / P * dgdb * b;
}

/* objective of output k: (1/nc) sum over chains and observations of r^2/g^2 + 2 log g (uncensored;
   r on the model's scale) and -2 log P (censored), and its gradient in (log a, log b) of the
   parameters the model has */
static PetscErrorCode ErrorObjective(Tao tao, Vec X, PetscReal *F, Vec G, void *vctx)
{
  ErrorCtx            *ctx = (ErrorCtx *)vctx;
  PnlmeFit             fit = ctx->fit;
  PetscInt             k = ctx->k, nc = fit->nchains, v = 0;
  const PnlmeErrorOps *ops = fit->pop.err[k];
  const PetscReal     *x;
  PetscReal           *g, a, b;
  PnlmeExactSum        acc[3];
  PnlmeSubject         s;
  PetscFunctionBegin;
  (void)tao;
  PetscCall(VecGetArrayRead(X, &x));
  a = ops->usea ? PetscExpReal(x[v++]) : 0;
  b = ops->useb ? PetscExpReal(x[v]) : 0;
  PetscCall(VecRestoreArrayRead(X, &x));
  PnlmeExactSumReset(acc, 3);
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    for (PetscInt c = 0; c < nc; c++) {
      const PetscReal *f = fit->pred + fit->predoff[i] * nc + c * s.nobs;
      PetscReal        obj = 0, da = 0, db = 0;
      for (PetscInt j = 0; j < s.nobs; j++) {
        PetscReal r2, gg, dgda, dgdb;
        if (s.obsout[j] != k) continue;
        if (fit->pop.censored && s.cens && s.cens[j]) {
          CensoredTerm(ops, a, b, &s, j, f[j], &obj, &da, &db);
          continue;
        }
        r2 = ops->logscale ? PetscSqr(PetscLogReal(s.dv[j]) - PetscLogReal(f[j])) : (s.dv[j] - f[j]) * (s.dv[j] - f[j]);
        ops->gderiv(a, b, f[j], &gg, &dgda, &dgdb);
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
  v = 0;
  if (ops->usea) g[v++] = PnlmeExactSumValue(&acc[1]);
  if (ops->useb) g[v] = PnlmeExactSumValue(&acc[2]);
  PetscCall(VecRestoreArray(G, &g));
  PetscFunctionReturn(0);
}

/* output k's parameters maximising its conditional likelihood at the chains, by TAO */
static PetscErrorCode ErrorTAO(PnlmeFit fit, PetscInt k, PetscReal *aopt, PetscReal *bopt)
{
  PnlmePop            *pop = &fit->pop;
  const PnlmeErrorOps *ops = pop->err[k];
  Tao                  tao;
  Vec                  X, lo, hi;
  PetscInt             n = ops->usea + ops->useb, v = 0;
  PetscReal           *x;
  ErrorCtx             ctx = {fit, k};
  PetscFunctionBegin;
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, n, &X));
  PetscCall(VecGetArray(X, &x));
  if (ops->usea) x[v++] = PetscLogReal(pop->a[k]);
  if (ops->useb) x[v] = PetscLogReal(pop->b[k]);
  PetscCall(VecRestoreArray(X, &x));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetOptionsPrefix(tao, "error_"));
  PetscCall(TaoSetType(tao, TAOBLMVM));
  /* a bounded search (e^-8 to e^8 times the current values) keeps the first steps finite */
  PetscCall(VecDuplicate(X, &lo));
  PetscCall(VecDuplicate(X, &hi));
  PetscCall(VecCopy(X, lo));
  PetscCall(VecCopy(X, hi));
  PetscCall(VecShift(lo, -8.0));
  PetscCall(VecShift(hi, 8.0));
  PetscCall(TaoSetVariableBounds(tao, lo, hi));
  PetscCall(VecDestroy(&lo));
  PetscCall(VecDestroy(&hi));
  PetscCall(TaoSetSolution(tao, X));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, ErrorObjective, &ctx));
  PetscCall(TaoSetTolerances(tao, 1e-8, 1e-10, 0));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(TaoSolve(tao));
  PetscCall(VecGetArray(X, &x));
  v     = 0;
  *aopt = ops->usea ? PetscExpReal(x[v++]) : 0;
  *bopt = ops->useb ? PetscExpReal(x[v]) : 0;
  PetscCall(VecRestoreArray(X, &x));
  PetscCall(TaoDestroy(&tao));
  PetscCall(VecDestroy(&X));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitErrorMStep(PnlmeFit fit, PetscInt iter, PetscReal gamma, const PetscReal S3[])
{
  PnlmePop *pop = &fit->pop;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < pop->nout; k++) {
    const PnlmeErrorOps *ops = pop->err[k];
    PetscReal            aopt = 0, bopt = 0, a_new, b_new;
    if (ops->closedform && !fit->ncensout[k]) {
      PetscReal a2 = S3[k] / (PetscReal)fit->nobsout[k];
      if (iter < fit->saiter) a2 = PetscMax(a2, fit->safactor * pop->a[k] * pop->a[k]); /* annealing */
      pop->a[k] = PetscSqrtReal(a2);
      continue;
    }
    PetscCall(ErrorTAO(fit, k, &aopt, &bopt));
    /* stochastic approximation on the parameters, annealing on their squares */
    a_new = pop->a[k] + gamma * (aopt - pop->a[k]);
    b_new = pop->b[k] + gamma * (bopt - pop->b[k]);
    if (iter < fit->saiter) {
      a_new = PetscMax(a_new, PetscSqrtReal(fit->safactor) * pop->a[k]);
      b_new = PetscMax(b_new, PetscSqrtReal(fit->safactor) * pop->b[k]);
    }
    if (ops->usea) pop->a[k] = a_new;
    if (ops->useb) pop->b[k] = b_new;
  }
  PetscFunctionReturn(0);
}
