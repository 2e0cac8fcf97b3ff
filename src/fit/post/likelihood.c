/* -2 log-likelihood by importance sampling.  For every subject:
   1. -lik_is_adapt_rounds rounds of -lik_is_adapt draws from a multivariate Student-t, first
      centred at the conditional mean with the conditional covariance of the chains; after each
      round the self-normalised weighted mean and covariance of its draws (the importance-weighted
      posterior moments) become the proposal when their effective sample size allows.  The chains'
      moments come from a hundred autocorrelated draws and can miss the shape of the posterior: on
      the neonatal cohort two rounds halve the variance of the weights (docs/saem.md).
   2. the estimate: batches of -lik_is_batch draws from the adapted Student-t, weights
      p(y|z) p(z) / t(z), until the Monte-Carlo standard error of -2LL (delta method, summed over
      all subjects) is below -lik_is_tol x sqrt(N), or -lik_is_samples draws per subject are spent.
      The standard error grows as sqrt(N) for a given quality of proposal, so the test is relative
      to sqrt(N): 0.025 means a per-subject precision that takes about a thousand draws when the
      weights' relative variance is 0.15.
   Streams belong to subjects, the batches and the stopping test are global, and sums are exact:
   the result does not depend on the number of ranks. */
#include "fit/fitimpl.h"
#include <petscblaslapack.h>
#include <math.h>

typedef struct {
  PetscInt  nu, nr, r[64]; /* degrees of freedom; parameters with a random effect */
  PetscReal cst;           /* log normalising constant of the standard t */
} TSpec;

/* per-subject state: proposal mean and lower factor, its log-determinant, and the running sums of
   the weights (relative to their running maximum lmax) */
typedef struct {
  PetscReal *mu, *L, *logdet;
  PetscReal *lmax, *w1, *w2;
  PetscInt  *n;
} ISState;

/* lower Cholesky factor of C (nr x nr, row-major) with its diagonal floored; diagonal fallback */
static void ProposalFactor(PnlmeFit fit, const TSpec *t, const PetscReal C[], PetscReal L[], PetscReal *logdet)
{
  PetscInt     nr = t->nr, p = fit->p;
  PetscBLASInt n  = (PetscBLASInt)nr, info;
  for (PetscInt k = 0; k < nr * nr; k++) L[k] = C[k];
  for (PetscInt k = 0; k < nr; k++) L[k * nr + k] = PetscMax(L[k * nr + k], 1e-4 * fit->pop.Omega[t->r[k] * p + t->r[k]]) + 1e-12;
  LAPACKpotrf_("U", &n, L, &n, &info);
  if (info) { /* degenerate: the diagonal */
    for (PetscInt k = 0; k < nr * nr; k++) L[k] = 0;
    for (PetscInt k = 0; k < nr; k++) L[k * nr + k] = PetscSqrtReal(PetscMax(C[k * nr + k], 1e-4 * fit->pop.Omega[t->r[k] * p + t->r[k]]));
  }
  *logdet = 0;
  for (PetscInt k = 0; k < nr; k++) {
    for (PetscInt l = k + 1; l < nr; l++) L[k * nr + l] = 0;
    *logdet += 2 * PetscLogReal(L[k * nr + k]);
  }
}

#define IS_BATCH 16 /* draws evaluated together (PnlmeModelPredictBatch) */

/* the draws of a batch: parameters, natural-scale parameters, predictions, proposal log-densities */
typedef struct {
  PetscReal        z[IS_BATCH][64], lt[IS_BATCH], *phi, *pred;
  PnlmeSolveStatus st[IS_BATCH];
} ISWork;

/* M draws for subject i from t(mu, L L^T): updates the running weight sums; with mom (nr + nr*nr,
   relative to the same running maximum) also the weighted first and second moments of the draws.
   The draws are made IS_BATCH at a time and their predictions evaluated together (each the one it
   would have alone); the weights are then taken in the order of the draws, so that the sums are
   those of one draw after another. */
static PetscErrorCode Draws(PnlmeFit fit, const TSpec *t, ISWork *W, const PnlmeSubject *s, const PetscReal mi[], const PetscReal mu[], const PetscReal L[], PetscReal logdet, PnlmeRNG *rng, PetscInt M, PetscReal *lmax, PetscReal *w1, PetscReal *w2, PetscReal mom[])
{
  PetscInt p = fit->p, nr = t->nr, nunc = s->nobs;
  PetscFunctionBegin;
  if (fit->pop.censored && s->cens)
    for (PetscInt j = 0; j < s->nobs; j++) nunc -= s->cens[j] != 0;
  for (PetscInt m0 = 0; m0 < M; m0 += IS_BATCH) {
    const PetscInt nb = PetscMin(IS_BATCH, M - m0);
    for (PetscInt b = 0; b < nb; b++) {
      PetscReal chi, g, delta = 0, e[64], *z = W->z[b];
      for (PetscInt k = 0; k < nr; k++) e[k] = PnlmeRNGNormal(rng);
      chi = 2.0 * PnlmeRNGGamma(rng, 0.5 * t->nu); /* chi-square with nu degrees of freedom */
      g   = PetscSqrtReal(t->nu / chi);
      for (PetscInt k = 0; k < p; k++) z[k] = mi[k];
      for (PetscInt k = 0; k < nr; k++) {
        PetscReal v = 0;
        for (PetscInt l = 0; l <= k; l++) v += L[k * nr + l] * e[l];
        z[t->r[k]] = mu[k] + g * v;
        delta += g * g * e[k] * e[k]; /* (z-mu)^T C^-1 (z-mu) = g^2 |e|^2 */
      }
      W->lt[b] = t->cst - 0.5 * logdet - 0.5 * (t->nu + nr) * log1p(delta / t->nu);
      PnlmeModelTransformToNatural(fit->model, z, W->phi + b * p, NULL);
    }
    PetscCall(PnlmeModelPredictBatch(fit->model, s, nb, W->phi, W->pred, W->st));
    for (PetscInt b = 0; b < nb; b++) {
      const PetscReal *z = W->z[b];
      PetscReal        ll, lp, lw, wt;
      ll = W->st[b] ? PETSC_NINFINITY : PnlmeErrorLogLik(&fit->pop, s, W->pred + b * s->nobs) - 0.5 * nunc * PetscLogReal(2 * PETSC_PI); /* censored terms are probabilities: no 2 pi */
      lp = PnlmePopLogPrior(&fit->pop, z, mi) - 0.5 * fit->pop.logdet - 0.5 * nr * PetscLogReal(2 * PETSC_PI); /* the identity stand-in adds nothing */
      lw = ll + lp - W->lt[b];
      if (!(lw > PETSC_NINFINITY)) continue; /* a failed solve or zero likelihood: weight 0 */
      if (lw > *lmax) {                       /* rescale the running sums to the new maximum */
        PetscReal r = PetscExpReal(*lmax - lw);
        *w1 *= r;
        *w2 *= r * r;
        if (mom)
          for (PetscInt k = 0; k < nr + nr * nr; k++) mom[k] *= r;
        *lmax = lw;
      }
      wt = PetscExpReal(lw - *lmax);
      *w1 += wt;
      *w2 += wt * wt;
      if (mom)
        for (PetscInt k = 0; k < nr; k++) {
          mom[k] += wt * z[t->r[k]];
          for (PetscInt l = 0; l < nr; l++) mom[nr + k * nr + l] += wt * z[t->r[k]] * z[t->r[l]];
        }
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitLikelihoodIS(PnlmeFit fit)
{
  PetscInt      p = fit->p, nloc = fit->nlocal, M = fit->nis, batch, nr;
  TSpec         t;
  ISState       st;
  PnlmeExactSum sum[3];
  PnlmeSubject  s;
  PnlmeRNG     *rng;
  PetscReal     C[64 * 64], mom[64 + 64 * 64];
  PetscInt64    idmin = INT64_MAX;
  ISWork        isw;
  MPI_Comm      comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitIS, 0, 0, 0, 0));
  /* the proposal lives on the parameters with a random effect (the others sit at the individual mean) */
  t.nu = fit->isdof;
  t.nr = 0;
  for (PetscInt k = 0; k < p; k++)
    if (!fit->pop.fixed[k]) t.r[t.nr++] = k;
  nr    = t.nr;
  t.cst = lgamma(0.5 * (t.nu + nr)) - lgamma(0.5 * t.nu) - 0.5 * nr * PetscLogReal(t.nu * PETSC_PI);
  PetscCall(PetscMalloc5(nloc * nr, &st.mu, nloc * nr * nr, &st.L, nloc, &st.logdet, nloc, &st.lmax, nloc, &rng));
  PetscCall(PetscMalloc3(nloc, &st.w1, nloc, &st.w2, nloc, &st.n));
  PetscCall(PetscMalloc2(IS_BATCH * p, &isw.phi, IS_BATCH * PetscMax(1, fit->maxobs), &isw.pred));
  fit->nisdraws = 0;
  /* 1. the chains' proposal, then its importance-weighted adaptation */
  for (PetscInt i = 0; i < nloc; i++) {
    const PetscReal *cm = fit->cmean + i * p, *cc = fit->ccov + i * p * p;
    PetscReal       *mu = st.mu + i * nr, *L = st.L + i * nr * nr, lmax = PETSC_NINFINITY, w1 = 0, w2 = 0;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    PnlmeRNGInit(&rng[i], (uint64_t)fit->seed, (uint64_t)s.gindex, 1u << 20); /* a stream of its own */
    for (PetscInt k = 0; k < nr; k++) {
      mu[k] = cm[t.r[k]];
      for (PetscInt l = 0; l < nr; l++) C[k * nr + l] = cc[t.r[k] * p + t.r[l]];
    }
    ProposalFactor(fit, &t, C, L, &st.logdet[i]);
    for (PetscInt round = 0; round < fit->isrounds && fit->isadapt > 0; round++) {
      lmax = PETSC_NINFINITY;
      w1 = w2 = 0;
      PetscCall(PetscArrayzero(mom, nr + nr * nr));
      PetscCall(Draws(fit, &t, &isw, &s, fit->mi + i * p, mu, L, st.logdet[i], &rng[i], fit->isadapt, &lmax, &w1, &w2, mom));
      if (w1 > 0 && w1 * w1 / w2 >= 4 * (nr + 1)) { /* enough effective draws for a covariance */
        for (PetscInt k = 0; k < nr; k++) mu[k] = mom[k] / w1;
        for (PetscInt k = 0; k < nr; k++)
          for (PetscInt l = 0; l < nr; l++) C[k * nr + l] = mom[nr + k * nr + l] / w1 - mu[k] * mu[l];
        ProposalFactor(fit, &t, C, L, &st.logdet[i]);
      }
    }
    st.lmax[i] = PETSC_NINFINITY;
    st.w1[i] = st.w2[i] = 0;
    st.n[i]             = 0;
  }
  /* 2. batches until the Monte-Carlo standard error is small enough (a global test) */
  batch = PetscMin(M, PetscMax(1, fit->isbatch));
  for (PetscInt done = 0; done < M;) {
    PetscInt nb = PetscMin(batch, M - done);
    PnlmeExactSumReset(sum, 3);
    idmin = INT64_MAX;
    for (PetscInt i = 0; i < nloc; i++) {
      PetscReal mean, var;
      PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
      PetscCall(Draws(fit, &t, &isw, &s, fit->mi + i * p, st.mu + i * nr, st.L + i * nr * nr, st.logdet[i], &rng[i], nb, &st.lmax[i], &st.w1[i], &st.w2[i], NULL));
      st.n[i] += nb;
      if (!(st.w1[i] > 0)) { /* no finite weight yet: counted (a later batch may find one) */
        PnlmeExactSumAdd(&sum[2], 1.0);
        idmin = PetscMin(idmin, s.id);
        continue;
      }
      mean = st.w1[i] / st.n[i];
      var  = PetscMax(st.w2[i] / st.n[i] - mean * mean, 0) / st.n[i];
      PnlmeExactSumAdd(&sum[0], -2.0 * (st.lmax[i] + PetscLogReal(mean)));
      PnlmeExactSumAdd(&sum[1], 4.0 * var / (mean * mean));
    }
    PetscCall(PnlmeExactSumAllreduce(comm, 3, sum));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &idmin, 1, MPI_INT64_T, MPI_MIN, comm));
    done += nb;
    fit->nisfail  = (PetscInt64)PnlmeExactSumValue(&sum[2]);
    fit->isfailid = idmin;
    fit->m2ll_is  = fit->nisfail ? (PetscReal)NAN : PnlmeExactSumValue(&sum[0]);
    fit->mcse_is  = fit->nisfail ? (PetscReal)NAN : PetscSqrtReal(PnlmeExactSumValue(&sum[1]));
    fit->nisdraws = done;
    if (!fit->nisfail && fit->mcse_is <= fit->istol * PetscSqrtReal((PetscReal)fit->N)) break;
  }
  PetscCall(PetscFree5(st.mu, st.L, st.logdet, st.lmax, rng));
  PetscCall(PetscFree3(st.w1, st.w2, st.n));
  PetscCall(PetscFree2(isw.phi, isw.pred));
  PetscCall(PetscLogEventEnd(PNLME_FitIS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
