/* Private: the FOCEI/Laplace estimator type (focei.c: options, theta, the outer TAO iterations;
   inner.c: the conditional-mode search and a subject's objective). */
#pragma once
#include "fit/fitimpl.h"
#include "fit/post/mode.h"

#define PNLME_FOCEI_MAX_THETA 4096
#define PNLME_FOCEI_SUBSTREAM_MOMENTS ((uint64_t)5 << 32)

typedef struct {
  PetscBool  laplace, interaction;
  PetscInt   maxit, inmaxit, ndraws_mom;
  PetscReal  gatol, gstall, ftol, ntol, fdstep, intol, odertol;
  PetscBool  insecant; /* the mode searches' structured secant term (-focei_inner_secant) */
  /* theta: nb entries of B (tb: their index), nl Cholesky entries (tk, tl), ne error parameters */
  PetscInt   nt, nb, nl, ne;
  PetscInt  *tb, *tk, *tl;
  PetscReal *lo, *hi, *theta, *thw;
  /* per local subject: the mode at the last base point; the Cholesky factor of A^-1 (posterior) */
  PetscReal *zhat, *zacc, *chol; /* modes: of the last evaluation at a centre point, of the last accepted iterate */
  /* the subjects' mode searches in lockstep (a lane's predictions and sensitivities at its mode:
     pcur, scur) and the work of one subject's objective, sized at SetUp */
  PnlmeModeBatch *mb;
  PetscReal *J, *w, *r, *vinv, *A, *Lc, *bvec;
  PetscReal *vals, *curv, *glast, *thc, flast; /* objective at theta and its neighbours; the diagonal of its Hessian; the last finite gradient; the centre point of the last evaluation; the last finite objective */
  /* the last centre (focei.c: Centre): its objective, whether its gradient can follow (CENTRE_OK), some
     mode search there that did not converge; hascentre: acc still holds its local sums */
  enum { CENTRE_OK, CENTRE_BAD, CENTRE_FAR } cstate;
  PetscReal  fc;
  PetscBool  cnotconv, hascentre;
  PnlmeExactSum *acc;
  /* the central differences' points searched together, ngroup at a time (Neighbours): their population
     parameters (fit->pop's, with their own B, Omega, L, Oinv in gmem) */
  PetscInt       ngroup, ngroupopt; /* ngroupopt: -focei_points_per_batch */
  PnlmePop      *gpop;
  PetscReal     *gmem;
  /* the outer Newton methods (TAO bnls, bntr, ...; allocated only for them): H = BHHH + S */
  PetscReal     *fsub;          /* [nlocal x nt] each subject's central differences of its objective, f_i(theta + h_t) - f_i(theta - h_t) */
  PetscReal     *fsubm;         /* [nlocal x nt] f_i(theta - h_t), until fsub holds f_i(theta + h_t) too */
  PnlmeExactSum *bacc;          /* [nt (nt + 1) / 2] the sum over subjects of g_i g_i^T (lower triangle) */
  PetscReal     *bhhh, *S;      /* [nt x nt] the outer-product Hessian at fx, the secant term */
  PetscReal     *fx, *fh;       /* [nt] the centre of fsub (hasfsub) and its difference steps (its gradient: glast) */
  PetscReal     *sx, *sg, *work, *hwork; /* [nt] the point and gradient of the last Hessian (hasS); [3 nt]; [2 x nt x nt] H at fx (hashess), its factor */
  PetscBool      hasfsub, hasS, hashess;
  Mat            H;
  /* the outer iterations */
  Tao        tao;
  Vec        X, XL, XU;
  Mat        H0;
  TaoConvergedReason reason;
  PetscReal  gnorm;
  PetscInt   outer, nobj, ngrad, nbad, nnotconv, nfinalfail, itoff, nfar; /* nobj: evaluations of the objective (centres), ngrad: of its gradient */
  PetscInt   nbadstart; /* subjects without an objective at the initial values (the first evaluation) */
  PetscBool  converged, failed, fallback, evalonly, flat, decrement, hasacc; /* hasacc: facc is the objective of an accepted iterate */
  PetscReal  facc; /* evalonly: -focei_max_it 0 */
  char       taotype[64];
  PetscLogEvent evobj;
} PnlmeFOCEI;

PETSC_INTERN PetscErrorCode PnlmeFOCEISetTheta(PnlmeFit, const PetscReal th[]);
/* the subject's objective at its mode (mw: its finished search) */
PETSC_INTERN PetscErrorCode PnlmeFOCEISubjectObjective(PnlmeFit, const PnlmeModeWork *mw, const PnlmeSubject *, const PetscReal m[], const PetscReal z[], PetscReal *ofv);
/* the lower Cholesky factor of A^-1 (Fisher weights) at the mode (mw: its finished search), [p x p], zero rows for the parameters without random effect */
PETSC_INTERN PetscErrorCode PnlmeFOCEIPosteriorFactor(PnlmeFit, const PnlmeModeWork *mw, const PnlmeSubject *, PetscReal chol[]);
PETSC_INTERN PetscErrorCode PnlmeFitRegisterOptions_FOCEI(void);
