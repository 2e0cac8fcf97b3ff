/* Private: the ODE integrator behind an ODE PnlmeModel.

   One PnlmeODE per model (so per rank) owns every work array and every solver memory; all of them are
   created by PnlmeODESetUp, so that a subject solve (PnlmeODESolveSubject) allocates nothing.

   The event driver (ode.c) walks a subject's timeline and applies doses, infusions and resets; between
   two consecutive event times it asks a backend to advance the state x (and, when sensitivities are
   requested, S = dx/dphi) from the current time to the next event time.  Backends are a small table of
   operations found by name (dopri5.c, cvodes.c, arkode.c). */
#pragma once
#include "model/modelimpl.h"
#include <sundials/sundials_context.h>

/* Failure codes of PnlmeODESolveSubject and of the backends (0 is success). */
enum {
  PNLME_ODE_OK = 0,
  PNLME_ODE_ERR_MODEL,    /* a model operation (rhs, jac, rhsp, init, output) returned non-zero */
  PNLME_ODE_ERR_MAXSTEPS, /* more than -ode_max_steps steps between two consecutive event times */
  PNLME_ODE_ERR_STEPSIZE, /* the step size fell below round-off, or the error estimate stayed non-finite */
  PNLME_ODE_ERR_SOLVER,   /* CVODES or ARKODE returned another failure */
  PNLME_ODE_ERR_STIFF,    /* dopri5 detected stiffness (in auto mode the subject is redone by cvodes_bdf) */
  PNLME_ODE_ERR_DATA      /* a dose into a compartment the model does not declare */
};

typedef struct {
  const char *name;
  PetscBool   sens;   /* can integrate forward sensitivities */
  PetscBool   interp; /* may step past observation times and interpolate (else it stops at each one) */
  PetscErrorCode (*create)(PnlmeODE, void **data);
  PetscErrorCode (*destroy)(PnlmeODE, void **data);
  /* start (again) at time t from x (and S when ode->withsens) */
  int (*reinit)(PnlmeODE, void *data, PetscReal t, const PetscReal x[], const PetscReal S[]);
  /* advance to tout (> the time of the last reinit or advance); the right-hand side is smooth up to
     tstop >= tout, which the backend must not step past (tstop = tout unless the backend interpolates).
     Writes x (and S) at tout. */
  int (*advance)(PnlmeODE, void *data, PetscReal tout, PetscReal tstop, PetscReal x[], PetscReal S[]);
} PnlmeODEBackend;

PETSC_INTERN const PnlmeODEBackend PnlmeODEBackendDopri5, PnlmeODEBackendCVODESBDF, PnlmeODEBackendCVODESAdams, PnlmeODEBackendARKODEERK;

#define PNLME_ODE_MAX_INSTANCES 3
#define PNLME_ODE_LANES 8 /* subjects advanced together by dopri5 in SIMD lanes (lanes.c) */

typedef struct _p_PnlmeODELanes *PnlmeODELanes;

typedef struct {
  const PnlmeODEBackend *ops;
  void                  *data;
} PnlmeODEInstance;

struct _p_PnlmeODE {
  PnlmeModel m;
  PetscInt   n, p; /* states, parameters */
  PetscInt   p0;   /* the model's structural parameters (the columns of rhsp, init's dx0, output's dydp);
                      the dose parameters p0..p-1 act only through the dosed timeline's jumps */
  /* model operations, copied at set-up */
  int (*rhs)(PetscReal, const PetscReal[], const PetscReal[], PetscReal[], void *);
  int (*jac)(PetscReal, const PetscReal[], const PetscReal[], PetscReal[], void *);
  int (*rhsp)(PetscReal, const PetscReal[], const PetscReal[], PetscReal[], void *);
  int (*init)(const PetscReal[], PetscReal[], PetscReal[], void *);
  int (*output)(PetscReal, const PetscReal[], const PetscReal[], PetscInt, PetscReal *, PetscReal[], PetscReal[], void *);
  int (*rhsmany)(PetscInt, const PetscReal[], const PetscReal[], const PetscReal[], PetscReal[], void *);
  int (*jacmany)(PetscInt, const PetscReal[], const PetscReal[], const PetscReal[], PetscReal[], void *);
  int (*rhspmany)(PetscInt, const PetscReal[], const PetscReal[], const PetscReal[], PetscReal[], void *);
  void     *ctx;
  PetscBool analytic; /* jac and rhsp given: sensitivity right-hand side J S + Fp without differences */

  /* options */
  char      type[32]; /* auto, dopri5, cvodes_bdf, cvodes_adams, arkode_erk */
  PetscReal rtol, atol;
  PetscInt  maxsteps;
  PetscBool senserrcon;
  PetscBool dense; /* dopri5: interpolate observations with the dense output instead of stepping to them */

  /* backends: the one in use, the one used for sensitivities (when the first has none) and the
     fallback of auto mode (cvodes_bdf after a dopri5 failure or detected stiffness) */
  PnlmeODEInstance inst[PNLME_ODE_MAX_INSTANCES];
  PetscInt         ninst;
  PnlmeODEInstance *be, *besens, *befallback;
  SUNContext        sunctx;
  PnlmeODELanes     lanes; /* dopri5 without sensitivities: subjects in SIMD lanes (lanes.c) */

  /* state of the current subject solve (read by the backends) */
  PetscInt   withsens; /* 1: integrate S too */
  PetscReal  atoleff;  /* absolute tolerance in the units of the states: atol * scale */
  PetscReal  scale;    /* the subject's magnitude: largest |state| at (re)starts and doses */
  PetscInt   nforce;   /* states with an active infusion */
  PetscReal *forcing;  /* [n] infusion rates added to the model's rhs */
  PetscInt  *ninf;     /* [n] active infusions per state */
  PetscReal *phi;      /* [p] the subject's parameters (backends and difference quotients perturb a copy) */
  PetscReal *pbar;     /* [p] parameter scales |phi| (1 when 0): sensitivity tolerances, difference steps */
  PetscReal *x, *S;    /* [n], [n*ns] solution at the driver's time */
  /* the sensitivity columns integrated: ns parameters scol[0..ns) (in order); spos[k] the column of
     parameter k, -1 when it is not integrated.  All p unless the caller asked for fewer
     (PnlmeODESetSensitivityMask) and the integrator is dopri5 without sensitivity error control: its
     columns are then independent of each other, so a column has the same bits either way. */
  PetscInt   ns, *scol, *spos;
  PetscBool *smask; /* [p] the parameters asked for */
  /* work arrays */
  PetscReal *J, *Fp;           /* [n*n], [n*p] */
  PetscReal *wx, *wf, *wphi;   /* [n], [n], [p]: finite differences */
  PetscReal *wx2, *wdx0;       /* [n], [n*p] */
  PetscReal *dydx, *dydp;      /* [n], [p] */
  PetscReal *fm, *fp;          /* [n], [n]: rhs before and after a moving bolus */

  /* counters since set-up */
  PetscInt64 nrhs, nsteps, nsolve, nfallback;
  PetscBool  setupcalled;
};

/* f = rhs(t, x) + infusion rates.  Counts the evaluation. */
static inline int PnlmeODERhs(PnlmeODE ode, PetscReal t, const PetscReal x[], PetscReal f[])
{
  int rc = ode->rhs(t, x, ode->phi, f, ode->ctx);
  ode->nrhs++;
  if (ode->nforce)
    for (PetscInt i = 0; i < ode->n; i++) f[i] += ode->forcing[i];
  return rc;
}

/* Sensitivity right-hand side Sdot = J S + Fp at (t, x) where f = rhs(t, x) (with infusions) is known:
   analytic from jac and rhsp when the model gives both, otherwise by one forward difference of the
   rhs per parameter along the direction (S_k, e_k). */
PETSC_INTERN int PnlmeODESensRhs(PnlmeODE, PetscReal t, const PetscReal x[], const PetscReal f[], const PetscReal S[], PetscReal Sdot[]);

/* the state a dose (bolus, infusion start or end) of the timeline goes into, -1 when the model has none */
static inline PetscInt PnlmeODEDoseState(PnlmeModel m, PetscInt cmt)
{
  for (PetscInt i = 0; i < m->ndose; i++)
    if (m->dosecmt[i] == cmt) return m->dosestate[i];
  return -1;
}

/* The effect of dose e into state st on the state x (a bolus adds its amount), the infusion rates
   forcing[n] with the count of active infusions per state ninf[n] and of states with one *nforce, and the
   subject's scale; non-zero for an event that is not a dose.  Without the sensitivities' jumps (ode.c). */
static inline int PnlmeODEApplyDose(const PnlmeEvent *e, PetscInt st, PetscReal x[], PetscReal forcing[], PetscInt ninf[], PetscInt *nforce, PetscReal *scale)
{
  switch (e->type) {
  case PNLME_EV_BOLUS:
    x[st] += e->amount;
    *scale = PetscMax(*scale, PetscAbsReal(x[st]));
    return 0;
  case PNLME_EV_INFUSION_START:
    if (ninf[st]++ == 0) ++*nforce;
    forcing[st] += e->amount;
    *scale = PetscMax(*scale, PetscAbsReal(e->amount * (e->duration > 0 ? e->duration : 1.0)));
    return 0;
  case PNLME_EV_INFUSION_END:
    if (ninf[st] > 0) { /* an infusion stopped by a reset has nothing left to stop */
      if (--ninf[st] == 0) {
        forcing[st] = 0.0; /* exactly: no round-off left over from the additions */
        --*nforce;
      } else forcing[st] -= e->amount;
    }
    return 0;
  default:
    return 1;
  }
}

/* dopri5 in SIMD lanes (lanes.c): the predictions of nb sets (rows of p), set L on subject subj[L] into
   pred[L], rc[L] its failure code (0: success; PNLME_MODEL_STOPPED: stopped by stop, NULL for none); no
   fallback.  With sens (and stop NULL): the sensitivities of the columns ode->scol into sens[L], the
   jumps from set L's dose information info[L] (info NULL: none), without error control on them. */
PETSC_INTERN PetscErrorCode PnlmeODELanesCreate(PnlmeODE, PnlmeODELanes *);
PETSC_INTERN PetscErrorCode PnlmeODELanesDestroy(PnlmeODELanes *);
PETSC_INTERN int            PnlmeODELanesSolve(PnlmeODE, PetscInt nb, const PnlmeSubject *const subj[], const PnlmeDoseInfo *const info[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], const PnlmePredictStop *stop, int rc[]);

/* the driver's pieces the lanes share (ode.c), on the state ode->x, S, phi, pbar, forcing, ninf, nforce,
   scale: the start from x0(phi) (and S from dx0/dphi when ode->withsens), and event i of s at time t */
PETSC_INTERN int PnlmeODEStart(PnlmeODE);
PETSC_INTERN int PnlmeODEEvent(PnlmeODE, const PnlmeSubject *s, const PnlmeDoseInfo info[], PetscInt i, PetscReal t, PetscReal pred[], PetscReal sens[], int *dirty);
