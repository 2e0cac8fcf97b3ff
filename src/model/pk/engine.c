/* The superposition engine of the closed-form PK models.

   For each observation the engine sums the contributions of the doses given since the last reset and
   listed before the observation in the subject's timeline (a dose row after an observation at the same
   time does not count: pre-dose samples).  Unit responses u = t - t_dose after the dose:
     central input, bolus      c e^{-lam u}
     central input, infusion   c (1 - e^{-lam u1}) / lam e^{-lam u2},  u1 = min(u, T), u2 = u - u1
     depot input, bolus        c D(lam, kap; u)
     depot input, infusion     c F(u) while u <= T, c (F(u) - F(u - T)) after
   with, for a = min(lam, kap), b = max(lam, kap),
     D(lam, kap; u) = (e^{-lam u} - e^{-kap u}) / (kap - lam) = u e^{-a u} phi1((a - b) u),  phi1(z) = (e^z - 1)/z
     F(v) = int_0^v D(s) ds = (1 - e^{-a v} - a D(v)) / (a b),
     F(u) - F(w) = (e^{-a w} (1 - e^{-a (u - w)}) + a (D(w) - D(u))) / (a b)  (no cancelling constant).
   D is evaluated as (e^{-lam u} - e^{-kap u}) / (kap - lam) when |kap - lam| u > 1/2 (no cancellation
   to fear there) and through phi1(z) = (e^z - 1)/z (its Taylor polynomial) otherwise.  Neither form has the
   1/(kap - lam) blow-up of the textbook coefficients: ka == ke (or ka equal to a two-compartment rate)
   is handled exactly, with no perturbation of the parameters.  Sensitivities come from the analytic
   partial derivatives of these expressions with respect to (c, lam, kap) and the chain rule through
   the model's derivatives of (c, lam, kap) with respect to phi.  Hot path: no allocation.

   A steady-state dose (a STEADY_STATE entry before it, interval II) is the infinite series of the same
   dose at t_dose - j II, j = 0, 1, ...: each observation after it receives the contributions of those
   virtual doses, computed as any dose's, for j = 0 .. K-1 with K the first count for which every
   exponential left has decayed by e^{-PK_SS_TAIL} (rate r, the slowest of the input: K II >= PK_SS_TAIL / r
   + T, T the infusion's duration), below double precision of the sum.  Sensitivities come the same way,
   virtual dose by virtual dose.  A set whose slowest rate would need more than PK_SS_MAX terms (a
   half-life over about 180 dosing intervals) fails, as a set whose inputs are invalid. */
#include "model/pk/pk.h"
#include "sys/vmath.h"
#include <math.h>
#include <string.h>

#define PK_DOSEBUF 128 /* doses remembered per reset without rescanning the timeline */
#define PK_SS_TAIL 39.2  /* e^{-39.2} = 9.5e-18: the steady-state series' neglected tail, relative */
#define PK_SS_MAX  10000 /* virtual doses per steady-state dose at most */

/* phi1(z) = (e^z - 1) / z = sum_n z^n / (n + 1)!, for |z| <= PK_ZDIRECT only (the near-equal rates of D):
   its Taylor polynomial of degree 15 (truncation below 1e-19 relative), Estrin's scheme, plain IEEE
   operations, so that the scalar code and every vector width give the same bits (the blocks evaluate it
   in SIMD lanes).  Within 2.1 ulp of phi1 on [-1/2, 1/2] (10^7 arguments against expm1l(z)/z in long
   double; expm1(z)/z: 1.6 ulp). */
static inline PetscReal Phi1(PetscReal z)
{
  const PetscReal z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
  const PetscReal q0 = 1.0 + z * (1.0 / 2), q1 = 1.0 / 6 + z * (1.0 / 24), q2 = 1.0 / 120 + z * (1.0 / 720), q3 = 1.0 / 5040 + z * (1.0 / 40320);
  const PetscReal q4 = 1.0 / 362880 + z * (1.0 / 3628800), q5 = 1.0 / 39916800 + z * (1.0 / 479001600);
  const PetscReal q6 = 1.0 / 6227020800.0 + z * (1.0 / 87178291200.0), q7 = 1.0 / 1307674368000.0 + z * (1.0 / 20922789888000.0);
  const PetscReal r0 = q0 + q1 * z2, r1 = q2 + q3 * z2, r2 = q4 + q5 * z2, r3 = q6 + q7 * z2;
  return (r0 + r1 * z4) + (r2 + r3 * z4) * z8;
}

/* phi1'(z) = sum_n (n + 1) z^n / (n + 2)! for |z| <= PK_ZDIRECT, degree 15 (truncation below 1e-19
   relative), Estrin's scheme as Phi1 */
static inline PetscReal DPhi1Near(PetscReal z)
{
  const PetscReal z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
  const PetscReal q0 = 1.0 / 2 + z * (2.0 / 6), q1 = 3.0 / 24 + z * (4.0 / 120), q2 = 5.0 / 720 + z * (6.0 / 5040), q3 = 7.0 / 40320 + z * (8.0 / 362880);
  const PetscReal q4 = 9.0 / 3628800 + z * (10.0 / 39916800), q5 = 11.0 / 479001600 + z * (12.0 / 6227020800.0);
  const PetscReal q6 = 13.0 / 87178291200.0 + z * (14.0 / 1307674368000.0), q7 = 15.0 / 20922789888000.0 + z * (16.0 / 355687428096000.0);
  const PetscReal r0 = q0 + q1 * z2, r1 = q2 + q3 * z2, r2 = q4 + q5 * z2, r3 = q6 + q7 * z2;
  return (r0 + r1 * z4) + (r2 + r3 * z4) * z8;
}

/* phi1'(z) = (z e^z - (e^z - 1)) / z^2 = sum_n (n+1) z^n / (n+2)!; the series near 0 avoids the cancellation */
static inline PetscReal DPhi1(PetscReal z)
{
  if (fabs(z) < 0.1)
    return 1.0 / 2 +
           z * (1.0 / 3 + z * (1.0 / 8 + z * (1.0 / 30 + z * (1.0 / 144 + z * (1.0 / 840 + z * (1.0 / 5760 + z * (1.0 / 45360 + z * (1.0 / 403200 + z * (1.0 / 3991680 + z / 43545600.0)))))))));
  return (z * exp(z) - expm1(z)) / (z * z);
}

/* |kap - lam| u above which D is evaluated as the plain difference of exponentials: the difference
   then loses less than a factor 1/(1 - e^{-1/2}) ~ 2.5 of relative accuracy, and costs no expm1 */
#define PK_ZDIRECT 0.5

/* D near equal rates (|kap - lam| u <= PK_ZDIRECT): a = min(lam, kap), b = max, D = u e^{-a u} phi1((a - b) u);
   without branches (selects), so that the blocks evaluate it in SIMD lanes with the scalar bits */
static inline PetscReal PairDNear(PetscReal lam, PetscReal kap, PetscReal u, PetscReal El, PetscReal Ek)
{
  const int       lamsmall = lam < kap;
  const PetscReal z = (kap - lam) * u, Ea = lamsmall ? El : Ek, za = lamsmall ? -z : z;
  return u * Ea * Phi1(za);
}

/* the same with its partial derivatives with respect to lam (Dl) and kap (Dk) */
static inline void PairDdNear(PetscReal lam, PetscReal kap, PetscReal u, PetscReal El, PetscReal Ek, PetscReal *D, PetscReal *Dl, PetscReal *Dk)
{
  const int       lamsmall = lam < kap;
  const PetscReal z = (kap - lam) * u, Ea = lamsmall ? El : Ek, za = lamsmall ? -z : z, Q = u * u * Ea * DPhi1Near(za);
  const PetscReal Dv = u * Ea * Phi1(za), Da = -u * Dv + Q, Db = -Q;
  *D  = Dv;
  *Dl = lamsmall ? Da : Db;
  *Dk = lamsmall ? Db : Da;
}

/* D(lam, kap; u) from El = e^{-lam u}, Ek = e^{-kap u} and ikl = 1/(kap - lam) */
static inline PetscReal PairD(PetscReal lam, PetscReal kap, PetscReal ikl, PetscReal u, PetscReal El, PetscReal Ek)
{
  if (fabs((kap - lam) * u) > PK_ZDIRECT) return (El - Ek) * ikl;
  return PairDNear(lam, kap, u, El, Ek);
}

/* D and its partial derivatives with respect to lam (Dl) and kap (Dk) */
static inline void PairDd(PetscReal lam, PetscReal kap, PetscReal ikl, PetscReal u, PetscReal El, PetscReal Ek, PetscReal *D, PetscReal *Dl, PetscReal *Dk)
{
  if (fabs((kap - lam) * u) > PK_ZDIRECT) {
    *D  = (El - Ek) * ikl;
    *Dl = (*D - u * El) * ikl;
    *Dk = (u * Ek - *D) * ikl;
  } else PairDdNear(lam, kap, u, El, Ek, D, Dl, Dk);
}

/* D, its partial derivatives with respect to a = min(lam, kap) and b = max(lam, kap), and e^{-a v} */
static inline void PairDab(PetscReal lam, PetscReal kap, PetscReal ikl, PetscReal v, PetscReal *D, PetscReal *Da, PetscReal *Db, PetscReal *Ea)
{
  const PetscReal El = exp(-lam * v), Ek = exp(-kap * v);
  PetscReal       Dl, Dk;
  PairDd(lam, kap, ikl, v, El, Ek, D, &Dl, &Dk);
  *Da = lam < kap ? Dl : Dk;
  *Db = lam < kap ? Dk : Dl;
  *Ea = lam < kap ? El : Ek;
}

/* Unit-rate infusion of duration T into the depot, u after its start:
     u <= T:  F(u) = int_0^u D = (1 - e^{-a u} - a D(u)) / (a b)
     u >  T:  int_{u-T}^u D = (e^{-a w} (1 - e^{-a T}) + a (D(w) - D(u))) / (a b),  w = u - T
   The second form is F(u) - F(w) with the constant 1/(a b) cancelled analytically, so it keeps its
   relative accuracy long after the infusion. */
static inline PetscReal PairInfusion(PetscReal lam, PetscReal kap, PetscReal ikl, PetscReal u, PetscReal T)
{
  const PetscReal a = lam < kap ? lam : kap;
  if (u <= T) return (-expm1(-a * u) - a * PairD(lam, kap, ikl, u, exp(-lam * u), exp(-kap * u))) / (lam * kap);
  {
    const PetscReal w = u - T, Ew = exp(-a * w);
    const PetscReal Dw = PairD(lam, kap, ikl, w, exp(-lam * w), exp(-kap * w)), Du = PairD(lam, kap, ikl, u, exp(-lam * u), exp(-kap * u));
    return (Ew * -expm1(-a * T) + a * (Dw - Du)) / (lam * kap);
  }
}

/* the same and its partial derivatives with respect to lam (Pl) and kap (Pk) */
static inline void PairInfusionD(PetscReal lam, PetscReal kap, PetscReal ikl, PetscReal u, PetscReal T, PetscReal *P, PetscReal *Pl, PetscReal *Pk)
{
  const int       lamsmall = lam < kap;
  const PetscReal a = lamsmall ? lam : kap, b = lamsmall ? kap : lam;
  PetscReal       Du, Dau, Dbu, Eau, N, Na, Nb, Pa, Pb;
  PairDab(lam, kap, ikl, u, &Du, &Dau, &Dbu, &Eau);
  if (u <= T) {
    N  = -expm1(-a * u) - a * Du;
    Na = u * Eau - Du - a * Dau;
    Nb = -a * Dbu;
  } else {
    const PetscReal w = u - T, mT = -expm1(-a * T);
    PetscReal       Dw, Daw, Dbw, Eaw;
    PairDab(lam, kap, ikl, w, &Dw, &Daw, &Dbw, &Eaw);
    N  = Eaw * mT + a * (Dw - Du);
    Na = -w * Eaw * mT + T * Eau + (Dw - Du) + a * (Daw - Dau);
    Nb = a * (Dbw - Dbu);
  }
  *P  = N / (a * b);
  Pa  = Na / (a * b) - (*P) / a;
  Pb  = Nb / (a * b) - (*P) / b;
  *Pl = lamsmall ? Pa : Pb;
  *Pk = lamsmall ? Pb : Pa;
}

/* which engine input a dose goes to: 0 central, 1 depot, -1 none.  A dose without a compartment
   (CMT <= 0) goes to the model's first dosing compartment, CMT 1. */
static inline int InputOf(const PnlmePKModel *mod, PetscInt cmt)
{
  if (cmt == mod->centralcmt) return 0;
  if (mod->depotcmt > 0 && cmt == mod->depotcmt) return 1;
  if (cmt <= 0) return mod->depotcmt > 0 ? 1 : 0;
  return -1;
}

static inline int IsDose(const PnlmeEvent *e) { return e->type == PNLME_EV_BOLUS || e->type == PNLME_EV_INFUSION_START; }

/* the number of virtual doses K of steady-state dose e (interval ii > 0, given lead after its STEADY_STATE
   entry: its lag) into input p: the terms j >= K have decayed by e^{-PK_SS_TAIL} at least; -1 when that
   needs more than PK_SS_MAX (or no rate decays) */
static inline PetscInt SSCount(const PnlmePKInput *p, const PnlmeEvent *e, PetscReal ii, PetscReal lead)
{
  PetscReal r = p->pair ? p->kap : PETSC_INFINITY, x;
  for (PetscInt k = 0; k < p->n; k++) r = PetscMin(r, p->lam[k]);
  x = (PK_SS_TAIL / r + (e->type == PNLME_EV_BOLUS ? 0.0 : e->duration) + lead) / ii;
  if (!(r > 0) || !(x < PK_SS_MAX)) return -1;
  return (PetscInt)ceil(x) + 1;
}

/* the dose entry of STEADY_STATE entry m: the first dose after it from the same dose row (index) before
   the next reset (a lag may have moved it past observations, never past other entries of its row); -1
   when the lag moved it past that reset (the dosed timeline dropped it) */
static inline PetscInt SSDoseOf(const PnlmeSubject *s, PetscInt m)
{
  for (PetscInt i = m + 1; i < s->nev && s->ev[i].type != PNLME_EV_RESET; i++)
    if (IsDose(&s->ev[i]) && s->ev[i].index == s->ev[m].index) return i;
  return -1;
}

/* whether dose entry d is the dose of a STEADY_STATE entry in [from, d) */
static inline int SSTarget(const PnlmeSubject *s, PetscInt from, PetscInt d)
{
  for (PetscInt m = d - 1; m >= from; m--)
    if (s->ev[m].type == PNLME_EV_STEADY_STATE && s->ev[m].index == s->ev[d].index && SSDoseOf(s, m) == d) return 1;
  return 0;
}

/* virtual dose j of steady-state dose e: the same dose j intervals earlier */
static inline PnlmeEvent SSVirtual(const PnlmeEvent *e, PetscReal ii, PetscInt j)
{
  PnlmeEvent v = *e;
  v.time       = e->time - (PetscReal)j * ii;
  return v;
}

/* contribution of one dose at time t (value only) */
static inline PetscReal DoseValue(const PnlmePKModel *mod, const PnlmePKInput in[], const PnlmeEvent *e, PetscReal t)
{
  const PnlmePKInput *p = &in[InputOf(mod, e->cmt)];
  const PetscReal     u = t - e->time;
  PetscReal           y = 0;

  if (!(u >= 0)) return 0;
  if (e->type == PNLME_EV_BOLUS) {
    if (!p->pair)
      for (PetscInt k = 0; k < p->n; k++) y += p->c[k] * exp(-p->lam[k] * u);
    else {
      const PetscReal Ek = exp(-p->kap * u);
      for (PetscInt k = 0; k < p->n; k++) y += p->c[k] * PairD(p->lam[k], p->kap, p->ikl[k], u, exp(-p->lam[k] * u), Ek);
    }
  } else {
    const PetscReal T = e->duration;
    if (!(T > 0)) return 0;
    if (!p->pair) {
      const PetscReal u1 = u < T ? u : T, u2 = u - u1;
      for (PetscInt k = 0; k < p->n; k++) {
        const PetscReal l = p->lam[k], f = -expm1(-l * u1) / l;
        y += p->c[k] * (u2 > 0 ? f * exp(-l * u2) : f);
      }
    } else {
      for (PetscInt k = 0; k < p->n; k++) y += p->c[k] * PairInfusion(p->lam[k], p->kap, p->ikl[k], u, T);
    }
  }
  return e->amount * y;
}

/* a bolus's part of DoseAccumulate (u >= 0); with y, yu non-NULL also its unit response and
   u-derivative, accumulated as DoseUnitDeriv does (the same expressions in the same order: the same
   bits, from the same exponentials) */
static inline void BolusAccumulate(const PnlmePKInput *p, int ii, PetscReal u, PetscReal amt, PetscReal Gc[][PNLME_PK_MAXEXP], PetscReal Gl[][PNLME_PK_MAXEXP], PetscReal Gk[][PNLME_PK_MAXEXP], PetscReal *y, PetscReal *yu)
{
  if (!p->pair) {
    for (PetscInt k = 0; k < p->n; k++) {
      const PetscReal E = exp(-p->lam[k] * u);
      Gc[ii][k] += amt * E;
      Gl[ii][k] -= amt * p->c[k] * u * E;
      if (y) {
        *y += p->c[k] * E;
        *yu -= p->c[k] * p->lam[k] * E;
      }
    }
  } else {
    const PetscReal Ek = exp(-p->kap * u);
    for (PetscInt k = 0; k < p->n; k++) {
      PetscReal D, Dl, Dk;
      PairDd(p->lam[k], p->kap, p->ikl[k], u, exp(-p->lam[k] * u), Ek, &D, &Dl, &Dk);
      Gc[ii][k] += amt * D;
      Gl[ii][k] += amt * p->c[k] * Dl;
      Gk[ii][k] += amt * p->c[k] * Dk;
      if (y) {
        *y += p->c[k] * D;
        *yu += p->c[k] * (Ek - p->lam[k] * D);
      }
    }
  }
}

/* contribution of one dose at time t to the per-term accumulators of the value (Gc: sum of
   amount * unit response), of d/dlam (Gl) and of d/dkap (Gk), both already multiplied by c */
static inline void DoseAccumulate(const PnlmePKModel *mod, const PnlmePKInput in[], const PnlmeEvent *e, PetscReal t, PetscReal Gc[][PNLME_PK_MAXEXP], PetscReal Gl[][PNLME_PK_MAXEXP], PetscReal Gk[][PNLME_PK_MAXEXP])
{
  const int           ii = InputOf(mod, e->cmt);
  const PnlmePKInput *p  = &in[ii];
  const PetscReal     u = t - e->time, amt = e->amount;

  if (!(u >= 0)) return;
  if (e->type == PNLME_EV_BOLUS) BolusAccumulate(p, ii, u, amt, Gc, Gl, Gk, NULL, NULL);
  else {
    const PetscReal T = e->duration;
    if (!(T > 0)) return;
    if (!p->pair) {
      const PetscReal u1 = u < T ? u : T, u2 = u - u1;
      for (PetscInt k = 0; k < p->n; k++) {
        const PetscReal l = p->lam[k], f = -expm1(-l * u1) / l, df = -u1 * u1 * DPhi1(-l * u1), E2 = u2 > 0 ? exp(-l * u2) : 1.0;
        Gc[ii][k] += amt * f * E2;
        Gl[ii][k] += amt * p->c[k] * (df - u2 * f) * E2;
      }
    } else {
      for (PetscInt k = 0; k < p->n; k++) {
        PetscReal P, Pl, Pk;
        PairInfusionD(p->lam[k], p->kap, p->ikl[k], u, T, &P, &Pl, &Pk);
        Gc[ii][k] += amt * P;
        Gl[ii][k] += amt * p->c[k] * Pl;
        Gk[ii][k] += amt * p->c[k] * Pk;
      }
    }
  }
}

/* Unit response of one dose (per unit amount, or per unit rate for an infusion of duration T = e->duration)
   at time t, with its derivatives with respect to u = t - t_dose (yu) and to the duration (yT):
     central bolus     y = sum c e^{-lam u},            yu = -sum c lam e^{-lam u}
     depot bolus       y = sum c D(u),                  yu = sum c (e^{-kap u} - lam D(u))  (D' = e^{-kap u} - lam D)
     central infusion  u <= T: yu = sum c e^{-lam u};   u > T: yu = -sum c lam y_k, yT = sum c e^{-lam (u - T)}
     depot infusion    u <= T: yu = sum c D(u);         u > T: yu = sum c (D(u) - D(u - T)), yT = sum c D(u - T)
   At u == T the infusion counts as running (its end comes after an observation at the same time, as in
   the event driver).  The dose-time derivative of the contribution is -amount yu. */
static inline void DoseUnitDeriv(const PnlmePKModel *mod, const PnlmePKInput in[], const PnlmeEvent *e, PetscReal t, PetscReal *y, PetscReal *yu, PetscReal *yT)
{
  const PnlmePKInput *p = &in[InputOf(mod, e->cmt)];
  const PetscReal     u = t - e->time;

  *y = *yu = *yT = 0;
  if (!(u >= 0)) return;
  if (e->type == PNLME_EV_BOLUS) {
    if (!p->pair) {
      for (PetscInt k = 0; k < p->n; k++) {
        const PetscReal E = exp(-p->lam[k] * u);
        *y += p->c[k] * E;
        *yu -= p->c[k] * p->lam[k] * E;
      }
    } else {
      const PetscReal Ek = exp(-p->kap * u);
      for (PetscInt k = 0; k < p->n; k++) {
        const PetscReal D = PairD(p->lam[k], p->kap, p->ikl[k], u, exp(-p->lam[k] * u), Ek);
        *y += p->c[k] * D;
        *yu += p->c[k] * (Ek - p->lam[k] * D);
      }
    }
  } else {
    const PetscReal T = e->duration;
    if (!(T > 0)) return;
    if (!p->pair) {
      for (PetscInt k = 0; k < p->n; k++) {
        const PetscReal l = p->lam[k];
        if (u <= T) {
          *y += p->c[k] * -expm1(-l * u) / l;
          *yu += p->c[k] * exp(-l * u);
        } else {
          const PetscReal E2 = exp(-l * (u - T)), f = -expm1(-l * T) / l;
          *y += p->c[k] * f * E2;
          *yu -= p->c[k] * l * f * E2;
          *yT += p->c[k] * E2;
        }
      }
    } else {
      const PetscReal Eku = exp(-p->kap * u);
      for (PetscInt k = 0; k < p->n; k++) {
        const PetscReal l = p->lam[k], Du = PairD(l, p->kap, p->ikl[k], u, exp(-l * u), Eku);
        *y += p->c[k] * PairInfusion(l, p->kap, p->ikl[k], u, T);
        if (u <= T) *yu += p->c[k] * Du;
        else {
          const PetscReal w = u - T, Dw = PairD(l, p->kap, p->ikl[k], w, exp(-l * w), exp(-p->kap * w));
          *yu += p->c[k] * (Du - Dw);
          *yT += p->c[k] * Dw;
        }
      }
    }
  }
}

/* the sensitivities of an observation to the dose parameters of dose entry e (info di): the lag moves
   the dose (d/dTlag = -amount yu), the bioavailability scales a bolus (d/dF = amount0 y) or an
   infusion's duration (d/dF = rate duration0 yT) */
static inline void DoseParamAccumulate(const PnlmePKModel *mod, const PnlmePKInput in[], const PnlmeEvent *e, const PnlmeDoseInfo *di, PetscReal t, PetscReal row[])
{
  PetscReal y, yu, yT;
  if (di->ilag < 0 && di->ibio < 0) return;
  DoseUnitDeriv(mod, in, e, t, &y, &yu, &yT);
  if (di->ilag >= 0) row[di->ilag] -= e->amount * yu;
  if (di->ibio >= 0) row[di->ibio] += e->type == PNLME_EV_BOLUS ? di->amount0 * y : e->amount * di->duration0 * yT;
}

/* DoseAccumulate and, with info di, DoseParamAccumulate of one dose: a bolus with dose parameters takes
   its unit response and u-derivative from the exponentials of its accumulation (BolusAccumulate: the
   bits of DoseUnitDeriv, half the exponentials) */
static inline void DoseAccumulateAll(const PnlmePKModel *mod, const PnlmePKInput in[], const PnlmeEvent *e, const PnlmeDoseInfo *di, PetscReal t, PetscReal Gc[][PNLME_PK_MAXEXP], PetscReal Gl[][PNLME_PK_MAXEXP], PetscReal Gk[][PNLME_PK_MAXEXP], PetscReal row[])
{
  const int           ii = InputOf(mod, e->cmt);
  const PnlmePKInput *p  = &in[ii];
  const PetscReal     u = t - e->time, amt = e->amount;
  PetscReal           y = 0, yu = 0;

  if (e->type != PNLME_EV_BOLUS || !di || (di->ilag < 0 && di->ibio < 0)) {
    DoseAccumulate(mod, in, e, t, Gc, Gl, Gk);
    if (di) DoseParamAccumulate(mod, in, e, di, t, row);
    return;
  }
  if (u >= 0) BolusAccumulate(p, ii, u, amt, Gc, Gl, Gk, &y, &yu);
  if (di->ilag >= 0) row[di->ilag] -= e->amount * yu;
  if (di->ibio >= 0) row[di->ibio] += di->amount0 * y;
}

/* the engine's inputs from the disposition: central (single terms) and depot (pair terms, c = ka A) */
static void SetInputs(const PnlmePKModel *mod, const PetscReal phi[], const PnlmePKDisposition *d, int deriv, PnlmePKInput in[2])
{
  const PetscInt np = mod->np, off = mod->off;
  in[0].n    = d->n;
  in[0].pair = 0;
  in[0].kap  = 0;
  for (PetscInt k = 0; k < d->n; k++) {
    in[0].c[k]   = d->A[k];
    in[0].lam[k] = d->lam[k];
    in[0].ikl[k] = 1.0 / d->lam[k]; /* for the infusions of the blocks */
  }
  if (deriv) {
    for (PetscInt j = 0; j < np; j++) in[0].dkap[j] = 0;
    for (PetscInt k = 0; k < d->n; k++) {
      for (PetscInt j = 0; j < np; j++) in[0].dc[k][j] = in[0].dlam[k][j] = 0;
      for (PetscInt i = 0; i < mod->nq; i++) {
        in[0].dc[k][off + i]   = d->dA[k][i];
        in[0].dlam[k][off + i] = d->dlam[k][i];
      }
    }
  }
  if (mod->ika < 0) return;
  {
    const PetscReal ka = phi[mod->ika];
    in[1].n    = d->n;
    in[1].pair = 1;
    in[1].kap  = ka;
    for (PetscInt k = 0; k < d->n; k++) {
      in[1].c[k]   = ka * d->A[k];
      in[1].lam[k] = d->lam[k];
      in[1].ikl[k] = ka != d->lam[k] ? 1.0 / (ka - d->lam[k]) : 0.0;
    }
    if (deriv) {
      for (PetscInt j = 0; j < np; j++) in[1].dkap[j] = 0;
      in[1].dkap[mod->ika] = 1;
      for (PetscInt k = 0; k < d->n; k++) {
        for (PetscInt j = 0; j < np; j++) in[1].dc[k][j] = ka * in[0].dc[k][j];
        for (PetscInt j = 0; j < np; j++) in[1].dlam[k][j] = in[0].dlam[k][j];
        in[1].dc[k][mod->ika] += d->A[k];
      }
    }
  }
}

#define PK_BLOCK 128 /* (parameter set, observation) pairs per block of SIMD lanes */
#define PK_SRUNS 32  /* parameter sets per block with sensitivities (each keeps its input's derivatives) */

/* One block of bolus responses: element j is one observation u[j] >= 0 after a bolus under one
   parameter set, y[j] = sum_k c_k e^{-lam_k u} (central input, pair = 0) or sum_k c_k D(lam_k, kap; u)
   (depot input), k < nt: the sums of DoseValue in its order, the exponentials in SIMD lanes
   (PnlmeExpInline: the same bits in every lane, at every vector width, on every machine), the
   near-equal-rate pairs (|kap - lam| u <= PK_ZDIRECT) by PairDNear as PairD does, computed in every
   lane of a block that has one and kept by a select.
   A central-input element may also be an infusion of duration T = tinf > 0 and rate amt, whose unit
   response per term is f(min(u, T)) e^{-lam (u - min(u, T))} (CentralUnit).  After the infusion
   (full = 0) f(T) comes with the element (fT, and f'(T) in dfT: a plan computes them once per set and
   duration), so that the lanes need one exponential per term, as for a bolus (fT = 1); an element
   with full = 1 (an infusion still running, or one pushed without them) has f computed in the lanes,
   in every lane of a block that has one, kept by a select.  A bolus's lanes keep their bits in any
   block.
   Elements are independent: which sets and subjects share a block changes no result.  With
   sensitivities (sens) each element also gives, per term, amt times the unit response (gc) and amt c
   times its partial derivatives with respect to lam (gl) and kap (gk); its set's row of sensitivities
   receives them through the chain rule of the set's input (rin), and the columns of its dose's lag and
   bioavailability -amt yu and amount0 y (yu: the unit response's derivative with respect to u). */
typedef struct {
  PetscInt   n, nt;
  int        pair;
  PetscReal  u[PK_BLOCK], kap[PK_BLOCK], c[PNLME_PK_MAXEXP][PK_BLOCK], lam[PNLME_PK_MAXEXP][PK_BLOCK], ikl[PNLME_PK_MAXEXP][PK_BLOCK];
  PetscReal  y[PK_BLOCK], Ek[PK_BLOCK], El[PK_BLOCK], D[PK_BLOCK], amt[PK_BLOCK];
  PetscInt   idx[PK_BLOCK];   /* amt y is added to pred[idx] of the element's run */
  PetscInt   nrun;            /* runs: consecutive elements of one parameter set */
  PetscInt   rend[PK_BLOCK];  /* run r: elements [rend[r-1], rend[r]) */
  PetscReal *rpred[PK_BLOCK]; /* and its set's predictions */
  /* with sensitivities: runs of plans only, at most PK_SRUNS */
  int                  sens;
  PetscInt             np, npt; /* the model's parameters; columns of a row of sensitivities (dose parameters last) */
  PetscReal            gc[PNLME_PK_MAXEXP][PK_BLOCK], gl[PNLME_PK_MAXEXP][PK_BLOCK], gk[PNLME_PK_MAXEXP][PK_BLOCK];
  PetscReal            yu[PK_BLOCK];     /* the unit response's u-derivative (dose parameters) */
  const PnlmeDoseInfo *di[PK_BLOCK];     /* the element's dose's parameters; NULL: none */
  PetscReal   *rsens[PK_SRUNS];
  PnlmePKInput rin[PK_SRUNS];
  /* central-input infusions (last: the boluses' arrays stay together) */
  PetscReal tinf[PK_BLOCK]; /* an infusion's duration (amt its rate); 0: a bolus (not set in depot blocks) */
  PetscReal full[PK_BLOCK]; /* 1 where f is computed in the lanes, 0 where given (fT) */
  PetscReal fT[PNLME_PK_MAXEXP][PK_BLOCK], dfT[PNLME_PK_MAXEXP][PK_BLOCK]; /* with full = 0: f(T), f'(T); a bolus 1, 0 */
  PetscReal yT[PK_BLOCK];   /* with sensitivities: the derivative with respect to the duration */
} PKBlock;

/* f(v) = (1 - e^{-lam v}) / lam, the response of a term of rate lam to a unit-rate infusion v after its
   start, as (1 - e^{-lam v}) il (il = 1/lam) or, where lam v <= PK_ZDIRECT, v phi1(-lam v) (no
   cancellation); with df non-NULL also df/dlam, (v e^{-lam v} - f) il or -v^2 phi1'(-lam v).  Without
   branches (selects), for the lanes; e^{-lam v} in *e. */
static inline PetscReal CentralF(PetscReal l, PetscReal il, PetscReal v, PetscReal *df, PetscReal *e)
{
  const PetscReal x = l * v, e1 = PnlmeExpInline(-x);
  const int       near = !(x > PK_ZDIRECT);
  const PetscReal f = near ? v * Phi1(-x) : (1 - e1) * il;
  if (df) *df = near ? -(v * v) * DPhi1Near(-x) : (v * e1 - f) * il;
  *e = e1;
  return f;
}

/* One term of rate lam of the central input, u >= 0 after a dose: a bolus (T = 0) gives e^{-lam u}; an
   infusion of duration T > 0 gives, per unit rate, g = f e^{-lam u2}, u2 = u - min(u, T), f = f(min(u, T))
   given.  Without branches, for the lanes: a bolus gets e^{-lam u} with the bits of the plain
   exponential.  With d non-NULL also dg/dlam in *d ((df - u2 f) e^{-lam u2}, df = f'(min(u, T)) given;
   a bolus: -u e^{-lam u}) and e^{-lam u2} in *E2. */
static inline PetscReal CentralAfter(PetscReal l, PetscReal u, PetscReal T, PetscReal f, PetscReal df, PetscReal *d, PetscReal *E2)
{
  const PetscReal u1 = u < T ? u : T, u2 = u - u1, e2 = PnlmeExpInline(-l * u2);
  const int       inf = T > 0;
  if (d) {
    *d  = inf ? (df - u2 * f) * e2 : -(u * e2);
    *E2 = e2;
  }
  return inf ? f * e2 : e2;
}

/* an element's term with sensitivities (g, dg = dg/dlam, e1 = e^{-lam min(u, T)}, e2 = e^{-lam u2}):
   y += c g; yu (d/du): an infusion still running (u <= T) c e1, otherwise -c lam g; yT (d/dT) after an
   infusion c e2; gc = amt g; gl = amt c dg (a bolus: -amt c u e2, BolusBlockSens's bits) */
static inline void CentralSens(PetscReal c, PetscReal l, PetscReal u, PetscReal T, PetscReal amt, PetscReal g, PetscReal dg, PetscReal e1, PetscReal e2, PetscReal *y, PetscReal *yu, PetscReal *yT, PetscReal *gc, PetscReal *gl)
{
  const int run = T > 0 && u <= T;
  *y += c * g;
  *yu -= run ? -(c * e1) : c * l * g;
  *yT += T > 0 && !run ? c * e2 : 0;
  *gc = amt * g;
  *gl = T > 0 ? amt * c * dg : -(amt * c * u * e2);
}

/* the block's elements whose f the lanes need (full = 1) into list[], their number returned, and f, f'
   and e^{-lam min(u, T)} of term k of each (CentralF) into fT, dfT (with dfT non-NULL) and E1; 0 when the
   block has no infusion (*ninf = 0) */
static inline PetscInt BlockFull(const PKBlock *B, PetscInt *ninf, PetscInt list[])
{
  PetscInt ni = 0, nf = 0;
#pragma omp simd reduction(+ : ni)
  for (PetscInt j = 0; j < B->n; j++) ni += B->tinf[j] > 0;
  *ninf = ni;
  if (ni)
    for (PetscInt j = 0; j < B->n; j++)
      if (B->full[j] > 0) list[nf++] = j;
  return nf;
}

static inline void BlockFullTerm(const PKBlock *B, PetscInt k, PetscInt nf, const PetscInt list[], PetscReal fT[], PetscReal dfT[], PetscReal E1[])
{
  for (PetscInt i = 0; i < nf; i++) {
    const PetscInt  j = list[i];
    const PetscReal u = B->u[j], T = B->tinf[j];
    fT[j] = CentralF(B->lam[k][j], B->ikl[k][j], u < T ? u : T, dfT ? &dfT[j] : NULL, &E1[j]);
  }
}

PNLME_SIMD_CLONES static void BolusBlock(PKBlock *B)
{
  const PetscInt            n = B->n, nt = B->nt;
  PetscReal *restrict       y = B->y, *restrict Ek = B->Ek, *restrict El = B->El, *restrict D = B->D;
  const PetscReal *restrict u = B->u, *restrict kap = B->kap, *restrict tinf = B->tinf;
  PetscInt                  ninf = 0, nfull = 0, list[PK_BLOCK];
#pragma omp simd
  for (PetscInt j = 0; j < n; j++) y[j] = 0;
  if (!B->pair) nfull = BlockFull(B, &ninf, list);
  if (ninf) { /* f where it is not given (an infusion still running), then one exponential per term, as for a bolus */
    for (PetscInt k = 0; k < nt; k++) {
      const PetscReal *restrict c = B->c[k], *restrict l = B->lam[k];
      PetscReal *restrict       fT = B->fT[k];
      BlockFullTerm(B, k, nfull, list, fT, NULL, El);
#pragma omp simd
      for (PetscInt j = 0; j < n; j++) y[j] += c[j] * CentralAfter(l[j], u[j], tinf[j], fT[j], 0, NULL, NULL);
    }
    return;
  }
  if (!B->pair) {
    for (PetscInt k = 0; k < nt; k++) {
      const PetscReal *restrict c = B->c[k], *restrict l = B->lam[k];
#pragma omp simd
      for (PetscInt j = 0; j < n; j++) y[j] += c[j] * PnlmeExpInline(-l[j] * u[j]);
    }
    return;
  }
#pragma omp simd
  for (PetscInt j = 0; j < n; j++) Ek[j] = PnlmeExpInline(-kap[j] * u[j]);
  for (PetscInt k = 0; k < nt; k++) {
    const PetscReal *restrict c = B->c[k], *restrict l = B->lam[k], *restrict ikl = B->ikl[k];
    PetscInt                  nnear = 0;
#pragma omp simd reduction(+ : nnear)
    for (PetscInt j = 0; j < n; j++) {
      El[j] = PnlmeExpInline(-l[j] * u[j]);
      D[j]  = (El[j] - Ek[j]) * ikl[j];
      nnear += !(fabs((kap[j] - l[j]) * u[j]) > PK_ZDIRECT);
    }
    if (nnear) /* the near-equal rates re-evaluated in every lane, kept where near (selects) */
#pragma omp simd
      for (PetscInt j = 0; j < n; j++) {
        const PetscReal Dn = PairDNear(l[j], kap[j], u[j], El[j], Ek[j]);
        D[j]               = fabs((kap[j] - l[j]) * u[j]) > PK_ZDIRECT ? D[j] : Dn;
      }
#pragma omp simd
    for (PetscInt j = 0; j < n; j++) y[j] += c[j] * D[j];
  }
}

/* BolusBlock and, per term, gc = amt D, gl = amt c dD/dlam, gk = amt c dD/dkap (D = e^{-lam u} for a
   central input: gl = -amt c u D).  y and D have BolusBlock's bits: a set's predictions are the same with
   its sensitivities and without. */
PNLME_SIMD_CLONES static void BolusBlockSens(PKBlock *B)
{
  const PetscInt            n = B->n, nt = B->nt;
  PetscReal *restrict       y = B->y, *restrict yu = B->yu, *restrict Ek = B->Ek, *restrict El = B->El, *restrict D = B->D;
  const PetscReal *restrict u = B->u, *restrict kap = B->kap, *restrict amt = B->amt;
  PetscInt                  ninf = 0, nfull = 0, list[PK_BLOCK];
#pragma omp simd
  for (PetscInt j = 0; j < n; j++) y[j] = yu[j] = 0;
  if (!B->pair) nfull = BlockFull(B, &ninf, list);
  if (ninf) { /* as BolusBlock; a bolus's lanes: the bits of the loop below */
    const PetscReal *restrict tinf = B->tinf;
    PetscReal *restrict       yT   = B->yT;
#pragma omp simd
    for (PetscInt j = 0; j < n; j++) {
      El[j] = 1; /* e^{-lam min(u, T)}: read where an infusion still runs */
      yT[j] = 0;
    }
    for (PetscInt k = 0; k < nt; k++) {
      const PetscReal *restrict c = B->c[k], *restrict l = B->lam[k];
      PetscReal *restrict       gc = B->gc[k], *restrict gl = B->gl[k], *restrict fT = B->fT[k], *restrict dfT = B->dfT[k];
      BlockFullTerm(B, k, nfull, list, fT, dfT, El);
#pragma omp simd
      for (PetscInt j = 0; j < n; j++) {
        PetscReal       dg, E2;
        const PetscReal g = CentralAfter(l[j], u[j], tinf[j], fT[j], dfT[j], &dg, &E2);
        CentralSens(c[j], l[j], u[j], tinf[j], amt[j], g, dg, El[j], E2, &y[j], &yu[j], &yT[j], &gc[j], &gl[j]);
      }
    }
    return;
  }
  if (!B->pair) {
    for (PetscInt k = 0; k < nt; k++) {
      const PetscReal *restrict c = B->c[k], *restrict l = B->lam[k];
      PetscReal *restrict       gc = B->gc[k], *restrict gl = B->gl[k];
#pragma omp simd
      for (PetscInt j = 0; j < n; j++) {
        const PetscReal E = PnlmeExpInline(-l[j] * u[j]);
        y[j] += c[j] * E;
        yu[j] -= c[j] * l[j] * E;
        gc[j] = amt[j] * E;
        gl[j] = -(amt[j] * c[j] * u[j] * E);
      }
    }
    return;
  }
#pragma omp simd
  for (PetscInt j = 0; j < n; j++) Ek[j] = PnlmeExpInline(-kap[j] * u[j]);
  for (PetscInt k = 0; k < nt; k++) {
    const PetscReal *restrict c = B->c[k], *restrict l = B->lam[k], *restrict ikl = B->ikl[k];
    PetscReal *restrict       gc = B->gc[k], *restrict gl = B->gl[k], *restrict gk = B->gk[k];
    PetscInt                  nnear = 0;
#pragma omp simd reduction(+ : nnear)
    for (PetscInt j = 0; j < n; j++) {
      El[j] = PnlmeExpInline(-l[j] * u[j]);
      D[j]  = (El[j] - Ek[j]) * ikl[j];
      gl[j] = (D[j] - u[j] * El[j]) * ikl[j];
      gk[j] = (u[j] * Ek[j] - D[j]) * ikl[j];
      nnear += !(fabs((kap[j] - l[j]) * u[j]) > PK_ZDIRECT);
    }
    if (nnear)
#pragma omp simd
      for (PetscInt j = 0; j < n; j++) {
        const int far = fabs((kap[j] - l[j]) * u[j]) > PK_ZDIRECT;
        PetscReal Dn, Dln, Dkn;
        PairDdNear(l[j], kap[j], u[j], El[j], Ek[j], &Dn, &Dln, &Dkn);
        D[j]  = far ? D[j] : Dn;
        gl[j] = far ? gl[j] : Dln;
        gk[j] = far ? gk[j] : Dkn;
      }
#pragma omp simd
    for (PetscInt j = 0; j < n; j++) {
      y[j] += c[j] * D[j];
      yu[j] += c[j] * (Ek[j] - l[j] * D[j]);
      gc[j] = amt[j] * D[j];
      gl[j] = amt[j] * c[j] * gl[j];
      gk[j] = amt[j] * c[j] * gk[j];
    }
  }
}

/* the elements' contributions added in the order they were pushed (for one observation: dose order);
   with sensitivities, each element's terms through the chain rule of its set's input:
   row += gc dc/dphi + gl dlam/dphi (+ gk dkap/dphi) */
static void BlockFlush(PKBlock *B)
{
  if (!B->n) return;
  if (!B->sens) BolusBlock(B);
  else BolusBlockSens(B);
  for (PetscInt r = 0, j = 0; r < B->nrun; r++) {
    PetscReal *restrict pred = B->rpred[r];
    if (!B->sens)
      for (; j < B->rend[r]; j++) pred[B->idx[j]] += B->amt[j] * B->y[j];
    else {
      const PnlmePKInput *p  = &B->rin[r];
      const PetscInt      np = B->np;
      for (; j < B->rend[r]; j++) {
        PetscReal *restrict  row = B->rsens[r] + B->idx[j] * B->npt;
        const PnlmeDoseInfo *di  = B->di[j];
        pred[B->idx[j]] += B->amt[j] * B->y[j];
        if (di) { /* the lag moves the dose, the bioavailability scales it */
          if (di->ilag >= 0) row[di->ilag] -= B->amt[j] * B->yu[j];
          if (di->ibio >= 0) row[di->ibio] += !B->pair && B->tinf[j] > 0 ? B->amt[j] * di->duration0 * B->yT[j] : di->amount0 * B->y[j];
        }
        for (PetscInt k = 0; k < B->nt; k++) {
          const PetscReal gc = B->gc[k][j], gl = B->gl[k][j];
          for (PetscInt i = 0; i < np; i++) row[i] += gc * p->dc[k][i] + gl * p->dlam[k][i];
          if (B->pair) {
            const PetscReal gk = B->gk[k][j];
            for (PetscInt i = 0; i < np; i++) row[i] += gk * p->dkap[i];
          }
        }
      }
    }
  }
  B->n    = 0;
  B->nrun = 0;
}

/* the next m elements of the block belong to the set of predictions pred (the last run grows if it is
   the same set's) */
static inline void BlockRun(PKBlock *B, PetscInt m, PetscReal pred[])
{
  if (B->nrun && B->rpred[B->nrun - 1] == pred) B->rend[B->nrun - 1] += m;
  else {
    B->rpred[B->nrun] = pred;
    B->rend[B->nrun]  = B->n + m;
    B->nrun++;
  }
}

/* one more element (T > 0: an infusion of the central input, amt its rate); a block holds one kind of
   input (the same number of terms, pair or not) */
static inline void BlockPush(PKBlock *B, const PnlmePKInput *p, PetscReal u, PetscReal T, PetscReal amt, PetscReal pred[], PetscInt idx)
{
  PetscInt j;
  if (B->n && (B->nt != p->n || B->pair != p->pair)) BlockFlush(B);
  j        = B->n;
  B->nt    = p->n;
  B->pair  = p->pair;
  B->u[j]  = u;
  B->tinf[j] = T;
  B->full[j] = T > 0; /* f computed in the lanes */
  B->kap[j] = p->kap;
  for (PetscInt k = 0; k < p->n; k++) {
    B->fT[k][j]  = 1;
    B->dfT[k][j] = 0;
    B->c[k][j]   = p->c[k];
    B->lam[k][j] = p->lam[k];
    B->ikl[k][j] = p->ikl[k];
  }
  B->amt[j] = amt;
  B->idx[j] = idx;
  BlockRun(B, 1, pred);
  if (++B->n == PK_BLOCK) BlockFlush(B);
}

/* the elements of dose e (with ii > 0 a steady-state dose: its K virtual doses, given lead after its
   STEADY_STATE entry) for the observations among entries [from, end) with u >= 0: boluses and central
   infusions into the block B, an infusion into the depot added at once (after the block's pending ones);
   non-zero when its series is too long */
static int DosePush(const PnlmePKModel *mod, const PnlmePKInput in[2], const PnlmeSubject *s, const PnlmeEvent *e, PetscInt from, PetscInt end, PetscReal ii, PetscReal lead, PetscReal pred[], PKBlock *B)
{
  const PnlmePKInput *p   = &in[InputOf(mod, e->cmt)];
  const PetscReal     amt = e->amount;
  const PetscInt      K   = ii > 0 ? SSCount(p, e, ii, lead) : 1; /* the dose, or its virtual doses j = 0 .. K-1 (at td - j ii) */
  if (K < 0) return 1;
  if (e->type == PNLME_EV_BOLUS || !p->pair) { /* a bolus, or an infusion into the central input */
    const PetscReal T = e->type == PNLME_EV_BOLUS ? 0 : e->duration;
    if (e->type != PNLME_EV_BOLUS && !(T > 0)) return 0;
    for (PetscInt j = 0; j < K; j++) {
      const PetscReal td = j ? SSVirtual(e, ii, j).time : e->time;
      for (PetscInt b = from; b < end; b++) {
        PetscReal u;
        if (s->ev[b].type != PNLME_EV_OBS) continue;
        u = s->tobs[s->ev[b].index] - td;
        if (u >= 0) BlockPush(B, p, u, T, amt, pred, s->ev[b].index);
      }
    }
  } else {
    BlockFlush(B);
    for (PetscInt b = from; b < end; b++)
      if (s->ev[b].type == PNLME_EV_OBS) {
        if (!(ii > 0)) pred[s->ev[b].index] += DoseValue(mod, in, e, s->tobs[s->ev[b].index]); /* a plain dose */
        else
          for (PetscInt j = 0; j < K; j++) {
            const PnlmeEvent v = SSVirtual(e, ii, j);
            pred[s->ev[b].index] += DoseValue(mod, in, &v, s->tobs[s->ev[b].index]);
          }
      }
  }
  return 0;
}

/* Predictions without sensitivities of one parameter set (inputs in[2]) on subject s into pred, dose by
   dose: every dose adds its contribution to the observations that follow it in the timeline up to the
   next reset.  The same sums as the observation-by-observation loop of PnlmePKPredict (each observation
   receives the doses before it since the last reset, in the same order).  The elements of boluses and
   of central infusions go to the block B, shared by all the sets of a call (which are independent of
   one another); an infusion into the depot adds its contributions after the block's pending ones.  A
   steady-state dose is taken at its STEADY_STATE entry: with a lag, the observations between that entry and
   the dose receive its earlier virtual doses.  Returns non-zero for a timeline the model cannot take (not
   checked again with checked) or a steady-state series too long. */
static int PredictDoseMajor(const PnlmePKModel *mod, const PnlmePKInput in[2], const PnlmeSubject *s, PetscReal pred[], PKBlock *B, int checked)
{
  const PetscInt nobs = s->nobs;
  for (PetscInt j = 0; j < nobs; j++) pred[j] = 0;
  for (PetscInt start = 0, end; start < s->nev; start = end + 1) {
    PetscInt nss = 0; /* STEADY_STATE entries in the segment */
    for (end = start; end < s->nev && s->ev[end].type != PNLME_EV_RESET; end++) {
      const PnlmeEvent *e = &s->ev[end];
      nss += e->type == PNLME_EV_STEADY_STATE;
      if (checked) continue; /* the timeline was found valid for an earlier set of the call */
      if (e->type == PNLME_EV_OBS && (e->index < 0 || e->index >= nobs)) return 1;
      if (IsDose(e) && InputOf(mod, e->cmt) < 0) return 1;
    }
    for (PetscInt a = start; a < end; a++) {
      const PnlmeEvent *e = &s->ev[a];
      PetscInt          d = a;
      if (e->type == PNLME_EV_STEADY_STATE) {
        if ((d = SSDoseOf(s, a)) < 0) continue;
        if (DosePush(mod, in, s, &s->ev[d], a + 1, end, e->amount, s->ev[d].time - e->time, pred, B)) return 1;
      } else if (IsDose(e) && !(nss && SSTarget(s, start, a)) && DosePush(mod, in, s, e, a + 1, end, 0, 0, pred, B)) return 1;
    }
  }
  return 0;
}

/* the inputs of one parameter set: 0, or non-zero when phi gives no valid system */
static int LaneInputs(const PnlmePKModel *mod, const PetscReal phi[], int deriv, PnlmePKDisposition *d, PnlmePKInput in[2])
{
  for (PetscInt j = 0; j < mod->np; j++)
    if (!(phi[j] > 0) || !(phi[j] < PETSC_MAX_REAL)) return 1;
  if (mod->disposition(phi + mod->off, deriv, d)) return 1;
  SetInputs(mod, phi, d, deriv, in);
  return 0;
}

/* The elements of one subject's timeline: for each dose, the observations after it up to the next
   reset: u = t_obs - t_dose, the dose's amount (an infusion's rate), an infusion's duration and the
   observation's index (and with dose parameters the dose's).  Made once for the sets of a call on the
   same subject (the chains of a subject come one after another) and copied into the blocks with vector
   loops, instead of the timeline's scan and one push per element for each set: each observation
   receives its terms in dose order, input by input.
   The central input's elements come first, then the depot's (PlanPush: a block holds one kind of input).
   It applies to timelines of boluses, and of infusions into the central input, at most PK_DOSEBUF doses,
   PK_PLAN observations and PK_PLAN elements; any other (an infusion into the depot, or longer) goes
   through PredictDoseMajor (with sensitivities PKPredictSens). */
#define PK_PLAN 1024
#define PK_NT   8 /* infusion durations per plan whose f(T) it computes once per set */
typedef struct {
  const PnlmeSubject         *s;   /* the subject planned; NULL: none yet */
  int                         bad; /* the model cannot take the timeline */
  int                         use; /* the plan applies */
  PetscInt                    n, n0; /* elements; those of the central input, first (then the depot's) */
  const PetscReal            *u, *amt; /* [n] each element's time since its dose, the dose's amount */
  const PetscInt             *idx;     /* [n] its observation */
  const PnlmeDoseInfo *const *di;      /* [n] the dose's parameters (info of a dosed timeline); NULL: none */
  const PetscReal            *T;       /* [n] an infusion's duration (amt its rate), 0 for a bolus */
  const PetscReal            *full;    /* [n] 1: an infusion whose f the lanes compute (still running, or no slot) */
  const PetscReal            *slot;    /* [n] otherwise f(T) is that of duration Tv[slot] (0: a bolus, f = 1) */
  PetscInt                    nT;      /* durations Tv[1..nT] */
  PetscReal                   Tv[PK_NT + 1];
} PKPlan;

/* P's elements: the arrays' entries from e on, and their dose parameters di */
static inline void PlanView(PKPlan *P, const PetscReal u[], const PetscReal amt[], const PetscReal T[], const PetscReal full[], const PetscReal slot[], const PetscInt idx[], PetscInt e, const PnlmeDoseInfo *const di[])
{
  P->u    = u + e;
  P->amt  = amt + e;
  P->T    = T + e;
  P->full = full + e;
  P->slot = slot + e;
  P->idx  = idx + e;
  P->di   = di;
}

/* the arrays PlanMake writes a plan's elements into */
typedef struct {
  PetscReal            u[PK_PLAN], amt[PK_PLAN], T[PK_PLAN], full[PK_PLAN], slot[PK_PLAN];
  PetscInt             idx[PK_PLAN];
  const PnlmeDoseInfo *di[PK_PLAN];
} PKPlanStore;

/* The plans kept while the model's subjects are held (PnlmeModelHoldSubjects): SAEM's E-step calls the
   model on the same block of subjects once per kernel sweep, and with one chain per subject every set of
   a call is another subject, so that each set made its plan again (PlanMake: 12 % of the instructions
   of a 2,000-subject theophylline-like fit).  Keyed by the subject's address, which the caller keeps
   for its subject until it releases; only timelines without dose parameters.  Bounded: subjects past
   half the slots, or elements past the pool, have their plans made again at each call, as without. */
#define PK_CACHE_SLOTS 512   /* hash slots (a power of 2): twice an E-step block's 256 subjects */
#define PK_CACHE_ELEMS 16384 /* the elements of all the plans kept */
struct PnlmePKCache {
  PetscBool held;
  PetscInt  nplan, nelem;
  PetscInt  used[PK_CACHE_SLOTS / 2]; /* the occupied slots, to clear */
  PKPlan    plan[PK_CACHE_SLOTS];     /* .s the key (NULL: an empty slot) */
  PetscReal u[PK_CACHE_ELEMS], amt[PK_CACHE_ELEMS], T[PK_CACHE_ELEMS], full[PK_CACHE_ELEMS], slot[PK_CACHE_ELEMS];
  PetscInt  idx[PK_CACHE_ELEMS];
};
static const PnlmeDoseInfo *const PKNoInfo[PK_PLAN]; /* the dose parameters of a kept plan's elements: none */

PetscErrorCode PnlmePKContextCreate(const PnlmePKModel *def, PnlmePKContext **cx)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(cx));
  (*cx)->def = *def;
  PetscCall(PetscNew(&(*cx)->cache));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmePKContextDestroy(void *ctx)
{
  PnlmePKContext *cx = (PnlmePKContext *)ctx;
  PetscFunctionBegin;
  PetscCall(PetscFree(cx->cache));
  PetscCall(PetscFree(cx));
  PetscFunctionReturn(0);
}

void PnlmePKHold(void *ctx, PetscBool hold)
{
  PnlmePKCache *C = ((PnlmePKContext *)ctx)->cache;
  for (PetscInt i = 0; i < C->nplan; i++) C->plan[C->used[i]].s = NULL;
  C->nplan = C->nelem = 0;
  C->held  = hold;
}

/* info: the entries' dose parameters of a dosed timeline (NULL: none).  One pass over the timeline
   lists its observations (times and indices, in timeline order) and its doses (each with the position
   in that list of the first observation after it and of the first after the next reset); then each
   dose's elements are the observations of that range with u >= 0, written by vector loops.  The plan
   is dose-major, as PredictDoseMajor pushes: an observation still receives its doses in their order,
   so the sums are the same. */
PNLME_SIMD_CLONES static void PlanMake(const PnlmePKModel *mod, const PnlmeSubject *s, const PnlmeDoseInfo info[], PKPlan *P, PKPlanStore *W)
{
  const PetscInt       nobs = s->nobs;
  PetscInt             nd = 0, no = 0, d0 = 0;                      /* doses; observations; the first dose since the last reset */
  PetscInt             dfrom[PK_DOSEBUF], dto[PK_DOSEBUF], oi[PK_PLAN]; /* a dose's range of observations; their indices */
  PetscReal            dt[PK_DOSEBUF], damt[PK_DOSEBUF], dT[PK_DOSEBUF], dsl[PK_DOSEBUF], ot[PK_PLAN]; /* times, amounts, durations (0: a bolus), slots (-1: none left); the observations' times */
  int                  din[PK_DOSEBUF]; /* inputs */
  const PnlmeDoseInfo *ddi[PK_DOSEBUF];
  PetscReal            tlast = PETSC_NINFINITY; /* the last dose or observation time */
  int                  mono  = 1;               /* those times never decrease: every u >= 0 */
  P->s   = s;
  PlanView(P, W->u, W->amt, W->T, W->full, W->slot, W->idx, 0, W->di);
  P->bad = 0;
  P->use = 1;
  P->n   = 0;
  P->n0  = 0;
  P->nT  = 0;
  for (PetscInt i = 0; i < s->nev; i++) {
    const PnlmeEvent *e = &s->ev[i];
    if (e->type == PNLME_EV_OBS) {
      if (e->index < 0 || e->index >= nobs) {
        P->bad = 1;
        return;
      }
      if (no >= PK_PLAN) P->use = 0; /* still checked to the end */
      else {
        ot[no] = s->tobs[e->index];
        oi[no] = e->index;
        mono &= ot[no] >= tlast;
        tlast = ot[no];
      }
      no++;
    } else if (e->type == PNLME_EV_RESET) {
      for (; d0 < nd; d0++) dto[d0] = no;
    } else if (e->type == PNLME_EV_STEADY_STATE) {
      P->use = 0; /* PredictDoseMajor's and PKPredictSens's case: its virtual doses depend on the rates */
    } else if (IsDose(e)) {
      const int ii = InputOf(mod, e->cmt);
      if (ii < 0) {
        P->bad = 1;
        return;
      }
      if ((e->type != PNLME_EV_BOLUS && ii != 0) || nd == PK_DOSEBUF) P->use = 0; /* PredictDoseMajor's case (still checked to the end) */
      if (!P->use) continue;
      if (e->type != PNLME_EV_BOLUS && !(e->duration > 0)) continue; /* an infusion of no duration brings nothing */
      dt[nd]    = e->time;
      mono &= dt[nd] >= tlast;
      tlast     = dt[nd];
      damt[nd]  = e->amount;
      dT[nd]    = e->type == PNLME_EV_BOLUS ? 0 : e->duration;
      din[nd]   = ii;
      ddi[nd]   = info && (info[i].ilag >= 0 || info[i].ibio >= 0) ? &info[i] : NULL;
      dfrom[nd] = no;
      dsl[nd]   = 0;
      if (dT[nd] > 0) { /* an infusion: the slot of its duration */
        PetscInt sl = 1;
        while (sl <= P->nT && P->Tv[sl] != dT[nd]) sl++;
        if (sl > PK_NT) dsl[nd] = -1;
        else {
          P->Tv[sl] = dT[nd];
          P->nT     = PetscMax(P->nT, sl);
          dsl[nd]   = sl;
        }
      }
      nd++;
    }
  }
  if (!P->use) return;
  for (; d0 < nd; d0++) dto[d0] = no;
  for (PetscInt kk = 0; kk < 2 * nd; kk++) { /* the central input's doses, then the depot's */
    const PetscInt  k = kk % nd, m = dto[k] - dfrom[k], n0 = P->n;
    const PetscReal td = dt[k], a = damt[k], T = dT[k], sl = dsl[k];
    PetscReal       umin = PETSC_INFINITY;
    if (kk == nd) P->n0 = P->n;
    if (din[k] != kk / nd) continue;
    if (n0 + m > PK_PLAN) {
      P->use = 0;
      return;
    }
    if (!mono) {
#pragma omp simd reduction(min : umin)
      for (PetscInt i = 0; i < m; i++) umin = PetscMin(umin, ot[dfrom[k] + i] - td);
    }
    if (mono || umin >= 0) { /* every observation after the dose: branch-free */
      PetscReal *restrict       u = W->u + n0, *restrict amt = W->amt + n0, *restrict Tp = W->T + n0, *restrict full = W->full + n0, *restrict slot = W->slot + n0;
      PetscInt *restrict        ix = W->idx + n0;
      const PnlmeDoseInfo     **di = W->di + n0;
      const PetscReal *restrict to = ot + dfrom[k];
      const PetscInt *restrict  io = oi + dfrom[k];
#pragma omp simd
      for (PetscInt i = 0; i < m; i++) {
        u[i]    = to[i] - td;
        amt[i]  = a;
        Tp[i]   = T;
        full[i] = T > 0 && (u[i] <= T || sl < 0); /* still running, or no slot: f in the lanes */
        slot[i] = full[i] > 0 ? 0 : sl;
        ix[i]   = io[i];
      }
      for (PetscInt i = 0; i < m; i++) di[i] = ddi[k];
      P->n += m;
    } else
      for (PetscInt i = dfrom[k]; i < dto[k]; i++) {
        const PetscReal u = ot[i] - td;
        if (!(u >= 0)) continue;
        W->u[P->n]    = u;
        W->amt[P->n]  = a;
        W->T[P->n]    = T;
        W->full[P->n] = T > 0 && (u <= T || sl < 0);
        W->slot[P->n] = W->full[P->n] > 0 ? 0 : sl;
        W->idx[P->n]  = oi[i];
        W->di[P->n]   = ddi[k];
        P->n++;
      }
  }
}

/* subject s's plan: the one kept (C held, no dose parameters), or made into P and W (and kept when there
   is room) */
static const PKPlan *PlanGet(const PnlmePKModel *mod, PnlmePKCache *C, const PnlmeSubject *s, const PnlmeDoseInfo info[], PKPlan *P, PKPlanStore *W)
{
  size_t h;
  if (!C || !C->held || info) {
    PlanMake(mod, s, info, P, W);
    return P;
  }
  h = (size_t)(((uint64_t)(uintptr_t)s * UINT64_C(0x9E3779B97F4A7C15)) >> 55); /* 9 bits: PK_CACHE_SLOTS */
  while (C->plan[h].s && C->plan[h].s != s) h = (h + 1) & (PK_CACHE_SLOTS - 1);
  if (C->plan[h].s == s) return &C->plan[h];
  PlanMake(mod, s, NULL, P, W);
  if (C->nplan < PK_CACHE_SLOTS / 2) {
    const PetscInt n = P->use && !P->bad ? P->n : 0, e = C->nelem;
    PKPlan        *K = &C->plan[h];
    if (e + n > PK_CACHE_ELEMS) return P;
    memcpy(C->u + e, P->u, sizeof(PetscReal) * (size_t)n);
    memcpy(C->amt + e, P->amt, sizeof(PetscReal) * (size_t)n);
    memcpy(C->T + e, P->T, sizeof(PetscReal) * (size_t)n);
    memcpy(C->full + e, P->full, sizeof(PetscReal) * (size_t)n);
    memcpy(C->slot + e, P->slot, sizeof(PetscReal) * (size_t)n);
    memcpy(C->idx + e, P->idx, sizeof(PetscInt) * (size_t)n);
    *K    = *P; /* a plan that does not apply keeps only its flags */
    K->n  = n;
    K->n0 = n ? P->n0 : 0;
    PlanView(K, C->u, C->amt, C->T, C->full, C->slot, C->idx, e, PKNoInfo);
    C->used[C->nplan++] = (PetscInt)h;
    C->nelem += n;
    return K;
  }
  return P;
}

/* dst[i] = v[sl[i]] for the slots 1..nT, v0 for slot 0 (a bolus), by selects */
static inline void SlotValues(PetscReal *restrict dst, const PetscReal *restrict sl, PetscInt m, PetscReal v0, const PetscReal v[], PetscInt nT)
{
#pragma omp simd
  for (PetscInt i = 0; i < m; i++) dst[i] = v0;
  for (PetscInt t = 1; t <= nT; t++) {
    const PetscReal vt = v[t];
#pragma omp simd
    for (PetscInt i = 0; i < m; i++) dst[i] = sl[i] == t ? vt : dst[i];
  }
}

/* the plan's elements [e0, e1), all of input p, into the blocks, their results added to pred, and with a
   block with sensitivities to sens (rows of B->npt) */
static inline PNLME_DET_ALWAYS_INLINE void PlanPushKind(PKBlock *B, const PKPlan *P, const PnlmePKInput *p, PetscInt e0, PetscInt e1, PetscReal pred[], PetscReal sens[], const int central)
{
  PetscReal fv[PNLME_PK_MAXEXP][PK_NT + 1], dfv[PNLME_PK_MAXEXP][PK_NT + 1]; /* the central input: f(T), f'(T) of the durations' slots */
  if (central)
    for (PetscInt k = 0; k < p->n; k++) {
      for (PetscInt sl = 1; sl <= P->nT; sl++) {
        PetscReal e1;
        fv[k][sl] = CentralF(p->lam[k], p->ikl[k], P->Tv[sl], &dfv[k][sl], &e1);
      }
    }
  for (PetscInt e = e0; e < e1;) {
    PetscInt m, j0;
    if (B->n && (B->nt != p->n || B->pair != p->pair || (B->sens && B->nrun == PK_SRUNS))) BlockFlush(B);
    if (B->sens) { /* the set's run, with its input's derivatives and its rows (BlockRun below extends it) */
      B->rsens[B->nrun] = sens;
      B->rin[B->nrun]   = *p;
      B->rpred[B->nrun] = pred;
      B->rend[B->nrun]  = B->n;
      B->nrun++;
    }
    j0      = B->n;
    m       = PetscMin(e1 - e, PK_BLOCK - j0);
    B->nt   = p->n;
    B->pair = p->pair;
    { /* one loop for the copies and the rate (a set's elements are few: theophylline's 11; memcpy calls
         cost more than the copies) */
      PetscReal *restrict       u = B->u + j0, *restrict amt = B->amt + j0, *restrict kap = B->kap + j0;
      PetscInt *restrict        idx = B->idx + j0;
      const PetscReal *restrict pu = P->u + e, *restrict pamt = P->amt + e, kv = p->kap;
      const PetscInt *restrict  pidx = P->idx + e;
#pragma omp simd
      for (PetscInt i = 0; i < m; i++) {
        u[i]   = pu[i];
        amt[i] = pamt[i];
        idx[i] = pidx[i];
        kap[i] = kv;
      }
      if (central) { /* infusions: the central input only (the depot's blocks do not read them) */
        memcpy(B->tinf + j0, P->T + e, sizeof(PetscReal) * (size_t)m);
        memcpy(B->full + j0, P->full + e, sizeof(PetscReal) * (size_t)m);
      }
      if (B->sens) memcpy(B->di + j0, P->di + e, sizeof(const PnlmeDoseInfo *) * (size_t)m);
    }
    BlockRun(B, m, pred);
    for (PetscInt k = 0; k < p->n; k++) {
      PetscReal *restrict c = B->c[k] + j0, *restrict l = B->lam[k] + j0, *restrict ikl = B->ikl[k] + j0;
      const PetscReal     cv = p->c[k], lv = p->lam[k], iv = p->ikl[k];
#pragma omp simd
      for (PetscInt i = 0; i < m; i++) {
        c[i]   = cv;
        l[i]   = lv;
        ikl[i] = iv;
      }
      if (central) { /* f(T) and f'(T) of each element's duration (a bolus: 1, 0), by selects */
        SlotValues(B->fT[k] + j0, P->slot + e, m, 1, fv[k], P->nT);
        if (B->sens) SlotValues(B->dfT[k] + j0, P->slot + e, m, 0, dfv[k], P->nT);
      }
    }
    B->n += m;
    e += m;
    if (B->n == PK_BLOCK) BlockFlush(B);
  }
}

/* PlanPushKind with the input's kind a constant: the depot's, and the central input's with its infusions
   (AVX2 clones help the latter: 3.7 G -> 2.3 G instructions on input/infusion/saem.yaml; not the
   former's short copies: theophylline's push 85 M without, 105 M with them) */
static void PlanPushDepot(PKBlock *B, const PKPlan *P, const PnlmePKInput *p, PetscInt e0, PetscInt e1, PetscReal pred[], PetscReal sens[])
{
  PlanPushKind(B, P, p, e0, e1, pred, sens, 0);
}

PNLME_SIMD_CLONES static void PlanPushCentral(PKBlock *B, const PKPlan *P, const PnlmePKInput *p, PetscInt e0, PetscInt e1, PetscReal pred[], PetscReal sens[])
{
  PlanPushKind(B, P, p, e0, e1, pred, sens, 1);
}

/* the plan's elements into the blocks, pred (and sens) zeroed first: the central input's (in[0]), then
   the depot's (in[1]); each observation receives its central doses in their order, then its depot doses */
static void PlanPush(PKBlock *B, const PKPlan *P, const PnlmePKInput in[2], PetscInt nobs, PetscReal pred[], PetscReal sens[])
{
  for (PetscInt j = 0; j < nobs; j++) pred[j] = 0;
  if (B->sens) memset(sens, 0, sizeof(PetscReal) * (size_t)nobs * (size_t)B->npt);
  if (P->n0) PlanPushCentral(B, P, &in[0], 0, P->n0, pred, sens);
  if (P->n > P->n0) PlanPushDepot(B, P, &in[1], P->n0, P->n, pred, sens);
}

/* DoseAccumulateAll of dose e, or with ii > 0 of its K virtual doses (a steady-state dose given lead after
   its STEADY_STATE entry); non-zero when its series is too long (SSCount) */
static inline int DoseAccumulateSS(const PnlmePKModel *mod, const PnlmePKInput in[], const PnlmeEvent *e, PetscReal ii, PetscReal lead, const PnlmeDoseInfo *di, PetscReal t, PetscReal Gc[][PNLME_PK_MAXEXP], PetscReal Gl[][PNLME_PK_MAXEXP], PetscReal Gk[][PNLME_PK_MAXEXP], PetscReal row[])
{
  PetscInt K;
  if (!(ii > 0)) { /* a plain dose */
    DoseAccumulateAll(mod, in, e, di, t, Gc, Gl, Gk, row);
    return 0;
  }
  if ((K = SSCount(&in[InputOf(mod, e->cmt)], e, ii, lead)) < 0) return 1;
  for (PetscInt j = 0; j < K; j++) {
    const PnlmeEvent v = SSVirtual(e, ii, j);
    DoseAccumulateAll(mod, in, &v, di, t, Gc, Gl, Gk, row);
  }
  return 0;
}

/* Predictions and sensitivities of one parameter set (inputs in[2]) observation by observation, the
   doses before each one accumulated: timelines with dose parameters (info: those of the entries of a
   dosed timeline), infusions, or boluses into both inputs, steady-state doses (listed at their
   STEADY_STATE entry, as PredictDoseMajor takes them); sens rows of npt columns, the model's own np first */
static int PKPredictSens(const PnlmeSubject *s, const PnlmeDoseInfo info[], const PnlmePKInput in[2], PetscInt npt, PetscReal pred[], PetscReal sens[], const PnlmePKModel *mod)
{
  const PetscInt np = mod->np;
  PetscInt       dose[PK_DOSEBUF], nd = 0, first = 0, nss = 0; /* the doses since the last reset; STEADY_STATE entries among them */
  PetscReal      ssii[PK_DOSEBUF], lead[PK_DOSEBUF];             /* a listed dose's steady-state interval (0: none) and lead */
  int            overflow = 0;

  for (PetscInt j = 0; j < s->nobs; j++) pred[j] = 0;
  memset(sens, 0, sizeof(PetscReal) * (size_t)s->nobs * (size_t)npt);

  for (PetscInt i = 0; i < s->nev; i++) {
    const PnlmeEvent *e = &s->ev[i];
    switch (e->type) {
    case PNLME_EV_BOLUS:
    case PNLME_EV_INFUSION_START:
      if (InputOf(mod, e->cmt) < 0) return 1;
      if (nss && SSTarget(s, first, i)) break; /* listed at its STEADY_STATE entry */
      if (nd < PK_DOSEBUF) {
        ssii[nd]   = 0;
        lead[nd]   = 0;
        dose[nd++] = i;
      } else overflow = 1;
      break;
    case PNLME_EV_STEADY_STATE: { /* its dose, listed here: with a lag, the observations before it receive its earlier virtual doses */
      const PetscInt d = SSDoseOf(s, i);
      nss++;
      if (d < 0) break;
      if (InputOf(mod, s->ev[d].cmt) < 0) return 1;
      if (nd < PK_DOSEBUF) {
        ssii[nd]   = e->amount;
        lead[nd]   = s->ev[d].time - e->time;
        dose[nd++] = d;
      } else overflow = 1;
    } break;
    case PNLME_EV_RESET:
      nd       = 0;
      overflow = 0;
      first    = i + 1;
      nss      = 0;
      break;
    case PNLME_EV_OBS: {
      const PetscInt idx = e->index;
      PetscReal      t, Gc[2][PNLME_PK_MAXEXP] = {{0}}, Gl[2][PNLME_PK_MAXEXP] = {{0}}, Gk[2][PNLME_PK_MAXEXP] = {{0}}, y = 0, *row;
      if (idx < 0 || idx >= s->nobs) return 1;
      t   = s->tobs[idx];
      row = sens + (size_t)idx * (size_t)npt;
      if (!overflow) {
        for (PetscInt k = 0; k < nd; k++)
          if (DoseAccumulateSS(mod, in, &s->ev[dose[k]], ssii[k], lead[k], info ? &info[dose[k]] : NULL, t, Gc, Gl, Gk, row)) return 1;
      } else
        for (PetscInt j = first; j < i; j++) { /* the same list, from the timeline */
          const PnlmeEvent *v = &s->ev[j];
          PetscInt          d;
          if (v->type == PNLME_EV_STEADY_STATE) {
            if ((d = SSDoseOf(s, j)) >= 0 && DoseAccumulateSS(mod, in, &s->ev[d], v->amount, s->ev[d].time - v->time, info ? &info[d] : NULL, t, Gc, Gl, Gk, row)) return 1;
          } else if (IsDose(v) && !(nss && SSTarget(s, first, j)) && DoseAccumulateSS(mod, in, v, 0, 0, info ? &info[j] : NULL, t, Gc, Gl, Gk, row)) return 1;
        }
      for (int ii = 0; ii < (mod->ika >= 0 ? 2 : 1); ii++) {
        const PnlmePKInput *p = &in[ii];
        for (PetscInt k = 0; k < p->n; k++) {
          y += p->c[k] * Gc[ii][k];
          for (PetscInt j = 0; j < np; j++) row[j] += Gc[ii][k] * p->dc[k][j] + Gl[ii][k] * p->dlam[k][j];
          if (p->pair)
            for (PetscInt j = 0; j < np; j++) row[j] += Gk[ii][k] * p->dkap[j];
        }
      }
      pred[idx] = y;
    } break;
    default: /* infusion ends: the start entry carries the duration */
      break;
    }
  }
  return 0;
}

/* nb parameter sets (rows of np), set L on subject s[L] (with dose parameters: its dosed timeline, info[L]
   its entries' parameters) into pred[L], and with sens (NULL: none) the sensitivities into sens[L] (rows
   of npt columns, the model's np first); rc[L] non-zero where set L fails.  The timelines a plan applies
   to (boluses, and infusions into the central input) go through blocks of SIMD lanes shared by all the
   sets; any other through PredictDoseMajor (its boluses and central infusions in the same blocks), with
   sensitivities through PKPredictSens.  A set's
   result is the one it has alone (PKPredict is this with one set).  With an early stop
   (PnlmeModelPredictManyStop) only the sets of negative budget are skipped: a prediction costs a few ns
   per observation, less than its deficit, and computing the observations in two rounds (the second for
   the sets still within budget) made the theophylline fit 5 % slower, with half the proposals stopped
   (docs/speed.md). */
static int Sets(const PnlmePKModel *mod, PnlmePKCache *cache, PetscInt nb, const PnlmeSubject *const s[], const PnlmeDoseInfo *const info[], const PetscReal phi[], PetscInt npt, PetscReal *const pred[], PetscReal *const sens[], const PnlmePredictStop *stop, int rc[])
{
  PKBlock             B;
  PKPlan              Pm; /* a plan made for this call */
  PKPlanStore         W;
  const PKPlan       *P = &Pm; /* the current set's subject's */
  const PnlmeSubject *valid = NULL; /* the last subject whose timeline PredictDoseMajor found valid */
  B.n    = 0;
  B.nrun = 0;
  B.sens = sens != NULL;
  B.np   = mod->np;
  B.npt  = npt;
  Pm.s   = NULL;
  for (PetscInt L = 0; L < nb; L++) {
    PnlmePKDisposition d;
    PnlmePKInput       in[2];
    if (stop && stop->budget[L] < 0) {
      rc[L] = PNLME_MODEL_STOPPED;
      continue;
    }
    rc[L] = LaneInputs(mod, phi + L * mod->np, sens != NULL, &d, in);
    if (rc[L]) continue;
    if (P->s != s[L]) P = PlanGet(mod, cache, s[L], info ? info[L] : NULL, &Pm, &W);
    if (P->bad) rc[L] = 1;
    else if (P->use) PlanPush(&B, P, in, s[L]->nobs, pred[L], sens ? sens[L] : NULL);
    else if (sens) rc[L] = PKPredictSens(s[L], info ? info[L] : NULL, in, npt, pred[L], sens[L], mod);
    else {
      rc[L] = PredictDoseMajor(mod, in, s[L], pred[L], &B, s[L] == valid);
      if (!rc[L]) valid = s[L];
    }
  }
  BlockFlush(&B);
  return 0;
}

int PnlmePKPredictMany(PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], const PnlmePredictStop *stop, int rc[], void *ctx)
{
  const PnlmePKContext *cx = (const PnlmePKContext *)ctx;
  return Sets(&cx->def, cx->cache, nb, s, NULL, phi, cx->def.np, pred, NULL, stop, rc);
}

int PnlmePKPredictManySens(PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], int rc[], void *ctx)
{
  const PnlmePKContext *cx = (const PnlmePKContext *)ctx;
  return Sets(&cx->def, cx->cache, nb, s, NULL, phi, cx->def.np, pred, sens, NULL, rc);
}

int PnlmePKPredictManyDoseSens(PetscInt nb, const PnlmeSubject *const s[], const PnlmeDoseInfo *const info[], const PetscReal phi[], PetscInt npt, PetscReal *const pred[], PetscReal *const sens[], int rc[], void *ctx)
{
  const PnlmePKContext *cx = (const PnlmePKContext *)ctx;
  return Sets(&cx->def, cx->cache, nb, s, info, phi, npt, pred, sens, NULL, rc);
}

/* one set: info the dose parameters of the entries of a dosed timeline (NULL: none); sens rows of npt
   columns, the model's own np first */
static int PKPredict(const PnlmeSubject *s, const PnlmeDoseInfo info[], const PetscReal phi[], PetscInt npt, PetscReal pred[], PetscReal sens[], const PnlmePKContext *cx)
{
  int rc;
  (void)Sets(&cx->def, cx->cache, 1, &s, info ? &info : NULL, phi, npt, &pred, sens ? &sens : NULL, NULL, &rc);
  return rc;
}

int PnlmePKPredict(const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[], void *ctx)
{
  const PnlmePKContext *cx = (const PnlmePKContext *)ctx;
  return PKPredict(s, NULL, phi, cx->def.np, pred, sens, cx);
}

int PnlmePKPredictDose(const PnlmeSubject *s, const PnlmeDoseInfo info[], const PetscReal phi[], PetscInt np, PetscReal pred[], PetscReal sens[], void *ctx)
{
  return PKPredict(s, info, phi, np, pred, sens, (const PnlmePKContext *)ctx);
}
