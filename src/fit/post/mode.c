/* A subject's conditional mode, min_z -2 log p(y | z) + (z - m)^T Omega^-1 (z - m) over its random
   effects, by damped Gauss-Newton (Levenberg-Marquardt on the Fisher-weighted normal equations of the
   pseudo-data form [W^1/2 (y - f(z)); L^-1 (z - m)]) with the model's sensitivities: the MAP of the
   post-fit (individual.c) and the inner problem of FOCEI/Laplace (impls/focei).  Each iteration is one
   model solve with sensitivities and a p x p Cholesky factorisation; nothing allocates.  The search is a
   state machine between model evaluations (PnlmeModeBegin / PnlmeModeAdvance), so that the searches of
   many subjects advance in lockstep with their solves evaluated together (PnlmeModeBatchSolve, below). */
#include "fit/post/mode.h"
#include "sys/smallchol.h"

PetscErrorCode PnlmeModeWorkCreate(PnlmeFit fit, PetscReal tol, PetscInt maxit, PnlmeModeWork **W)
{
  PnlmeModeWork *F;
  PetscInt       p = fit->p, mo = PetscMax(1, fit->maxobs);
  PetscFunctionBegin;
  PetscCall(PetscNew(&F));
  F->p           = p;
  F->tol         = tol;
  F->maxit       = maxit;
  F->interaction = PETSC_TRUE;
  F->secant      = PETSC_FALSE;
  F->pop         = &fit->pop;
  for (PetscInt k = 0; k < p; k++)
    if (!fit->pop.fixed[k]) F->rk[F->nr++] = k;
  PetscCall(PetscMalloc6(mo, &F->predb, mo * p, &F->sensb, mo, &F->predc, mo * p, &F->sensc, mo * p, &F->J, mo, &F->u));
  PetscCall(PetscMalloc2(mo, &F->w, mo, &F->v0));
  PetscCall(PetscMalloc6(p * p, &F->H, p * p, &F->Ht, p * p, &F->A, p, &F->g, p, &F->gt, p, &F->d));
  PetscCall(PetscMalloc3(p, &F->ztry, p * p, &F->S, p * p, &F->HS));
  PetscCall(PetscMalloc5(p, &F->phiq, p, &F->zs, p, &F->ms, p, &F->lob, p, &F->hib));
  F->pcur = F->predb, F->scur = F->sensb, F->ptry = F->predc, F->stry = F->sensc;
  *W      = F;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModeWorkDestroy(PnlmeModeWork **W)
{
  PnlmeModeWork *F = *W;
  PetscFunctionBegin;
  if (!F) PetscFunctionReturn(0);
  /* pcur/ptry swap between the two buffers: free the buffers */
  PetscCall(PetscFree6(F->predb, F->sensb, F->predc, F->sensc, F->J, F->u));
  PetscCall(PetscFree2(F->w, F->v0));
  PetscCall(PetscFree6(F->H, F->Ht, F->A, F->g, F->gt, F->d));
  PetscCall(PetscFree3(F->ztry, F->S, F->HS));
  PetscCall(PetscFree5(F->phiq, F->zs, F->ms, F->lob, F->hib));
  PetscCall(PetscFree(*W));
  PetscFunctionReturn(0);
}

PetscReal PnlmeModeGradientNorm(const PnlmeModeWork *F, const PetscReal z[])
{
  PetscReal s = 0;
  for (PetscInt a = 0; a < F->nr; a++) {
    PetscInt k = F->rk[a];
    /* projected: a component at a side of the box with the descent direction outwards does not count */
    if (F->lo && ((z[k] <= F->lo[k] && F->g[a] > 0) || (z[k] >= F->hi[k] && F->g[a] < 0))) continue;
    s += F->g[a] * F->g[a];
  }
  return 0.5 * PetscSqrtReal(s); /* g is of -2 log p */
}

/* the evaluation at z that the search asks for: its natural parameters (and dphidz, with sensitivities) */
static void Request(PnlmeFit fit, PnlmeModeWork *F, const PetscReal z[], PetscReal pred[], PetscReal sens[])
{
  PnlmeModelTransformToNatural(fit->model, z, F->phiq, sens ? F->dphidz : NULL);
  F->pq = pred, F->sq = sens, F->want = PETSC_TRUE;
}

/* after the evaluation at z (predictions and sensitivities in pred, sens; its status F->st):
   -2 log p(y | z) + (z - m)^T Omega^-1 (z - m), its gradient g and Gauss-Newton matrix H
   (2 (J^T W J + Omega^-1)) on the random effects.  With interaction: the error model's score and Fisher
   weights; without: Gaussian residuals with the variances v0 of the population prediction, on the
   comparison scale.  ok: the model solved and the value is finite. */
static void Evaluated(PnlmeFit fit, PnlmeModeWork *F, const PetscReal z[], const PetscReal pred[], const PetscReal sens[], PetscReal *phi, PetscReal g[], PetscReal H[], PetscBool *ok)
{
  const PnlmePop     *pop = F->pop;
  const PnlmeSubject *s   = F->s;
  const PetscReal    *m   = F->m;
  PetscInt            p = fit->p, n = s->nobs, nr = F->nr;
  PetscReal           val, dz[64];
  *ok = PETSC_FALSE;
  if (F->st) {
    F->nfailed++;
    return;
  }
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt a = 0; a < nr; a++) F->J[j * nr + a] = sens[j * p + F->rk[a]] * F->dphidz[F->rk[a]];
  if (F->interaction) {
    PetscReal ll = PnlmeErrorLogLikGrad(pop, s, pred, F->u);
    if (!(ll > PETSC_NINFINITY)) {
      F->nfailed++;
      return;
    }
    PnlmeErrorFisherWeights(pop, s, pred, F->w);
    val = -2 * ll;
  } else {
    val = 0;
    for (PetscInt j = 0; j < n; j++) {
      PetscBool logs = pop->err[s->obsout[j]]->logscale;
      PetscReal f = pred[j], r;
      if (logs && !(f > 0)) {
        F->nfailed++;
        return;
      }
      r = logs ? PetscLogReal(s->dv[j]) - PetscLogReal(f) : s->dv[j] - f;
      val += r * r / F->v0[j];
      /* on the f scale: score r / v0 * d(ftilde)/df, weight (d ftilde / df)^2 / v0 */
      F->u[j] = r / F->v0[j] / (logs ? f : 1.0);
      F->w[j] = 1.0 / (F->v0[j] * (logs ? f * f : 1.0));
    }
  }
  for (PetscInt k = 0; k < p; k++) dz[k] = z[k] - m[k];
  val -= 2 * PnlmePopLogPrior(pop, z, m);
  if (!PetscIsNormalReal(val) && val != 0) {
    F->nfailed++;
    return;
  }
  for (PetscInt a = 0; a < nr; a++) {
    PetscInt  k = F->rk[a];
    PetscReal v = 0;
    for (PetscInt j = 0; j < n; j++) v -= F->u[j] * F->J[j * nr + a];
    for (PetscInt l = 0; l < p; l++) v += pop->Oinv[k * p + l] * dz[l];
    g[a] = 2 * v;
    for (PetscInt b = 0; b <= a; b++) {
      PetscReal h = pop->Oinv[k * p + F->rk[b]];
      for (PetscInt j = 0; j < n; j++) h += F->w[j] * F->J[j * nr + a] * F->J[j * nr + b];
      H[a * nr + b] = H[b * nr + a] = 2 * h;
    }
  }
  *phi = val;
  *ok  = PETSC_TRUE;
}

/* x <- (S + lambda diag S)^-1 rhs on nr unknowns (S symmetric positive definite); info != 0: not
   (the small Cholesky of sys/smallchol.h: LAPACK's bits without its call overhead) */
static PetscErrorCode Solve(PetscInt nr, const PetscReal S[], PetscReal lambda, const PetscReal rhs[], PetscReal A[], PetscReal x[], PetscBLASInt *info)
{
  PetscFunctionBegin;
  for (PetscInt a = 0; a < nr * nr; a++) A[a] = S[a];
  for (PetscInt a = 0; a < nr; a++) A[a * nr + a] *= 1 + lambda;
  for (PetscInt a = 0; a < nr; a++) x[a] = rhs[a];
  *info = (PetscBLASInt)PnlmeCholeskyFactor(nr, A);
  if (*info) PetscFunctionReturn(0);
  PnlmeCholeskySolve(nr, A, x);
  PetscFunctionReturn(0);
}

/* The structured secant update of the residual-curvature term (Dennis, Gay & Welsch, ACM TOMS 7, 1981:
   the augmented model of NL2SOL).  Gauss-Newton's matrix 2 (J^T W J + Omega^-1) leaves out the second
   derivatives of the predictions weighted by the residuals (and, with interaction, the error model's
   own curvature): near the mode its steps shrink only linearly, by a factor of 0.2-0.25 per iteration
   on theophylline, about ten solves with sensitivities to reach 1e-8.  S estimates the missing term
   from the gradients: after the accepted step s = ztry - z with y = g(ztry) - g(z), the symmetric
   (Powell) update makes (H(ztry) + S) s = y, so the steps converge superlinearly.  Only after a full
   Gauss-Newton-sized step (lambda = 0): a damped one says little about the curvature.  S is dropped
   when H + S is not positive definite or its step does not decrease the objective, and for good after
   2 nr + 10 iterations.  Returns whether S holds an update (not after a damped step, which zeroes it).  Used by the MAP (F->secant; theophylline 118 -> 64 solves for 12 modes, the
   neonatal cohort 7.4 -> 6.0 per subject, docs/speed.md) and by FOCEI's inner problem
   (-focei_inner_secant, default since 2026-12-04): where Gauss-Newton's matrix holds about half the
   curvature along a direction (the combined error model, a flat lag-absorption valley: warfarin PK/PD)
   its full steps alternate in sign at a rate of -0.9 to -0.98 and the searches end at their iteration
   limit with steps of 1e-4, whose unconverged modes made FOCEI's central differences noise
   (docs/focei.md). */
static PetscBool SecantUpdate(PnlmeModeWork *F, const PetscReal z[], PetscReal lambda)
{
  const PetscInt nr = F->nr;
  PetscReal      sv[64], r[64], ss = 0, rs = 0;
  if (lambda > 0) {
    for (PetscInt a = 0; a < nr * nr; a++) F->S[a] = 0;
    return PETSC_FALSE;
  }
  for (PetscInt a = 0; a < nr; a++) {
    sv[a] = F->ztry[F->rk[a]] - z[F->rk[a]];
    ss += sv[a] * sv[a];
  }
  if (!(ss > 0)) return PETSC_TRUE; /* S as it was */
  for (PetscInt a = 0; a < nr; a++) {
    PetscReal v = F->gt[a] - F->g[a];
    for (PetscInt b = 0; b < nr; b++) v -= (F->Ht[a * nr + b] + F->S[a * nr + b]) * sv[b];
    r[a] = v;
    rs += v * sv[a];
  }
  for (PetscInt a = 0; a < nr; a++)
    for (PetscInt b = 0; b < nr; b++) F->S[a * nr + b] += (r[a] * sv[b] + sv[a] * r[b]) / ss - rs * sv[a] * sv[b] / (ss * ss);
  return PETSC_TRUE;
}

/* the phases of a search: the evaluation it waits for */
enum { PHASE_DONE, PHASE_V0, PHASE_START, PHASE_MEAN, PHASE_TRY };

/* the search ends: the state at z (its predictions are in pcur), dphidz again for the objective */
static void Finish(PnlmeFit fit, PnlmeModeWork *F)
{
  PnlmeModelTransformToNatural(fit->model, F->z, F->phiq, F->dphidz);
  F->phase = PHASE_DONE;
}

/* the iterations from F->it until a trial point needs an evaluation (F->want) or the search ends */
static PetscErrorCode Propose(PnlmeFit fit, PnlmeModeWork *F)
{
  const PnlmePop *pop = F->pop;
  PetscInt     p = fit->p, nr = F->nr, secmax = 2 * nr + 10; /* iterations with the secant term at most */
  PetscReal   *z = F->z;
  PetscBLASInt info;
  PetscFunctionBegin;
  for (; F->it < F->maxit; F->it++) {
    if (F->it >= secmax) F->sec = PETSC_FALSE; /* not converging with it: Gauss-Newton to the end */
    PetscReal q = 0, dz[64] = {0};
    F->dec = 0, F->dmax = 0;
    for (PetscInt a = 0; a < nr; a++) F->gt[a] = -F->g[a];
    if (F->sec) { /* the step of H + S; a matrix that is not positive definite drops S */
      for (PetscInt a = 0; a < nr * nr; a++) F->HS[a] = F->H[a] + F->S[a];
      PetscCall(Solve(nr, F->HS, F->lambda, F->gt, F->A, F->d, &info));
      if (info) {
        F->sec = PETSC_FALSE;
        PetscCall(PetscArrayzero(F->S, nr * nr));
        PetscCall(Solve(nr, F->H, F->lambda, F->gt, F->A, F->d, &info));
      }
    } else PetscCall(Solve(nr, F->H, F->lambda, F->gt, F->A, F->d, &info));
    if (info) { /* not positive definite (cannot happen with Omega^-1 in it, but for overflow) */
      F->lambda = F->lambda ? 10 * F->lambda : 1e-4;
      if (F->lambda > 1e12) break;
      continue;
    }
    for (PetscInt a = 0; a < nr; a++) F->dec -= F->g[a] * F->d[a], F->dmax = PetscMax(F->dmax, PetscAbsReal(F->d[a]));
    /* converged: the Gauss-Newton step is below the tolerance (the objective's differences in theta
       need the mode to near machine precision, not just a small decrement) */
    if (F->lambda == 0 && F->dmax < F->tol) {
      F->status = PNLME_MODE_CONVERGED;
      break;
    }
    /* a step moves no component by more than two prior SDs or 0.5 (transformed scale), whichever is
       larger: far from the data's region the model may be stiff or blow up */
    q = 1;
    for (PetscInt a = 0; a < nr; a++) {
      PetscInt  k   = F->rk[a];
      PetscReal lim = PetscMax(2 * PetscSqrtReal(pop->Omega[k * p + k]), 0.5);
      dz[k]         = F->d[a];
      if (PetscAbsReal(dz[k]) * q > lim) q = lim / PetscAbsReal(dz[k]);
    }
    for (PetscInt k = 0; k < p; k++) dz[k] *= q;
    for (PetscInt k = 0; k < p; k++) {
      F->ztry[k] = z[k] + dz[k];
      if (F->lo) F->ztry[k] = PetscMin(PetscMax(F->ztry[k], F->lo[k]), F->hi[k]); /* the caller's box */
    }
    Request(fit, F, F->ztry, F->ptry, F->stry);
    F->phase = PHASE_TRY;
    PetscFunctionReturn(0);
  }
  Finish(fit, F);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModeBegin(PnlmeFit fit, PnlmeModeWork *F, const PnlmeSubject *s, const PetscReal m[], PetscReal z[])
{
  const PnlmePop *pop = F->popnext ? F->popnext : &fit->pop;
  PetscFunctionBegin;
  F->pop     = pop;
  F->popnext = NULL;
  F->s = s, F->m = m, F->z = z;
  F->status = PNLME_MODE_FAILED;
  F->want   = PETSC_FALSE;
  for (PetscInt k = 0; k < fit->p; k++)
    if (pop->fixed[k]) z[k] = m[k];
  if (!F->interaction) { /* FOCE: first the residual variances of the population prediction */
    Request(fit, F, m, F->ptry, NULL);
    F->phase = PHASE_V0;
  } else {
    Request(fit, F, z, F->pcur, F->scur);
    F->phase = PHASE_START;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModeAdvance(PnlmeFit fit, PnlmeModeWork *F)
{
  const PnlmePop *pop = F->pop;
  PetscInt  p = fit->p, nr = F->nr;
  PetscReal phit, *t, *z = F->z;
  PetscBool ok;
  PetscFunctionBegin;
  PetscCheck(F->want, PETSC_COMM_SELF, PETSC_ERR_ORDER, "PnlmeModeAdvance() without an evaluation asked for");
  F->want = PETSC_FALSE;
  F->nsolves++;
  switch (F->phase) {
  case PHASE_V0:
    F->phase = PHASE_DONE;
    if (F->st) {
      F->nfailed++;
      PetscFunctionReturn(0);
    }
    for (PetscInt j = 0; j < F->s->nobs; j++) {
      PetscReal gsd = PnlmeErrorSD(pop, F->s->obsout[j], F->ptry[j]);
      F->v0[j]      = gsd * gsd;
      if (!(F->v0[j] > 0) || PetscIsInfReal(F->v0[j])) PetscFunctionReturn(0);
    }
    Request(fit, F, z, F->pcur, F->scur);
    F->phase = PHASE_START;
    PetscFunctionReturn(0);
  case PHASE_START:
  case PHASE_MEAN:
    Evaluated(fit, F, z, F->pcur, F->scur, &F->f, F->g, F->H, &ok);
    if (!ok) {
      if (F->phase == PHASE_MEAN) { /* no start: the search fails */
        F->phase = PHASE_DONE;
        PetscFunctionReturn(0);
      }
      for (PetscInt k = 0; k < p; k++) z[k] = F->m[k]; /* the start fails: the individual mean */
      Request(fit, F, z, F->pcur, F->scur);
      F->phase = PHASE_MEAN;
      PetscFunctionReturn(0);
    }
    F->status = PNLME_MODE_NOTCONVERGED;
    PetscCall(PetscArrayzero(F->S, nr * nr));
    F->sec = PETSC_FALSE, F->lambda = 0, F->it = 0;
    PetscCall(Propose(fit, F));
    PetscFunctionReturn(0);
  case PHASE_TRY:
    Evaluated(fit, F, F->ztry, F->ptry, F->stry, &phit, F->gt, F->Ht, &ok);
    /* a full Gauss-Newton step this small that does not decrease the objective: the mode is found to
       the precision of the model's solution */
    if (ok && phit > F->f && F->lambda == 0 && F->dmax < 1e-6) {
      F->status = PNLME_MODE_CONVERGED;
      Finish(fit, F);
      PetscFunctionReturn(0);
    }
    /* a decrease (strict: a step that leaves the objective unchanged at the precision of the model is a
       stall, and the damping grows until the search ends) */
    if (ok && phit < F->f) {
      if (F->secant && F->it < 2 * nr + 10) F->sec = SecantUpdate(F, z, F->lambda);
      for (PetscInt k = 0; k < p; k++) z[k] = F->ztry[k];
      t = F->pcur, F->pcur = F->ptry, F->ptry = t;
      t = F->scur, F->scur = F->stry, F->stry = t;
      PetscCall(PetscArraycpy(F->H, F->Ht, nr * nr));
      PetscCall(PetscArraycpy(F->g, F->gt, nr));
      F->f      = phit;
      F->lambda = F->lambda > 1e-3 ? F->lambda / 10 : 0;
    } else if (F->sec) { /* a secant step that does not decrease: Gauss-Newton again */
      F->sec = PETSC_FALSE;
      PetscCall(PetscArrayzero(F->S, nr * nr));
    } else {
      F->lambda = F->lambda ? 10 * F->lambda : 1e-3;
      if (F->lambda > 1e12) { /* no decrease along any damped step: at the precision of the model */
        if (F->dec < 1e-8) F->status = PNLME_MODE_CONVERGED;
        Finish(fit, F);
        PetscFunctionReturn(0);
      }
    }
    F->it++;
    PetscCall(Propose(fit, F));
    PetscFunctionReturn(0);
  default:
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ORDER, "PnlmeModeAdvance(): no search in progress");
  }
}

PetscErrorCode PnlmeSubjectMode(PnlmeFit fit, PnlmeModeWork *F, const PnlmeSubject *s, const PetscReal m[], PetscReal z[], PetscInt *status)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModeBegin(fit, F, s, m, z));
  while (F->want) {
    PetscCall(PnlmeModelPredict(fit->model, s, F->phiq, F->pq, F->sq, &F->st));
    PetscCall(PnlmeModeAdvance(fit, F));
  }
  *status = F->status;
  PetscFunctionReturn(0);
}

/* ---- searches in lockstep */

PetscErrorCode PnlmeModeBatchCreate(PnlmeFit fit, PetscReal tol, PetscInt maxit, PetscInt nl, PnlmeModeBatch **B)
{
  PnlmeModeBatch *b;
  PetscFunctionBegin;
  PetscCall(PetscNew(&b));
  b->nl = nl = PetscMax(1, PetscMin(nl, fit->nlocal)); /* no more lanes than subjects */
  PetscCall(PetscCalloc1(nl, &b->lane));
  for (PetscInt l = 0; l < nl; l++) PetscCall(PnlmeModeWorkCreate(fit, tol, maxit, &b->lane[l]));
  PetscCall(PetscMalloc7(nl, &b->sub, nl, &b->ls, nl * fit->p, &b->phib, nl, &b->lp, nl, &b->lsn, nl, &b->st, nl, &b->who));
  *B = b;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModeBatchDestroy(PnlmeModeBatch **B)
{
  PnlmeModeBatch *b = *B;
  PetscFunctionBegin;
  if (!b) PetscFunctionReturn(0);
  for (PetscInt l = 0; l < b->nl; l++) PetscCall(PnlmeModeWorkDestroy(&b->lane[l]));
  PetscCall(PetscFree(b->lane));
  PetscCall(PetscFree7(b->sub, b->ls, b->phib, b->lp, b->lsn, b->st, b->who));
  PetscCall(PetscFree(*B));
  PetscFunctionReturn(0);
}

void PnlmeModeBatchGetStats(const PnlmeModeBatch *b, PetscInt64 *nsolves, PetscInt64 *nfailed)
{
  *nsolves = *nfailed = 0;
  for (PetscInt l = 0; l < b->nl; l++) *nsolves += b->lane[l]->nsolves, *nfailed += b->lane[l]->nfailed;
}

/* lane l takes the next subject (its search starts by asking for an evaluation); idle when none is left */
static PetscErrorCode Feed(PnlmeFit fit, PnlmeModeBatch *b, PetscInt l, PetscInt n, PetscInt *next, PnlmeModeStartFn start, void *ctx)
{
  PetscFunctionBegin;
  b->sub[l] = -1;
  if (*next >= n) PetscFunctionReturn(0);
  b->sub[l] = (*next)++;
  PetscCall(start(fit, b->sub[l], b->lane[l], ctx));
  PetscCheck(b->lane[l]->want, PETSC_COMM_SELF, PETSC_ERR_PLIB, "a mode search's start did not call PnlmeModeBegin()");
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModeBatchSolve(PnlmeFit fit, PnlmeModeBatch *b, PetscInt n, PnlmeModeStartFn start, PnlmeModeDoneFn done, void *ctx)
{
  const PetscInt p = fit->p;
  PetscInt       next = 0;
  PetscFunctionBegin;
  for (PetscInt l = 0; l < b->nl; l++) PetscCall(Feed(fit, b, l, n, &next, start, ctx));
  for (;;) {
    PetscInt nev = 0;
    /* the evaluations with sensitivities together, then those without (FOCE's population predictions) */
    for (PetscInt withsens = 1; withsens >= 0; withsens--) {
      PetscInt k = 0;
      for (PetscInt l = 0; l < b->nl; l++) {
        PnlmeModeWork *F = b->lane[l];
        if (b->sub[l] < 0 || !F->want || (F->sq != NULL) != (withsens == 1)) continue;
        b->who[k] = l, b->ls[k] = F->s, b->lp[k] = F->pq, b->lsn[k] = F->sq;
        PetscCall(PetscArraycpy(b->phib + k * p, F->phiq, p));
        k++;
      }
      if (!k) continue;
      if (withsens) PetscCall(PnlmeModelPredictManySens(fit->model, k, b->ls, b->phib, b->lp, b->lsn, b->st));
      else PetscCall(PnlmeModelPredictMany(fit->model, k, b->ls, b->phib, b->lp, b->st));
      for (PetscInt e = 0; e < k; e++) b->lane[b->who[e]]->st = b->st[e];
      nev += k;
    }
    if (!nev) break;
    for (PetscInt l = 0; l < b->nl; l++) {
      PnlmeModeWork *F = b->lane[l];
      if (b->sub[l] < 0 || !F->want) continue;
      PetscCall(PnlmeModeAdvance(fit, F));
      if (!F->want) {
        PetscCall(done(fit, b->sub[l], F, ctx));
        PetscCall(Feed(fit, b, l, n, &next, start, ctx));
      }
    }
  }
  PetscFunctionReturn(0);
}
