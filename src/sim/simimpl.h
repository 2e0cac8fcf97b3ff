/* Private: the PnlmeSim object (cohort simulator).
   Files by concern: sim.c (lifecycle, options), spec.c (parsing of the specification strings),
   covariates.c (distributions, transforms, collective means), design.c (sampling and dose design,
   subject timeline), draw.c (per-subject draw: eta, prediction, redraws, residual error, rows),
   writer.c (rounds and MPI-IO), summary.c (reductions and the printed summary). */
#pragma once
#include <petsc/private/petscimpl.h>
#include <pnlmesys.h>
#include <pnlmerandom.h>
#include <pnlmedata.h>
#include <pnlmemodel.h>
#include <pnlmesim.h>

#define PNLME_SIM_SPEC_LEN 4096
#define PNLME_SIM_NAME_LEN 64
#define PNLME_SIM_MAX_ITEMS 256 /* entries of one list option */
#define PNLME_SIM_ITEM_LEN 256  /* characters of one entry */

/* substreams of a subject's random stream: one per purpose, so that changing one part of the
   specification (e.g. the residual error) leaves the other draws unchanged */
enum { PNLME_SIM_SUB_COVARIATES = 0, PNLME_SIM_SUB_DESIGN = 1, PNLME_SIM_SUB_ERROR = 2, PNLME_SIM_SUB_ETA = 3 /* + redraw */ };

typedef enum { PNLME_SIM_DIST_CONSTANT = 0, PNLME_SIM_DIST_BERNOULLI, PNLME_SIM_DIST_NORMAL, PNLME_SIM_DIST_TRUNCNORMAL, PNLME_SIM_DIST_UNIFORM } PnlmeSimDist;
PETSC_INTERN const char *const PnlmeSimDists[];

typedef struct {
  char         name[PNLME_SIM_NAME_LEN];
  PnlmeSimDist dist;
  PetscReal    par[4];
  PnlmeCovariateKind transform; /* PNLME_COV_LOG, PNLME_COV_CENTER or PNLME_COV_NONE */
  PetscReal    mean, sd;        /* over the simulated subjects (written values), after pass 1 */
  PetscReal    min, max;
} PnlmeSimCovariate;

typedef enum { PNLME_SIM_TIME_ABS = 0, PNLME_SIM_TIME_UNIF, PNLME_SIM_TIME_INC, PNLME_SIM_TIME_INCUNIF } PnlmeSimTimeKind;
typedef struct {
  PnlmeSimTimeKind kind;
  PetscReal        a, b;   /* value or increment; for uniform: the interval */
  PetscReal        lo, hi; /* range of the drawn time (for the static checks) */
} PnlmeSimTimeItem;

/* one subject of a block: its draw, timeline and rows' pieces (pointers into the block's arrays) */
typedef struct {
  PetscInt64   g;
  PetscReal   *covraw, *covt, *tobs, *dv, *pred, *z, *phi, *eta;
  PetscInt    *obsout, *cens;
  PnlmeEvent  *ev;
  char        *covtext;
  size_t       covtextlen, amtlen, ratelen;
  PetscReal    doseamt, doserate; /* this subject's dose amount and rate */
  char         amttext[32], ratetext[32];
  PnlmeSubject s;
} PnlmeSimSlot;

/* a buffer of formatted rows and its part of one output file */
typedef PnlmeOrderedFile PnlmeSimFile; /* the cohort CSV and the parameters CSV */

/* per-rank accumulators of the summary */
typedef struct {
  PetscInt64    nsub, nobs, nobsmin, nobsmax, ndoses, nredrawn, nfailed, ncens;
  PetscReal     tmin, tmax, dvmin, dvmax;
  PnlmeExactSum *zsum;  /* [2*np]: z and z^2 per parameter */
  PnlmeExactSum *dv0;   /* [2]: first observation of each subject, value and square */
} PnlmeSimStats;

typedef struct {
  PetscErrorCode (*dummy)(void);
} _PnlmeSimOps;

struct _p_PnlmeSim {
  PETSCHEADER(_PnlmeSimOps);
  PnlmeModel model;
  /* ---- specification as given (strings parsed in SetUp) */
  PetscInt64 nsub, seed;
  char       output[PETSC_MAX_PATH_LEN], paramoutput[PETSC_MAX_PATH_LEN];
  char       thetaspec[PNLME_SIM_SPEC_LEN], omegaspec[PNLME_SIM_SPEC_LEN], corrspec[PNLME_SIM_SPEC_LEN];
  char       covspec[PNLME_SIM_SPEC_LEN], covtrspec[PNLME_SIM_SPEC_LEN], betaspec[PNLME_SIM_SPEC_LEN];
  char       timespec[PNLME_SIM_SPEC_LEN], obscmtspec[PNLME_SIM_SPEC_LEN], dosetimespec[PNLME_SIM_SPEC_LEN];
  char       doseper[PNLME_SIM_NAME_LEN];
  char       errspec[PNLME_SIM_SPEC_LEN], erraspec[PNLME_SIM_SPEC_LEN], errbspec[PNLME_SIM_SPEC_LEN]; /* -sim_error, -sim_error_a, -sim_error_b */
  PetscInt   nmout;                                    /* the model's outputs, their error models and parameters (set-up) */
  char       outname[16][64];
  const PnlmeErrorOps *err[16];
  PetscReal  erra[16], errb[16];
  char       loqspec[PNLME_SIM_SPEC_LEN];              /* -sim_loq */
  PetscReal  loq[16];                                  /* limit of quantification of every output (0: none) */
  PetscBool  hasloq;                                   /* some output has one: a CENS column */
  PetscInt   nobsmin, nobsmax; /* PETSC_DECIDE: the number of -sim_times items */
  PetscReal  tmax;
  PetscReal  doseamt, doserate, doseduration, doseii, dosestart;
  PetscInt   dosecmt, dosen;
  PetscBool  dosefirst, ipred, summary, view;
  PetscInt   digits, roundsub, maxredraw;

  /* ---- parsed (SetUp) */
  PetscBool          setupcalled, ran;
  PetscInt           np;              /* model parameters */
  PetscReal         *theta, *mu;      /* [np] natural scale, transformed scale */
  PetscReal         *omega, *corr;    /* [np] SD, [np*np] correlation */
  PetscReal         *L;               /* [np*np] lower Cholesky factor of Omega (row-major) */
  PetscInt           ncov;
  PnlmeSimCovariate *cov;
  PetscReal         *beta;            /* [np*ncov] */
  PetscInt           nbeta;           /* non-zero effects */
  PetscInt           nt, nlo, nhi;     /* -sim_times entries; sampling times per subject */
  PnlmeSimTimeItem  *titem;
  PetscInt           nout;
  PetscInt          *outcmt, *outidx; /* [nout] observed CMT and model output index */
  PetscInt           ndose;
  PetscReal         *dosetime;        /* [ndose] */
  PetscInt           doseper_idx;     /* covariate index or -1 */
  PetscBool          hasrate;         /* infusions: a RATE column */

  /* ---- work arrays of a block of up to nslot subjects drawn together (their predictions in one call of
     PnlmeModelPredictMany: SIMD lanes), sized to the design's maxima in SetUp (no allocation per subject) */
  PetscInt      maxobs, maxev, nslot;
  PnlmeSimSlot *slot;                 /* [nslot] */
  PetscReal    *covraw, *covt;        /* [nslot x ncov] written values, transformed values */
  char         *covtext;              /* [nslot x 32 (ncov + 1)] formatted covariate columns */
  PetscReal    *tobs, *dv, *pred;     /* [nslot x maxobs] */
  PetscReal    *z, *phi, *eta;        /* [nslot x np] (phi: the sets of the block's call) */
  PetscInt     *obsout, *cens;        /* [nslot x maxobs] */
  PnlmeEvent   *ev;                   /* [nslot x maxev] */
  const PnlmeSubject **bsub;          /* [nslot] the block's call */
  PetscReal   **bpred;
  PnlmeSolveStatus *bstatus;
  PetscReal    *times, *stdn;         /* [nt], [np] scratch of one draw */

  /* ---- run */
  PnlmeSimFile  csv, par;
  PnlmeSimStats st;
  PnlmeSimSummary sum;
  PetscReal       *zmean, *zsd;        /* [np] over subjects, after Run */
  PetscReal        dv0mean, dv0sd;
};

/* spec.c */
PETSC_INTERN PetscErrorCode PnlmeSimSplitList(const char opt[], const char str[], PetscInt maxn, PetscInt *n, char items[][PNLME_SIM_ITEM_LEN]);
PETSC_INTERN PetscErrorCode PnlmeSimParseCall(const char opt[], const char item[], const char what[], char fname[], PetscInt maxarg, PetscInt *narg, PetscReal args[]);
PETSC_INTERN PetscErrorCode PnlmeSimParseParameters(PnlmeSim);
PETSC_INTERN PetscErrorCode PnlmeSimParseCovariates(PnlmeSim);
PETSC_INTERN PetscErrorCode PnlmeSimParseBeta(PnlmeSim);
PETSC_INTERN PetscErrorCode PnlmeSimParseDesign(PnlmeSim);
PETSC_INTERN PetscErrorCode PnlmeSimParseDose(PnlmeSim);

/* covariates.c */
PETSC_INTERN void           PnlmeSimDrawCovariates(PnlmeSim, PetscInt64 g, PetscReal covraw[]);
PETSC_INTERN PetscErrorCode PnlmeSimCovariateMeans(PnlmeSim, PetscInt64 gstart, PetscInt64 gend);
PETSC_INTERN void           PnlmeSimTransformCovariates(PnlmeSim, PnlmeSimSlot *);
PETSC_INTERN PetscReal      PnlmeSimRoundValue(PnlmeSim, PetscReal x);
PETSC_INTERN int            PnlmeSimFormatReal(char *p, PetscReal x, PetscInt digits);
PETSC_INTERN int            PnlmeSimFormatInt(char *p, PetscInt64 v);

/* design.c */
PETSC_INTERN PetscInt PnlmeSimDrawDesign(PnlmeSim, PetscInt64 g);
PETSC_INTERN void     PnlmeSimBuildSubject(PnlmeSim, PnlmeSimSlot *, PetscInt ntimes);

/* draw.c */
PETSC_INTERN PetscErrorCode PnlmeSimSubjects(PnlmeSim, PetscInt64 g0, PetscInt64 g1, PnlmeDeferredError *err);
PETSC_INTERN PetscErrorCode PnlmeSimSlotsCreate(PnlmeSim);
PETSC_INTERN PetscErrorCode PnlmeSimSlotsDestroy(PnlmeSim);
PETSC_INTERN size_t         PnlmeSimSubjectMaxBytes(PnlmeSim);
PETSC_INTERN PetscErrorCode PnlmeSimHeader(PnlmeSim, PnlmeSimFile *, PetscBool params);

/* writer.c */

/* summary.c */
PETSC_INTERN PetscErrorCode PnlmeSimStatsCreate(PnlmeSim);
PETSC_INTERN PetscErrorCode PnlmeSimStatsReduce(PnlmeSim);
PETSC_INTERN PetscErrorCode PnlmeSimStatsDestroy(PnlmeSim);
PETSC_INTERN PetscErrorCode PnlmeSimSummaryView(PnlmeSim, PetscViewer);
