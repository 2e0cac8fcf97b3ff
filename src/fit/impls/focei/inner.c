/* FOCEI/Laplace, one subject: its objective at the conditional mode (the formulas: focei.c; the mode
   search: fit/post/mode.c) and its posterior factor.  Nothing here allocates; the work is the type's,
   sized at SetUp. */
#include "fit/impls/focei/foceiimpl.h"
#include <petscblaslapack.h>
#include "sys/smallchol.h"

/* observation j is censored (M3/M4) */
static inline PetscBool Censored(const PnlmePop *pop, const PnlmeSubject *s, PetscInt j)
{
  return (PetscBool)(pop->censored && s->cens && s->cens[j]);
}

/* log det of the nr x nr symmetric positive definite A (factored in place, lower, column-major, by the
   small Cholesky of sys/smallchol.h: LAPACK's bits); b <- A^-1 b when b is given; NaN when not positive
   definite */
static PetscReal LogDetSolve(PetscInt nr, PetscReal A[], PetscReal b[])
{
  PetscReal ld = 0;
  if (!nr) return 0;
  if (PnlmeCholeskyFactor(nr, A)) return (PetscReal)NAN;
  for (PetscInt a = 0; a < nr; a++) ld += 2 * PetscLogReal(A[a * nr + a]);
  if (b) PnlmeCholeskySolve(nr, A, b);
  return ld;
}

PetscErrorCode PnlmeFOCEISubjectObjective(PnlmeFit fit, const PnlmeModeWork *mw, const PnlmeSubject *s, const PetscReal m[], const PetscReal z[], PetscReal *ofv)
{
  PnlmeFOCEI      *F   = (PnlmeFOCEI *)fit->impl;
  const PnlmePop  *pop = mw->pop; /* the search's (FOCEI's neighbours: their theta) */
  PetscInt         p = fit->p, n = s->nobs, nr = mw->nr, nunc = 0;
  const PetscReal *pred = mw->pcur, *sens = mw->scur;
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
    for (PetscInt a = 0; a < nr; a++) F->J[j * nr + a] = sens[j * p + mw->rk[a]] * mw->dphidz[mw->rk[a]] * sc;
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
      } else V = mw->v0[j];
      for (PetscInt a = 0; a < nr; a++) r -= F->J[j * nr + a] * (m[mw->rk[a]] - z[mw->rk[a]]);
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
      PetscReal h = pop->Oinv[mw->rk[a] * p + mw->rk[b]];
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

PetscErrorCode PnlmeFOCEIPosteriorFactor(PnlmeFit fit, const PnlmeModeWork *mw, const PnlmeSubject *s, PetscReal chol[])
{
  PnlmeFOCEI     *F   = (PnlmeFOCEI *)fit->impl;
  const PnlmePop *pop = mw->pop;
  PetscInt        p = fit->p, n = s->nobs, nr = mw->nr;
  PetscBLASInt    bn, info;
  PetscFunctionBegin;
  PetscCall(PetscArrayzero(chol, p * p));
  if (!nr) PetscFunctionReturn(0);
  PetscCall(PetscBLASIntCast(nr, &bn));
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt a = 0; a < nr; a++) F->J[j * nr + a] = mw->scur[j * p + mw->rk[a]] * mw->dphidz[mw->rk[a]];
  PnlmeErrorFisherWeights(pop, s, mw->pcur, F->w);
  for (PetscInt a = 0; a < nr; a++)
    for (PetscInt b = 0; b <= a; b++) {
      PetscReal h = pop->Oinv[mw->rk[a] * p + mw->rk[b]];
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
    for (PetscInt b = 0; b <= a; b++) chol[mw->rk[a] * p + mw->rk[b]] = F->A[b * nr + a];
  PetscFunctionReturn(0);
}
