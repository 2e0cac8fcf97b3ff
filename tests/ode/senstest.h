/* Helpers of the sensitivity tests (test-ode-sens, test-ode-sens-mask): a neonate model without any
   derivative (difference quotients everywhere) and the timelines of the neonate, turnover and PK
   subjects. */
#pragma once
#include "odetest.h"

/* neonate without derivatives: init and output leave their derivative arguments untouched */
static inline int NJRhs(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  (void)ctx;
  f[0] = p[1] / (1.0 + exp(-2.0 * (t - p[2]))) - p[3] * (1.0 - t / (p[4] + t)) * x[0];
  return 0;
}
static inline int NJInit(const PetscReal p[], PetscReal x0[], PetscReal dx0[], void *ctx)
{
  (void)ctx;
  (void)dx0;
  x0[0] = p[0];
  return 0;
}
static inline int NJOutput(PetscReal t, const PetscReal x[], const PetscReal p[], PetscInt iout, PetscReal *y, PetscReal dydx[], PetscReal dydp[], void *ctx)
{
  (void)t, (void)p, (void)iout, (void)ctx, (void)dydx, (void)dydp;
  *y = x[0];
  return 0;
}
static inline PetscErrorCode NJCreate(PnlmeModel m)
{
  const char *const names[] = {"W0", "kin", "Tlag", "kout", "T50"};
  PnlmeModelOps     ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetParameters(m, 5, names, NULL));
  PetscCall(PnlmeModelSetNumStates(m, 1));
  PetscCall(PnlmeModelAddOutput(m, "W", 1));
  ops.rhs    = NJRhs;
  ops.init   = NJInit;
  ops.output = NJOutput;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}

static inline void NeonateTimeline(TSubject *ts)
{
  const PetscReal t[] = {0.0, 0.9, 1.9, 2.9, 3.9, 4.9, 6.9};
  TInit(ts);
  for (int i = 0; i < 7; i++) TObs(ts, t[i], 0);
  TFinish(ts);
}

static inline void TurnoverTimeline(TSubject *ts)
{
  const PetscReal t1[] = {0.5, 1, 2, 6, 12, 24}, t2[] = {31, 36, 48, 72, 96};
  TInit(ts);
  TObs(ts, 0.0, 1);
  TBolus(ts, 0.0, 100.0, 1);
  for (int i = 0; i < 6; i++) {
    TObs(ts, t1[i], 0);
    TObs(ts, t1[i], 1);
  }
  TBolus(ts, 24.0, 100.0, 1);
  TInfusion(ts, 30.0, 20.0, 3.0, 2);
  for (int i = 0; i < 5; i++) {
    TObs(ts, t2[i], 0);
    TObs(ts, t2[i], 1);
  }
  TFinish(ts);
}

static inline void PKTimeline(TSubject *ts)
{
  TInit(ts);
  TObs(ts, 0.0, 0);
  TBolus(ts, 0.0, 100.0, 1);
  TObs(ts, 0.5, 0);
  TObs(ts, 1.0, 0);
  TObs(ts, 3.0, 0);
  TBolus(ts, 4.0, 100.0, 1);
  TObs(ts, 5.0, 0);
  TInfusion(ts, 6.0, 50.0, 2.0, 2);
  TObs(ts, 7.0, 0);
  TObs(ts, 9.0, 0);
  TReset(ts, 12.0);
  TBolus(ts, 12.0, 120.0, 1);
  TObs(ts, 13.0, 0);
  TObs(ts, 24.0, 0);
  TFinish(ts);
}
