/* PnlmeODE: the integrator object of an ODE model and the event driver that walks a subject's timeline.

   A subject solve starts at t0 = min(0, time of the first event) from x0(phi) (and S = dx0/dphi), and
   handles the events in order: the state is advanced to each later event time by the backend; an
   observation evaluates the output (and d output / d phi = dy/dx S + dy/dphi); a bolus adds its amount
   to the dosed state; an infusion start/end adds/removes its rate to a forcing vector that is added to
   the model's rhs; a reset restarts from x0(phi) and stops every infusion.  After every discontinuity
   the backend is re-initialised.  Backends that interpolate (CVODES, ARKODE; dopri5 with
   -ode_dense_output) are told the next discontinuity as their stop time and step past observations;
   dopri5 otherwise lands on every observation time: about 20% more work, far more accurate. */
#include "ode/odeimpl.h"
#include <float.h>
#include <math.h>
#include <string.h>

static const char *const PnlmeODETypes[] = {"auto", "dopri5", "cvodes_bdf", "cvodes_adams", "arkode_erk", NULL};

static const PnlmeOption ODEOptions[] = {
  {"-ode_integrator", PNLME_OPT_ENUM, "auto", NULL, PnlmeODETypes, "ODE integrator: auto (dopri5 for non-stiff models with at most 20 states, else cvodes_bdf)"},
  {"-ode_rtol", PNLME_OPT_REAL, "1e-6", "(0, 1)", NULL, "Relative tolerance of the ODE integrator"},
  {"-ode_atol", PNLME_OPT_REAL, "1e-9", "(0, inf)", NULL, "Absolute tolerance, in units of the subject's scale (largest |state| at the start, after doses and resets)"},
  {"-ode_max_steps", PNLME_OPT_INT, "100000", "[1, 2147483647]", NULL, "Maximum number of steps between two consecutive event times"},
  {"-ode_sens_errcon", PNLME_OPT_BOOL, "false", NULL, NULL, "Include the sensitivities in the local error control"},
  {"-ode_dense_output", PNLME_OPT_BOOL, "false", NULL, NULL, "dopri5: interpolate observations with the 4th-order dense output instead of stepping to them (cheaper, less accurate)"},
};

PetscErrorCode PnlmeODERegisterOptions(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("ode", "ODE integrator of ODE models (PnlmeODE, docs/ode.md)", NULL, PETSC_STATIC_ARRAY_LENGTH(ODEOptions), ODEOptions));
  PetscFunctionReturn(0);
}

static const PnlmeODEBackend *PnlmeODEBackends[] = {&PnlmeODEBackendDopri5, &PnlmeODEBackendCVODESBDF, &PnlmeODEBackendCVODESAdams, &PnlmeODEBackendARKODEERK};

/* the backend an integrator name stands for: auto is dopri5 for small non-stiff models, else cvodes_bdf */
static const PnlmeODEBackend *PnlmeODEResolve(PnlmeODE ode)
{
  if (!strcmp(ode->type, "auto")) return (!ode->m->stiff && ode->m->nstate <= 20) ? &PnlmeODEBackendDopri5 : &PnlmeODEBackendCVODESBDF;
  for (size_t i = 0; i < sizeof(PnlmeODEBackends) / sizeof(PnlmeODEBackends[0]); i++)
    if (!strcmp(ode->type, PnlmeODEBackends[i]->name)) return PnlmeODEBackends[i];
  return NULL;
}

PetscErrorCode PnlmeODECreate(PnlmeModel m, PnlmeODE *out)
{
  PnlmeODE ode;
  PetscFunctionBegin;
  PetscCall(PetscNew(&ode));
  ode->m          = m;
  ode->rtol       = 1e-6;
  ode->atol       = 1e-9;
  ode->maxsteps   = 100000;
  ode->senserrcon = PETSC_FALSE;
  PetscCall(PetscStrncpy(ode->type, "auto", sizeof(ode->type)));
  *out = ode;
  PetscFunctionReturn(0);
}

static PetscErrorCode PnlmeODEReset(PnlmeODE ode)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < ode->ninst; i++) PetscCall(ode->inst[i].ops->destroy(ode, &ode->inst[i].data));
  ode->ninst = 0;
  ode->be = ode->besens = ode->befallback = NULL;
  if (ode->sunctx) {
    PetscCheck(!SUNContext_Free(&ode->sunctx), PETSC_COMM_SELF, PETSC_ERR_LIB, "SUNContext_Free failed");
    ode->sunctx = NULL;
  }
  PetscCall(PnlmeODELanesDestroy(&ode->lanes));
  PetscCall(PetscFree(ode->forcing));
  PetscCall(PetscFree(ode->ninf));
  PetscCall(PetscFree(ode->phi));
  PetscCall(PetscFree(ode->pbar));
  PetscCall(PetscFree(ode->x));
  PetscCall(PetscFree(ode->S));
  PetscCall(PetscFree3(ode->scol, ode->spos, ode->smask));
  PetscCall(PetscFree(ode->J));
  PetscCall(PetscFree(ode->Fp));
  PetscCall(PetscFree(ode->wx));
  PetscCall(PetscFree(ode->wf));
  PetscCall(PetscFree(ode->wphi));
  PetscCall(PetscFree(ode->wx2));
  PetscCall(PetscFree(ode->wdx0));
  PetscCall(PetscFree(ode->dydx));
  PetscCall(PetscFree(ode->dydp));
  PetscCall(PetscFree(ode->fm));
  PetscCall(PetscFree(ode->fp));
  ode->setupcalled = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeODEDestroy(PnlmeODE *ode)
{
  PetscFunctionBegin;
  if (!*ode) PetscFunctionReturn(0);
  PetscCall(PnlmeODEReset(*ode));
  PetscCall(PetscFree(*ode));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeODESetFromOptions(PnlmeODE ode, PetscObject obj)
{
  PetscInt  idx = 0, maxsteps = ode->maxsteps;
  PetscBool flg, errcon = ode->senserrcon, dense = ode->dense;
  PetscReal rtol = ode->rtol, atol = ode->atol;
  char      type[32];
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(type, ode->type, sizeof(type)));
  PetscCall(PnlmeOptionsGetEnum(obj, "-ode_integrator", &idx, &flg));
  if (flg) PetscCall(PetscStrncpy(type, PnlmeODETypes[idx], sizeof(type)));
  PetscCall(PnlmeOptionsGetReal(obj, "-ode_rtol", &rtol, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-ode_atol", &atol, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-ode_max_steps", &maxsteps, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-ode_sens_errcon", &errcon, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-ode_dense_output", &dense, NULL));
  if (strcmp(type, ode->type) || rtol != ode->rtol || atol != ode->atol || maxsteps != ode->maxsteps || errcon != ode->senserrcon || dense != ode->dense) {
    PetscBool wassetup = ode->setupcalled;
    PetscCall(PnlmeODEReset(ode));
    PetscCall(PetscStrncpy(ode->type, type, sizeof(ode->type)));
    ode->rtol       = rtol;
    ode->atol       = atol;
    ode->maxsteps   = maxsteps;
    ode->senserrcon = errcon;
    ode->dense      = dense;
    if (wassetup) PetscCall(PnlmeODESetUp(ode));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PnlmeODEGetInstance(PnlmeODE ode, const PnlmeODEBackend *ops, PnlmeODEInstance **inst)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < ode->ninst; i++)
    if (ode->inst[i].ops == ops) {
      *inst = &ode->inst[i];
      PetscFunctionReturn(0);
    }
  PetscCheck(ode->ninst < PNLME_ODE_MAX_INSTANCES, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many integrator instances");
  if (!ode->sunctx && ops != &PnlmeODEBackendDopri5) PetscCheck(!SUNContext_Create(NULL, &ode->sunctx), PETSC_COMM_SELF, PETSC_ERR_LIB, "SUNContext_Create failed");
  ode->inst[ode->ninst].ops  = ops;
  ode->inst[ode->ninst].data = NULL;
  PetscCall(ops->create(ode, &ode->inst[ode->ninst].data));
  *inst = &ode->inst[ode->ninst++];
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeODESetUp(PnlmeODE ode)
{
  PnlmeModel             m = ode->m;
  const PnlmeODEBackend *ops;
  PetscInt               n, p;
  PetscFunctionBegin;
  if (ode->setupcalled) PetscFunctionReturn(0);
  ode->n = n = m->nstate;
  ode->p = p   = m->nparam;
  ode->p0      = m->nparam0;
  PetscCheck(n > 0 && p > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "ODE model %s: %" PetscInt_FMT " states, %" PetscInt_FMT " parameters", ((PetscObject)m)->type_name, n, p);
  ode->rhs      = m->mops.rhs;
  ode->jac      = m->mops.jac;
  ode->rhsp     = m->mops.rhsp;
  ode->init     = m->mops.init;
  ode->output   = m->mops.output;
  ode->ctx      = m->ctx;
  ode->rhsmany  = m->mops.rhsmany;
  ode->jacmany  = m->mops.jacmany;
  ode->rhspmany = m->mops.rhspmany;
  ode->analytic = (ode->jac && ode->rhsp) ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscCalloc1(n, &ode->forcing));
  PetscCall(PetscCalloc1(n, &ode->ninf));
  PetscCall(PetscCalloc1(p, &ode->phi));
  PetscCall(PetscCalloc1(p, &ode->pbar));
  PetscCall(PetscCalloc1(n, &ode->x));
  PetscCall(PetscCalloc1(n * p, &ode->S));
  PetscCall(PetscMalloc3(p, &ode->scol, p, &ode->spos, p, &ode->smask));
  for (PetscInt k = 0; k < p; k++) {
    ode->scol[k] = ode->spos[k] = k;
    ode->smask[k]               = PETSC_TRUE;
  }
  ode->ns = p;
  PetscCall(PetscCalloc1(n * n, &ode->J));
  PetscCall(PetscCalloc1(n * p, &ode->Fp));
  PetscCall(PetscCalloc1(n, &ode->wx));
  PetscCall(PetscCalloc1(n, &ode->wf));
  PetscCall(PetscCalloc1(p, &ode->wphi));
  PetscCall(PetscCalloc1(n, &ode->wx2));
  PetscCall(PetscCalloc1(n * p, &ode->wdx0));
  PetscCall(PetscCalloc1(n, &ode->dydx));
  PetscCall(PetscCalloc1(p, &ode->dydp));
  PetscCall(PetscCalloc1(n, &ode->fm));
  PetscCall(PetscCalloc1(n, &ode->fp));
  ops = PnlmeODEResolve(ode);
  PetscCheck(ops, PETSC_COMM_SELF, PETSC_ERR_ARG_UNKNOWN_TYPE, "-ode_integrator %s: unknown integrator", ode->type);
  PetscCall(PnlmeODEGetInstance(ode, ops, &ode->be));
  /* sensitivities by dopri5 when the integrator has none (arkode_erk) */
  if (ops->sens) ode->besens = ode->be;
  else PetscCall(PnlmeODEGetInstance(ode, &PnlmeODEBackendDopri5, &ode->besens));
  /* auto: a subject on which dopri5 fails or detects stiffness is redone with cvodes_bdf */
  if (!strcmp(ode->type, "auto") && ops == &PnlmeODEBackendDopri5) PetscCall(PnlmeODEGetInstance(ode, &PnlmeODEBackendCVODESBDF, &ode->befallback));
  if (ode->be->ops == &PnlmeODEBackendDopri5) PetscCall(PnlmeODELanesCreate(ode, &ode->lanes));
  ode->nrhs = ode->nsteps = ode->nsolve = ode->nfallback = 0;
  ode->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeODEGetName(PnlmeODE ode, const char **name)
{
  const PnlmeODEBackend *ops = PnlmeODEResolve(ode);
  PetscFunctionBegin;
  *name = ops ? ops->name : ode->type;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeODEGetStats(PnlmeODE ode, PetscInt64 *nrhs, PetscInt64 *nsteps)
{
  PetscFunctionBegin;
  if (nrhs) *nrhs = ode->nrhs;
  if (nsteps) *nsteps = ode->nsteps;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeODEView(PnlmeODE ode, PetscViewer v)
{
  const char *name;
  PetscFunctionBegin;
  PetscCall(PnlmeODEGetName(ode, &name));
  if (!strcmp(ode->type, "auto")) {
    if (!strcmp(name, "dopri5")) PetscCall(PetscViewerASCIIPrintf(v, "ODE integrator: dopri5 (auto: non-stiff model with %" PetscInt_FMT " states; a subject on which it fails or detects stiffness is redone with cvodes_bdf)\n", ode->m->nstate));
    else PetscCall(PetscViewerASCIIPrintf(v, "ODE integrator: %s (auto: %s)\n", name, ode->m->stiff ? "the model is declared stiff" : "more than 20 states"));
  } else {
    PetscCall(PetscViewerASCIIPrintf(v, "ODE integrator: %s%s\n", name, !strcmp(name, "arkode_erk") ? " (sensitivities by dopri5)" : ""));
  }
  PetscCall(PetscViewerASCIIPushTab(v));
  PetscCall(PetscViewerASCIIPrintf(v, "rtol %g, atol %g x subject scale, at most %" PetscInt_FMT " steps between events, sensitivity error control %s%s\n", (double)ode->rtol, (double)ode->atol, ode->maxsteps, ode->senserrcon ? "on" : "off", ode->dense ? ", dopri5 dense output" : ""));
  PetscCall(PetscViewerASCIIPrintf(v, "sensitivity right-hand side: %s\n", (ode->m->mops.jac && ode->m->mops.rhsp) ? "analytic (jac, rhsp)" : "finite differences"));
  if (ode->setupcalled) PetscCall(PetscViewerASCIIPrintf(v, "solves %" PetscInt64_FMT " (%" PetscInt64_FMT " redone by the fallback), rhs evaluations %" PetscInt64_FMT ", steps %" PetscInt64_FMT "\n", ode->nsolve, ode->nfallback, ode->nrhs, ode->nsteps));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

/* ---------------- hot path: no allocation, no PETSc errors */

int PnlmeODESensRhs(PnlmeODE ode, PetscReal t, const PetscReal x[], const PetscReal f[], const PetscReal S[], PetscReal Sdot[])
{
  const PetscInt  n = ode->n, p = ode->p, p0 = ode->p0, ns = ode->ns;
  const PetscInt *scol = ode->scol;
  if (ode->analytic) {
    const PetscReal *J = ode->J, *Fp = ode->Fp;
    if (ode->jac(t, x, ode->phi, ode->J, ode->ctx) || ode->rhsp(t, x, ode->phi, ode->Fp, ode->ctx)) return PNLME_ODE_ERR_MODEL;
    /* each entry summed in a register over j in order (the zeros of J skipped): the bits of the
       row-by-row sum, without a store and a reload of the row for every j */
    for (PetscInt i = 0; i < n; i++) {
      PetscReal       *row = Sdot + i * ns;
      const PetscReal *Ji  = J + i * n;
      for (PetscInt c = 0; c < ns; c++) {
        PetscReal v = scol[c] < p0 ? Fp[i * p0 + scol[c]] : 0.0; /* dose parameters: not in the rhs */
        for (PetscInt j = 0; j < n; j++)
          if (Ji[j] != 0.0) v += Ji[j] * S[j * ns + c];
        row[c] = v;
      }
    }
    return 0;
  }
  /* directional forward differences: d/d eps f(t, x + eps S_k, phi + eps e_k) */
  for (PetscInt k = 0; k < p; k++) ode->wphi[k] = ode->phi[k];
  for (PetscInt c = 0; c < ns; c++) {
    const PetscInt  k = scol[c];
    const PetscReal d = 1.4901161193847656e-08 * ode->pbar[k];
    if (k < p0) ode->wphi[k] += d; /* dose parameters are not in the rhs: the direction is (S_k, 0) */
    for (PetscInt i = 0; i < n; i++) ode->wx[i] = x[i] + d * S[i * ns + c];
    if (ode->rhs(t, ode->wx, ode->wphi, ode->wf, ode->ctx)) return PNLME_ODE_ERR_MODEL;
    ode->nrhs++;
    for (PetscInt i = 0; i < n; i++) Sdot[i * ns + c] = (ode->wf[i] + ode->forcing[i] - f[i]) / d;
    ode->wphi[k] = ode->phi[k];
  }
  return 0;
}

/* x = x0(phi), S = dx0/dphi (central differences for the columns the model leaves unset; the model's
   dx0 has p0 columns, the dose parameters' are 0), infusions stopped */
int PnlmeODEStart(PnlmeODE ode)
{
  const PetscInt n = ode->n, p = ode->p, p0 = ode->p0;
  for (PetscInt i = 0; i < n; i++) {
    ode->forcing[i] = 0.0;
    ode->ninf[i]    = 0;
  }
  ode->nforce = 0;
  if (!ode->withsens) {
    if (ode->init(ode->phi, ode->x, NULL, ode->ctx)) return PNLME_ODE_ERR_MODEL;
  } else {
    const PetscInt ns = ode->ns;
    PetscReal     *S  = p0 < p || ns < p ? ode->wdx0 : ode->S;
    for (PetscInt i = 0; i < n * p0; i++) S[i] = NAN;
    if (ode->init(ode->phi, ode->x, S, ode->ctx)) return PNLME_ODE_ERR_MODEL;
    for (PetscInt k = 0; k < p0; k++) {
      PetscBool missing = PETSC_FALSE;
      if (ode->spos[k] < 0) continue; /* not integrated */
      for (PetscInt i = 0; i < n; i++)
        if (isnan(S[i * p0 + k])) missing = PETSC_TRUE;
      if (!missing) continue;
      const PetscReal h = 6.0554544523933395e-06 * ode->pbar[k];
      for (PetscInt j = 0; j < p; j++) ode->wphi[j] = ode->phi[j];
      ode->wphi[k] = ode->phi[k] + h;
      if (ode->init(ode->wphi, ode->wx, NULL, ode->ctx)) return PNLME_ODE_ERR_MODEL;
      ode->wphi[k] = ode->phi[k] - h;
      if (ode->init(ode->wphi, ode->wx2, NULL, ode->ctx)) return PNLME_ODE_ERR_MODEL;
      for (PetscInt i = 0; i < n; i++) S[i * p0 + k] = (ode->wx[i] - ode->wx2[i]) / (2 * h);
    }
    if (S != ode->S)
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt c = 0; c < ns; c++) ode->S[i * ns + c] = ode->scol[c] < p0 ? S[i * p0 + ode->scol[c]] : 0.0;
  }
  for (PetscInt i = 0; i < n; i++) ode->scale = PetscMax(ode->scale, PetscAbsReal(ode->x[i]));
  return 0;
}

/* pred[j] = g(t, x), and its row of sensitivities dy/dx S + dy/dphi (central differences for the
   derivatives the model leaves unset) */
static int PnlmeODEObserve(PnlmeODE ode, PetscReal t, PetscInt j, PetscInt iout, PetscReal pred[], PetscReal sens[])
{
  const PetscInt  n = ode->n, p = ode->p, p0 = ode->p0, ns = ode->ns;
  const PetscInt *scol = ode->scol;
  PetscReal     *dydx = ode->dydx, *dydp = ode->dydp, *row, y;
  if (!sens) return ode->output(t, ode->x, ode->phi, iout, &pred[j], NULL, NULL, ode->ctx) ? PNLME_ODE_ERR_MODEL : 0;
  for (PetscInt i = 0; i < n; i++) dydx[i] = NAN;
  for (PetscInt k = 0; k < p0; k++) dydp[k] = NAN;
  for (PetscInt k = p0; k < p; k++) dydp[k] = 0.0; /* the output does not depend on dose parameters */
  if (ode->output(t, ode->x, ode->phi, iout, &y, dydx, dydp, ode->ctx)) return PNLME_ODE_ERR_MODEL;
  pred[j] = y;
  for (PetscInt i = 0; i < n; i++) {
    if (!isnan(dydx[i])) continue;
    PetscReal yp, ym, xi = ode->x[i], h = 6.0554544523933395e-06 * PetscMax(PetscAbsReal(xi), 1e-6 * (ode->scale > 0 ? ode->scale : 1.0)); /* scale 0: nothing dosed yet */
    for (PetscInt l = 0; l < n; l++) ode->wx[l] = ode->x[l];
    ode->wx[i] = xi + h;
    if (ode->output(t, ode->wx, ode->phi, iout, &yp, NULL, NULL, ode->ctx)) return PNLME_ODE_ERR_MODEL;
    ode->wx[i] = xi - h;
    if (ode->output(t, ode->wx, ode->phi, iout, &ym, NULL, NULL, ode->ctx)) return PNLME_ODE_ERR_MODEL;
    dydx[i] = (yp - ym) / (2 * h);
  }
  for (PetscInt k = 0; k < p0; k++) {
    if (!isnan(dydp[k]) || ode->spos[k] < 0) continue; /* given, or not asked for */
    PetscReal yp, ym, h = 6.0554544523933395e-06 * ode->pbar[k];
    for (PetscInt l = 0; l < p; l++) ode->wphi[l] = ode->phi[l];
    ode->wphi[k] = ode->phi[k] + h;
    if (ode->output(t, ode->x, ode->wphi, iout, &yp, NULL, NULL, ode->ctx)) return PNLME_ODE_ERR_MODEL;
    ode->wphi[k] = ode->phi[k] - h;
    if (ode->output(t, ode->x, ode->wphi, iout, &ym, NULL, NULL, ode->ctx)) return PNLME_ODE_ERR_MODEL;
    dydp[k] = (yp - ym) / (2 * h);
  }
  row = sens + j * p;
  if (ns < p)
    for (PetscInt k = 0; k < p; k++) row[k] = 0.0; /* the columns not asked for */
  for (PetscInt c = 0; c < ns; c++) row[scol[c]] = dydp[scol[c]];
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal  a  = dydx[i];
    const PetscReal *Si = ode->S + i * ns;
    if (a != 0.0)
      for (PetscInt c = 0; c < ns; c++) row[scol[c]] += a * Si[c];
  }
  return 0;
}

/* A bolus at a time that moves with a lag tau (and an amount F amount0) on the sensitivities: the state
   just after it, x+ = x- + a e_st, seen from a later time depends on tau through
   d x(tau+) / d tau = f(tau, x-) - f(tau, x+), and on F through d x+ / dF = amount0 e_st. */
static int PnlmeODEMovingBolus(PnlmeODE ode, PetscReal t, PetscInt st, const PnlmeEvent *e, const PnlmeDoseInfo *di)
{
  const PetscInt n = ode->n, ns = ode->ns, clag = di->ilag >= 0 ? ode->spos[di->ilag] : -1, cbio = di->ibio >= 0 ? ode->spos[di->ibio] : -1;
  PetscReal     *x = ode->x, *S = ode->S;
  if (clag >= 0 && PnlmeODERhs(ode, t, x, ode->fm)) return PNLME_ODE_ERR_MODEL;
  x[st] += e->amount;
  if (clag >= 0) {
    if (PnlmeODERhs(ode, t, x, ode->fp)) return PNLME_ODE_ERR_MODEL;
    for (PetscInt i = 0; i < n; i++) S[i * ns + clag] += ode->fm[i] - ode->fp[i];
  }
  if (cbio >= 0) S[st * ns + cbio] += di->amount0;
  return 0;
}

/* Event i of subject s (timeline with dose information info, NULL without dose parameters) at time t,
   the state x (and S) advanced to it: an observation's prediction (and its sensitivities), a dose (with
   the jumps of the sensitivities to a lag and a bioavailability), a reset.  Sets *dirty when the
   integrator must restart.  Shared by the drivers of one subject (below) and of the SIMD lanes (lanes.c). */
int PnlmeODEEvent(PnlmeODE ode, const PnlmeSubject *s, const PnlmeDoseInfo info[], PetscInt i, PetscReal t, PetscReal pred[], PetscReal sens[], int *dirty)
{
  const PnlmeEvent *e = &s->ev[i];
  const PetscInt    n = ode->n;
  PetscReal        *x = ode->x, *S = ode->S;
  PetscInt          st;
  int               rc;
  switch (e->type) {
  case PNLME_EV_OBS:
    if ((rc = PnlmeODEObserve(ode, t, e->index, s->obsout ? s->obsout[e->index] : 0, pred, sens))) return rc;
    break;
  case PNLME_EV_BOLUS:
  case PNLME_EV_INFUSION_START:
  case PNLME_EV_INFUSION_END:
    if ((st = PnlmeODEDoseState(ode->m, e->cmt)) < 0 || st >= n) return PNLME_ODE_ERR_DATA;
    if (sens && info) { /* the jumps of the sensitivities to a lag and a bioavailability */
      const PnlmeDoseInfo *di = &info[i];
      if (e->type == PNLME_EV_BOLUS && (di->ilag >= 0 || di->ibio >= 0)) {
        if ((rc = PnlmeODEMovingBolus(ode, t, st, e, di))) return rc;
        ode->scale = PetscMax(ode->scale, PetscAbsReal(x[st]));
        *dirty     = 1;
        break;
      }
      const PetscInt       clag = di->ilag >= 0 ? ode->spos[di->ilag] : -1, cbio = di->ibio >= 0 ? ode->spos[di->ibio] : -1;
      /* a start that moves with the lag: d x / d tau jumps by f(x) - (f(x) + rate e_st) */
      if (e->type == PNLME_EV_INFUSION_START && clag >= 0) S[st * ode->ns + clag] -= e->amount;
      /* an end at t + Tlag + F duration0: d x / d tau jumps by (f(x) + rate e_st) - f(x), d x / dF by
         duration0 times that */
      if (e->type == PNLME_EV_INFUSION_END && di->end) {
        if (clag >= 0) S[st * ode->ns + clag] += e->amount;
        if (cbio >= 0) S[st * ode->ns + cbio] += e->amount * di->duration0;
      }
    }
    (void)PnlmeODEApplyDose(e, st, x, ode->forcing, ode->ninf, &ode->nforce, &ode->scale);
    *dirty = 1;
    break;
  case PNLME_EV_RESET:
    if ((rc = PnlmeODEStart(ode))) return rc;
    *dirty = 1;
    break;
  default:
    return PNLME_ODE_ERR_DATA;
  }
  return 0;
}

static int PnlmeODEDrive(PnlmeODE ode, PnlmeODEInstance *be, const PnlmeSubject *s, const PnlmeDoseInfo info[], PetscReal pred[], PetscReal sens[])
{
  const PnlmeEvent *ev  = s->ev;
  const PetscInt    nev = s->nev;
  PetscReal        *x = ode->x, *S = ode->S, t;
  PetscInt          inext = -1;
  int               dirty = 1, rc;

  if (nev <= 0) return 0;
  ode->withsens = sens ? 1 : 0;
  ode->scale    = 0.0;
  t             = PetscMin(0.0, ev[0].time);
  if ((rc = PnlmeODEStart(ode))) return rc;
  for (PetscInt i = 0; i < nev; i++) {
    const PnlmeEvent *e = &ev[i];
    if (e->time - t <= 1e-13 * PetscMax(1.0, PetscAbsReal(t))) t = PetscMax(t, e->time); /* same time up to round-off: the integrators cannot step that */
    else {
      PetscReal tstop;
      if (dirty) {
        ode->atoleff = ode->atol * (ode->scale > 0 ? ode->scale : 1.0);
        if ((rc = be->ops->reinit(ode, be->data, t, x, S))) return rc;
        dirty = 0;
      }
      if (inext < i) { /* the next discontinuity at or after event i: the integrator must stop there */
        inext = i;
        while (inext < nev && ev[inext].type == PNLME_EV_OBS) inext++;
      }
      tstop = (be->ops->interp || ode->dense) ? (inext < nev ? ev[inext].time : ev[nev - 1].time) : e->time;
      if ((rc = be->ops->advance(ode, be->data, e->time, tstop, x, S))) return rc;
      t = e->time;
    }
    if ((rc = PnlmeODEEvent(ode, s, info, i, t, pred, sens, &dirty))) return rc;
  }
  return 0;
}

/* the sensitivity columns of the next solve: those asked for (smask) when `subset`, else all */
static void PnlmeODEUseColumns(PnlmeODE ode, PetscBool subset)
{
  ode->ns = 0;
  for (PetscInt k = 0; k < ode->p; k++) {
    ode->spos[k] = -1;
    if (subset && !ode->smask[k]) continue;
    ode->spos[k]          = ode->ns;
    ode->scol[ode->ns++] = k;
  }
}

/* The parameters whose sensitivities the next solves must give (NULL: all).  The other columns of
   sens are 0 when the integrator can leave them out (dopri5 without -ode_sens_errcon, where each
   column is integrated on its own: the columns asked for have the same bits as in a solve of all),
   otherwise computed. */
void PnlmeODESetSensitivityMask(PnlmeODE ode, const PetscBool mask[])
{
  for (PetscInt k = 0; k < ode->p; k++) ode->smask[k] = mask ? mask[k] : PETSC_TRUE;
}

/* the subject again with the fallback integrator of auto mode after a dopri5 failure it may cure (with
   sensitivities, all columns: the fallback's are coupled through its error control) */
static inline int PnlmeODEFallback(PnlmeODE ode, PnlmeODEInstance *be, int rc, const PnlmeSubject *s, const PnlmeDoseInfo info[], PetscReal pred[], PetscReal sens[])
{
  if (!rc || !ode->befallback || be == ode->befallback || !(rc == PNLME_ODE_ERR_STIFF || rc == PNLME_ODE_ERR_MAXSTEPS || rc == PNLME_ODE_ERR_STEPSIZE)) return rc;
  ode->nfallback++;
  if (sens) PnlmeODEUseColumns(ode, PETSC_FALSE);
  return PnlmeODEDrive(ode, ode->befallback, s, info, pred, sens);
}

static inline void PnlmeODESetParameters(PnlmeODE ode, const PetscReal phi[])
{
  for (PetscInt k = 0; k < ode->p; k++) {
    ode->phi[k]  = phi[k];
    ode->pbar[k] = phi[k] != 0.0 ? PetscAbsReal(phi[k]) : 1.0;
  }
}

int PnlmeODESolveMany(PnlmeODE ode, PetscInt nb, const PnlmeSubject *const s[], const PnlmeDoseInfo *const info[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], const PnlmePredictStop *stop, int rc[])
{
  if (!ode->setupcalled) return PNLME_ODE_ERR_SOLVER;
  /* one set, or sensitivities under error control: dopri5.c does the same operations with less bookkeeping
     (the lanes exist for dopri5 only, which also integrates the sensitivities) */
  if (!ode->lanes || nb < 2 || (sens && ode->senserrcon)) {
    for (PetscInt L = 0; L < nb; L++) rc[L] = stop && stop->budget[L] < 0 ? PNLME_MODEL_STOPPED : PnlmeODESolveSubject(ode, s[L], info ? info[L] : NULL, phi + L * ode->p, pred[L], sens ? sens[L] : NULL);
    return 0;
  }
  if (sens) PnlmeODEUseColumns(ode, PETSC_TRUE); /* dopri5 without error control on S: the columns asked for */
  (void)PnlmeODELanesSolve(ode, nb, s, info, phi, pred, sens, stop, rc);
  for (PetscInt L = 0; L < nb; L++)
    if (rc[L] > 0) {
      PnlmeODESetParameters(ode, phi + L * ode->p);
      rc[L] = PnlmeODEFallback(ode, ode->be, rc[L], s[L], info ? info[L] : NULL, pred[L], sens ? sens[L] : NULL);
    }
  return 0;
}

int PnlmeODESolveSubject(PnlmeODE ode, const PnlmeSubject *s, const PnlmeDoseInfo info[], const PetscReal phi[], PetscReal pred[], PetscReal sens[])
{
  PnlmeODEInstance *be;
  int               rc;
  if (!ode->setupcalled) return PNLME_ODE_ERR_SOLVER;
  PnlmeODESetParameters(ode, phi);
  ode->nsolve++;
  be = sens ? ode->besens : ode->be;
  if (sens) PnlmeODEUseColumns(ode, (PetscBool)(be->ops == &PnlmeODEBackendDopri5 && !ode->senserrcon));
  rc = PnlmeODEDrive(ode, be, s, info, pred, sens);
  return PnlmeODEFallback(ode, be, rc, s, info, pred, sens);
}

/* the relative tolerance of the next solves, without resetting the integrators (they read it at
   every solve): SAEM's E-step runs at a looser tolerance than the final likelihood */
PetscErrorCode PnlmeODESetRelativeTolerance(PnlmeODE ode, PetscReal rtol)
{
  PetscFunctionBegin;
  PetscCheck(rtol > 0 && rtol < 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "ODE relative tolerance %g: must be in (0, 1)", (double)rtol);
  ode->rtol = rtol;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeODEGetRelativeTolerance(PnlmeODE ode, PetscReal *rtol)
{
  PetscFunctionBegin;
  *rtol = ode->rtol;
  PetscFunctionReturn(0);
}

/* dopri5's dense output for the next solves, without resetting the integrators */
PetscErrorCode PnlmeODESetDenseOutput(PnlmeODE ode, PetscBool dense)
{
  PetscFunctionBegin;
  ode->dense = dense;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeODEGetDenseOutput(PnlmeODE ode, PetscBool *dense)
{
  PetscFunctionBegin;
  *dense = ode->dense;
  PetscFunctionReturn(0);
}
