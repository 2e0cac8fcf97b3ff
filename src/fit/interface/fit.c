/* PnlmeFit: lifecycle, the estimator registry, set-up (design, statistics, chains), the pipeline of
   PnlmeFitSolve (iterations, post-fit, outputs) and the result table. */
#include "fit/fitimpl.h"
#include <math.h>
#include <string.h>

PETSC_INTERN PetscErrorCode PnlmeFitStatSize(PnlmeFit, PetscInt *);

static PetscFunctionList PnlmeFitList = NULL;
static PetscBool         PnlmeFitRegisterAllCalled = PETSC_FALSE;

/* a new estimator type: create(fit) fills fit->ops, fit->impl, label, failword and stage */
PetscErrorCode PnlmeFitRegister(const char name[], PetscErrorCode (*create)(PnlmeFit))
{
  PetscFunctionBegin;
  PetscCall(PnlmeInitialize());
  PetscCall(PetscFunctionListAdd(&PnlmeFitList, name, create));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode PnlmeFitListDestroy(void);

/* the estimators shipped (called by PnlmeInitialize) */
PetscErrorCode PnlmeFitRegisterAll(void)
{
  PetscFunctionBegin;
  if (PnlmeFitRegisterAllCalled) PetscFunctionReturn(0);
  PnlmeFitRegisterAllCalled = PETSC_TRUE;
  PetscCall(PetscFunctionListAdd(&PnlmeFitList, PNLMEFITSAEM, PnlmeFitCreate_SAEM));
  PetscCall(PetscFunctionListAdd(&PnlmeFitList, PNLMEFITVEM, PnlmeFitCreate_VEM));
  PetscCall(PetscFunctionListAdd(&PnlmeFitList, PNLMEFITFOCEI, PnlmeFitCreate_FOCEI));
  PetscCall(PetscFunctionListAdd(&PnlmeFitList, PNLMEFITLAPLACE, PnlmeFitCreate_Laplace));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitListDestroy(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&PnlmeFitList));
  PnlmeFitRegisterAllCalled = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* the registered names, "a, b, c" (error messages, -help) */
PetscErrorCode PnlmeFitListTypes(char buf[], size_t len)
{
  const char **names;
  int          n;
  PetscFunctionBegin;
  buf[0] = 0;
  PetscCall(PetscFunctionListGet(PnlmeFitList, &names, &n));
  for (int k = 0; k < n; k++) {
    if (!names[k] || !names[k][0]) continue;
    if (buf[0]) PetscCall(PetscStrlcat(buf, ", ", len));
    PetscCall(PetscStrlcat(buf, names[k], len));
  }
  PetscCall(PetscFree(names));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitTypeRegistered(const char name[], PetscBool *found)
{
  PetscErrorCode (*create)(PnlmeFit);
  PetscFunctionBegin;
  PetscCall(PetscFunctionListFind(PnlmeFitList, name, &create));
  *found = (PetscBool)(create != NULL);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetType(PnlmeFit fit, PnlmeFitType type)
{
  PetscErrorCode (*create)(PnlmeFit);
  PetscBool same;
  MPI_Comm  comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)fit, type, &same));
  if (same) PetscFunctionReturn(0);
  PetscCheck(!fit->setupcalled, comm, PETSC_ERR_ORDER, "PnlmeFitSetType: the fit is already set up");
  PetscCheck(!fit->optionsset, comm, PETSC_ERR_ORDER, "PnlmeFitSetType: call it before PnlmeFitSetFromOptions (the type's options and schedule are read there), or give -estimator %s", type);
  PetscCall(PetscFunctionListFind(PnlmeFitList, type, &create));
  if (!create) {
    char list[256];
    PetscCall(PnlmeFitListTypes(list, sizeof(list)));
    SETERRQ(comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown estimator '%s' (registered: %s)", type, list);
  }
  if (fit->ops->destroy) PetscCall((*fit->ops->destroy)(fit));
  PetscCall(PetscMemzero(fit->ops, sizeof(*fit->ops)));
  fit->impl     = NULL;
  fit->label    = NULL;
  fit->failword = NULL;
  fit->seriesname = NULL;
  fit->objmethod  = NULL;
  fit->mcsolves   = PETSC_FALSE;
  fit->iterrtol   = 0;
  PetscCall((*create)(fit));
  PetscCall(PetscObjectChangeTypeName((PetscObject)fit, type));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetType(PnlmeFit fit, PnlmeFitType *type)
{
  PetscFunctionBegin;
  *type = ((PetscObject)fit)->type_name;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitCreate(MPI_Comm comm, PnlmeFit *fit)
{
  PnlmeFit f;
  PetscFunctionBegin;
  PetscValidPointer(fit, 2);
  PetscCall(PnlmeInitialize());
  PetscCall(PetscHeaderCreate(f, PNLME_CLASSID, "PnlmeFit", "Population fit", "Fit", comm, PnlmeFitDestroy, PnlmeFitView));
  f->K1         = 300;
  f->K2         = 100;
  f->nchains    = PETSC_DECIDE;
  f->nkern[0]   = 2;
  f->nkern[1]   = 2;
  f->nkern[2]   = 2;
  f->nkernx[0]  = PETSC_DECIDE; /* half the sweeps with several chains: fit SetUp */
  f->saiter     = PETSC_DECIDE;
  f->safactor   = 0.97;
  f->seed       = 1;
  f->printevery = 50;
  f->nis        = 5000;
  f->isdof      = 15;
  f->isadapt    = 500;
  f->isrounds   = 1;
  f->ismixture  = PETSC_TRUE;
  f->isbatch    = 500;
  f->iscv       = PETSC_TRUE;
  f->istol      = 0.025;
  f->mapgtol    = 1e-3;
  f->mapbound   = 8.0;
  f->fimthreshold = 200;
  f->ncevery    = 2;
  f->ncmaxit    = 1;
  f->ncsmooth   = PETSC_TRUE;
  f->exploreavg = PETSC_TRUE;
  f->mc_rtol = 1e-4;
  f->mc_dense = PETSC_FALSE;
  f->post     = PETSC_TRUE;
  f->autostop   = PETSC_TRUE;
  f->earlyreject = PETSC_TRUE;
  f->K1max      = 1500;
  f->autowin    = 200;
  f->autotol    = 0.5;
  f->omegamin   = 0.01;
  *fit          = f;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetData(PnlmeFit fit, PnlmeData data)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectReference((PetscObject)data));
  PetscCall(PnlmeDataDestroy(&fit->data));
  fit->data = data;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetModel(PnlmeFit fit, PnlmeModel model)
{
  PetscInt p;
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetNumParameters(model, &p));
  PetscCheck(p <= 64, PetscObjectComm((PetscObject)fit), PETSC_ERR_ARG_OUTOFRANGE, "at most 64 individual parameters");
  PetscCall(PetscObjectReference((PetscObject)model));
  PetscCall(PnlmeModelDestroy(&fit->model));
  fit->model = model;
  fit->p     = p;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitEvaluate(PnlmeFit fit, const PnlmeSubject *s, const PetscReal z[], PetscReal pred[], PetscReal *ll, PetscBool *failed)
{
  PnlmeSolveStatus st;
  PetscFunctionBeginHot;
  PnlmeModelTransformToNatural(fit->model, z, fit->phi, NULL);
  PetscCall(PnlmeModelPredict(fit->model, s, fit->phi, pred, NULL, &st));
  fit->nproposed++;
  if (failed) *failed = (PetscBool)(st != 0);
  *ll = st ? PETSC_NINFINITY : PnlmeErrorLogLik(&fit->pop, s, pred);
  if (PetscIsNanReal(*ll)) *ll = PETSC_NINFINITY;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitPredWorkCreate(PnlmeFit fit, PetscInt nbmax, PnlmeFitPredWork *w)
{
  PetscFunctionBegin;
  w->nbmax = nbmax;
  PetscCall(PetscMalloc4(2 * nbmax * fit->p, &w->phib, 2 * nbmax, &w->lp, 2 * nbmax, &w->ls, 2 * nbmax, &w->st));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitPredWorkDestroy(PnlmeFitPredWork *w)
{
  PetscFunctionBegin;
  PetscCall(PetscFree4(w->phib, w->lp, w->ls, w->st));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitPredictPopInd(PnlmeFit fit, PnlmeFitPredWork *w, PetscInt i0, PetscInt nb, const PnlmeSubject subj[], PetscReal *const pred[], PetscReal *const ipred[])
{
  const PetscInt p = fit->p;
  PetscFunctionBegin;
  PetscCheck(nb <= w->nbmax, PETSC_COMM_SELF, PETSC_ERR_PLIB, "more subjects than the work holds");
  for (PetscInt b = 0; b < nb; b++) { /* set 2b: PRED, 2b + 1: IPRED */
    PnlmeModelTransformToNatural(fit->model, fit->mi + (i0 + b) * p, w->phib + 2 * b * p, NULL);
    PnlmeModelTransformToNatural(fit->model, fit->map + (i0 + b) * p, w->phib + (2 * b + 1) * p, NULL);
    w->ls[2 * b] = w->ls[2 * b + 1] = &subj[b];
    w->lp[2 * b]                    = pred[b];
    w->lp[2 * b + 1]                = ipred[b];
  }
  PetscCall(PnlmeModelPredictMany(fit->model, 2 * nb, w->ls, w->phib, w->lp, w->st));
  for (PetscInt l = 0; l < 2 * nb; l++)
    if (w->st[l])
      for (PetscInt j = 0; j < w->ls[l]->nobs; j++) w->lp[l][j] = NAN;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetUp(PnlmeFit fit)
{
  PetscInt     p = fit->p, q = fit->q, nc, maxev, nbeta = 0;
  PetscInt64   nobsl, nobsk[2 * PNLME_POP_MAX_OUTPUTS] = {0}; /* uncensored, censored observations per output */
  PetscInt64   nzero[2 * PNLME_POP_MAX_OUTPUTS];          /* per output: observations of 0 under an error without additive part, the first subject ID */
  PnlmeSubject s;
  PnlmeDeferredError derr;
  MPI_Comm     comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  if (fit->setupcalled) PetscFunctionReturn(0);
  PetscCheck(fit->pop.B, comm, PETSC_ERR_ORDER, "call PnlmeFitSetFromOptions() before PnlmeFitSetUp()");
  PetscCheck(((PetscObject)fit)->type_name, comm, PETSC_ERR_ORDER, "PnlmeFitSetUp: no estimator type (PnlmeFitSetType)");
  PetscCall(PnlmeDataGetNumSubjects(fit->data, &fit->nlocal, &fit->N));
  PetscCall(PnlmeDataGetNumObservations(fit->data, &nobsl, &fit->Ntot));
  PetscCall(PnlmeDataGetMaxSizes(fit->data, &fit->maxobs, &maxev));
  PetscCheck(fit->N > 0, comm, PETSC_ERR_USER, "the dataset has no subject with observations");
  if (fit->outdir[0]) PetscCall(PnlmeCheckOutputDirectory(comm, "-output_dir", fit->outdir)); /* before any work */
  if (fit->ckevery > 0 && fit->ckfile[0]) { /* the checkpoint's directory */
    char dir[PETSC_MAX_PATH_LEN], *slash;
    PetscCall(PetscStrncpy(dir, fit->ckfile, sizeof(dir)));
    slash = strrchr(dir, '/');
    if (slash && slash != dir) {
      *slash = 0;
      PetscCall(PnlmeCheckOutputDirectory(comm, "-checkpoint_file", dir));
    }
  }
  if (fit->nchains == PETSC_DECIDE) fit->nchains = (PetscInt)((100 + fit->N - 1) / fit->N); /* saemix: ceil(50/N); twice that steadies small cohorts (docs/saem.md) */
  nc = fit->nchains;
  /* the exploration's sweeps: with several chains, half of -saem_kernels (rounded up); docs/saem.md */
  if (fit->nkernx[0] == PETSC_DECIDE)
    for (PetscInt k = 0; k < 3; k++) fit->nkernx[k] = nc >= 2 ? (fit->nkern[k] + 1) / 2 : fit->nkern[k];
  PetscCall(PnlmePopFactor(&fit->pop));
  fit->pop.nfree = 0;
  for (PetscInt j = 0; j < q * p; j++) fit->pop.nfree += fit->pop.mask[j] && !fit->pop.hold[j] && !fit->pop.fixed[j % p];
  PetscCall(PetscMalloc4(fit->pop.nfree * fit->pop.nfree, &fit->pop.lsA, fit->pop.nfree, &fit->pop.lsr, fit->pop.nfree, &fit->pop.lspiv, fit->pop.nfree, &fit->pop.lsidx));
  PetscCall(PetscMalloc1(q * p, &fit->pop.active));
  PetscCall(PetscArraycpy(fit->pop.active, fit->pop.mask, q * p));
  PetscCall(PetscCalloc5(fit->nlocal * q, &fit->x, fit->nlocal * p, &fit->mi, fit->nlocal * nc * p, &fit->z, fit->nlocal * nc, &fit->ll, fit->nlocal + 1, &fit->predoff));
  PetscCall(PetscMalloc1(fit->nlocal * nc, &fit->rng));
  PetscCall(PetscMalloc4(p, &fit->zp, p, &fit->phi, PetscMax(1, fit->maxobs), &fit->predp, p, &fit->e));
  fit->predoff[0] = 0;
  PnlmeDeferredErrorInit(&derr);
  for (PetscInt k = 0; k < fit->pop.nout; k++) nzero[k] = 0, nzero[fit->pop.nout + k] = INT64_MAX;
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    fit->x[i * q] = 1.0;
    for (PetscInt c = 0; c < fit->ncov; c++) fit->x[i * q + 1 + c] = s.cov[c];
    fit->predoff[i + 1] = fit->predoff[i] + s.nobs;
    for (PetscInt c = 0; c < nc; c++) PnlmeRNGInit(&fit->rng[i * nc + c], (uint64_t)fit->seed, (uint64_t)s.gindex, (uint64_t)c);
    for (PetscInt j = 0; j < s.nobs; j++) {
      PetscInt k = s.obsout[j];
      if (s.cens && s.cens[j]) {
        nobsk[fit->pop.nout + k]++;
        if (fit->pop.err[k]->logscale && !(s.dv[j] > 0)) PnlmeDeferredErrorSet(&derr, s.gindex, "-fit_error %s: the limit of a censored observation of output %s must be positive; subject ID %" PetscInt64_FMT " has %g", fit->pop.err[k]->name, fit->pop.outname[k], s.id, (double)s.dv[j]);
        continue;
      }
      nobsk[k]++;
      if (!fit->pop.err[k]->usea && !fit->pop.err[k]->logscale && s.dv[j] == 0) { /* SD b |f|: the density of 0 is unbounded as f goes to 0 */
        nzero[k]++;
        nzero[fit->pop.nout + k] = PetscMin(nzero[fit->pop.nout + k], s.id);
      }
      if (fit->pop.err[k]->logscale && !(s.dv[j] > 0)) PnlmeDeferredErrorSet(&derr, s.gindex, "-fit_error %s needs positive observations of output %s; subject ID %" PetscInt64_FMT " has %g", fit->pop.err[k]->name, fit->pop.outname[k], s.id, (double)s.dv[j]);
    }
  }
  PetscCall(PnlmeDeferredErrorRaise(comm, &derr));
  /* observations per output, uncensored, and censored ones (global) */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, nobsk, 2 * (PetscMPIInt)fit->pop.nout, MPI_INT64_T, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, nzero, (PetscMPIInt)fit->pop.nout, MPI_INT64_T, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, nzero + fit->pop.nout, (PetscMPIInt)fit->pop.nout, MPI_INT64_T, MPI_MIN, comm));
  for (PetscInt k = 0; k < fit->pop.nout; k++)
    if (nzero[k])
      PetscCall(PetscPrintf(comm, "warning: -fit_error %s: output %s has %" PetscInt64_FMT " observations of 0 (the first in subject ID %" PetscInt64_FMT "), whose density is unbounded where the prediction goes to 0 (no maximum of the likelihood there): use combined1 or combined2, or censor them\n", fit->pop.err[k]->name, fit->pop.outname[k], nzero[k], nzero[fit->pop.nout + k]));
  fit->ncens = 0;
  for (PetscInt k = 0; k < fit->pop.nout; k++) {
    fit->nobsout[k]  = nobsk[k];
    fit->ncensout[k] = nobsk[fit->pop.nout + k];
    fit->ncens += fit->ncensout[k];
  }
  fit->pop.censored = (PetscBool)(fit->ncens > 0);
  PetscCall(PetscMalloc1(fit->predoff[fit->nlocal] * nc, &fit->pred));
  PetscCall(PetscCalloc2(fit->nlocal * p, &fit->cmean, fit->nlocal * p * p, &fit->ccov));
  PetscCall(PnlmeFitSetUp_NC(fit));
  PetscCall(PetscCalloc1(fit->nlocal * 2 * p, &fit->nmom));
  PetscCall(PetscMalloc3(fit->nlocal * p, &fit->map, PetscMax(1, fit->maxobs) * p, &fit->sens, PetscMax(1, fit->maxobs), &fit->dldf));
  /* the Gram matrix of the design, exact; the effects it estimates can be (the selection's candidates:
     the selection's own check) */
  PetscCall(PetscMalloc1(q * q, &fit->G));
  PetscCall(PnlmeDesignGram(fit->data, fit->G));
  {
    PetscBool *eff;
    PetscCall(PetscMalloc1(q * p, &eff));
    for (PetscInt j = 0; j < q * p; j++) eff[j] = (PetscBool)(j >= p && fit->pop.mask[j] && !fit->pop.hold[j] && !(fit->selcand && fit->selcand[j]));
    PetscCall(PnlmeDesignCheck(fit->data, fit->model, fit->G, eff, "-fit_covariates"));
    PetscCall(PetscFree(eff));
  }
  fit->nv = fit->selcand && fit->sellouis > 0 ? p : 0; /* the posterior variances of the Louis correction */
  PetscCall(PnlmeFitStatSize(fit, &fit->nstat));
  PetscCall(PetscCalloc3(fit->nstat, &fit->S, fit->nstat, &fit->s, fit->nstat, &fit->acc));
  for (PetscInt k = 0; k < p; k++) fit->scale[0][k] = fit->scale[1][k] = 0.5;
  for (PetscInt a = 1; a < q; a++)
    for (PetscInt k = 0; k < p; k++) nbeta += fit->pop.mask[a * p + k];
  fit->nhist = p + nbeta + p + fit->pop.npairs + PnlmeErrorNumParameters(&fit->pop);
  PetscCall(PetscMalloc1((fit->K1 + fit->K2) * fit->nhist, &fit->hist));
  PetscCall(PetscCalloc1(fit->K1 + fit->K2, &fit->cdll));
  if (fit->ops->setup) PetscCall((*fit->ops->setup)(fit));
  if (fit->selcand) PetscCall(PnlmePopSelectCreate(comm, &fit->pop, fit->selcand, fit->selalpha, fit->sellouis, PetscLogReal((PetscReal)fit->N) + fit->selextra, fit->K1 + fit->K2));
  fit->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The Monte-Carlo stages (the iterations, importance sampling) solve at the looser -ode_rtol_mc and
   with dopri5's dense output (-ode_dense_output_mc): their sampling error dwarfs the solver's
   (docs/saem.md); the conditional modes, the linearisation and the Fisher information solve with the
   model's own settings, saved at the first call. */
static PetscErrorCode MonteCarloSolves(PnlmeFit fit, PetscBool on)
{
  PetscFunctionBegin;
  if (!fit->odesaved) {
    PetscCall(PnlmeModelGetRelativeTolerance(fit->model, &fit->rtol_saved));
    PetscCall(PnlmeModelGetDenseOutput(fit->model, &fit->dense_saved));
    fit->odesaved = PETSC_TRUE;
  }
  if (fit->rtol_saved > 0) PetscCall(PnlmeModelSetRelativeTolerance(fit->model, on && fit->mc_rtol > fit->rtol_saved ? fit->mc_rtol : fit->rtol_saved));
  PetscCall(PnlmeModelSetDenseOutput(fit->model, on ? (PetscBool)(fit->dense_saved || fit->mc_dense) : fit->dense_saved));
  PetscFunctionReturn(0);
}

/* the iterations of a type that is not Monte-Carlo (FOCEI): at its tolerance if tighter than the model's */
static PetscErrorCode IterationSolves(PnlmeFit fit, PetscBool on)
{
  PetscFunctionBegin;
  if (fit->mcsolves) PetscCall(MonteCarloSolves(fit, on));
  else {
    PetscCall(MonteCarloSolves(fit, PETSC_FALSE)); /* saves the model's settings */
    if (on && fit->rtol_saved > 0 && fit->iterrtol > 0 && fit->iterrtol < fit->rtol_saved) PetscCall(PnlmeModelSetRelativeTolerance(fit->model, fit->iterrtol));
  }
  PetscFunctionReturn(0);
}

/* A stage that failed after the iterations started: the estimates so far (the last completed
   iteration), the iteration history and, after the iterations, a checkpoint are written to
   -output_dir and the table is printed, then the error is raised again naming where they are.  Every
   stage after set-up raises collectively (the per-subject work counts its failures instead). */
static PetscErrorCode Salvage(PnlmeFit fit, const char stage[], PetscErrorCode ierr, PetscBool checkpoint)
{
  const char *text = NULL;
  char       *specific = NULL, msg[512], where[PETSC_MAX_PATH_LEN + 128] = "";
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  PetscCall(PnlmeModelHoldSubjects(fit->model, PETSC_FALSE)); /* an error may have left a block held: what follows passes other subjects */
  PetscErrorMessage(ierr, &text, &specific);
  PetscCall(PetscStrncpy(msg, specific && specific[0] ? specific : (text ? text : "unknown error"), sizeof(msg)));
  if (!fit->niter) SETERRQ(comm, ierr, "%s", msg); /* nothing computed yet: the error as it is */
  fit->failed = PETSC_TRUE;
  if (fit->niter > 0) PetscCall(PnlmeFitView(fit, NULL));
  if (fit->outdir[0] && fit->niter > 0) {
    PetscCall(PnlmeFitWriteResults(fit, fit->outdir));
    PetscCall(PnlmeFitWriteHistory(fit, fit->outdir));
    if (checkpoint) PetscCall(PnlmeFitCheckpointWrite(fit));
    PetscCall(PetscSNPrintf(where, sizeof(where), "; the estimates of iteration %" PetscInt_FMT " and the history are in %s (estimates.csv, history.csv%s)", fit->niter, fit->outdir, checkpoint ? ", checkpoint.h5: -restart redoes the post-fit" : ""));
  } else if (fit->niter > 0) PetscCall(PetscSNPrintf(where, sizeof(where), "; no -output_dir: the estimates of iteration %" PetscInt_FMT " are printed above", fit->niter));
  SETERRQ(comm, PETSC_ERR_USER, "%s failed: %s%s", stage, msg, where);
}

/* conditional modes, Fisher information and -2LL by linearisation, -2LL by importance sampling */
static PetscErrorCode PostFit(PnlmeFit fit)
{
  PetscFunctionBegin;
  PetscCall(PnlmeFitComputeMAP(fit));
  PetscCall(PnlmeFitLinearize(fit));
  PetscCall(MonteCarloSolves(fit, PETSC_TRUE));
  if (fit->nis > 0) PetscCall(PnlmeFitLikelihoodIS(fit));
  PetscCall(MonteCarloSolves(fit, PETSC_FALSE));
  PetscFunctionReturn(0);
}

/* -2LL by importance sampling again, with at most maxdraws per subject and -lik_is_tol times tolfactor
   (covariate selection: the comparison of close models) */
PetscErrorCode PnlmeFitReestimateLikelihood(PnlmeFit fit, PetscInt maxdraws, PetscReal tolfactor)
{
  PetscInt  nis = fit->nis;
  PetscReal tol = fit->istol;
  PetscFunctionBegin;
  PetscCheck(fit->post && fit->niter, PetscObjectComm((PetscObject)fit), PETSC_ERR_ORDER, "PnlmeFitReestimateLikelihood: the fit has no conditional moments");
  fit->nis   = PetscMax(nis, maxdraws);
  fit->istol = tol * tolfactor;
  PetscCall(PetscLogStagePush(PNLME_StageLikelihood));
  PetscCall(MonteCarloSolves(fit, PETSC_TRUE));
  PetscCall(PnlmeFitLikelihoodIS(fit));
  PetscCall(MonteCarloSolves(fit, PETSC_FALSE));
  PetscCall(PetscLogStagePop());
  fit->nis   = nis;
  fit->istol = tol;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSolve(PnlmeFit fit)
{
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PnlmeFitSetUp(fit));
  PetscCall(PetscLogStagePush(fit->stage));
  PetscCall(IterationSolves(fit, PETSC_TRUE));
  ierr = (*fit->ops->solve)(fit);
  PetscCall(PetscLogStagePop());
  PetscCall(IterationSolves(fit, PETSC_FALSE));
  if (ierr) {
    char stage[64];
    PetscCall(PetscSNPrintf(stage, sizeof(stage), "the %s iterations", fit->label));
    PetscCall(Salvage(fit, stage, ierr, PETSC_FALSE));
  }
  if (!fit->post) PetscFunctionReturn(0); /* -fit_post false: the iterations only (scaling studies) */
  PetscCall(PetscLogStagePush(PNLME_StageLikelihood));
  ierr = PostFit(fit);
  PetscCall(PetscLogStagePop());
  if (ierr) PetscCall(Salvage(fit, "the post-fit (conditional modes, linearisation, importance sampling)", ierr, PETSC_TRUE));
  if (fit->outdir[0]) {
    PetscCall(PetscLogStagePush(PNLME_StageOutput));
    PetscCall(PnlmeFitWriteResults(fit, fit->outdir));
    PetscCall(PnlmeFitWriteHistory(fit, fit->outdir));
    PetscCall(PnlmeFitWriteResultsHDF5(fit, fit->outdir));
    PetscCall(PetscLogStagePop());
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitView(PnlmeFit fit, PetscViewer v)
{
  PetscBool iascii;
  char      errdesc[1024];
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)fit), &v));
  PetscCall(PetscObjectTypeCompare((PetscObject)v, PETSCVIEWERASCII, &iascii));
  if (!iascii || !fit->niter) PetscFunctionReturn(0);
  PetscCall(PnlmeErrorDescribe(&fit->pop, errdesc, sizeof(errdesc)));
  PetscCall((*fit->ops->view)(fit, v, errdesc));
  PetscCall(PetscViewerASCIIPrintf(v, "  %-24s %14s %12s %8s\n", "parameter", "estimate", "SE", "RSE%"));
  for (PetscInt c = 0; c < fit->nhist; c++) {
    char        name[160];
    PetscReal   est    = fit->hist[(fit->niter - 1) * fit->nhist + c];
    const char *status = PnlmeFitColumnStatus(fit, c);
    PetscCall(PnlmeFitColumnName(fit, c, name, sizeof(name)));
    if (fit->se && !PetscIsNanReal(fit->se[c])) PetscCall(PetscViewerASCIIPrintf(v, "  %-24s %14.6g %12.4g %8.1f\n", name, (double)est, (double)fit->se[c], (double)(100 * fit->se[c] / PetscAbsReal(est))));
    else PetscCall(PetscViewerASCIIPrintf(v, "  %-24s %14.6g %12s %8s  %s\n", name, (double)est, "-", "-", fit->se || strcmp(status, "no se") ? status : ""));
  }
  for (PetscInt k = 0; k < fit->p; k++)
    if (fit->pop.dropped[k] >= 0) {
      const char *pn;
      PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
      PetscCall(PetscViewerASCIIPrintf(v, "  warning: the variance of %s's random effect reached its boundary: the random effect was removed at iteration %" PetscInt_FMT " (-fit_omega_boundary %g); omega_%s is reported as 0\n", pn, fit->pop.dropped[k] + 1, (double)fit->omegamin, pn));
    }
  if (fit->sestat) {
    PetscInt nsing = 0, nbound = 0;
    for (PetscInt c = 0; c < fit->nhist; c++) nsing += fit->sestat[c] == PNLME_SE_SINGULAR, nbound += fit->sestat[c] == PNLME_SE_ATBOUND;
    if (nsing) PetscCall(PetscViewerASCIIPrintf(v, "  warning: the Fisher information is singular for %" PetscInt_FMT " parameter(s) (marked not identifiable): their SEs are not reported, the others' are computed without them\n", nsing));
    if (nbound) PetscCall(PetscViewerASCIIPrintf(v, "  warning: %" PetscInt_FMT " parameter(s) at a bound (marked at bound; a logit-normal typical value at 0 or 1, or an error parameter gone to 0: the data carry no information on its size): no SE\n", nbound));
    if (!fit->fimok) PetscCall(PetscViewerASCIIPrintf(v, "  warning: the Fisher information could not be inverted: no standard errors\n"));
  }
  if (fit->pop.nfloor) PetscCall(PetscViewerASCIIPrintf(v, "  warning: Omega was singular (a correlation near +-1) at %" PetscInt_FMT " M-steps; the eigenvalues of its correlation matrix were floored at 1e-6: the data do not support this Omega structure\n", fit->pop.nfloor));
  if (fit->nmapfail) PetscCall(PetscViewerASCIIPrintf(v, "  warning: the conditional-mode search did not converge for %" PetscInt_FMT " subjects\n", fit->nmapfail));
  if (fit->nlinalt) PetscCall(PetscViewerASCIIPrintf(v, "  warning: the model fails at the conditional mode of %" PetscInt64_FMT " subjects: linearised at their conditional (or individual) mean instead\n", fit->nlinalt));
  if (fit->nlinfail) PetscCall(PetscViewerASCIIPrintf(v, "  warning: %" PetscInt64_FMT " subjects could not be linearised (the model fails at their mode and means; the first is ID %" PetscInt64_FMT "): no -2LL by linearisation, the standard errors leave them out\n", fit->nlinfail, fit->linfailid));
  if (fit->nisfail) PetscCall(PetscViewerASCIIPrintf(v, "  warning: %" PetscInt64_FMT " subjects have no finite importance weight in %" PetscInt_FMT " draws (the first is ID %" PetscInt64_FMT "): no -2LL by importance sampling\n", fit->nisfail, fit->nisdraws, fit->isfailid));
  if (!fit->post) PetscCall(PetscViewerASCIIPrintf(v, "  (-fit_post false: no conditional modes, likelihood or standard errors)\n"));
  else if (fit->failed && !fit->se) PetscCall(PetscViewerASCIIPrintf(v, "  (the run stopped before the likelihood and the standard errors)\n"));
  else {
    PetscReal aic, bic, bicc;
    PetscCall(PetscViewerASCIIPrintf(v, "  %-30s %12s %10s %12s %12s %12s\n", "likelihood", "-2LL", "MC SE", "AIC", "BIC", "BICc"));
    if (fit->nis > 0) {
      PetscCall(PnlmeFitCriteria(fit, fit->m2ll_is, &aic, &bic, &bicc));
      PetscCall(PetscViewerASCIIPrintf(v, "  %-30s %12.3f %10.3f %12.3f %12.3f %12.3f\n", "importance sampling", (double)fit->m2ll_is, (double)fit->mcse_is, (double)aic, (double)bic, (double)bicc));
      PetscCall(PetscViewerASCIIPrintf(v, "  (importance sampling: %" PetscInt_FMT " adaptation + %" PetscInt_FMT " estimation draws per subject)\n", fit->isrounds * fit->isadapt, fit->nisdraws));
    }
    PetscCall(PnlmeFitCriteria(fit, fit->m2ll_lin, &aic, &bic, &bicc));
    PetscCall(PetscViewerASCIIPrintf(v, "  %-30s %12.3f %10s %12.3f %12.3f %12.3f\n", "linearisation", (double)fit->m2ll_lin, "-", (double)aic, (double)bic, (double)bicc));
    if (fit->objmethod) {
      char what[64];
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s objective", fit->label));
      PetscCall(PnlmeFitCriteria(fit, fit->m2ll_obj, &aic, &bic, &bicc));
      PetscCall(PetscViewerASCIIPrintf(v, "  %-30s %12.3f %10s %12.3f %12.3f %12.3f\n", what, (double)fit->m2ll_obj, "-", (double)aic, (double)bic, (double)bicc));
    }
  }
  {
    PetscInt64 tot[3], loc[3] = {fit->nfailed, fit->nproposed, fit->nstopped};
    PetscCallMPI(MPI_Allreduce(loc, tot, 3, MPI_INT64_T, MPI_SUM, PetscObjectComm((PetscObject)fit)));
    PetscCall(PetscViewerASCIIPrintf(v, "  model evaluations %" PetscInt64_FMT ", failed (%s) %" PetscInt64_FMT, tot[1], fit->failword, tot[0]));
    if (tot[2]) PetscCall(PetscViewerASCIIPrintf(v, ", rejected early (before the end of their solve) %" PetscInt64_FMT, tot[2]));
    PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetTypical(PnlmeFit fit, const char name[], PetscReal *v)
{
  PetscInt  k;
  PetscReal phi[64];
  PetscFunctionBegin;
  PetscCall(PnlmeFitParamIndex(fit, "PnlmeFitGetTypical", name, &k));
  PnlmeModelTransformToNatural(fit->model, fit->pop.B, phi, NULL);
  *v = phi[k];
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetBeta(PnlmeFit fit, const char param[], const char cov[], PetscReal *v)
{
  PetscInt           k, ncov;
  const char *const *names;
  PetscFunctionBegin;
  PetscCall(PnlmeFitParamIndex(fit, "PnlmeFitGetBeta", param, &k));
  PetscCall(PnlmeDataGetCovariateNames(fit->data, &ncov, &names));
  for (PetscInt c = 0; c < ncov; c++)
    if (!strcmp(names[c], cov)) {
      *v = fit->pop.B[(c + 1) * fit->p + k];
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "no covariate column %s", cov);
}

/* effects[c * p + k]: covariate c on parameter k (after SetFromOptions, before SetUp) */
static PetscErrorCode CheckEffectsCall(PnlmeFit fit, const char fn[])
{
  PetscFunctionBegin;
  PetscCheck(fit->pop.B, PetscObjectComm((PetscObject)fit), PETSC_ERR_ORDER, "%s: call PnlmeFitSetFromOptions() first", fn);
  PetscCheck(!fit->setupcalled, PetscObjectComm((PetscObject)fit), PETSC_ERR_ORDER, "%s: the fit is already set up", fn);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetCovariateModel(PnlmeFit fit, const PetscBool effects[])
{
  PetscInt p = fit->p;
  PetscFunctionBegin;
  PetscCall(CheckEffectsCall(fit, "PnlmeFitSetCovariateModel"));
  for (PetscInt j = p; j < fit->q * p; j++) {
    if (fit->pop.hold[j]) continue; /* held effects (-fit_fix) stay in the model */
    fit->pop.mask[j] = effects[j - p];
    if (!effects[j - p]) fit->pop.B[j] = 0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetCovariateSelection(PnlmeFit fit, const PetscBool candidates[], PetscReal alpha)
{
  PetscInt p = fit->p;
  PetscFunctionBegin;
  PetscCall(CheckEffectsCall(fit, "PnlmeFitSetCovariateSelection"));
  PetscCheck(alpha >= 0 && alpha <= 1, PetscObjectComm((PetscObject)fit), PETSC_ERR_ARG_OUTOFRANGE, "PnlmeFitSetCovariateSelection: alpha %g must be in [0, 1]", (double)alpha);
  if (!fit->selcand) PetscCall(PetscCalloc1(fit->q * p, &fit->selcand));
  for (PetscInt j = p; j < fit->q * p; j++) {
    const char *pn;
    fit->selcand[j] = (PetscBool)(candidates[j - p] && !fit->pop.hold[j]); /* a held effect (-fit_fix) is in the model */
    if (!fit->selcand[j]) continue;
    PetscCall(PnlmeModelGetParameterName(fit->model, j % p, &pn));
    PetscCheck(!fit->pop.fixed[j % p], PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "covariate selection: parameter '%s' has no random effect (-fit_fixed); its covariate effects cannot be candidates", pn);
    fit->pop.mask[j] = PETSC_TRUE;
  }
  fit->selalpha = alpha;
  fit->sellouis = 0;
  fit->selextra = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetCovariateModel(PnlmeFit fit, PetscBool effects[])
{
  PetscInt p = fit->p;
  PetscFunctionBegin;
  for (PetscInt j = p; j < fit->q * p; j++) effects[j - p] = fit->pop.active ? fit->pop.active[j] : fit->pop.mask[j];
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetOmega(PnlmeFit fit, const char name[], PetscReal *v)
{
  PetscInt k;
  PetscFunctionBegin;
  PetscCall(PnlmeFitParamIndex(fit, "PnlmeFitGetOmega", name, &k));
  *v = fit->pop.fixed[k] ? 0.0 : PetscSqrtReal(fit->pop.Omega[k * fit->p + k]);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetErrorParameters(PnlmeFit fit, const char output[], PetscReal *a, PetscReal *b)
{
  PetscFunctionBegin;
  PetscInt k = 0;
  if (output) {
    for (k = 0; k < fit->pop.nout && strcmp(fit->pop.outname[k], output); k++) { }
    PetscCheck(k < fit->pop.nout, PetscObjectComm((PetscObject)fit), PETSC_ERR_ARG_WRONG, "PnlmeFitGetErrorParameters: the model has no output %s", output);
  } else PetscCheck(fit->pop.nout == 1, PetscObjectComm((PetscObject)fit), PETSC_ERR_ARG_WRONG, "PnlmeFitGetErrorParameters: name the output (the model has %" PetscInt_FMT ")", fit->pop.nout);
  if (a) *a = fit->pop.a[k];
  if (b) *b = fit->pop.b[k];
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetHistory(PnlmeFit fit, PetscInt *niter, PetscInt *ncol, const PetscReal **hist)
{
  PetscFunctionBegin;
  *niter = fit->niter;
  *ncol  = fit->nhist;
  *hist  = fit->hist;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitDestroy(PnlmeFit *fit)
{
  PnlmeFit f = *fit;
  PetscFunctionBegin;
  if (!f) PetscFunctionReturn(0);
  if (--((PetscObject)f)->refct > 0) {
    *fit = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscFree5(f->pop.B, f->pop.mask, f->pop.Omega, f->pop.L, f->pop.Oinv));
  PetscCall(PetscFree(f->pop.hold));
  PetscCall(PetscFree4(f->pop.lsA, f->pop.lsr, f->pop.lspiv, f->pop.lsidx));
  PetscCall(PetscFree(f->pop.active));
  PetscCall(PnlmePopSelectDestroy(&f->pop));
  PetscCall(PetscFree(f->selcand));
  PetscCall(PetscFree(f->vema));
  PetscCall(PetscFree(f->hist));
  PetscCall(PetscFree(f->cdll));
  PetscCall(PetscFree(f->itring));
  PetscCall(PetscFree5(f->x, f->mi, f->z, f->ll, f->predoff));
  PetscCall(PetscFree(f->rng));
  PetscCall(PetscFree4(f->zp, f->phi, f->predp, f->e));
  PetscCall(PetscFree(f->pred));
  PetscCall(PetscFree2(f->cmean, f->ccov));
  PetscCall(PnlmeFitDestroy_NC(f));
  PetscCall(PetscFree(f->nmom));
  PetscCall(PetscFree3(f->map, f->sens, f->dldf));
  PetscCall(PetscFree2(f->fim, f->se));
  PetscCall(PetscFree(f->sestat));
  PetscCall(PetscFree(f->G));
  PetscCall(PetscFree3(f->S, f->s, f->acc));
  if (f->ops->destroy) PetscCall((*f->ops->destroy)(f));
  PetscCall(PnlmeDataDestroy(&f->data));
  PetscCall(PnlmeModelDestroy(&f->model));
  PetscCall(PetscHeaderDestroy(fit));
  PetscFunctionReturn(0);
}
