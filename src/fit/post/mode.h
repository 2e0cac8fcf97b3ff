/* Private: a subject's conditional mode by damped Gauss-Newton (mode.c), shared by the MAP of the
   post-fit (individual.c) and the inner problem of FOCEI/Laplace (impls/focei).  A search is a state
   machine between model evaluations (PnlmeModeBegin, then PnlmeModeAdvance after each evaluation it
   asks for), so that the searches of several subjects advance in lockstep and their evaluations go to
   the model together (PnlmeModeBatchSolve: ODE models solve them in SIMD lanes); each search's result
   is the one PnlmeSubjectMode gives it alone. */
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
  /* the search in progress: its population parameters (&fit->pop unless the caller set popnext before
     PnlmeModeBegin: FOCEI's central differences search at several theta in one batch), subject,
     individual mean and iterate (the caller's), phase, status */
  const PnlmePop     *pop, *popnext;
  const PnlmeSubject *s;
  const PetscReal    *m;
  PetscReal          *z;
  PetscInt            phase, status, it;
  PetscReal           f, lambda, dec, dmax; /* objective at z, damping, the last step's decrement and size */
  PetscBool           sec;                  /* the step uses S */
  /* the evaluation it asks for (want): the natural parameters phiq, predictions into pq, sensitivities
     into sq (NULL: predictions only); its status st is set by the caller before PnlmeModeAdvance */
  PetscBool        want;
  PetscReal       *phiq, *pq, *sq;
  PnlmeSolveStatus st;
  /* storage a batch's caller may use for the subject and its search (PnlmeModeBatchSolve) */
  PnlmeSubject sub;
  PetscReal   *zs, *ms, *lob, *hib; /* p entries each */
} PnlmeModeWork;

PETSC_INTERN PetscErrorCode PnlmeModeWorkCreate(PnlmeFit, PetscReal tol, PetscInt maxit, PnlmeModeWork **);
PETSC_INTERN PetscErrorCode PnlmeModeWorkDestroy(PnlmeModeWork **);
/* the conditional mode of subject s (individual mean m): z in: the start, out: the mode;
   min_z -2 log p(y | z) + (z - m)^T Omega^-1 (z - m).  Allocates nothing. */
PETSC_INTERN PetscErrorCode PnlmeSubjectMode(PnlmeFit, PnlmeModeWork *, const PnlmeSubject *, const PetscReal m[], PetscReal z[], PetscInt *status);
/* the same search one evaluation at a time: Begin starts it (s, m, z kept until it ends); while
   F->want, evaluate the model at F->phiq into F->pq (and F->sq), set F->st and call Advance; then
   F->status is the search's status and z the mode */
PETSC_INTERN PetscErrorCode PnlmeModeBegin(PnlmeFit, PnlmeModeWork *, const PnlmeSubject *, const PetscReal m[], PetscReal z[]);
PETSC_INTERN PetscErrorCode PnlmeModeAdvance(PnlmeFit, PnlmeModeWork *);
/* the gradient norm of -log p(y | z) - log p(z) at z, the result of the last search (projected on the box) */
PETSC_INTERN PetscReal PnlmeModeGradientNorm(const PnlmeModeWork *, const PetscReal z[]);

/* Searches of many subjects in lockstep: nl lanes, each a PnlmeModeWork.  PnlmeModeBatchSolve runs
   the searches of subjects 0..n-1 (the caller's numbering): start(i, F) sets lane F up for subject i
   and must call PnlmeModeBegin (F->sub, zs, ms, lob, hib are there for it); done(i, F) takes its result.
   Every round, the evaluations the lanes ask for go to the model in one call (PnlmeModelPredictManySens,
   PnlmeModelPredictMany); a lane whose search ends takes the next subject.  done is called in an order
   that depends on the searches (sum with PnlmeExactSum).  Allocates nothing after Create. */
typedef struct {
  PetscInt             nl;
  PnlmeModeWork      **lane;
  PetscInt            *sub;        /* [nl] the subject of each lane; -1: idle */
  const PnlmeSubject **ls;         /* [nl] the subjects of a round's evaluations */
  PetscReal           *phib;       /* [nl x p] their parameters */
  PetscReal          **lp, **lsn;  /* [nl] their predictions and sensitivities */
  PnlmeSolveStatus    *st;         /* [nl] */
  PetscInt            *who;        /* [nl] the lane of each evaluation */
} PnlmeModeBatch;

typedef PetscErrorCode (*PnlmeModeStartFn)(PnlmeFit, PetscInt i, PnlmeModeWork *, void *ctx);
typedef PetscErrorCode (*PnlmeModeDoneFn)(PnlmeFit, PetscInt i, PnlmeModeWork *, void *ctx);

#define PNLME_MODE_LANES 32 /* searches advanced together (the ODE lanes of dopri5 take them 8 at a time) */

PETSC_INTERN PetscErrorCode PnlmeModeBatchCreate(PnlmeFit, PetscReal tol, PetscInt maxit, PetscInt nl, PnlmeModeBatch **);
PETSC_INTERN PetscErrorCode PnlmeModeBatchDestroy(PnlmeModeBatch **);
PETSC_INTERN PetscErrorCode PnlmeModeBatchSolve(PnlmeFit, PnlmeModeBatch *, PetscInt n, PnlmeModeStartFn, PnlmeModeDoneFn, void *ctx);
/* the model solves of the lanes' searches, and those that failed */
PETSC_INTERN void PnlmeModeBatchGetStats(const PnlmeModeBatch *, PetscInt64 *nsolves, PetscInt64 *nfailed);
