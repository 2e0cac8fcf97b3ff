/* Variational EM (-estimator vem, docs/vem.md), distributed over subjects like SAEM.
   Every subject has a Gaussian q_i = N(m_i, L_i L_i^T) on its transformed parameters (full L, or
   diagonal with -vem_cov diagonal).  One iteration:
   1. E-step, local: a few Gauss-Newton steps on the subject's term of the ELBO,
        E_q[log p(y_i | z)] - beta KL(q_i || N(B^T x_i, Omega)),
      over S standard-normal draws e_s (antithetic pairs, drawn afresh every iteration from the
      subject's stream keyed by the iteration), z_s = m + L e_s.  With g = mean_s d log p / dz and
      H = mean_s J^T W J (J = d pred / d z from the model's sensitivities, W the Fisher weights of the
      error model), P = H + beta Omega^-1:  m <- m + P^-1 (g - beta Omega^-1 (m - mu)) (within a trust
      region), L L^T <- P^-1 (diagonal: 1 / diag P).  A step that lowers the objective (same draws)
      is halved back.  A draw whose solve fails is dropped and counted.
   2. Statistics at the evaluated q: S1 = sum x_i m_i^T, S2 = sum (m_i m_i^T + L_i L_i^T),
      S3 = sum E_q[RSS_i], and the ELBO, in exact sums (rank-independent).
   3. Stochastic approximation (gamma 1 during the exploration, 1/(k - K1) after), M-step as SAEM
      (pop.c, errorfit.c; the other error models see the draws' predictions as chains), annealing of
      Omega and of the KL weight beta over the burn-in, then the non-centred step of noncentred.c with
      the draws as chains (the means m_i move with B: the KL term is unchanged, the expected
      likelihood goes up).
   Random numbers depend on (seed, global subject index, iteration) only, sums are exact and every
   rank runs the same M-step: iterates are bitwise the same at any number of ranks. */
#include "fit/fitimpl.h"
#include <petscblaslapack.h>

/* variational EM (docs/vem.md): per local subject q_i = N(m_i, L_i L_i^T), and the work of the
   E-step, sized at SetUp; the type's data (fit->impl) */
typedef struct {
  PetscInt   ndraws, nsteps0;     /* standard-normal draws per subject (antithetic pairs), Gauss-Newton steps per iteration */
  PetscBool  diag;                /* -vem_cov diagonal: mean-field q */
  PetscReal  beta0;               /* KL weight at the first iteration, raised linearly to 1 over the burn-in */
  PetscReal  trust;               /* largest step of a mean, in prior SDs */
  PetscInt   ndraws_mom;          /* draws of q per subject for the natural-scale moments of the results */
  PetscReal *m, *L;               /* [nlocal x p], [nlocal x p x p] (lower; rows and columns of parameters without random effect are 0) */
  PetscReal *rss;                 /* [nlocal x (nout + 1)] E_q of the residual sums of squares and the ELBO term at the last evaluation (used if every draw fails) */
  PetscReal *P, *C;               /* [p x p] x 2: precision, its inverse */
  PetscReal *w;                   /* [maxobs] Fisher weights */
  PetscReal *mold;                /* [nlocal x p] individual means before a non-centred step */
  PetscInt64 nsubjfail;           /* subject updates skipped because every draw failed (local) */
  PetscInt64 nrestart;            /* q restarted at the population mean (global, summed over iterations) */
  /* the E-step's block of up to bsub subjects in lockstep (BlockEStep), from local subject i0 */
  PetscInt      bsub, i0;
  PnlmeSubject *bs;                                  /* [bsub] */
  PetscInt     *nsteps, *acc, *pass, *nok, *first;   /* [bsub] steps to take, accepted, passes, draws that succeeded, the first of them */
  PetscBool    *active, *restart;                    /* [bsub] */
  PetscReal    *objprev, *elboacc, *sll;             /* [bsub] objective and ELBO term of the last accepted pass, the pass's sum of log-likelihoods */
  PetscReal    *srss, *rssacc;                       /* [bsub x nout] the pass's sums of RSS, the last accepted pass's means */
  PetscReal    *m0, *L0, *g, *H;                     /* [bsub x p], [bsub x p x p]: q of the last accepted pass; mean gradient, mean Gauss-Newton matrix */
  PetscReal    *e, *lj;                              /* [bsub x ndraws x p] the draws; [2 bsub] the restart test's log joints */
  /* the parameter sets of one model call (up to nsetmax): set l is draw lc[l] of block subject lb[l] */
  PetscInt             nsetmax, mo;                  /* mo: max(1, maxobs) */
  const PnlmeSubject **ls;
  PetscReal          **lpred, **lsens, *phib, *dphi, *sbuf; /* [nsetmax x p] natural parameters and d phi / dz; [nsetmax x mo x p] sensitivities */
  PetscInt            *lb, *lc;
  PnlmeSolveStatus    *st;
} PnlmeVEM;


/* layout of the statistics vector (a prefix of SAEM's, which sizes it) */
#define VS1(f)   0
#define VS2(f)   ((f)->q * (f)->p)
#define VS3(f)   (VS2(f) + (f)->p * (f)->p) /* residual sums of squares, one per output */
#define VELBO(f) (VS3(f) + (f)->pop.nout)
#define VFAIL(f) (VELBO(f) + 1) /* subjects whose every draw failed (monitoring) */
#define VRST(f)  (VFAIL(f) + 1) /* subjects whose q restarted at the population mean (monitoring) */
#define VV(f)    (VRST(f) + 1)  /* covariate selection: sum_i (L_i L_i^T)_kk, the variances of q (p entries) */
#define VSIZE(f) (VV(f) + (f)->nv)

#define VEM_SUBSTREAM(iter) (((uint64_t)3 << 32) + (uint64_t)(iter))
#define VEM_SUBSTREAM_MOMENTS ((uint64_t)4 << 32)

static const char *const VEMCovNames[] = {"full", "diagonal", NULL};
static const PnlmeOption VEMOptions[] = {
  {"-vem_draws", PNLME_OPT_INT, "6", "[2, 100000]", NULL, "Standard-normal draws per subject and iteration (antithetic pairs)"},
  {"-vem_steps", PNLME_OPT_INT, "2", "[1, 1000]", NULL, "Gauss-Newton steps of each subject's q per iteration"},
  {"-vem_cov", PNLME_OPT_ENUM, "full", NULL, VEMCovNames, "Covariance of the variational posteriors"},
  {"-vem_k1", PNLME_OPT_INT, "50", "[1, 1000000]", NULL, "VEM exploration iterations (minimum with -vem_auto)"},
  {"-vem_k2", PNLME_OPT_INT, "50", "[0, 1000000]", NULL, "VEM smoothing iterations (step 1/(k-K1))"},
  {"-vem_auto", PNLME_OPT_BOOL, "true", NULL, NULL, "End the exploration when the ELBO has settled"},
  {"-vem_k1_max", PNLME_OPT_INT, "500", "[1, 1000000]", NULL, "Longest exploration with -vem_auto"},
  {"-vem_auto_window", PNLME_OPT_INT, "40", "[10, 100000]", NULL, "Window (iterations) of the settling test of the ELBO"},
  {"-vem_auto_tol", PNLME_OPT_REAL, "0.5", "(0, inf)", NULL, "Settled: the half-window means of the ELBO differ by less than this many window SDs"},
  {"-vem_burnin", PNLME_OPT_INT, "K1/2", "[0, 1000000]", NULL, "Burn-in iterations: KL weight raised to 1, Omega and a shrink at most by -saem_sa_factor"},
  {"-vem_kl_start", PNLME_OPT_REAL, "1", "(0, 1]", NULL, "KL weight at the first iteration, moved linearly to 1 over the burn-in (1: no KL annealing)"},
  {"-vem_trust", PNLME_OPT_REAL, "2", "(0, inf)", NULL, "Largest step of a variational mean, in prior SDs"},
  {"-vem_nc_draws", PNLME_OPT_INT, "2", "[0, 100000]", NULL, "Draws per subject in the non-centred step (0: all)"},
  {"-vem_moment_draws", PNLME_OPT_INT, "500", "[1, 10000000]", NULL, "Draws of q per subject for the natural-scale means and SDs of the results"},
};

PetscErrorCode PnlmeFitRegisterOptions_VEM(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("vem", "Variational EM estimator, -estimator vem (docs/vem.md)", NULL, PETSC_STATIC_ARRAY_LENGTH(VEMOptions), VEMOptions));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_VEM(PnlmeFit fit)
{
  PnlmeVEM   *v   = (PnlmeVEM *)fit->impl;
  PetscObject obj = (PetscObject)fit;
  PetscInt    cov = 0, K1 = 50, K2 = 50, K1max = 500, win = 40, burn = PETSC_DECIDE;
  PetscReal   tol = 0.5;
  PetscBool   autostop = PETSC_TRUE;
  MPI_Comm    comm     = PetscObjectComm(obj);
  PetscFunctionBegin;
  v->ndraws     = 6;
  v->nsteps0    = 2;
  v->beta0      = 1.0;
  v->trust      = 2.0;
  v->ndraws_mom = 500;
  fit->ncuse    = 2; /* one antithetic pair */
  PetscCall(PnlmeFitSetFromOptions_EM(fit));
  PetscCall(PnlmeOptionsGetInt(obj, "-vem_draws", &v->ndraws, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vem_steps", &v->nsteps0, NULL));
  PetscCall(PnlmeOptionsGetEnum(obj, "-vem_cov", &cov, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vem_k1", &K1, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vem_k2", &K2, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-vem_auto", &autostop, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vem_k1_max", &K1max, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vem_auto_window", &win, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-vem_auto_tol", &tol, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vem_burnin", &burn, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-vem_kl_start", &v->beta0, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-vem_trust", &v->trust, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vem_nc_draws", &fit->ncuse, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vem_moment_draws", &v->ndraws_mom, NULL));
  PetscCheck(!autostop || K1max >= K1, comm, PETSC_ERR_USER, "option -vem_k1_max %" PetscInt_FMT " is below -vem_k1 %" PetscInt_FMT, K1max, K1);
  v->diag       = (PetscBool)(cov == 1);
  fit->K1       = K1;
  fit->K2       = K2;
  fit->autostop = autostop;
  fit->K1max    = K1max;
  fit->autowin  = win;
  fit->autotol  = tol;
  fit->saiter   = burn;
  fit->nchains  = v->ndraws; /* the draws play the chains for the error M-step, the non-centred step and checkpoints */
  PetscFunctionReturn(0);
}

#define VEM_BLOCK 32        /* subjects of the E-step in lockstep */
#define VEM_SETS  256       /* parameter sets per model call (the SAEM blocks' lanes) */
#define VEM_SENS  (1 << 21) /* at most this many sensitivity entries per call (16 MB) */

static PetscErrorCode SetUp_VEM(PnlmeFit fit)
{
  PnlmeVEM *v = (PnlmeVEM *)fit->impl;
  PetscInt  p = fit->p, nl = fit->nlocal, S = v->ndraws, no = fit->pop.nout, bs;
  PetscFunctionBegin;
  PetscCheck(VSIZE(fit) <= fit->nstat, PETSC_COMM_SELF, PETSC_ERR_PLIB, "VEM statistics do not fit");
  PetscCall(PetscCalloc4(nl * p, &v->m, nl * p * p, &v->L, (no + 1) * nl + 1, &v->rss, nl * p + 1, &v->mold));
  PetscCall(PetscMalloc3(p * p, &v->P, p * p, &v->C, PetscMax(1, fit->maxobs), &v->w));
  v->mo      = PetscMax(1, fit->maxobs);
  v->bsub    = bs = PetscMax(1, PetscMin(VEM_BLOCK, VEM_SETS / S));
  v->nsetmax = PetscMax(1, PetscMin(PetscMin(VEM_SETS, bs * S), VEM_SENS / (v->mo * p)));
  PetscCall(PetscMalloc7(bs, &v->bs, bs, &v->nsteps, bs, &v->acc, bs, &v->pass, bs, &v->nok, bs, &v->first, bs, &v->active));
  PetscCall(PetscMalloc4(bs, &v->restart, bs, &v->objprev, bs, &v->elboacc, bs, &v->sll));
  PetscCall(PetscMalloc6(bs * no + 1, &v->srss, bs * no + 1, &v->rssacc, bs * p, &v->m0, bs * p * p, &v->L0, bs * p, &v->g, bs * p * p, &v->H));
  PetscCall(PetscMalloc2(bs * S * p, &v->e, 2 * bs, &v->lj));
  PetscCall(PetscMalloc7(v->nsetmax, &v->ls, v->nsetmax, &v->lpred, v->nsetmax, &v->lsens, v->nsetmax * p, &v->phib, v->nsetmax * p, &v->dphi, v->nsetmax * v->mo * p, &v->sbuf, v->nsetmax, &v->lb));
  PetscCall(PetscMalloc2(v->nsetmax, &v->lc, v->nsetmax, &v->st));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_VEM(PnlmeFit fit)
{
  PnlmeVEM *v = (PnlmeVEM *)fit->impl;
  PetscFunctionBegin;
  PetscCall(PetscFree4(v->m, v->L, v->rss, v->mold));
  PetscCall(PetscFree3(v->P, v->C, v->w));
  PetscCall(PetscFree7(v->bs, v->nsteps, v->acc, v->pass, v->nok, v->first, v->active));
  PetscCall(PetscFree4(v->restart, v->objprev, v->elboacc, v->sll));
  PetscCall(PetscFree6(v->srss, v->rssacc, v->m0, v->L0, v->g, v->H));
  PetscCall(PetscFree2(v->e, v->lj));
  PetscCall(PetscFree7(v->ls, v->lpred, v->lsens, v->phib, v->dphi, v->sbuf, v->lb));
  PetscCall(PetscFree2(v->lc, v->st));
  PetscCall(PetscFree(fit->impl));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_VEM(PnlmeFit fit, PetscViewer viewer, const char errdesc[])
{
  PnlmeVEM *v = (PnlmeVEM *)fit->impl;
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "VEM: %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " observations, %s q, %" PetscInt_FMT " draws and %" PetscInt_FMT " Gauss-Newton steps per subject and iteration, %" PetscInt_FMT " iterations (K1 %" PetscInt_FMT ", K2 %" PetscInt_FMT "), error model %s\n", fit->N, fit->Ntot, v->diag ? "diagonal" : "full-covariance", v->ndraws, v->nsteps0, fit->niter, fit->K1, fit->K2, errdesc));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  ELBO at the last iteration %.3f (-2 ELBO %.3f)\n", (double)fit->cdll[fit->niter - 1], (double)(-2 * fit->cdll[fit->niter - 1])));
  if (v->nrestart) PetscCall(PetscViewerASCIIPrintf(viewer, "  q restarted at the population mean (a better point than its own mean: another mode) %" PetscInt64_FMT " times\n", v->nrestart));
  PetscFunctionReturn(0);
}

/* what determines the VEM iterations besides the common items of a checkpoint */
static PetscErrorCode Fingerprint_VEM(PnlmeFit fit, char buf[], size_t len)
{
  PnlmeVEM *v = (PnlmeVEM *)fit->impl;
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "draws %" PetscInt_FMT ", steps %" PetscInt_FMT ", nc_draws %" PetscInt_FMT ", cov %s, kl_start %a, trust %a", v->ndraws, v->nsteps0, fit->ncuse, v->diag ? "diagonal" : "full", (double)v->beta0, (double)v->trust));
  PetscFunctionReturn(0);
}

/* the variational posteriors and each subject's last expected RSS and ELBO term */
static PetscErrorCode Checkpoint_VEM(PnlmeFit fit, PnlmeCkIO *io)
{
  PnlmeVEM *v   = (PnlmeVEM *)fit->impl;
  PetscInt  p   = fit->p, pp[2] = {fit->p, fit->p}, nrss = fit->pop.nout + 1; /* the residual sums of squares of the outputs and the ELBO term */
  PetscFunctionBegin;
  PetscCall(io->rows(io->ctx, "m", 1, &p, v->m, PETSC_TRUE));
  PetscCall(io->rows(io->ctx, "L", 2, pp, v->L, PETSC_TRUE));
  PetscCall(io->rows(io->ctx, "rss_elbo", 1, &nrss, v->rss, PETSC_FALSE));
  PetscFunctionReturn(0);
}

/* the censored observations of subject s (their likelihood terms have no 2 pi constant) */
static inline PetscInt CensoredCount(const PnlmePop *pop, const PnlmeSubject *s)
{
  PetscInt n = 0;
  if (pop->censored && s->cens)
    for (PetscInt j = 0; j < s->nobs; j++) n += s->cens[j] != 0;
  return n;
}

/* KL(N(m, L L^T) || N(mu, Omega)) over the parameters with a random effect */
static PetscReal KL(const PnlmePop *pop, const PetscReal m[], const PetscReal L[], const PetscReal mu[])
{
  PetscInt  p = pop->p, nr = 0;
  PetscReal tr = 0, quad = 0, ld = 0;
  for (PetscInt k = 0; k < p; k++) {
    if (pop->fixed[k]) continue;
    nr++;
    ld += 2 * PetscLogReal(L[k * p + k]);
    for (PetscInt l = 0; l < p; l++) {
      PetscReal Skl = 0;
      if (pop->fixed[l]) continue;
      quad += (m[k] - mu[k]) * pop->Oinv[k * p + l] * (m[l] - mu[l]);
      for (PetscInt j = 0; j <= PetscMin(k, l); j++) Skl += L[k * p + j] * L[l * p + j];
      tr += pop->Oinv[l * p + k] * Skl;
    }
  }
  return 0.5 * (tr + quad - nr + pop->logdet - ld);
}

/* The E-step runs the subjects of a rank in blocks of up to v->bsub, in lockstep: every round the
   evaluations the block's subjects ask for (the restart test's two points, then each subject's pass
   over its draws) go to the model together, in calls of up to v->nsetmax parameter sets
   (PnlmeModelPredictMany / PnlmeModelPredictManySens: dopri5's SIMD lanes, each set with the bits it
   has alone), and each subject then takes its Gauss-Newton step or halves it back on its own, with the
   arithmetic of one subject at a time in the same order: the same q, statistics and ELBO to the bit
   (test vem_lanes_identity).  Work sized at SetUp: no allocation in the iterations. */

/* the start of subject b's pass at its q: the accumulators of the means over its draws */
static void PassBegin(PnlmeVEM *v, PetscInt b, PetscInt p, PetscInt nout)
{
  v->nok[b]   = 0;
  v->first[b] = -1;
  v->sll[b]   = 0;
  for (PetscInt k = 0; k < nout; k++) v->srss[b * nout + k] = 0;
  for (PetscInt k = 0; k < p; k++) v->g[b * p + k] = 0;
  for (PetscInt k = 0; k < p * p; k++) v->H[b * p * p + k] = 0;
}

/* draw c of block subject b at q = (m, L): z into its chain slot of fit->z, set l of the next call */
static void DrawSet(PnlmeFit fit, PetscInt b, PetscInt c, PetscInt l)
{
  PnlmeVEM        *v = (PnlmeVEM *)fit->impl;
  PetscInt         p = fit->p, S = v->ndraws, i = v->i0 + b;
  const PetscReal *m = v->m + i * p, *L = v->L + i * p * p, *mu = fit->mi + i * p, *e = v->e + (b * S + c) * p;
  PetscReal       *z = fit->z + (i * S + c) * p;
  for (PetscInt k = 0; k < p; k++) {
    PetscReal val = m[k];
    for (PetscInt l2 = 0; l2 <= k; l2++) val += L[k * p + l2] * e[l2];
    z[k] = fit->pop.fixed[k] ? mu[k] : val;
  }
  PnlmeModelTransformToNatural(fit->model, z, v->phib + l * p, v->dphi + l * p);
  v->ls[l]    = &v->bs[b];
  v->lpred[l] = fit->pred + fit->predoff[i] * S + c * v->bs[b].nobs;
  v->lsens[l] = v->sbuf + l * v->mo * p;
  v->lb[l]    = b;
  v->lc[l]    = c;
}

/* the solved draw of set l into its subject's accumulators: likelihood, gradient and Gauss-Newton
   matrix (a draw whose solve fails is dropped and counted) */
static void DrawAccumulate(PnlmeFit fit, PetscInt l)
{
  PnlmeVEM           *v = (PnlmeVEM *)fit->impl;
  PnlmePop           *pop = &fit->pop;
  const PetscInt      b = v->lb[l], c = v->lc[l], p = fit->p, S = v->ndraws, i = v->i0 + b, nout = pop->nout;
  const PnlmeSubject *s = v->ls[l];
  const PetscReal    *pred = v->lpred[l], *sens = v->lsens[l], *dphidz = v->dphi + l * p;
  PetscReal          *g = v->g + b * p, *H = v->H + b * p * p, ll = PETSC_NINFINITY, J[64];
  fit->nproposed++;
  if (!v->st[l]) ll = PnlmeErrorLogLikGrad(pop, s, pred, fit->dldf);
  if (!(ll > PETSC_NINFINITY) || PetscIsInfOrNanReal(ll)) { /* dropped */
    fit->nfailed++;
    fit->ll[i * S + c] = PETSC_NINFINITY;
    return;
  }
  fit->ll[i * S + c] = ll;
  if (v->first[b] < 0) v->first[b] = c;
  v->nok[b]++;
  v->sll[b] += ll;
  for (PetscInt k = 0; k < nout; k++) v->srss[b * nout + k] += PnlmeErrorResidualSS(pop, k, s, pred);
  PnlmeErrorFisherWeights(pop, s, pred, v->w);
  for (PetscInt j = 0; j < s->nobs; j++) {
    for (PetscInt k = 0; k < p; k++) J[k] = pop->fixed[k] ? 0 : sens[j * p + k] * dphidz[k];
    for (PetscInt k = 0; k < p; k++) g[k] += fit->dldf[j] * J[k];
    for (PetscInt k = 0; k < p; k++)
      for (PetscInt l2 = 0; l2 <= k; l2++) H[k * p + l2] += v->w[j] * J[k] * J[l2];
  }
}

/* the end of subject b's pass: the means over the draws that succeeded, obj = E_q[log p] - beta KL
   (-inf when every draw failed), elbo with beta = 1 and the constants, rss the expected residual sums
   of squares; the dropped draws' slots take the first good draw (the error M-step and the non-centred
   step read them) */
static PetscErrorCode PassEnd(PnlmeFit fit, PetscInt b, PetscReal beta, PetscReal *obj, PetscReal *elbo, PetscReal rss[])
{
  PnlmeVEM           *v = (PnlmeVEM *)fit->impl;
  PnlmePop           *pop = &fit->pop;
  const PetscInt      p = fit->p, S = v->ndraws, i = v->i0 + b, nout = pop->nout, nok = v->nok[b], first = v->first[b];
  const PnlmeSubject *s = &v->bs[b];
  PetscReal          *g = v->g + b * p, *H = v->H + b * p * p;
  PetscFunctionBeginHot;
  if (!nok) {
    *obj = *elbo = PETSC_NINFINITY;
    PetscFunctionReturn(0);
  }
  for (PetscInt c = 0; c < S; c++) {
    if (fit->ll[i * S + c] > PETSC_NINFINITY) continue;
    PetscCall(PetscArraycpy(fit->z + (i * S + c) * p, fit->z + (i * S + first) * p, p));
    PetscCall(PetscArraycpy(fit->pred + fit->predoff[i] * S + c * s->nobs, fit->pred + fit->predoff[i] * S + first * s->nobs, s->nobs));
    fit->ll[i * S + c] = fit->ll[i * S + first];
  }
  for (PetscInt k = 0; k < p; k++) {
    g[k] /= nok;
    for (PetscInt l = 0; l <= k; l++) H[k * p + l] = H[l * p + k] = H[k * p + l] / nok;
  }
  {
    PetscReal kl = KL(pop, v->m + i * p, v->L + i * p * p, fit->mi + i * p), ell = v->sll[b] / nok;
    *obj  = ell - beta * kl;
    *elbo = ell - 0.5 * (s->nobs - CensoredCount(pop, s)) * PetscLogReal(2 * PETSC_PI) - kl;
    for (PetscInt k = 0; k < nout; k++) rss[k] = v->srss[b * nout + k] / nok;
  }
  PetscFunctionReturn(0);
}

/* the Gauss-Newton step of q from a pass's g and H: P = H + beta Omega^-1 on the parameters
   with a random effect; m += P^-1 (g - beta Omega^-1 (m - mu)) within the trust region; L L^T = P^-1
   (diagonal q: 1 / diag P).  Leaves q as it is when P is not positive definite. */
static PetscErrorCode Step(PnlmeFit fit, const PetscReal g[], const PetscReal H[], PetscReal m[], PetscReal L[], const PetscReal mu[], PetscReal beta)
{
  PnlmeVEM    *v = (PnlmeVEM *)fit->impl;
  PnlmePop    *pop = &fit->pop;
  PetscInt     p = fit->p, nr = 0, r[64];
  PetscReal   *P = v->P, *C = v->C, d[64], t = 1;
  PetscBLASInt n, one = 1, info;
  PetscFunctionBeginHot;
  for (PetscInt k = 0; k < p; k++)
    if (!pop->fixed[k]) r[nr++] = k;
  for (PetscInt a = 0; a < nr; a++) {
    PetscInt k = r[a];
    d[a]       = g[k];
    for (PetscInt b = 0; b < nr; b++) {
      PetscInt l = r[b];
      P[a * nr + b] = H[k * p + l] + beta * pop->Oinv[k * p + l];
      d[a] -= beta * pop->Oinv[k * p + l] * (m[l] - mu[l]);
    }
  }
  for (PetscInt a = 0; a < nr * nr; a++)
    if (PetscIsInfOrNanReal(P[a])) PetscFunctionReturn(0);
  for (PetscInt a = 0; a < nr; a++)
    if (PetscIsInfOrNanReal(d[a])) PetscFunctionReturn(0);
  PetscCall(PetscBLASIntCast(nr, &n));
  PetscCall(PetscArraycpy(C, P, nr * nr));
  LAPACKpotrf_("U", &n, C, &n, &info); /* row-major lower factor, see PnlmePopFactor */
  if (info) PetscFunctionReturn(0);
  LAPACKpotrs_("U", &n, &one, C, &n, d, &n, &info);
  if (info) PetscFunctionReturn(0);
  for (PetscInt a = 0; a < nr; a++) { /* trust region: at most `trust` prior SDs per component */
    PetscReal lim = v->trust * PetscSqrtReal(pop->Omega[r[a] * p + r[a]]);
    if (PetscAbsReal(d[a]) * t > lim) t = lim / PetscAbsReal(d[a]);
  }
  for (PetscInt a = 0; a < nr; a++) m[r[a]] += t * d[a];
  PetscCall(PetscArrayzero(L, p * p));
  if (v->diag) {
    for (PetscInt a = 0; a < nr; a++) L[r[a] * p + r[a]] = 1.0 / PetscSqrtReal(P[a * nr + a]);
    PetscFunctionReturn(0);
  }
  LAPACKpotri_("U", &n, C, &n, &info); /* P^-1 in the lower triangle */
  if (!info) {
    for (PetscInt a = 0; a < nr; a++)
      for (PetscInt b = a + 1; b < nr; b++) C[a * nr + b] = 0;
    LAPACKpotrf_("U", &n, C, &n, &info);
  }
  if (info) { /* should not happen: the diagonal */
    for (PetscInt a = 0; a < nr; a++) L[r[a] * p + r[a]] = 1.0 / PetscSqrtReal(P[a * nr + a]);
    PetscFunctionReturn(0);
  }
  for (PetscInt a = 0; a < nr; a++)
    for (PetscInt b = 0; b <= a; b++) L[r[a] * p + r[b]] = C[a * nr + b];
  PetscFunctionReturn(0);
}

/* q_i at the prior N(mu_i, Omega) (diagonal q: Omega's diagonal factor) */
static void PriorQ(PnlmeFit fit, PetscInt i)
{
  PnlmeVEM  *v = (PnlmeVEM *)fit->impl;
  PetscInt   p = fit->p;
  PetscReal *m = v->m + i * p, *L = v->L + i * p * p;
  for (PetscInt k = 0; k < p; k++) {
    m[k] = fit->mi[i * p + k];
    for (PetscInt l = 0; l < p; l++) L[k * p + l] = (l <= k && !fit->pop.fixed[k] && !fit->pop.fixed[l]) ? fit->pop.L[k * p + l] : 0;
    if (v->diag)
      for (PetscInt l = 0; l < k; l++) L[k * p + l] = 0;
  }
}

/* The restart test of the block's subjects (during the exploration, after the first iteration): the log
   joint log p(y_i | z) + log N(z; mu_i, Omega) at q's mean and at the population mean mu_i (-inf where
   the solve fails), two solves without sensitivities each, all in calls of up to nsetmax sets.  When
   mu_i is the better point q restarts at the prior N(mu_i, Omega) and takes 5 steps, as at the start:
   the Gauss-Newton steps only climb, and a subject whose mean settled on another local maximum (an
   oral model's flip-flop, ka and ke exchanged, while the annealed Omega was wide) would keep it, and
   inflate Omega (docs/vem.md).  The global mode is never left, as no point beats it. */
static PetscErrorCode RestartTest(PnlmeFit fit, PetscInt nb)
{
  PnlmeVEM *v = (PnlmeVEM *)fit->impl;
  PetscInt  p = fit->p, mo = v->mo;
  PetscFunctionBegin;
  for (PetscInt u0 = 0; u0 < 2 * nb; u0 += v->nsetmax) { /* set u: subject u / 2, at m (u even) or mu */
    const PetscInt n = PetscMin(v->nsetmax, 2 * nb - u0);
    for (PetscInt l = 0; l < n; l++) {
      const PetscInt b = (u0 + l) / 2, i = v->i0 + b;
      const PetscReal *z = (u0 + l) % 2 ? fit->mi + i * p : v->m + i * p;
      PnlmeModelTransformToNatural(fit->model, z, v->phib + l * p, NULL);
      v->ls[l]    = &v->bs[b];
      v->lpred[l] = v->sbuf + l * mo;
    }
    PetscCall(PnlmeModelPredictMany(fit->model, n, v->ls, v->phib, v->lpred, v->st));
    for (PetscInt l = 0; l < n; l++) {
      const PetscInt   b = (u0 + l) / 2, i = v->i0 + b;
      const PetscReal *z = (u0 + l) % 2 ? fit->mi + i * p : v->m + i * p;
      PetscReal        ll;
      fit->nproposed++;
      ll = v->st[l] ? PETSC_NINFINITY : PnlmeErrorLogLik(&fit->pop, v->ls[l], v->lpred[l]);
      if (PetscIsNanReal(ll)) ll = PETSC_NINFINITY;
      v->lj[u0 + l] = ll > PETSC_NINFINITY && ll < PETSC_INFINITY ? ll + PnlmePopLogPrior(&fit->pop, z, fit->mi + i * p) : PETSC_NINFINITY;
    }
  }
  for (PetscInt b = 0; b < nb; b++)
    if (v->lj[2 * b + 1] > v->lj[2 * b]) {
      PriorQ(fit, v->i0 + b);
      v->nsteps[b]  = PetscMax(v->nsteps0, 5); /* as from the start */
      v->restart[b] = PETSC_TRUE;
    }
  PetscFunctionReturn(0);
}

/* one round of the block: a pass of every active subject at its q (their draws' solves with
   sensitivities in calls of up to nsetmax sets), then each subject's step, or its half step back when
   its objective (same draws) went down; a subject is done after nsteps accepted steps, nsteps + 4
   passes, or a first pass whose every draw failed */
static PetscErrorCode BlockRound(PnlmeFit fit, PetscInt nb, PetscReal beta)
{
  PnlmeVEM *v = (PnlmeVEM *)fit->impl;
  PetscInt  p = fit->p, S = v->ndraws, l = 0;
  PetscFunctionBegin;
  for (PetscInt b = 0; b < nb; b++) {
    if (!v->active[b]) continue;
    PassBegin(v, b, p, fit->pop.nout);
    for (PetscInt c = 0; c < S; c++) {
      DrawSet(fit, b, c, l++);
      if (l == v->nsetmax) {
        PetscCall(PnlmeModelPredictManySens(fit->model, l, v->ls, v->phib, v->lpred, v->lsens, v->st));
        for (PetscInt j = 0; j < l; j++) DrawAccumulate(fit, j);
        l = 0;
      }
    }
  }
  if (l) {
    PetscCall(PnlmeModelPredictManySens(fit->model, l, v->ls, v->phib, v->lpred, v->lsens, v->st));
    for (PetscInt j = 0; j < l; j++) DrawAccumulate(fit, j);
  }
  for (PetscInt b = 0; b < nb; b++) {
    const PetscInt i = v->i0 + b, nout = fit->pop.nout;
    PetscReal     *m = v->m + i * p, *L = v->L + i * p * p, *m0 = v->m0 + b * p, *L0 = v->L0 + b * p * p;
    PetscReal      obj, elbo, rss[PNLME_POP_MAX_OUTPUTS];
    if (!v->active[b]) continue;
    PetscCall(PassEnd(fit, b, beta, &obj, &elbo, rss));
    if (v->pass[b] > 0 && !(obj >= v->objprev[b])) { /* worse, or every draw failed: halfway back */
      for (PetscInt k = 0; k < p; k++) m[k] = m0[k] + 0.5 * (m[k] - m0[k]);
      for (PetscInt k = 0; k < p * p; k++) L[k] = L0[k] + 0.5 * (L[k] - L0[k]);
    } else if (!v->nok[b]) { /* the first pass failed entirely: q stays */
      v->active[b] = PETSC_FALSE;
      continue;
    } else {
      v->acc[b]++;
      v->objprev[b] = obj;
      v->elboacc[b] = elbo;
      PetscCall(PetscArraycpy(v->rssacc + b * nout, rss, nout));
      PetscCall(PetscArraycpy(m0, m, p));
      PetscCall(PetscArraycpy(L0, L, p * p));
      PetscCall(Step(fit, v->g + b * p, v->H + b * p * p, m, L, fit->mi + i * p, beta));
    }
    v->pass[b]++;
    if (!(v->pass[b] < v->nsteps[b] + 4 && v->acc[b] < v->nsteps[b])) v->active[b] = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

/* the statistics of block subject b (at its last evaluated and accepted q) into cnt */
static PetscErrorCode BlockSubjectStats(PnlmeFit fit, PetscInt b, PetscReal cnt[])
{
  PnlmeVEM  *v = (PnlmeVEM *)fit->impl;
  PetscInt   p = fit->p, q = fit->q, i = v->i0 + b, nout = fit->pop.nout;
  PetscReal *m = v->m + i * p, *L = v->L + i * p * p, *x = fit->x + i * q, *m0 = v->m0 + b * p, *L0 = v->L0 + b * p * p;
  PetscReal *vrss = v->rss + (nout + 1) * i; /* the residual sums of squares of the outputs, the ELBO term */
  PetscFunctionBeginHot;
  if (v->restart[b]) cnt[VRST(fit)] += 1;
  if (v->acc[b]) { /* the warm start stays in (m, L) if the steps completed */
    if (v->acc[b] < v->nsteps[b]) {
      PetscCall(PetscArraycpy(m, m0, p));
      PetscCall(PetscArraycpy(L, L0, p * p));
    }
    PetscCall(PetscArraycpy(vrss, v->rssacc + b * nout, nout));
    vrss[nout] = v->elboacc[b];
  } else {
    PetscCall(PetscArraycpy(m0, m, p));
    PetscCall(PetscArraycpy(L0, L, p * p));
    cnt[VFAIL(fit)] += 1;
    v->nsubjfail++;
  }
  for (PetscInt k = 0; k < p; k++) {
    for (PetscInt a = 0; a < q; a++) cnt[VS1(fit) + a * p + k] += x[a] * m0[k];
    for (PetscInt l = 0; l < p; l++) {
      PetscReal Skl = 0;
      for (PetscInt j = 0; j <= PetscMin(k, l); j++) Skl += L0[k * p + j] * L0[l * p + j];
      cnt[VS2(fit) + k * p + l] += m0[k] * m0[l] + Skl;
      if (fit->nv && l == k) cnt[VV(fit) + k] += Skl;
    }
  }
  for (PetscInt k = 0; k < nout; k++) cnt[VS3(fit) + k] += vrss[k];
  cnt[VELBO(fit)] += vrss[nout];
  PetscFunctionReturn(0);
}

/* the E-step of the local subjects i0 .. i0 + nb - 1 (nb <= bsub): this iteration's draws (antithetic
   pairs from each subject's stream keyed by the iteration), the restart test, rounds until every
   subject is done, and each subject's statistics added exactly to fit->acc */
static PetscErrorCode BlockEStep(PnlmeFit fit, PetscInt i0, PetscInt nb, PetscInt iter, PetscReal beta, PetscReal cnt[])
{
  PnlmeVEM *v = (PnlmeVEM *)fit->impl;
  PetscInt  p = fit->p, S = v->ndraws, ns = VSIZE(fit);
  PetscFunctionBeginHot;
  v->i0 = i0;
  for (PetscInt b = 0; b < nb; b++) {
    const PetscInt i = i0 + b;
    PetscReal     *e = v->e + b * S * p;
    PnlmeRNG       rng;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &v->bs[b]));
    PnlmeRNGInit(&rng, (uint64_t)fit->seed, (uint64_t)v->bs[b].gindex, VEM_SUBSTREAM(iter));
    for (PetscInt c = 0; c < S; c++)
      for (PetscInt k = 0; k < p; k++) e[c * p + k] = (c % 2) ? -e[(c - 1) * p + k] : PnlmeRNGNormal(&rng);
    if (S % 2) /* an odd count: the last draw is a fresh one */
      for (PetscInt k = 0; k < p; k++) e[(S - 1) * p + k] = PnlmeRNGNormal(&rng);
    for (PetscInt k = 0; k < p; k++)
      if (fit->pop.fixed[k]) v->m[i * p + k] = fit->mi[i * p + k];
    v->nsteps[b]  = iter ? v->nsteps0 : PetscMax(v->nsteps0, 5); /* from the prior: a few more steps before the first statistics */
    v->restart[b] = PETSC_FALSE;
    v->active[b]  = PETSC_TRUE;
    v->acc[b] = v->pass[b] = 0;
    v->objprev[b] = PETSC_NINFINITY;
    v->elboacc[b] = 0;
    for (PetscInt k = 0; k < fit->pop.nout; k++) v->rssacc[b * fit->pop.nout + k] = 0;
  }
  if (iter > 0 && iter < fit->K1) PetscCall(RestartTest(fit, nb));
  for (PetscBool any = PETSC_TRUE; any;) {
    PetscCall(BlockRound(fit, nb, beta));
    any = PETSC_FALSE;
    for (PetscInt b = 0; b < nb; b++) any = (PetscBool)(any || v->active[b]);
  }
  for (PetscInt b = 0; b < nb; b++) {
    PetscCall(PetscArrayzero(cnt, ns));
    PetscCall(BlockSubjectStats(fit, b, cnt));
    for (PetscInt j = 0; j < ns; j++) PnlmeExactSumAdd(&fit->acc[j], cnt[j]);
  }
  PetscFunctionReturn(0);
}

/* the random effect of parameter k removed at its boundary (boundary.c): each q_i sits at the
   individual mean in that component, without variance */
static PetscErrorCode DropQ(PnlmeFit fit, PetscInt k)
{
  PnlmeVEM *v = (PnlmeVEM *)fit->impl;
  PetscInt  p = fit->p;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscReal *L = v->L + i * p * p;
    PnlmePopMean(&fit->pop, fit->x + i * fit->q, fit->mi + i * p);
    v->m[i * p + k] = fit->mi[i * p + k];
    for (PetscInt l = 0; l < p; l++) L[k * p + l] = L[l * p + k] = 0;
  }
  PetscFunctionReturn(0);
}

static void RefreshMeans(PnlmeFit fit)
{
  for (PetscInt i = 0; i < fit->nlocal; i++) PnlmePopMean(&fit->pop, fit->x + i * fit->q, fit->mi + i * fit->p);
}

/* q at the start: the prior N(B^T x_i, Omega) */
static void InitialQ(PnlmeFit fit)
{
  for (PetscInt i = 0; i < fit->nlocal; i++) PriorQ(fit, i);
}

/* the variational posteriors as the conditional moments of the fit: cmean/ccov on the transformed
   scale (MAP start, importance-sampling proposal), nmom on the natural scale from draws of q */
static PetscErrorCode FinalMoments(PnlmeFit fit)
{
  PnlmeVEM *v = (PnlmeVEM *)fit->impl;
  PetscFunctionBegin;
  PetscCall(PnlmeFitGaussianPosterior(fit, v->m, v->L, v->ndraws_mom, VEM_SUBSTREAM_MOMENTS));
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_VEM(PnlmeFit fit)
{
  PnlmeVEM      *v = (PnlmeVEM *)fit->impl;
  PetscInt       p = fit->p, ns = VSIZE(fit), K;
  PetscReal     *cnt;
  PetscLogDouble t0, t1;
  MPI_Comm       comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscCalloc1(ns, &cnt));
  if (fit->restart[0]) PetscCall(PnlmeFitCheckpointRead(fit));
  if (fit->pop.nfixed) PetscCall(PnlmeFitSetUp_NC(fit)); /* random effects removed before the checkpoint */
  RefreshMeans(fit);
  if (!fit->istart) PetscCall(PnlmeFitCheckStart(fit));
  if (!fit->istart) InitialQ(fit);
  K = fit->K1 + fit->K2;
  for (PetscInt iter = fit->istart; iter < K; iter++) {
    PetscReal gamma = iter < fit->K1 ? 1.0 : 1.0 / (PetscReal)(iter + 1 - fit->K1);
    PetscReal beta  = iter < fit->saiter ? v->beta0 + (1 - v->beta0) * (PetscReal)iter / (PetscReal)fit->saiter : 1.0;
    PetscReal omega_old[64];
    /* E-step */
    PetscCall(PetscLogEventBegin(PNLME_VEMEStep, 0, 0, 0, 0));
    PnlmeExactSumReset(fit->acc, ns);
    for (PetscInt i0 = 0; i0 < fit->nlocal; i0 += v->bsub) PetscCall(BlockEStep(fit, i0, PetscMin(v->bsub, fit->nlocal - i0), iter, beta, cnt));
    PetscCall(PetscLogEventEnd(PNLME_VEMEStep, 0, 0, 0, 0));
    PetscCall(PnlmeExactSumAllreduce(comm, ns, fit->acc));
    for (PetscInt j = 0; j < ns; j++) fit->s[j] = PnlmeExactSumValue(&fit->acc[j]);
    fit->cdll[iter] = fit->s[VELBO(fit)];
    v->nrestart += (PetscInt64)fit->s[VRST(fit)];
    /* stochastic approximation of the moments */
    for (PetscInt j = 0; j < VELBO(fit); j++) fit->S[j] = iter == 0 ? fit->s[j] : fit->S[j] + gamma * (fit->s[j] - fit->S[j]);
    /* M-step */
    PetscCall(PetscLogEventBegin(PNLME_VEMMStep, 0, 0, 0, 0));
    for (PetscInt k = 0; k < p; k++) omega_old[k] = fit->pop.Omega[k * p + k];
    PnlmePopSelectRamp(&fit->pop, iter, fit->saiter); /* covariate selection: the penalty's ramp */
    if (fit->nv) PnlmePopSelectSetShrinkage(&fit->pop, fit->N, fit->s + VV(fit));
    PetscCall(PnlmePopMStep(&fit->pop, fit->N, fit->G, fit->S + VS1(fit), fit->S + VS2(fit)));
    if (iter < fit->saiter)
      for (PetscInt k = 0; k < p; k++)
        if (!fit->pop.fixed[k]) fit->pop.Omega[k * p + k] = PetscMax(fit->pop.Omega[k * p + k], fit->safactor * omega_old[k]);
    PetscCall(PnlmeFitErrorMStep(fit, iter, gamma, fit->S + VS3(fit)));
    PetscCall(PnlmeFitBoundary(fit, iter, DropQ)); /* variances at their boundary: the random effect goes */
    PetscCall(PnlmePopFactor(&fit->pop));
    RefreshMeans(fit);
    PetscCall(PetscLogEventEnd(PNLME_VEMMStep, 0, 0, 0, 0));
    /* non-centred step: B and the means m_i move together (KL unchanged), the draws as chains */
    if ((fit->ncevery > 0 && iter >= fit->saiter && iter < fit->K1 && (iter + 1) % fit->ncevery == 0) || fit->pop.nfixed) {
      PetscCall(PetscArraycpy(v->mold, fit->mi, fit->nlocal * p));
      if (fit->ncevery > 0 && iter >= fit->saiter && iter < fit->K1 && (iter + 1) % fit->ncevery == 0) PetscCall(PnlmeFitNonCentredStep(fit, 1.0, NULL, NULL));
      else PetscCall(PnlmeFitFixedEffectsStep(fit, gamma));
      for (PetscInt j = 0; j < fit->nlocal * p; j++) v->m[j] += fit->mi[j] - v->mold[j];
    }
    PetscCall(PnlmeFitRecordHistory(fit, iter));
    if (fit->autostop && iter < fit->K1 && PnlmeFitSettled(fit, iter)) {
      fit->K1 = iter + 1;
      K       = fit->K1 + fit->K2;
      if (fit->printevery > 0) PetscCall(PetscPrintf(comm, "VEM: ELBO settled after %" PetscInt_FMT " exploration iterations; %" PetscInt_FMT " smoothing iterations follow\n", fit->K1, fit->K2));
    }
    PetscCall(PnlmeFitPrintProgress(fit, "VEM", iter, K, "ELBO", fit->cdll[iter]));
    if (fit->ckevery > 0 && (iter + 1) % fit->ckevery == 0) PetscCall(PnlmeFitCheckpointWrite(fit));
  }
  PetscCall(PetscFree(cnt));
  PetscCall(FinalMoments(fit));
  PetscCall(PetscTime(&t1));
  fit->walltime = t1 - t0;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitCreate_VEM(PnlmeFit fit)
{
  PnlmeVEM *v;
  PetscFunctionBegin;
  PetscCall(PetscNew(&v));
  fit->impl                = v;
  fit->label               = "VEM";
  fit->failword            = "dropped";
  fit->mcsolves = PETSC_TRUE;
  fit->seriesname          = "elbo";
  fit->stage               = PNLME_StageVEM;
  fit->ops->setfromoptions = SetFromOptions_VEM;
  fit->ops->setup          = SetUp_VEM;
  fit->ops->solve          = Solve_VEM;
  fit->ops->view           = View_VEM;
  fit->ops->fingerprint    = Fingerprint_VEM;
  fit->ops->checkpoint     = Checkpoint_VEM;
  fit->ops->destroy        = Destroy_VEM;
  PetscFunctionReturn(0);
}
