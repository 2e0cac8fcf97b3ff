/* Linearisation at the conditional modes: y_i ~ N(f* + J (m_i - z*), J Omega J^T + diag(g^2)), with
   J = d f / d z at the MAP z*.  Gives -2LL by linearisation and the Fisher information of the
   population parameters (Gaussian FIM: mean block dmu^T V^-1 dmu, variance block
   1/2 tr(V^-1 dV_a V^-1 dV_b) over the variances and covariances of Omega and the error
   parameters), assembled exactly across ranks; standard errors from its inverse, by the delta
   method for the SDs and correlations of Omega.
   Exponential error is linearised on the log scale. */
#include "fit/fitimpl.h"
#include <petscblaslapack.h>
#include <math.h>

enum { TH_MU, TH_BETA, TH_OMEGA, TH_COV, TH_A, TH_B };

/* the parameters of the Fisher information (on mu, beta, Omega entries, a, b) and their columns in
   the history: par/par2 are the model parameters of an Omega entry (equal for a variance) */
static PetscInt ThetaLayout(PnlmeFit fit, PetscInt kind[], PetscInt par[], PetscInt par2[], PetscInt row[], PetscInt col[])
{
  PetscInt n = 0, c = 0, p = fit->p;
  for (PetscInt k = 0; k < p; k++, n++, c++) kind[n] = TH_MU, par[n] = par2[n] = k, row[n] = 0, col[n] = c;
  for (PetscInt a = 1; a < fit->q; a++)
    for (PetscInt k = 0; k < p; k++)
      if (fit->pop.mask[a * p + k]) kind[n] = TH_BETA, par[n] = par2[n] = k, row[n] = a, col[n++] = c++;
  for (PetscInt k = 0; k < p; k++, c++)
    if (!fit->pop.fixed[k]) kind[n] = TH_OMEGA, par[n] = par2[n] = k, row[n] = 0, col[n++] = c;
  for (PetscInt k = 0; k < p; k++) /* correlated pairs, in the order of the history's corr columns */
    for (PetscInt l = k + 1; l < p; l++)
      if (fit->pop.block[k] == fit->pop.block[l]) kind[n] = TH_COV, par[n] = k, par2[n] = l, row[n] = 0, col[n++] = c++;
  if (fit->pop.err != PNLME_ERROR_PROPORTIONAL) kind[n] = TH_A, par[n] = par2[n] = row[n] = 0, col[n++] = c++;
  if (fit->pop.err == PNLME_ERROR_PROPORTIONAL || fit->pop.err == PNLME_ERROR_COMBINED1 || fit->pop.err == PNLME_ERROR_COMBINED2) kind[n] = TH_B, par[n] = par2[n] = row[n] = 0, col[n++] = c++;
  return n;
}

/* the index pairs (a, b) of dOmega / dtheta = sum E_ab: one for a variance, two for a covariance */
static PetscInt OmegaPairs(PetscInt kind, PetscInt k, PetscInt l, PetscInt ab[2][2])
{
  ab[0][0] = k, ab[0][1] = l;
  if (kind == TH_OMEGA) return 1;
  ab[1][0] = l, ab[1][1] = k;
  return 2;
}

/* d g^2 / d(a or b) for one observation with prediction f */
static PetscReal DVariance(const PnlmePop *pop, PetscInt kind, PetscReal f)
{
  PetscReal af = PetscAbsReal(f), g = PnlmeErrorSD(pop, f);
  switch (pop->err) {
  case PNLME_ERROR_COMBINED1:
    return kind == TH_A ? 2 * g : 2 * g * af;
  case PNLME_ERROR_COMBINED2:
    return kind == TH_A ? 2 * pop->a : 2 * pop->b * af * af;
  case PNLME_ERROR_PROPORTIONAL:
    return 2 * pop->b * af * af;
  default:
    return 2 * pop->a;
  }
}

PetscErrorCode PnlmeFitLinearize(PnlmeFit fit)
{
  PetscInt         p = fit->p, mo = PetscMax(1, fit->maxobs), kind[4096], par[4096], par2[4096], row[4096], col[4096], nt;
  PetscReal        Om[64 * 64]; /* Omega with zero rows and columns for the parameters without random effect */
  PetscReal       *J, *V, *WJ, *W, *r, *d, dphidz[64], *fi, Pm[64 * 64];
  PnlmeExactSum   *acc;
  PnlmeSubject     s;
  PnlmeSolveStatus st;
  PetscBLASInt     bn, bp, info;
  const PnlmePop  *pop = &fit->pop;
  PetscBool        logscale = (PetscBool)(pop->err == PNLME_ERROR_EXPONENTIAL);
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitLinearize, 0, 0, 0, 0));
  nt          = ThetaLayout(fit, kind, par, par2, row, col);
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = 0; l < p; l++) Om[k * p + l] = pop->fixed[k] || pop->fixed[l] ? 0.0 : pop->Omega[k * p + l];
  fit->ntheta = nt;
  PetscCall(PetscMalloc6(mo * p, &J, mo * mo, &V, mo * p, &WJ, mo * mo, &W, mo, &r, 2 * mo, &d));
  PetscCall(PetscMalloc1(nt * nt, &fi));
  PetscCall(PetscMalloc1(nt * nt + 1, &acc));
  PnlmeExactSumReset(acc, nt * nt + 1);
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    const PetscReal *zs = fit->map + i * p, *m = fit->mi + i * p, *x = fit->x + i * fit->q;
    PetscInt         n;
    PetscReal        logdet = 0, quad = 0;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    n = s.nobs;
    PnlmeModelTransformToNatural(fit->model, zs, fit->phi, dphidz);
    PetscCall(PnlmeModelPredict(fit->model, &s, fit->phi, fit->predp, fit->sens, &st));
    PetscCheck(!st, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "linearisation: the model fails at the conditional mode of subject ID %" PetscInt64_FMT, s.id);
    for (PetscInt j = 0; j < n; j++) {
      PetscReal f = fit->predp[j], scale = logscale ? 1.0 / f : 1.0, mu = logscale ? PetscLogReal(f) : f, g;
      for (PetscInt k = 0; k < p; k++) J[j * p + k] = fit->sens[j * p + k] * dphidz[k] * scale;
      for (PetscInt k = 0; k < p; k++) mu += J[j * p + k] * (m[k] - zs[k]);
      r[j] = (logscale ? PetscLogReal(s.dv[j]) : s.dv[j]) - mu;
      g    = PnlmeErrorSD(pop, f);
      for (PetscInt e = 0; e < 2; e++) d[e * mo + j] = DVariance(pop, e == 0 ? TH_A : TH_B, f);
      /* V = J Omega J^T + diag(g^2), column-major = row-major (symmetric) */
      for (PetscInt l = 0; l <= j; l++) {
        PetscReal v = 0;
        for (PetscInt k = 0; k < p; k++)
          for (PetscInt k2 = 0; k2 < p; k2++) v += J[j * p + k] * Om[k * p + k2] * J[l * p + k2];
        V[j * n + l] = V[l * n + j] = v + (l == j ? g * g : 0);
      }
    }
    PetscCall(PetscBLASIntCast(n, &bn));
    PetscCall(PetscBLASIntCast(p, &bp));
    LAPACKpotrf_("U", &bn, V, &bn, &info);
    PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "linearisation: marginal covariance of subject ID %" PetscInt64_FMT " not positive definite", s.id);
    for (PetscInt j = 0; j < n; j++) logdet += 2 * PetscLogReal(V[j * n + j]);
    /* W J = V^-1 J: LAPACK wants column-major right-hand sides: store J^T columns */
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt k = 0; k < p; k++) WJ[k * n + j] = J[j * p + k];
    LAPACKpotrs_("U", &bn, &bp, V, &bn, WJ, &bn, &info);
    PetscCall(PetscArraycpy(W, r, n));
    {
      PetscBLASInt one = 1;
      LAPACKpotrs_("U", &bn, &one, V, &bn, W, &bn, &info);
    }
    for (PetscInt j = 0; j < n; j++) quad += r[j] * W[j];
    PnlmeExactSumAdd(&acc[nt * nt], n * PetscLogReal(2 * PETSC_PI) + logdet + quad);
    if (logscale) /* density of y, not of log y: Jacobian of the transform */
      for (PetscInt j = 0; j < n; j++) PnlmeExactSumAdd(&acc[nt * nt], 2.0 * PetscLogReal(s.dv[j]));
    /* full V^-1 for the error-parameter terms */
    PetscCall(PetscArraycpy(W, V, n * n));
    LAPACKpotri_("U", &bn, W, &bn, &info);
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt l = j + 1; l < n; l++) W[j * n + l] = W[l * n + j]; /* potri fills the column-major upper triangle W[l*n + j], j < l */
    /* P = J^T V^-1 J */
    for (PetscInt k = 0; k < p; k++)
      for (PetscInt l = 0; l < p; l++) {
        PetscReal v = 0;
        for (PetscInt j = 0; j < n; j++) v += J[j * p + k] * WJ[l * n + j];
        Pm[k * p + l] = v;
      }
    /* mean block: dmu^T V^-1 dmu; variance block: 1/2 tr(V^-1 dV_1 V^-1 dV_2), with dV = J E_ab J^T
       for an Omega entry (tr(E_ab P E_cd P) = P_bc P_da) and diag(dg^2) for an error parameter */
    for (PetscInt t1 = 0; t1 < nt; t1++) {
      for (PetscInt t2 = 0; t2 <= t1; t2++) {
        PetscInt  c1 = kind[t1], c2 = kind[t2], ab1[2][2], ab2[2][2];
        PetscBool om1 = (PetscBool)(c1 == TH_OMEGA || c1 == TH_COV), om2 = (PetscBool)(c2 == TH_OMEGA || c2 == TH_COV);
        PetscReal v = 0;
        if ((c1 <= TH_BETA) != (c2 <= TH_BETA)) continue; /* mean and variance blocks decouple */
        if (c1 <= TH_BETA) v = Pm[par[t1] * p + par[t2]] * x[row[t1]] * x[row[t2]];
        else if (om1 && om2) {
          PetscInt n1 = OmegaPairs(c1, par[t1], par2[t1], ab1), n2 = OmegaPairs(c2, par[t2], par2[t2], ab2);
          for (PetscInt u = 0; u < n1; u++)
            for (PetscInt w = 0; w < n2; w++) v += 0.5 * Pm[ab1[u][1] * p + ab2[w][0]] * Pm[ab2[w][1] * p + ab1[u][0]];
        } else if (om2) { /* c1 error parameter, c2 Omega entry: 1/2 sum_j (V^-1 J E_ab J^T V^-1)_jj d_j */
          PetscInt n2 = OmegaPairs(c2, par[t2], par2[t2], ab2);
          for (PetscInt w = 0; w < n2; w++)
            for (PetscInt j = 0; j < n; j++) v += 0.5 * WJ[ab2[w][0] * n + j] * WJ[ab2[w][1] * n + j] * d[(c1 == TH_A ? 0 : 1) * mo + j];
        } else { /* both error parameters */
          for (PetscInt j = 0; j < n; j++)
            for (PetscInt l = 0; l < n; l++) v += 0.5 * W[j * n + l] * W[j * n + l] * d[(c1 == TH_A ? 0 : 1) * mo + l] * d[(c2 == TH_A ? 0 : 1) * mo + j];
        }
        PnlmeExactSumAdd(&acc[t1 * nt + t2], v);
      }
    }
  }
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), nt * nt + 1, acc));
  fit->m2ll_lin = PnlmeExactSumValue(&acc[nt * nt]);
  for (PetscInt t1 = 0; t1 < nt; t1++)
    for (PetscInt t2 = 0; t2 <= t1; t2++) fi[t1 * nt + t2] = fi[t2 * nt + t1] = PnlmeExactSumValue(&acc[t1 * nt + t2]);
  /* FIM on (mu, beta, omega^2, a, b): invert, then SEs on the reported scales */
  PetscCall(PetscFree2(fit->fim, fit->se));
  PetscCall(PetscMalloc2(nt * nt, &fit->fim, fit->nhist, &fit->se));
  PetscCall(PetscArraycpy(fit->fim, fi, nt * nt));
  PetscCall(PnlmeFitInvertFIM(fit, nt, fi, &fit->fimok));
  {
    PetscReal phi[64];
    PnlmeModelTransformToNatural(fit->model, pop->B, phi, dphidz);
    /* se[] follows the history columns; delta method from the entries of Omega to the SDs and
       correlations, with the covariances of the inverse Fisher information */
    for (PetscInt c = 0; c < fit->nhist; c++) fit->se[c] = (PetscReal)NAN;
    for (PetscInt t = 0; t < nt && fit->fimok; t++) {
      PetscReal sd = PetscSqrtReal(fi[t * nt + t]);
      if (kind[t] == TH_MU) sd *= PetscAbsReal(dphidz[par[t]]);
      if (kind[t] == TH_OMEGA) sd /= 2 * PetscSqrtReal(pop->Omega[par[t] * p + par[t]]);
      if (kind[t] == TH_COV) { /* r = O_kl / sqrt(O_kk O_ll) */
        PetscInt  k = par[t], l = par2[t], ik = -1, il = -1, idx[3];
        PetscReal okk = pop->Omega[k * p + k], oll = pop->Omega[l * p + l], okl = pop->Omega[k * p + l], r = okl / PetscSqrtReal(okk * oll), g[3], var = 0;
        for (PetscInt u = 0; u < nt; u++)
          if (kind[u] == TH_OMEGA && par[u] == k) ik = u;
          else if (kind[u] == TH_OMEGA && par[u] == l) il = u;
        idx[0] = t, idx[1] = ik, idx[2] = il;
        g[0] = 1.0 / PetscSqrtReal(okk * oll), g[1] = -0.5 * r / okk, g[2] = -0.5 * r / oll;
        for (PetscInt u = 0; u < 3; u++)
          for (PetscInt w = 0; w < 3; w++) var += g[u] * g[w] * fi[idx[u] * nt + idx[w]];
        sd = PetscSqrtReal(PetscMax(var, 0));
      }
      fit->se[col[t]] = sd;
    }
  }
  PetscCall(PetscFree6(J, V, WJ, W, r, d));
  PetscCall(PetscFree(fi));
  PetscCall(PetscFree(acc));
  PetscCall(PetscLogEventEnd(PNLME_FitLinearize, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
