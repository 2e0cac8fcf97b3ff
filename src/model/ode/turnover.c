/* turnover: indirect-response PK-PD model (warfarin-like), first-order absorption, one-compartment PK,
   inhibition of the response's production:
       dAd/dt = -ka Ad
       dAc/dt =  ka Ad - CL/V Ac
       dR/dt  =  kin (1 - Imax C / (IC50 + C)) - kout R,   C = Ac / V,  kin = R0 kout,  R(0) = R0
   Parameters ka, CL, V, R0, kout, IC50 (log-normal) and Imax (logit-normal, in (0, 1)).
   States: depot (CMT 1, doses), central (CMT 2, doses: IV bolus or infusion), response (CMT 3).
   Outputs: C (CMT 2) and R (CMT 3).  Analytic Jacobian, df/dphi and derivatives; the rhs, Jacobian and
   df/dphi of several problems in SIMD lanes (rhsmany, jacmany, rhspmany, for dopri5's lanes: each with
   the bits of the one-problem function, the same inline code with strides 1 or nl). */
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

/* J = df/dx and Fp = df/dphi of one problem whose entries are d apart (x[i d], p[k d], J[e d]): d = 1
   for one problem, nl for lane l of the lanes' layout */
static inline void TurnoverJ(const PetscReal *x, const PetscReal *p, PetscReal *J, PetscInt d)
{
  const PetscReal C = x[d] / p[V * d], q = p[IC50 * d] + C, dinhdC = p[IMAX * d] * p[IC50 * d] / (q * q);
  J[0]     = -p[KA * d];
  J[d]     = 0.0;
  J[2 * d] = 0.0;
  J[3 * d] = p[KA * d];
  J[4 * d] = -p[CL * d] / p[V * d];
  J[5 * d] = 0.0;
  J[6 * d] = 0.0;
  J[7 * d] = -p[R0 * d] * p[KOUT * d] * dinhdC / p[V * d];
  J[8 * d] = -p[KOUT * d];
}

static inline void TurnoverFp(const PetscReal *x, const PetscReal *p, PetscReal *Fp, PetscInt d)
{
  const PetscReal ka = p[KA * d], cl = p[CL * d], v = p[V * d], r0 = p[R0 * d], kout = p[KOUT * d], imax = p[IMAX * d], ic50 = p[IC50 * d];
  const PetscReal C = x[d] / v, q = ic50 + C, inh = imax * C / q, dinhdC = imax * ic50 / (q * q);
  PetscReal      *f0 = Fp, *f1 = Fp + NP * d, *f2 = Fp + 2 * NP * d;
  (void)ka;
  for (int k = 0; k < 3 * NP; k++) Fp[k * d] = 0.0;
  f0[KA * d]   = -x[0];
  f1[KA * d]   = x[0];
  f1[CL * d]   = -x[d] / v;
  f1[V * d]    = cl * x[d] / (v * v);
  f2[V * d]    = r0 * kout * dinhdC * x[d] / (v * v); /* dC/dV = -Ac/V^2 */
  f2[R0 * d]   = kout * (1.0 - inh);
  f2[KOUT * d] = r0 * (1.0 - inh) - x[2 * d];
  f2[IMAX * d] = -r0 * kout * C / q;
  f2[IC50 * d] = r0 * kout * imax * C / (q * q);
}

static int TurnoverJac(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal J[], void *ctx)
{
  (void)t;
  (void)ctx;
  TurnoverJ(x, p, J, 1);
  return 0;
}

static int TurnoverRHSP(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal Fp[], void *ctx)
{
  (void)t;
  (void)ctx;
  TurnoverFp(x, p, Fp, 1);
  return 0;
}

PNLME_SIMD_CLONES static int TurnoverJacMany(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal p[], PetscReal J[], void *ctx)
{
  (void)t;
  (void)ctx;
#pragma omp simd
  for (PetscInt l = 0; l < nl; l++) TurnoverJ(x + l, p + l, J + l, nl);
  return 0;
}

PNLME_SIMD_CLONES static int TurnoverRHSPMany(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal p[], PetscReal Fp[], void *ctx)
{
  (void)t;
  (void)ctx;
#pragma omp simd
  for (PetscInt l = 0; l < nl; l++) TurnoverFp(x + l, p + l, Fp + l, nl);
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
  ops.rhsmany  = TurnoverRHSMany;
  ops.jacmany  = TurnoverJacMany;
  ops.rhspmany = TurnoverRHSPMany;
  ops.jac    = TurnoverJac;
  ops.rhsp   = TurnoverRHSP;
  ops.init   = TurnoverInit;
  ops.output = TurnoverOutput;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}
