/* Private: a subject's conditional mode by damped Gauss-Newton (mode.c), shared by the MAP of the
   post-fit (individual.c) and the inner problem of FOCEI/Laplace (impls/focei). */
#pragma once
#include "fit/fitimpl.h"

enum { PNLME_MODE_CONVERGED, PNLME_MODE_NOTCONVERGED, PNLME_MODE_FAILED };

typedef struct {
  PetscInt  p, nr, rk[64]; /* the parameters with a random effect */
  PetscInt  maxit;         /* most Gauss-Newton iterations */
  PetscReal tol;           /* converged when the largest step component is below this (transformed scale) */
  PetscBool interaction;   /* residual variances at the mode; false: v0 (those of the population prediction, FOCE) */
  PetscBool secant;        /* the structured secant term S (SecantUpdate, mode.c) after the first steps; false: Gauss-Newton */
  const PetscReal *lo, *hi; /* a box the mode stays in (transformed scale, p entries each), or NULL */
  /* work of one subject, sized by PnlmeModeWorkCreate; after a search pcur / scur hold the predictions
     and sensitivities at the mode, dphidz its Jacobian of the transform, J (n x nr), u, w the score and
     Fisher weights of its last evaluation */
  PetscReal *predb, *sensb, *predc, *sensc, *pcur, *scur, *ptry, *stry;
  PetscReal *J, *u, *w, *v0;
  PetscReal *H, *Ht, *A, *g, *gt, *d, *ztry;
  PetscReal *S, *HS;       /* the secant estimate of the Hessian's residual-curvature term, and H + S */
  PetscReal  dphidz[64];
  PetscInt64 nsolves, nfailed; /* model solves of the searches, and those that failed */
} PnlmeModeWork;

PETSC_INTERN PetscErrorCode PnlmeModeWorkCreate(PnlmeFit, PetscReal tol, PetscInt maxit, PnlmeModeWork **);
PETSC_INTERN PetscErrorCode PnlmeModeWorkDestroy(PnlmeModeWork **);
/* the conditional mode of subject s (individual mean m): z in: the start, out: the mode;
   min_z -2 log p(y | z) + (z - m)^T Omega^-1 (z - m).  Allocates nothing. */
PETSC_INTERN PetscErrorCode PnlmeSubjectMode(PnlmeFit, PnlmeModeWork *, const PnlmeSubject *, const PetscReal m[], PetscReal z[], PetscInt *status);
/* the gradient norm of -log p(y | z) - log p(z) at z, the result of the last search (projected on the box) */
PETSC_INTERN PetscReal PnlmeModeGradientNorm(const PnlmeModeWork *, const PetscReal z[]);
