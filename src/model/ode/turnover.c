/* turnover: indirect-response PK-PD model (warfarin-like), first-order absorption, one-compartment PK,
   inhibition of the response's production:
       dAd/dt = -ka Ad
       dAc/dt =  ka Ad - CL/V Ac
       dR/dt  =  kin (1 - Imax C / (IC50 + C)) - kout R,   C = Ac / V,  kin = R0 kout,  R(0) = R0
   Parameters ka, CL, V, R0, kout, IC50 (log-normal) and Imax (logit-normal, in (0, 1)).
   States: depot (CMT 1, doses), central (CMT 2, doses: IV bolus or infusion), response (CMT 3).
   Outputs: C (CMT 2) and R (CMT 3).  Analytic Jacobian, df/dphi and derivatives; the rhs of several
   problems in SIMD lanes (rhsmany, for dopri5's lanes: each with the bits of the one-problem rhs). */
#include "model/ode/odemodels.h"
#include "sys/vmath.h"

enum { KA, CL, V, R0, KOUT, IMAX, IC50, NP };

/* the right-hand side of one problem: the operations of TurnoverRHS and of each lane of TurnoverRHSMany */
static inline void TurnoverF(PetscReal x0, PetscReal x1, PetscReal x2, PetscReal ka, PetscReal cl, PetscReal v, PetscReal r0, PetscReal kout, PetscReal imax, PetscReal ic50, PetscReal *f0, PetscReal *f1, PetscReal *f2)
{
  const PetscReal C = x1 / v, inh = imax * C / (ic50 + C);
  *f0 = -ka * x0;
  *f1 = ka * x0 - cl / v * x1;
  *f2 = r0 * kout * (1.0 - inh) - kout * x2;
}

static int TurnoverRHS(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  (void)t;
  (void)ctx;
  TurnoverF(x[0], x[1], x[2], p[KA], p[CL], p[V], p[R0], p[KOUT], p[IMAX], p[IC50], &f[0], &f[1], &f[2]);
  return 0;
}

/* nl problems in SIMD lanes (PnlmeModelOps.rhsmany: x[i nl + l], p[k nl + l]) */
PNLME_SIMD_CLONES static int TurnoverRHSMany(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  (void)t;
  (void)ctx;
#pragma omp simd
  for (PetscInt l = 0; l < nl; l++) TurnoverF(x[l], x[nl + l], x[2 * nl + l], p[KA * nl + l], p[CL * nl + l], p[V * nl + l], p[R0 * nl + l], p[KOUT * nl + l], p[IMAX * nl + l], p[IC50 * nl + l], &f[l], &f[nl + l], &f[2 * nl + l]);
  return 0;
}

static int TurnoverJac(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal J[], void *ctx)
{
  PetscReal C = x[1] / p[V], d = p[IC50] + C, dinhdC = p[IMAX] * p[IC50] / (d * d);
  (void)t;
  (void)ctx;
  J[0] = -p[KA];
  J[1] = 0.0;
  J[2] = 0.0;
  J[3] = p[KA];
  J[4] = -p[CL] / p[V];
  J[5] = 0.0;
  J[6] = 0.0;
  J[7] = -p[R0] * p[KOUT] * dinhdC / p[V];
  J[8] = -p[KOUT];
  return 0;
}

static int TurnoverRHSP(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal Fp[], void *ctx)
{
  PetscReal  C = x[1] / p[V], d = p[IC50] + C, inh = p[IMAX] * C / d, dinhdC = p[IMAX] * p[IC50] / (d * d);
  PetscReal *f0 = Fp, *f1 = Fp + NP, *f2 = Fp + 2 * NP;
  (void)t;
  (void)ctx;
  for (int k = 0; k < 3 * NP; k++) Fp[k] = 0.0;
  f0[KA]   = -x[0];
  f1[KA]   = x[0];
  f1[CL]   = -x[1] / p[V];
  f1[V]    = p[CL] * x[1] / (p[V] * p[V]);
  f2[V]    = p[R0] * p[KOUT] * dinhdC * x[1] / (p[V] * p[V]); /* dC/dV = -Ac/V^2 */
  f2[R0]   = p[KOUT] * (1.0 - inh);
  f2[KOUT] = p[R0] * (1.0 - inh) - x[2];
  f2[IMAX] = -p[R0] * p[KOUT] * C / d;
  f2[IC50] = p[R0] * p[KOUT] * p[IMAX] * C / (d * d);
  return 0;
}

static int TurnoverInit(const PetscReal p[], PetscReal x0[], PetscReal dx0[], void *ctx)
{
  (void)ctx;
  x0[0] = 0.0;
  x0[1] = 0.0;
  x0[2] = p[R0];
  if (dx0) {
    for (int k = 0; k < 3 * NP; k++) dx0[k] = 0.0;
    dx0[2 * NP + R0] = 1.0;
  }
  return 0;
}

static int TurnoverOutput(PetscReal t, const PetscReal x[], const PetscReal p[], PetscInt iout, PetscReal *y, PetscReal dydx[], PetscReal dydp[], void *ctx)
{
  (void)t;
  (void)ctx;
  if (dydx) dydx[0] = dydx[1] = dydx[2] = 0.0;
  if (dydp)
    for (int k = 0; k < NP; k++) dydp[k] = 0.0;
  if (iout == 0) {
    *y = x[1] / p[V];
    if (dydx) dydx[1] = 1.0 / p[V];
    if (dydp) dydp[V] = -x[1] / (p[V] * p[V]);
  } else if (iout == 1) {
    *y = x[2];
    if (dydx) dydx[2] = 1.0;
  } else return 1;
  return 0;
}

PetscErrorCode PnlmeModelCreate_Turnover(PnlmeModel m)
{
  const char *const    names[] = {"ka", "CL", "V", "R0", "kout", "Imax", "IC50"};
  const PnlmeTransform tr[]    = {PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOGIT, PNLME_TRANSFORM_LOG};
  PnlmeModelOps        ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetDescription(m, "indirect response (turnover) PK-PD: oral one-compartment PK, inhibition of kin = R0 kout by Imax C/(IC50+C)"));
  PetscCall(PnlmeModelSetParameters(m, NP, names, tr));
  PetscCall(PnlmeModelSetNumStates(m, 3));
  PetscCall(PnlmeModelAddDoseCompartment(m, 1, 0));
  PetscCall(PnlmeModelAddDoseCompartment(m, 2, 1));
  PetscCall(PnlmeModelAddOutput(m, "C", 2));
  PetscCall(PnlmeModelAddOutput(m, "R", 3));
  ops.rhs     = TurnoverRHS;
  ops.rhsmany = TurnoverRHSMany;
  ops.jac    = TurnoverJac;
  ops.rhsp   = TurnoverRHSP;
  ops.init   = TurnoverInit;
  ops.output = TurnoverOutput;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}
