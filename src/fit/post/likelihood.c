/* -2 log-likelihood by importance sampling.  For every subject:
   1. -lik_is_adapt_rounds rounds of -lik_is_adapt draws from multivariate Student-t proposals; after
      each round the self-normalised weighted mean and covariance of its draws (the importance-weighted
      posterior moments) become the proposal when their effective sample size allows.  The first
      round's draws (-lik_is_start mixture) alternate between two proposals, the conditional mean and
      covariance of the chains and the Laplace approximation at the conditional mode (the MAP and
      (J^T W J + Omega^-1)^-1 there), weighted against their even mixture; with -lik_is_start chains
      the chains' proposal alone.  The chains' moments come from a hundred autocorrelated draws of one
      chain in a large cohort and can miss the shape of the posterior; the Laplace approximation
      misses it where the posterior is not Gaussian (a lag time): the mixture covers both, and one
      round from it gives the neonatal cohort a better proposal than two from the chains (docs/saem.md).
   2. the estimate: batches of -lik_is_batch draws from the adapted Student-t, weights
      p(y|z) p(z) / t(z), until the Monte-Carlo standard error of -2LL (delta method, summed over
      all subjects) is below -lik_is_tol x sqrt(N), or -lik_is_samples draws per subject are spent.
      The standard error grows as sqrt(N) for a given quality of proposal, so the test is relative
      to sqrt(N): 0.025 means a per-subject precision that takes about a thousand draws when the
      weights' relative variance is 0.15.
      With -lik_is_control_variates (default) each batch's mean weight is estimated with control
      variates of known mean (Owen & Zhou, JASA 95, 2000): with u the draw's whitened deviation from
      the proposal's centre (z = mu + L u) and c = N(u; 0, I) / t(u) the ratio of the Gaussian of the
      proposal's moments to the proposal, the functions c - 1, c u_k and c (u_k u_l - delta_kl) have
      mean 0 under the proposal, and a posterior close to a Gaussian near the proposal's moments makes
      the weights close to a combination of them.  The weights of each half of the batch (even and odd
      draws) are regressed on them; each half's mean of w - beta^T x takes the other half's
      coefficients (cross-fitting: unbiased), its variance the sample variance of w - beta^T x
      (CVEstimate).  Measured (docs/saem.md): the SE of -2LL falls from 0.067 to 0.030 on
      theophylline at the same draws, the neonatal cohort needs half the estimation draws; on
      warfarin PK, whose lag has a posterior far from Gaussian, nothing changes.
   Streams belong to subjects, the batches and the stopping test are global, and sums are exact:
   the result does not depend on the number of ranks. */
#include "fit/fitimpl.h"
#include "fit/post/mode.h"
#include <petscblaslapack.h>
#include <math.h>

typedef struct {
  PetscInt  nu, nr, r[64]; /* degrees of freedom; parameters with a random effect */
  PetscReal cst;           /* log normalising constant of the standard t */
  PetscReal lc0;           /* -nr/2 log(2 pi) - cst: log N(u; 0, I) / t(u) = lc0 - |u|^2 / 2 + (nu + nr)/2 log(1 + |u|^2 / nu) */
  PetscInt  ncv;           /* control variates: 1 + nr + nr (nr + 1) / 2 up to nr = CV_FULL_NR, 1 + 2 nr beyond; 0: none */
} TSpec;

#define CV_FULL_NR 6   /* the products u_k u_l (k < l) among the controls up to this many random effects */
#define CV_MIN_DRAWS 10 /* a batch's regression needs at least this many draws per coefficient */
#define CV_MIN_R2 0.5   /* and must explain at least this fraction of the variance of the weights */
#define CV_GAIN 0.75   /* a subject keeps its controls in the next batches while they lower the variance below this fraction of the plain one */
#define CV_MAXK (1 + 2 * 64)

/* the sums of one subject's batch for the regressions of the weights w on the controls x, in two halves
   (the batch's even and odd draws) */
typedef struct {
  PetscBool  plain; /* only the sums of w and w^2 (a subject whose regressions did not help) */
  PetscInt   n[2];
  PetscReal *sx[2], *G[2], *sxw[2], sw[2], sww[2]; /* sums of x [ncv], x x^T [ncv ncv, upper], x w [ncv]; of w and w^2 */
  PetscReal *x, *S, *beta[2];                      /* scratch: [ncv], [ncv ncv], the halves' coefficients [ncv] */
} CVSums;

/* per-subject state: proposal mean and lower factor, its log-determinant, and the running sums of
   the weights (relative to their running maximum lmax) */
typedef struct {
  PetscReal *mu, *L, *logdet;
  PetscReal *lmax, *w1, *w2;
  PetscInt  *n;
  PetscBool *plain; /* the controls did not help the subject in a batch (CVEstimate): the plain mean from then on */
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

/* The Laplace approximation of subject i's posterior on its nr random effects: the conditional mode
   (fit->map) and C = (J^T W J + Omega^-1)^-1 there, half the inverse of the Gauss-Newton matrix of the
   mode search (one solve with sensitivities, mode.c with no iteration).  ok false where the model
   fails at the mode or the matrix is not positive definite: the caller takes the chains' moments. */
static PetscErrorCode LaplaceProposal(PnlmeFit fit, PnlmeModeWork *mw, const PnlmeSubject *s, PetscInt i, PetscInt nr, PetscReal mu[], PetscReal C[], PetscBool *ok)
{
  PetscInt     p = fit->p, status;
  PetscReal    z[64];
  PetscBLASInt n, info;
  PetscFunctionBegin;
  *ok = PETSC_FALSE;
  PetscCall(PetscArraycpy(z, fit->map + i * p, p));
  PetscCall(PnlmeSubjectMode(fit, mw, s, fit->mi + i * p, z, &status));
  if (status == PNLME_MODE_FAILED) PetscFunctionReturn(0);
  for (PetscInt a = 0; a < p; a++)
    if (z[a] != fit->map[i * p + a]) PetscFunctionReturn(0); /* the mode failed to solve: the search restarted elsewhere */
  PetscCall(PetscBLASIntCast(nr, &n));
  for (PetscInt a = 0; a < nr * nr; a++) C[a] = 0.5 * mw->H[a];
  LAPACKpotrf_("L", &n, C, &n, &info);
  if (info) PetscFunctionReturn(0);
  LAPACKpotri_("L", &n, C, &n, &info);
  if (info) PetscFunctionReturn(0);
  for (PetscInt a = 0; a < nr; a++) { /* potri fills the lower triangle (column-major): the upper one of the rows */
    mu[a] = z[mw->rk[a]];
    for (PetscInt b = 0; b < a; b++) C[a * nr + b] = C[b * nr + a];
  }
  *ok = PETSC_TRUE;
  PetscFunctionReturn(0);
}

#define IS_BATCH 16 /* draws evaluated together (PnlmeModelPredictBatch) */

typedef struct { /* a second t proposal (the same degrees of freedom) */
  PetscReal mu[64], L[64 * 64], logdet;
} Proposal;

/* the draws of a batch: parameters, natural-scale parameters, predictions, proposal log-densities */
typedef struct {
  PetscReal        z[IS_BATCH][64], lt[IS_BATCH], *phi, *pred;
  PetscReal        u[IS_BATCH][64], lc[IS_BATCH]; /* whitened deviations from the centre, log N(u; 0, I) / t(u) */
  PnlmeSolveStatus st[IS_BATCH];
} ISWork;

/* the variance of the mean of n draws from their sum s1 and sum of squares s2 */
static inline PetscReal MeanVariance(PetscReal s1, PetscReal s2, PetscInt n)
{
  const PetscReal m = s1 / n;
  return PetscMax(s2 / n - m * m, 0) / n;
}

/* the control variates of a draw (mean 0 under the proposal) */
static void Controls(const TSpec *t, const PetscReal u[], PetscReal lc, PetscReal x[])
{
  const PetscInt  nr = t->nr;
  const PetscReal c  = PetscExpReal(lc);
  PetscInt        j  = 0;
  x[j++] = c - 1.0;
  for (PetscInt k = 0; k < nr; k++) x[j++] = c * u[k];
  for (PetscInt k = 0; k < nr; k++) x[j++] = c * (u[k] * u[k] - 1.0);
  if (nr <= CV_FULL_NR)
    for (PetscInt k = 0; k < nr; k++)
      for (PetscInt l = k + 1; l < nr; l++) x[j++] = c * u[k] * u[l];
}

/* one draw's weight w (relative to the running maximum) and controls into its half of the batch's sums */
static inline void CVAdd(const TSpec *t, CVSums *a, const PetscReal u[], PetscReal lc, PetscReal w)
{
  const PetscInt      k = t->ncv, h = (a->n[0] + a->n[1]) % 2;
  PetscReal *restrict sx = a->sx[h], *restrict G = a->G[h], *restrict sxw = a->sxw[h], x[CV_MAXK];
  a->n[h]++;
  a->sw[h] += w;
  a->sww[h] += w * w;
  if (a->plain) return;
  Controls(t, u, lc, x);
  for (PetscInt j = 0; j < k; j++) {
    const PetscReal     xj = x[j];
    PetscReal *restrict Gj = G + j * k;
    sx[j] += xj;
    sxw[j] += xj * w;
    for (PetscInt l = j; l < k; l++) Gj[l] += xj * x[l];
  }
}

/* the running maximum of the weights rose: the sums with w scale by r (w^2 by r^2) */
static void CVRescale(const TSpec *t, CVSums *a, PetscReal r)
{
  for (PetscInt h = 0; h < 2; h++) {
    a->sw[h] *= r;
    a->sww[h] *= r * r;
    for (PetscInt j = 0; j < t->ncv; j++) a->sxw[h][j] *= r;
  }
}

static void CVReset(const TSpec *t, CVSums *a)
{
  const PetscInt k = t->ncv;
  for (PetscInt h = 0; h < 2; h++) {
    a->n[h]  = 0;
    a->sw[h] = a->sww[h] = 0;
    for (PetscInt j = 0; j < k; j++) a->sx[h][j] = a->sxw[h][j] = 0;
    for (PetscInt j = 0; j < k * k; j++) a->G[h][j] = 0;
  }
}

/* the coefficients of the least-squares regression (with an intercept) of w on x in half h; 0 when
   its centred Gram matrix is not positive definite */
static int CVCoefficients(const TSpec *t, CVSums *a, PetscInt h)
{
  const PetscInt  k = t->ncv, n = a->n[h];
  const PetscReal wb = a->sw[h] / n;
  PetscBLASInt    bk = (PetscBLASInt)k, one = 1, info;
  for (PetscInt j = 0; j < k; j++) {
    const PetscReal xj = a->sx[h][j] / n;
    a->beta[h][j]      = a->sxw[h][j] - n * xj * wb;
    for (PetscInt l = j; l < k; l++) a->S[j * k + l] = a->S[l * k + j] = a->G[h][j * k + l] - n * xj * (a->sx[h][l] / n);
  }
  LAPACKpotrf_("U", &bk, a->S, &bk, &info);
  if (info) return 0;
  for (PetscInt j = 0; j < k; j++) a->x[j] = a->beta[h][j]; /* Sxw */
  LAPACKpotrs_("U", &bk, &one, a->S, &bk, a->beta[h], &bk, &info);
  if (info) return 0;
  { /* R^2 = beta^T Sxw / Sww: a half whose regression explains less than CV_MIN_R2 of the variance of
       the weights gives the other half no coefficients (the plain mean there) */
    PetscReal expl = 0, sww = a->sww[h] - n * wb * wb;
    for (PetscInt j = 0; j < k; j++) expl += a->beta[h][j] * a->x[j];
    if (!(expl >= CV_MIN_R2 * sww))
      for (PetscInt j = 0; j < k; j++) a->beta[h][j] = 0;
  }
  return 1;
}

/* the batch's estimate of the mean weight and of its variance (relative to the running maximum).  Each
   half's draws give the mean of w - beta^T x with the coefficients beta of the other half's regression:
   beta does not depend on the draws it is applied to, so each half's mean is unbiased (cross-fitting;
   the regression on the draws themselves is biased by O(1/n), which adds up over batches), and its
   variance is the sample variance of w - beta^T x over those draws.  The plain mean and its variance
   when a half is too short for the regression, a regression fails or the estimate is not positive.
   Returns whether the controls lowered the variance below CV_GAIN times the plain one (if not, the
   subject's next batches take the plain mean: they cost a tenth of a closed-form model's draw). */
static PetscBool CVEstimate(const TSpec *t, CVSums *a, PetscReal *mean, PetscReal *var)
{
  const PetscInt  k = t->ncv, n = a->n[0] + a->n[1];
  const PetscReal wb = n > 0 ? (a->sw[0] + a->sw[1]) / n : 0;
  PetscReal       m = 0, v = 0, pv;
  PetscBool       used = PETSC_FALSE;
  *mean = wb;
  *var  = n > 0 ? MeanVariance(a->sw[0] + a->sw[1], a->sww[0] + a->sww[1], n) : 0;
  if (a->plain || k == 0 || a->n[1] < CV_MIN_DRAWS * (k + 1)) return PETSC_FALSE;
  if (!CVCoefficients(t, a, 0) || !CVCoefficients(t, a, 1)) return PETSC_FALSE;
  for (PetscInt h = 0; h < 2; h++) { /* the draws of half h with the other half's coefficients */
    const PetscReal *beta = a->beta[1 - h], *G = a->G[h];
    PetscReal        s1 = a->sw[h], s2 = a->sww[h], bGb = 0, mh;
    for (PetscInt j = 0; j < k; j++) {
      PetscReal gj = G[j * k + j] * beta[j];
      if (beta[j] != 0) used = PETSC_TRUE;
      for (PetscInt l = j + 1; l < k; l++) gj += 2 * G[j * k + l] * beta[l];
      bGb += beta[j] * gj;
      s1 -= beta[j] * a->sx[h][j];
      s2 -= 2 * beta[j] * a->sxw[h][j];
    }
    s2 += bGb;
    mh = s1 / a->n[h];
    m += s1;
    v += (PetscReal)a->n[h] * a->n[h] * PetscMax(s2 / a->n[h] - mh * mh, 0) / (a->n[h] - 1); /* n_h times the sample variance */
  }
  if (!(m > 0)) return PETSC_FALSE;
  pv    = *var;
  *mean = m / n;
  *var  = v / ((PetscReal)n * n);
  return (used && *var < CV_GAIN * pv) ? PETSC_TRUE : PETSC_FALSE;
}

/* M draws for subject i from t(mu, L L^T): updates the running weight sums; with mom (nr + nr*nr,
   relative to the same running maximum) also the weighted first and second moments of the draws;
   with cv, the batch's regression sums instead of w1 and w2 (which are only rescaled with the running
   maximum).
   The draws are made IS_BATCH at a time and their predictions evaluated together (each the one it
   would have alone); the weights are then taken in the order of the draws, so that the sums are
   those of one draw after another. */
/* log t(z; mu, L L^T) of the proposal (L lower, row-major) at z (on the random effects) */
static PetscReal ProposalLogDensity(const TSpec *t, const PetscReal mu[], const PetscReal L[], PetscReal logdet, const PetscReal z[])
{
  const PetscInt nr = t->nr;
  PetscReal      v[64], delta = 0;
  for (PetscInt k = 0; k < nr; k++) { /* L v = z - mu */
    PetscReal r = z[t->r[k]] - mu[k];
    for (PetscInt l = 0; l < k; l++) r -= L[k * nr + l] * v[l];
    v[k] = r / L[k * nr + k];
    delta += v[k] * v[k];
  }
  return t->cst - 0.5 * logdet - 0.5 * (t->nu + nr) * log1p(delta / t->nu);
}

/* M draws for subject i from t(mu, L L^T), or with mix from the even mixture of it and mix's t (draws
   alternating between the two, the weights against the mixture's density: deterministic-mixture
   sampling, Owen & Zhou 2000); with mix, no control variates */
static PetscErrorCode Draws(PnlmeFit fit, const TSpec *t, ISWork *W, const PnlmeSubject *s, const PetscReal mi[], const PetscReal mu[], const PetscReal L[], PetscReal logdet, const Proposal *mix, PnlmeRNG *rng, PetscInt M, PetscReal *lmax, PetscReal *w1, PetscReal *w2, PetscReal mom[], CVSums *cv)
{
  PetscInt p = fit->p, nr = t->nr, nunc = s->nobs;
  PetscFunctionBegin;
  PetscCheck(!mix || !cv, PETSC_COMM_SELF, PETSC_ERR_PLIB, "control variates with a mixture proposal");
  if (fit->pop.censored && s->cens)
    for (PetscInt j = 0; j < s->nobs; j++) nunc -= s->cens[j] != 0;
  for (PetscInt m0 = 0; m0 < M; m0 += IS_BATCH) {
    const PetscInt nb = PetscMin(IS_BATCH, M - m0);
    for (PetscInt b = 0; b < nb; b++) {
      const PetscBool  second = (PetscBool)(mix && (m0 + b) % 2);
      const PetscReal *mud = second ? mix->mu : mu, *Ld = second ? mix->L : L, ldd = second ? mix->logdet : logdet;
      PetscReal        chi, g, delta = 0, e[64], *z = W->z[b];
      for (PetscInt k = 0; k < nr; k++) e[k] = PnlmeRNGNormal(rng);
      chi = 2.0 * PnlmeRNGGamma(rng, 0.5 * t->nu); /* chi-square with nu degrees of freedom */
      g   = PetscSqrtReal(t->nu / chi);
      for (PetscInt k = 0; k < p; k++) z[k] = mi[k];
      for (PetscInt k = 0; k < nr; k++) {
        PetscReal v = 0;
        for (PetscInt l = 0; l <= k; l++) v += Ld[k * nr + l] * e[l];
        z[t->r[k]] = mud[k] + g * v;
        delta += g * g * e[k] * e[k]; /* (z-mu)^T C^-1 (z-mu) = g^2 |e|^2 */
      }
      {
        const PetscReal tail = 0.5 * (t->nu + nr) * log1p(delta / t->nu);
        W->lt[b]             = t->cst - 0.5 * ldd - tail;
        if (mix) { /* log of (t1 + t2) / 2 */
          const PetscReal lo = second ? ProposalLogDensity(t, mu, L, logdet, z) : ProposalLogDensity(t, mix->mu, mix->L, mix->logdet, z);
          const PetscReal hi = PetscMax(lo, W->lt[b]);
          W->lt[b]           = hi + PetscLogReal(0.5 * (PetscExpReal(W->lt[b] - hi) + PetscExpReal(lo - hi)));
        }
        if (cv && !cv->plain) { /* the controls' arguments */
          for (PetscInt k = 0; k < nr; k++) W->u[b][k] = g * e[k];
          W->lc[b] = t->lc0 - 0.5 * delta + tail;
        }
      }
      PnlmeModelTransformToNatural(fit->model, z, W->phi + b * p, NULL);
    }
    PetscCall(PnlmeModelPredictBatch(fit->model, s, nb, W->phi, W->pred, W->st));
    for (PetscInt b = 0; b < nb; b++) {
      const PetscReal *z = W->z[b];
      PetscReal        ll, lp, lw, wt;
      ll = W->st[b] ? PETSC_NINFINITY : PnlmeErrorLogLik(&fit->pop, s, W->pred + b * s->nobs) - 0.5 * nunc * PetscLogReal(2 * PETSC_PI); /* censored terms are probabilities: no 2 pi */
      lp = PnlmePopLogPrior(&fit->pop, z, mi) - 0.5 * fit->pop.logdet - 0.5 * nr * PetscLogReal(2 * PETSC_PI); /* the identity stand-in adds nothing */
      lw = ll + lp - W->lt[b];
      if (!(lw > PETSC_NINFINITY)) { /* a failed solve or zero likelihood: weight 0 */
        if (cv) CVAdd(t, cv, W->u[b], W->lc[b], 0.0);
        continue;
      }
      if (lw > *lmax) { /* rescale the running sums to the new maximum */
        PetscReal r = PetscExpReal(*lmax - lw);
        *w1 *= r;
        *w2 *= r * r;
        if (mom)
          for (PetscInt k = 0; k < nr + nr * nr; k++) mom[k] *= r;
        if (cv) CVRescale(t, cv, r);
        *lmax = lw;
      }
      wt = PetscExpReal(lw - *lmax);
      if (cv) {
        CVAdd(t, cv, W->u[b], W->lc[b], wt);
        continue;
      }
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
  CVSums        cvs, *cv = NULL;
  PnlmeModeWork *mw = NULL;
  Proposal      mixs, *mix = &mixs;
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
  t.lc0 = -0.5 * nr * PetscLogReal(2 * PETSC_PI) - t.cst;
  t.ncv = (fit->iscv && nr > 0) ? 1 + 2 * nr + (nr <= CV_FULL_NR ? nr * (nr - 1) / 2 : 0) : 0;
  if (t.ncv) {
    const PetscInt k = t.ncv;
    PetscCall(PetscMalloc6(k, &cvs.x, 2 * k, &cvs.sx[0], 2 * k * k, &cvs.G[0], 2 * k, &cvs.sxw[0], k * k, &cvs.S, 2 * k, &cvs.beta[0]));
    cvs.sx[1]   = cvs.sx[0] + k;
    cvs.G[1]    = cvs.G[0] + k * k;
    cvs.sxw[1]  = cvs.sxw[0] + k;
    cvs.beta[1] = cvs.beta[0] + k;
    cv = &cvs;
  }
  PetscCall(PetscMalloc5(nloc * nr, &st.mu, nloc * nr * nr, &st.L, nloc, &st.logdet, nloc, &st.lmax, nloc, &rng));
  PetscCall(PetscMalloc4(nloc, &st.w1, nloc, &st.w2, nloc, &st.n, nloc, &st.plain));
  PetscCall(PetscMalloc2(IS_BATCH * p, &isw.phi, IS_BATCH * PetscMax(1, fit->maxobs), &isw.pred));
  fit->nisdraws = 0;
  if (fit->ismixture && nr > 0) PetscCall(PnlmeModeWorkCreate(fit, 0, 0, &mw));
  /* 1. the first proposal (the chains' moments or the Laplace approximation), then its importance-weighted adaptation */
  for (PetscInt i = 0; i < nloc; i++) {
    const PetscReal *cm = fit->cmean + i * p, *cc = fit->ccov + i * p * p;
    PetscReal       *mu = st.mu + i * nr, *L = st.L + i * nr * nr, lmax = PETSC_NINFINITY, w1 = 0, w2 = 0;
    PetscBool        laplace = PETSC_FALSE;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    PnlmeRNGInit(&rng[i], (uint64_t)fit->seed, (uint64_t)s.gindex, 1u << 20); /* a stream of its own */
    if (mw) PetscCall(LaplaceProposal(fit, mw, &s, i, nr, mu, C, &laplace));
    { /* the chains' moments: the first proposal, or with the Laplace approximation the mixture's second */
      PetscReal *mc = laplace ? mix->mu : mu, *Cc = laplace ? mom : C;
      for (PetscInt k = 0; k < nr; k++) {
        mc[k] = cm[t.r[k]];
        for (PetscInt l = 0; l < nr; l++) Cc[k * nr + l] = cc[t.r[k] * p + t.r[l]];
      }
      if (laplace) ProposalFactor(fit, &t, Cc, mix->L, &mix->logdet);
    }
    ProposalFactor(fit, &t, C, L, &st.logdet[i]);
    for (PetscInt round = 0; round < fit->isrounds && fit->isadapt > 0; round++) {
      lmax = PETSC_NINFINITY;
      w1 = w2 = 0;
      PetscCall(PetscArrayzero(mom, nr + nr * nr));
      PetscCall(Draws(fit, &t, &isw, &s, fit->mi + i * p, mu, L, st.logdet[i], round == 0 && laplace ? mix : NULL, &rng[i], fit->isadapt, &lmax, &w1, &w2, mom, NULL));
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
    st.plain[i]         = PETSC_FALSE;
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
      if (cv) {
        CVReset(&t, cv);
        cv->plain = st.plain[i];
      }
      PetscCall(Draws(fit, &t, &isw, &s, fit->mi + i * p, st.mu + i * nr, st.L + i * nr * nr, st.logdet[i], NULL, &rng[i], nb, &st.lmax[i], &st.w1[i], &st.w2[i], NULL, cv));
      st.n[i] += nb;
      if (cv) { /* w1, w2: the sums of n_b mean_b and n_b^2 var_b over the batches */
        PetscReal bm, bv;
        if (!CVEstimate(&t, cv, &bm, &bv)) st.plain[i] = PETSC_TRUE;
        st.w1[i] += nb * bm;
        st.w2[i] += (PetscReal)nb * nb * bv;
      }
      if (!(st.w1[i] > 0)) { /* no finite weight yet: counted (a later batch may find one) */
        PnlmeExactSumAdd(&sum[2], 1.0);
        idmin = PetscMin(idmin, s.id);
        continue;
      }
      mean = st.w1[i] / st.n[i];
      var  = cv ? st.w2[i] / ((PetscReal)st.n[i] * st.n[i]) : MeanVariance(st.w1[i], st.w2[i], st.n[i]);
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
  PetscCall(PnlmeModeWorkDestroy(&mw));
  PetscCall(PetscFree5(st.mu, st.L, st.logdet, st.lmax, rng));
  PetscCall(PetscFree4(st.w1, st.w2, st.n, st.plain));
  PetscCall(PetscFree2(isw.phi, isw.pred));
  if (cv) PetscCall(PetscFree6(cvs.x, cvs.sx[0], cvs.G[0], cvs.sxw[0], cvs.S, cvs.beta[0]));
  PetscCall(PetscLogEventEnd(PNLME_FitIS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
