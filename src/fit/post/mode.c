/* A subject's conditional mode, min_z -2 log p(y | z) + (z - m)^T Omega^-1 (z - m) over its random
   effects, by damped Gauss-Newton (Levenberg-Marquardt on the Fisher-weighted normal equations of the
   pseudo-data form [W^1/2 (y - f(z)); L^-1 (z - m)]) with the model's sensitivities: the MAP of the
   post-fit (individual.c) and the inner problem of FOCEI/Laplace (impls/focei).  Each iteration is one
   model solve with sensitivities and a p x p Cholesky factorisation; nothing allocates. */
#include "fit/post/mode.h"
#include <petscblaslapack.h>

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
  for (PetscInt k = 0; k < p; k++)
    if (!fit->pop.fixed[k]) F->rk[F->nr++] = k;
  PetscCall(PetscMalloc6(mo, &F->predb, mo * p, &F->sensb, mo, &F->predc, mo * p, &F->sensc, mo * p, &F->J, mo, &F->u));
  PetscCall(PetscMalloc2(mo, &F->w, mo, &F->v0));
  PetscCall(PetscMalloc6(p * p, &F->H, p * p, &F->Ht, p * p, &F->A, p, &F->g, p, &F->gt, p, &F->d));
  PetscCall(PetscMalloc3(p, &F->ztry, p * p, &F->S, p * p, &F->HS));
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

/* predictions (and sensitivities) at z; -2 log p(y | z) + (z - m)^T Omega^-1 (z - m), its gradient g
   and Gauss-Newton matrix H (2 (J^T W J + Omega^-1)) on the random effects.  With interaction: the
   error model's score and Fisher weights; without: Gaussian residuals with the variances v0 of the
   population prediction, on the comparison scale.  ok: the model solved and the value is finite. */
static PetscErrorCode Evaluate(PnlmeFit fit, PnlmeModeWork *F, const PnlmeSubject *s, const PetscReal m[], const PetscReal z[], PetscReal pred[], PetscReal sens[], PetscReal *phi, PetscReal g[], PetscReal H[], PetscBool *ok)
{
  const PnlmePop  *pop = &fit->pop;
  PetscInt         p = fit->p, n = s->nobs, nr = F->nr;
  PetscReal        val, dz[64];
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  *ok = PETSC_FALSE;
  PnlmeModelTransformToNatural(fit->model, z, fit->phi, F->dphidz);
  PetscCall(PnlmeModelPredict(fit->model, s, fit->phi, pred, sens, &st));
  F->nsolves++;
  if (st) {
    F->nfailed++;
    PetscFunctionReturn(0);
  }
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt a = 0; a < nr; a++) F->J[j * nr + a] = sens[j * p + F->rk[a]] * F->dphidz[F->rk[a]];
  if (F->interaction) {
    PetscReal ll = PnlmeErrorLogLikGrad(pop, s, pred, F->u);
    if (!(ll > PETSC_NINFINITY)) {
      F->nfailed++;
      PetscFunctionReturn(0);
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
        PetscFunctionReturn(0);
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
    PetscFunctionReturn(0);
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
  PetscFunctionReturn(0);
}

/* x <- (S + lambda diag S)^-1 rhs on nr unknowns (S symmetric positive definite); info != 0: not */
static PetscErrorCode Solve(PetscInt nr, const PetscReal S[], PetscReal lambda, const PetscReal rhs[], PetscReal A[], PetscReal x[], PetscBLASInt *info)
{
  PetscBLASInt n, one = 1;
  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(nr, &n));
  for (PetscInt a = 0; a < nr * nr; a++) A[a] = S[a];
  for (PetscInt a = 0; a < nr; a++) A[a * nr + a] *= 1 + lambda;
  for (PetscInt a = 0; a < nr; a++) x[a] = rhs[a];
  LAPACKpotrf_("L", &n, A, &n, info);
  if (*info) PetscFunctionReturn(0);
  LAPACKpotrs_("L", &n, &one, A, &n, x, &n, info);
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
   neonatal cohort 7.4 -> 6.0 per subject, docs/speed.md); FOCEI's inner problem keeps plain
   Gauss-Newton: with S there, the warfarin PK FOCEI fit diverged (inner searches at their iteration
   limit, the outer objective's central differences blown up). */
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

PetscErrorCode PnlmeSubjectMode(PnlmeFit fit, PnlmeModeWork *F, const PnlmeSubject *s, const PetscReal m[], PetscReal z[], PetscInt *status)
{
  PnlmePop    *pop = &fit->pop;
  PetscInt     p = fit->p, nr = F->nr, it, secmax = 2 * nr + 10; /* iterations with the secant term at most */
  PetscReal    phi, phit, lambda = 0, *t;
  PetscBool    ok, secant;
  PetscBLASInt info;
  PetscFunctionBegin;
  *status = PNLME_MODE_FAILED;
  for (PetscInt k = 0; k < p; k++)
    if (pop->fixed[k]) z[k] = m[k];
  if (!F->interaction) { /* FOCE: the residual variances of the population prediction */
    PnlmeSolveStatus st;
    PnlmeModelTransformToNatural(fit->model, m, fit->phi, NULL);
    PetscCall(PnlmeModelPredict(fit->model, s, fit->phi, F->ptry, NULL, &st));
    F->nsolves++;
    if (st) {
      F->nfailed++;
      PetscFunctionReturn(0);
    }
    for (PetscInt j = 0; j < s->nobs; j++) {
      PetscReal gsd = PnlmeErrorSD(pop, s->obsout[j], F->ptry[j]);
      F->v0[j]      = gsd * gsd;
      if (!(F->v0[j] > 0) || PetscIsInfReal(F->v0[j])) PetscFunctionReturn(0);
    }
  }
  PetscCall(Evaluate(fit, F, s, m, z, F->pcur, F->scur, &phi, F->g, F->H, &ok));
  if (!ok) { /* the start fails: the individual mean */
    for (PetscInt k = 0; k < p; k++) z[k] = m[k];
    PetscCall(Evaluate(fit, F, s, m, z, F->pcur, F->scur, &phi, F->g, F->H, &ok));
    if (!ok) PetscFunctionReturn(0);
  }
  *status = PNLME_MODE_NOTCONVERGED;
  PetscCall(PetscArrayzero(F->S, nr * nr));
  secant = PETSC_FALSE;
  for (it = 0; it < F->maxit; it++) {
    if (it >= secmax) secant = PETSC_FALSE; /* not converging with it: Gauss-Newton to the end */
    PetscReal dec = 0, q = 0, dmax = 0, dz[64] = {0};
    for (PetscInt a = 0; a < nr; a++) F->gt[a] = -F->g[a];
    if (secant) { /* the step of H + S; a matrix that is not positive definite drops S */
      for (PetscInt a = 0; a < nr * nr; a++) F->HS[a] = F->H[a] + F->S[a];
      PetscCall(Solve(nr, F->HS, lambda, F->gt, F->A, F->d, &info));
      if (info) {
        secant = PETSC_FALSE;
        PetscCall(PetscArrayzero(F->S, nr * nr));
        PetscCall(Solve(nr, F->H, lambda, F->gt, F->A, F->d, &info));
      }
    } else PetscCall(Solve(nr, F->H, lambda, F->gt, F->A, F->d, &info));
    if (info) { /* not positive definite (cannot happen with Omega^-1 in it, but for overflow) */
      lambda = lambda ? 10 * lambda : 1e-4;
      if (lambda > 1e12) break;
      continue;
    }
    for (PetscInt a = 0; a < nr; a++) dec -= F->g[a] * F->d[a], dmax = PetscMax(dmax, PetscAbsReal(F->d[a]));
    /* converged: the Gauss-Newton step is below the tolerance (the objective's differences in theta
       need the mode to near machine precision, not just a small decrement) */
    if (lambda == 0 && dmax < F->tol) {
      *status = PNLME_MODE_CONVERGED;
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
    PetscCall(Evaluate(fit, F, s, m, F->ztry, F->ptry, F->stry, &phit, F->gt, F->Ht, &ok));
    /* a full Gauss-Newton step this small that does not decrease the objective: the mode is found to
       the precision of the model's solution */
    if (ok && phit > phi && lambda == 0 && dmax < 1e-6) {
      *status = PNLME_MODE_CONVERGED;
      break;
    }
    /* a decrease (strict: a step that leaves the objective unchanged at the precision of the model is a
       stall, and the damping grows until the search ends) */
    if (ok && phit < phi) {
      if (F->secant && it < secmax) secant = SecantUpdate(F, z, lambda);
      for (PetscInt k = 0; k < p; k++) z[k] = F->ztry[k];
      t = F->pcur, F->pcur = F->ptry, F->ptry = t;
      t = F->scur, F->scur = F->stry, F->stry = t;
      PetscCall(PetscArraycpy(F->H, F->Ht, nr * nr));
      PetscCall(PetscArraycpy(F->g, F->gt, nr));
      phi    = phit;
      lambda = lambda > 1e-3 ? lambda / 10 : 0;
    } else if (secant) { /* a secant step that does not decrease: Gauss-Newton again */
      secant = PETSC_FALSE;
      PetscCall(PetscArrayzero(F->S, nr * nr));
    } else {
      lambda = lambda ? 10 * lambda : 1e-3;
      if (lambda > 1e12) { /* no decrease along any damped step: at the precision of the model */
        if (dec < 1e-8) *status = PNLME_MODE_CONVERGED;
        break;
      }
    }
  }
  /* the state at z (its predictions are in pcur): dphidz again for the objective */
  PnlmeModelTransformToNatural(fit->model, z, fit->phi, F->dphidz);
  PetscFunctionReturn(0);
}

