/* pnlme: NONMEM-style datasets, read collectively and partitioned by subject across ranks. */
#pragma once
#include <petscsys.h>

typedef struct _p_PnlmeData  *PnlmeData;
typedef struct _p_PnlmeModel *PnlmeModel;

/* One entry of a subject's timeline.  Entries are sorted by time; at equal times they keep file order
   (so a pre-dose sample written before its dose row sees no part of that dose).  ADDL/II doses are
   expanded, and every zero-order infusion has a START entry (amount = rate, duration = amt/rate) and
   an END entry (amount = the same rate, removed) at start + duration.  A steady-state dose (SS 1 or 2)
   is its dose entry preceded by a STEADY_STATE entry at the same time (SS 1: and by a RESET before
   that): the dose stands for the infinite series of the same dose every II up to its time, the state
   at steady state (ADDL repetitions after it are plain doses). */
typedef enum {
  PNLME_EV_OBS = 0,            /* observation: index = position in the subject's obs arrays */
  PNLME_EV_BOLUS,              /* amount into compartment cmt */
  PNLME_EV_INFUSION_START,     /* rate `amount` into cmt for `duration` */
  PNLME_EV_INFUSION_END,       /* rate `amount` stops */
  PNLME_EV_RESET,              /* EVID 3 (and the reset part of EVID 4): state back to the initial condition */
  PNLME_EV_STEADY_STATE        /* the next entry is a steady-state dose: amount = its interval II, cmt = SS (1 or 2) */
} PnlmeEventType;

typedef struct {
  PetscReal time;
  PetscReal amount;   /* bolus: amount; infusion start/end: rate */
  PetscReal duration; /* infusion start: amt/rate; otherwise 0 */
  PetscInt  type;     /* PnlmeEventType */
  PetscInt  cmt;      /* doses: compartment number as in the data (1-based) */
  PetscInt  index;    /* observations: index into tobs/dv/obsout; doses: index of the source row's dose */
} PnlmeEvent;

/* A read-only view of one subject's data (no ownership; valid while the PnlmeData lives). */
typedef struct {
  PetscInt64        id;      /* ID from the file */
  PetscInt64        gindex;  /* global subject index, 0-based, in file order (dropped subjects excluded) */
  PetscInt64        line;    /* line of the subject's first row in the file (1 = header) */
  PetscInt          nobs;
  const PetscReal  *tobs;    /* [nobs] observation times */
  const PetscReal  *dv;      /* [nobs] observed values */
  const PetscInt   *obsout;  /* [nobs] model output index of each observation (0 without a model) */
  const PetscInt   *cens;    /* [nobs] CENS flag (0, 1 = below LIMIT/LLOQ, -1 = above) or NULL if no CENS column */
  const PetscReal  *limit;   /* [nobs] LIMIT values or NULL if no LIMIT column */
  PetscInt          nev;
  const PnlmeEvent *ev;      /* [nev] timeline: observations, doses, infusion ends, resets */
  PetscInt          ncov;
  const PetscReal  *cov;     /* [ncov] design row of covariates (after transforms and indicator expansion) */
} PnlmeSubject;

typedef enum { PNLME_COV_LOG = 0, PNLME_COV_CENTER, PNLME_COV_NONE, PNLME_COV_CATEGORICAL } PnlmeCovariateKind;
PETSC_EXTERN const char *const PnlmeCovariateKinds[];

PETSC_EXTERN PetscErrorCode PnlmeDataCreate(MPI_Comm, PnlmeData *);
/* Options (prefix "data_"):
   -data_file PATH                   the CSV file
   -data_columns DV=CONC,ID=SUBJ     map standard names to the file's column names (case-insensitive)
   -data_covariates WT:log,SEX:cat   covariates and their treatment: log (log(x/mean)), log(70) (log(x/70)),
                                     center (x-mean), center(40) (x-40), none, cat (indicators against
                                     the smallest level) or cat=REF
   -data_partition_view              print the partition (subjects, cost per rank)
   -data_read_buffer BYTES           read block of each rank
   -data_max_events N                timeline entries that ADDL expansion may add to the whole file
                                     (default 10000000, at most 1000000000) */
PETSC_EXTERN PetscErrorCode PnlmeDataSetFromOptions(PnlmeData);
PETSC_EXTERN PetscErrorCode PnlmeDataSetFile(PnlmeData, const char path[]);
PETSC_EXTERN PetscErrorCode PnlmeDataSetColumnName(PnlmeData, const char standard[], const char infile[]);
PETSC_EXTERN PetscErrorCode PnlmeDataAddCovariate(PnlmeData, const char name[], PnlmeCovariateKind, const char reflevel[]);
/* log and center covariates: the reference of the transform, log(x/value) or x-value, instead of the mean
   over subjects (value > 0 for log) */
PETSC_EXTERN PetscErrorCode PnlmeDataSetCovariateReference(PnlmeData, const char name[], PetscReal value);
/* Optional, before Load: checks doses and observations against the model and weights the partition
   cost by the model's size. */
PETSC_EXTERN PetscErrorCode PnlmeDataSetModel(PnlmeData, PnlmeModel);
/* Collective: reads, validates (one-line errors with file:line:column), partitions. */
PETSC_EXTERN PetscErrorCode PnlmeDataLoad(PnlmeData);

PETSC_EXTERN PetscErrorCode PnlmeDataGetNumSubjects(PnlmeData, PetscInt *nlocal, PetscInt64 *nglobal);
PETSC_EXTERN PetscErrorCode PnlmeDataGetOwnershipRange(PnlmeData, PetscInt64 *gstart, PetscInt64 *gend);
PETSC_EXTERN PetscErrorCode PnlmeDataGetNumObservations(PnlmeData, PetscInt64 *nlocal, PetscInt64 *nglobal);
PETSC_EXTERN PetscErrorCode PnlmeDataGetSubject(PnlmeData, PetscInt i, PnlmeSubject *);
/* names of the design columns (e.g. "WT", "SEX_1"), and the per-covariate mean used by transforms */
PETSC_EXTERN PetscErrorCode PnlmeDataGetCovariateNames(PnlmeData, PetscInt *ncov, const char *const **names);
PETSC_EXTERN PetscErrorCode PnlmeDataGetMaxSizes(PnlmeData, PetscInt *maxobs, PetscInt *maxev);
PETSC_EXTERN PetscErrorCode PnlmeDataView(PnlmeData, PetscViewer);
/* statistics of covariate `name` (as given to -data_covariates) over the subjects: the mean (used by the
   log and center transforms unless a reference is given), the minimum and the maximum of the raw values */
PETSC_EXTERN PetscErrorCode PnlmeDataGetCovariateStats(PnlmeData, const char name[], PnlmeCovariateKind *, PetscReal *mean, PetscReal *min, PetscReal *max);
/* the reference of a log or center covariate's transform: the value given (log(70)), *given = PETSC_TRUE,
   or the mean over subjects */
PETSC_EXTERN PetscErrorCode PnlmeDataGetCovariateReference(PnlmeData, const char name[], PetscReal *ref, PetscBool *given);
/* the design columns of covariate `name` (as given to -data_covariates, case-insensitive): [first,
   first+n), one column, or a categorical covariate's indicators (n = 0 for a single level); first = -1
   and n = 0 if it is not a covariate */
PETSC_EXTERN PetscErrorCode PnlmeDataGetCovariateColumns(PnlmeData, const char name[], PetscInt *first, PetscInt *n);
/* the partition: number of ranks, subjects and cost (observations + doses + 1, unweighted) per rank */
PETSC_EXTERN PetscErrorCode PnlmeDataGetPartition(PnlmeData, PetscInt *nranks, const PetscInt64 **nsub, const PetscInt64 **cost);
/* per-rank subjects, global index ranges and cost (what -data_partition_view prints) */
PETSC_EXTERN PetscErrorCode PnlmeDataViewPartition(PnlmeData, PetscViewer);
PETSC_EXTERN PetscErrorCode PnlmeDataDestroy(PnlmeData *);
