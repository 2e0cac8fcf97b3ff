/* Private: the PnlmeModel object. */
#pragma once
#include <petsc/private/petscimpl.h>
#include <pnlmesys.h>
#include <pnlmemodel.h>

typedef struct _p_PnlmeODE *PnlmeODE;

#define PNLME_MAX_NAME 64
#define PNLME_MAX_DOSE 16
typedef struct {
  PetscErrorCode (*dummy)(void);
} _PnlmeModelOps;

/* What an entry of the dosed timeline (PnlmeModelDoseTimeline) owes to the dose parameters, for the
   sensitivities: the parameter indices of the lag (the entry's time is t + Tlag) and of the
   bioavailability (a bolus brings F amount0; an infusion keeps its rate and lasts F duration0, so its end
   is at t + Tlag + F duration0 when `end` is set), -1 when none; entries of compartments without dose
   parameters have both -1. */
typedef struct {
  PetscInt  ilag, ibio;
  PetscReal amount0, duration0;
  PetscInt  end;  /* 1: an infusion end that moves with the lag and the bioavailability */
  PetscInt  key;  /* ordering at equal times (timeline construction only) */
} PnlmeDoseInfo;

/* closed forms that differentiate with respect to dose times and amounts themselves (the built-in PK
   library): predictions on the dosed timeline s with info[s->nev], sens with row stride np (all the
   model's parameters, dose parameters included) */
/* closed forms that evaluate nb parameter sets (rows of nparam0: the model's own parameters) together,
   set L on subject s[L] into pred[L], predictions only (with dose parameters s[L] is the set's dosed
   timeline, PnlmeModelPredictMany): rc[L] non-zero where set L fails; each set's result must not depend
   on the others */
#define PNLME_MODEL_BATCH 256 /* parameter sets per call of a model's batch evaluation (SAEM blocks of 256 lanes: docs/speed.md) */
/* the code of a set stopped by its budget (PnlmeModelPredictManyStop): not a failure */
#define PNLME_MODEL_STOPPED (-1)
/* nb sets, set L on subject s[L] into pred[L], rc[L] non-zero where it fails; with stop (NULL: none) a set
   may end early, rc[L] = PNLME_MODEL_STOPPED */
typedef int (*PnlmeModelPredictBatchFn)(PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], const PnlmePredictStop *stop, int rc[], void *ctx);
/* the same with the sensitivities (sens[L]: rows of nparam0 columns), for models without dose parameters */
typedef int (*PnlmeModelPredictBatchSensFn)(PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], int rc[], void *ctx);
/* the same on dosed timelines (info[L]: the entries' dose parameters of s[L]; phi rows of nparam0; sens rows
   of np columns, dose parameters included) */
typedef int (*PnlmeModelPredictBatchDoseSensFn)(PetscInt nb, const PnlmeSubject *const s[], const PnlmeDoseInfo *const info[], const PetscReal phi[], PetscInt np, PetscReal *const pred[], PetscReal *const sens[], int rc[], void *ctx);
/* PnlmeModelHoldSubjects: hold (PETSC_TRUE) or release the subjects of the calls that follow; either way
   forgets what was kept */
typedef void (*PnlmeModelHoldFn)(void *ctx, PetscBool hold);
typedef int (*PnlmeModelPredictDoseFn)(const PnlmeSubject *s, const PnlmeDoseInfo info[], const PetscReal phi[], PetscInt np, PetscReal pred[], PetscReal sens[], void *ctx);

struct _p_PnlmeModel {
  PETSCHEADER(_PnlmeModelOps);
  char            description[256];
  PetscInt        nparam;
  char          (*pname)[PNLME_MAX_NAME];
  PnlmeTransform *transform;
  PetscInt        nparam0; /* given to PnlmeModelSetParameters: the operations' derivative columns */
  PetscInt        nstate;
  PetscInt        ndose, dosecmt[PNLME_MAX_DOSE], dosestate[PNLME_MAX_DOSE];
  PetscInt        doselag[PNLME_MAX_DOSE], dosebio[PNLME_MAX_DOSE]; /* parameter indices, -1: none */
  PetscInt        ndoseparam;                                       /* lag and bioavailability parameters */
  char            optdose[512];                                     /* the dose parameters -model_lag/-model_bioavailability added */
  PnlmeModelPredictDoseFn predictdose;                              /* private: closed forms aware of dose parameters */
  PnlmeModelPredictBatchFn predictbatch;                            /* private: closed forms that evaluate several sets at once */
  PnlmeModelPredictBatchSensFn predictbatchsens;                    /* private: the same with sensitivities (no dose parameters) */
  PnlmeModelPredictBatchDoseSensFn predictbatchdosesens;            /* private: the same on dosed timelines */
  PnlmeModelHoldFn        hold;                                     /* private: PnlmeModelHoldSubjects (NULL: nothing kept) */
  PetscBool               batch;                                    /* -model_batch: use predictbatch */
  /* dosed timeline work arrays (models with dose parameters), sized by PnlmeModelSetMaxSizes */
  PetscInt        evcap, obscap;
  PnlmeEvent     *dev;
  PnlmeDoseInfo  *dinfo;
  PnlmeEvent     *bdev;            /* ODE models and closed forms with predictbatch: PNLME_MODEL_BATCH dosed timelines of 2 evcap entries (PnlmeModelPredictMany) */
  PnlmeDoseInfo  *bdinfo;
  PetscReal      *bphi;            /* closed forms with predictbatch: [PNLME_MODEL_BATCH x nparam0] the sets' own parameters (rows without the dose parameters) */
  PetscInt        evwant, obswant; /* PnlmeModelSetMaxSizes */
  PetscReal      *wpred;           /* [2 obscap]: difference quotients of closed forms without predictdose */
  PetscReal      *wphi;            /* [nparam] */
  PetscInt        nout, outcmt[16];
  char            outname[16][PNLME_MAX_NAME];
  PnlmeModelKind  kind;
  PnlmeModelOps   mops;
  PetscBool       hasops, stiff;
  PetscBool       steadystate; /* its predictions compute steady-state doses (STEADY_STATE entries) */
  void           *ctx;
  PetscErrorCode (*ctxdestroy)(void *);
  PnlmeODE        ode; /* ODE models: the integrator, one per model (and so per rank) */
  PetscBool       setupcalled;
  PetscInt64      npredict, nfailed;
};

/* src/ode: the per-model integrator (one solver memory, reused across subjects) */
PETSC_INTERN PetscErrorCode PnlmeODECreate(PnlmeModel, PnlmeODE *);
PETSC_INTERN PetscErrorCode PnlmeODESetFromOptions(PnlmeODE, PetscObject);
PETSC_INTERN PetscErrorCode PnlmeODESetUp(PnlmeODE);
PETSC_INTERN PetscErrorCode PnlmeODEView(PnlmeODE, PetscViewer);
PETSC_INTERN PetscErrorCode PnlmeODEGetName(PnlmeODE, const char **);
PETSC_INTERN PetscErrorCode PnlmeODEGetStats(PnlmeODE, PetscInt64 *nrhs, PetscInt64 *nsteps);
PETSC_INTERN PetscErrorCode PnlmeODESetRelativeTolerance(PnlmeODE, PetscReal);
PETSC_INTERN PetscErrorCode PnlmeODEGetRelativeTolerance(PnlmeODE, PetscReal *);
PETSC_INTERN PetscErrorCode PnlmeODESetDenseOutput(PnlmeODE, PetscBool);
PETSC_INTERN PetscErrorCode PnlmeODEGetDenseOutput(PnlmeODE, PetscBool *);
/* solves one subject through its timeline; returns 0 or a failure code (never raises) */
PETSC_INTERN void           PnlmeODESetSensitivityMask(PnlmeODE, const PetscBool mask[]);
PETSC_INTERN int            PnlmeODESolveSubject(PnlmeODE, const PnlmeSubject *, const PnlmeDoseInfo info[], const PetscReal phi[], PetscReal pred[], PetscReal sens[]);
/* predictions of nb sets (rows of nparam), set L on subject s[L] into pred[L], rc[L] its failure code:
   dopri5 advances several in SIMD lanes (the bits of one solve each), other integrators one by one.
   With stop (budget[L] for set L), a set may end early with rc[L] = PNLME_MODEL_STOPPED
   (PnlmeModelPredictManyStop): in the lanes at the observation where its deficits exceed its budget,
   elsewhere only for a negative budget.  info[L]: set L's dose information (NULL, or info NULL, without
   dose parameters); sens (NULL: none) with stop NULL: set L's sensitivities into sens[L], in the lanes
   too unless -ode_sens_errcon couples the columns. */
PETSC_INTERN int            PnlmeODESolveMany(PnlmeODE, PetscInt nb, const PnlmeSubject *const s[], const PnlmeDoseInfo *const info[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], const PnlmePredictStop *stop, int rc[]);
PETSC_INTERN PetscErrorCode PnlmeODEDestroy(PnlmeODE *);

/* the subject's timeline with the lags and bioavailabilities of phi applied (model work arrays) into
   *out (a copy of *s whose ev is m->dev) and m->dinfo; returns non-zero for invalid dose parameters
   (a negative or non-finite lag, a negative or non-finite bioavailability).  Hot path. */
PETSC_INTERN int            PnlmeModelDoseTimeline(PnlmeModel, const PnlmeSubject *s, const PetscReal phi[], PnlmeSubject *out);
PETSC_INTERN PetscErrorCode PnlmeModelSetPredictDose(PnlmeModel, PnlmeModelPredictDoseFn);
PETSC_INTERN PetscErrorCode PnlmeModelSetSteadyState(PnlmeModel, PetscBool);
/* the batch operation, and what PnlmeModelHoldSubjects calls (NULL: nothing kept between calls) */
PETSC_INTERN PetscErrorCode PnlmeModelSetPredictBatch(PnlmeModel, PnlmeModelPredictBatchFn, PnlmeModelHoldFn);
PETSC_INTERN PetscErrorCode PnlmeModelSetPredictBatchSens(PnlmeModel, PnlmeModelPredictBatchSensFn, PnlmeModelPredictBatchDoseSensFn);

/* registration of the built-in model families (src/model/pk, src/model/ode) */
PETSC_INTERN PetscErrorCode PnlmeModelRegisterPK(void);
PETSC_INTERN PetscErrorCode PnlmeModelRegisterODEModels(void);
