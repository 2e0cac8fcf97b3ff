/* Runners-up of a covariate selection.  Two models whose BICc differ by less than the Monte-Carlo error
   of their -2LL by importance sampling are not told apart by one estimate: the choice can flip with the
   seed.  The fits of the models of lowest criterion are kept on a small bench as they are fitted (their
   state is what a new likelihood estimate needs); at the end, every benched model whose BICc is within
   two Monte-Carlo SEs of the difference from the selected model's is a runner-up.  The selected model
   and its runners-up get -2LL re-estimated with more draws (-covariates_runner_up_draws per subject at
   most, a four times tighter -lik_is_tol), the comparison is made again on the new values, and the
   model of lowest BICc is kept, with the runners-up reported (stdout, models.csv).  Stepwise covariate
   modelling decides by its thresholds on delta -2LL, not by BICc: its runners-up are re-estimated and
   reported, and its choice stays. */
#include "covsel/covselimpl.h"

static PetscReal BICc(const PnlmeCovModel *m)
{
  return PetscIsNanReal(m->bicc) ? m->bicc_lin : m->bicc;
}

/* the fit of model record imodel joins the bench if it is among the PNLME_COVSEL_BENCH lowest */
PetscErrorCode PnlmeCovSelectBench(PnlmeCovSelect cs, PnlmeFit fit, PetscInt imodel)
{
  PetscInt  worst = -1, slot = -1;
  PetscReal c     = BICc(&cs->models[imodel]);
  PetscFunctionBegin;
  if (!(c < PETSC_INFINITY) || cs->runnerdraws <= 0) PetscFunctionReturn(0);
  for (PetscInt b = 0; b < PNLME_COVSEL_BENCH; b++) {
    if (!cs->bench[b]) {
      slot = b;
      break;
    }
    if (worst < 0 || BICc(&cs->models[cs->benchmodel[b]]) > BICc(&cs->models[cs->benchmodel[worst]])) worst = b;
  }
  if (slot < 0) {
    if (!(c < BICc(&cs->models[cs->benchmodel[worst]]))) PetscFunctionReturn(0);
    PetscCall(PnlmeFitDestroy(&cs->bench[worst]));
    slot = worst;
  }
  PetscCall(PetscObjectReference((PetscObject)fit));
  cs->bench[slot]      = fit;
  cs->benchmodel[slot] = imodel;
  PetscFunctionReturn(0);
}

/* -2LL of a fitted model again with more draws; its record updated */
static PetscErrorCode Reestimate(PnlmeCovSelect cs, PnlmeFit fit, PetscInt imodel)
{
  PnlmeCovModel *m = &cs->models[imodel];
  PetscReal      aic, bic;
  PetscFunctionBegin;
  PetscCall(PnlmeFitReestimateLikelihood(fit, cs->runnerdraws, 0.25));
  m->m2ll = fit->m2ll_is;
  m->mcse = fit->mcse_is;
  PetscCall(PnlmeFitCriteria(fit, fit->m2ll_is, &aic, &bic, &m->bicc));
  m->reestimated = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectRunnersUp(PnlmeCovSelect cs)
{
  MPI_Comm       comm = PetscObjectComm((PetscObject)cs);
  PnlmeCovModel *sel;
  PetscInt       close[PNLME_COVSEL_BENCH], nclose = 0, best = -1;
  PetscFunctionBegin;
  if (!cs->final || cs->runnerdraws <= 0 || cs->final->nis <= 0) PetscFunctionReturn(0);
  sel = &cs->models[cs->ifinal];
  for (PetscInt b = 0; b < PNLME_COVSEL_BENCH; b++) {
    const PnlmeCovModel *m = cs->bench[b] ? &cs->models[cs->benchmodel[b]] : NULL;
    if (!m || cs->bench[b] == cs->final) continue;
    if (PetscAbsReal(m->bicc - sel->bicc) <= 2 * PetscSqrtReal(m->mcse * m->mcse + sel->mcse * sel->mcse)) close[nclose++] = b;
  }
  if (!nclose) {
    PetscCall(PetscPrintf(comm, "covariate selection: no other model within two Monte-Carlo SEs of the selected model's BICc %.3f\n", (double)sel->bicc));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscPrintf(comm, "covariate selection: %" PetscInt_FMT " runner-up model(s) within two Monte-Carlo SEs of the selected model's BICc %.3f (SE %.3f); -2LL re-estimated with up to %" PetscInt_FMT " draws per subject:\n", nclose, (double)sel->bicc, (double)sel->mcse, cs->runnerdraws));
  PetscCall(Reestimate(cs, cs->final, cs->ifinal));
  PetscCall(PetscPrintf(comm, "  %-40s BICc %.3f (MC SE %.3f)\n", sel->label, (double)sel->bicc, (double)sel->mcse));
  for (PetscInt c = 0; c < nclose; c++) {
    PnlmeCovModel *m = &cs->models[cs->benchmodel[close[c]]];
    PetscCall(Reestimate(cs, cs->bench[close[c]], cs->benchmodel[close[c]]));
    PetscCall(PetscPrintf(comm, "  %-40s BICc %.3f (MC SE %.3f), %+.3f from the selected model\n", m->label, (double)m->bicc, (double)m->mcse, (double)(m->bicc - sel->bicc)));
    m->runnerup = PETSC_TRUE;
    if (cs->type == PNLME_COVSELECT_BICC && m->bicc < sel->bicc && (best < 0 || m->bicc < cs->models[cs->benchmodel[close[best]]].bicc)) best = c;
  }
  if (best >= 0) { /* the refined estimates change the choice */
    PetscInt b = close[best];
    PetscCall(PetscPrintf(comm, "covariate selection: with the re-estimated -2LL, %s has the lower BICc: it becomes the selected model\n", cs->models[cs->benchmodel[b]].label));
    sel->runnerup = PETSC_TRUE;
    cs->models[cs->benchmodel[b]].runnerup = PETSC_FALSE;
    PetscCall(PetscObjectReference((PetscObject)cs->bench[b]));
    PetscCall(PnlmeFitDestroy(&cs->final));
    cs->final  = cs->bench[b];
    cs->ifinal = cs->benchmodel[b];
    PetscCall(PnlmeFitGetCovariateModel(cs->final, cs->selected));
  }
  PetscFunctionReturn(0);
}
