/* pnlme: population fits.  A PnlmeFit estimates theta = (typical values, covariate effects beta,
   Omega, residual error parameters) for a model and a dataset; the estimator is a type (saem).

   Lifecycle: PnlmeFitCreate -> PnlmeFitSetData -> PnlmeFitSetModel -> PnlmeFitSetFromOptions ->
   PnlmeFitSetUp -> PnlmeFitSolve -> PnlmeFitView / PnlmeFitGet... -> PnlmeFitDestroy. */
#pragma once
#include "pnlmedata.h"
#include "pnlmemodel.h"

typedef struct _p_PnlmeFit *PnlmeFit;

/* Estimator types (PnlmeFitSetType, -estimator NAME); a new one is a folder src/fit/impls/NAME and one
   PnlmeFitRegister line (src/fit/interface/fit.c, docs/architecture.md) */
typedef const char *PnlmeFitType;
#define PNLMEFITSAEM    "saem"    /* stochastic approximation EM (docs/saem.md) */
#define PNLMEFITVEM     "vem"     /* variational EM (docs/vem.md) */
#define PNLMEFITFOCEI   "focei"   /* first-order conditional estimation with interaction (docs/focei.md) */
#define PNLMEFITLAPLACE "laplace" /* Laplace approximation at the conditional modes (docs/focei.md) */

#include "pnlmepop.h"

PETSC_EXTERN PetscErrorCode PnlmeFitCreate(MPI_Comm, PnlmeFit *);
/* the fit keeps a reference to its data and model */
PETSC_EXTERN PetscErrorCode PnlmeFitSetData(PnlmeFit, PnlmeData);
PETSC_EXTERN PetscErrorCode PnlmeFitSetModel(PnlmeFit, PnlmeModel);
PETSC_EXTERN PetscErrorCode PnlmeFitGetData(PnlmeFit, PnlmeData *);
PETSC_EXTERN PetscErrorCode PnlmeFitGetModel(PnlmeFit, PnlmeModel *);
/* The whole pipeline from the options database: model (-model ...), data (-data_file ...; checked
   against the model), and the fit (-fit_..., -saem_...), ready for PnlmeFitSolve. Collective. */
PETSC_EXTERN PetscErrorCode PnlmeFitCreateFromOptions(MPI_Comm, PnlmeFit *);
/* Options:
   -fit_theta ka=1.5,ke=0.1,V=30     initial typical values (natural scale; every parameter)
   -fit_omega ka=1,...               initial SD of eta on the transformed scale (default 1)
   -fit_covariates ka.WT,V.WT        covariate effects to estimate (parameter.designcolumn)
   -fit_error constant|... or C=combined2,R=constant   residual error model per output; -fit_error_a, -fit_error_b initial values
   -fit_omega_full | -fit_omega_blocks ka+V,ke   Omega structure (default diagonal)
   -fit_fixed ke                     parameters without random effect
   -saem_k1 300 -saem_k2 100 -saem_chains (ceil(100/N)) -saem_kernels 2,2,2 -saem_seed 1
   -saem_kernels_explore (ceil(kernels/2) with 2+ chains, else -saem_kernels)
   -saem_sa_iterations (K1/2) -saem_sa_factor 0.97 -saem_print_every 50 */
PETSC_EXTERN PetscErrorCode PnlmeFitSetFromOptions(PnlmeFit);
/* The covariate model, as [ncov x p] flags (effects[c * p + k]: design column c on parameter k),
   between SetFromOptions and SetUp.  SetCovariateModel replaces -fit_covariates.
   SetCovariateSelection adds the candidates to the model and selects among them in every M-step
   (L0 penalty log N, weight ramping from alpha to 1 over the annealing; docs/selection.md); the
   effects already in the model stay in, unpenalised.  GetCovariateModel: the effects in the model
   (after a selection run: the selected ones and the forced-in ones). */
PETSC_EXTERN PetscErrorCode PnlmeFitSetCovariateModel(PnlmeFit, const PetscBool effects[]);
PETSC_EXTERN PetscErrorCode PnlmeFitSetCovariateSelection(PnlmeFit, const PetscBool candidates[], PetscReal alpha);
PETSC_EXTERN PetscErrorCode PnlmeFitGetCovariateModel(PnlmeFit, PetscBool effects[]);
PETSC_EXTERN PetscErrorCode PnlmeFitSetType(PnlmeFit, PnlmeFitType);
PETSC_EXTERN PetscErrorCode PnlmeFitGetType(PnlmeFit, PnlmeFitType *);
PETSC_EXTERN PetscErrorCode PnlmeFitRegister(const char name[], PetscErrorCode (*create)(PnlmeFit));
PETSC_EXTERN PetscErrorCode PnlmeFitSetUp(PnlmeFit);
PETSC_EXTERN PetscErrorCode PnlmeFitSolve(PnlmeFit);
PETSC_EXTERN PetscErrorCode PnlmeFitView(PnlmeFit, PetscViewer);
/* natural-scale typical value of parameter `name`, beta of (param, design column), omega SD, error a */
PETSC_EXTERN PetscErrorCode PnlmeFitGetTypical(PnlmeFit, const char name[], PetscReal *);
PETSC_EXTERN PetscErrorCode PnlmeFitGetBeta(PnlmeFit, const char param[], const char cov[], PetscReal *);
PETSC_EXTERN PetscErrorCode PnlmeFitGetOmega(PnlmeFit, const char name[], PetscReal *);
/* the error parameters of output `output` (its name; NULL with a single output); 0 for one the model does not have */
PETSC_EXTERN PetscErrorCode PnlmeFitGetErrorParameters(PnlmeFit, const char output[], PetscReal *a, PetscReal *b);
/* the iteration history: niter x nhist, columns as in PnlmeFitView's table order */
PETSC_EXTERN PetscErrorCode PnlmeFitGetHistory(PnlmeFit, PetscInt *niter, PetscInt *ncol, const PetscReal **hist);
PETSC_EXTERN PetscErrorCode PnlmeFitDestroy(PnlmeFit *);
