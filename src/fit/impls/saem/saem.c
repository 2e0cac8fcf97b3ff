/* SAEM (Delyon, Lavielle & Moulines 1999; Kuhn & Lavielle 2005), distributed over subjects.
   Per iteration: Metropolis-Hastings kernels on every local subject's chains (E-step), exact
   reduction of the sufficient statistics across ranks, stochastic approximation, M-step (closed form
   in pop.c, error parameters in errorfit.c), then the likelihood step of the parameters without
   random effect or, after annealing, the interweaving step (noncentred.c); the exploration ends when
   the complete-data log-likelihood has settled, and the smoothing starts from the exploration's mean
   variance parameters over its last iterations (history.c).  Random streams belong to (subject, chain), every
   sum is exact and every rank runs the same TAO iterations: the iterates are bitwise the same at any
   number of ranks (docs/saem.md). */
#include "fit/fitimpl.h"

/* layout of the statistics vector */
#define STAT_S1(f)   0
#define STAT_S2(f)   ((f)->q * (f)->p)
#define STAT_S3(f)   (STAT_S2(f) + (f)->p * (f)->p) /* residual sums of squares, one per output */
#define STAT_ACC(f)  (STAT_S3(f) + (f)->pop.nout) /* kernel 1: acc, prop; kernel 2: acc[p], prop[p]; kernel 3: acc[p], prop[p] */
#define STAT_CDLL(f) (STAT_ACC(f) + 2 + 4 * (f)->p) /* complete-data log-likelihood (monitoring only) */
#define STAT_V(f)    (STAT_CDLL(f) + 1) /* covariate selection: sum_i Var(z_ik | y_i) (p entries) */
#define STAT_SIZE(f) (STAT_V(f) + (f)->nv)

PETSC_INTERN PetscErrorCode PnlmeFitStatSize(PnlmeFit fit, PetscInt *n)
{
  PetscFunctionBegin;
  *n = STAT_SIZE(fit);
  PetscFunctionReturn(0);
}

/* prediction and conditional log-likelihood at z; a failed solve is a -inf likelihood (rejected), counted */
static inline PetscErrorCode Evaluate(PnlmeFit fit, const PnlmeSubject *s, const PetscReal z[], PetscReal pred[], PetscReal *ll)
{
  PetscBool failed;
  PetscFunctionBeginHot;
  PetscCall(PnlmeFitEvaluate(fit, s, z, pred, ll, &failed));
  if (failed) fit->nfailed++;
  PetscFunctionReturn(0);
}

/* The E-step runs the chains of a block of subjects together: lane l is chain c of subject i0 + l / nc
   (SAEM_LANES lanes at most, whole subjects).  Its work, sized at SetUp_SAEM (no allocation in the
   iterations): proposals, their natural-scale parameters, predictions and likelihoods, one row per
   lane, and each lane's subject, individual mean and cached predictions. */
#define SAEM_LANES 256

typedef struct {
  PetscInt            nlanes; /* capacity: max(SAEM_LANES, nchains) */
  PetscReal          *zp, *phi, *pred, *llp, *lp0, *lp1;
  PetscReal          *lu;     /* log of the uniform of each lane's test, drawn with its proposal */
  PetscReal          *sup, *budget; /* early rejection: the bound of each lane's log-likelihood, its budget */
  PnlmePredictStop    stop;
  PnlmeSolveStatus   *st;
  PetscInt           *bs;   /* kernel 3: block size of each lane */
  PetscInt           *idx;  /* kernel 3: [nlanes x p] the chosen parameters */
  PnlmeSubject       *subj; /* the block's subjects */
  const PnlmeSubject **ls;  /* [nlanes] each lane's subject */
  const PetscReal    **lm;  /* [nlanes] its individual mean */
  PetscReal          **lpred, **lprop; /* [nlanes] its cached predictions, its proposal's */
} PnlmeSAEM;

static PetscReal StopDeficit(void *ctx, const PnlmeSubject *s, PetscInt j0, PetscInt j1, const PetscReal f[]) { return PnlmeErrorDeficit((const PnlmePop *)ctx, s, j0, j1, f); }

/* Early rejection (docs/saem.md): lane l's proposal is rejected when its log-likelihood llp satisfies
   llp + d <= ll[l] + lu[l] (d: its log-prior less the current state's, 0 for independence proposals).
   The log-likelihood is at most sup[l] less the deficits of the observations solved so far
   (PnlmeErrorDeficit), so the solve may stop once those exceed budget = sup - (ll + lu - d), widened by
   a margin far above round-off: the test's outcome is the one of the full solve. */
static inline void LaneBudget(PnlmeFit fit, PetscInt l, PetscReal ll, PetscReal d)
{
  PnlmeSAEM      *w   = (PnlmeSAEM *)fit->impl;
  const PetscReal thr = ll + w->lu[l] - d;
  w->budget[l]        = w->sup[l] - thr + 1e-9 * (1.0 + PetscAbsReal(w->sup[l]) + PetscAbsReal(thr));
  if (isnan(w->budget[l])) w->budget[l] = (PetscReal)INFINITY;
}

/* the proposals zp (rows of p) of the n lanes evaluated together (PnlmeModelPredictMany: each row's
   result is the one it would have alone); a failed solve is a -inf likelihood (rejected), and so is a
   solve stopped by its budget (early rejection) */
static PetscErrorCode EvaluateLanes(PnlmeFit fit, PetscInt n)
{
  PnlmeSAEM *w = (PnlmeSAEM *)fit->impl;
  PetscFunctionBeginHot;
  PnlmeModelTransformToNaturalMany(fit->model, n, w->zp, w->phi);
  PetscCall(PnlmeModelPredictManyStop(fit->model, n, w->ls, w->phi, w->lprop, fit->earlyreject ? &w->stop : NULL, w->st));
  fit->nproposed += n;
  for (PetscInt l = 0; l < n; l++) {
    if (w->st[l] == PNLME_SOLVE_STOPPED) {
      fit->nstopped++;
      w->llp[l] = PETSC_NINFINITY;
    } else if (w->st[l]) {
      fit->nfailed++;
      w->llp[l] = PETSC_NINFINITY;
    } else {
      w->llp[l] = PnlmeErrorLogLik(&fit->pop, w->ls[l], w->lprop[l]);
      if (isnan(w->llp[l])) w->llp[l] = PETSC_NINFINITY;
    }
  }
  PetscFunctionReturn(0);
}

/* the uniform u of lane l's Metropolis-Hastings test, drawn right after its proposal (whether or not it
   is needed: the chain's stream does not depend on the outcome), as its log: log u = -E with E ~ Exp(1),
   drawn as such (a ziggurat, no logarithm; the proposals' normals are the ziggurat's too) */
static inline void DrawTest(PnlmeSAEM *w, PetscInt l, PnlmeRNG *rng) { w->lu[l] = -PnlmeRNGExponential(rng); }

/* Metropolis-Hastings test of lane l's proposal (log acceptance ratio r) and the move */
static inline PetscBool AcceptLane(PnlmeFit fit, PetscInt l, PetscReal r, PetscReal z[], PetscReal *ll)
{
  PnlmeSAEM     *w = (PnlmeSAEM *)fit->impl;
  const PetscInt p = fit->p;
  if (!(r >= 0) && !(w->lu[l] < r)) return PETSC_FALSE; /* r >= 0 always accepts: log u < 0 */
  PetscArraycpy(z, w->zp + l * p, p);
  PetscArraycpy(w->lpred[l], w->lprop[l], w->ls[l]->nobs);
  *ll = w->llp[l];
  return PETSC_TRUE;
}

/* The E-step of n lanes (w->ls, lm, lpred set): the three kernels of saemix/Monolix, nkern[] sweeps of
   each (the phase's: -saem_kernels_explore, -saem_kernels), on every lane in lockstep.  Each chain
   draws from its own stream in the order a chain alone would (the proposal, then the uniform of its
   test), and the proposals of all lanes are evaluated together: every chain's
   trajectory has the bits of one chain after another, whatever shares its block.  z, ll, rng: the
   lanes' rows (consecutive chains of consecutive subjects); cnt: the acceptance counts. */
static PetscErrorCode LanesStep(PnlmeFit fit, PetscInt n, PetscReal z[], PetscReal ll[], PnlmeRNG rng[], PetscReal cnt[], const PetscInt nkern[3])
{
  PnlmeSAEM *w   = (PnlmeSAEM *)fit->impl;
  PnlmePop  *pop = &fit->pop;
  PetscInt   p   = fit->p;
  PetscReal *e   = fit->e;
  PetscFunctionBeginHot;
  if (fit->earlyreject) /* the bound of each lane's log-likelihood under this iteration's error model */
    for (PetscInt l = 0; l < n; l++) w->sup[l] = l > 0 && w->ls[l] == w->ls[l - 1] ? w->sup[l - 1] : PnlmeErrorLogLikSup(pop, w->ls[l]);
  /* kernel 1: independence proposals from the population law N(m, Omega) */
  for (PetscInt r = 0; r < nkern[0]; r++) {
    for (PetscInt l = 0; l < n; l++) {
      const PetscReal *m  = w->lm[l];
      PetscReal       *zp = w->zp + l * p;
      for (PetscInt k = 0; k < p; k++) e[k] = PnlmeRNGZigguratNormal(&rng[l]);
      for (PetscInt k = 0; k < p; k++) {
        PetscReal v = m[k];
        for (PetscInt j = 0; j <= k; j++) v += pop->L[k * p + j] * e[j];
        zp[k] = pop->fixed[k] ? m[k] : v;
      }
      DrawTest(w, l, &rng[l]);
      if (fit->earlyreject) LaneBudget(fit, l, ll[l], 0.0);
    }
    PetscCall(EvaluateLanes(fit, n));
    for (PetscInt l = 0; l < n; l++) {
      cnt[1] += 1;
      if (AcceptLane(fit, l, w->llp[l] - ll[l], z + l * p, &ll[l])) cnt[0] += 1;
    }
  }
  /* the log-prior of each lane's current state (lp0), carried through the random walks: a move takes
     its proposal's (lp1), the value a new evaluation at the same point would give */
  if (nkern[1] > 0 || nkern[2] > 0)
    for (PetscInt l = 0; l < n; l++) w->lp0[l] = PnlmePopLogPrior(pop, z + l * p, w->lm[l]);
  /* kernel 2: component-wise random walk */
  for (PetscInt r = 0; r < nkern[1]; r++) {
    for (PetscInt k = 0; k < p; k++) {
      if (pop->fixed[k]) continue;
      for (PetscInt l = 0; l < n; l++) {
        PetscReal *zp = w->zp + l * p;
        PetscArraycpy(zp, z + l * p, p);
        zp[k] += fit->scale[0][k] * PetscSqrtReal(pop->Omega[k * p + k]) * PnlmeRNGZigguratNormal(&rng[l]);
        w->lp1[l] = PnlmePopLogPrior(pop, zp, w->lm[l]);
        DrawTest(w, l, &rng[l]);
        if (fit->earlyreject) LaneBudget(fit, l, ll[l], w->lp1[l] - w->lp0[l]);
      }
      PetscCall(EvaluateLanes(fit, n));
      for (PetscInt l = 0; l < n; l++) {
        cnt[2 + p + k] += 1;
        if (AcceptLane(fit, l, w->llp[l] + w->lp1[l] - ll[l] - w->lp0[l], z + l * p, &ll[l])) {
          cnt[2 + k] += 1;
          w->lp0[l] = w->lp1[l];
        }
      }
    }
  }
  /* kernel 3: random walk on a random block of parameters */
  for (PetscInt r = 0; r < nkern[2]; r++) {
    const PetscInt nr = p - pop->nfixed;
    for (PetscInt l = 0; l < n; l++) {
      PetscInt  *idx = w->idx + l * p, bs;
      PetscReal *zp  = w->zp + l * p;
      bs        = nr > 1 ? (PetscInt)PnlmeRNGInteger(&rng[l], 2, nr) : 1;
      for (PetscInt k = 0, j = 0; k < p; k++)
        if (!pop->fixed[k]) idx[j++] = k; /* the parameters with a random effect */
      for (PetscInt k = 0; k < bs; k++) { /* partial Fisher-Yates */
        PetscInt j = (PetscInt)PnlmeRNGInteger(&rng[l], k, nr - 1), t = idx[k];
        idx[k] = idx[j];
        idx[j] = t;
      }
      PetscArraycpy(zp, z + l * p, p);
      for (PetscInt k = 0; k < bs; k++) zp[idx[k]] += fit->scale[1][idx[k]] * PetscSqrtReal(pop->Omega[idx[k] * p + idx[k]]) * PnlmeRNGZigguratNormal(&rng[l]);
      w->lp1[l] = PnlmePopLogPrior(pop, zp, w->lm[l]);
      w->bs[l]  = bs;
      DrawTest(w, l, &rng[l]);
      if (fit->earlyreject) LaneBudget(fit, l, ll[l], w->lp1[l] - w->lp0[l]);
    }
    PetscCall(EvaluateLanes(fit, n));
    for (PetscInt l = 0; l < n; l++) {
      const PetscInt *idx = w->idx + l * p;
      for (PetscInt k = 0; k < w->bs[l]; k++) cnt[2 + 3 * p + idx[k]] += 1;
      if (AcceptLane(fit, l, w->llp[l] + w->lp1[l] - ll[l] - w->lp0[l], z + l * p, &ll[l])) {
        for (PetscInt k = 0; k < w->bs[l]; k++) cnt[2 + 2 * p + idx[k]] += 1;
        w->lp0[l] = w->lp1[l];
      }
    }
  }
  PetscFunctionReturn(0);
}

/* conditional moments from the chains (smoothing phase, or the last iteration when K2 = 0) */
static inline void AccumulateMoments(PnlmeFit fit, PetscInt i, const PetscReal z[])
{
  PetscInt   p = fit->p;
  PetscReal *m = fit->cmean + i * p, *C = fit->ccov + i * p * p;
  for (PetscInt k = 0; k < p; k++) {
    m[k] += z[k];
    for (PetscInt l = 0; l < p; l++) C[k * p + l] += z[k] * z[l];
  }
  { /* the same draws on the natural scale, for the conditional means and SDs of the results files */
    PetscReal *nm = fit->nmom + 2 * i * p, *phi = fit->phi;
    PnlmeModelTransformToNatural(fit->model, z, phi, NULL);
    for (PetscInt k = 0; k < p; k++) {
      nm[k] += phi[k];
      nm[p + k] += phi[k] * phi[k];
    }
  }
}

/* covariate selection: each subject's posterior variance of z from moving averages (rate 0.1) of the
   chain-mean of z and z^2 over the iterations, added to v[] */
static inline void PosteriorVariance(PnlmeFit fit, PetscInt i, PetscBool first, PetscReal v[])
{
  PetscInt   p = fit->p, nc = fit->nchains;
  PetscReal *m = fit->vema + 2 * i * p, r = first ? 1.0 : 0.1;
  for (PetscInt k = 0; k < p; k++) {
    PetscReal z1 = 0, z2 = 0;
    for (PetscInt c = 0; c < nc; c++) {
      PetscReal z = fit->z[(i * nc + c) * p + k];
      z1 += z / nc;
      z2 += z * z / nc;
    }
    m[k] += r * (z1 - m[k]);
    m[p + k] += r * (z2 - m[p + k]);
    v[k] += PetscMax(0.0, m[p + k] - m[k] * m[k]);
  }
}

/* the random effect of parameter k removed at its boundary (boundary.c): every chain moves to the
   individual mean in that component and is evaluated there */
static PetscErrorCode DropChains(PnlmeFit fit, PetscInt k)
{
  PnlmeSubject s;
  PetscInt     p = fit->p, nc = fit->nchains;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    PnlmePopMean(&fit->pop, fit->x + i * fit->q, fit->mi + i * p);
    for (PetscInt c = 0; c < nc; c++) {
      PetscReal *z = fit->z + (i * nc + c) * p;
      z[k]         = fit->mi[i * p + k];
      PetscCall(Evaluate(fit, &s, z, fit->pred + fit->predoff[i] * nc + c * s.nobs, &fit->ll[i * nc + c]));
    }
  }
  PetscFunctionReturn(0);
}

/* individual means and (withll) the chains' cached likelihoods after the population parameters changed;
   not the likelihoods before the chains were ever evaluated (their predictions are not set yet) */
static PetscErrorCode Refresh(PnlmeFit fit, PetscBool withll)
{
  PnlmeSubject s;
  PetscInt     nc = fit->nchains;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    PnlmePopMean(&fit->pop, fit->x + i * fit->q, fit->mi + i * fit->p);
    for (PetscInt c = 0; c < nc && withll; c++) {
      PetscReal *pr = fit->pred + fit->predoff[i] * nc + c * s.nobs;
      if (fit->ll[i * nc + c] > PETSC_NINFINITY) fit->ll[i * nc + c] = PnlmeErrorLogLik(&fit->pop, &s, pr);
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_SAEM(PnlmeFit fit)
{
  PetscInt     p = fit->p, q = fit->q, nc = fit->nchains, ns = STAT_SIZE(fit), K = fit->K1 + fit->K2;
  PnlmeSubject s;
  PetscReal   *cnt;
  PetscLogDouble t0, t1;
  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscCalloc1(ns, &cnt));
  /* -restart: the state after the checkpoint's iteration istart (Refresh recomputes mi and ll) */
  if (fit->restart[0]) PetscCall(PnlmeFitCheckpointRead(fit));
  if (fit->pop.nfixed) PetscCall(PnlmeFitSetUp_NC(fit)); /* random effects removed before the checkpoint */
  /* chains start at the individual means (evaluated below); a restart's come from the checkpoint */
  PetscCall(Refresh(fit, (PetscBool)(fit->istart > 0)));
  if (!fit->istart) PetscCall(PnlmeFitCheckStart(fit));
  for (PetscInt i = 0; i < fit->nlocal && !fit->istart; i++) {
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    for (PetscInt c = 0; c < nc; c++) {
      PetscReal *z = fit->z + (i * nc + c) * p;
      PetscCall(PetscArraycpy(z, fit->mi + i * p, p));
      PetscCall(Evaluate(fit, &s, z, fit->pred + fit->predoff[i] * nc + c * s.nobs, &fit->ll[i * nc + c]));
    }
  }
  K = fit->K1 + fit->K2; /* a restart may have read the effective K1 */
  for (PetscInt iter = fit->istart; iter < K; iter++) {
    PetscReal gamma = iter < fit->K1 ? 1.0 : 1.0 / (PetscReal)(iter + 1 - fit->K1);
    PetscReal omega_old[64];
    const PetscInt *nkern = iter < fit->K1 ? fit->nkernx : fit->nkern; /* the sweeps of this phase */
    /* E-step */
    const PetscInt64 nprop0 = fit->nproposed;
    PetscCall(PetscLogEventBegin(PNLME_EStep, 0, 0, 0, 0));
    PnlmeExactSumReset(fit->acc, ns);
    for (PetscInt i0 = 0, i1; i0 < fit->nlocal; i0 = i1) {
      PnlmeSAEM *w = (PnlmeSAEM *)fit->impl;
      /* the block's lanes: whole subjects, their chains */
      i1 = PetscMin(fit->nlocal, i0 + PetscMax(1, w->nlanes / nc));
      for (PetscInt i = i0; i < i1; i++) {
        PnlmeSubject *si = &w->subj[i - i0];
        PetscCall(PnlmeDataGetSubject(fit->data, i, si));
        for (PetscInt c = 0; c < nc; c++) {
          const PetscInt l = (i - i0) * nc + c;
          w->ls[l]         = si;
          w->lm[l]         = fit->mi + i * p;
          w->lpred[l]      = fit->pred + fit->predoff[i] * nc + c * si->nobs;
        }
      }
      PetscCall(PetscArrayzero(cnt, ns));
      PetscCall(PnlmeModelHoldSubjects(fit->model, PETSC_TRUE)); /* w->subj stays the block's until released */
      PetscCall(LanesStep(fit, (i1 - i0) * nc, fit->z + i0 * nc * p, fit->ll + i0 * nc, fit->rng + i0 * nc, cnt + STAT_ACC(fit), nkern));
      PetscCall(PnlmeModelHoldSubjects(fit->model, PETSC_FALSE));
      /* acceptance counts: integers, so one exact addition for the block is the sum of the subjects' */
      for (PetscInt j = STAT_ACC(fit); j < STAT_CDLL(fit); j++) PnlmeExactSumAdd(&fit->acc[j], cnt[j]);
      for (PetscInt i = i0; i < i1; i++) {
        const PetscReal *x = fit->x + i * q, *m = fit->mi + i * p;
        const PnlmeSubject *si = &w->subj[i - i0];
        PetscCall(PetscArrayzero(cnt, ns));
        for (PetscInt c = 0; c < nc; c++) {
          PetscReal *z = fit->z + (i * nc + c) * p, *pr = fit->pred + fit->predoff[i] * nc + c * si->nobs;
          /* sufficient statistics of the complete-data model, averaged over chains */
          for (PetscInt k = 0; k < p; k++) {
            for (PetscInt a = 0; a < q; a++) cnt[STAT_S1(fit) + a * p + k] += x[a] * z[k] / nc;
            for (PetscInt l = 0; l < p; l++) cnt[STAT_S2(fit) + k * p + l] += z[k] * z[l] / nc;
          }
          for (PetscInt k = 0; k < fit->pop.nout; k++) cnt[STAT_S3(fit) + k] += PnlmeErrorResidualSS(&fit->pop, k, si, pr) / nc;
          cnt[STAT_CDLL(fit)] += (fit->ll[i * nc + c] + PnlmePopLogPrior(&fit->pop, z, m)) / nc;
          if (iter >= fit->K1 || iter == K - 1) AccumulateMoments(fit, i, z);
          if (fit->mix && iter >= fit->K1) PnlmeFitMixingAccumulate(fit, i * nc + c, z);
        }
        if (fit->nv) PosteriorVariance(fit, i, iter == fit->istart, cnt + STAT_V(fit));
        for (PetscInt j = 0; j < ns; j++)
          if (j < STAT_ACC(fit) || j >= STAT_CDLL(fit)) PnlmeExactSumAdd(&fit->acc[j], cnt[j]);
      }
    }
    PetscCall(PetscLogEventEnd(PNLME_EStep, 0, 0, 0, 0));
    if (fit->mix && iter >= fit->K1) PnlmeFitMixingNext(fit, fit->nproposed - nprop0);
    /* reduction: exact, so the result does not depend on the partition */
    PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), ns, fit->acc));
    for (PetscInt j = 0; j < ns; j++) fit->s[j] = PnlmeExactSumValue(&fit->acc[j]);
    fit->cdll[iter] = fit->s[STAT_CDLL(fit)] - 0.5 * (PetscReal)fit->N * fit->pop.logdet - 0.5 * (PetscReal)(fit->Ntot - fit->ncens) * PetscLogReal(2 * PETSC_PI);
    /* stochastic approximation */
    for (PetscInt j = 0; j < STAT_ACC(fit); j++) fit->S[j] = iter == 0 ? fit->s[j] : fit->S[j] + gamma * (fit->s[j] - fit->S[j]);
    /* M-step */
    PetscCall(PetscLogEventBegin(PNLME_MStep, 0, 0, 0, 0));
    for (PetscInt k = 0; k < p; k++) omega_old[k] = fit->pop.Omega[k * p + k];
    PnlmePopSelectRamp(&fit->pop, iter, fit->saiter); /* covariate selection: the penalty's ramp */
    /* the Louis support criterion from the 20th smoothing iteration on: its Newton extrapolation
       would amplify the Monte-Carlo noise of less averaged statistics */
    if (fit->nv) PnlmePopSelectSetShrinkage(&fit->pop, fit->N, gamma <= 0.05 ? fit->s + STAT_V(fit) : NULL);
    PetscCall(PnlmePopMStep(&fit->pop, fit->N, fit->G, fit->S + STAT_S1(fit), fit->S + STAT_S2(fit)));
    if (iter < fit->saiter) /* simulated annealing: variances shrink at most by safactor per iteration */
      for (PetscInt k = 0; k < p; k++)
        if (!fit->pop.fixed[k]) fit->pop.Omega[k * p + k] = PetscMax(fit->pop.Omega[k * p + k], fit->safactor * omega_old[k]);
    PetscCall(PnlmeFitErrorMStep(fit, iter, gamma, fit->S + STAT_S3(fit)));
    PetscCall(PnlmeFitBoundary(fit, iter, DropChains)); /* variances at their boundary: the random effect goes */
    PetscCall(PnlmePopFactor(&fit->pop));
    PetscCall(Refresh(fit, PETSC_TRUE));
    PetscCall(PetscLogEventEnd(PNLME_MStep, 0, 0, 0, 0));
    /* adaptive random-walk scales aiming at 40% acceptance (global rates: rank-independent) */
    for (PetscInt k = 0; k < p; k++) {
      const PetscReal *acc = fit->s + STAT_ACC(fit);
      if (acc[2 + p + k] > 0) fit->scale[0][k] *= 1.0 + 0.4 * (acc[2 + k] / acc[2 + p + k] - 0.4);
      if (acc[2 + 3 * p + k] > 0) fit->scale[1][k] *= 1.0 + 0.4 * (acc[2 + 2 * p + k] / acc[2 + 3 * p + k] - 0.4);
    }
    if (fit->ncevery > 0 && iter >= fit->saiter && (iter < fit->K1 || fit->ncsmooth) && (iter + 1) % fit->ncevery == 0) {
      const PetscBool smooth = (PetscBool)(iter >= fit->K1); /* the averaged statistics move with the chains */
      PetscCall(PnlmeFitNonCentredStep(fit, gamma, smooth ? fit->S + STAT_S1(fit) : NULL, smooth ? fit->S + STAT_S2(fit) : NULL));
    }
    else if (fit->pop.nfixed) PetscCall(PnlmeFitFixedEffectsStep(fit, gamma)); /* the parameters without random effect */
    PnlmeFitRecordIterate(fit, iter);
    if (fit->autostop && iter < fit->K1 && PnlmeFitSettled(fit, iter)) {
      fit->K1 = iter + 1;
      K       = fit->K1 + fit->K2;
      if (fit->printevery > 0) PetscCall(PetscPrintf(PetscObjectComm((PetscObject)fit), "SAEM: estimates settled after %" PetscInt_FMT " exploration iterations; %" PetscInt_FMT " smoothing iterations follow\n", fit->K1, fit->K2));
    }
    if (iter == fit->K1 - 1) { /* the smoothing starts from the exploration's mean variance parameters (history.c) */
      PetscBool set;
      PetscCall(PnlmeFitExplorationAverage(fit, iter, &set));
      if (set) PetscCall(Refresh(fit, PETSC_TRUE));
    }
    PetscCall(PnlmeFitRecordHistory(fit, iter));
    PetscCall(PnlmeFitPrintProgress(fit, "SAEM", iter, K, "-2LLc", -2 * fit->cdll[iter]));
    if (fit->ckevery > 0 && (iter + 1) % fit->ckevery == 0) PetscCall(PnlmeFitCheckpointWrite(fit)); /* the state after iteration iter */
  }
  PetscCall(PetscFree(cnt));
  if (fit->mix) PetscCall(PnlmeFitMixingFinish(fit));
  /* finalise the conditional means and covariances */
  fit->ncm = (fit->K2 > 0 ? fit->K2 : 1) * nc;
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscReal *m = fit->cmean + i * p, *C = fit->ccov + i * p * p;
    for (PetscInt k = 0; k < p; k++) m[k] /= fit->ncm;
    for (PetscInt k = 0; k < p; k++)
      for (PetscInt l = 0; l < p; l++) C[k * p + l] = C[k * p + l] / fit->ncm - m[k] * m[l];
  }
  PetscCall(PetscTime(&t1));
  fit->walltime = t1 - t0;
  PetscFunctionReturn(0);
}

/* the E-step's lanes; with covariate selection (the Louis correction), moving averages of the chains'
   moments */
static PetscErrorCode SetUp_SAEM(PnlmeFit fit)
{
  PnlmeSAEM *w;
  PetscInt   nl = PetscMax(SAEM_LANES, fit->nchains), p = fit->p;
  PetscFunctionBegin;
  if (fit->nv) PetscCall(PetscCalloc1(fit->nlocal * 2 * fit->p, &fit->vema));
  PetscCall(PetscNew(&w));
  w->nlanes = nl;
  PetscCall(PetscMalloc6(nl * p, &w->zp, nl * p, &w->phi, nl * PetscMax(1, fit->maxobs), &w->pred, nl, &w->llp, nl, &w->lp0, nl, &w->lp1));
  PetscCall(PetscMalloc3(nl, &w->st, nl, &w->bs, nl * p, &w->idx));
  PetscCall(PetscMalloc5(nl, &w->subj, nl, &w->ls, nl, &w->lm, nl, &w->lpred, nl, &w->lprop));
  PetscCall(PetscMalloc3(nl, &w->lu, nl, &w->sup, nl, &w->budget));
  for (PetscInt l = 0; l < nl; l++) w->lprop[l] = w->pred + l * PetscMax(1, fit->maxobs);
  w->stop.budget  = w->budget;
  w->stop.deficit = StopDeficit;
  w->stop.ctx     = &fit->pop;
  fit->impl = w;
  PetscCall(PnlmeFitMixingSetUp(fit));
  PetscCall(PnlmeFitIteratesSetUp(fit));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_SAEM(PnlmeFit fit)
{
  PnlmeSAEM *w = (PnlmeSAEM *)fit->impl;
  PetscFunctionBegin;
  PetscCall(PnlmeFitMixingDestroy(fit));
  if (!w) PetscFunctionReturn(0);
  PetscCall(PetscFree6(w->zp, w->phi, w->pred, w->llp, w->lp0, w->lp1));
  PetscCall(PetscFree3(w->st, w->bs, w->idx));
  PetscCall(PetscFree5(w->subj, w->ls, w->lm, w->lpred, w->lprop));
  PetscCall(PetscFree3(w->lu, w->sup, w->budget));
  PetscCall(PetscFree(fit->impl));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_SAEM(PnlmeFit fit, PetscViewer v, const char errdesc[])
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "SAEM: %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " observations, %" PetscInt_FMT " chains per subject, %" PetscInt_FMT " iterations (K1 %" PetscInt_FMT ", K2 %" PetscInt_FMT "), error model %s\n", fit->N, fit->Ntot, fit->nchains, fit->niter, fit->K1, fit->K2, errdesc));
  PetscCall(PetscViewerASCIIPrintf(v, "  kernel sweeps (independence, component-wise, block): %" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT " exploring, %" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT " smoothing\n", fit->nkernx[0], fit->nkernx[1], fit->nkernx[2], fit->nkern[0], fit->nkern[1], fit->nkern[2]));
  /* the communication of an iteration: one MPI_Allreduce of the exact sums (docs: scaling) */
  PetscCall(PetscViewerASCIIPrintf(v, "  per iteration: one exact reduction of %" PetscInt_FMT " statistics (%" PetscInt_FMT " bytes)\n", fit->nstat, fit->nstat * (PetscInt)((PNLME_EXACTSUM_LIMBS + 1) * sizeof(int64_t))));
  PetscCall(PnlmeFitMixingView(fit, v));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitCreate_SAEM(PnlmeFit fit)
{
  PetscFunctionBegin;
  fit->label       = "SAEM";
  fit->failword    = "rejected";
  fit->mcsolves = PETSC_TRUE;
  fit->stage       = PNLME_StageSAEM;
  fit->ops->setfromoptions = PnlmeFitSetFromOptions_SAEM;
  fit->ops->setup  = SetUp_SAEM;
  fit->ops->solve  = Solve_SAEM;
  fit->ops->view   = View_SAEM;
  fit->ops->destroy = Destroy_SAEM;
  PetscFunctionReturn(0);
}
