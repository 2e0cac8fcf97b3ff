/* PnlmeCovSelect: lifecycle, options, the fits it runs, and its summary. */
#include "covsel/covselimpl.h"
#include <string.h>

const char *const PnlmeCovSelectTypes[] = {"none", "bicc", "scm", "PnlmeCovSelectType", "PNLME_COVSELECT_", NULL};

static const char *const CovSelectLLNames[] = {"is", "lin", NULL};
static const char *const CovSelectNames[]   = {"none", "bicc", "scm", NULL};
static const PnlmeOption CovSelectOptions[] = {
  {"-covariates_select", PNLME_OPT_ENUM, "none", NULL, CovSelectNames, "Covariate model building: none, bicc (one run, L0-penalised M-step) or scm (stepwise)"},
  {"-covariates_candidates", PNLME_OPT_STRING, "all", NULL, NULL, "Candidate effects parameter.column,... or all (every covariate on every parameter with a random effect)"},
  {"-covariates_alpha", PNLME_OPT_REAL, "1", "[0, 1]", NULL, "bicc: weight of the log(N) penalty at the first iteration (ramped to 1 over the annealing)"},
  {"-covariates_starts", PNLME_OPT_INT, "1", "[1, 1000]", NULL, "bicc: selection runs (SAEM seeds -saem_seed + 0, 1, ...); the refitted model of lowest criterion is kept"},
  {"-covariates_polish", PNLME_OPT_INT, "0", "[0, 1000]", NULL, "bicc: steps of a local search around the kept model: selection runs with its weakest effects barred, alone and per covariate (0: none)"},
  {"-covariates_polish_margin", PNLME_OPT_REAL, "2", "[0, inf)", NULL, "bicc: a polish move is kept when its criterion is lower by more than this many Monte-Carlo SEs of the -2LL (IS) difference"},
  {"-covariates_polish_size", PNLME_OPT_INT, "4", "[1, 1000]", NULL, "bicc: the kept model's selected effects of smallest Wald |z| barred per polish step (alone, and together per covariate)"},
  {"-covariates_ebic_gamma", PNLME_OPT_REAL, "0", "[0, 1]", NULL, "bicc: extended BIC, each effect's penalty log(N) + 2 gamma log(number of candidates) (0: BICc)"},
  {"-covariates_louis_max", PNLME_OPT_REAL, "0", "[0, 1)", NULL, "bicc: choose the support on the observed-data (Louis) quadratic, missing-information fraction capped at this (0: the complete-data criterion)"},
  {"-covariates_compare", PNLME_OPT_BOOL, "true", NULL, NULL, "bicc: also fit the full and the covariate-free models and report their BICc"},
  {"-covariates_runner_up_draws", PNLME_OPT_INT, "20000", "[0, 10000000]", NULL, "bicc and scm: importance-sampling draws per subject that re-estimate -2LL of the selected model and of the runners-up within two Monte-Carlo SEs of it (0: no re-estimate)"},
  {"-covariates_scm_forward", PNLME_OPT_REAL, "3.84", "[0, inf)", NULL, "scm: smallest drop of -2LL that adds an effect (3.84: p 0.05)"},
  {"-covariates_scm_backward", PNLME_OPT_REAL, "10.83", "[0, inf)", NULL, "scm: an effect whose removal raises -2LL by less than this is removed (10.83: p 0.001)"},
  {"-covariates_scm_ll", PNLME_OPT_ENUM, "is", NULL, CovSelectLLNames, "scm: the -2LL compared: is (importance sampling) or lin (linearisation)"},
  {"-covariates_fit_progress", PNLME_OPT_BOOL, "false", NULL, NULL, "Progress lines of every fit (otherwise of the bicc selection run only)"},
};

PetscErrorCode PnlmeCovSelectRegisterOptions(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("covariates", "Covariate selection (PnlmeCovSelect, docs/selection.md)", NULL, PETSC_STATIC_ARRAY_LENGTH(CovSelectOptions), CovSelectOptions));
  PetscFunctionReturn(0);
}

static PetscErrorCode PnlmeCovSelectSetFromOptions(PnlmeCovSelect cs)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)cs);
  PetscObject obj  = (PetscObject)cs;
  char        buf[4096] = "all";
  PetscBool   flg, *m, explicit;
  PetscInt    p = cs->p, q = cs->ncov + 1, e = cs->scmlin ? 1 : 0, t = (PetscInt)cs->type;
  PetscReal  *G = NULL; /* with a selection: the design's Gram matrix (src/pop/design.c) */
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(q * p, &m));
  PetscCall(PnlmeOptionsGetEnum(obj, "-covariates_select", &t, NULL));
  cs->type = (PnlmeCovSelectType)t;
  if (cs->type != PNLME_COVSELECT_NONE) {
    PetscCall(PetscMalloc1(q * q, &G));
    PetscCall(PnlmeDesignGram(cs->data, G));
  }
  PetscCall(PnlmeOptionsGetString(obj, "-covariates_candidates", buf, sizeof(buf), &flg));
  explicit = (PetscBool)(flg && buf[0] && strcmp(buf, "all"));
  if (explicit) PetscCall(PnlmeFitParseEffects(cs->model, cs->data, "-covariates_candidates", buf, m));
  else if (!G)
    for (PetscInt j = p; j < q * p; j++) m[j] = PETSC_TRUE;
  else { /* all: every covariate column that varies over the subjects */
    PetscBool         *isconst;
    const char *const *names;
    PetscInt           nc;
    char               list[1024] = "";
    PetscCall(PetscMalloc1(q, &isconst));
    PnlmeDesignConstantColumns(G, cs->ncov, isconst);
    PetscCall(PnlmeDataGetCovariateNames(cs->data, &nc, &names));
    for (PetscInt c = 0; c < cs->ncov; c++) {
      for (PetscInt k = 0; k < p; k++) m[(c + 1) * p + k] = (PetscBool)!isconst[c];
      if (isconst[c]) {
        PetscCall(PetscStrlcat(list, list[0] ? ", " : "", sizeof(list)));
        PetscCall(PetscStrlcat(list, names[c], sizeof(list)));
      }
    }
    if (list[0]) PetscCall(PetscPrintf(comm, "warning: -covariates_candidates all: covariate(s) %s have the same value in every subject: not candidates\n", list));
    PetscCall(PetscFree(isconst));
  }
  PetscCall(PnlmeOptionsGetReal(obj, "-covariates_alpha", &cs->alpha, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-covariates_starts", &cs->starts, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-covariates_polish", &cs->polish, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-covariates_polish_margin", &cs->polishmargin, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-covariates_polish_size", &cs->polishsize, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-covariates_ebic_gamma", &cs->gamma, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-covariates_louis_max", &cs->louismax, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-covariates_compare", &cs->compare, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-covariates_runner_up_draws", &cs->runnerdraws, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-covariates_scm_forward", &cs->scmfwd, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-covariates_scm_backward", &cs->scmbwd, NULL));
  PetscCall(PnlmeOptionsGetEnum(obj, "-covariates_scm_ll", &e, NULL));
  cs->scmlin = (PetscBool)(e == 1);
  PetscCall(PnlmeOptionsGetBool(obj, "-covariates_fit_progress", &cs->progress, NULL));
  /* -output_dir is the fit's option: read by the fits it runs */
  PetscCall(PnlmeOptionsGetString(NULL, "-output_dir", cs->outdir, sizeof(cs->outdir), NULL));
  if (cs->type != PNLME_COVSELECT_NONE) { /* the selection's own state is not checkpointed */
    PetscBool ck, rs;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-checkpoint_every", &ck));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-restart", &rs));
    PetscCheck(!ck && !rs, comm, PETSC_ERR_USER, "option -covariates_select %s: -checkpoint_every and -restart are not supported with covariate selection", PnlmeCovSelectTypes[cs->type]);
  }
  /* the forced-in effects: -fit_covariates */
  buf[0] = 0;
  PetscCall(PnlmeOptionsGetString(NULL, "-fit_covariates", buf, sizeof(buf), &flg));
  {
    PetscBool *f;
    PetscCall(PetscCalloc1(q * p, &f));
    if (flg && buf[0]) PetscCall(PnlmeFitParseEffects(cs->model, cs->data, "-fit_covariates", buf, f));
    for (PetscInt j = p; j < q * p; j++) cs->forced[j - p] = f[j];
    PetscCall(PetscFree(f));
  }
  /* candidates: not forced, and on a parameter with a random effect (-fit_fixed: its names are
     checked by the fit itself) */
  {
    char      fixed[4096] = "", *tok, *save = NULL;
    PetscBool isfixed[64] = {PETSC_FALSE}; /* a model has at most 64 parameters (PnlmeModelSetParameters) */
    PetscCall(PnlmeOptionsGetString(NULL, "-fit_fixed", fixed, sizeof(fixed), NULL));
    for (tok = strtok_r(fixed, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      PetscInt k;
      PetscCall(PnlmeModelGetParameterIndex(cs->model, tok, &k));
      if (k >= 0) isfixed[k] = PETSC_TRUE;
    }
    cs->ncand = 0;
    for (PetscInt j = p; j < q * p; j++) {
      const char *pn;
      PetscCall(PnlmeModelGetParameterName(cs->model, j % p, &pn));
      /* "all" skips the parameters without random effect; naming one of their effects is an error */
      PetscCheck(!(isfixed[j % p] && m[j] && explicit), comm, PETSC_ERR_USER, "option -covariates_candidates: parameter '%s' has no random effect (-fit_fixed); its covariate effects cannot be candidates", pn);
      cs->cand[j - p] = (PetscBool)(m[j] && !cs->forced[j - p] && !isfixed[j % p]);
      cs->ncand += cs->cand[j - p];
    }
  }
  PetscCall(PetscFree(m));
  if (cs->type != PNLME_COVSELECT_NONE) { /* the full model (every candidate and forced effect) can be estimated */
    PetscBool *eff;
    PetscCall(PetscCalloc1(q * p, &eff));
    for (PetscInt j = p; j < q * p; j++) eff[j] = (PetscBool)(cs->cand[j - p] || cs->forced[j - p]);
    PetscCall(PnlmeDesignCheck(cs->data, cs->model, G, eff, explicit ? "-covariates_candidates" : "-covariates_candidates all"));
    PetscCall(PetscFree(eff));
  }
  PetscCall(PetscFree(G));
  PetscCheck(cs->type == PNLME_COVSELECT_NONE || cs->ncand > 0, comm, PETSC_ERR_USER, "option -covariates_select %s: no candidate effect (declare covariates with -data_covariates; -covariates_candidates)", PnlmeCovSelectTypes[cs->type]);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectCreateFromOptions(MPI_Comm comm, PnlmeCovSelect *out)
{
  PnlmeCovSelect cs;
  PetscFunctionBegin;
  PetscValidPointer(out, 2);
  PetscCall(PnlmeInitialize());
  PetscCall(PetscHeaderCreate(cs, PNLME_CLASSID, "PnlmeCovSelect", "Covariate model building", "CovSelect", comm, PnlmeCovSelectDestroy, PnlmeCovSelectView));
  cs->type         = PNLME_COVSELECT_NONE;
  cs->alpha        = 1.0;
  cs->louismax     = 0;
  cs->starts       = 1;
  cs->polish       = 0;
  cs->polishsize   = 4;
  cs->polishmargin = 2;
  cs->compare      = PETSC_TRUE;
  cs->scmfwd       = 3.84;
  cs->scmbwd       = 10.83;
  cs->scmlin       = PETSC_FALSE;
  cs->progress     = PETSC_FALSE;
  cs->runnerdraws  = 20000;
  PetscCall(PnlmeFitLoadFromOptions(comm, &cs->model, &cs->data));
  PetscCall(PnlmeModelGetNumParameters(cs->model, &cs->p));
  PetscCall(PnlmeDataGetCovariateNames(cs->data, &cs->ncov, &cs->covnames));
  PetscCall(PetscCalloc4(cs->ncov * cs->p, &cs->cand, cs->ncov * cs->p, &cs->forced, cs->ncov * cs->p, &cs->selected, cs->ncov * cs->p, &cs->work));
  PetscCall(PnlmeCovSelectSetFromOptions(cs));
  PetscCall(PetscObjectChangeTypeName((PetscObject)cs, PnlmeCovSelectTypes[cs->type]));
  { /* the fits' options, checked now rather than when the first fit starts */
    PnlmeFit probe;
    PetscCall(PnlmeFitCreate(comm, &probe));
    PetscCall(PnlmeFitSetData(probe, cs->data));
    PetscCall(PnlmeFitSetModel(probe, cs->model));
    PetscCall(PnlmeFitSetFromOptions(probe));
    PetscCall(PnlmeFitDestroy(&probe));
  }
  if (cs->type == PNLME_COVSELECT_BICC) { /* the selection M-step's solver too (its objects are made by the first fit) */
    PnlmeSubset probe;
    PetscCall(PnlmeSubsetCreate(comm, &probe));
    PetscCall(PnlmeSubsetSetOptionsPrefix(probe, "covariates_"));
    PetscCall(PnlmeSubsetSetFromOptions(probe));
    PetscCall(PnlmeSubsetDestroy(&probe));
  }
  if (cs->outdir[0]) PetscCall(PnlmeCheckOutputDirectory(comm, "-output_dir", cs->outdir));
  *out = cs;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectGetType(PnlmeCovSelect cs, PnlmeCovSelectType *type)
{
  PetscFunctionBegin;
  *type = cs->type;
  PetscFunctionReturn(0);
}

/* "param.COV" of effect j = c * p + k */
PetscErrorCode PnlmeCovSelectEffectName(PnlmeCovSelect cs, PetscInt j, char name[], size_t len)
{
  const char *pn;
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetParameterName(cs->model, j % cs->p, &pn));
  PetscCall(PetscSNPrintf(name, len, "%s.%s", pn, cs->covnames[j / cs->p]));
  PetscFunctionReturn(0);
}

PetscInt PnlmeCovSelectCount(PnlmeCovSelect cs, const PetscBool effects[])
{
  PetscInt n = 0;
  for (PetscInt j = 0; j < cs->ncov * cs->p; j++) n += effects[j];
  return n;
}

/* a fit of the model with these effects, every other setting from the options database; no result
   files (the final model's are written by PnlmeCovSelectWriteResults) */
PetscErrorCode PnlmeCovSelectNewFit(PnlmeCovSelect cs, const PetscBool effects[], PetscBool progress, PnlmeFit *fit)
{
  PetscFunctionBegin;
  PetscCall(PnlmeFitCreate(PetscObjectComm((PetscObject)cs), fit));
  PetscCall(PnlmeFitSetData(*fit, cs->data));
  PetscCall(PnlmeFitSetModel(*fit, cs->model));
  PetscCall(PnlmeFitSetFromOptions(*fit));
  PetscCall(PnlmeFitSetCovariateModel(*fit, effects));
  (*fit)->outdir[0] = 0;
  if (!progress && !cs->progress) (*fit)->printevery = 0;
  PetscFunctionReturn(0);
}

/* append a model's record to cs->models */
PetscErrorCode PnlmeCovSelectAddModel(PnlmeCovSelect cs, const PnlmeCovModel *m)
{
  PetscFunctionBegin;
  if (cs->nmodels == cs->maxmodels) {
    cs->maxmodels = PetscMax(16, 2 * cs->maxmodels);
    PetscCall(PetscRealloc(sizeof(PnlmeCovModel) * cs->maxmodels, &cs->models));
  }
  cs->models[cs->nmodels++] = *m;
  PetscFunctionReturn(0);
}

/* run a fit (with its likelihood) and record it as a model */
PetscErrorCode PnlmeCovSelectRunFit(PnlmeCovSelect cs, PnlmeFit fit, const char label[], PnlmeCovModel *rec)
{
  PnlmeCovModel  m;
  PetscLogDouble t0, t1;
  PetscReal      aic, bic;
  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  fit->post = PETSC_TRUE;
  PetscCall(PnlmeFitSolve(fit));
  cs->nfits++;
  PetscCall(PetscTime(&t1));
  PetscCall(PetscMemzero(&m, sizeof(m)));
  PetscCall(PetscStrncpy(m.label, label, sizeof(m.label)));
  PetscCall(PnlmeFitGetCovariateModel(fit, cs->work));
  m.neffects = PnlmeCovSelectCount(cs, cs->work);
  m.m2ll = m.mcse = m.bicc = NAN;
  if (fit->nis > 0) {
    m.m2ll = fit->m2ll_is;
    m.mcse = fit->mcse_is;
    PetscCall(PnlmeFitCriteria(fit, fit->m2ll_is, &aic, &bic, &m.bicc));
  }
  m.m2ll_lin = fit->m2ll_lin;
  PetscCall(PnlmeFitCriteria(fit, fit->m2ll_lin, &aic, &bic, &m.bicc_lin));
  m.seconds = (PetscReal)(t1 - t0);
  PetscCall(PnlmeCovSelectAddModel(cs, &m));
  PetscCall(PnlmeCovSelectBench(cs, fit, cs->nmodels - 1));
  if (rec) *rec = m;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectSolve(PnlmeCovSelect cs)
{
  PetscLogDouble t0, t1;
  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  switch (cs->type) {
  case PNLME_COVSELECT_BICC:
    PetscCall(PnlmeCovSelectSolve_BICc(cs));
    break;
  case PNLME_COVSELECT_SCM:
    PetscCall(PnlmeCovSelectSolve_SCM(cs));
    break;
  case PNLME_COVSELECT_NONE: /* a plain fit, which writes its own results (and checkpoints) */
    PetscCall(PnlmeFitCreate(PetscObjectComm((PetscObject)cs), &cs->final));
    PetscCall(PnlmeFitSetData(cs->final, cs->data));
    PetscCall(PnlmeFitSetModel(cs->final, cs->model));
    PetscCall(PnlmeFitSetFromOptions(cs->final));
    PetscCall(PnlmeFitSolve(cs->final));
    PetscCall(PetscArraycpy(cs->selected, cs->forced, cs->ncov * cs->p));
    break;
  }
  if (cs->type != PNLME_COVSELECT_NONE) PetscCall(PnlmeCovSelectRunnersUp(cs));
  PetscCall(PetscTime(&t1));
  cs->seconds = (PetscReal)(t1 - t0);
  if (cs->outdir[0] && cs->type != PNLME_COVSELECT_NONE) PetscCall(PnlmeCovSelectWriteResults(cs));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectView(PnlmeCovSelect cs, PetscViewer v)
{
  char name[160];
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)cs), &v));
  if (cs->final) PetscCall(PnlmeFitView(cs->final, v));
  if (cs->type == PNLME_COVSELECT_NONE) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(v, "Covariate selection (%s): %" PetscInt_FMT " candidate effects", cs->type == PNLME_COVSELECT_BICC ? "one run, BICc with an L0 penalty solved as an MIQP in the M-step" : "stepwise covariate modelling", cs->ncand));
  if (cs->type == PNLME_COVSELECT_SCM) PetscCall(PetscViewerASCIIPrintf(v, ", forward delta -2LL %g, backward %g, -2LL by %s", (double)cs->scmfwd, (double)cs->scmbwd, cs->scmlin ? "linearisation" : "importance sampling"));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  if (cs->type == PNLME_COVSELECT_BICC) {
    PetscCall(PetscViewerASCIIPrintf(v, "  selection run%s: %" PetscInt_FMT " iterations (K1 %" PetscInt_FMT "), %.2f s; penalty per effect %.3f (log(N)%s) x weight from %g to 1 over the annealing\n", cs->starts > 1 || cs->npolish > 0 ? "s (the kept run's iterations, all runs' time)" : "", cs->niter, cs->K1, (double)cs->runseconds, (double)cs->lambda, cs->gamma > 0 ? " + 2 gamma log(candidates), extended BIC" : "", (double)cs->alpha));
    if (cs->polish > 0) PetscCall(PetscViewerASCIIPrintf(v, "  polish: %" PetscInt_FMT " selection runs with effects barred (at most %" PetscInt_FMT " steps; the %" PetscInt_FMT " weakest effects per step)\n", cs->npolish, cs->polish, cs->polishsize));
    PetscCall(PetscViewerASCIIPrintf(v, "  MIQP: %" PetscInt64_FMT " solves, %" PetscInt64_FMT " nodes, %.3f s in all, %.2f ms per M-step on average, %.2f ms at most; not proven optimal: %" PetscInt64_FMT "\n", cs->nsolves, cs->nnodes, (double)cs->miqptotal, (double)(1e3 * cs->miqptotal / PetscMax(1, cs->miqpiter)), (double)(1e3 * cs->miqpmax), cs->notopt));
  }
  PetscCall(PetscViewerASCIIPrintf(v, "  selected:"));
  for (PetscInt j = 0; j < cs->ncov * cs->p; j++)
    if (cs->selected[j]) {
      PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
      PetscCall(PetscViewerASCIIPrintf(v, " %s%s", name, cs->forced[j] ? " (forced)" : ""));
    }
  PetscCall(PetscViewerASCIIPrintf(v, "%s\n", PnlmeCovSelectCount(cs, cs->selected) ? "" : " none"));
  PetscCall(PetscViewerASCIIPrintf(v, "  %-40s %7s %12s %7s %12s %12s %12s %9s\n", "model", "effects", "-2LL(IS)", "MC SE", "BICc(IS)", "-2LL(lin)", "BICc(lin)", "seconds"));
  for (PetscInt i = 0; i < cs->nmodels; i++) {
    const PnlmeCovModel *m = &cs->models[i];
    if (cs->type == PNLME_COVSELECT_SCM && cs->nmodels > 40 && i > 0 && i < cs->nmodels - 1) continue; /* models.csv has them all */
    PetscCall(PetscViewerASCIIPrintf(v, "  %-40s %7" PetscInt_FMT " %12.3f %7.3f %12.3f %12.3f %12.3f %9.2f\n", m->label, m->neffects, (double)m->m2ll, (double)m->mcse, (double)m->bicc, (double)m->m2ll_lin, (double)m->bicc_lin, (double)m->seconds));
  }
  PetscCall(PetscViewerASCIIPrintf(v, "  fits: %" PetscInt_FMT ", total time %.2f s\n", cs->nfits, (double)cs->seconds));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectGetSelection(PnlmeCovSelect cs, PetscInt *ncov, PetscInt *p, const PetscBool **selected)
{
  PetscFunctionBegin;
  if (ncov) *ncov = cs->ncov;
  if (p) *p = cs->p;
  if (selected) *selected = cs->selected;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectGetFit(PnlmeCovSelect cs, PnlmeFit *fit)
{
  PetscFunctionBegin;
  *fit = cs->final;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectGetCost(PnlmeCovSelect cs, PetscInt *nfits, PetscReal *seconds)
{
  PetscFunctionBegin;
  if (nfits) *nfits = cs->nfits;
  if (seconds) *seconds = cs->seconds;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectDestroy(PnlmeCovSelect *csp)
{
  PnlmeCovSelect cs = *csp;
  PetscFunctionBegin;
  if (!cs) PetscFunctionReturn(0);
  if (--((PetscObject)cs)->refct > 0) {
    *csp = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeFitDestroy(&cs->final));
  for (PetscInt b = 0; b < PNLME_COVSEL_BENCH; b++) PetscCall(PnlmeFitDestroy(&cs->bench[b]));
  PetscCall(PetscFree4(cs->cand, cs->forced, cs->selected, cs->work));
  PetscCall(PetscFree(cs->models));
  PetscCall(PetscFree(cs->beta));
  PetscCall(PetscFree4(cs->weight, cs->miqptime, cs->nodes, cs->nsel));
  PetscCall(PnlmeDataDestroy(&cs->data));
  PetscCall(PnlmeModelDestroy(&cs->model));
  PetscCall(PetscHeaderDestroy(csp));
  PetscFunctionReturn(0);
}
