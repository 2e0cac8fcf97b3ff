/* Private: the population model -- typical values, covariate effects, Omega and its M-step (pop.c),
   the selection M-step (popselect.c), and the residual error models of the outputs (errormodel.c,
   error/): used by the estimators, the post-fit, the VPC and the simulator. */
#pragma once
#include <petsc/private/petscimpl.h>
#include <petscblaslapack.h>
#include <pnlme.h>

#define PNLME_POP_MAX_OUTPUTS 16

/* Population parameters on the transformed (Gaussian) scale */
typedef struct {
  PetscInt        p, q;   /* parameters; design rows q = 1 + ncov (row 0: intercept) */
  PetscReal      *B;      /* [q x p]: row 0 = mu, rows 1.. = beta; B[a*p + k] */
  PetscBool      *mask;   /* [q x p]: estimated entries (row 0 always) */
  PetscReal      *Omega;  /* [p x p] */
  PetscReal      *L;      /* [p x p] lower Cholesky factor of Omega */
  PetscReal      *Oinv;   /* [p x p] inverse of Omega */
  PetscReal       logdet; /* log det Omega */
  PetscBool       full;   /* Omega has off-diagonal entries (some block of size > 1) */
  PetscInt        block[64]; /* Omega is block-diagonal: parameters k, l correlate when block[k] == block[l] */
  PetscInt        npairs;    /* correlated pairs k < l */
  PetscBool       fixed[64]; /* parameters without random effect: z_k = (B^T x)_k exactly; their Omega
                                row is kept as the identity so that the factors stay regular, and
                                every chain, draw and mode holds z_k at the individual mean */
  PetscInt        nfixed;
  PetscInt        dropped[64]; /* the iteration after which parameter k's random effect was removed
                                  because its variance reached the boundary (-1: not removed) */
  PetscBool      *hold;      /* [q x p] entries of B held at their value, not estimated (-fit_fix) */
  PetscInt        nfloor;    /* M-steps whose Omega was singular and got its correlations' eigenvalues floored */
  PetscInt        nfree;     /* estimated entries of B, and the work of their least-squares system */
  PetscReal      *lsA, *lsr;
  PetscBLASInt   *lspiv;
  PetscInt       *lsidx;
  /* the residual error model of every output (src/pop/errormodel.c) */
  PetscInt        nout;
  const PnlmeErrorOps *err[PNLME_POP_MAX_OUTPUTS];
  PetscReal       a[PNLME_POP_MAX_OUTPUTS], b[PNLME_POP_MAX_OUTPUTS];
  char            outname[PNLME_POP_MAX_OUTPUTS][64];
  PetscBool       censored;  /* some observation is censored (CENS != 0): the M3 likelihood */
  PetscBool      *active;   /* [q x p] entries in the model now: the mask, less the candidates the
                               selection has left out (equal to the mask without selection) */
  struct _PnlmePopSelect *sel; /* covariate selection in the M-step (popselect.c); NULL without */
} PnlmePop;

/* One-run covariate selection (popselect.c, docs/selection.md): the M-step of B minimises
   -2 x the complete-data log-likelihood + w(t) log(N) ||beta_candidates||_0, one exact MIQP
   (PnlmeSubset) per Omega block, w(t) ramping from alpha to 1 over the annealing phase. */
typedef struct _PnlmePopSelect {
  PetscBool      *cand;        /* [q x p] penalised candidates (entries of the mask) */
  PetscReal       alpha, weight, lambda; /* ramp start, this iteration's factor, penalty of an effect (log N [+ 2 gamma log P]) */
  PnlmeSubset     sub[64];     /* per Omega block (indexed by its first parameter), NULL if unused */
  PetscInt        nmax;        /* variables of the largest block problem */
  PetscReal       shrink[64];  /* per parameter: mean posterior variance of z / omega^2 (Louis' missing information) */
  PetscReal       shrinkmax;   /* cap of shrink (-covariates_louis_max) */
  PetscReal      *Q, *qv, *xv; /* work of one block problem: the observed-data quadratic */
  PetscReal      *Qc, *qc, *Lw;/* the complete-data one, and a Cholesky factor */
  PetscReal      *zw;
  PetscInt       *T;
  PnlmeSubsetRole *role;
  PetscBool      *supp;
  PetscInt       *vidx;        /* entry a*p+k of each variable */
  /* this iteration (reset by PnlmePopSelectRamp) and the totals */
  PetscReal       ittime;
  PetscInt64      itnodes;
  PetscInt64      nsolves, nodes, notopt;
  PetscReal       time, maxittime;
  /* per iteration: [niter] weight, MIQP seconds, nodes, selected count */
  PetscInt        nrec;
  PetscReal      *rweight, *rtime;
  PetscInt       *rnodes, *rsel;
} PnlmePopSelect;


/* design.c: the covariate design over the subjects (collective) */
PETSC_INTERN PetscErrorCode PnlmeDesignGram(PnlmeData, PetscReal G[]);
PETSC_INTERN void           PnlmeDesignConstantColumns(const PetscReal G[], PetscInt ncov, PetscBool isconst[]);
PETSC_INTERN PetscErrorCode PnlmeDesignCheck(PnlmeData, PnlmeModel, const PetscReal G[], const PetscBool effects[], const char option[]);

/* pop.c */
PETSC_INTERN PetscErrorCode PnlmePopFactor(PnlmePop *);
PETSC_INTERN void           PnlmePopMean(const PnlmePop *, const PetscReal x[], PetscReal m[]);
PETSC_INTERN PetscReal      PnlmePopLogPrior(const PnlmePop *, const PetscReal z[], const PetscReal m[]);
PETSC_INTERN PetscErrorCode PnlmePopMStep(PnlmePop *, PetscInt64 N, const PetscReal G[], const PetscReal S1[], const PetscReal S2[]);
/* popselect.c: the selection M-step */
PETSC_INTERN PetscErrorCode PnlmePopSelectCreate(MPI_Comm, PnlmePop *, const PetscBool cand[], PetscReal alpha, PetscReal louismax, PetscReal lambda, PetscInt nrec);
PETSC_INTERN PetscErrorCode PnlmePopSelectDestroy(PnlmePop *);
PETSC_INTERN void           PnlmePopSelectRamp(PnlmePop *, PetscInt iter, PetscInt anneal);
PETSC_INTERN void           PnlmePopSelectSetShrinkage(PnlmePop *, PetscInt64 N, const PetscReal sumv[]);
PETSC_INTERN PetscErrorCode PnlmePopSelectB(PnlmePop *, const PetscReal G[], const PetscReal S1[]);
PETSC_INTERN void           PnlmePopSelectRecord(PnlmePop *, PetscInt iter);

/* errormodel.c: the error models of a subject's observations, every output with its own model and
   parameters; censored observations (CENS) enter by the probability of their interval (M3/M4) */
PETSC_INTERN PetscErrorCode PnlmeErrorModelRegisterAll(void);
/* log p(y | f) of one subject (without the 2 pi constants) */
PETSC_INTERN PetscReal      PnlmeErrorLogLik(const PnlmePop *, const PnlmeSubject *, const PetscReal f[]);
/* the same and dldf */
PETSC_INTERN PetscReal      PnlmeErrorLogLikGrad(const PnlmePop *, const PnlmeSubject *, const PetscReal f[], PetscReal dldf[]);
PETSC_INTERN void           PnlmeErrorFisherWeights(const PnlmePop *, const PnlmeSubject *, const PetscReal f[], PetscReal w[]);
/* the residual sum of squares of output k's uncensored observations */
PETSC_INTERN PetscReal      PnlmeErrorResidualSS(const PnlmePop *, PetscInt k, const PnlmeSubject *, const PetscReal f[]);
/* residual SD of an observation of output k with prediction f, and a simulated observation */
PETSC_INTERN PetscReal      PnlmeErrorSD(const PnlmePop *, PetscInt k, PetscReal f);
PETSC_INTERN PetscReal      PnlmeErrorSimulate(const PnlmePop *, PetscInt k, PetscReal f, PetscReal e);
/* the number of error parameters (columns a, b of the outputs) and their names ("a", "b" with one output, "a_C", ... with several) */
PETSC_INTERN PetscInt       PnlmeErrorNumParameters(const PnlmePop *);
PETSC_INTERN void           PnlmeErrorParameter(const PnlmePop *, PetscInt e, PetscInt *k, PetscBool *isb);
PETSC_INTERN PetscErrorCode PnlmeErrorParameterName(const PnlmePop *, PetscInt e, char name[], size_t len);
/* "constant" or "C=combined2,R=constant" */
/* the early rejection of MCMC proposals: an upper bound of PnlmeErrorLogLik over all predictions (+inf
   without one), and the sum over observations j0..j1-1 of their bounds less their terms at f[j] */
PETSC_INTERN PetscReal PnlmeErrorLogLikSup(const PnlmePop *, const PnlmeSubject *);
PETSC_INTERN PetscReal PnlmeErrorDeficit(const PnlmePop *, const PnlmeSubject *, PetscInt j0, PetscInt j1, const PetscReal f[]);
PETSC_INTERN PetscErrorCode PnlmeErrorDescribe(const PnlmePop *, char str[], size_t len);
/* an option's value per output: one value for every output, or OUTPUT=value,... (model names or numbers) */
PETSC_INTERN PetscErrorCode PnlmeErrorParseOutputs(MPI_Comm, const char opt[], const char str[], PetscInt nout, const char names[][64], PetscBool models, PetscBool allowzero, const PnlmeErrorOps *ops[], PetscReal vals[], PetscBool given[]);
/* -fit_error / -fit_error_a / -fit_error_b values: one value for every output, or OUTPUT=value,... */
PETSC_INTERN PetscErrorCode PnlmeErrorSetFromStrings(PnlmePop *, MPI_Comm, const char models[], const char avals[], const char bvals[]);
