/* Private: the FOCEI/Laplace estimator type (focei.c: options, theta, the outer TAO iterations;
   inner.c: the conditional-mode search and a subject's objective). */
#pragma once
#include "fit/fitimpl.h"

#define PNLME_FOCEI_MAX_THETA 4096
#define PNLME_FOCEI_SUBSTREAM_MOMENTS ((uint64_t)5 << 32)

enum { PNLME_FOCEI_CONVERGED, PNLME_FOCEI_NOTCONVERGED, PNLME_FOCEI_FAILED };

typedef struct {
  PetscBool  laplace, interaction;
  PetscInt   maxit, inmaxit, ndraws_mom;
  PetscReal  gatol, gstall, ftol, fdstep, intol, odertol;
  /* theta: nb entries of B (tb: their index), nl Cholesky entries (tk, tl), ne error parameters */
  PetscInt   nt, nb, nl, ne;
  PetscInt  *tb, *tk, *tl;
  PetscReal *lo, *hi, *theta, *thw;
  /* the random effects (parameters with one) */
  PetscInt   nr, rk[64];
  /* per local subject: the mode at the last base point; the Cholesky factor of A^-1 (posterior) */
  PetscReal *zhat, *chol;
  /* work of one subject, sized at SetUp */
  PetscReal *predb, *sensb, *predc, *sensc; /* two points: the accepted one and the trial */
  PetscReal *pcur, *scur, *ptry, *stry;
  PetscReal *J, *u, *w, *v0, *r, *vinv;
  PetscReal *H, *Ht, *A, *g, *gt, *d, *ztry, *m, *Lc, *bvec;
  PetscReal  dphidz[64];
  PetscReal *vals, *curv, *glast, flast; /* objective at theta and its neighbours; the diagonal of its Hessian; the last finite gradient and objective */
  PnlmeExactSum *acc;
  /* the outer iterations */
  Tao        tao;
  Vec        X, XL, XU;
  Mat        H0;
  TaoConvergedReason reason;
  PetscReal  gnorm;
  PetscInt   outer, nevals, nbad, nnotconv, nfinalfail, itoff;
  PetscBool  converged, failed, fallback, evalonly, flat; /* evalonly: -focei_max_it 0 */
  char       taotype[64];
  PetscLogEvent evobj, evmode;
} PnlmeFOCEI;

PETSC_INTERN PetscErrorCode PnlmeFOCEISetTheta(PnlmeFit, const PetscReal th[]);
/* the conditional mode of subject s (individual mean m) from z (in: the start; out: the mode);
   F->pcur/scur hold the predictions and sensitivities there */
PETSC_INTERN PetscErrorCode PnlmeFOCEISubjectMode(PnlmeFit, const PnlmeSubject *, const PetscReal m[], PetscReal z[], PetscInt *status);
/* the subject's objective at its mode (after PnlmeFOCEISubjectMode) */
PETSC_INTERN PetscErrorCode PnlmeFOCEISubjectObjective(PnlmeFit, const PnlmeSubject *, const PetscReal m[], const PetscReal z[], PetscReal *ofv);
/* the lower Cholesky factor of A^-1 (Fisher weights) at the mode, [p x p], zero rows for the parameters without random effect */
PETSC_INTERN PetscErrorCode PnlmeFOCEIPosteriorFactor(PnlmeFit, const PnlmeSubject *, PetscReal chol[]);
PETSC_INTERN PetscErrorCode PnlmeFitRegisterOptions_FOCEI(void);
