/* -covariates_select bicc: one run selects, one refit estimates (docs/selection.md).
   1. The selection run: a fit whose M-step selects among all candidates (PnlmeFitSetCovariateSelection,
      src/fit/popselect.c), iterations only.
   2. The refit of the selected model with the selection fixed: estimates, SEs, -2LL and BICc.
   With -covariates_starts K > 1, 1 and 2 are repeated with SAEM seeds -saem_seed + 0..K-1 (a model
   selected twice is fitted once) and the model of lowest criterion (BICc, plus the extended-BIC part
   of the penalty with -covariates_ebic_gamma) is kept, with its selection run's record.
   3. With -covariates_compare: the full model (every candidate) and the covariate-free model (the
      forced effects only), for their BICc. */
#include "covsel/covselimpl.h"

/* the candidates' B at every iteration of a selection run and its MIQP record (the chosen start's) */
static PetscErrorCode RecordRun(PnlmeCovSelect cs, PnlmeFit fit)
{
  PnlmePopSelect *sel = fit->pop.sel;
  PetscInt        p = cs->p, n = cs->ncov * p, it = fit->niter;
  PetscFunctionBegin;
  PetscCall(PetscFree(cs->beta));
  PetscCall(PetscFree4(cs->weight, cs->miqptime, cs->nodes, cs->nsel));
  cs->niter = it;
  cs->K1    = fit->K1;
  cs->seed  = fit->seed;
  PetscCall(PetscCalloc1(it * n, &cs->beta));
  PetscCall(PetscMalloc4(it, &cs->weight, it, &cs->miqptime, it, &cs->nodes, it, &cs->nsel));
  for (PetscInt t = 0; t < it; t++) {
    const PetscReal *h = fit->hist + t * fit->nhist + p; /* the history's beta columns, in mask order */
    for (PetscInt j = p; j < fit->q * p; j++)
      if (fit->pop.mask[j]) cs->beta[t * n + j - p] = *h++;
    cs->weight[t]   = sel->rweight[t];
    cs->miqptime[t] = sel->rtime[t];
    cs->nodes[t]    = sel->rnodes[t];
    cs->nsel[t]     = sel->rsel[t];
  }
  PetscFunctionReturn(0);
}

/* the MIQP totals, over all starts */
static void AddMIQP(PnlmeCovSelect cs, PnlmeFit fit)
{
  PnlmePopSelect *sel = fit->pop.sel;
  cs->miqptotal += sel->time;
  cs->miqpmax = PetscMax(cs->miqpmax, sel->maxittime);
  cs->nsolves += sel->nsolves;
  cs->nnodes += sel->nodes;
  cs->notopt += sel->notopt;
  cs->lambda = sel->lambda;
  cs->miqpiter += fit->niter;
}

/* the extended-BIC part of the penalty of one candidate effect: 2 gamma log(candidates) */
static PetscReal EBICExtra(PnlmeCovSelect cs)
{
  return 2 * cs->gamma * PetscLogReal((PetscReal)cs->ncand);
}

/* a fit of the model effects[], recorded as a model and reported in one line */
static PetscErrorCode FitModel(PnlmeCovSelect cs, const PetscBool effects[], const char label[], PnlmeCovModel *m, PnlmeFit *fit)
{
  PetscFunctionBegin;
  PetscCall(PnlmeCovSelectNewFit(cs, effects, PETSC_FALSE, fit));
  PetscCall(PnlmeCovSelectRunFit(cs, *fit, label, m));
  PetscCall(PetscPrintf(PetscObjectComm((PetscObject)cs), "covariate selection: %s model (%" PetscInt_FMT " effects): -2LL %.3f, BICc %.3f (%.2f s)\n", label, m->neffects, (double)m->m2ll, (double)m->bicc, (double)m->seconds));
  PetscFunctionReturn(0);
}

/* fit the model effects[] unless it is the selected one (then its record is repeated) */
static PetscErrorCode Compare(PnlmeCovSelect cs, const PetscBool effects[], const char label[])
{
  PnlmeFit      fit;
  PnlmeCovModel m;
  PetscBool     same;
  PetscFunctionBegin;
  PetscCall(PetscArraycmp(effects, cs->selected, cs->ncov * cs->p, &same));
  if (same) {
    m = cs->models[cs->ifinal];
    PetscCall(PetscSNPrintf(m.label, sizeof(m.label), "%s (= selected)", label));
    m.seconds = 0;
    cs->models[cs->nmodels++] = m; /* room: RunFit keeps at least 16 */
    PetscFunctionReturn(0);
  }
  PetscCall(FitModel(cs, effects, label, &m, &fit));
  PetscCall(PnlmeFitDestroy(&fit));
  PetscFunctionReturn(0);
}

/* the criterion that chooses between starts: BICc (IS; linearisation without IS) plus the
   extended-BIC part of the penalty of the selected candidates */
static PetscReal Criterion(PnlmeCovSelect cs, const PnlmeCovModel *m, const PetscBool effects[])
{
  PetscInt nc = 0;
  for (PetscInt j = 0; j < cs->ncov * cs->p; j++) nc += effects[j] && cs->cand[j];
  return (PetscIsNormalReal(m->bicc) ? m->bicc : m->bicc_lin) + EBICExtra(cs) * (PetscReal)nc;
}

PetscErrorCode PnlmeCovSelectSolve_BICc(PnlmeCovSelect cs)
{
  MPI_Comm       comm = PetscObjectComm((PetscObject)cs);
  PetscInt       n = cs->ncov * cs->p, nstart = 0;
  PetscBool     *supp; /* [starts x n] the support each start selected */
  PetscReal      best = PETSC_INFINITY;
  char           name[160];
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(cs->starts * n, &supp));
  for (PetscInt st = 0; st < cs->starts; st++) {
    PnlmeFit       fit, refit = NULL;
    PnlmeCovModel  m;
    PetscLogDouble t0, t1;
    PetscBool     *mine = supp + st * n;
    PetscInt       dup = -1;
    PetscReal      crit;
    char           label[48];
    /* 1. the selection run (start st: SAEM seed -saem_seed + st) */
    PetscCall(PnlmeCovSelectNewFit(cs, cs->forced, PETSC_TRUE, &fit));
    PetscCall(PnlmeFitSetCovariateSelection(fit, cs->cand, cs->alpha));
    fit->sellouis = cs->louismax;
    fit->selextra = EBICExtra(cs);
    fit->post     = PETSC_FALSE;
    fit->seed += st;
    PetscCall(PetscTime(&t0));
    PetscCall(PnlmeFitSolve(fit));
    PetscCall(PetscTime(&t1));
    cs->nfits++;
    cs->runseconds += (PetscReal)(t1 - t0);
    AddMIQP(cs, fit);
    PetscCall(PnlmeFitGetCovariateModel(fit, mine));
    PetscCall(PetscPrintf(comm, "covariate selection: selection run %" PetscInt_FMT " of %" PetscInt_FMT ", %.2f s (seed %" PetscInt_FMT ", MIQP %.3f s, %.2f ms per M-step at most); selected", st + 1, cs->starts, (double)(t1 - t0), fit->seed, (double)fit->pop.sel->time, (double)(1e3 * fit->pop.sel->maxittime)));
    for (PetscInt j = 0; j < n; j++)
      if (mine[j] && cs->cand[j]) {
        PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
        PetscCall(PetscPrintf(comm, " %s", name));
      }
    PetscCall(PetscPrintf(comm, "\n"));
    /* 2. the refit of the selected model, unless an earlier start selected the same */
    for (PetscInt s = 0; s < st && dup < 0; s++) {
      PetscBool same;
      PetscCall(PetscArraycmp(supp + s * n, mine, n, &same));
      if (same) dup = s;
    }
    if (dup >= 0) {
      PetscCall(PetscPrintf(comm, "covariate selection: the model of start %" PetscInt_FMT " (already fitted)\n", dup + 1));
      PetscCall(PnlmeFitDestroy(&fit));
      continue;
    }
    if (cs->starts > 1) PetscCall(PetscSNPrintf(label, sizeof(label), "selected (start %" PetscInt_FMT ")", st + 1));
    else PetscCall(PetscStrncpy(label, "selected", sizeof(label)));
    PetscCall(FitModel(cs, mine, label, &m, &refit));
    nstart++;
    /* the start whose refitted model has the lowest criterion is kept (the first on ties) */
    crit = Criterion(cs, &m, mine);
    if (crit < best) {
      best = crit;
      PetscCall(PnlmeFitDestroy(&cs->final));
      cs->final  = refit;
      refit      = NULL;
      cs->ifinal = cs->nmodels - 1;
      PetscCall(PetscArraycpy(cs->selected, mine, n));
      PetscCall(RecordRun(cs, fit));
    }
    PetscCall(PnlmeFitDestroy(&refit));
    PetscCall(PnlmeFitDestroy(&fit));
  }
  if (cs->starts > 1) PetscCall(PetscPrintf(comm, "covariate selection: %" PetscInt_FMT " starts, distinct models %" PetscInt_FMT "; kept the model of seed %" PetscInt_FMT "\n", cs->starts, nstart, cs->seed));
  PetscCall(PetscFree(supp));
  /* 3. the full and covariate-free models */
  if (cs->compare) {
    PetscBool *full;
    PetscCall(PetscMalloc1(cs->ncov * cs->p, &full));
    for (PetscInt j = 0; j < cs->ncov * cs->p; j++) full[j] = (PetscBool)(cs->forced[j] || cs->cand[j]);
    PetscCall(Compare(cs, full, "full"));
    PetscCall(Compare(cs, cs->forced, "covariate-free"));
    PetscCall(PetscFree(full));
  }
  PetscFunctionReturn(0);
}
