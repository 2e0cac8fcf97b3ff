/* pnlme: structural models.  A PnlmeModel declares its individual parameters (with transforms), its
   states, dosing compartments and outputs, and computes predictions at a subject's observation times,
   by a closed form or by integrating an ODE, optionally with sensitivities d pred / d phi.

   Lifecycle: PnlmeModelCreate -> PnlmeModelSetType (or -model NAME / -model_plugin PATH through
   PnlmeModelSetFromOptions) -> PnlmeModelSetUp -> PnlmeModelPredict ... -> PnlmeModelDestroy.
   A model type is a function that declares the model (PnlmeModelSetParameters, ...) and installs its
   operations with PnlmeModelSetOps; built-ins and plugins use the same public calls. */
#pragma once
#include <petscsys.h>
#include "pnlmedata.h"

typedef enum { PNLME_TRANSFORM_NORMAL = 0, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOGIT } PnlmeTransform;
PETSC_EXTERN const char *const PnlmeTransforms[];
typedef enum { PNLME_MODEL_CLOSED_FORM = 0, PNLME_MODEL_ODE } PnlmeModelKind;

/* Status of one prediction: integration failures are reported, never raised.  STOPPED: stopped early by
   its budget (PnlmeModelPredictManyStop), its predictions incomplete; not a failure. */
typedef enum { PNLME_SOLVE_OK = 0, PNLME_SOLVE_FAILED = 1, PNLME_SOLVE_NONFINITE = 2, PNLME_SOLVE_STOPPED = 3 } PnlmeSolveStatus;

/* Operations of a model type.  Every function returns 0 on success, non-zero on failure (a failure is
   turned into PNLME_SOLVE_FAILED).  Matrices are dense, row-major.  ctx is the type's context.
   ODE models give rhs, init and output (jac, rhsp and the derivative arguments are optional: missing
   derivatives are approximated by finite differences).  Dosing is added by pnlme: rhs never sees doses.
   Closed-form models give predict. */
typedef struct {
  /* dx/dt = f(t, x, phi) */
  int (*rhs)(PetscReal t, const PetscReal x[], const PetscReal phi[], PetscReal f[], void *ctx);
  /* J = df/dx  [nstate x nstate] */
  int (*jac)(PetscReal t, const PetscReal x[], const PetscReal phi[], PetscReal J[], void *ctx);
  /* Fp = df/dphi  [nstate x nparam] */
  int (*rhsp)(PetscReal t, const PetscReal x[], const PetscReal phi[], PetscReal Fp[], void *ctx);
  /* x(t0) = x0(phi); dx0 = dx0/dphi [nstate x nparam] is requested when non-NULL */
  int (*init)(const PetscReal phi[], PetscReal x0[], PetscReal dx0[], void *ctx);
  /* y = g(t, x, phi) for output iout; dydx [nstate], dydp [nparam] requested when non-NULL */
  int (*output)(PetscReal t, const PetscReal x[], const PetscReal phi[], PetscInt iout, PetscReal *y, PetscReal dydx[], PetscReal dydp[], void *ctx);
  /* closed form: pred[nobs] at the subject's observations; sens [nobs x nparam] when non-NULL */
  int (*predict)(const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[], void *ctx);
  /* optional, ODE: rhs of nl problems at once (dopri5 advances several subjects in SIMD lanes):
     problem l at time t[l], component i of its state, parameters and f at x[i nl + l], phi[k nl + l],
     f[i nl + l].  Problem l's f must have the bits rhs gives it alone (the same operations in the same
     order, no libm call that a vector loop replaces: PnlmeExp is deterministic), so that results do
     not depend on batching; non-zero when any problem fails (each is then redone by rhs).  f never
     overlaps t, x or phi (restrict may be used); nl is usually 8 (a loop for that constant avoids a
     remainder: src/model/ode/neonate.c). */
  int (*rhsmany)(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal phi[], PetscReal f[], void *ctx);
  /* optional, ODE, with jac and rhsp: those of nl problems at once, in the layout of rhsmany (entry e of
     problem l's J or Fp at [e nl + l]), each with the bits jac and rhsp give it alone; non-zero when
     any problem fails.  dopri5's lanes then form the sensitivity right-hand sides in SIMD lanes too. */
  int (*jacmany)(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal phi[], PetscReal J[], void *ctx);
  int (*rhspmany)(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal phi[], PetscReal Fp[], void *ctx);
} PnlmeModelOps;

typedef struct _p_PnlmeModel *PnlmeModel;
typedef PetscErrorCode (*PnlmeModelCreateFn)(PnlmeModel);

PETSC_EXTERN PetscErrorCode PnlmeModelCreate(MPI_Comm, PnlmeModel *);
/* Options: -model NAME, -model_plugin PATH (a shared library defining
   PetscErrorCode PnlmeModelPluginRegister(void) which calls PnlmeModelRegister), -model_view,
   -model_lag CMT[,CMT...] and -model_bioavailability CMT[,CMT...] (dose parameters Tlag and F, or
   Tlag_<cmt> and F_<cmt> for several compartments, appended to the parameters), and the
   ODE options -ode_integrator auto|dopri5|cvodes_bdf|cvodes_adams|arkode_erk, -ode_rtol, -ode_atol,
   -ode_max_steps, -ode_sens_errcon, -ode_dense_output (see docs/ode.md). */
PETSC_EXTERN PetscErrorCode PnlmeModelSetFromOptions(PnlmeModel);
PETSC_EXTERN PetscErrorCode PnlmeModelSetType(PnlmeModel, const char name[]);
PETSC_EXTERN PetscErrorCode PnlmeModelGetType(PnlmeModel, const char **name);
PETSC_EXTERN PetscErrorCode PnlmeModelRegister(const char name[], PnlmeModelCreateFn);
PETSC_EXTERN PetscErrorCode PnlmeModelLoadPlugin(const char path[]);
PETSC_EXTERN PetscErrorCode PnlmeModelSetUp(PnlmeModel);
PETSC_EXTERN PetscErrorCode PnlmeModelView(PnlmeModel, PetscViewer);
PETSC_EXTERN PetscErrorCode PnlmeModelDestroy(PnlmeModel *);

/* ---- declaration (inside a type's create function) */
PETSC_EXTERN PetscErrorCode PnlmeModelSetDescription(PnlmeModel, const char text[]);
PETSC_EXTERN PetscErrorCode PnlmeModelSetParameters(PnlmeModel, PetscInt n, const char *const names[], const PnlmeTransform tr[]);
PETSC_EXTERN PetscErrorCode PnlmeModelSetNumStates(PnlmeModel, PetscInt nstate);
/* a dose with CMT = cmt goes into state `state` (ODE) or is the closed form's input `cmt` */
PETSC_EXTERN PetscErrorCode PnlmeModelAddDoseCompartment(PnlmeModel, PetscInt cmt, PetscInt state);
/* an observation with CMT = cmt is output `name`; with one output, the observations' CMT is not checked */
PETSC_EXTERN PetscErrorCode PnlmeModelAddOutput(PnlmeModel, const char name[], PetscInt cmt);
PETSC_EXTERN PetscErrorCode PnlmeModelSetOps(PnlmeModel, PnlmeModelKind, const PnlmeModelOps *, void *ctx, PetscErrorCode (*ctxdestroy)(void *));
/* an ODE model may advise how stiff it is: the automatic integrator choice uses this */
PETSC_EXTERN PetscErrorCode PnlmeModelSetStiff(PnlmeModel, PetscBool);
/* Dose parameters (docs/plugins.md, docs/models-pk.md): an absorption lag time or a bioavailability of the
   doses into dosing compartment cmt (declared first with PnlmeModelAddDoseCompartment), as a new
   individual parameter `name` appended to the model's parameters (after those of PnlmeModelSetParameters;
   transform log for a lag, logit for a bioavailability, see PnlmeModelSetTransform).  pnlme applies them
   to the subject's timeline (NONMEM ALAG and F semantics): every dose into cmt is given Tlag later, a
   bolus brings F x AMT, an infusion keeps its rate and lasts F x AMT/RATE; its operations never see these
   parameters and their derivative arrays (rhsp, init, output, predict's sens) keep one column per
   parameter of PnlmeModelSetParameters.  Options -model_lag CMT[,CMT] and -model_bioavailability CMT[,CMT]
   add them to any model.  Before PnlmeModelSetUp. */
PETSC_EXTERN PetscErrorCode PnlmeModelAddDoseLag(PnlmeModel, PetscInt cmt, const char name[]);
PETSC_EXTERN PetscErrorCode PnlmeModelAddDoseBioavailability(PnlmeModel, PetscInt cmt, const char name[]);
/* the transform of parameter i (before PnlmeModelSetUp) */
PETSC_EXTERN PetscErrorCode PnlmeModelSetTransform(PnlmeModel, PetscInt i, PnlmeTransform);

/* ---- queries */
PETSC_EXTERN PetscErrorCode PnlmeModelGetKind(PnlmeModel, PnlmeModelKind *);
PETSC_EXTERN PetscErrorCode PnlmeModelGetNumParameters(PnlmeModel, PetscInt *);
PETSC_EXTERN PetscErrorCode PnlmeModelGetParameterName(PnlmeModel, PetscInt i, const char **);
PETSC_EXTERN PetscErrorCode PnlmeModelGetParameterIndex(PnlmeModel, const char name[], PetscInt *i); /* -1 if none */
PETSC_EXTERN PetscErrorCode PnlmeModelGetTransform(PnlmeModel, PetscInt i, PnlmeTransform *);
PETSC_EXTERN PetscErrorCode PnlmeModelGetNumStates(PnlmeModel, PetscInt *);
PETSC_EXTERN PetscErrorCode PnlmeModelGetNumOutputs(PnlmeModel, PetscInt *);
PETSC_EXTERN PetscErrorCode PnlmeModelGetOutputName(PnlmeModel, PetscInt iout, const char **);
/* the CMT of output iout: the value an observation's CMT gives to select it */
PETSC_EXTERN PetscErrorCode PnlmeModelGetOutputCompartment(PnlmeModel, PetscInt iout, PetscInt *cmt);
/* output index for an observation's CMT (PETSC_DECIDE if the data has no CMT); -1 if none matches */
PETSC_EXTERN PetscErrorCode PnlmeModelGetOutputIndex(PnlmeModel, PetscInt cmt, PetscInt *iout);
/* state index for a dose's CMT; -1 if the model has no such dosing compartment */
PETSC_EXTERN PetscErrorCode PnlmeModelGetDoseState(PnlmeModel, PetscInt cmt, PetscInt *state);
/* indices of the lag time and bioavailability parameters of dosing compartment cmt (-1 when it has none) */
PETSC_EXTERN PetscErrorCode PnlmeModelGetDoseParameters(PnlmeModel, PetscInt cmt, PetscInt *ilag, PetscInt *ibio);
/* whether the model computes steady-state doses (a dataset's SS 1 and 2 rows): the closed-form PK models do */
PETSC_EXTERN PetscErrorCode PnlmeModelGetSteadyState(PnlmeModel, PetscBool *);
/* parameters given to PnlmeModelSetParameters (the operations' derivative columns); the dose parameters
   follow them, up to PnlmeModelGetNumParameters */
PETSC_EXTERN PetscErrorCode PnlmeModelGetNumStructuralParameters(PnlmeModel, PetscInt *);
PETSC_EXTERN PetscErrorCode PnlmeModelGetIntegratorName(PnlmeModel, const char **);
/* relative tolerance of the ODE integrator for the next solves (-ode_rtol at set-up); closed forms:
   Set does nothing, Get gives 0 */
PETSC_EXTERN PetscErrorCode PnlmeModelSetRelativeTolerance(PnlmeModel, PetscReal);
PETSC_EXTERN PetscErrorCode PnlmeModelGetRelativeTolerance(PnlmeModel, PetscReal *);
/* dopri5: observations from the dense output instead of steps ending at them (-ode_dense_output at
   set-up); other integrators and closed forms ignore it */
PETSC_EXTERN PetscErrorCode PnlmeModelSetDenseOutput(PnlmeModel, PetscBool);
PETSC_EXTERN PetscErrorCode PnlmeModelGetDenseOutput(PnlmeModel, PetscBool *);
/* the largest subjects that will be predicted: a model with dose parameters keeps the subject's
   timeline with lags and bioavailabilities applied in work arrays of this size (PnlmeDataLoad and the
   simulator call it; a larger subject makes PnlmeModelPredict grow them once).  Not collective. */
PETSC_EXTERN PetscErrorCode PnlmeModelSetMaxSizes(PnlmeModel, PetscInt maxobs, PetscInt maxev);
/* relative cost of one subject solve per observation/event (for partitioning) */
PETSC_EXTERN PetscErrorCode PnlmeModelGetCostWeight(PnlmeModel, PetscReal *);

/* ---- transforms between the Gaussian scale z and the natural scale phi (h(phi) = z) */
PETSC_EXTERN void PnlmeModelTransformToNatural(PnlmeModel, const PetscReal z[], PetscReal phi[], PetscReal dphidz[]);
/* the same for n rows of nparam at once (SIMD lanes; each row's bits are those it has alone) */
PETSC_EXTERN void PnlmeModelTransformToNaturalMany(PnlmeModel, PetscInt n, const PetscReal z[], PetscReal phi[]);
PETSC_EXTERN void PnlmeModelTransformToGaussian(PnlmeModel, const PetscReal phi[], PetscReal z[]);

/* ---- evaluation (hot path: no allocation, not collective).
   pred[s->nobs]; sens [s->nobs x nparam] row-major (d pred_j / d phi_k) when non-NULL.
   An integration failure or a non-finite prediction sets *status and returns 0. */
PETSC_EXTERN PetscErrorCode PnlmeModelPredict(PnlmeModel, const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[], PnlmeSolveStatus *status);
/* The parameters whose sensitivities the next PnlmeModelPredict calls must give (mask[nparam]; NULL:
   all, the default).  The other columns of sens are unspecified (0 where the model can leave them
   out: an ODE model under dopri5, whose columns are integrated on their own, so that a column asked
   for has the same bits as with all).  Not collective; the caller restores NULL. */
PETSC_EXTERN PetscErrorCode PnlmeModelSetSensitivityMask(PnlmeModel, const PetscBool mask[]);
/* nb parameter sets on one subject (phi: nb rows of nparam; pred: nb rows of s->nobs; status[nb]),
   predictions only: a model that can evaluates them together (the closed forms: in SIMD lanes, the
   timeline read once), the others one after the other.  Each row's result is the one
   PnlmeModelPredict would give it alone, whatever the other rows: the MCMC chains of a subject go through
   it together without their results depending on how many there are. */
PETSC_EXTERN PetscErrorCode PnlmeModelPredictBatch(PnlmeModel, const PnlmeSubject *s, PetscInt nb, const PetscReal phi[], PetscReal pred[], PnlmeSolveStatus status[]);
/* the same with set L on its own subject s[L], its predictions into pred[L] (s[L]->nobs entries): the
   chains of several subjects of a rank in one evaluation */
PETSC_EXTERN PetscErrorCode PnlmeModelPredictMany(PnlmeModel, PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], PnlmeSolveStatus status[]);
/* Early stop of PnlmeModelPredictManyStop (the early rejection of MCMC proposals, docs/saem.md): set L
   may stop, PNLME_SOLVE_STOPPED, once the deficits (>= 0) of the observations it has computed exceed
   budget[L]; it is not evaluated at all when budget[L] < 0.  deficit(ctx, s, j0, j1, f) is the sum of
   those of observations j0..j1-1 at the predictions f[j].  The ODE solves in SIMD lanes stop at that
   observation; the other evaluations skip only the negative budgets.
   A set that is not stopped has every prediction, the one it has alone. */
typedef struct {
  const PetscReal *budget; /* [nb] */
  PetscReal (*deficit)(void *ctx, const PnlmeSubject *s, PetscInt j0, PetscInt j1, const PetscReal f[]);
  void *ctx;
} PnlmePredictStop;
PETSC_EXTERN PetscErrorCode PnlmeModelPredictManyStop(PnlmeModel, PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], const PnlmePredictStop *stop, PnlmeSolveStatus status[]);
/* Between PnlmeModelHoldSubjects(m, PETSC_TRUE) and PnlmeModelHoldSubjects(m, PETSC_FALSE) the caller
   keeps every subject it passes to the PnlmeModelPredict* calls unchanged at the same address (an E-step
   block: the same subjects' proposals, call after call).  The model may then keep what it derives from a
   subject's timeline from one call to the next (the closed forms: their plan of doses and observations);
   no result changes.  Holding again first releases. */
PETSC_EXTERN PetscErrorCode PnlmeModelHoldSubjects(PnlmeModel, PetscBool hold);
/* PnlmeModelPredictMany with the sensitivities of set L into sens[L] (s[L]->nobs x nparam, the columns
   of PnlmeModelSetSensitivityMask): an ODE model under dopri5 solves them in SIMD lanes (unless
   -ode_sens_errcon couples the columns), the others one after the other; each set's result is the one
   PnlmeModelPredict gives it alone (the Gauss-Newton passes over the chains of several subjects). */
PETSC_EXTERN PetscErrorCode PnlmeModelPredictManySens(PnlmeModel, PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], PnlmeSolveStatus status[]);
/* counters since SetUp: predictions, failed predictions, right-hand-side evaluations, steps */
PETSC_EXTERN PetscErrorCode PnlmeModelGetStats(PnlmeModel, PetscInt64 *npredict, PetscInt64 *nfailed, PetscInt64 *nrhs, PetscInt64 *nsteps);

/* ---- model files: models written as equations (docs/model-language.md), compiled at run time into a
   cached shared object and loaded through the plugin path.
   PnlmeModelLoadFile is collective: spec is a path, or the model text itself when it holds a line break
   (inline models of a YAML case); cachedir NULL or "" is the default cache (-model_cache); on return
   name (len bytes) is the registered model type to give to PnlmeModelSetType.  A problem in the file is
   one error "FILE:LINE:COLUMN: problem", the same on every rank.  -model_file PATH does this in
   PnlmeModelSetFromOptions. */
PETSC_EXTERN PetscErrorCode PnlmeModelLoadFile(MPI_Comm, const char spec[], const char cachedir[], char name[], size_t len);
/* the last model file loaded: its shared object, whether this process compiled it (else: cache hit or
   already loaded) and the compile time in seconds */
PETSC_EXTERN PetscErrorCode PnlmeModelFileGetInfo(const char **sopath, PetscBool *compiled, PetscReal *seconds);
/* called by the generated code's PnlmeModelPluginRegister (not for users) */
PETSC_EXTERN int PnlmeModelLangRegister(const void *desc, int size);
