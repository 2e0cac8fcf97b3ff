/* cvodes_bdf and cvodes_adams: SUNDIALS CVODES, one solver memory per PnlmeODE reused across subjects
   and across discontinuities with CVodeReInit / CVodeSensReInit.
   - cvodes_bdf:   BDF, Newton iteration with the dense direct solver; Jacobian from the model's jac
                   when given (else CVODES' difference quotients).
   - cvodes_adams: Adams-Moulton, fixed-point iteration (no Jacobian).
   Forward sensitivities (CV_STAGGERED) with a sensitivity rhs J S + Fp when the model gives jac and
   rhsp, else CVODES' difference quotients on the parameters (p = the subject's phi, pbar = |phi|);
   their tolerances are estimated from the state tolerances (CVodeSensEEtolerances) and they enter the
   error test only with -ode_sens_errcon.  CVODES' error messages are silenced: failures come back as
   status codes. */
#include "ode/odeimpl.h"
#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

typedef struct {
  int                lmm; /* CV_BDF or CV_ADAMS */
  void              *mem;
  N_Vector           y, *yS;
  SUNMatrix          A;
  SUNLinearSolver    LS;
  SUNNonlinearSolver NLS, NLSsens;
  int                senson;
  long int           nstlast;
} CVData;

static void CVSilent(int code, const char *module, const char *function, char *msg, void *ctx)
{
  (void)code;
  (void)module;
  (void)function;
  (void)msg;
  (void)ctx;
}

static int CVRhs(realtype t, N_Vector y, N_Vector ydot, void *ctx)
{
  return PnlmeODERhs((PnlmeODE)ctx, t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot)) ? 1 : 0;
}

static int CVJac(realtype t, N_Vector y, N_Vector fy, SUNMatrix Jm, void *ctx, N_Vector t1, N_Vector t2, N_Vector t3)
{
  PnlmeODE       ode = (PnlmeODE)ctx;
  const PetscInt n   = ode->n;
  (void)fy;
  (void)t1;
  (void)t2;
  (void)t3;
  if (ode->jac(t, N_VGetArrayPointer(y), ode->phi, ode->J, ode->ctx)) return 1;
  for (PetscInt j = 0; j < n; j++) {
    realtype *col = SUNDenseMatrix_Column(Jm, j);
    for (PetscInt i = 0; i < n; i++) col[i] = ode->J[i * n + j];
  }
  return 0;
}

/* all sensitivity right-hand sides at once: ySdot_k = J yS_k + Fp(:, k) */
static int CVSensRhs(int Ns, realtype t, N_Vector y, N_Vector ydot, N_Vector *yS, N_Vector *ySdot, void *ctx, N_Vector t1, N_Vector t2)
{
  PnlmeODE        ode = (PnlmeODE)ctx;
  const PetscInt  n   = ode->n, p = ode->p, p0 = ode->p0;
  const realtype *x   = N_VGetArrayPointer(y);
  (void)ydot;
  (void)t1;
  (void)t2;
  (void)Ns;
  if (ode->jac(t, x, ode->phi, ode->J, ode->ctx) || ode->rhsp(t, x, ode->phi, ode->Fp, ode->ctx)) return 1;
  for (PetscInt k = 0; k < p; k++) {
    const realtype *s  = N_VGetArrayPointer(yS[k]);
    realtype       *sd = N_VGetArrayPointer(ySdot[k]);
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal *Ji = ode->J + i * n;
      PetscReal        v  = k < p0 ? ode->Fp[i * p0 + k] : 0.0; /* dose parameters: not in the rhs */
      for (PetscInt j = 0; j < n; j++) v += Ji[j] * s[j];
      sd[i] = v;
    }
  }
  return 0;
}

#define CVCall(f) \
  do { \
    int _flag = (f); \
    PetscCheck(_flag >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "CVODES: %s returned %d", #f, _flag); \
  } while (0)

static PetscErrorCode CVCreate(PnlmeODE ode, int lmm, void **data)
{
  CVData        *cv;
  const PetscInt n = ode->n, p = ode->p;
  PetscFunctionBegin;
  PetscCall(PetscNew(&cv));
  cv->lmm = lmm;
  cv->y   = N_VNew_Serial(n, ode->sunctx);
  PetscCheck(cv->y, PETSC_COMM_SELF, PETSC_ERR_MEM, "N_VNew_Serial failed");
  N_VConst(0.0, cv->y);
  cv->mem = CVodeCreate(lmm, ode->sunctx);
  PetscCheck(cv->mem, PETSC_COMM_SELF, PETSC_ERR_MEM, "CVodeCreate failed");
  CVCall(CVodeSetErrHandlerFn(cv->mem, CVSilent, NULL));
  CVCall(CVodeInit(cv->mem, CVRhs, 0.0, cv->y));
  CVCall(CVodeSetUserData(cv->mem, ode));
  CVCall(CVodeSStolerances(cv->mem, ode->rtol, ode->atol));
  CVCall(CVodeSetMaxNumSteps(cv->mem, (long int)ode->maxsteps));
  if (lmm == CV_BDF) {
    cv->A  = SUNDenseMatrix(n, n, ode->sunctx);
    cv->LS = SUNLinSol_Dense(cv->y, cv->A, ode->sunctx);
    PetscCheck(cv->A && cv->LS, PETSC_COMM_SELF, PETSC_ERR_MEM, "dense matrix or solver creation failed");
    CVCall(CVodeSetLinearSolver(cv->mem, cv->LS, cv->A));
    if (ode->jac) CVCall(CVodeSetJacFn(cv->mem, CVJac));
  } else {
    cv->NLS = SUNNonlinSol_FixedPoint(cv->y, 0, ode->sunctx);
    PetscCheck(cv->NLS, PETSC_COMM_SELF, PETSC_ERR_MEM, "SUNNonlinSol_FixedPoint failed");
    CVCall(CVodeSetNonlinearSolver(cv->mem, cv->NLS));
  }
  /* sensitivities: initialised once, then switched on by CVodeSensReInit or off per subject */
  cv->yS = N_VCloneVectorArray((int)p, cv->y);
  PetscCheck(cv->yS, PETSC_COMM_SELF, PETSC_ERR_MEM, "N_VCloneVectorArray failed");
  for (PetscInt k = 0; k < p; k++) N_VConst(0.0, cv->yS[k]);
  for (PetscInt k = 0; k < p; k++) ode->pbar[k] = 1.0;
  CVCall(CVodeSensInit(cv->mem, (int)p, CV_STAGGERED, ode->analytic ? CVSensRhs : NULL, cv->yS));
  CVCall(CVodeSetSensParams(cv->mem, ode->phi, ode->pbar, NULL));
  CVCall(CVodeSensEEtolerances(cv->mem));
  CVCall(CVodeSetSensErrCon(cv->mem, ode->senserrcon ? SUNTRUE : SUNFALSE));
  if (lmm == CV_ADAMS) {
    cv->NLSsens = SUNNonlinSol_FixedPointSens((int)p, cv->y, 0, ode->sunctx);
    PetscCheck(cv->NLSsens, PETSC_COMM_SELF, PETSC_ERR_MEM, "SUNNonlinSol_FixedPointSens failed");
    CVCall(CVodeSetNonlinearSolverSensStg(cv->mem, cv->NLSsens));
  }
  CVCall(CVodeSensToggleOff(cv->mem));
  *data = cv;
  PetscFunctionReturn(0);
}

static PetscErrorCode CVCreateBDF(PnlmeODE ode, void **data) { return CVCreate(ode, CV_BDF, data); }
static PetscErrorCode CVCreateAdams(PnlmeODE ode, void **data) { return CVCreate(ode, CV_ADAMS, data); }

static PetscErrorCode CVDestroy(PnlmeODE ode, void **data)
{
  CVData *cv = (CVData *)*data;
  PetscFunctionBegin;
  if (!cv) PetscFunctionReturn(0);
  if (cv->mem) CVodeFree(&cv->mem);
  if (cv->NLS) SUNNonlinSolFree(cv->NLS);
  if (cv->NLSsens) SUNNonlinSolFree(cv->NLSsens);
  if (cv->LS) SUNLinSolFree(cv->LS);
  if (cv->A) SUNMatDestroy(cv->A);
  if (cv->yS) N_VDestroyVectorArray(cv->yS, (int)ode->p);
  if (cv->y) N_VDestroy(cv->y);
  PetscCall(PetscFree(*data));
  PetscFunctionReturn(0);
}

static int CVReinit(PnlmeODE ode, void *data, PetscReal t, const PetscReal x[], const PetscReal S[])
{
  CVData        *cv = (CVData *)data;
  const PetscInt n = ode->n, p = ode->p;
  realtype      *y = N_VGetArrayPointer(cv->y);
  for (PetscInt i = 0; i < n; i++) y[i] = x[i];
  if (CVodeReInit(cv->mem, t, cv->y) < 0) return PNLME_ODE_ERR_SOLVER;
  if (CVodeSStolerances(cv->mem, ode->rtol, ode->atoleff) < 0) return PNLME_ODE_ERR_SOLVER;
  cv->nstlast = 0;
  if (ode->withsens) {
    for (PetscInt k = 0; k < p; k++) {
      realtype *s = N_VGetArrayPointer(cv->yS[k]);
      for (PetscInt i = 0; i < n; i++) s[i] = S[i * p + k];
    }
    if (CVodeSetSensParams(cv->mem, ode->phi, ode->pbar, NULL) < 0) return PNLME_ODE_ERR_SOLVER;
    if (CVodeSensReInit(cv->mem, CV_STAGGERED, cv->yS) < 0) return PNLME_ODE_ERR_SOLVER;
    cv->senson = 1;
  } else if (cv->senson) {
    if (CVodeSensToggleOff(cv->mem) < 0) return PNLME_ODE_ERR_SOLVER;
    cv->senson = 0;
  }
  return 0;
}

static int CVAdvance(PnlmeODE ode, void *data, PetscReal tout, PetscReal tstop, PetscReal x[], PetscReal S[])
{
  CVData        *cv = (CVData *)data;
  const PetscInt n = ode->n, p = ode->p;
  realtype       tret;
  long int       nst = 0;
  int            flag;
  if (CVodeSetStopTime(cv->mem, tstop) < 0) return PNLME_ODE_ERR_SOLVER;
  flag = CVode(cv->mem, tout, cv->y, &tret, CV_NORMAL);
  if (CVodeGetNumSteps(cv->mem, &nst) >= 0) {
    ode->nsteps += nst - cv->nstlast;
    cv->nstlast = nst;
  }
  if (flag < 0) {
    if (flag == CV_TOO_MUCH_WORK) return PNLME_ODE_ERR_MAXSTEPS;
    if (flag == CV_RHSFUNC_FAIL || flag == CV_FIRST_RHSFUNC_ERR || flag == CV_REPTD_RHSFUNC_ERR || flag == CV_UNREC_RHSFUNC_ERR || flag == CV_LSETUP_FAIL || flag == CV_SRHSFUNC_FAIL || flag == CV_FIRST_SRHSFUNC_ERR || flag == CV_REPTD_SRHSFUNC_ERR || flag == CV_UNREC_SRHSFUNC_ERR) return PNLME_ODE_ERR_MODEL;
    return PNLME_ODE_ERR_SOLVER;
  }
  {
    const realtype *y = N_VGetArrayPointer(cv->y);
    for (PetscInt i = 0; i < n; i++) x[i] = y[i];
  }
  if (ode->withsens) {
    if (CVodeGetSens(cv->mem, &tret, cv->yS) < 0) return PNLME_ODE_ERR_SOLVER;
    for (PetscInt k = 0; k < p; k++) {
      const realtype *s = N_VGetArrayPointer(cv->yS[k]);
      for (PetscInt i = 0; i < n; i++) S[i * p + k] = s[i];
    }
  }
  return 0;
}

const PnlmeODEBackend PnlmeODEBackendCVODESBDF   = {"cvodes_bdf", PETSC_TRUE, PETSC_TRUE, CVCreateBDF, CVDestroy, CVReinit, CVAdvance};
const PnlmeODEBackend PnlmeODEBackendCVODESAdams = {"cvodes_adams", PETSC_TRUE, PETSC_TRUE, CVCreateAdams, CVDestroy, CVReinit, CVAdvance};
