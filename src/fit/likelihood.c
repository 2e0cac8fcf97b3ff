/* -2 log-likelihood by importance sampling: for every subject, draws from a multivariate Student-t
   centred at its conditional mean with its conditional covariance (from the chains), weights
   p(y|z) p(z) / t(z); -2LL and its Monte-Carlo standard error (delta method).  Sums are exact. */
#include "fit/fitimpl.h"
#include <petscblaslapack.h>
#include <math.h>

PetscErrorCode PnlmeFitLikelihoodIS(PnlmeFit fit)
{
  PetscInt      p = fit->p, M = fit->nis, nu = fit->isdof, nr = 0, r[64];
  PetscReal     Lc[64 * 64], z[64], e[64], logdetC, cst_t, *pred = fit->predp;
  PnlmeExactSum sum[2];
  PnlmeSubject  s;
  PnlmeRNG      rng;
  PetscBLASInt  n, info;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitIS, 0, 0, 0, 0));
  /* the proposal lives on the parameters with a random effect (the others sit at the individual mean) */
  for (PetscInt k = 0; k < p; k++)
    if (!fit->pop.fixed[k]) r[nr++] = k;
  PetscCall(PetscBLASIntCast(nr, &n));
  PnlmeExactSumReset(sum, 2);
  cst_t = lgamma(0.5 * (nu + nr)) - lgamma(0.5 * nu) - 0.5 * nr * PetscLogReal(nu * PETSC_PI);
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    const PetscReal *mu = fit->cmean + i * p, *mi = fit->mi + i * p;
    PetscReal        lmax = PETSC_NINFINITY, w1 = 0, w2 = 0, lw;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    /* proposal scale: the conditional covariance, floored to keep it positive definite */
    for (PetscInt k = 0; k < nr; k++)
      for (PetscInt l = 0; l < nr; l++) Lc[k * nr + l] = fit->ccov[i * p * p + r[k] * p + r[l]];
    for (PetscInt k = 0; k < nr; k++) Lc[k * nr + k] = PetscMax(Lc[k * nr + k], 1e-4 * fit->pop.Omega[r[k] * p + r[k]]) + 1e-12;
    LAPACKpotrf_("U", &n, Lc, &n, &info);
    if (info) { /* degenerate chains: fall back to the diagonal */
      PetscCall(PetscArrayzero(Lc, nr * nr));
      for (PetscInt k = 0; k < nr; k++) Lc[k * nr + k] = PetscSqrtReal(PetscMax(fit->ccov[i * p * p + r[k] * p + r[k]], 1e-4 * fit->pop.Omega[r[k] * p + r[k]]));
    }
    logdetC = 0;
    for (PetscInt k = 0; k < nr; k++) {
      for (PetscInt l = k + 1; l < nr; l++) Lc[k * nr + l] = 0;
      logdetC += 2 * PetscLogReal(Lc[k * nr + k]);
    }
    PnlmeRNGInit(&rng, (uint64_t)fit->seed, (uint64_t)s.gindex, 1u << 20); /* a stream of its own */
    /* two passes over the same draws would cost twice the solves: keep a running log-sum-exp */
    for (PetscInt mdraw = 0; mdraw < M; mdraw++) {
      PetscReal chi = 0, g, delta = 0, ll, lp, lt;
      PnlmeSolveStatus st;
      for (PetscInt k = 0; k < nr; k++) e[k] = PnlmeRNGNormal(&rng);
      for (PetscInt k = 0; k < nu; k++) {
        PetscReal u = PnlmeRNGNormal(&rng);
        chi += u * u;
      }
      g = PetscSqrtReal(nu / chi);
      for (PetscInt k = 0; k < p; k++) z[k] = mi[k];
      for (PetscInt k = 0; k < nr; k++) {
        PetscReal v = 0;
        for (PetscInt l = 0; l <= k; l++) v += Lc[k * nr + l] * e[l];
        z[r[k]] = mu[r[k]] + g * v;
        delta += g * g * e[k] * e[k]; /* (z-mu)^T C^-1 (z-mu) = g^2 |e|^2 */
      }
      lt = cst_t - 0.5 * logdetC - 0.5 * (nu + nr) * log1p(delta / nu);
      PnlmeModelTransformToNatural(fit->model, z, fit->phi, NULL);
      PetscCall(PnlmeModelPredict(fit->model, &s, fit->phi, pred, NULL, &st));
      ll = st ? PETSC_NINFINITY : PnlmeErrorLogLik(&fit->pop, s.nobs, s.dv, pred) - 0.5 * s.nobs * PetscLogReal(2 * PETSC_PI);
      lp = PnlmePopLogPrior(&fit->pop, z, mi) - 0.5 * fit->pop.logdet - 0.5 * nr * PetscLogReal(2 * PETSC_PI); /* the identity stand-in adds nothing */
      lw = ll + lp - lt;
      if (!(lw > PETSC_NINFINITY)) continue;
      /* running sums of w and w^2 relative to the running maximum */
      if (lw > lmax) {
        PetscReal r = PetscExpReal(lmax - lw);
        w1 = w1 * r;
        w2 = w2 * r * r;
        lmax = lw;
      }
      w1 += PetscExpReal(lw - lmax);
      w2 += PetscExpReal(2 * (lw - lmax));
    }
    PetscCheck(w1 > 0, PETSC_COMM_SELF, PETSC_ERR_USER, "importance sampling: no finite weight for subject ID %" PetscInt64_FMT, s.id);
    {
      PetscReal mean = w1 / M, var = PetscMax(w2 / M - mean * mean, 0) / M;
      PnlmeExactSumAdd(&sum[0], -2.0 * (lmax + PetscLogReal(mean)));
      PnlmeExactSumAdd(&sum[1], 4.0 * var / (mean * mean));
    }
  }
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), 2, sum));
  fit->m2ll_is = PnlmeExactSumValue(&sum[0]);
  fit->mcse_is = PetscSqrtReal(PnlmeExactSumValue(&sum[1]));
  PetscCall(PetscLogEventEnd(PNLME_FitIS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
