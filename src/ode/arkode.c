/* arkode_erk: SUNDIALS ARKODE ERKStep with the Dormand-Prince 5(4) table (ARKODE_DORMAND_PRINCE_7_4_5),
   one memory per PnlmeODE reused with ERKStepReInit.  No forward sensitivities: a solve that asks for
   them is done by dopri5 (PnlmeODESetUp creates it alongside).  Errors are silenced and returned. */
#include "ode/odeimpl.h"
#include <arkode/arkode_erkstep.h>
#include <nvector/nvector_serial.h>

typedef struct {
  void    *mem;
  N_Vector y;
  long int nstlast;
} ERKData;

static void ERKSilent(int code, const char *module, const char *function, char *msg, void *ctx)
{
  (void)code;
  (void)module;
  (void)function;
  (void)msg;
  (void)ctx;
}

static int ERKRhs(realtype t, N_Vector y, N_Vector ydot, void *ctx)
{
  return PnlmeODERhs((PnlmeODE)ctx, t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot)) ? 1 : 0;
}

#define ERKCall(f) \
  do { \
    int _flag = (f); \
    PetscCheck(_flag >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "ARKODE: %s returned %d", #f, _flag); \
  } while (0)

static PetscErrorCode ERKCreate(PnlmeODE ode, void **data)
{
  ERKData *e;
  PetscFunctionBegin;
  PetscCall(PetscNew(&e));
  e->y = N_VNew_Serial(ode->n, ode->sunctx);
  PetscCheck(e->y, PETSC_COMM_SELF, PETSC_ERR_MEM, "N_VNew_Serial failed");
  N_VConst(0.0, e->y);
  e->mem = ERKStepCreate(ERKRhs, 0.0, e->y, ode->sunctx);
  PetscCheck(e->mem, PETSC_COMM_SELF, PETSC_ERR_MEM, "ERKStepCreate failed");
  ERKCall(ERKStepSetErrHandlerFn(e->mem, ERKSilent, NULL));
  ERKCall(ERKStepSetTableNum(e->mem, ARKODE_DORMAND_PRINCE_7_4_5));
  ERKCall(ERKStepSetUserData(e->mem, ode));
  ERKCall(ERKStepSStolerances(e->mem, ode->rtol, ode->atol));
  ERKCall(ERKStepSetMaxNumSteps(e->mem, (long int)ode->maxsteps));
  *data = e;
  PetscFunctionReturn(0);
}

static PetscErrorCode ERKDestroy(PnlmeODE ode, void **data)
{
  ERKData *e = (ERKData *)*data;
  PetscFunctionBegin;
  (void)ode;
  if (!e) PetscFunctionReturn(0);
  if (e->mem) ERKStepFree(&e->mem);
  if (e->y) N_VDestroy(e->y);
  PetscCall(PetscFree(*data));
  PetscFunctionReturn(0);
}

static int ERKReinit(PnlmeODE ode, void *data, PetscReal t, const PetscReal x[], const PetscReal S[])
{
  ERKData  *e = (ERKData *)data;
  realtype *y = N_VGetArrayPointer(e->y);
  (void)S;
  for (PetscInt i = 0; i < ode->n; i++) y[i] = x[i];
  if (ERKStepReInit(e->mem, ERKRhs, t, e->y) < 0) return PNLME_ODE_ERR_SOLVER;
  if (ERKStepSStolerances(e->mem, ode->rtol, ode->atoleff) < 0) return PNLME_ODE_ERR_SOLVER;
  e->nstlast = 0; /* ERKStepReInit zeroes the counters */
  return 0;
}

static int ERKAdvance(PnlmeODE ode, void *data, PetscReal tout, PetscReal tstop, PetscReal x[], PetscReal S[])
{
  ERKData  *e = (ERKData *)data;
  realtype  tret;
  long int  nst = 0;
  int       flag;
  (void)S;
  if (ERKStepSetStopTime(e->mem, tstop) < 0) return PNLME_ODE_ERR_SOLVER;
  flag = ERKStepEvolve(e->mem, tout, e->y, &tret, ARK_NORMAL);
  if (ERKStepGetNumSteps(e->mem, &nst) >= 0) {
    ode->nsteps += nst - e->nstlast;
    e->nstlast = nst;
  }
  if (flag < 0) {
    if (flag == ARK_TOO_MUCH_WORK) return PNLME_ODE_ERR_MAXSTEPS;
    if (flag == ARK_RHSFUNC_FAIL || flag == ARK_FIRST_RHSFUNC_ERR || flag == ARK_REPTD_RHSFUNC_ERR || flag == ARK_UNREC_RHSFUNC_ERR) return PNLME_ODE_ERR_MODEL;
    return PNLME_ODE_ERR_SOLVER;
  }
  {
    const realtype *y = N_VGetArrayPointer(e->y);
    for (PetscInt i = 0; i < ode->n; i++) x[i] = y[i];
  }
  return 0;
}

const PnlmeODEBackend PnlmeODEBackendARKODEERK = {"arkode_erk", PETSC_FALSE, PETSC_TRUE, ERKCreate, ERKDestroy, ERKReinit, ERKAdvance};
