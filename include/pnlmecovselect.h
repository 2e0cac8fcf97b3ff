/* pnlme: covariate model building (docs/selection.md).

   A PnlmeCovSelect chooses which candidate covariate effects (parameter <- covariate) enter a
   population model, by one of two methods:
     bicc  one SAEM (or VEM) run whose M-step solves, exactly, the L0-penalised problem
           -2 x complete-data log-likelihood + log(N) ||beta||_0 over all candidates (an MIQP per
           Omega block, PnlmeSubset), the penalty ramping from alpha to 1 over the annealing; then the
           selected model is refitted and its -2LL and BICc are reported, with those of the full and
           the covariate-free models
     scm   stepwise covariate modelling, the usual baseline: forward inclusion at delta -2LL >= 3.84
           (p 0.05), then backward elimination at delta -2LL < 10.83 (p 0.001), a full fit per
           candidate model
   The effects of -fit_covariates are forced in (never penalised nor removed).

   Lifecycle: PnlmeCovSelectCreateFromOptions (model, data, options) -> PnlmeCovSelectSolve ->
   PnlmeCovSelectView / PnlmeCovSelectGetSelection / PnlmeCovSelectGetFit -> PnlmeCovSelectDestroy.
   With -output_dir the final model's results go there (estimates.csv, likelihood.csv, results.h5,
   individuals.csv) with covariates.csv (parameter,covariate,selected,beta,se), models.csv (every
   fitted model: label,effects,minus2ll,mc_se,bicc,minus2ll_lin,bicc_lin,seconds) and the group
   /selection of results.h5.

   Options (and every -fit_, -saem_, -vem_, -lik_ option of the fits):
     -covariates_select none|bicc|scm       method (none: a plain fit)
     -covariates_candidates all|ka.WT,...   candidate effects (default all: every covariate on every
                                            parameter with a random effect)
     -covariates_alpha 1                    bicc: penalty weight at the first iteration
     -covariates_compare true               bicc: also fit the full and the covariate-free models
     -covariates_scm_forward 3.84 -covariates_scm_backward 10.83   scm thresholds (delta -2LL)
     -covariates_scm_ll is|lin              scm: the -2LL compared (importance sampling or linearisation)
     -covariates_ebic_gamma 0               bicc: extended BIC, penalty log(N) + 2 gamma log(candidates)
     -covariates_starts 1                   bicc: selection runs (SAEM seeds); the best refitted model is kept
     -covariates_polish 0                   bicc: steps of a local search in model space: selection runs
                                            with the kept model's weakest effects barred (docs/selection.md)
     -covariates_polish_size 4              bicc: its weakest effects tried per step
     -covariates_polish_margin 2            bicc: a move is kept when lower by more than this many
                                            Monte-Carlo SEs of the -2LL (IS) difference
     -covariates_louis_max 0                bicc: > 0 chooses the support on an observed-data (Louis)
                                            quadratic, missing information capped at this (docs/selection.md)
     -covariates_subset_...                 the MIQP solver's options (pnlmeselect.h)
     -covariates_fit_progress false         progress lines of every fit (default: of the bicc run only) */
#pragma once
#include "pnlmefit.h"

typedef struct _p_PnlmeCovSelect *PnlmeCovSelect;

typedef enum { PNLME_COVSELECT_NONE = 0, PNLME_COVSELECT_BICC, PNLME_COVSELECT_SCM } PnlmeCovSelectType;
PETSC_EXTERN const char *const PnlmeCovSelectTypes[];

PETSC_EXTERN PetscErrorCode PnlmeCovSelectCreateFromOptions(MPI_Comm, PnlmeCovSelect *);
PETSC_EXTERN PetscErrorCode PnlmeCovSelectGetType(PnlmeCovSelect, PnlmeCovSelectType *);
PETSC_EXTERN PetscErrorCode PnlmeCovSelectSolve(PnlmeCovSelect);
PETSC_EXTERN PetscErrorCode PnlmeCovSelectView(PnlmeCovSelect, PetscViewer);
/* selected[c * p + k]: design column c on parameter k is in the final model (forced ones included) */
PETSC_EXTERN PetscErrorCode PnlmeCovSelectGetSelection(PnlmeCovSelect, PetscInt *ncov, PetscInt *p, const PetscBool **selected);
/* "parameter.covariate" of effect j = c * p + k */
PETSC_EXTERN PetscErrorCode PnlmeCovSelectEffectName(PnlmeCovSelect, PetscInt j, char name[], size_t len);
/* the fit of the final model (owned by the PnlmeCovSelect) */
PETSC_EXTERN PetscErrorCode PnlmeCovSelectGetFit(PnlmeCovSelect, PnlmeFit *);
/* fits run, and the wall time of the whole selection */
PETSC_EXTERN PetscErrorCode PnlmeCovSelectGetCost(PnlmeCovSelect, PetscInt *nfits, PetscReal *seconds);
PETSC_EXTERN PetscErrorCode PnlmeCovSelectDestroy(PnlmeCovSelect *);
