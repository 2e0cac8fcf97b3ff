/* Private: the PnlmeFit object and the pieces shared by its files. */
#pragma once
#include <petsc/private/petscimpl.h>
#include <petscblaslapack.h>
#include <pnlme.h>
#include <petsctao.h>
#include "pop/popimpl.h"

/* a checkpoint being written or read, for an estimator type's own per-subject datasets
   (io/checkpoint.c), in a group named after the type: rows(ctx, name, nextra, extra, data, finite)
   writes or reads, with its checksum, a dataset of prod(extra) reals per subject (local rows);
   finite: restored values must be finite (else: not NaN) */
typedef struct {
  PetscBool write;
  void     *ctx;
  PetscErrorCode (*rows)(void *ctx, const char name[], PetscInt nextra, const PetscInt extra[], PetscReal data[], PetscBool finite);
} PnlmeCkIO;

/* The operations of an estimator type (PnlmeFitRegister).  solve runs the iterations and leaves the
   posterior contract the post-fit reads: the history (hist, niter), each subject's conditional mean
   and covariance on the transformed scale (cmean, ccov, after ncm draws or as a mode and its inverse
   Hessian) and natural-scale moments (nmom). */
typedef struct {
  PetscErrorCode (*setfromoptions)(PnlmeFit);                     /* its options, after the common ones */
  PetscErrorCode (*setup)(PnlmeFit);                              /* its work, after the common set-up */
  PetscErrorCode (*solve)(PnlmeFit);                              /* the iterations */
  PetscErrorCode (*view)(PnlmeFit, PetscViewer, const char err[]); /* the first lines of the table */
  PetscErrorCode (*fingerprint)(PnlmeFit, char buf[], size_t);    /* what a checkpoint of this type must match */
  PetscErrorCode (*checkpoint)(PnlmeFit, PnlmeCkIO *);            /* its own datasets in a checkpoint */
  PetscErrorCode (*destroy)(PnlmeFit);
} _PnlmeFitOps;

/* standard error of a history column: available, or why not */
enum { PNLME_SE_OK, PNLME_SE_SINGULAR, PNLME_SE_ATBOUND, PNLME_SE_NONE };

/* work of the non-centred steps (noncentred.c), sized at SetUp */
typedef struct {
  PetscInt       nf, *idx;             /* free entries of B moved by the step ([q x p]) */
  PetscInt       cap;                  /* nf that g, H, F, d, acc and act are sized for */
  PetscInt      *act;                  /* [nf] the entries a Gauss-Newton direction moves */
  PetscReal     *eta;                  /* [nlocal x nchains x p] random effects held fixed */
  PetscReal     *g, *H, *F, *d;        /* gradient, Gauss-Newton matrix, its factor, step */
  PetscReal     *B0, *Bt;              /* [q x p] B at the start of the step, trial B */
  PetscReal     *w;                    /* [maxobs] Fisher weights */
  PetscReal     *pred, *ll;            /* predictions and likelihoods of the chains at the trial B */
  PetscInt       nlanes;               /* chains evaluated together: max(NC_LANES, nchains) */
  PetscReal     *phib;                 /* [nlanes x p] the natural-scale parameters of a block's chains */
  PnlmeSolveStatus *st;                /* [nlanes] their solves */
  PnlmeSubject  *subj;                 /* [nlanes] the block's subjects */
  const PnlmeSubject **ls;             /* [nlanes] each chain's subject */
  PetscReal    **lpred;                /* [nlanes] its predictions (in pred) */
  PetscReal     *spred, *ssens, *dphi; /* [nlanes x maxobs], [nlanes x maxobs x p], [nlanes x p]: a block's
                                          predictions, sensitivities and d phi / d z in the passes with them */
  PetscReal    **lsens;                /* [nlanes] each chain's sensitivities (in ssens) */
  PetscReal     *lli;                  /* [nlocal] the mean log-likelihood of each subject's chains */
  PnlmeExactSum *acc;                  /* [nf + nf (nf + 1) / 2 + 1] */
} PnlmeNCWork;

struct _p_PnlmeFit {
  PETSCHEADER(_PnlmeFitOps);
  void      *impl;          /* the estimator type's state */
  PetscLogStage stage;      /* its log stage (the iterations) */
  const char *label;        /* its name in messages: "SAEM", "VEM", ... */
  PetscBool   mcsolves;     /* its iterations are Monte-Carlo: the ODEs solve at -ode_rtol_mc (fit.c) */
  PetscReal   iterrtol;     /* else: its iterations solve at this relative tolerance if tighter than the model's (0: the model's) */
  const char *failword;     /* what becomes of a failed model evaluation: "rejected", "dropped" */
  const char *objmethod;    /* the estimator's own objective (-2LL), m2ll_obj, is reported under this method name (NULL: none) */
  PetscReal   m2ll_obj;
  const char *seriesname;   /* cdll (one value per iteration) is written to results.h5 /history under this name (NULL: not written) */
  PnlmeData  data;
  PnlmeModel model;
  PnlmePop   pop;
  PetscInt   p, ncov, q;
  PetscInt   nlocal;
  PetscInt64 N, Ntot;      /* subjects, observations (global) */
  PetscInt64 nobsout[PNLME_POP_MAX_OUTPUTS]; /* uncensored observations of every output (global) */
  PetscInt64 ncensout[PNLME_POP_MAX_OUTPUTS], ncens; /* censored observations of every output, in all (global) */
  PetscInt   maxobs;
  char     **covnames;     /* design column names (owned by data) */
  /* SAEM settings */
  PetscInt   K1, K2, nchains, nkern[3], nkernx[3], saiter, printevery; /* nkernx: the sweeps of the exploration */
  /* automatic end of the exploration phase: K1 is the effective length, between K1min and K1max */
  PetscBool  autostop;
  PetscInt   K1min, K1max, autowin;
  PetscReal  autotol;
  PetscReal *cdll;         /* [K1max + K2] complete-data log-likelihood of every iteration (settling test) */
  PetscReal *itring;       /* SAEM, -saem_explore_average: [(nitrows + 1) x nitring] the variance parameters
                              (Omega, a, b) after each of the last nitrows = min(autowin, K1) iterations (row
                              iter % nitrows), a work row */
  PetscInt   nitring, nitrows;
  PetscReal  safactor;
  PetscReal  mc_rtol;
  PetscBool  mc_dense;
  PetscBool  post;         /* -fit_post: conditional modes, likelihood and SEs after the iterations */
  PetscReal  omegamin;     /* -fit_omega_boundary: a falling random-effect SD below it is removed */
  PetscInt   settlefrom;   /* the settling test's window starts at or after this iteration (a random effect removed changes the complete-data likelihood) */
  PetscBool  odesaved, dense_saved; /* the model's own ODE settings (fit.c, MonteCarloSolves) */
  PetscReal  rtol_saved;   /* relative ODE tolerance of SAEM and importance sampling (if looser than the model's) */
  PetscInt   seed;
  /* per local subject and chain state */
  PetscReal *x;            /* [nlocal x q] design rows [1, c_i] */
  PetscReal *mi;           /* [nlocal x p] individual means B^T x_i */
  PetscReal *z;            /* [nlocal x nchains x p] current chain states */
  PetscReal *ll;           /* [nlocal x nchains] log p(y_i | z) at the chain state */
  PetscReal *pred;         /* cached predictions of every chain: subject i, chain c at predoff[i]*nchains + c*nobs_i */
  PetscInt  *predoff;      /* [nlocal + 1] */
  PnlmeRNG  *rng;          /* [nlocal x nchains] streams keyed by (seed, global subject index, chain) */
  /* work, sized at SetUp: the iteration allocates nothing */
  PetscReal *zp, *phi, *predp, *e;
  PetscReal  scale[2][64]; /* adaptive random-walk scales of kernels 2 and 3 (in units of omega) */
  /* statistics (stochastic approximation) and their exact accumulators */
  PetscInt       nstat;
  PetscReal     *S, *s;     /* [nstat]: S1 (q x p), S2 (p x p), S3 (1), then acceptance counts */
  PnlmeExactSum *acc;       /* [nstat] */
  PetscReal     *G;         /* [q x q] Gram of the design, fixed */
  PetscInt64     nfailed, nproposed;
  PetscInt64     nstopped;    /* proposals rejected before the end of their solve (-saem_early_rejection) */
  PetscBool      earlyreject;
  PetscInt       mixlags;     /* -saem_mixing_lags (0: no mixing measurement) */
  struct _PnlmeMixing *mix;   /* mixing.c, with mixlags > 0 */
  /* conditional moments of every subject, from the chains over the smoothing iterations */
  PetscReal *cmean, *ccov; /* [nlocal x p], [nlocal x p x p] (second moments until finalised) */
  PetscInt   ncm;
  /* conditional modes and the linearisation */
  PetscReal *map;          /* [nlocal x p] */
  PetscReal *sens, *dldf;  /* [maxobs x p], [maxobs] work */
  PetscInt   nmapfail;     /* subjects whose MAP search did not converge (global) */
  PetscReal  mapgtol;      /* gradient norm accepted when the line search stalls */
  PetscReal  mapbound;
  PetscInt    ncevery, ncmaxit; /* non-centred step every ncevery iterations after annealing (0: never), Gauss-Newton iterations */
  PnlmeNCWork nc;
  PetscBool   exploreavg;   /* SAEM's smoothing starts from the exploration's mean Omega and error parameters over the settling window */
  PetscBool   ncsmooth;     /* the non-centred step goes on in the smoothing phase, as a stochastic-approximation step */
  PetscInt    ncuse;        /* chains the non-centred steps use (0: all); fewer: the chains' cached predictions are left stale (VEM re-evaluates) */
  PetscInt   ntheta;       /* estimated population parameters (FIM dimension) */
  PetscReal *fim, *se;     /* [ntheta x ntheta], [nhist] (SE on the scale of the reported estimate) */
  PetscInt  *sestat;       /* [nhist] PNLME_SE_*: why a column has no SE (linearization.c) */
  PetscReal  m2ll_lin;     /* NaN when some subject could not be linearised */
  PetscInt64 nlinfail, nlinalt, linfailid; /* subjects not linearised (the smallest ID), subjects linearised at the conditional or individual mean */
  PetscBool  fimok;
  PetscInt   fimthreshold; /* FIM dimension from which ScaLAPACK inverts it (on more than one rank) */
  PetscBool  fimscalapack; /* the last inversion used ScaLAPACK */
  /* likelihood */
  PetscInt   nis, isdof, isadapt, isrounds, isbatch; /* most draws per subject, t dof, adaptation draws and rounds, batch */
  PetscBool  ismixture;    /* importance sampling's first round from the mixture of the chains' moments and the Laplace approximation at the MAP (else the chains' moments) */
  PetscBool  iscv;                                  /* the estimate with control variates (likelihood.c) */
  PetscReal  istol;                        /* target Monte-Carlo SE of -2LL, relative to sqrt(N) */
  PetscInt   nisdraws;                     /* draws per subject of the estimate */
  PetscReal  m2ll_is, mcse_is;             /* NaN when some subject has no finite weight */
  PetscInt64 nisfail, isfailid;            /* subjects without a finite importance weight, the smallest such ID */
  /* history */
  PetscInt   niter, nhist;
  PetscReal *hist;
  PetscReal  walltime;
  char       outdir[PETSC_MAX_PATH_LEN];
  PetscBool  setupcalled;
  PetscBool  optionsset;   /* PnlmeFitSetFromOptions has run (the type is fixed from then on) */
  PetscBool  failed;       /* a stage failed after the iterations started (PnlmeFitSolve) */
  PetscBool  printedheader; /* the progress lines' header is out */
  /* ---- results.h5, individuals.csv and checkpoint/restart (h5results.c, checkpoint.c; docs/results-schema.md) */
  PetscReal *nmom;                        /* [nlocal x 2p]: sums of phi and phi^2 (natural scale) over the draws
                                             that make the conditional moments (saem.c, AccumulateMoments) */
  PetscInt   ckevery;                     /* -checkpoint_every K: after every K-th iteration (0: never) */
  char       ckfile[PETSC_MAX_PATH_LEN];  /* -checkpoint_file (default <output_dir>/checkpoint.h5) */
  char       restart[PETSC_MAX_PATH_LEN]; /* -restart FILE: continue from this checkpoint */
  PetscInt   istart;                      /* first SAEM iteration of this run (the checkpoint's after -restart) */
  /* ---- vpc.c: VPC simulations (-vpc_replicates, -vpc_seed) and prediction curves (-output_curves) */
  PetscInt   vpcR, vpcseed, vpcround, ncurve;
  /* ---- covariate selection in the M-step (PnlmeFitSetCovariateSelection; popselect.c) */
  PetscBool *selcand;      /* [q x p] candidates, NULL without selection */
  PetscReal *vema;         /* [nlocal x 2p] moving averages of z and z^2 of every subject (posterior variances) */
  PetscInt   nv;           /* p with selection (the statistic sum_i Var(z_i | y_i)), else 0 */
  PetscReal  selalpha, sellouis; /* ramp start; cap of the missing-information fraction */
  PetscReal  selextra;           /* added to log(N) in the penalty of an effect (extended BIC: 2 gamma log P) */
};

/* effects.c: "param.column,..." into a [q x p] mask (row 0 untouched); errors name the option */
PETSC_INTERN PetscErrorCode PnlmeFitParseEffects(PnlmeModel, PnlmeData, const char opt[], const char list[], PetscBool mask[]);
/* noncentred.c: its work (sized at SetUp, grown when the selected support outgrows it) */
PETSC_INTERN PetscErrorCode PnlmeFitSetUp_NC(PnlmeFit);
PETSC_INTERN PetscErrorCode PnlmeFitDestroy_NC(PnlmeFit);
/* boundary.c: random effects whose variance reaches its boundary are removed (drop: the estimator's
   own state, after the population's); the start's sanity */
PETSC_INTERN PetscErrorCode PnlmeFitBoundary(PnlmeFit, PetscInt iter, PetscErrorCode (*drop)(PnlmeFit, PetscInt k));
PETSC_INTERN PetscErrorCode PnlmeFitCheckStart(PnlmeFit);
/* prediction (into pred) and conditional log-likelihood of subject s at z, one model evaluation counted;
   ll = -inf when the solve fails (*failed set, if given) or the likelihood is NaN (fit.c) */
PETSC_INTERN PetscErrorCode PnlmeFitEvaluate(PnlmeFit, const PnlmeSubject *s, const PetscReal z[], PetscReal pred[], PetscReal *ll, PetscBool *failed);
/* PRED (eta = 0) and IPRED (at the MAP) of the local subjects i0 .. i0 + nb - 1 on the timelines subj[]
   (the subjects' own or others: curves on a grid) into pred[b] and ipred[b]: the 2 nb solves in one
   call (SIMD lanes where the model has them, each the values it has alone), NaN where one fails; the
   work holds up to nbmax subjects */
typedef struct {
  PetscInt             nbmax;
  PetscReal           *phib, **lp;
  const PnlmeSubject **ls;
  PnlmeSolveStatus    *st;
} PnlmeFitPredWork;
PETSC_INTERN PetscErrorCode PnlmeFitPredWorkCreate(PnlmeFit, PetscInt nbmax, PnlmeFitPredWork *);
PETSC_INTERN PetscErrorCode PnlmeFitPredWorkDestroy(PnlmeFitPredWork *);
PETSC_INTERN PetscErrorCode PnlmeFitPredictPopInd(PnlmeFit, PnlmeFitPredWork *, PetscInt i0, PetscInt nb, const PnlmeSubject subj[], PetscReal *const pred[], PetscReal *const ipred[]);
/* fitoptions.c; the options of the EM types (SAEM, VEM) and the SAEM type's own (its setfromoptions) */
PETSC_INTERN PetscErrorCode PnlmeFitSetFromOptions_EM(PnlmeFit);
PETSC_INTERN PetscErrorCode PnlmeFitSetFromOptions_SAEM(PnlmeFit);
PETSC_INTERN PetscErrorCode PnlmeFitParamIndex(PnlmeFit, const char opt[], const char name[], PetscInt *);
/* fromoptions.c */
PETSC_INTERN PetscErrorCode PnlmeFitLoadFromOptions(MPI_Comm, PnlmeModel *, PnlmeData *);
/* mixing.c: the chains' mixing over the SAEM smoothing iterations (-saem_mixing_lags): per local chain
   its last L + 1 states, the sums of lagged products and of the states; the pooled autocorrelations,
   the integrated autocorrelation times and the evaluations per chain and iteration after Finish */
typedef struct _PnlmeMixing {
  PetscInt   L, T;             /* lags; smoothing iterations accumulated */
  PetscReal *ring, *S, *msum;  /* [chains x (L + 1) x p] x 2, [chains x p] */
  PetscInt64 nprop;            /* local model evaluations of the smoothing E-steps */
  PetscReal *rho, *tau;        /* [(L + 1) x p] autocorrelations, [p] autocorrelation times (-inf: no random effect) */
  PetscBool *taulow;           /* [p] tau is a lower bound (the positive pairs reach lag L) */
  PetscReal  evals;            /* model evaluations per chain and iteration */
} PnlmeMixing;
PETSC_INTERN PetscErrorCode PnlmeFitMixingSetUp(PnlmeFit);
PETSC_INTERN PetscErrorCode PnlmeFitMixingDestroy(PnlmeFit);
PETSC_INTERN void           PnlmeFitMixingAccumulate(PnlmeFit, PetscInt chain, const PetscReal z[]);
PETSC_INTERN void           PnlmeFitMixingNext(PnlmeFit, PetscInt64 nprop);
PETSC_INTERN PetscErrorCode PnlmeFitMixingFinish(PnlmeFit);
PETSC_INTERN PetscErrorCode PnlmeFitMixingView(PnlmeFit, PetscViewer);
/* noncentred.c: interweaving step (gamma < 1 and S1, S2: in SAEM's smoothing phase); M-step of the parameters without random effect */
PETSC_INTERN PetscErrorCode PnlmeFitNonCentredStep(PnlmeFit, PetscReal, PetscReal[], PetscReal[]);
PETSC_INTERN PetscErrorCode PnlmeFitFixedEffectsStep(PnlmeFit, PetscReal gamma);
/* errorfit.c: M-step of the residual error parameters */
PETSC_INTERN PetscErrorCode PnlmeFitErrorMStep(PnlmeFit, PetscInt iter, PetscReal gamma, const PetscReal S3[]);
/* individual.c: conditional modes (MAP) of the local subjects */
PETSC_INTERN PetscErrorCode PnlmeFitComputeMAP(PnlmeFit);
/* linearization.c: -2LL by linearisation at the MAP, Fisher information, standard errors */
PETSC_INTERN PetscErrorCode PnlmeFitLinearize(PnlmeFit);
/* fiminv.c: inverse of the symmetric positive definite n x n matrix A in place (collective) */
PETSC_INTERN PetscErrorCode PnlmeFitInvertFIM(PnlmeFit, PetscInt n, PetscReal A[], PetscBool *ok);
/* gaussian.c: cmean, ccov, nmom (M draws from the subject's stream `substream`) of Gaussian posteriors
   N(mean_i, chol_i chol_i^T) ([nlocal x p], [nlocal x p x p] lower) */
PETSC_INTERN PetscErrorCode PnlmeFitGaussianPosterior(PnlmeFit, const PetscReal mean[], const PetscReal chol[], PetscInt M, uint64_t substream);
/* likelihood.c */
PETSC_INTERN PetscErrorCode PnlmeFitLikelihoodIS(PnlmeFit);
/* fit.c: -2LL by IS again with more draws (covariate selection's runners-up) */
PETSC_INTERN PetscErrorCode PnlmeFitReestimateLikelihood(PnlmeFit, PetscInt maxdraws, PetscReal tolfactor);
/* output.c: the columns of the history (and of estimates.csv), their names and status */
typedef enum { PNLME_COL_MU, PNLME_COL_BETA, PNLME_COL_OMEGA, PNLME_COL_CORR, PNLME_COL_A, PNLME_COL_B } PnlmeColumnKind;
PETSC_INTERN PetscErrorCode PnlmeFitColumn(PnlmeFit, PetscInt col, PnlmeColumnKind *, PetscInt *k, PetscInt *l, PetscInt *a);
PETSC_INTERN PetscBool      PnlmeFitColumnEstimated(PnlmeFit, PnlmeColumnKind, PetscInt k, PetscInt l, PetscInt a);
PETSC_INTERN const char    *PnlmeFitColumnStatus(PnlmeFit, PetscInt col);
PETSC_INTERN PetscErrorCode PnlmeFitWriteHistory(PnlmeFit, const char dir[]);
/* collective: rank 0 opens (closes) a result file in dir; a failure is an error on every rank */
PETSC_INTERN PetscErrorCode PnlmeFitOpenResultFile(MPI_Comm, const char dir[], const char name[], FILE **);
PETSC_INTERN PetscErrorCode PnlmeFitCloseResultFile(MPI_Comm, const char dir[], const char name[], FILE *);
PETSC_INTERN PetscErrorCode PnlmeFitResultPrintf(FILE *, const char format[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
PETSC_INTERN PetscErrorCode PnlmeFitColumnName(PnlmeFit, PetscInt col, char name[], size_t len);
PETSC_INTERN PetscErrorCode PnlmeFitOmegaStructure(PnlmeFit, char str[], size_t len);
PETSC_INTERN PetscErrorCode PnlmeFitCriteria(PnlmeFit, PetscReal m2ll, PetscReal *aic, PetscReal *bic, PetscReal *bicc);
PETSC_INTERN PetscErrorCode PnlmeFitWriteResults(PnlmeFit, const char dir[]);
/* h5results.c: results.h5 and individuals.csv (collective); checkpoint.c: the SAEM state */
PETSC_INTERN PetscErrorCode PnlmeFitWriteResultsHDF5(PnlmeFit, const char dir[]);
PETSC_INTERN PetscErrorCode PnlmeFitCheckpointWrite(PnlmeFit);
PETSC_INTERN PetscErrorCode PnlmeFitCheckpointRead(PnlmeFit);
/* vpc.c: its options (end of PnlmeFitSetFromOptions); its results.h5 datasets: h5io.h */
PETSC_INTERN PetscErrorCode PnlmeFitSetFromOptions_VPC(PnlmeFit);
/* interface/fit.c: the estimator registry; the types (impls/: exported, so that a type outside the
   library can build on one, as PETSc's private headers allow) */
PETSC_INTERN PetscErrorCode PnlmeFitRegisterAll(void);
PETSC_INTERN PetscErrorCode PnlmeFitListTypes(char buf[], size_t len); /* "saem, vem, ..." */
PETSC_INTERN PetscErrorCode PnlmeFitTypeRegistered(const char name[], PetscBool *found);
PETSC_EXTERN PetscErrorCode PnlmeFitCreate_SAEM(PnlmeFit);
PETSC_EXTERN PetscErrorCode PnlmeFitCreate_VEM(PnlmeFit);
PETSC_EXTERN PetscErrorCode PnlmeFitCreate_FOCEI(PnlmeFit);
PETSC_EXTERN PetscErrorCode PnlmeFitCreate_Laplace(PnlmeFit);
/* em/history.c: the history, the settling test and the progress lines (used by every iterative type) */
PETSC_EXTERN PetscErrorCode PnlmeFitPrintProgress(PnlmeFit, const char est[], PetscInt iter, PetscInt K, const char what[], PetscReal value);
PETSC_EXTERN PetscErrorCode PnlmeFitRecordHistory(PnlmeFit, PetscInt iter);
PETSC_EXTERN PetscBool      PnlmeFitSettled(PnlmeFit, PetscInt iter); /* fit->cdll has settled over the last -saem_auto_window iterations */
PETSC_EXTERN PetscErrorCode PnlmeFitIteratesSetUp(PnlmeFit);                       /* fit->itring, with -saem_explore_average */
PETSC_EXTERN void           PnlmeFitRecordIterate(PnlmeFit, PetscInt iter);         /* this iteration's variance parameters into fit->itring */
PETSC_EXTERN PetscErrorCode PnlmeFitExplorationAverage(PnlmeFit, PetscInt iter, PetscBool *set); /* Omega, a, b <- their means over the settling window ending at iter */

