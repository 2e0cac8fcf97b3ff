/* Private: the closed-form pharmacokinetic library (linear compartment models, superposition engine).

   Every model is a linear disposition system (one or two compartments) with an optional first-order
   absorption depot.  Its response at the central concentration to a unit impulse is
     into the central compartment:  h(u) = sum_k A_k exp(-lam_k u)                    ("single" terms)
     into the depot:                h(u) = sum_k ka A_k D(lam_k, ka; u)               ("pair" terms)
   with D(lam, kap; u) = (exp(-lam u) - exp(-kap u)) / (kap - lam), evaluated in a form that stays exact
   when kap == lam (see engine.c).  A model supplies the disposition (A_k, lam_k) and their derivatives;
   the engine superposes the doses. */
#pragma once
#include "model/modelimpl.h"

#define PNLME_PK_MAXEXP  2 /* disposition exponentials */
#define PNLME_PK_MAXDISP 4 /* disposition parameters */
#define PNLME_PK_MAXPAR  8 /* model parameters */

/* Disposition: central concentration after a unit bolus into the central compartment,
   sum_k A[k] exp(-lam[k] u); derivatives with respect to the disposition parameters q. */
typedef struct {
  PetscInt  n;
  PetscReal A[PNLME_PK_MAXEXP], lam[PNLME_PK_MAXEXP];
  PetscReal dA[PNLME_PK_MAXEXP][PNLME_PK_MAXDISP], dlam[PNLME_PK_MAXEXP][PNLME_PK_MAXDISP];
} PnlmePKDisposition;

/* q: the disposition parameters (already checked positive and finite); derivatives only if deriv.
   Returns 0, or non-zero if the parameters give no valid system. */
typedef int (*PnlmePKDispositionFn)(const PetscReal q[], int deriv, PnlmePKDisposition *);

/* One input of the engine: the response terms of the central concentration to a unit dose into one
   compartment, with derivatives with respect to all the model parameters phi. */
typedef struct {
  PetscInt  n;    /* number of terms */
  int       pair; /* 0: c[k] exp(-lam[k] u); 1: c[k] D(lam[k], kap; u) */
  PetscReal c[PNLME_PK_MAXEXP], lam[PNLME_PK_MAXEXP], kap;
  PetscReal ikl[PNLME_PK_MAXEXP]; /* pair terms: 1/(kap - lam[k]), 0 when equal; central terms: 1/lam[k] */
  PetscReal dc[PNLME_PK_MAXEXP][PNLME_PK_MAXPAR], dlam[PNLME_PK_MAXEXP][PNLME_PK_MAXPAR], dkap[PNLME_PK_MAXPAR];
} PnlmePKInput;

/* A built-in model: static data, used as the model's context. */
typedef struct {
  const char          *name;
  const char          *description;
  PetscInt             ncmt;       /* compartments, depot included */
  PetscInt             np;         /* parameters */
  const char          *pnames[PNLME_PK_MAXPAR];
  PetscInt             ika;        /* index of ka in phi; -1 without a depot */
  PetscInt             off;        /* index of the first disposition parameter in phi */
  PetscInt             nq;         /* number of disposition parameters */
  PetscInt             depotcmt;   /* CMT of the depot; 0 without a depot */
  PetscInt             centralcmt; /* CMT of the central compartment (doses and the output "C") */
  PnlmePKDispositionFn disposition;
} PnlmePKModel;

PETSC_INTERN int PnlmePKDisposition1CL(const PetscReal[], int, PnlmePKDisposition *);
PETSC_INTERN int PnlmePKDisposition1K(const PetscReal[], int, PnlmePKDisposition *);
PETSC_INTERN int PnlmePKDisposition2CL(const PetscReal[], int, PnlmePKDisposition *);
PETSC_INTERN int PnlmePKDisposition2K(const PetscReal[], int, PnlmePKDisposition *);

/* A PK model object's context: the built-in model's data, and the plans its engine keeps while the
   model's subjects are held (PnlmeModelHoldSubjects; src/model/pk/engine.c) */
typedef struct PnlmePKCache PnlmePKCache;
typedef struct {
  PnlmePKModel  def;
  PnlmePKCache *cache;
} PnlmePKContext;
PETSC_INTERN PetscErrorCode PnlmePKContextCreate(const PnlmePKModel *, PnlmePKContext **);
PETSC_INTERN PetscErrorCode PnlmePKContextDestroy(void *);
PETSC_INTERN void           PnlmePKHold(void *ctx, PetscBool hold);

/* the closed-form predict operation; ctx is a PnlmePKContext */
PETSC_INTERN int PnlmePKPredict(const PnlmeSubject *, const PetscReal phi[], PetscReal pred[], PetscReal sens[], void *ctx);
/* nb parameter sets, set L on subject s[L], predictions only (the batch operation of the model layer) */
PETSC_INTERN int PnlmePKPredictMany(PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], const PnlmePredictStop *stop, int rc[], void *ctx);
/* the same with the sensitivities (sens[L]: rows of np), without an early stop */
PETSC_INTERN int PnlmePKPredictManySens(PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], int rc[], void *ctx);
/* the same on dosed timelines (info[L]: the entries' dose parameters of s[L]; sens rows of np columns,
   dose parameters included; phi rows of the model's own parameters) */
PETSC_INTERN int PnlmePKPredictManyDoseSens(PetscInt nb, const PnlmeSubject *const s[], const PnlmeDoseInfo *const info[], const PetscReal phi[], PetscInt np, PetscReal *const pred[], PetscReal *const sens[], int rc[], void *ctx);
/* the same on a dosed timeline (lags and bioavailabilities applied), with the sensitivities to the dose
   parameters: analytic, the dose times and amounts being differentiated (sens rows of np columns) */
PETSC_INTERN int PnlmePKPredictDose(const PnlmeSubject *, const PnlmeDoseInfo info[], const PetscReal phi[], PetscInt np, PetscReal pred[], PetscReal sens[], void *ctx);
