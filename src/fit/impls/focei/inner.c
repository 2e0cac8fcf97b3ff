/* FOCEI/Laplace, one subject: the conditional-mode search and the subject's objective at the mode
   (the formulas: focei.c).  Nothing here allocates; the work is the type's, sized at SetUp. */
#include "fit/impls/focei/foceiimpl.h"
#include <petscblaslapack.h>

/* a subject's observation j on the scale its error model compares: log for log-scale models */
static inline PetscBool Censored(const PnlmePop *pop, const PnlmeSubject *s, PetscInt j)
{
  return (PetscBool)(pop->censored && s->cens && s->cens[j]);
}

/* predictions (and sensitivities) at z; -2 log p(y | z) + (z - m)^T Omega^-1 (z - m), its gradient g
   and Gauss-Newton matrix H (2 (J^T W J + Omega^-1)) on the random effects.  With interaction: the
   error model's score and Fisher weights; without: Gaussian residuals with the variances v0 of the
   population prediction, on the comparison scale.  ok: the model solved and the value is finite. */
static PetscErrorCode Evaluate(PnlmeFit fit, PnlmeFOCEI *F, const PnlmeSubject *s, const PetscReal m[], const PetscReal z[], PetscReal pred[], PetscReal sens[], PetscReal *phi, PetscReal g[], PetscReal H[], PetscBool *ok)
{
  const PnlmePop  *pop = &fit->pop;
  PetscInt         p = fit->p, n = s->nobs, nr = F->nr;
  PetscReal        val, dz[64];
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  *ok = PETSC_FALSE;
  PnlmeModelTransformToNatural(fit->model, z, fit->phi, F->dphidz);
  PetscCall(PnlmeModelPredict(fit->model, s, fit->phi, pred, sens, &st));
  fit->nproposed++;
  if (st) {
    fit->nfailed++;
    PetscFunctionReturn(0);
  }
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt a = 0; a < nr; a++) F->J[j * nr + a] = sens[j * p + F->rk[a]] * F->dphidz[F->rk[a]];
  if (F->interaction) {
    PetscReal ll = PnlmeErrorLogLikGrad(pop, s, pred, F->u);
    if (!(ll > PETSC_NINFINITY)) {
      fit->nfailed++;
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
        fit->nfailed++;
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
    fit->nfailed++;
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

PetscErrorCode PnlmeFOCEISubjectMode(PnlmeFit fit, const PnlmeSubject *s, const PetscReal m[], PetscReal z[], PetscInt *status)
{
  PnlmeFOCEI  *F   = (PnlmeFOCEI *)fit->impl;
  PnlmePop    *pop = &fit->pop;
  PetscInt     p = fit->p, nr = F->nr, it;
  PetscReal    phi, phit, lambda = 0, *t;
  PetscBool    ok;
  PetscBLASInt info;
  PetscFunctionBegin;
  *status = PNLME_FOCEI_FAILED;
  for (PetscInt k = 0; k < p; k++)
    if (pop->fixed[k]) z[k] = m[k];
  if (!F->interaction) { /* FOCE: the residual variances of the population prediction */
    PnlmeSolveStatus st;
    PnlmeModelTransformToNatural(fit->model, m, fit->phi, NULL);
    PetscCall(PnlmeModelPredict(fit->model, s, fit->phi, F->ptry, NULL, &st));
    fit->nproposed++;
    if (st) {
      fit->nfailed++;
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
  *status = PNLME_FOCEI_NOTCONVERGED;
  for (it = 0; it < F->inmaxit; it++) {
    PetscReal dec = 0, q = 0, dmax = 0, dz[64] = {0};
    for (PetscInt a = 0; a < nr; a++) F->gt[a] = -F->g[a];
    PetscCall(Solve(nr, F->H, lambda, F->gt, F->A, F->d, &info));
    if (info) { /* not positive definite (cannot happen with Omega^-1 in it, but for overflow) */
      lambda = lambda ? 10 * lambda : 1e-4;
      if (lambda > 1e12) break;
      continue;
    }
    for (PetscInt a = 0; a < nr; a++) dec -= F->g[a] * F->d[a], dmax = PetscMax(dmax, PetscAbsReal(F->d[a]));
    /* converged: the Gauss-Newton step is below the tolerance (the objective's differences in theta
       need the mode to near machine precision, not just a small decrement) */
    if (lambda == 0 && dmax < F->intol) {
      *status = PNLME_FOCEI_CONVERGED;
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
    for (PetscInt k = 0; k < p; k++) F->ztry[k] = z[k] + dz[k];
    PetscCall(Evaluate(fit, F, s, m, F->ztry, F->ptry, F->stry, &phit, F->gt, F->Ht, &ok));
    /* a full Gauss-Newton step this small that does not decrease the objective: the mode is found to
       the precision of the model's solution */
    if (ok && phit > phi && lambda == 0 && dmax < 1e-6) {
      *status = PNLME_FOCEI_CONVERGED;
      break;
    }
    if (ok && phit <= phi) {
      for (PetscInt k = 0; k < p; k++) z[k] = F->ztry[k];
      t = F->pcur, F->pcur = F->ptry, F->ptry = t;
      t = F->scur, F->scur = F->stry, F->stry = t;
      PetscCall(PetscArraycpy(F->H, F->Ht, nr * nr));
      PetscCall(PetscArraycpy(F->g, F->gt, nr));
      phi    = phit;
      lambda = lambda > 1e-3 ? lambda / 10 : 0;
    } else {
      lambda = lambda ? 10 * lambda : 1e-3;
      if (lambda > 1e12) { /* no decrease along any damped step: at the precision of the model */
        if (dec < 1e-8) *status = PNLME_FOCEI_CONVERGED;
        break;
      }
    }
  }
  /* the state at z (its predictions are in pcur): dphidz again for the objective */
  PnlmeModelTransformToNatural(fit->model, z, fit->phi, F->dphidz);
  PetscFunctionReturn(0);
}

/* log det of the nr x nr symmetric positive definite A (factored in place, lower, column-major);
   b <- A^-1 b when b is given; NaN when not positive definite */
static PetscReal LogDetSolve(PetscInt nr, PetscReal A[], PetscReal b[])
{
  PetscBLASInt n = (PetscBLASInt)nr, one = 1, info;
  PetscReal    ld = 0;
  if (!nr) return 0;
  LAPACKpotrf_("L", &n, A, &n, &info);
  if (info) return (PetscReal)NAN;
  for (PetscInt a = 0; a < nr; a++) ld += 2 * PetscLogReal(A[a * nr + a]);
  if (b) LAPACKpotrs_("L", &n, &one, A, &n, b, &n, &info);
  return ld;
}

PetscErrorCode PnlmeFOCEISubjectObjective(PnlmeFit fit, const PnlmeSubject *s, const PetscReal m[], const PetscReal z[], PetscReal *ofv)
{
  PnlmeFOCEI      *F   = (PnlmeFOCEI *)fit->impl;
  const PnlmePop  *pop = &fit->pop;
  PetscInt         p = fit->p, n = s->nobs, nr = F->nr, nunc = 0;
  const PetscReal *pred = F->pcur, *sens = F->scur;
  PetscReal        val = 0, konst = 0, ld;
  PetscFunctionBegin;
  for (PetscInt j = 0; j < n; j++) { /* constants: 2 pi and, for log-scale outputs, the density of y */
    if (Censored(pop, s, j)) continue;
    nunc++;
    if (pop->err[s->obsout[j]]->logscale) konst += 2 * PetscLogReal(s->dv[j]);
  }
  konst += nunc * PetscLogReal(2 * PETSC_PI) + pop->logdet;
  /* J on the comparison scale (log for log-scale outputs) */
  for (PetscInt j = 0; j < n; j++) {
    PetscReal sc = pop->err[s->obsout[j]]->logscale ? 1.0 / pred[j] : 1.0;
    for (PetscInt a = 0; a < nr; a++) F->J[j * nr + a] = sens[j * p + F->rk[a]] * F->dphidz[F->rk[a]] * sc;
  }
  if (F->laplace) {
    PetscReal ll = PnlmeErrorLogLik(pop, s, pred);
    if (!(ll > PETSC_NINFINITY)) {
      *ofv = PETSC_INFINITY;
      PetscFunctionReturn(0);
    }
    PnlmeErrorFisherWeights(pop, s, pred, F->w);
    for (PetscInt j = 0; j < n; j++) { /* Fisher weights are on the f scale: back from the comparison scale */
      PetscReal sc = pop->err[s->obsout[j]]->logscale ? pred[j] : 1.0;
      F->vinv[j]   = F->w[j] * sc * sc;
    }
    val = -2 * ll - 2 * PnlmePopLogPrior(pop, z, m);
  } else {
    for (PetscInt j = 0; j < n; j++) {
      PetscInt  o    = s->obsout[j];
      PetscBool logs = pop->err[o]->logscale;
      PetscReal V, gsd, r = logs ? PetscLogReal(s->dv[j]) - PetscLogReal(pred[j]) : s->dv[j] - pred[j];
      if (F->interaction) {
        gsd = PnlmeErrorSD(pop, o, pred[j]);
        V   = gsd * gsd;
      } else V = F->v0[j];
      for (PetscInt a = 0; a < nr; a++) r -= F->J[j * nr + a] * (m[F->rk[a]] - z[F->rk[a]]);
      F->r[j]    = r;
      F->vinv[j] = 1.0 / V;
      val += PetscLogReal(V) + r * r / V;
    }
    for (PetscInt a = 0; a < nr; a++) {
      PetscReal b = 0;
      for (PetscInt j = 0; j < n; j++) b += F->J[j * nr + a] * F->vinv[j] * F->r[j];
      F->bvec[a] = b;
    }
  }
  /* A = Omega^-1 + J^T V^-1 J on the random effects */
  for (PetscInt a = 0; a < nr; a++)
    for (PetscInt b = 0; b <= a; b++) {
      PetscReal h = pop->Oinv[F->rk[a] * p + F->rk[b]];
      for (PetscInt j = 0; j < n; j++) h += F->vinv[j] * F->J[j * nr + a] * F->J[j * nr + b];
      F->A[a * nr + b] = F->A[b * nr + a] = h;
    }
  if (F->laplace) ld = LogDetSolve(nr, F->A, NULL);
  else {
    PetscReal bb[64], quad = 0;
    for (PetscInt a = 0; a < nr; a++) bb[a] = F->bvec[a];
    ld = LogDetSolve(nr, F->A, bb);
    for (PetscInt a = 0; a < nr; a++) quad += F->bvec[a] * bb[a];
    val -= quad;
  }
  *ofv = val + konst + ld;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFOCEIPosteriorFactor(PnlmeFit fit, const PnlmeSubject *s, PetscReal chol[])
{
  PnlmeFOCEI     *F   = (PnlmeFOCEI *)fit->impl;
  const PnlmePop *pop = &fit->pop;
  PetscInt        p = fit->p, n = s->nobs, nr = F->nr;
  PetscBLASInt    bn, info;
  PetscFunctionBegin;
  PetscCall(PetscArrayzero(chol, p * p));
  if (!nr) PetscFunctionReturn(0);
  PetscCall(PetscBLASIntCast(nr, &bn));
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt a = 0; a < nr; a++) F->J[j * nr + a] = F->scur[j * p + F->rk[a]] * F->dphidz[F->rk[a]];
  PnlmeErrorFisherWeights(pop, s, F->pcur, F->w);
  for (PetscInt a = 0; a < nr; a++)
    for (PetscInt b = 0; b <= a; b++) {
      PetscReal h = pop->Oinv[F->rk[a] * p + F->rk[b]];
      for (PetscInt j = 0; j < n; j++) h += F->w[j] * F->J[j * nr + a] * F->J[j * nr + b];
      F->A[a * nr + b] = F->A[b * nr + a] = h;
    }
  LAPACKpotrf_("L", &bn, F->A, &bn, &info);
  if (!info) LAPACKpotri_("L", &bn, F->A, &bn, &info);
  if (!info) LAPACKpotrf_("L", &bn, F->A, &bn, &info); /* the lower triangle holds A^-1, then its factor */
  if (info) { /* the prior */
    for (PetscInt k = 0; k < p; k++)
      for (PetscInt l = 0; l <= k; l++) chol[k * p + l] = !pop->fixed[k] && !pop->fixed[l] ? pop->L[k * p + l] : 0;
    PetscFunctionReturn(0);
  }
  for (PetscInt a = 0; a < nr; a++) /* column-major lower: entry (a, b) at b * nr + a */
    for (PetscInt b = 0; b <= a; b++) chol[F->rk[a] * p + F->rk[b]] = F->A[b * nr + a];
  PetscFunctionReturn(0);
}
