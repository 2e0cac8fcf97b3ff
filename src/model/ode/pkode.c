/* The closed-form oral PK models written as ODEs, with the same parameters, compartments and output as
   their closed forms (src/model/pk), so that the ODE path is checked against the closed form:
   - pk1_oral_ke_ode: dAd/dt = -ka Ad, dAc/dt = ka Ad - ke Ac, C = Ac / V   (parameters ka, ke, V)
   - pk2_oral_cl_ode: dAd/dt = -ka Ad
                      dAc/dt = ka Ad - (CL + Q)/V1 Ac + Q/V2 Ap
                      dAp/dt = Q/V1 Ac - Q/V2 Ap,  C = Ac / V1            (parameters ka, CL, V1, Q, V2)
   Depot CMT 1, central CMT 2 (doses into both), peripheral CMT 3; output C on CMT 2; zero initial
   amounts.  Analytic Jacobian, df/dphi and output derivatives. */
#include "model/ode/odemodels.h"

/* ---- one compartment, (ka, ke, V) */
enum { P1_KA, P1_KE, P1_V };

static int PK1RHS(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  (void)t;
  (void)ctx;
  f[0] = -p[P1_KA] * x[0];
  f[1] = p[P1_KA] * x[0] - p[P1_KE] * x[1];
  return 0;
}

static int PK1Jac(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal J[], void *ctx)
{
  (void)t;
  (void)x;
  (void)ctx;
  J[0] = -p[P1_KA];
  J[1] = 0.0;
  J[2] = p[P1_KA];
  J[3] = -p[P1_KE];
  return 0;
}

static int PK1RHSP(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal Fp[], void *ctx)
{
  (void)t;
  (void)p;
  (void)ctx;
  Fp[0] = -x[0];
  Fp[1] = 0.0;
  Fp[2] = 0.0;
  Fp[3] = x[0];
  Fp[4] = -x[1];
  Fp[5] = 0.0;
  return 0;
}

static int PK1Init(const PetscReal p[], PetscReal x0[], PetscReal dx0[], void *ctx)
{
  (void)p;
  (void)ctx;
  x0[0] = x0[1] = 0.0;
  if (dx0)
    for (int k = 0; k < 6; k++) dx0[k] = 0.0;
  return 0;
}

static int PK1Output(PetscReal t, const PetscReal x[], const PetscReal p[], PetscInt iout, PetscReal *y, PetscReal dydx[], PetscReal dydp[], void *ctx)
{
  (void)t;
  (void)iout;
  (void)ctx;
  *y = x[1] / p[P1_V];
  if (dydx) {
    dydx[0] = 0.0;
    dydx[1] = 1.0 / p[P1_V];
  }
  if (dydp) {
    dydp[P1_KA] = dydp[P1_KE] = 0.0;
    dydp[P1_V]                = -x[1] / (p[P1_V] * p[P1_V]);
  }
  return 0;
}

PetscErrorCode PnlmeModelCreate_PK1OralKeODE(PnlmeModel m)
{
  const char *const    names[] = {"ka", "ke", "V"};
  const PnlmeTransform tr[]    = {PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG};
  PnlmeModelOps        ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetDescription(m, "one compartment, first-order absorption (ka, ke, V), as an ODE"));
  PetscCall(PnlmeModelSetParameters(m, 3, names, tr));
  PetscCall(PnlmeModelSetNumStates(m, 2));
  PetscCall(PnlmeModelAddDoseCompartment(m, 1, 0));
  PetscCall(PnlmeModelAddDoseCompartment(m, 2, 1));
  PetscCall(PnlmeModelAddOutput(m, "C", 2));
  ops.rhs    = PK1RHS;
  ops.jac    = PK1Jac;
  ops.rhsp   = PK1RHSP;
  ops.init   = PK1Init;
  ops.output = PK1Output;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}

/* ---- two compartments, (ka, CL, V1, Q, V2) */
enum { P2_KA, P2_CL, P2_V1, P2_Q, P2_V2, P2_NP };

static int PK2RHS(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  PetscReal c1 = x[1] / p[P2_V1], c2 = x[2] / p[P2_V2];
  (void)t;
  (void)ctx;
  f[0] = -p[P2_KA] * x[0];
  f[1] = p[P2_KA] * x[0] - p[P2_CL] * c1 - p[P2_Q] * (c1 - c2);
  f[2] = p[P2_Q] * (c1 - c2);
  return 0;
}

static int PK2Jac(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal J[], void *ctx)
{
  (void)t;
  (void)x;
  (void)ctx;
  J[0] = -p[P2_KA];
  J[1] = 0.0;
  J[2] = 0.0;
  J[3] = p[P2_KA];
  J[4] = -(p[P2_CL] + p[P2_Q]) / p[P2_V1];
  J[5] = p[P2_Q] / p[P2_V2];
  J[6] = 0.0;
  J[7] = p[P2_Q] / p[P2_V1];
  J[8] = -p[P2_Q] / p[P2_V2];
  return 0;
}

static int PK2RHSP(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal Fp[], void *ctx)
{
  PetscReal  V1 = p[P2_V1], V2 = p[P2_V2], c1 = x[1] / V1, c2 = x[2] / V2;
  PetscReal *f0 = Fp, *f1 = Fp + P2_NP, *f2 = Fp + 2 * P2_NP;
  (void)t;
  (void)ctx;
  for (int k = 0; k < 3 * P2_NP; k++) Fp[k] = 0.0;
  f0[P2_KA] = -x[0];
  f1[P2_KA] = x[0];
  f1[P2_CL] = -c1;
  f1[P2_V1] = (p[P2_CL] + p[P2_Q]) * c1 / V1;
  f1[P2_Q]  = -(c1 - c2);
  f1[P2_V2] = -p[P2_Q] * c2 / V2;
  f2[P2_V1] = -p[P2_Q] * c1 / V1;
  f2[P2_Q]  = c1 - c2;
  f2[P2_V2] = p[P2_Q] * c2 / V2;
  return 0;
}

static int PK2Init(const PetscReal p[], PetscReal x0[], PetscReal dx0[], void *ctx)
{
  (void)p;
  (void)ctx;
  x0[0] = x0[1] = x0[2] = 0.0;
  if (dx0)
    for (int k = 0; k < 3 * P2_NP; k++) dx0[k] = 0.0;
  return 0;
}

static int PK2Output(PetscReal t, const PetscReal x[], const PetscReal p[], PetscInt iout, PetscReal *y, PetscReal dydx[], PetscReal dydp[], void *ctx)
{
  (void)t;
  (void)iout;
  (void)ctx;
  *y = x[1] / p[P2_V1];
  if (dydx) {
    dydx[0] = dydx[2] = 0.0;
    dydx[1]           = 1.0 / p[P2_V1];
  }
  if (dydp) {
    for (int k = 0; k < P2_NP; k++) dydp[k] = 0.0;
    dydp[P2_V1] = -x[1] / (p[P2_V1] * p[P2_V1]);
  }
  return 0;
}

PetscErrorCode PnlmeModelCreate_PK2OralClODE(PnlmeModel m)
{
  const char *const    names[] = {"ka", "CL", "V1", "Q", "V2"};
  const PnlmeTransform tr[]    = {PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG};
  PnlmeModelOps        ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetDescription(m, "two compartments, first-order absorption (ka, CL, V1, Q, V2), as an ODE"));
  PetscCall(PnlmeModelSetParameters(m, P2_NP, names, tr));
  PetscCall(PnlmeModelSetNumStates(m, 3));
  PetscCall(PnlmeModelAddDoseCompartment(m, 1, 0));
  PetscCall(PnlmeModelAddDoseCompartment(m, 2, 1));
  PetscCall(PnlmeModelAddOutput(m, "C", 2));
  ops.rhs    = PK2RHS;
  ops.jac    = PK2Jac;
  ops.rhsp   = PK2RHSP;
  ops.init   = PK2Init;
  ops.output = PK2Output;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}
