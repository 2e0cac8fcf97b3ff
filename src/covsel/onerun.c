/* -covariates_select bicc: one run selects, one refit estimates (docs/selection.md).
   1. The selection run: a fit whose M-step selects among all candidates (PnlmeFitSetCovariateSelection,
      src/fit/popselect.c), iterations only.
   2. The refit of the selected model with the selection fixed: estimates, SEs, -2LL and BICc.
   With -covariates_starts K > 1, 1 and 2 are repeated with SAEM seeds -saem_seed + 0..K-1 (a model
   selected twice is fitted once) and the model of lowest criterion (BICc, plus the extended-BIC part
   of the penalty with -covariates_ebic_gamma) is kept, with its selection run's record.
   With -covariates_polish K > 0: a local search in model space around the kept model, selection
   runs with its weakest effects barred (Polish below).
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

/* every model refitted by the one run: its support and criterion (a model selected again is not
   refitted) */
typedef struct {
  PetscBool *supp; /* [nmax x n] */
  PetscReal *crit;
  PetscInt  *imodel; /* its record in cs->models */
  PetscInt   nsupp, nmax;
  PetscReal  best; /* the criterion of cs->final */
} Fitted;

/* the index in done of the refitted model effects[], -1 if none */
static PetscErrorCode FindFitted(const Fitted *done, PetscInt n, const PetscBool effects[], PetscInt *idx)
{
  PetscFunctionBegin;
  *idx = -1;
  for (PetscInt s = 0; s < done->nsupp && *idx < 0; s++) {
    PetscBool same;
    PetscCall(PetscArraycmp(done->supp + s * n, effects, n, &same));
    if (same) *idx = s;
  }
  PetscFunctionReturn(0);
}

/* fit the model effects[] unless it was refitted already (then its record is repeated) */
static PetscErrorCode Compare(PnlmeCovSelect cs, const Fitted *done, const PetscBool effects[], const char label[])
{
  PnlmeFit      fit;
  PnlmeCovModel m;
  PetscInt      s;
  PetscFunctionBegin;
  PetscCall(FindFitted(done, cs->ncov * cs->p, effects, &s));
  if (s >= 0) {
    m = cs->models[done->imodel[s]];
    PetscCall(PetscSNPrintf(m.label, sizeof(m.label), "%s (= %s)", label, cs->models[done->imodel[s]].label));
    m.seconds = 0;
    PetscCall(PnlmeCovSelectAddModel(cs, &m));
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

/* a selection run over the candidates cand[] (SAEM seed -saem_seed + seedoff), then the refit of its
   model unless it was refitted before; the refitted model becomes cs->final when its criterion is
   the lowest so far and lower than ref by more than margin Monte-Carlo SEs of the difference (refse:
   the reference model's).  *fresh: it was refitted now. */
static PetscErrorCode SelectAndRefit(PnlmeCovSelect cs, Fitted *done, const PetscBool cand[], PetscInt seedoff, PetscReal ref, PetscReal refse, PetscReal margin, const char what[], const char label[], PetscBool *fresh)
{
  PetscReal      gap = 0, crit;
  MPI_Comm       comm = PetscObjectComm((PetscObject)cs);
  PetscInt       n = cs->ncov * cs->p, dup;
  PnlmeFit       fit, refit = NULL;
  PnlmeCovModel  m;
  PetscLogDouble t0, t1;
  PetscBool     *mine;
  char           name[160];
  PetscFunctionBegin;
  if (done->nsupp == done->nmax) {
    done->nmax = PetscMax(8, 2 * done->nmax);
    PetscCall(PetscRealloc(sizeof(PetscBool) * done->nmax * n, &done->supp));
    PetscCall(PetscRealloc(sizeof(PetscReal) * done->nmax, &done->crit));
    PetscCall(PetscRealloc(sizeof(PetscInt) * done->nmax, &done->imodel));
  }
  mine = done->supp + done->nsupp * n;
  /* 1. the selection run */
  PetscCall(PnlmeCovSelectNewFit(cs, cs->forced, PETSC_TRUE, &fit));
  PetscCall(PnlmeFitSetCovariateSelection(fit, cand, cs->alpha));
  fit->sellouis = cs->louismax;
  fit->selextra = EBICExtra(cs);
  fit->post     = PETSC_FALSE;
  fit->seed += seedoff;
  PetscCall(PetscTime(&t0));
  PetscCall(PnlmeFitSolve(fit));
  PetscCall(PetscTime(&t1));
  cs->nfits++;
  cs->runseconds += (PetscReal)(t1 - t0);
  AddMIQP(cs, fit);
  PetscCall(PnlmeFitGetCovariateModel(fit, mine));
  PetscCall(PetscPrintf(comm, "covariate selection: %s, %.2f s (seed %" PetscInt_FMT ", MIQP %.3f s, %.2f ms per M-step at most); selected", what, (double)(t1 - t0), fit->seed, (double)fit->pop.sel->time, (double)(1e3 * fit->pop.sel->maxittime)));
  for (PetscInt j = 0; j < n; j++)
    if (mine[j] && cs->cand[j]) {
      PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
      PetscCall(PetscPrintf(comm, " %s", name));
    }
  PetscCall(PetscPrintf(comm, "\n"));
  /* 2. the refit of the selected model, unless it was refitted before */
  PetscCall(FindFitted(done, n, mine, &dup));
  *fresh = (PetscBool)(dup < 0);
  if (dup >= 0) {
    PetscCall(PetscPrintf(comm, "covariate selection: a model fitted before (criterion %.3f)\n", (double)done->crit[dup]));
    PetscCall(PnlmeFitDestroy(&fit));
    PetscFunctionReturn(0);
  }
  PetscCall(FitModel(cs, mine, label, &m, &refit));
  crit                      = Criterion(cs, &m, mine);
  done->imodel[done->nsupp] = cs->nmodels - 1;
  done->crit[done->nsupp++] = crit;
  /* the model of lowest criterion is kept (the first on ties), and only when it is lower than the
     reference model's criterion ref by more than margin Monte-Carlo SEs of the difference of the
     two -2LL (IS) */
  if (margin > 0) {
    PetscReal d = margin * PetscSqrtReal(refse * refse + m.mcse * m.mcse);
    if (PetscIsNormalReal(d)) gap = d;
  }
  if (crit < done->best && crit < ref - gap) {
    done->best = crit;
    PetscCall(PnlmeFitDestroy(&cs->final));
    cs->final   = refit;
    refit       = NULL;
    cs->ifinal  = cs->nmodels - 1;
    cs->seedoff = seedoff;
    PetscCall(PetscArraycpy(cs->selected, mine, n));
    PetscCall(RecordRun(cs, fit));
  }
  PetscCall(PnlmeFitDestroy(&refit));
  PetscCall(PnlmeFitDestroy(&fit));
  PetscFunctionReturn(0);
}

/* -covariates_polish K: a local search in model space around the kept model, against the stand-in
   effects of weakly identified parameters (docs/selection.md, "Polish").  A move bars effects from the
   candidates and repeats the selection run: each of the -covariates_polish_size selected candidate
   effects of smallest Wald |z| in the kept model's refit alone, and, for each covariate with two or
   more of them, those together (a pair like kin<-MAGE + kout<-MAGE can stand in for T50<-MAGE).  The
   best model of a step replaces the kept one when its criterion is lower, its move's effects stay
   barred, and the search goes on; a step that improves nothing ends it.  "Lower" means lower than
   the step's starting model by more than -covariates_polish_margin (2) Monte-Carlo SEs of the
   difference: a move within the noise of the importance sampling is not taken (on one cohort it
   would trade the true model for a smaller one 1.8 units lower). */
static PetscErrorCode Polish(PnlmeCovSelect cs, Fitted *done)
{
  MPI_Comm   comm = PetscObjectComm((PetscObject)cs);
  PetscInt   n = cs->ncov * cs->p, *order, *moves, nmoves, w = cs->p + 1;
  PetscBool *barred, *cand;
  PetscReal *z;
  char       names[256], what[320], label[48];
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(n, &barred));
  PetscCall(PetscMalloc4(n, &cand, n, &z, n, &order, (n + cs->ncov) * w, &moves));
  for (PetscInt step = 1; step <= cs->polish; step++) {
    PetscReal before = done->best, beforese = cs->models[cs->ifinal].mcse; /* the step's reference */
    PetscInt  ntry = 0, bestmove = -1;
    /* the kept model's selected candidates, weakest first (|beta| / SE of its refit) */
    for (PetscInt j = 0; j < n; j++)
      if (cs->selected[j] && cs->cand[j] && !barred[j]) {
        PetscReal b, se;
        PetscCall(PnlmeCovSelectFinalEffect(cs, j, &b, &se));
        z[ntry]       = PetscIsNormalReal(se) ? PetscAbsReal(b / se) : 0;
        order[ntry++] = j;
      }
    PetscCall(PetscSortRealWithArrayInt(ntry, z, order));
    ntry = PetscMin(ntry, cs->polishsize);
    /* the moves: [count, effects...] each; the weakest alone, then by covariate */
    nmoves = 0;
    for (PetscInt t = 0; t < ntry; t++) {
      moves[nmoves * w]     = 1;
      moves[nmoves * w + 1] = order[t];
      nmoves++;
    }
    for (PetscInt c = 0; c < cs->ncov; c++) {
      PetscInt *mv = moves + nmoves * w;
      mv[0]        = 0;
      for (PetscInt t = 0; t < ntry; t++)
        if (order[t] / cs->p == c) mv[1 + mv[0]++] = order[t];
      if (mv[0] > 1) nmoves++;
    }
    for (PetscInt m = 0; m < nmoves; m++) {
      const PetscInt *mv = moves + m * w;
      PetscReal       prev = done->best;
      PetscBool       fresh;
      size_t          len = 0;
      names[0]            = 0;
      for (PetscInt k = 0; k < mv[0]; k++) { /* "kin.MAGE+kout.MAGE" (cut short if long) */
        PetscCall(PetscStrlen(names, &len));
        if (len + 8 > sizeof(names)) break;
        PetscCall(PnlmeCovSelectEffectName(cs, mv[1 + k], names + len + (k > 0), sizeof(names) - len - 1));
        if (k > 0) names[len] = '+';
      }
      PetscCall(PetscSNPrintf(what, sizeof(what), "polish step %" PetscInt_FMT ", run %" PetscInt_FMT " of %" PetscInt_FMT " without %s", step, m + 1, nmoves, names));
      PetscCall(PetscSNPrintf(label, sizeof(label), "polish %" PetscInt_FMT " -%s", step, names));
      for (PetscInt k = 0; k < n; k++) cand[k] = (PetscBool)(cs->cand[k] && !barred[k]);
      for (PetscInt k = 0; k < mv[0]; k++) cand[mv[1 + k]] = PETSC_FALSE;
      PetscCall(SelectAndRefit(cs, done, cand, cs->seedoff, before, beforese, cs->polishmargin, what, label, &fresh));
      cs->npolish++;
      if (done->best < prev) bestmove = m;
    }
    if (bestmove < 0) {
      PetscCall(PetscPrintf(comm, "covariate selection: polish step %" PetscInt_FMT ": no model below the criterion %.3f by the margin; the search ends\n", step, (double)before));
      break;
    }
    for (PetscInt k = 0; k < moves[bestmove * w]; k++) barred[moves[bestmove * w + 1 + k]] = PETSC_TRUE;
    PetscCall(PetscPrintf(comm, "covariate selection: polish step %" PetscInt_FMT ": criterion %.3f -> %.3f (move %" PetscInt_FMT "), its effects stay barred\n", step, (double)before, (double)done->best, bestmove + 1));
  }
  PetscCall(PetscFree(barred));
  PetscCall(PetscFree4(cand, z, order, moves));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectSolve_BICc(PnlmeCovSelect cs)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)cs);
  Fitted   done = {NULL, NULL, NULL, 0, 0, PETSC_INFINITY};
  PetscInt nstart = 0;
  PetscFunctionBegin;
  for (PetscInt st = 0; st < cs->starts; st++) {
    PetscBool fresh;
    char      what[64], label[48];
    PetscCall(PetscSNPrintf(what, sizeof(what), "selection run %" PetscInt_FMT " of %" PetscInt_FMT, st + 1, cs->starts));
    if (cs->starts > 1) PetscCall(PetscSNPrintf(label, sizeof(label), "selected (start %" PetscInt_FMT ")", st + 1));
    else PetscCall(PetscStrncpy(label, "selected", sizeof(label)));
    PetscCall(SelectAndRefit(cs, &done, cs->cand, st, PETSC_INFINITY, 0, 0, what, label, &fresh));
    nstart += fresh;
  }
  if (cs->starts > 1) PetscCall(PetscPrintf(comm, "covariate selection: %" PetscInt_FMT " starts, distinct models %" PetscInt_FMT "; kept the model of seed %" PetscInt_FMT "\n", cs->starts, nstart, cs->seed));
  if (cs->polish > 0) PetscCall(Polish(cs, &done));
  /* 3. the full and covariate-free models */
  if (cs->compare) {
    PetscBool *full;
    PetscCall(PetscMalloc1(cs->ncov * cs->p, &full));
    for (PetscInt j = 0; j < cs->ncov * cs->p; j++) full[j] = (PetscBool)(cs->forced[j] || cs->cand[j]);
    PetscCall(Compare(cs, &done, full, "full"));
    PetscCall(Compare(cs, &done, cs->forced, "covariate-free"));
    PetscCall(PetscFree(full));
  }
  PetscCall(PetscFree(done.supp));
  PetscCall(PetscFree(done.crit));
  PetscCall(PetscFree(done.imodel));
  PetscFunctionReturn(0);
}
