/* Private: the Dormand-Prince 5(4) tableau and the step-size control of DOPRI5 (Hairer, Norsett &
   Wanner, Solving ODEs I, II.4-II.6), shared by the one-subject integrator (dopri5.c) and the one that
   advances several subjects in SIMD lanes (lanes.c): both do the same operations in the same order,
   so a subject's trajectory has the same bits in either. */
#pragma once
#include "sys/vmath.h"

#define C2 (1.0 / 5.0)
#define C3 (3.0 / 10.0)
#define C4 (4.0 / 5.0)
#define C5 (8.0 / 9.0)
#define A21 (1.0 / 5.0)
#define A31 (3.0 / 40.0)
#define A32 (9.0 / 40.0)
#define A41 (44.0 / 45.0)
#define A42 (-56.0 / 15.0)
#define A43 (32.0 / 9.0)
#define A51 (19372.0 / 6561.0)
#define A52 (-25360.0 / 2187.0)
#define A53 (64448.0 / 6561.0)
#define A54 (-212.0 / 729.0)
#define A61 (9017.0 / 3168.0)
#define A62 (-355.0 / 33.0)
#define A63 (46732.0 / 5247.0)
#define A64 (49.0 / 176.0)
#define A65 (-5103.0 / 18656.0)
#define A71 (35.0 / 384.0)
#define A73 (500.0 / 1113.0)
#define A74 (125.0 / 192.0)
#define A75 (-2187.0 / 6784.0)
#define A76 (11.0 / 84.0)
#define E1 (71.0 / 57600.0)
#define E3 (-71.0 / 16695.0)
#define E4 (71.0 / 1920.0)
#define E5 (-17253.0 / 339200.0)
#define E6 (22.0 / 525.0)
#define E7 (-1.0 / 40.0)
#define D1 (-12715105075.0 / 11282082432.0)
#define D3 (87487479700.0 / 32700410799.0)
#define D4 (-10690763975.0 / 1880347072.0)
#define D5 (701980252875.0 / 199316789632.0)
#define D6 (-1453857185.0 / 822651844.0)
#define D7 (69997945.0 / 29380423.0)

/* step-size control of DOPRI5: safety 0.9, factor in [1/5, 10], PI exponents 0.2 - 0.75 beta and beta = 0.04 */
#define SAFE 0.9
#define FACMIN 0.2
#define FACMAX 10.0
#define BETA 0.04
#define EXPO1 (0.2 - 0.75 * BETA)
#define DOPRI5_LFACOLD0 (-9.210340371976184) /* log(1e-4) */

/* The powers of the step-size control from the error estimate err of a step and the log of the
   previous accepted one: lerr = log err, e1 = err^expo1 (after a rejection), e2 = err^expo1 /
   facold^beta (after an acceptance), by the deterministic exp and log (the same bits in a vector lane
   as in scalar code); Dopri5Powers gives all three (lanes.c), scalar code only the one it needs. */
static inline PetscReal Dopri5LogErr(PetscReal err) { return PnlmeLogInline(PetscMax(err, 1e-300)); }
static inline PetscReal Dopri5E1(PetscReal lerr) { return PnlmeExpInline(EXPO1 * lerr); }
static inline PetscReal Dopri5E2(PetscReal lerr, PetscReal lfacold) { return PnlmeExpInline(EXPO1 * lerr - BETA * lfacold); }
static inline void      Dopri5Powers(PetscReal err, PetscReal lfacold, PetscReal *lerr, PetscReal *e1, PetscReal *e2)
{
  const PetscReal l = Dopri5LogErr(err);
  *lerr             = l;
  *e1               = Dopri5E1(l);
  *e2               = Dopri5E2(l, lfacold);
}

/* the next step size after a rejected step of size h (a non-finite estimate, e.g. an overflow, shrinks
   by the largest factor) */
static inline PetscReal Dopri5Rejected(PetscReal h, PetscReal err, PetscReal e1) { return err < 1e300 ? h / PetscMin(1.0 / FACMIN, e1 / SAFE) : h * FACMIN; }

/* after an accepted step of size h: PI control h_new = h / clamp(err^expo1 / facold^beta / safe,
   1/facmax, 1/facmin), not larger than h after a rejection; *lfacold becomes log(max(err, 1e-4)) */
static inline PetscReal Dopri5Accepted(PetscReal h, PetscReal lerr, PetscReal e2, int lastreject, PetscReal *lfacold)
{
  PetscReal fac = PetscMax(1.0 / FACMAX, PetscMin(1.0 / FACMIN, e2 / SAFE)), hnew = h / fac;
  *lfacold      = PetscMax(lerr, DOPRI5_LFACOLD0);
  return lastreject ? PetscMin(hnew, h) : hnew;
}

/* Hairer's initial step from dnf = |f0/sk|^2 and dny = |y/sk|^2: the trial step h0 (then
   der2 = |(f(t+h0, y+h0 f0) - f0)/sk|^2 is measured) and the step, at most hmax */
static inline PetscReal Dopri5InitialTrial(PetscReal dnf, PetscReal dny, PetscReal hmax)
{
  PetscReal h = (dnf <= 1e-10 || dny <= 1e-10) ? 1e-6 : sqrt(dny / dnf) * 0.01;
  return PetscMin(h, hmax);
}
static inline PetscReal Dopri5InitialFinal(PetscReal h, PetscReal dnf, PetscReal der2, PetscReal hmax)
{ /* without branches, so that it runs in SIMD lanes too (lanes.c) */
  const PetscReal d2 = sqrt(der2) / h, der12 = PetscMax(d2, sqrt(dnf));
  const PetscReal h1 = der12 <= 1e-15 ? PetscMax(1e-6, h * 1e-3) : PnlmeExpInline(0.2 * PnlmeLogInline(0.01 / der12));
  const PetscReal hf = PetscMin(PetscMin(100 * h, h1), hmax);
  return dnf == 0.0 && der2 == 0.0 ? hmax : hf; /* at rest (for example before the first dose): one step to tstop */
}

/* Hairer's stiffness test after an accepted step: h |lambda| ~ h |f(y1) - f(ys)| / |y1 - ys| near the
   stability limit 3.3; returns 1 when stiffness is detected (15 times without 6 non-stiff steps between).
   Without branches, so that it runs in SIMD lanes too (lanes.c). */
static inline int Dopri5StiffTest(PetscReal h, PetscReal stnum, PetscReal stden, int *iasti, int *nonsti)
{
  const int near = stden > 0 && h * h * stnum > 3.25 * 3.25 * stden, ns = near ? 0 : *nonsti + 1, ia = near ? *iasti + 1 : (ns == 6 ? 0 : *iasti);
  *nonsti = ns;
  *iasti  = ia;
  return near && ia == 15;
}

/* 4th-order dense output of the last step [told, told + h] of one component: its coefficients from the
   step's ends and stages, and its value at th = (t - told)/h */
static inline void Dopri5DenseCoefficients(PetscReal h, PetscReal y, PetscReal yold, PetscReal k1, PetscReal k3, PetscReal k4, PetscReal k5, PetscReal k6, PetscReal k7, PetscReal rc[4])
{
  const PetscReal ydiff = y - yold, bspl = h * k1 - ydiff;
  rc[0] = ydiff;
  rc[1] = bspl;
  rc[2] = ydiff - h * k7 - bspl;
  rc[3] = h * (D1 * k1 + D3 * k3 + D4 * k4 + D5 * k5 + D6 * k6 + D7 * k7);
}
static inline PetscReal Dopri5DenseValue(PetscReal yold, PetscReal th, const PetscReal rc[4])
{
  const PetscReal th1 = 1.0 - th;
  return yold + th * (rc[0] + th1 * (rc[1] + th * (rc[2] + th1 * rc[3])));
}
