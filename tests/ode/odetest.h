/* Helpers of the ODE tests: hand-built subjects, models created with integrator options, and an exact
   reference for linear ODEs with piecewise-constant input (matrix exponential). */
#pragma once
#include <pnlmetest.h>
#include <string.h>

#define TMAXEV 128
typedef struct {
  PnlmeEvent   ev[TMAXEV];
  PetscReal    tobs[TMAXEV], dv[TMAXEV];
  PetscInt     obsout[TMAXEV];
  PetscInt     nev, nobs;
  PnlmeSubject s;
} TSubject;

static inline void TInit(TSubject *ts) { memset(ts, 0, sizeof(*ts)); }
static inline void TAdd(TSubject *ts, PetscReal t, PetscInt type, PetscReal amt, PetscReal dur, PetscInt cmt)
{
  if (ts->nev < TMAXEV) ts->ev[ts->nev++] = (PnlmeEvent){t, amt, dur, type, cmt, 0};
}
/* an observation of output iout (its cmt field carries the output index until TFinish) */
static inline void TObs(TSubject *ts, PetscReal t, PetscInt iout) { TAdd(ts, t, PNLME_EV_OBS, 0, 0, iout); }
static inline void TBolus(TSubject *ts, PetscReal t, PetscReal amt, PetscInt cmt) { TAdd(ts, t, PNLME_EV_BOLUS, amt, 0, cmt); }
static inline void TReset(TSubject *ts, PetscReal t) { TAdd(ts, t, PNLME_EV_RESET, 0, 0, 0); }
static inline void TInfusion(TSubject *ts, PetscReal t, PetscReal rate, PetscReal dur, PetscInt cmt)
{
  TAdd(ts, t, PNLME_EV_INFUSION_START, rate, dur, cmt);
  TAdd(ts, t + dur, PNLME_EV_INFUSION_END, rate, 0, cmt);
}
/* stable sort by time (insertion order at equal times), observation indices in time order */
static inline void TFinish(TSubject *ts)
{
  PnlmeTestSortTimeline(ts->ev, ts->nev);
  ts->nobs = 0;
  for (PetscInt i = 0; i < ts->nev; i++) {
    PnlmeEvent *e = &ts->ev[i];
    if (e->type != PNLME_EV_OBS) continue;
    ts->tobs[ts->nobs]   = e->time;
    ts->obsout[ts->nobs] = e->cmt;
    e->cmt               = 0;
    e->index             = ts->nobs++;
  }
  ts->s.id     = 1;
  ts->s.nobs   = ts->nobs;
  ts->s.tobs   = ts->tobs;
  ts->s.dv     = ts->dv;
  ts->s.obsout = ts->obsout;
  ts->s.nev    = ts->nev;
  ts->s.ev     = ts->ev;
}

/* a model of the given type with the given integrator options (NULL: leave as is) */
static inline PetscErrorCode TModel(const char type[], const char integ[], const char rtol[], const char atol[], PnlmeModel *m)
{
  PetscFunctionBegin;
  if (integ) PetscCall(PetscOptionsSetValue(NULL, "-ode_integrator", integ));
  if (rtol) PetscCall(PetscOptionsSetValue(NULL, "-ode_rtol", rtol));
  if (atol) PetscCall(PetscOptionsSetValue(NULL, "-ode_atol", atol));
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, m));
  PetscCall(PnlmeModelSetType(*m, type));
  PetscCall(PnlmeModelSetFromOptions(*m));
  PetscCall(PnlmeModelSetUp(*m));
  PetscFunctionReturn(0);
}

/* Exact solution of x' = A x + b(t) through the subject's timeline (b = infusion rates, piecewise
   constant), x(t0) = 0; doses into state dosestate[cmt]; pred = x[obsstate] / V. */
static inline void TLinearReference(PetscInt n, const PetscReal Amat[], const PetscInt dosestate[], PetscInt obsstate, PetscReal V, const PnlmeSubject *s, PetscReal pred[])
{
  PetscInt  ninf[8] = {0};
  PetscReal x[8] = {0}, b[8] = {0}, t = PetscMin(0.0, s->ev[0].time), M[64], E[64], xn[8];
  PetscInt  k = n + 1;
  for (PetscInt i = 0; i < s->nev; i++) {
    const PnlmeEvent *e = &s->ev[i];
    if (e->time > t) {
      PetscReal dt = e->time - t;
      for (PetscInt r = 0; r < k * k; r++) M[r] = 0;
      for (PetscInt r = 0; r < n; r++) {
        for (PetscInt c = 0; c < n; c++) M[r * k + c] = Amat[r * n + c] * dt;
        M[r * k + n] = b[r] * dt;
      }
      PnlmeTestExpm(k, M, E);
      for (PetscInt r = 0; r < n; r++) {
        PetscReal v = E[r * k + n];
        for (PetscInt c = 0; c < n; c++) v += E[r * k + c] * x[c];
        xn[r] = v;
      }
      for (PetscInt r = 0; r < n; r++) x[r] = xn[r];
      t = e->time;
    }
    switch (e->type) {
    case PNLME_EV_OBS:
      pred[e->index] = x[obsstate] / V;
      break;
    case PNLME_EV_BOLUS:
      x[dosestate[e->cmt]] += e->amount;
      break;
    case PNLME_EV_INFUSION_START:
      b[dosestate[e->cmt]] += e->amount;
      ninf[dosestate[e->cmt]]++;
      break;
    case PNLME_EV_INFUSION_END: /* an infusion stopped by a reset has nothing left to stop */
      if (ninf[dosestate[e->cmt]] > 0 && --ninf[dosestate[e->cmt]] == 0) b[dosestate[e->cmt]] = 0;
      else if (ninf[dosestate[e->cmt]] > 0) b[dosestate[e->cmt]] -= e->amount;
      break;
    case PNLME_EV_RESET:
      for (PetscInt r = 0; r < n; r++) x[r] = b[r] = 0, ninf[r] = 0;
      break;
    }
  }
}

static const char *const TIntegrators[] = {"dopri5", "cvodes_bdf", "cvodes_adams", "arkode_erk", "auto"};
#define TNINTEGRATORS 5
