/* neonate: neonatal weight progression (Wilbaux et al.; ../shared/brief/REFERENCES.md)
       dW/dt = kprod(t) - kel(t) W,  W(0) = W0
       kprod(t) = kin / (1 + exp(-2 (t - Tlag))),  kel(t) = kout (1 - t / (T50 + t)) = kout T50 / (T50 + t)
   Parameters W0, kin, Tlag, kout, T50 (log-normal); one state, no dosing; output W (CMT 1).
   Analytic Jacobian, df/dphi, dW0/dphi and output derivatives. */
#include "model/ode/odemodels.h"
#include "sys/vmath.h"
#include <math.h>

enum { W0, KIN, TLAG, KOUT, T50 };

/* s = 1 / (1 + exp(-2 (t - Tlag))), written so that it never overflows, with the deterministic exp (the
   same bits in SIMD lanes, NeonateRHSMany, as here) */
static inline PetscReal Sigmoid(PetscReal t, PetscReal tlag)
{
  const PetscReal u = -2.0 * (t - tlag), e = PnlmeExpInline(-PetscAbsReal(u)), r = 1.0 / (1.0 + e);
  return u > 0 ? e * r : r;
}

static inline PetscReal NeonateF(PetscReal t, PetscReal x, PetscReal kin, PetscReal tlag, PetscReal kout, PetscReal t50) { return kin * Sigmoid(t, tlag) - kout * t50 / (t50 + t) * x; }

static int NeonateRHS(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  (void)ctx;
  f[0] = NeonateF(t, x[0], p[KIN], p[TLAG], p[KOUT], p[T50]);
  return 0;
}

/* nl problems in SIMD lanes (PnlmeModelOps.rhsmany: p[k nl + l]); the lanes' usual width, 8, as a
   constant: no remainder loop */
static inline PNLME_DET_ALWAYS_INLINE void NeonateRHSLanes(PetscInt nl, const PetscReal *restrict t, const PetscReal *restrict x, const PetscReal *restrict p, PetscReal *restrict f)
{
  const PetscReal *kin = p + KIN * nl, *tlag = p + TLAG * nl, *kout = p + KOUT * nl, *t50 = p + T50 * nl;
#pragma omp simd
  for (PetscInt l = 0; l < nl; l++) f[l] = NeonateF(t[l], x[l], kin[l], tlag[l], kout[l], t50[l]);
}
PNLME_SIMD_CLONES static int NeonateRHSMany(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal p[], PetscReal f[], void *ctx)
{
  (void)ctx;
  if (nl == 8) NeonateRHSLanes(8, t, x, p, f);
  else NeonateRHSLanes(nl, t, x, p, f);
  return 0;
}

/* df/dphi of one problem whose parameters and entries are d apart (p[k d], Fp[k d]): d = 1 for one
   problem, nl for lane l of the lanes' layout */
static inline void NeonateFp(PetscReal t, PetscReal x, const PetscReal *p, PetscReal *Fp, PetscInt d)
{
  const PetscReal s = Sigmoid(t, p[TLAG * d]), q = 1.0 / (p[T50 * d] + t);
  Fp[W0 * d]   = 0.0;
  Fp[KIN * d]  = s;
  Fp[TLAG * d] = -2.0 * p[KIN * d] * s * (1.0 - s);
  Fp[KOUT * d] = -p[T50 * d] * q * x;
  Fp[T50 * d]  = -p[KOUT * d] * t * q * q * x;
}

static inline PetscReal NeonateJ(PetscReal t, PetscReal kout, PetscReal t50) { return -kout * t50 / (t50 + t); }

static int NeonateJac(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal J[], void *ctx)
{
  (void)ctx;
  (void)x;
  J[0] = NeonateJ(t, p[KOUT], p[T50]);
  return 0;
}

static int NeonateRHSP(PetscReal t, const PetscReal x[], const PetscReal p[], PetscReal Fp[], void *ctx)
{
  (void)ctx;
  NeonateFp(t, x[0], p, Fp, 1);
  return 0;
}

/* the same of nl problems in SIMD lanes (PnlmeModelOps.jacmany, rhspmany) */
PNLME_SIMD_CLONES static int NeonateJacMany(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal p[], PetscReal J[], void *ctx)
{
  const PetscReal *kout = p + KOUT * nl, *t50 = p + T50 * nl;
  (void)ctx;
  (void)x;
#pragma omp simd
  for (PetscInt l = 0; l < nl; l++) J[l] = NeonateJ(t[l], kout[l], t50[l]);
  return 0;
}

PNLME_SIMD_CLONES static int NeonateRHSPMany(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal p[], PetscReal Fp[], void *ctx)
{
  (void)ctx;
#pragma omp simd
  for (PetscInt l = 0; l < nl; l++) NeonateFp(t[l], x[l], p + l, Fp + l, nl);
  return 0;
}

static int NeonateInit(const PetscReal p[], PetscReal x0[], PetscReal dx0[], void *ctx)
{
  (void)ctx;
  x0[0] = p[W0];
  if (dx0) {
    for (int k = 0; k < 5; k++) dx0[k] = 0.0;
    dx0[W0] = 1.0;
  }
  return 0;
}

static int NeonateOutput(PetscReal t, const PetscReal x[], const PetscReal p[], PetscInt iout, PetscReal *y, PetscReal dydx[], PetscReal dydp[], void *ctx)
{
  (void)t;
  (void)p;
  (void)iout;
  (void)ctx;
  *y = x[0];
  if (dydx) dydx[0] = 1.0;
  if (dydp)
    for (int k = 0; k < 5; k++) dydp[k] = 0.0;
  return 0;
}

PetscErrorCode PnlmeModelCreate_Neonate(PnlmeModel m)
{
  const char *const    names[] = {"W0", "kin", "Tlag", "kout", "T50"};
  const PnlmeTransform tr[]    = {PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG};
  PnlmeModelOps        ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetDescription(m, "neonatal weight dW/dt = kin/(1+exp(-2(t-Tlag))) - kout (1 - t/(T50+t)) W, W(0) = W0"));
  PetscCall(PnlmeModelSetParameters(m, 5, names, tr));
  PetscCall(PnlmeModelSetNumStates(m, 1));
  PetscCall(PnlmeModelAddOutput(m, "W", 1));
  ops.rhs     = NeonateRHS;
  ops.rhsmany  = NeonateRHSMany;
  ops.jacmany  = NeonateJacMany;
  ops.rhspmany = NeonateRHSPMany;
  ops.jac    = NeonateJac;
  ops.rhsp   = NeonateRHSP;
  ops.init   = NeonateInit;
  ops.output = NeonateOutput;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}
