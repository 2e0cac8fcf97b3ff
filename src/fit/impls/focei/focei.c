/* FOCE(I) and Laplace (-estimator focei | laplace; docs/focei.md): the population parameters theta
   minimise an approximation of -2 log L built at every subject's conditional mode.

   Inner problem, per subject and local to its rank (inner.c): the conditional mode z_i of the
   transformed parameters, min_z -2 log p(y_i | z) + (z - m_i)^T Omega^-1 (z - m_i), by damped
   Gauss-Newton (Levenberg-Marquardt on the Fisher-weighted normal equations of the pseudo-data form),
   warm-started from the mode of the previous outer evaluation.  Without interaction (FOCE) the
   residual variances are those of the population prediction.
   Subject objective (inner.c) at the mode, with J = d f / d z there and A = Omega^-1 + J^T V^-1 J
   on the random effects:
     focei: the marginal of the model linearised at the mode (Beal & Sheiner; nlme's Lindstrom-Bates
            likelihood):  r^T C^-1 r + log det C + n log 2 pi, C = J Omega J^T + V, r = y - f - J (m - z),
            computed in p dimensions (Woodbury): r^T V^-1 r - b^T A^-1 b + log det V + log det Omega
            + log det A, b = J^T V^-1 r;
     laplace: -2 log p(y | z) + (z - m)^T Omega^-1 (z - m) + log det Omega + log det A with the Fisher
            weights W of the error model in place of V^-1 (equal to FOCE for an additive error); exact
            for censored observations (their interval probabilities).
   Outer problem: TAO's bounded Newton trust region (BNTR; -focei_tao_type bnls: line search) with the
   Hessian BHHH + S, the subjects' outer products of their central-difference gradients and NL2SOL's
   secant term; its trial points get their objective alone and their gradient once accepted.
   -focei_tao_type blmvm: bound-constrained limited-memory quasi-Newton started from the diagonal of the
   Hessian that the central differences give, and after a line search that fails far from a stationary
   point the trust-region BQNKTR from there.  Over theta = (the free
   entries of B, the Cholesky factor of Omega per block with log diagonal, log a, log b per output);
   its gradient by central differences of the objective (each difference re-solves every mode; the
   analytic gradient would need the second derivatives of the model through d z_i / d theta).  Every
   evaluation of theta and of its 2 n_theta neighbours is one exact sum per point across ranks (one
   reduction), and every rank runs the same TAO iterations: results are bitwise the same at any number
   of ranks.  After the iterations the posterior contract: cmean = the mode, ccov = A^-1 (Fisher
   weights), the natural-scale moments from draws of N(cmean, ccov); the post-fit (MAP, linearisation,
   Fisher information, importance sampling, outputs, VPC) is that of the other estimators. */
#include "fit/impls/focei/foceiimpl.h"
#include <petscblaslapack.h>

static PetscErrorCode NewtonDestroy(PnlmeFOCEI *);

static const PnlmeOption FOCEIOptions[] = {
  {"-focei_interaction", PNLME_OPT_BOOL, "true", NULL, NULL, "Residual variances at the conditional mode (FOCEI); false: at the population prediction (FOCE). Laplace always interacts"},
  {"-focei_max_it", PNLME_OPT_INT, "500", "[0, 1000000]", NULL, "Most outer (TAO) iterations; 0: the objective at the initial values only (NONMEM MAXEVAL=0), then the post-fit there"},
  {"-focei_gatol", PNLME_OPT_REAL, "1e-4", "(0, inf)", NULL, "Converged when the gradient norm of the objective (-2LL units) is below this"},
  {"-focei_gstall", PNLME_OPT_REAL, "1", "[0, inf)", NULL, "Iterations that stall (line search or trust region) below this gradient norm have converged at the precision of the objective"},
  {"-focei_ode_rtol", PNLME_OPT_REAL, "1e-9", "(0, 1)", NULL, "Relative ODE tolerance of the outer iterations, if tighter than -ode_rtol (their gradient is a difference of objectives)"},
  {"-focei_ftol", PNLME_OPT_REAL, "1e-2", "[0, inf)", NULL, "Converged when the objective (-2LL units) changed by less than this over the last 10 outer iterations (a flat ridge; 0: never)"},
  {"-focei_newton_tol", PNLME_OPT_REAL, "1e-3", "[0, inf)", NULL, "Newton outer methods (bntr, bnls): converged when the gradient norm is below -focei_gstall and the Newton step predicts a decrease of the objective (-2LL units) below this (0: never)"},
  {"-focei_fd_step", PNLME_OPT_REAL, "1e-4", "(0, 0.1]", NULL, "Central-difference step of the gradient, relative to max(1, |theta_k|)"},
  {"-focei_inner_max_it", PNLME_OPT_INT, "100", "[1, 100000]", NULL, "Most Gauss-Newton iterations of a conditional-mode search"},
  {"-focei_inner_secant", PNLME_OPT_BOOL, "true", NULL, NULL, "Mode searches add the structured secant estimate of the curvature Gauss-Newton leaves out (NL2SOL's augmented model); false: plain Gauss-Newton"},
  {"-focei_inner_tol", PNLME_OPT_REAL, "1e-10", "(0, 1)", NULL, "A mode search has converged when its Gauss-Newton step is below this (largest component, transformed scale)"},
  {"-focei_moment_draws", PNLME_OPT_INT, "500", "[1, 10000000]", NULL, "Draws of N(mode, A^-1) per subject for the natural-scale means and SDs of the results"},
  {"-focei_points_per_batch", PNLME_OPT_INT, "0", "[0, 8192]", NULL, "Central-difference points whose mode searches share one batch (the lanes stay full; each search's result is its own); 0: enough for about 1,024 searches per rank, at most 64"},
};

PetscErrorCode PnlmeFitRegisterOptions_FOCEI(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("focei", "FOCE(I) and Laplace estimators, -estimator focei|laplace (docs/focei.md)", NULL, PETSC_STATIC_ARRAY_LENGTH(FOCEIOptions), FOCEIOptions));
  PetscCall(PnlmeOptionsRegisterSolver("focei", "focei_tao_", "TAO's options of the outer solver: -focei_tao_type bntr|bnls|bntl|blmvm|bqnls|bqnktr|bncg|lmvm|nls|ntr|ntl|cg, -focei_tao_monitor, ... (docs/focei.md)"));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_FOCEI(PnlmeFit fit)
{
  PnlmeFOCEI *F   = (PnlmeFOCEI *)fit->impl;
  PetscObject obj = (PetscObject)fit;
  MPI_Comm    comm = PetscObjectComm(obj);
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsGetBool(obj, "-focei_interaction", &F->interaction, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-focei_max_it", &F->maxit, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-focei_gatol", &F->gatol, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-focei_gstall", &F->gstall, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-focei_ode_rtol", &F->odertol, NULL));
  fit->iterrtol = F->odertol;
  PetscCall(PnlmeOptionsGetReal(obj, "-focei_ftol", &F->ftol, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-focei_newton_tol", &F->ntol, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-focei_fd_step", &F->fdstep, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-focei_inner_max_it", &F->inmaxit, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-focei_inner_tol", &F->intol, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-focei_inner_secant", &F->insecant, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-focei_moment_draws", &F->ndraws_mom, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-focei_points_per_batch", &F->ngroupopt, NULL));
  { /* the TAO types for a smooth bound-constrained problem given by its objective, gradient and Hessian
       (of the others some fail inside TAO on each rank alone, as gpcg or pounders, some stop at once or
       claim convergence far from it, as tron, bmrm and owlqn, and nm ignores the gradient) */
    static const char *const ok[] = {TAOBNTR, TAOBNLS, TAOBNTL, TAOBLMVM, TAOBQNLS, TAOBQNKTR, TAOBNCG, TAOLMVM, TAONLS, TAONTR, TAONTL, TAOCG, NULL};
    PetscCall(PnlmeOptionsCheckTaoType(comm, "focei_", ok, "FOCEI's outer problem"));
  }
  /* TAO's own names for two of ours: theirs would override ours silently (the iteration count sizes the history) */
  PetscCall(PnlmeOptionsRefuse(comm, "focei_", "-tao_max_it", "-focei_max_it (FOCEI's outer iterations)"));
  PetscCall(PnlmeOptionsRefuse(comm, "focei_", "-tao_gatol", "-focei_gatol (FOCEI's gradient tolerance)"));
  if (F->laplace) F->interaction = PETSC_TRUE;
  if (!F->interaction) fit->label = "FOCE", fit->objmethod = "foce";
  PetscCheck(fit->ckevery == 0 && !fit->restart[0], comm, PETSC_ERR_USER, "options -checkpoint_every and -restart: not available with -estimator %s (an outer iteration takes seconds; start again from the estimates with -fit_theta and -fit_omega)", obj->type_name);
  /* the iterations are TAO's: one history row per outer iteration (and the start) */
  fit->K1       = F->maxit + 1;
  fit->K2       = 0;
  fit->K1min    = fit->K1;
  fit->K1max    = fit->K1;
  fit->autostop = PETSC_FALSE;
  fit->saiter   = 0;
  fit->nchains  = 1; /* the mode is the one "chain" (the common work is sized by it) */
  PetscFunctionReturn(0);
}

/* theta: the free entries of B, the Cholesky entries of Omega (per block, log diagonal), the logs of
   the error parameters; their bounds */
static PetscErrorCode ThetaLayout(PnlmeFit fit, PnlmeFOCEI *F)
{
  PnlmePop *pop = &fit->pop;
  PetscInt  p = fit->p, q = fit->q, nerr = PnlmeErrorNumParameters(pop), n = 0;
  PetscFunctionBegin;
  F->nb = F->nl = 0;
  for (PetscInt j = 0; j < q * p; j++) F->nb += pop->mask[j] && !pop->hold[j];
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = 0; l <= k; l++) F->nl += !pop->fixed[k] && !pop->fixed[l] && pop->block[k] == pop->block[l];
  F->ne = nerr;
  F->nt = F->nb + F->nl + F->ne;
  PetscCall(PetscMalloc6(F->nb, &F->tb, F->nl, &F->tk, F->nl, &F->tl, F->nt, &F->lo, F->nt, &F->hi, F->nt, &F->theta));
  for (PetscInt j = 0; j < q * p; j++)
    if (pop->mask[j] && !pop->hold[j]) {
      F->tb[n]   = j;
      F->lo[n]   = -1e6;
      F->hi[n++] = 1e6;
    }
  for (PetscInt k = 0, c = 0; k < p; k++)
    for (PetscInt l = 0; l <= k; l++)
      if (!pop->fixed[k] && !pop->fixed[l] && pop->block[k] == pop->block[l]) {
        F->tk[c] = k, F->tl[c++] = l;
        F->lo[n]   = k == l ? PetscLogReal(1e-5) : -1e3; /* an SD of 1e-5 on the transformed scale: no random effect */
        F->hi[n++] = k == l ? PetscLogReal(1e3) : 1e3;
      }
  for (PetscInt e = 0; e < nerr; e++) {
    F->lo[n]   = -46; /* e^-46 ~ 1e-20 */
    F->hi[n++] = 46;
  }
  PetscFunctionReturn(0);
}

/* theta from the population parameters (the start) */
static void ThetaFromPop(PnlmeFit fit, PnlmeFOCEI *F, PetscReal th[])
{
  PnlmePop *pop = &fit->pop;
  PetscInt  p = fit->p, n = 0;
  for (PetscInt b = 0; b < F->nb; b++) th[n++] = pop->B[F->tb[b]];
  for (PetscInt c = 0; c < F->nl; c++) {
    PetscInt k = F->tk[c], l = F->tl[c];
    th[n++] = k == l ? PetscLogReal(pop->L[k * p + k]) : pop->L[k * p + l];
  }
  for (PetscInt e = 0; e < F->ne; e++) {
    PetscInt  k;
    PetscBool isb;
    PnlmeErrorParameter(pop, e, &k, &isb);
    th[n++] = PetscLogReal(isb ? pop->b[k] : pop->a[k]);
  }
  for (PetscInt t = 0; t < F->nt; t++) th[t] = PetscMin(F->hi[t], PetscMax(F->lo[t], th[t]));
}

/* the population parameters at theta (B, Omega = L L^T with the identity stand-in of the parameters
   without random effect, a, b, and Omega's factor, inverse and log-determinant) */
static PetscErrorCode SetThetaPop(PnlmeFit fit, PnlmePop *pop, const PetscReal th[])
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  PetscInt    p = fit->p, n = 0;
  PetscReal  *Lc = F->Lc;
  PetscFunctionBegin;
  for (PetscInt b = 0; b < F->nb; b++) pop->B[F->tb[b]] = th[n++];
  PetscCall(PetscArrayzero(Lc, p * p));
  for (PetscInt c = 0; c < F->nl; c++) {
    PetscInt k = F->tk[c], l = F->tl[c];
    Lc[k * p + l] = k == l ? PetscExpReal(th[n]) : th[n];
    n++;
  }
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = 0; l < p; l++) {
      PetscReal v = 0;
      if (pop->fixed[k] || pop->fixed[l]) v = k == l ? 1.0 : 0.0;
      else
        for (PetscInt j = 0; j <= PetscMin(k, l); j++) v += Lc[k * p + j] * Lc[l * p + j];
      pop->Omega[k * p + l] = v;
    }
  for (PetscInt e = 0; e < F->ne; e++) {
    PetscInt  k;
    PetscBool isb;
    PnlmeErrorParameter(pop, e, &k, &isb);
    if (isb) pop->b[k] = PetscExpReal(th[n++]);
    else pop->a[k] = PetscExpReal(th[n++]);
  }
  PetscCall(PnlmePopFactor(pop));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFOCEISetTheta(PnlmeFit fit, const PetscReal th[])
{
  PetscFunctionBegin;
  PetscCall(SetThetaPop(fit, &fit->pop, th));
  PetscFunctionReturn(0);
}

/* the population parameters of point k of a group of neighbours at th: fit->pop's (its structure, the
   entries of B outside theta, the error models) with their own B, Omega, L and Oinv */
static PetscErrorCode GroupPop(PnlmeFit fit, PetscInt k, const PetscReal th[])
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  PnlmePop   *P = &F->gpop[k];
  PetscInt    p = fit->p, q = fit->pop.q;
  PetscReal  *mem = F->gmem + k * (q * p + 3 * p * p);
  PetscFunctionBegin;
  *P       = fit->pop;
  P->B     = mem;
  P->Omega = mem + q * p;
  P->L     = P->Omega + p * p;
  P->Oinv  = P->L + p * p;
  PetscCall(PetscArraycpy(P->B, fit->pop.B, q * p));
  PetscCall(SetThetaPop(fit, P, th));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_FOCEI(PnlmeFit fit)
{
  PnlmeFOCEI *F  = (PnlmeFOCEI *)fit->impl;
  PetscInt    p  = fit->p, mo = PetscMax(1, fit->maxobs);
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  PetscCheck(!fit->selcand, comm, PETSC_ERR_USER, "-estimator %s: one-run covariate selection needs an EM estimator (saem, vem); stepwise selection (-covariates_select scm) fits every model with it", ((PetscObject)fit)->type_name);
  PetscCheck(F->laplace || !fit->ncens, comm, PETSC_ERR_USER, "-estimator focei: the data have %" PetscInt64_FMT " censored observations, which the linearised likelihood cannot hold; use -estimator laplace (NONMEM's M3 needs LAPLACIAN too) or -data_blq drop", fit->ncens);
  PetscCall(ThetaLayout(fit, F));
  PetscCheck(F->nt <= PNLME_FOCEI_MAX_THETA, comm, PETSC_ERR_SUP, "-estimator %s: at most %d population parameters", ((PetscObject)fit)->type_name, PNLME_FOCEI_MAX_THETA);
  PetscCheck(F->nt > 0, comm, PETSC_ERR_USER, "-estimator %s: no population parameter to estimate", ((PetscObject)fit)->type_name);
  PetscCall(PetscCalloc3(fit->nlocal * p, &F->zhat, fit->nlocal * p, &F->zacc, fit->nlocal * p * p, &F->chol));
  PetscCall(PetscMalloc5(mo * p, &F->J, mo, &F->w, mo, &F->r, mo, &F->vinv, p * p, &F->A));
  PetscCall(PnlmeModeBatchCreate(fit, F->intol, F->inmaxit, PNLME_MODE_LANES, &F->mb)); /* the mode searches (fit/post/mode.c) */
  for (PetscInt l = 0; l < F->mb->nl; l++) F->mb->lane[l]->interaction = F->interaction, F->mb->lane[l]->secant = F->insecant;
  PetscCall(PetscMalloc2(p * p, &F->Lc, p, &F->bvec));
  PetscCall(PetscMalloc6(F->nt, &F->thw, 2 * F->nt + 1, &F->vals, 2 * F->nt + 1 + 2, &F->acc, F->nt, &F->curv, F->nt, &F->glast, F->nt, &F->thc));
  PetscCall(PetscArrayzero(F->glast, F->nt));
  /* -focei_points_per_batch 0: enough searches per batch that its tail (the last few searches, in
     part-empty lanes) is a small part of it: about 1,024 (neonates189 at 2 ranks, 95 subjects each: one
     point at a time left 8,031 of 19,269 calls with 8 searches or fewer); at most 64 points (memory) */
  F->ngroup = F->ngroupopt ? F->ngroupopt : PetscMin(64, (1024 + fit->nlocal - 1) / PetscMax(1, fit->nlocal));
  F->ngroup = PetscMax(1, PetscMin(2 * F->nt, F->ngroup));
  PetscCall(PetscCalloc1(F->ngroup, &F->gpop));
  PetscCall(PetscMalloc1(F->ngroup * (fit->pop.q * p + 3 * p * p), &F->gmem));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_FOCEI(PnlmeFit fit)
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  PetscFunctionBegin;
  PetscCall(PetscFree6(F->tb, F->tk, F->tl, F->lo, F->hi, F->theta));
  PetscCall(PetscFree3(F->zhat, F->zacc, F->chol));
  PetscCall(PetscFree5(F->J, F->w, F->r, F->vinv, F->A));
  PetscCall(PnlmeModeBatchDestroy(&F->mb));
  PetscCall(PetscFree2(F->Lc, F->bvec));
  PetscCall(PetscFree6(F->thw, F->vals, F->acc, F->curv, F->glast, F->thc));
  PetscCall(PetscFree(F->gpop));
  PetscCall(PetscFree(F->gmem));
  PetscCall(NewtonDestroy(F));
  PetscCall(PetscFree(fit->impl));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt  slot;
  PetscBool store;
} SumCtx;

static PetscErrorCode SumStart(PnlmeFit fit, PetscInt i, PnlmeModeWork *W, void *ctx)
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  SumCtx     *c = (SumCtx *)ctx;
  PetscFunctionBegin;
  PetscCall(PnlmeDataGetSubject(fit->data, i, &W->sub));
  PnlmePopMean(&fit->pop, fit->x + i * fit->q, W->ms);
  PetscCall(PetscArraycpy(W->zs, (c->store ? F->zacc : F->zhat) + i * fit->p, fit->p));
  PetscCall(PnlmeModeBegin(fit, W, &W->sub, W->ms, W->zs));
  PetscFunctionReturn(0);
}

/* subject i's search at point `slot` ended: its objective into acc[slot]; with store, its mode into zhat */
static PetscErrorCode PointDone(PnlmeFit fit, PetscInt i, PetscInt slot, PetscBool store, PnlmeModeWork *W)
{
  PnlmeFOCEI *F  = (PnlmeFOCEI *)fit->impl;
  PetscInt    nt = F->nt;
  PetscReal   ofv;
  PetscFunctionBegin;
  if (W->status == PNLME_MODE_FAILED) {
    PnlmeExactSumAdd(&F->acc[2 * nt + 1], 1);
    F->failed = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  if (W->status == PNLME_MODE_NOTCONVERGED) PnlmeExactSumAdd(&F->acc[2 * nt + 2], 1);
  PetscCall(PnlmeFOCEISubjectObjective(fit, W, &W->sub, W->ms, W->zs, &ofv));
  if (!PetscIsNormalReal(ofv) && ofv != 0) {
    PnlmeExactSumAdd(&F->acc[2 * nt + 1], 1);
    F->failed = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PnlmeExactSumAdd(&F->acc[slot], ofv);
  if (F->fsub && slot >= 1 && slot <= 2 * nt) (slot % 2 ? F->fsub : F->fsubm)[i * nt + (slot - 1) / 2] = ofv; /* f_i(theta +- h_t e_t) */
  if (store) PetscCall(PetscArraycpy(F->zhat + i * fit->p, W->zs, fit->p));
  PetscFunctionReturn(0);
}

static PetscErrorCode SumDone(PnlmeFit fit, PetscInt i, PnlmeModeWork *W, void *ctx)
{
  SumCtx *c = (SumCtx *)ctx;
  PetscFunctionBegin;
  PetscCall(PointDone(fit, i, c->slot, c->store, W));
  PetscFunctionReturn(0);
}

/* item i of a group of neighbours (first point `*ctx`): subject i % nlocal at the group's point
   i / nlocal, from the centre's mode */
static PetscErrorCode GroupStart(PnlmeFit fit, PetscInt i, PnlmeModeWork *W, void *ctx)
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  PetscInt    j = i % fit->nlocal, k = i / fit->nlocal;
  PetscFunctionBegin;
  (void)ctx;
  PetscCall(PnlmeDataGetSubject(fit->data, j, &W->sub));
  PnlmePopMean(&F->gpop[k], fit->x + j * fit->q, W->ms);
  PetscCall(PetscArraycpy(W->zs, F->zhat + j * fit->p, fit->p));
  W->popnext = &F->gpop[k];
  PetscCall(PnlmeModeBegin(fit, W, &W->sub, W->ms, W->zs));
  PetscFunctionReturn(0);
}

static PetscErrorCode GroupDone(PnlmeFit fit, PetscInt i, PnlmeModeWork *W, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(PointDone(fit, i % fit->nlocal, 1 + *(PetscInt *)ctx + i / fit->nlocal, PETSC_FALSE, W));
  PetscFunctionReturn(0);
}

/* Every subject at theta: its mode and objective, summed.  A centre point (`store`) searches from zacc,
   the modes of the last accepted iterate, so that the objective at a point does not depend on the trial
   points evaluated before it, and stores its modes into zhat; its central-difference neighbours search
   from those (a step of 1e-4 in theta moves the modes by about as much: one or two Gauss-Newton
   steps).  The subjects' searches advance in lockstep (PnlmeModeBatchSolve), each with the result it
   has alone; summed exactly into acc[slot]; failures counted in acc[2 nt + 1] (no mode: the model fails
   at the start and at the individual mean) and acc[2 nt + 2] (a mode search that did not converge) */
static PetscErrorCode SumSubjects(PnlmeFit fit, const PetscReal th[], PetscInt slot, PetscBool store)
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  SumCtx      c = {slot, store};
  PetscFunctionBegin;
  PetscCall(PnlmeFOCEISetTheta(fit, th));
  PetscCall(PnlmeModeBatchSolve(fit, F->mb, fit->nlocal, SumStart, SumDone, &c));
  PetscFunctionReturn(0);
}

/* The outer Newton methods' arrays (TAO types that call the Hessian: bnls, bntr, ...) */
static PetscErrorCode NewtonCreate(PnlmeFit fit)
{
  PnlmeFOCEI *F  = (PnlmeFOCEI *)fit->impl;
  PetscInt    nt = F->nt;
  PetscFunctionBegin;
  PetscCall(PetscMalloc6(nt * (nt + 1) / 2, &F->bacc, nt * nt, &F->bhhh, nt * nt, &F->S, 3 * nt, &F->work, nt, &F->sx, nt, &F->sg));
  PetscCall(PetscMalloc1(2 * nt * nt, &F->hwork));
  PetscCall(PetscMalloc4(fit->nlocal * nt + 1, &F->fsub, fit->nlocal * nt + 1, &F->fsubm, nt, &F->fx, nt, &F->fh));
  PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, nt, nt, NULL, &F->H));
  F->hasfsub = F->hasS = F->hashess = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode NewtonDestroy(PnlmeFOCEI *F)
{
  PetscFunctionBegin;
  PetscCall(PetscFree6(F->bacc, F->bhhh, F->S, F->work, F->sx, F->sg));
  PetscCall(PetscFree(F->hwork));
  PetscCall(PetscFree4(F->fsub, F->fsubm, F->fx, F->fh));
  PetscCall(MatDestroy(&F->H));
  F->hasfsub = F->hasS = F->hashess = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The outer-product (BHHH) approximation of the objective's Hessian at fx from the subjects' central
   differences there: f = sum_i f_i with f_i = -2 log L_i, so the Fisher information sum_i s_i s_i^T (s_i
   the score, -g_i / 2) gives H = 2 I = sum_i g_i g_i^T / 2, summed exactly (the same at any rank count). */
static PetscErrorCode OuterProductHessian(PnlmeFit fit)
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  PetscInt    nt = F->nt;
  PetscReal   g[PNLME_FOCEI_MAX_THETA];
  PetscFunctionBegin;
  PnlmeExactSumReset(F->bacc, nt * (nt + 1) / 2);
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    const PetscReal *d = F->fsub + i * nt;
    for (PetscInt t = 0; t < nt; t++) g[t] = d[t] / (2 * F->fh[t]);
    for (PetscInt t = 0, e = 0; t < nt; t++)
      for (PetscInt u = 0; u <= t; u++, e++) PnlmeExactSumAdd(&F->bacc[e], g[t] * g[u]);
  }
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), nt * (nt + 1) / 2, F->bacc));
  for (PetscInt t = 0, e = 0; t < nt; t++)
    for (PetscInt u = 0; u <= t; u++, e++) F->bhhh[t * nt + u] = F->bhhh[u * nt + t] = 0.5 * PnlmeExactSumValue(&F->bacc[e]);
  PetscFunctionReturn(0);
}

/* The structured secant term S of the Hessian H = BHHH + S (Dennis, Gay & Welsch's NL2SOL update, with the
   outer-product Hessian in the role of Gauss-Newton's J^T J): between the last Hessian's point and this
   one, s = x - x_prev and y = g - g_prev; S is sized by min(1, |s^T y#| / |s^T S s|) and then updated so
   that (BHHH + S) s = y, with y# = y - BHHH s the curvature the outer products miss:
     S <- S + (r v^T + v r^T) / (v^T s) - (s^T r) v v^T / (v^T s)^2,  r = y# - S s, v = y. */
static PetscErrorCode SecantUpdate(PnlmeFit fit)
{
  PnlmeFOCEI *F  = (PnlmeFOCEI *)fit->impl;
  PetscInt    nt = F->nt;
  PetscReal  *sv = F->work, *y = F->work + nt, *r = F->work + 2 * nt, vs = 0, sr = 0, sys = 0, sSs = 0, ss = 0, yy = 0;
  PetscFunctionBegin;
  if (!F->hasS) {
    PetscCall(PetscArrayzero(F->S, nt * nt));
  } else {
    for (PetscInt t = 0; t < nt; t++) {
      sv[t] = F->fx[t] - F->sx[t];
      y[t]  = F->glast[t] - F->sg[t]; /* glast: the gradient at fx */
      ss += sv[t] * sv[t];
      yy += y[t] * y[t];
      vs += y[t] * sv[t];
    }
    if (ss > 0 && PetscAbsReal(vs) > 1e-10 * PetscSqrtReal(ss * yy)) {
      for (PetscInt t = 0; t < nt; t++) {
        PetscReal ys = y[t], Ss = 0;
        for (PetscInt u = 0; u < nt; u++) {
          ys -= F->bhhh[t * nt + u] * sv[u];
          Ss += F->S[t * nt + u] * sv[u];
        }
        r[t] = ys; /* y# for now */
        sys += sv[t] * ys;
        sSs += sv[t] * Ss;
      }
      if (sSs != 0) { /* NL2SOL's sizing */
        PetscReal tau = PetscMin(1.0, PetscAbsReal(sys / sSs));
        for (PetscInt e = 0; e < nt * nt; e++) F->S[e] *= tau;
      }
      for (PetscInt t = 0; t < nt; t++) {
        PetscReal Ss = 0;
        for (PetscInt u = 0; u < nt; u++) Ss += F->S[t * nt + u] * sv[u];
        r[t] -= Ss;
        sr += sv[t] * r[t];
      }
      for (PetscInt t = 0; t < nt; t++)
        for (PetscInt u = 0; u < nt; u++) F->S[t * nt + u] += (r[t] * y[u] + y[t] * r[u]) / vs - sr * y[t] * y[u] / (vs * vs);
    }
  }
  PetscCall(PetscArraycpy(F->sx, F->fx, nt));
  PetscCall(PetscArraycpy(F->sg, F->glast, nt));
  F->hasS = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* H = BHHH + S at the last gradient's centre fx (hasfsub), with a relative 1e-8 on the diagonal (the outer
   products of fewer subjects than parameters are singular), into hwork[0 .. nt^2); once per centre
   (hashess: the Newton decrement's stop and TAO's Hessian call share it) */
static PetscErrorCode HessianAtCentre(PnlmeFit fit)
{
  PnlmeFOCEI *F  = (PnlmeFOCEI *)fit->impl;
  PetscInt    nt = F->nt;
  PetscFunctionBegin;
  if (F->hashess) PetscFunctionReturn(0);
  PetscCall(OuterProductHessian(fit));
  PetscCall(SecantUpdate(fit));
  for (PetscInt t = 0; t < nt; t++)
    for (PetscInt u = 0; u < nt; u++) F->hwork[t * nt + u] = F->bhhh[t * nt + u] + F->S[t * nt + u] + (t == u ? 1e-8 * (1 + F->bhhh[t * nt + t]) : 0);
  F->hashess = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* TAO's Hessian at X (its Newton methods: -focei_tao_type bnls, bntr, ...): BHHH + S from the central
   differences of the last evaluation there (evaluated again otherwise), with a relative 1e-8 on the
   diagonal (the outer products of fewer subjects than parameters are singular) */
static PetscErrorCode ObjGrad(Tao, Vec, PetscReal *, Vec, void *);
static PetscErrorCode OuterHessian(Tao tao, Vec X, Mat H, Mat Hpre, void *vfit)
{
  PnlmeFit         fit = (PnlmeFit)vfit;
  PnlmeFOCEI      *F   = (PnlmeFOCEI *)fit->impl;
  PetscInt         nt  = F->nt;
  const PetscReal *x;
  PetscBool        same;
  PetscFunctionBegin;
  (void)Hpre;
  PetscCall(VecGetArrayRead(X, &x));
  same = (PetscBool)(F->hasfsub && !memcmp(x, F->fx, (size_t)nt * sizeof(PetscReal)));
  PetscCall(VecRestoreArrayRead(X, &x));
  if (!same) {
    Vec       G;
    PetscReal f;
    PetscCall(VecDuplicate(X, &G));
    PetscCall(ObjGrad(tao, X, &f, G, fit));
    PetscCall(VecDestroy(&G));
  }
  if (F->hasfsub) { /* otherwise (a wall at X) the last Hessian stays */
    PetscCall(HessianAtCentre(fit));
    for (PetscInt t = 0; t < nt; t++)
      for (PetscInt u = 0; u < nt; u++) PetscCall(MatSetValue(H, t, u, F->hwork[t * nt + u], INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(H, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(H, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* The objective at theta, the centre (one reduction; SumSubjects from the accepted iterate's modes, which
   it stores into zhat).  acc keeps the local sums, so that the neighbours (Neighbours) can add theirs.  A
   centre where some subject has no objective is a wall (CENTRE_BAD) the line search or trust region
   backs away from; one far above the accepted iterate (CENTRE_FAR) gets no gradient: it is only backed
   away from (the neighbours' mode searches are most of the cost). */
static PetscErrorCode Centre(PnlmeFit fit, const PetscReal x[])
{
  PnlmeFOCEI   *F  = (PnlmeFOCEI *)fit->impl;
  PetscInt      np = 2 * F->nt + 1;
  PnlmeExactSum c[3];
  PetscBool     badc;
  PetscFunctionBegin;
  PnlmeExactSumReset(F->acc, np + 2);
  F->failed  = PETSC_FALSE;
  F->hasfsub = F->hashess = PETSC_FALSE; /* fsub: overwritten by its neighbours */
  PetscCall(SumSubjects(fit, x, 0, PETSC_TRUE));
  PetscCall(PetscArraycpy(F->thc, x, F->nt));
  c[0] = F->acc[0], c[1] = F->acc[np], c[2] = F->acc[np + 1];
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), 3, c));
  F->fc        = PnlmeExactSumValue(&c[0]);
  F->cnotconv  = (PetscBool)(PnlmeExactSumValue(&c[2]) > 0);
  badc         = (PetscBool)(PnlmeExactSumValue(&c[1]) > 0 || PetscIsInfOrNanReal(F->fc)); /* TAO must not see Inf or NaN */
  F->cstate    = badc ? CENTRE_BAD : F->hasacc && F->fc > F->facc + PetscMax(10.0, 0.01 * PetscAbsReal(F->facc)) ? CENTRE_FAR : CENTRE_OK;
  F->hascentre = PETSC_TRUE;
  if (!F->nobj && badc) F->nbadstart = PnlmeExactSumValue(&c[1]) > 0 ? (PetscInt)PnlmeExactSumValue(&c[1]) : -1; /* -1: the sum overflows */
  F->nobj++;
  if (F->cnotconv) F->nnotconv++;
  if (badc) F->nbad++;
  else if (F->cstate == CENTRE_FAR) F->nfar++;
  PetscFunctionReturn(0);
}

/* the value TAO sees at the last centre: a wall far above the last finite objective (finite, so that
   an interpolation shrinks the step instead of failing) */
static PetscReal CentreValue(PnlmeFOCEI *F)
{
  return F->cstate == CENTRE_BAD ? F->flast + 1e3 * (PetscAbsReal(F->flast) + 1) : F->fc;
}

/* The gradient at the last centre (thc) by central differences: its 2 nt neighbours, each searching
   from the centre's modes (zhat), and one more reduction of every point's sum.  A centre without
   gradient (a wall, far) or a neighbour where some subject has no objective (a wall) return the last
   finite gradient (a zero gradient would read as convergence). */
static PetscErrorCode Neighbours(PnlmeFit fit, PetscReal *f, PetscReal g[])
{
  PnlmeFOCEI *F  = (PnlmeFOCEI *)fit->impl;
  PetscInt    nt = F->nt, np = 2 * nt + 1;
  PetscReal   h[PNLME_FOCEI_MAX_THETA];
  PetscBool   bad;
  PetscFunctionBegin;
  F->hascentre = PETSC_FALSE; /* acc is consumed */
  if (F->cstate != CENTRE_OK) {
    *f = CentreValue(F);
    for (PetscInt t = 0; t < nt; t++) g[t] = F->glast[t];
    PetscFunctionReturn(0);
  }
  for (PetscInt t = 0; t < nt; t++) h[t] = F->fdstep * PetscMax(1.0, PetscAbsReal(F->thc[t]));
  /* the points 1 + 2 t (theta + h_t e_t) and 2 + 2 t (theta - h_t e_t), ngroup at a time in one batch of
     searches (each search's result is the one it has alone) */
  for (PetscInt first = 0; first < 2 * nt; first += F->ngroup) {
    PetscInt npt = PetscMin(F->ngroup, 2 * nt - first);
    for (PetscInt k = 0; k < npt; k++) {
      PetscInt t = (first + k) / 2;
      PetscCall(PetscArraycpy(F->thw, F->thc, nt));
      F->thw[t] += (first + k) % 2 ? -h[t] : h[t];
      PetscCall(GroupPop(fit, k, F->thw));
    }
    PetscCall(PnlmeModeBatchSolve(fit, F->mb, npt * fit->nlocal, GroupStart, GroupDone, &first));
  }
  if (F->fsub)
    for (PetscInt i = 0; i < fit->nlocal * nt; i++) F->fsub[i] -= F->fsubm[i];
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), np + 2, F->acc));
  for (PetscInt c = 0; c < np; c++) F->vals[c] = PnlmeExactSumValue(&F->acc[c]);
  bad = (PetscBool)(PnlmeExactSumValue(&F->acc[np]) > 0); /* some subject without an objective at a neighbour */
  for (PetscInt c = 0; c < np; c++) bad = (PetscBool)(bad || PetscIsInfOrNanReal(F->vals[c]));
  F->ngrad++;
  if (!F->cnotconv && PnlmeExactSumValue(&F->acc[np + 1]) > 0) F->nnotconv++;
  if (bad) { /* no gradient: a wall */
    F->nbad++;
    *f = F->flast + 1e3 * (PetscAbsReal(F->flast) + 1);
    for (PetscInt t = 0; t < nt; t++) g[t] = F->glast[t];
  } else {
    *f       = F->vals[0];
    F->flast = *f;
    for (PetscInt t = 0; t < nt; t++) {
      g[t]        = (F->vals[1 + 2 * t] - F->vals[2 + 2 * t]) / (2 * h[t]);
      F->glast[t] = g[t];
      F->curv[t]  = (F->vals[1 + 2 * t] + F->vals[2 + 2 * t] - 2 * F->vals[0]) / (h[t] * h[t]); /* the diagonal of the Hessian, for free */
    }
    if (F->fsub) { /* the outer Newton methods' Hessian (OuterHessian) at this centre */
      PetscCall(PetscArraycpy(F->fx, F->thc, nt));
      PetscCall(PetscArraycpy(F->fh, h, nt));
      F->hasfsub = PETSC_TRUE;
    }
  }
  PetscFunctionReturn(0);
}

/* One evaluation for TAO at X: the centre (again unless `reuse` and X is the last centre, whose sums are
   still in acc), then with G its neighbours (the gradient; *f the objective, or the wall's value), else
   *f the centre's objective alone */
static PetscErrorCode Evaluate(PnlmeFit fit, Vec X, PetscBool reuse, PetscReal *f, Vec G)
{
  PnlmeFOCEI      *F = (PnlmeFOCEI *)fit->impl;
  const PetscReal *x;
  PetscReal       *g;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(F->evobj, 0, 0, 0, 0));
  PetscCall(VecGetArrayRead(X, &x));
  if (!reuse || !F->hascentre || memcmp(x, F->thc, (size_t)F->nt * sizeof(PetscReal))) PetscCall(Centre(fit, x));
  PetscCall(VecRestoreArrayRead(X, &x));
  if (G) {
    PetscCall(VecGetArray(G, &g));
    PetscCall(Neighbours(fit, f, g));
    PetscCall(VecRestoreArray(G, &g));
  } else {
    *f = CentreValue(F);
    if (F->cstate == CENTRE_OK) F->flast = *f;
  }
  PetscCall(PetscLogEventEnd(F->evobj, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* TAO's objective with its gradient at X: the centre, then its neighbours */
static PetscErrorCode ObjGrad(Tao tao, Vec X, PetscReal *f, Vec G, void *fit)
{
  (void)tao;
  return Evaluate((PnlmeFit)fit, X, PETSC_FALSE, f, G);
}

/* TAO's objective alone at X (the Newton methods' trial points: a trust region evaluates its trial's
   objective, and its gradient only once the trial is accepted): the centre, whose sums the gradient at
   the same point (ObjGradient) completes; a rejected trial costs one point instead of 2 nt + 1 */
static PetscErrorCode ObjOnly(Tao tao, Vec X, PetscReal *f, void *fit)
{
  (void)tao;
  return Evaluate((PnlmeFit)fit, X, PETSC_FALSE, f, NULL);
}

/* TAO's gradient alone at X: the neighbours of the centre just evaluated there (ObjOnly), else of a new
   centre */
static PetscErrorCode ObjGradient(Tao tao, Vec X, Vec G, void *fit)
{
  PetscReal f;
  (void)tao;
  return Evaluate((PnlmeFit)fit, X, PETSC_TRUE, &f, G);
}

/* the objective and its gradient norm at the initial values (the first evaluation: F->nbadstart) */
static PetscErrorCode ObjGradAtStart(PnlmeFit fit, PetscReal *f, PetscReal *gnorm)
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  Vec         G;
  PetscFunctionBegin;
  PetscCall(VecDuplicate(F->X, &G));
  PetscCall(ObjGrad(F->tao, F->X, f, G, fit));
  PetscCall(VecNorm(G, NORM_2, gnorm));
  PetscCall(VecDestroy(&G));
  PetscFunctionReturn(0);
}

/* The initial Hessian of the quasi-Newton iterations: the diagonal of the objective's Hessian at the
   start (the central differences of the gradient at the start, ObjGradAtStart, give it for free),
   floored at 1e-6 of its largest entry.  BLMVM's default, 2 |f| / |g|^2 times the identity, assumes a
   minimum near f = 0: for a -2LL of 15000 with a gradient of 1000 its first step moves log-parameters
   by tens of units. */
static PetscErrorCode InitialHessian(PnlmeFit fit)
{
  PnlmeFOCEI *F  = (PnlmeFOCEI *)fit->impl;
  PetscInt    nt = F->nt;
  PetscReal   dmax = 0;
  PetscBool   islmvm;
  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompareAny((PetscObject)F->tao, &islmvm, TAOBLMVM, TAOLMVM, ""));
  if (!islmvm) PetscFunctionReturn(0);
  for (PetscInt t = 0; t < nt; t++) dmax = PetscMax(dmax, F->curv[t]);
  if (!(dmax > 0)) PetscFunctionReturn(0);
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, nt, nt, 1, NULL, &F->H0));
  for (PetscInt t = 0; t < nt; t++) PetscCall(MatSetValue(F->H0, t, t, PetscMax(F->curv[t], 1e-6 * dmax), INSERT_VALUES));
  PetscCall(MatAssemblyBegin(F->H0, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(F->H0, MAT_FINAL_ASSEMBLY));
  PetscCall(TaoLMVMSetH0(F->tao, F->H0));
  PetscFunctionReturn(0);
}

/* an accepted iterate: its modes become the start of every later search.  They are those of the last
   objective evaluation when it was at this point (a line search ends at its last trial); otherwise
   (a trust region that rejected its last trial) they are searched again here. */
static PetscErrorCode AcceptModes(PnlmeFit fit, const PetscReal x[])
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  PetscFunctionBegin;
  if (memcmp(x, F->thc, (size_t)F->nt * sizeof(PetscReal))) {
    PetscCall(SumSubjects(fit, x, 2 * F->nt + 2, PETSC_TRUE)); /* a scratch slot: only the modes are kept */
    PetscCall(PetscArraycpy(F->thc, x, F->nt));
    F->hascentre = PETSC_FALSE; /* acc holds no centre's sums */
  }
  PetscCall(PetscArraycpy(F->zacc, F->zhat, fit->nlocal * fit->p));
  PetscFunctionReturn(0);
}

/* The Newton methods' stop at the precision of the objective: at an accepted iterate x (the last
   gradient's centre) with a gradient norm below -focei_gstall, the Hessian TAO is about to use there
   (BHHH + S, HessianAtCentre, computed once for both) predicts a further decrease of g^T H^-1 g / 2 (half the squared Newton decrement); below
   -focei_newton_tol the iterations have converged.  The flat-ridge test would wait 10 iterations for
   changes that the model already predicts to be small.  Along weakly identified directions BHHH + S
   underestimates the decrease left (neonates189 Laplace: 0.005 predicted, 0.038 left), hence the
   default 1e-3, a tenth of -focei_ftol (docs/focei.md).  *dec < 0: not available (another TAO type, no
   gradient at x, H not positive definite). */
static PetscErrorCode NewtonDecrement(PnlmeFit fit, const PetscReal x[], PetscReal *dec)
{
  PnlmeFOCEI  *F  = (PnlmeFOCEI *)fit->impl;
  PetscInt     nt = F->nt;
  PetscBLASInt n, one = 1, info;
  PetscReal   *A = F->hwork + nt * nt, *v = F->work;
  PetscFunctionBegin;
  *dec = -1;
  if (!F->fsub || !F->hasfsub || memcmp(x, F->fx, (size_t)nt * sizeof(PetscReal))) PetscFunctionReturn(0);
  PetscCall(HessianAtCentre(fit));
  PetscCall(PetscBLASIntCast(nt, &n));
  PetscCall(PetscArraycpy(A, F->hwork, nt * nt));
  PetscCall(PetscArraycpy(v, F->glast, nt));
  LAPACKpotrf_("U", &n, A, &n, &info);
  if (info) PetscFunctionReturn(0);
  LAPACKpotrs_("U", &n, &one, A, &n, v, &n, &info);
  if (info) PetscFunctionReturn(0);
  *dec = 0;
  for (PetscInt t = 0; t < nt; t++) *dec += F->glast[t] * v[t];
  PetscFunctionReturn(0);
}

/* one history row per outer iteration (0: the start), the progress line */
static PetscErrorCode Monitor(Tao tao, void *vfit)
{
  PnlmeFit           fit = (PnlmeFit)vfit;
  PnlmeFOCEI        *F   = (PnlmeFOCEI *)fit->impl;
  PetscInt           its;
  PetscReal          f, gnorm, cnorm, xdiff;
  TaoConvergedReason reason;
  Vec                X;
  const PetscReal   *x;
  PetscFunctionBegin;
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, &xdiff, &reason));
  its += F->itoff; /* after a restart of the outer solver, its rows follow the first one's */
  if (its >= fit->K1) PetscFunctionReturn(0);
  PetscCall(TaoGetSolution(tao, &X));
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(AcceptModes(fit, x));
  PetscCall(PnlmeFOCEISetTheta(fit, x));
  if (F->ntol > 0 && gnorm <= F->gstall) {
    PetscReal dec;
    PetscCall(NewtonDecrement(fit, x, &dec));
    if (dec >= 0 && dec / 2 < F->ntol) {
      PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
      F->decrement = PETSC_TRUE;
    }
  }
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscCall(PnlmeFitRecordHistory(fit, its));
  fit->cdll[its] = f;
  F->gnorm       = gnorm;
  F->facc        = f;
  F->hasacc      = PETSC_TRUE;
  /* a flat ridge: the objective no longer changes by -focei_ftol over 10 iterations (changes: one far
     above that of 10 iterations before, as after a restart of the outer solver at a worse point, is no
     convergence) */
  if (F->ftol > 0 && its >= 10 && PetscAbsReal(fit->cdll[its - 10] - f) < F->ftol) {
    PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
    F->flat = PETSC_TRUE;
  }
  PetscCall(PnlmeFitPrintProgress(fit, fit->label, its, fit->K1, "-2LL", f));
  PetscFunctionReturn(0);
}

static PetscErrorCode FinalStart(PnlmeFit fit, PetscInt i, PnlmeModeWork *W, void *ctx)
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  PetscInt    p = fit->p;
  PetscFunctionBegin;
  (void)ctx;
  PetscCall(PnlmeDataGetSubject(fit->data, i, &W->sub));
  PnlmePopMean(&fit->pop, fit->x + i * fit->q, fit->mi + i * p);
  PetscCall(PetscArraycpy(W->zs, F->zacc + i * p, p)); /* from the accepted iterate's modes */
  PetscCall(PnlmeModeBegin(fit, W, &W->sub, fit->mi + i * p, W->zs));
  PetscFunctionReturn(0);
}

static PetscErrorCode FinalDone(PnlmeFit fit, PetscInt i, PnlmeModeWork *W, void *ctx)
{
  PnlmeFOCEI *F     = (PnlmeFOCEI *)fit->impl;
  PetscInt   *nfail = (PetscInt *)ctx, p = fit->p;
  PetscFunctionBegin;
  if (W->status == PNLME_MODE_FAILED) { /* the individual mean and the prior */
    (*nfail)++;
    PetscCall(PetscArraycpy(W->zs, fit->mi + i * p, p));
    for (PetscInt k = 0; k < p; k++)
      for (PetscInt l = 0; l < p; l++) F->chol[(i * p + k) * p + l] = l <= k && !fit->pop.fixed[k] && !fit->pop.fixed[l] ? fit->pop.L[k * p + l] : 0;
  } else PetscCall(PnlmeFOCEIPosteriorFactor(fit, W, &W->sub, F->chol + i * p * p));
  PetscCall(PetscArraycpy(F->zhat + i * p, W->zs, p));
  /* the mode as the one chain (its prediction and likelihood) */
  PetscCall(PetscArraycpy(fit->z + i * p, W->zs, p));
  PetscFunctionReturn(0);
}

/* the posterior contract at the estimates: modes (searched again at theta), A^-1, the moments */
static PetscErrorCode Finalize(PnlmeFit fit, const PetscReal th[])
{
  PnlmeFOCEI *F     = (PnlmeFOCEI *)fit->impl;
  PetscInt    nfail = 0;
  PetscFunctionBegin;
  PnlmeExactSumReset(F->acc, 1);
  PetscCall(PnlmeFOCEISetTheta(fit, th));
  PetscCall(PnlmeModeBatchSolve(fit, F->mb, fit->nlocal, FinalStart, FinalDone, &nfail));
  PetscCallMPI(MPI_Allreduce(&nfail, &F->nfinalfail, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)fit)));
  PetscCall(PnlmeFitGaussianPosterior(fit, F->zhat, F->chol, F->ndraws_mom, PNLME_FOCEI_SUBSTREAM_MOMENTS));
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_FOCEI(PnlmeFit fit)
{
  PnlmeFOCEI     *F = (PnlmeFOCEI *)fit->impl;
  PetscInt        nt = F->nt, p = fit->p;
  PetscReal      *x, f0;
  PetscLogDouble  t0, t1;
  MPI_Comm        comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PnlmeFitCheckStart(fit));
  for (PetscInt i = 0; i < fit->nlocal; i++) PnlmePopMean(&fit->pop, fit->x + i * fit->q, F->zhat + i * p); /* modes start at the individual means */
  PetscCall(PetscArraycpy(F->zacc, F->zhat, fit->nlocal * p));
  ThetaFromPop(fit, F, F->theta);
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, nt, &F->X));
  PetscCall(VecDuplicate(F->X, &F->XL));
  PetscCall(VecDuplicate(F->X, &F->XU));
  PetscCall(VecGetArray(F->X, &x));
  PetscCall(PetscArraycpy(x, F->theta, nt));
  PetscCall(VecRestoreArray(F->X, &x));
  PetscCall(VecGetArray(F->XL, &x));
  PetscCall(PetscArraycpy(x, F->lo, nt));
  PetscCall(VecRestoreArray(F->XL, &x));
  PetscCall(VecGetArray(F->XU, &x));
  PetscCall(PetscArraycpy(x, F->hi, nt));
  PetscCall(VecRestoreArray(F->XU, &x));
  /* every rank runs the same TAO iterations on the same (exactly reduced) objective */
  PetscCall(TaoCreate(PETSC_COMM_SELF, &F->tao));
  PetscCall(TaoSetOptionsPrefix(F->tao, "focei_"));
  PetscCall(TaoSetType(F->tao, TAOBNTR));
  PetscCall(TaoSetSolution(F->tao, F->X));
  PetscCall(TaoSetVariableBounds(F->tao, F->XL, F->XU));
  PetscCall(TaoSetObjectiveAndGradient(F->tao, NULL, ObjGrad, fit));
  PetscCall(TaoSetTolerances(F->tao, F->gatol, 0, 0));
  PetscCall(TaoSetMaximumIterations(F->tao, F->maxit));
  PetscCall(TaoSetMaximumFunctionEvaluations(F->tao, 100 * F->maxit));
  PetscCall(TaoSetMonitor(F->tao, Monitor, fit, NULL));
  PetscCall(TaoSetFromOptions(F->tao));
  {
    TaoType   tt;
    PetscBool isblmvm;
    char      what[128];
    PetscCall(TaoGetType(F->tao, &tt));
    PetscCall(PetscStrncpy(F->taotype, tt, sizeof(F->taotype)));
    /* a misspelled -focei_tao_ option fails now, not after the fit (BLMVM's fallback reads BQNKTR's) */
    PetscCall(PetscObjectTypeCompare((PetscObject)F->tao, TAOBLMVM, &isblmvm));
    PetscCall(PetscSNPrintf(what, sizeof(what), "the outer solver of -estimator %s (TAO %s)", ((PetscObject)fit)->type_name, tt));
    PetscCall(PnlmeOptionsCheckSolver(comm, (PetscObject)F->tao, what, isblmvm ? "bqnk_,bnk_" : NULL));
  }
  { /* TAO checks this only inside its first iteration, on each rank alone */
    PetscBool tr, trksp;
    KSP       ksp;
    KSPType   kt;
    PetscCall(PetscObjectTypeCompareAny((PetscObject)F->tao, &tr, TAOBNTR, TAOBNTL, TAOBQNKTR, TAOBQNKTL, TAONTR, TAONTL, ""));
    PetscCall(TaoGetKSP(F->tao, &ksp));
    if (tr && ksp) {
      PetscCall(PetscObjectTypeCompareAny((PetscObject)ksp, &trksp, KSPSTCG, KSPNASH, KSPGLTR, ""));
      PetscCall(KSPGetType(ksp, &kt));
      PetscCheck(trksp, comm, PETSC_ERR_USER, "option -%sksp_type %s: TAO %s needs a trust-region Krylov method (stcg, nash or gltr)", ((PetscObject)ksp)->prefix ? ((PetscObject)ksp)->prefix : "", kt, F->taotype);
    }
  }
  { /* TAO's Newton methods: the outer-product Hessian with the secant term */
    PetscBool newton;
    PetscCall(PetscObjectTypeCompareAny((PetscObject)F->tao, &newton, TAOBNLS, TAOBNTR, TAOBNTL, TAONLS, TAONTR, TAONTL, ""));
    if (newton) {
      PetscCall(NewtonCreate(fit));
      PetscCall(TaoSetHessian(F->tao, F->H, F->H, OuterHessian, fit));
      PetscCall(TaoSetObjective(F->tao, ObjOnly, fit)); /* trial points without their gradient */
      PetscCall(TaoSetGradient(F->tao, NULL, ObjGradient, fit));
    }
  }
  PetscCall(PnlmeFitCheckStart(fit)); /* the model and the data at the initial values (src/fit/interface/start.c) */
  PetscCall(ObjGradAtStart(fit, &f0, &F->gnorm));
  if (!F->maxit) { /* the objective and its gradient at the initial values, nothing moves */
    fit->m2ll_obj = F->nbad ? PETSC_INFINITY : f0; /* some subject has no objective there */
    F->reason     = TAO_CONVERGED_USER;
    F->evalonly   = PETSC_TRUE;
  } else {
    /* no objective at the start: a wall there has no gradient, and TAO would call the start converged */
    PetscCheck(F->nbadstart >= 0, comm, PETSC_ERR_USER, "-estimator %s: the objective overflows at the initial values; change -fit_theta or -fit_omega", ((PetscObject)fit)->type_name);
    PetscCheck(!F->nbadstart, comm, PETSC_ERR_USER, "-estimator %s: the objective is not defined at the initial values: %" PetscInt_FMT " of %" PetscInt64_FMT " subjects have no conditional mode (the model fails, or its likelihood is not finite, at their start and at the individual mean; e.g. an observation of 0 with a prediction of 0 under a proportional error); change -fit_theta or -fit_error", ((PetscObject)fit)->type_name, F->nbadstart, fit->N);
    PetscCall(InitialHessian(fit));
    PetscCall(TaoSolve(F->tao));
    PetscCall(TaoGetConvergedReason(F->tao, &F->reason));
  }
  if (!F->evalonly) {
    PetscInt  its;
    PetscReal f, cnorm, xdiff;
    PetscBool isblmvm;
    PetscCall(TaoGetSolutionStatus(F->tao, &its, &f, &F->gnorm, &cnorm, &xdiff, NULL));
    F->outer      = its;
    fit->m2ll_obj = f;
    /* a line search that failed far from a stationary point (a rough region: trial points where modes
       are hard to find): the rest by a trust-region quasi-Newton method from there */
    PetscCall(PetscObjectTypeCompare((PetscObject)F->tao, TAOBLMVM, &isblmvm));
    if (isblmvm && F->reason == TAO_DIVERGED_LS_FAILURE && F->gnorm > F->gstall && its + 1 < F->maxit) {
      if (fit->printevery > 0) PetscCall(PetscPrintf(comm, "%s: the line search failed at gradient norm %g after %" PetscInt_FMT " iterations; continuing with TAO %s\n", fit->label, (double)F->gnorm, its, TAOBQNKTR));
      F->itoff    = fit->niter;
      F->fallback = PETSC_TRUE;
      PetscCall(TaoSetType(F->tao, TAOBQNKTR));
      PetscCall(TaoSetMaximumIterations(F->tao, F->maxit - its));
      PetscCall(TaoSetFromOptions(F->tao));
      PetscCall(PnlmeOptionsCheckSolver(comm, (PetscObject)F->tao, "the outer solver's fallback (TAO " TAOBQNKTR ")", NULL));
      PetscCall(TaoSolve(F->tao));
      PetscCall(TaoGetConvergedReason(F->tao, &F->reason));
      PetscCall(TaoGetSolutionStatus(F->tao, &its, &f, &F->gnorm, &cnorm, &xdiff, NULL));
      F->outer += its;
      fit->m2ll_obj = f;
    }
  }
  F->converged = F->evalonly ? (PetscBool)!F->nbad : (PetscBool)(F->reason > 0 || (F->gnorm <= F->gstall && F->reason != TAO_DIVERGED_MAXITS && F->reason != TAO_DIVERGED_MAXFCN));
  if (!F->converged && !F->evalonly && fit->printevery > 0) PetscCall(PetscPrintf(comm, "%s: warning: the outer iterations did not converge (%s, gradient norm %g)\n", fit->label, TaoConvergedReasons[F->reason], (double)F->gnorm));
  PetscCall(VecGetArray(F->X, &x));
  PetscCall(PetscArraycpy(F->theta, x, nt));
  PetscCall(VecRestoreArray(F->X, &x));
  /* the last row of the history is the solution */
  PetscCall(PnlmeFOCEISetTheta(fit, F->theta));
  if (fit->niter < fit->K1) {
    PetscInt last = fit->niter;
    PetscCall(PnlmeFitRecordHistory(fit, last));
    fit->cdll[last] = fit->m2ll_obj;
  } else {
    PetscCall(PnlmeFitRecordHistory(fit, fit->niter - 1));
    fit->cdll[fit->niter - 1] = fit->m2ll_obj;
  }
  if (fit->printevery > 0 && fit->niter % fit->printevery) PetscCall(PnlmeFitPrintProgress(fit, fit->label, fit->niter - 1, fit->niter, "-2LL", fit->m2ll_obj));
  PetscCall(Finalize(fit, F->theta));
  PnlmeModeBatchGetStats(F->mb, &fit->nproposed, &fit->nfailed); /* the estimator's solves: its mode searches' */
  PetscCall(TaoDestroy(&F->tao));
  PetscCall(MatDestroy(&F->H0));
  PetscCall(NewtonDestroy(F));
  PetscCall(VecDestroy(&F->X));
  PetscCall(VecDestroy(&F->XL));
  PetscCall(VecDestroy(&F->XU));
  PetscCall(PetscTime(&t1));
  fit->walltime = t1 - t0;
  PetscFunctionReturn(0);
}

static PetscErrorCode View_FOCEI(PnlmeFit fit, PetscViewer v, const char errdesc[])
{
  PnlmeFOCEI *F = (PnlmeFOCEI *)fit->impl;
  PetscInt64  tot[2], loc[2] = {fit->nproposed, fit->nfailed};
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(loc, tot, 2, MPI_INT64_T, MPI_SUM, PetscObjectComm((PetscObject)fit)));
  if (F->evalonly) PetscCall(PetscViewerASCIIPrintf(v, "%s: %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " observations, %" PetscInt_FMT " population parameters: the objective at the initial values (-focei_max_it 0; gradient norm %.3g), error model %s\n", fit->label, fit->N, fit->Ntot, F->nt, (double)F->gnorm, errdesc));
  else PetscCall(PetscViewerASCIIPrintf(v, "%s: %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " observations, %" PetscInt_FMT " population parameters, %" PetscInt_FMT " outer iterations (TAO %s: %s, gradient norm %.3g), error model %s\n", fit->label, fit->N, fit->Ntot, F->nt, F->outer, F->fallback ? "blmvm, then bqnktr" : F->taotype, F->flat ? "the objective changed by less than -focei_ftol in 10 iterations" : F->decrement ? "the Newton step predicts a decrease below -focei_newton_tol" : TaoConvergedReasons[F->reason], (double)F->gnorm, errdesc));
  PetscCall(PetscViewerASCIIPrintf(v, "  objective (-2LL, %s) %.6f in %.3f s; %" PetscInt_FMT " evaluations of the objective, %" PetscInt_FMT " of them with its gradient (central differences, %" PetscInt_FMT " points each)\n", F->laplace ? "Laplace" : "linearised at the modes", (double)fit->m2ll_obj, (double)fit->walltime, F->nobj, F->ngrad, 2 * F->nt + 1));
  if (!F->converged && !F->evalonly) PetscCall(PetscViewerASCIIPrintf(v, "  warning: the outer iterations did not converge (%s): the estimates are those of the last iteration\n", TaoConvergedReasons[F->reason]));
  if (F->nbad) PetscCall(PetscViewerASCIIPrintf(v, "  warning: at %" PetscInt_FMT " trial points some subject had no conditional mode (the model failed): the line search backed away\n", F->nbad));
  if (F->nfar) PetscCall(PetscViewerASCIIPrintf(v, "  %" PetscInt_FMT " trial points far above the accepted iterate were evaluated without their gradient\n", F->nfar));
  if (F->nnotconv) PetscCall(PetscViewerASCIIPrintf(v, "  warning: at %" PetscInt_FMT " evaluations some mode search stopped at -focei_inner_max_it before converging\n", F->nnotconv));
  if (F->nfinalfail) PetscCall(PetscViewerASCIIPrintf(v, "  warning: %" PetscInt_FMT " subjects have no conditional mode at the estimates (the model fails): their posterior is the prior\n", F->nfinalfail));
  for (PetscInt k = 0; k < fit->p; k++)
    if (!fit->pop.fixed[k] && PetscSqrtReal(fit->pop.Omega[k * fit->p + k]) < fit->omegamin) {
      const char *pn;
      PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
      PetscCall(PetscViewerASCIIPrintf(v, "  warning: the SD of %s's random effect is %.3g, below -fit_omega_boundary %g: the data do not support it (refit with -fit_fixed %s)\n", pn, (double)PetscSqrtReal(fit->pop.Omega[k * fit->p + k]), (double)fit->omegamin, pn));
    }
  (void)tot;
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateCommon(PnlmeFit fit, PetscBool laplace)
{
  PnlmeFOCEI             *F;
  static PetscLogStage    stage;
  static PetscLogEvent    evobj;
  static PetscBool        registered = PETSC_FALSE;
  PetscFunctionBegin;
  if (!registered) { /* the type's own log stage and events */
    PetscCall(PetscLogStageRegister("FOCEI iterations", &stage));
    PetscCall(PetscLogEventRegister("PnlmeFOCEIObj", PNLME_CLASSID, &evobj));
    registered = PETSC_TRUE;
  }
  PetscCall(PetscNew(&F));
  F->laplace               = laplace;
  F->interaction           = PETSC_TRUE;
  F->maxit                 = 500;
  F->gatol                 = 1e-4;
  F->gstall                = 1;
  F->ftol                  = 1e-2;
  F->ntol                  = 1e-3;
  F->odertol               = 1e-9;
  F->fdstep                = 1e-4;
  F->inmaxit               = 100;
  F->intol                 = 1e-10;
  F->insecant              = PETSC_TRUE;
  F->ndraws_mom            = 500;
  F->evobj                 = evobj;
  fit->impl                = F;
  fit->label               = laplace ? "Laplace" : "FOCEI";
  fit->failword            = "backed away from";
  fit->seriesname          = "objective";
  fit->objmethod           = laplace ? "laplace" : "focei";
  fit->stage               = stage;
  fit->ops->setfromoptions = SetFromOptions_FOCEI;
  fit->ops->setup          = SetUp_FOCEI;
  fit->ops->solve          = Solve_FOCEI;
  fit->ops->view           = View_FOCEI;
  fit->ops->destroy        = Destroy_FOCEI;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitCreate_FOCEI(PnlmeFit fit)
{
  PetscFunctionBegin;
  PetscCall(CreateCommon(fit, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitCreate_Laplace(PnlmeFit fit)
{
  PetscFunctionBegin;
  PetscCall(CreateCommon(fit, PETSC_TRUE));
  PetscFunctionReturn(0);
}
