/* -covariates_select scm: stepwise covariate modelling, the baseline of the one-run selection.
   Forward: from the model of the forced effects, every candidate not yet in is added in turn and
   fitted; the one that lowers -2LL most enters if it lowers it by at least -covariates_scm_forward
   (3.84, chi-square 1 dof at p 0.05); repeat until none does.  Backward: every selected effect is
   removed in turn and the model refitted; the one whose removal raises -2LL least leaves if it raises
   it by less than -covariates_scm_backward (10.83, p 0.001); repeat until none does.  Every candidate
   model is a full fit (SAEM or VEM, then conditional modes and -2LL), started from the estimates of
   the model it modifies; the fit of the final model is kept as the result. */
#include "covsel/covselimpl.h"

/* a candidate fit starts from the estimates of the model it modifies (as PsN's scm updates the
   initial estimates): typical values, the effects both models have, Omega and the error parameters */
static void WarmStart(PnlmeFit fit, PnlmeFit from)
{
  PetscInt p = fit->p;
  for (PetscInt j = 0; j < fit->q * p; j++)
    if (fit->pop.mask[j] && from->pop.mask[j]) fit->pop.B[j] = from->pop.B[j];
  for (PetscInt j = 0; j < p * p; j++) fit->pop.Omega[j] = from->pop.Omega[j];
  for (PetscInt k = 0; k < fit->pop.nout; k++) fit->pop.a[k] = from->pop.a[k], fit->pop.b[k] = from->pop.b[k];
}

static PetscReal M2LL(PnlmeCovSelect cs, const PnlmeCovModel *m)
{
  return cs->scmlin || PetscIsNanReal(m->m2ll) ? m->m2ll_lin : m->m2ll;
}

/* fit cur with effect j toggled; keep the fit in *best when its -2LL is the lowest (forward) or its
   rise the smallest (backward: the same test on -2LL) */
static PetscErrorCode Try(PnlmeCovSelect cs, PnlmeFit curfit, const PetscBool cur[], PetscInt j, const char dir[], PetscInt step, PetscBool *trial, PnlmeFit *best, PetscInt *bestj, PetscReal *bestL, PetscInt *bestrec)
{
  PnlmeFit      fit;
  PnlmeCovModel m;
  char          name[160], label[64];
  PetscFunctionBegin;
  PetscCall(PetscArraycpy(trial, cur, cs->ncov * cs->p));
  trial[j] = (PetscBool)!cur[j];
  PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
  PetscCall(PetscSNPrintf(label, sizeof(label), "%s %" PetscInt_FMT " %c%s", dir, step, trial[j] ? '+' : '-', name));
  PetscCall(PnlmeCovSelectNewFit(cs, trial, PETSC_FALSE, &fit));
  WarmStart(fit, curfit);
  PetscCall(PnlmeCovSelectRunFit(cs, fit, label, &m));
  if (*bestj < 0 || M2LL(cs, &m) < *bestL) {
    PetscCall(PnlmeFitDestroy(best));
    *best  = fit;
    *bestj = j;
    *bestL = M2LL(cs, &m);
    *bestrec = cs->nmodels - 1;
  } else PetscCall(PnlmeFitDestroy(&fit));
  PetscFunctionReturn(0);
}

/* forward inclusion (forward) or backward elimination: steps until no change passes its test */
static PetscErrorCode Phase(PnlmeCovSelect cs, PetscBool forward, PetscBool cur[], PetscBool trial[], PnlmeFit *curfit, PetscReal *L)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)cs);
  const char *dir  = forward ? "forward" : "backward";
  char        name[160];
  PetscFunctionBegin;
  for (PetscInt step = 1;; step++) {
    PnlmeFit  best  = NULL;
    PetscInt  bestj = -1, nf0 = cs->nmodels, bestrec = -1;
    PetscReal bestL = 0;
    PetscBool pass;
    for (PetscInt j = 0; j < cs->ncov * cs->p; j++)
      if (cs->cand[j] && cur[j] != forward) PetscCall(Try(cs, *curfit, cur, j, dir, step, trial, &best, &bestj, &bestL, &bestrec));
    /* forward: enters if -2LL drops by at least the threshold; backward: leaves if it rises by less */
    pass = (PetscBool)(bestj >= 0 && (forward ? *L - bestL >= cs->scmfwd : bestL - *L < cs->scmbwd));
    if (!pass) {
      PetscCall(PnlmeFitDestroy(&best));
      if (bestj >= 0) PetscCall(PetscPrintf(comm, "SCM: %s step %" PetscInt_FMT ": no change passes (delta -2LL %s %g; %" PetscInt_FMT " fits)\n", dir, step, forward ? ">=" : "<", (double)(forward ? cs->scmfwd : cs->scmbwd), cs->nmodels - nf0));
      break;
    }
    PetscCall(PnlmeCovSelectEffectName(cs, bestj, name, sizeof(name)));
    PetscCall(PetscPrintf(comm, "SCM: %s step %" PetscInt_FMT ": %c %s, -2LL %.3f (%+.3f; %" PetscInt_FMT " fits)\n", dir, step, forward ? '+' : '-', name, (double)bestL, (double)(bestL - *L), cs->nmodels - nf0));
    cur[bestj] = forward;
    *L         = bestL;
    cs->ifinal = bestrec;
    PetscCall(PnlmeFitDestroy(curfit));
    *curfit = best;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectSolve_SCM(PnlmeCovSelect cs)
{
  PetscInt      n = cs->ncov * cs->p;
  PetscBool    *cur, *trial;
  PnlmeFit      curfit;
  PnlmeCovModel m;
  PetscReal     L;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(n, &cur, n, &trial));
  PetscCall(PetscArraycpy(cur, cs->forced, n));
  PetscCall(PnlmeCovSelectNewFit(cs, cur, PETSC_FALSE, &curfit));
  PetscCall(PnlmeCovSelectRunFit(cs, curfit, "base", &m));
  cs->ifinal = 0;
  L          = M2LL(cs, &m);
  PetscCall(PetscPrintf(PetscObjectComm((PetscObject)cs), "SCM: base model, -2LL %.3f (%.2f s)\n", (double)L, (double)m.seconds));
  PetscCall(Phase(cs, PETSC_TRUE, cur, trial, &curfit, &L));
  PetscCall(Phase(cs, PETSC_FALSE, cur, trial, &curfit, &L));
  cs->final = curfit;
  PetscCall(PetscArraycpy(cs->selected, cur, n));
  PetscCall(PetscFree2(cur, trial));
  PetscFunctionReturn(0);
}
