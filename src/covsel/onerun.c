/* -covariates_select bicc: one run selects, one refit estimates (docs/selection.md).
   1. The selection run: a fit whose M-step selects among all candidates (PnlmeFitSetCovariateSelection,
      src/fit/popselect.c), iterations only.
   2. The refit of the selected model with the selection fixed: estimates, SEs, -2LL and BICc.
   3. With -covariates_compare: the full model (every candidate) and the covariate-free model (the
      forced effects only), for their BICc. */
#include "covsel/covselimpl.h"

/* the candidates' B at every iteration of the selection run, its MIQP record and totals */
static PetscErrorCode RecordRun(PnlmeCovSelect cs, PnlmeFit fit)
{
  PnlmePopSelect *sel = fit->pop.sel;
  PetscInt        p = cs->p, n = cs->ncov * p, it = fit->niter;
  PetscFunctionBegin;
  cs->niter = it;
  cs->K1    = fit->K1;
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
  cs->miqptotal = sel->time;
  cs->miqpmax   = sel->maxittime;
  cs->nsolves   = sel->nsolves;
  cs->nnodes    = sel->nodes;
  cs->notopt    = sel->notopt;
  PetscFunctionReturn(0);
}

/* fit the model effects[] unless it is the selected one (then its record is repeated) */
static PetscErrorCode Compare(PnlmeCovSelect cs, const PetscBool effects[], const char label[])
{
  PnlmeFit      fit;
  PnlmeCovModel m;
  PetscBool     same = PETSC_TRUE;
  PetscFunctionBegin;
  for (PetscInt j = 0; j < cs->ncov * cs->p; j++) same = (PetscBool)(same && effects[j] == cs->selected[j]);
  if (same) {
    m = cs->models[0];
    PetscCall(PetscSNPrintf(m.label, sizeof(m.label), "%s (= selected)", label));
    m.seconds = 0;
    cs->models[cs->nmodels++] = m; /* room: RunFit keeps at least 16 */
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeCovSelectNewFit(cs, effects, PETSC_FALSE, &fit));
  PetscCall(PnlmeCovSelectRunFit(cs, fit, label, &m));
  PetscCall(PetscPrintf(PetscObjectComm((PetscObject)cs), "covariate selection: %s model (%" PetscInt_FMT " effects): -2LL %.3f, BICc %.3f (%.2f s)\n", label, m.neffects, (double)m.m2ll, (double)m.bicc, (double)m.seconds));
  PetscCall(PnlmeFitDestroy(&fit));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectSolve_BICc(PnlmeCovSelect cs)
{
  MPI_Comm       comm = PetscObjectComm((PetscObject)cs);
  PnlmeFit       fit;
  PnlmeCovModel  m;
  PetscLogDouble t0, t1;
  char           name[160];
  PetscFunctionBegin;
  /* 1. the selection run */
  PetscCall(PnlmeCovSelectNewFit(cs, cs->forced, PETSC_TRUE, &fit));
  PetscCall(PnlmeFitSetCovariateSelection(fit, cs->cand, cs->alpha));
  fit->sellouis = cs->louismax;
  fit->post = PETSC_FALSE;
  PetscCall(PetscTime(&t0));
  PetscCall(PnlmeFitSolve(fit));
  PetscCall(PetscTime(&t1));
  cs->runseconds = (PetscReal)(t1 - t0);
  PetscCall(RecordRun(cs, fit));
  PetscCall(PnlmeFitGetCovariateModel(fit, cs->selected));
  PetscCall(PnlmeFitDestroy(&fit));
  PetscCall(PetscPrintf(comm, "covariate selection: selection run %.2f s (MIQP %.3f s, %.2f ms per M-step at most); selected", (double)cs->runseconds, (double)cs->miqptotal, (double)(1e3 * cs->miqpmax)));
  for (PetscInt j = 0; j < cs->ncov * cs->p; j++)
    if (cs->selected[j] && cs->cand[j]) {
      PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
      PetscCall(PetscPrintf(comm, " %s", name));
    }
  PetscCall(PetscPrintf(comm, "\n"));
  /* 2. the refit of the selected model */
  PetscCall(PnlmeCovSelectNewFit(cs, cs->selected, PETSC_FALSE, &cs->final));
  PetscCall(PnlmeCovSelectRunFit(cs, cs->final, "selected", &m));
  cs->ifinal = cs->nmodels - 1;
  PetscCall(PetscPrintf(comm, "covariate selection: selected model (%" PetscInt_FMT " effects): -2LL %.3f, BICc %.3f (%.2f s)\n", m.neffects, (double)m.m2ll, (double)m.bicc, (double)m.seconds));
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
