/* Several subjects through dopri5 at once, in SIMD lanes (docs/speed.md, "ODE solves in SIMD lanes").

   The predictions of nb parameter sets (set L on subject s[L], without sensitivities) are computed by up
   to PNLME_ODE_LANES slots that advance in lockstep: in a round, every slot that is integrating tries
   one step of its own size; the attempt (LanesAttempt), the stages, the right-hand side (the model's
   rhsmany, or its rhs slot by slot), the error estimates, and the acceptance or rejection on each
   slot's own error with the step-size control, the stiffness test and the step taken (LanesControl)
   run over the slots in SIMD lanes, by selects, as does the initial step of the restarted slots
   (LanesStart); then a slot that reached its next event time handles its timeline (observations,
   doses, infusions, resets) in scalar code, exactly as the one-subject driver does (ode.c).  A slot
   whose subject is finished takes the next set of the call.
   Every slot does the operations of dopri5.c (dopri5.h) in the same order, with the deterministic exp
   and log: a set's trajectory, steps and predictions have the same bits whatever shares the call and
   whichever slot it lands in, and the same as a solve alone (dopri5.c: PnlmeODESolveSubject, calls of
   one set, solves with sensitivities), so results stay independent of batching and of the number of
   ranks (tests/ode/test-ode-lanes.c).  With a stop (PnlmeModelPredictManyStop), a set whose deficits
   add up past its budget at an observation ends there (PNLME_MODEL_STOPPED) and its slot takes the next
   set: the others' trajectories are unchanged.

   With sensitivities (the columns ode->scol, error control on x only, as dopri5.c without
   -ode_sens_errcon) each slot integrates [x; S]: the stages, the steps and the dense output run over
   the N = n (1 + ns) rows in lanes, the sensitivity right-hand side J S + Fp in lanes from the slots'
   J and Fp (the model's jacmany and rhspmany, else jac and rhsp slot by slot; by PnlmeODESensRhs's
   differences slot by slot for a model without them), and the events through the one-subject driver's
   own code (PnlmeODEStart, PnlmeODEEvent: observations with their sensitivity rows, the jumps of a
   lag or a bioavailability) pointed at the slot's state.

   Layout: component i of slot s at [i nw + s], nw the slots in use in this call (at most
   PNLME_ODE_LANES, at most the call's sets).  The lanes' functions are compiled twice, for nw =
   PNLME_ODE_LANES as a constant (no remainder loops) and for fewer. */
#include "ode/odeimpl.h"
#include "ode/dopri5.h"
#include <math.h>

#define NW PNLME_ODE_LANES

/* the state the one-subject driver's pieces (ode.c) work on */
typedef struct {
  PetscReal *x, *S, *phi, *pbar, *forcing;
  PetscInt  *ninf;
} DriverState;

/* a slot's scalar state (its integrator's is in the lanes' arrays, below) */
typedef struct {
  PetscInt  lane;        /* the set in the slot, -1: empty */
  PetscInt  iev, inext;  /* the next event of its timeline; the next discontinuity (-1: unknown) */
  int       advancing;   /* integrating towards tout (the time of event iev) */
  int       dirty;       /* the integrator must restart from x */
  int       fresh;       /* restarted: its first step size comes from LanesStart */
  PetscInt  nforce;
  PetscReal td;          /* the driver's time */
  PetscReal scale;
  PetscReal deficit, budget; /* the early stop: the set's deficits so far, its budget */
} Slot;

struct _p_PnlmeODELanes {
  PetscInt   n, p, nw;
  PetscInt   N, Nmax; /* integrated rows in this call (n, or n (1 + ns) with sensitivities); n (1 + p) */
  int        withsens;
  Slot       sl[NW];
  /* per slot, in SIMD lanes: the integrator's time t, the start of its last step told, the size to try h,
     the attempt's hs, the stage time ts, the times of the next event tout and of the next discontinuity
     tstop; the attempt's error estimate and the powers of the step-size control */
  PetscReal  t[NW], told[NW], h[NW], hs[NW], ts[NW], tout[NW], tstop[NW], atoleff[NW], lfacold[NW], err[NW], lerr[NW], e1[NW], e2[NW];
  /* the first stage is the last one of the accepted step (fsal), the dense output's coefficients are
     those of the last step (dense), the last step was rejected, the attempt lands on tstop (last); the
     stiffness test's counters; steps since tout was set; an attempt's outcome (the round's accepted
     attempts, stiffness detected) */
  int        fsal[NW], dense[NW], lastreject[NW], last[NW], iasti[NW], nonsti[NW], nstep[NW], acc[NW], stiff[NW];
  /* [N nw]: solution at t, at told, trial, stage argument, stages (k[0] = f(told, yold), k[6] = f(t, y)) */
  PetscReal *y, *yold, *ynew, *ys, *k[7], *P; /* P [p nw]: the parameters */
  /* per slot, contiguous (scalar code): x [n] the driver's state, forcing [n] infusion rates, rc [4 Nmax]
     dense output coefficients, phi [p] parameters, ninf [n] active infusions, S [n p] the sensitivities
     (n x ns), pbar [p] parameter scales; w0, w1 [n], wS, wSd [n p]: scratch (slot by slot) */
  PetscReal *x, *forcing, *rc, *phi, *w0, *w1, *S, *pbar, *wS, *wSd;
  PetscReal *J, *Fp; /* [n n nw], [n p0 nw]: the slots' Jacobians and parameter derivatives, in lanes */
  PetscInt  *ninf;
  const PnlmeSubject *const  *subj;
  const PnlmeDoseInfo *const *info;
  PetscReal *const           *pred, *const *sens;
  const PnlmePredictStop     *stop;
  int                        *rcl;
  DriverState own; /* the one-subject driver's state, put back after a call with sensitivities */
};

PetscErrorCode PnlmeODELanesCreate(PnlmeODE ode, PnlmeODELanes *out)
{
  PnlmeODELanes L;
  const PetscInt n = ode->n, p = ode->p;
  PetscFunctionBegin;
  const PetscInt Nm = n * (1 + p);
  PetscCall(PetscNew(&L));
  L->n    = n;
  L->p    = p;
  L->Nmax = Nm;
  PetscCall(PetscCalloc1(4 * Nm * NW, &L->y));
  L->yold = L->y + Nm * NW;
  L->ynew = L->y + 2 * Nm * NW;
  L->ys   = L->y + 3 * Nm * NW;
  PetscCall(PetscCalloc1(7 * Nm * NW, &L->k[0]));
  for (int i = 1; i < 7; i++) L->k[i] = L->k[0] + i * Nm * NW;
  PetscCall(PetscCalloc1(p * NW, &L->P));
  PetscCall(PetscCalloc1(2 * n * NW + 4 * Nm * NW + p * NW + 2 * n, &L->x));
  L->forcing = L->x + n * NW;
  L->rc      = L->x + 2 * n * NW;
  L->phi     = L->rc + 4 * Nm * NW;
  L->w0      = L->phi + p * NW;
  L->w1      = L->w0 + n;
  PetscCall(PetscCalloc1(n * p * NW + p * NW + 2 * n * p, &L->S));
  L->pbar = L->S + n * p * NW;
  L->wS   = L->pbar + p * NW;
  L->wSd  = L->wS + n * p;
  PetscCall(PetscCalloc1(n * n * NW + n * p * NW, &L->J));
  L->Fp = L->J + n * n * NW;
  PetscCall(PetscCalloc1(n * NW, &L->ninf));
  *out = L;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeODELanesDestroy(PnlmeODELanes *L)
{
  PetscFunctionBegin;
  if (!*L) PetscFunctionReturn(0);
  PetscCall(PetscFree((*L)->y));
  PetscCall(PetscFree((*L)->k[0]));
  PetscCall(PetscFree((*L)->P));
  PetscCall(PetscFree((*L)->x));
  PetscCall(PetscFree((*L)->S));
  PetscCall(PetscFree((*L)->J));
  PetscCall(PetscFree((*L)->ninf));
  PetscCall(PetscFree(*L));
  PetscFunctionReturn(0);
}

static inline void Gather(const PnlmeODELanes L, const PetscReal *a, PetscInt s, PetscReal v[])
{
  for (PetscInt i = 0; i < L->n; i++) v[i] = a[i * L->nw + s];
}
static inline void Scatter(PnlmeODELanes L, PetscReal *a, PetscInt s, const PetscReal v[])
{
  for (PetscInt i = 0; i < L->n; i++) a[i * L->nw + s] = v[i];
}

static void DriverSet(PnlmeODE ode, const DriverState *d)
{
  ode->x       = d->x;
  ode->S       = d->S;
  ode->phi     = d->phi;
  ode->pbar    = d->pbar;
  ode->forcing = d->forcing;
  ode->ninf    = d->ninf;
}

/* the one-subject driver's state (ode.c) pointed at slot s's: its pieces then run on the slot */
static void SlotBind(PnlmeODE ode, PnlmeODELanes L, PetscInt s)
{
  const PetscInt    n = L->n, p = L->p;
  const DriverState d = {L->x + s * n, L->S + s * n * p, L->phi + s * p, L->pbar + s * p, L->forcing + s * n, L->ninf + s * n};
  DriverSet(ode, &d);
  ode->nforce = L->sl[s].nforce;
  ode->scale  = L->sl[s].scale;
}
static void SlotUnbind(PnlmeODE ode, PnlmeODELanes L, PetscInt s)
{
  L->sl[s].nforce = ode->nforce;
  L->sl[s].scale  = ode->scale;
}

/* Sdot = J S + Fp in lanes (LanesSensAnalytic): nw a constant where the compiler can unroll it */
static inline PNLME_DET_ALWAYS_INLINE void LanesJS(PetscInt n, PetscInt ns, PetscInt nw, PetscInt p0, const PetscInt *scol, const PetscReal *LJ, const PetscReal *LFp, const PetscReal *Y, PetscReal *k)
{
  for (PetscInt i = 0; i < n; i++) {
    PetscReal *vi = k + (n + i * ns) * nw; /* the rows (i, c) of k, c = 0..ns-1, one after the other */
    for (PetscInt c = 0; c < ns; c++) {
      const PetscInt   kc = scol[c];
      const PetscReal *Fi = LFp + (i * p0 + kc) * nw;
      PetscReal       *v  = vi + c * nw;
      if (kc < p0) {
#pragma omp simd
        for (PetscInt s = 0; s < nw; s++) v[s] = Fi[s];
      } else {
#pragma omp simd
        for (PetscInt s = 0; s < nw; s++) v[s] = 0.0; /* dose parameters: not in the rhs */
      }
    }
    /* the columns j of J's row i in order (each entry's sum in the order PnlmeODESensRhs takes); a J_ij
       that is 0 in every slot (J is sparse: compartments not coupled) is skipped as a whole */
    for (PetscInt j = 0; j < n; j++) {
      const PetscReal *a  = LJ + (i * n + j) * nw, *Sj = Y + (n + j * ns) * nw;
      int              nz = 0;
      for (PetscInt s = 0; s < nw; s++) nz |= a[s] != 0.0;
      if (!nz) continue;
      for (PetscInt c = 0; c < ns; c++) {
        PetscReal       *v  = vi + c * nw;
        const PetscReal *Sc = Sj + c * nw;
#pragma omp simd
        for (PetscInt s = 0; s < nw; s++) v[s] = a[s] != 0.0 ? v[s] + a[s] * Sc[s] : v[s];
      }
    }
  }
}

/* analytic (PnlmeODESensRhs with jac and rhsp): J and Fp of every slot at the stage, by the model's
   jacmany and rhspmany or else slot by slot (the same bits), then Sdot = J S + Fp in lanes, each entry
   summed over j in order with the zeros of J skipped, as PnlmeODESensRhs does */
PNLME_SIMD_CLONES static void LanesSensAnalytic(PnlmeODE ode, PnlmeODELanes L, const int active[], const PetscReal *Y, PetscReal *k, int fail[])
{
  const PetscInt   n = L->n, nw = L->nw, ns = (L->N - n) / n, p0 = ode->p0, p = L->p, *scol = ode->scol;
  PetscReal       *LJ = L->J, *LFp = L->Fp;
  if (!ode->jacmany || !ode->rhspmany || ode->jacmany(nw, L->ts, Y, L->P, LJ, ode->ctx) || ode->rhspmany(nw, L->ts, Y, L->P, LFp, ode->ctx)) {
    for (PetscInt s = 0; s < nw; s++) {
      if (!active[s] || fail[s]) continue;
      Gather(L, Y, s, L->w0);
      if (ode->jac(L->ts[s], L->w0, L->phi + s * p, ode->J, ode->ctx) || ode->rhsp(L->ts[s], L->w0, L->phi + s * p, ode->Fp, ode->ctx)) {
        fail[s] = 1;
        continue;
      }
      for (PetscInt e = 0; e < n * n; e++) LJ[e * nw + s] = ode->J[e];
      for (PetscInt e = 0; e < n * p0; e++) LFp[e * nw + s] = ode->Fp[e];
    }
  }
  if (nw == NW) LanesJS(n, ns, NW, p0, scol, LJ, LFp, Y, k);
  else LanesJS(n, ns, nw, p0, scol, LJ, LFp, Y, k);
}

/* the rows n..N-1 of k: Sdot = J S + Fp at the stage (ts, Y) of the active slots whose rhs did not
   fail (the f in k's first rows includes the infusion rates, as dopri5.c's): analytic in lanes, or by
   PnlmeODESensRhs's differences slot by slot */
static void LanesSensF(PnlmeODE ode, PnlmeODELanes L, const int active[], const PetscReal *Y, PetscReal *k, int fail[])
{
  const PetscInt n = L->n, nw = L->nw, nS = L->N - n;
  if (ode->analytic) {
    LanesSensAnalytic(ode, L, active, Y, k, fail);
    return;
  }
  for (PetscInt s = 0; s < nw; s++) {
    if (!active[s] || fail[s]) continue;
    for (PetscInt i = 0; i < n; i++) {
      L->w0[i] = Y[i * nw + s];
      L->w1[i] = k[i * nw + s];
    }
    for (PetscInt r = 0; r < nS; r++) L->wS[r] = Y[(n + r) * nw + s];
    SlotBind(ode, L, s);
    if (PnlmeODESensRhs(ode, L->ts[s], L->w0, L->w1, L->wS, L->wSd)) fail[s] = 1;
    for (PetscInt r = 0; r < nS; r++) k[(n + r) * nw + s] = L->wSd[r];
  }
}

/* k = f(ts, Y) over the slots in use (active[s] = 0 for the empty ones), plus the infusion rates when
   any slot has some; marks in fail[] the active slots whose rhs failed */
static inline void LanesF(PnlmeODE ode, PnlmeODELanes L, const int active[], int forced, const PetscReal *Y, PetscReal *k, int fail[])
{
  const PetscInt n = L->n, nw = L->nw;
  if (!ode->rhsmany || ode->rhsmany(nw, L->ts, Y, L->P, k, ode->ctx)) { /* slot by slot: the same bits */
    for (PetscInt s = 0; s < nw; s++) {
      if (!active[s]) continue;
      Gather(L, Y, s, L->w0);
      if (ode->rhs(L->ts[s], L->w0, L->phi + s * L->p, L->w1, ode->ctx)) fail[s] = 1;
      Scatter(L, k, s, L->w1);
    }
  }
  if (forced)
    for (PetscInt s = 0; s < nw; s++)
      if (active[s] && L->sl[s].nforce)
        for (PetscInt i = 0; i < n; i++) k[i * nw + s] += L->forcing[s * n + i];
  if (L->withsens) LanesSensF(ode, L, active, Y, k, fail);
}

/* Restart slot s's integrator from its driver state (dopri5.c, Dopri5Reinit) */
static void SlotReinit(PnlmeODE ode, PnlmeODELanes L, PetscInt s)
{
  Slot *q = &L->sl[s];
  Scatter(L, L->y, s, L->x + s * L->n);
  for (PetscInt r = 0; r < L->N - L->n; r++) L->y[(L->n + r) * L->nw + s] = L->S[s * L->n * L->p + r];
  L->atoleff[s] = ode->atol * (q->scale > 0 ? q->scale : 1.0);
  L->t[s] = L->told[s] = q->td;
  q->fresh             = 1;
  L->fsal[s] = L->dense[s] = L->lastreject[s] = 0;
  L->iasti[s] = L->nonsti[s] = 0;
  L->lfacold[s]              = DOPRI5_LFACOLD0;
}

/* k[0] = f(t, y) and Hairer's initial step (dopri5.c, Dopri5InitialStep) of the slots marked in start[],
   whose integrators were just restarted: their two right-hand sides are evaluated together (LanesF),
   and the rest, each slot's own arithmetic in the order of dopri5.c, runs in SIMD lanes over all the
   slots and is kept for the marked ones.  k[1], k[2] and ys are free between rounds (a slot waiting for
   its next attempt needs only k[0] and k[6]).  Marks in fail[] the slots whose rhs failed. */
static inline PNLME_DET_ALWAYS_INLINE void LanesStartBody(PnlmeODE ode, PnlmeODELanes L, const int start[], int fail[], const PetscInt nw)
{
  const PetscInt   n = L->n, N = L->N;
  const PetscReal  rtol = ode->rtol, *y = L->y, *t = L->t, *tstop = L->tstop, *atoleff = L->atoleff;
  PetscReal       *f0 = L->k[1], *y1 = L->ys, *f1 = L->k[2], *k0 = L->k[0], *ts = L->ts, dnf[NW], dny[NW], der2[NW], h0[NW];
  int              forced = 0, second[NW] = {0};
  for (PetscInt s = 0; s < nw; s++) {
    ts[s]   = t[s];
    fail[s] = 0;
    forced |= start[s] && L->sl[s].nforce > 0;
  }
  LanesF(ode, L, start, forced, y, f0, fail);
#pragma omp simd
  for (PetscInt s = 0; s < nw; s++) {
    second[s] = start[s] && !fail[s];
    dnf[s] = dny[s] = der2[s] = 0;
  }
  for (PetscInt i = 0; i < n; i++) {
#pragma omp simd
    for (PetscInt s = 0; s < nw; s++) {
      const PetscInt  j  = i * nw + s;
      const PetscReal sk = atoleff[s] + rtol * PetscAbsReal(y[j]);
      dnf[s] += (f0[j] / sk) * (f0[j] / sk);
      dny[s] += (y[j] / sk) * (y[j] / sk);
    }
  }
#pragma omp simd
  for (PetscInt s = 0; s < nw; s++) {
    h0[s] = Dopri5InitialTrial(dnf[s], dny[s], tstop[s] - t[s]);
    ts[s] = second[s] ? t[s] + h0[s] : t[s];
  }
  for (PetscInt i = 0; i < N; i++) {
#pragma omp simd
    for (PetscInt s = 0; s < nw; s++) {
      const PetscInt j = i * nw + s;
      k0[j]            = second[s] ? f0[j] : k0[j];
      y1[j]            = second[s] ? y[j] + h0[s] * f0[j] : y[j];
    }
  }
  LanesF(ode, L, second, forced, y1, f1, fail);
  for (PetscInt i = 0; i < n; i++) {
#pragma omp simd
    for (PetscInt s = 0; s < nw; s++) {
      const PetscInt  j  = i * nw + s;
      const PetscReal sk = atoleff[s] + rtol * PetscAbsReal(y[j]), q = (f1[j] - f0[j]) / sk;
      der2[s] += q * q;
    }
  }
#pragma omp simd
  for (PetscInt s = 0; s < nw; s++) {
    const PetscReal h = Dopri5InitialFinal(h0[s], dnf[s], der2[s], tstop[s] - t[s]);
    L->h[s]           = second[s] && !fail[s] ? h : L->h[s];
  }
  {
    PetscInt64 nrhs = 0;
    for (PetscInt s = 0; s < nw; s++) {
      nrhs += start[s] + second[s];
      if (second[s] && !fail[s]) L->sl[s].fresh = 0;
    }
    ode->nrhs += nrhs;
  }
}
PNLME_SIMD_CLONES static void LanesStart(PnlmeODE ode, PnlmeODELanes L, const int start[], int fail[])
{
  if (L->nw == NW) LanesStartBody(ode, L, start, fail, NW);
  else LanesStartBody(ode, L, start, fail, L->nw);
}

/* the driver state of slot s at its time tout = told..t: the solution or the dense output */
static void SlotOut(PnlmeODELanes L, PetscInt s)
{
  const PetscInt n = L->n, nw = L->nw, N = L->N;
  PetscReal     *x = L->x + s * n, *S = L->S + s * n * L->p, *rc = L->rc + 4 * L->Nmax * s;
  if (L->tout[s] == L->t[s]) {
    Gather(L, L->y, s, x);
    for (PetscInt i = n; i < N; i++) S[i - n] = L->y[i * nw + s];
    return;
  }
  if (!L->dense[s]) {
    const PetscReal h = L->t[s] - L->told[s];
    for (PetscInt i = 0; i < N; i++) {
      const PetscInt j = i * nw + s;
      Dopri5DenseCoefficients(h, L->y[j], L->yold[j], L->k[0][j], L->k[2][j], L->k[3][j], L->k[4][j], L->k[5][j], L->k[6][j], rc + 4 * i);
    }
    L->dense[s] = 1;
  }
  {
    const PetscReal th = (L->tout[s] - L->told[s]) / (L->t[s] - L->told[s]);
    for (PetscInt i = 0; i < n; i++) x[i] = Dopri5DenseValue(L->yold[i * nw + s], th, rc + 4 * i);
    for (PetscInt i = n; i < N; i++) S[i - n] = Dopri5DenseValue(L->yold[i * nw + s], th, rc + 4 * i);
  }
}

/* x = x0(phi), infusions stopped (ode.c, PnlmeODEStart) */
static int SlotInit(PnlmeODE ode, PnlmeODELanes L, PetscInt s)
{
  const PetscInt n = L->n;
  PetscReal     *x = L->x + s * n;
  if (L->withsens) { /* and S = dx0/dphi: the one-subject driver's code */
    int rc;
    SlotBind(ode, L, s);
    rc = PnlmeODEStart(ode);
    SlotUnbind(ode, L, s);
    return rc ? PNLME_ODE_ERR_MODEL : 0;
  }
  for (PetscInt i = 0; i < n; i++) {
    L->forcing[s * n + i] = 0.0;
    L->ninf[s * n + i]    = 0;
  }
  L->sl[s].nforce = 0;
  if (ode->init(L->phi + s * L->p, x, NULL, ode->ctx)) return PNLME_ODE_ERR_MODEL;
  for (PetscInt i = 0; i < n; i++) L->sl[s].scale = PetscMax(L->sl[s].scale, PetscAbsReal(x[i]));
  return 0;
}

enum { SLOT_STEP = -2, SLOT_DONE = -3 }; /* apart from 0, the failure codes (> 0) and PNLME_MODEL_STOPPED (-1) */

/* Walks slot s's timeline from its next event (ode.c, PnlmeODEDrive, without sensitivities) until it
   must integrate (SLOT_STEP), is finished (SLOT_DONE), fails (a PNLME_ODE_ERR code) or is stopped
   by its budget (PNLME_MODEL_STOPPED). */
static int SlotRun(PnlmeODE ode, PnlmeODELanes L, PetscInt s)
{
  Slot               *q   = &L->sl[s];
  const PnlmeSubject *sub = L->subj[q->lane];
  const PnlmeEvent   *ev  = sub->ev;
  const PetscInt      nev = sub->nev, n = L->n;
  PetscReal          *x = L->x + s * n;
  int                 rc;
  for (; q->iev < nev; q->iev++) {
    const PnlmeEvent *e = &ev[q->iev];
    PetscInt          st;
    if (q->advancing) { /* back from the lockstep rounds: t >= tout */
      q->advancing = 0;
      SlotOut(L, s);
      q->td = e->time;
    } else if (e->time - q->td <= 1e-13 * PetscMax(1.0, PetscAbsReal(q->td))) q->td = PetscMax(q->td, e->time); /* same time up to round-off */
    else {
      if (q->dirty) {
        SlotReinit(ode, L, s);
        q->dirty = 0;
      }
      if (q->inext < q->iev) {
        q->inext = q->iev;
        while (q->inext < nev && ev[q->inext].type == PNLME_EV_OBS) q->inext++;
      }
      L->tstop[s] = ode->dense ? (q->inext < nev ? ev[q->inext].time : ev[nev - 1].time) : e->time;
      L->tout[s]  = e->time;
      L->nstep[s] = 0;
      /* a restarted integrator (fresh) gets its first step size from LanesStart, before the next round */
      if (L->t[s] < L->tout[s]) {
        q->advancing = 1;
        return SLOT_STEP;
      }
      SlotOut(L, s);
      q->td = e->time;
    }
    if (L->withsens) { /* the one-subject driver's code on the slot's state */
      int dirty = 0;
      SlotBind(ode, L, s);
      rc = PnlmeODEEvent(ode, sub, L->info ? L->info[q->lane] : NULL, q->iev, q->td, L->pred[q->lane], L->sens[q->lane], &dirty);
      SlotUnbind(ode, L, s);
      if (rc) return rc;
      q->dirty |= dirty;
      continue;
    }
    switch (e->type) {
    case PNLME_EV_OBS:
      if (ode->output(q->td, x, L->phi + s * L->p, sub->obsout ? sub->obsout[e->index] : 0, &L->pred[q->lane][e->index], NULL, NULL, ode->ctx)) return PNLME_ODE_ERR_MODEL;
      if (L->stop) {
        q->deficit += L->stop->deficit(L->stop->ctx, sub, e->index, e->index + 1, L->pred[q->lane]);
        if (q->deficit > q->budget) return PNLME_MODEL_STOPPED;
      }
      break;
    case PNLME_EV_RESET:
      if ((rc = SlotInit(ode, L, s))) return rc;
      q->dirty = 1;
      break;
    default:
      if ((st = PnlmeODEDoseState(ode->m, e->cmt)) < 0 || st >= n) return PNLME_ODE_ERR_DATA;
      if (PnlmeODEApplyDose(e, st, x, L->forcing + s * n, L->ninf + s * n, &q->nforce, &q->scale)) return PNLME_ODE_ERR_DATA;
      q->dirty = 1;
    }
  }
  return SLOT_DONE;
}

/* puts set `lane` into slot s and runs it to its first integration; returns SlotRun's code */
static int SlotLoad(PnlmeODE ode, PnlmeODELanes L, PetscInt s, PetscInt lane, const PetscReal phi[])
{
  Slot               *q   = &L->sl[s];
  const PnlmeSubject *sub = L->subj[lane];
  int                 rc;
  q->lane = lane;
  if (L->stop) {
    q->deficit = 0;
    q->budget  = L->stop->budget[lane];
    if (q->budget < 0) return PNLME_MODEL_STOPPED; /* rejected before any solve */
  }
  {
    const PetscInt   p = L->p, nw = L->nw;
    const PetscReal *ph = phi + lane * p;
    PetscReal       *sphi = L->phi + s * p, *pbar = L->pbar + s * p;
    for (PetscInt k = 0; k < p; k++) sphi[k] = L->P[k * nw + s] = ph[k];
    if (L->withsens) /* the parameter scales (ode.c, PnlmeODESetParameters): the sensitivities' only */
      for (PetscInt k = 0; k < p; k++) pbar[k] = ph[k] != 0.0 ? PetscAbsReal(ph[k]) : 1.0;
  }
  ode->nsolve++;
  if (sub->nev <= 0) return SLOT_DONE;
  q->td        = PetscMin(0.0, sub->ev[0].time);
  q->scale     = 0.0;
  q->iev       = 0;
  q->inext     = -1;
  q->advancing = 0;
  q->dirty     = 1;
  if ((rc = SlotInit(ode, L, s))) return rc;
  return SlotRun(ode, L, s);
}

/* the set in slot s ends with code rc; the slot takes the next sets of the call until one must
   integrate (active[s] = 1) or none is left (active[s] = 0) */
static void SlotFinish(PnlmeODE ode, PnlmeODELanes L, PetscInt s, int rc, PetscInt nb, const PetscReal phi[], PetscInt *next, int active[])
{
  if (L->sl[s].lane >= 0) L->rcl[L->sl[s].lane] = rc == SLOT_DONE ? 0 : rc;
  L->sl[s].lane = -1;
  active[s]     = 0;
  while (*next < nb) { /* (an empty slot's step size is zeroed with the round's attempts) */
    const PetscInt lane = (*next)++;
    rc                  = SlotLoad(ode, L, s, lane, phi);
    if (rc == SLOT_STEP) {
      active[s] = 1;
      return;
    }
    L->rcl[lane] = rc == SLOT_DONE ? 0 : rc;
  }
  L->sl[s].lane = -1;
}

/* the next attempts (Dopri5Advance) of the slots marked in att[], in SIMD lanes: the first stage from the
   accepted step's last (fsal), the step count, the step size in hs[s], cut to land on tstop; code[s] a
   failure code (too many steps, a step size below round-off) or 0 */
static inline PNLME_DET_ALWAYS_INLINE void LanesAttemptBody(PnlmeODE ode, PnlmeODELanes L, const int att[], int code[], const PetscInt nw)
{
  const PetscInt  N = L->N, maxsteps = ode->maxsteps;
  const PetscReal *t = L->t, *tstop = L->tstop, *h = L->h, *k7 = L->k[6];
  PetscReal       *k1 = L->k[0], *hs = L->hs;
  int             *fsal = L->fsal, *last = L->last, *nstep = L->nstep;
  for (PetscInt i = 0; i < N; i++) {
#pragma omp simd
    for (PetscInt s = 0; s < nw; s++) {
      const PetscInt j = i * nw + s;
      k1[j]            = att[s] && fsal[s] ? k7[j] : k1[j];
    }
  }
#pragma omp simd
  for (PetscInt s = 0; s < nw; s++) {
    const int       a = att[s], cut = t[s] + 1.01 * h[s] >= tstop[s], ns = nstep[s] + a;
    const PetscReal hh = cut ? tstop[s] - t[s] : h[s];
    fsal[s]  = a ? 0 : fsal[s];
    nstep[s] = ns;
    last[s]  = a ? cut : last[s];
    hs[s]    = a ? hh : hs[s];
    code[s]  = !a ? 0 : (ns > maxsteps ? PNLME_ODE_ERR_MAXSTEPS : (0.1 * hh <= PetscAbsReal(t[s]) * 2.220446049250313e-16 || !(hh > 0) ? PNLME_ODE_ERR_STEPSIZE : 0));
  }
}
PNLME_SIMD_CLONES static void LanesAttempt(PnlmeODE ode, PnlmeODELanes L, const int att[], int code[])
{
  if (L->nw == NW) LanesAttemptBody(ode, L, att, code, NW);
  else LanesAttemptBody(ode, L, att, code, L->nw);
}

/* after a round, in SIMD lanes: each active slot whose rhs did not fail accepts its attempt (acc[s]: the
   PI step-size control, the stiffness test when asked, the step taken) or rejects it (a smaller step
   size); stiff[s] marks the accepted ones whose stiffness test fired (Dopri5Advance's order) */
static inline PNLME_DET_ALWAYS_INLINE void LanesControlBody(PnlmeODELanes L, const int active[], const int fail[], int stifftest, const PetscInt nw)
{
  const PetscInt   n = L->n, N = L->N;
  const PetscReal *hs = L->hs, *err = L->err, *ynew = L->ynew, *ys = L->ys, *k6 = L->k[5], *k7 = L->k[6];
  PetscReal       *y = L->y, *yold = L->yold, stnum[NW], stden[NW];
  int             *acc = L->acc, *stiff = L->stiff;
#pragma omp simd
  for (PetscInt s = 0; s < nw; s++) {
    const int       ok = active[s] && !fail[s], a = ok && err[s] <= 1.0, r = ok && !(err[s] <= 1.0);
    PetscReal       lf;
    const PetscReal hacc = Dopri5Accepted(hs[s], L->lerr[s], L->e2[s], L->lastreject[s], &lf), hrej = Dopri5Rejected(hs[s], err[s], L->e1[s]);
    acc[s]           = a;
    L->h[s]          = a ? (L->last[s] ? L->h[s] : hacc) : (r ? hrej : L->h[s]); /* a step cut short to land on tstop keeps the proposed size */
    L->lfacold[s]    = a ? lf : L->lfacold[s];
    L->lastreject[s] = a ? 0 : (r ? 1 : L->lastreject[s]);
    stnum[s] = stden[s] = 0;
  }
  if (stifftest) {
    for (PetscInt i = 0; i < n; i++) {
#pragma omp simd
      for (PetscInt s = 0; s < nw; s++) {
        const PetscInt j = i * nw + s;
        stnum[s] += (k7[j] - k6[j]) * (k7[j] - k6[j]);
        stden[s] += (ynew[j] - ys[j]) * (ynew[j] - ys[j]);
      }
    }
#pragma omp simd
    for (PetscInt s = 0; s < nw; s++) {
      int       ia = L->iasti[s], ns = L->nonsti[s];
      const int st = Dopri5StiffTest(hs[s], stnum[s], stden[s], &ia, &ns);
      stiff[s]     = acc[s] && st;
      L->iasti[s]  = acc[s] ? ia : L->iasti[s];
      L->nonsti[s] = acc[s] ? ns : L->nonsti[s];
    }
  } else {
#pragma omp simd
    for (PetscInt s = 0; s < nw; s++) stiff[s] = 0;
  }
#pragma omp simd
  for (PetscInt s = 0; s < nw; s++) {
    const int a = acc[s];
    L->told[s]  = a ? L->t[s] : L->told[s];
    L->t[s]     = a ? (L->last[s] ? L->tstop[s] : L->t[s] + hs[s]) : L->t[s];
    L->fsal[s]  = a ? 1 : L->fsal[s];
    L->dense[s] = a ? 0 : L->dense[s];
  }
  for (PetscInt i = 0; i < N; i++) {
#pragma omp simd
    for (PetscInt s = 0; s < nw; s++) {
      const PetscInt j = i * nw + s;
      yold[j]          = acc[s] ? y[j] : yold[j];
      y[j]             = acc[s] ? ynew[j] : y[j];
    }
  }
}
PNLME_SIMD_CLONES static void LanesControl(PnlmeODELanes L, const int active[], const int fail[], int stifftest)
{
  if (L->nw == NW) LanesControlBody(L, active, fail, stifftest, NW);
  else LanesControlBody(L, active, fail, stifftest, L->nw);
}

/* ys (or yn) = y + h sum_l a_l k_l at ts = t + c h, in lanes; the empty slots compute with h = 0 */
#define STAGE(c, dst, expr) \
  do { \
    _Pragma("omp simd") for (PetscInt s = 0; s < nw; s++) ts[s] = t[s] + (c) * hs[s]; \
    for (PetscInt i = 0; i < N; i++) { \
      _Pragma("omp simd") for (PetscInt s = 0; s < nw; s++) { \
        const PetscInt  j = i * nw + s; \
        const PetscReal h = hs[s]; \
        dst[j]            = expr; \
      } \
    } \
  } while (0)

/* one round: every active slot tries one step */
static inline PNLME_DET_ALWAYS_INLINE void LanesRoundBody(PnlmeODE ode, PnlmeODELanes L, const int active[], int forced, int fail[], const PetscInt nw)
{
  const PetscInt   n = L->n, N = L->N;
  const PetscReal  rtol = ode->rtol, *hs = L->hs, *t = L->t, *y = L->y, *atoleff = L->atoleff;
  PetscReal       *ys = L->ys, *yn = L->ynew, *ts = L->ts, *err = L->err;
  PetscReal       *k1 = L->k[0], *k2 = L->k[1], *k3 = L->k[2], *k4 = L->k[3], *k5 = L->k[4], *k6 = L->k[5], *k7 = L->k[6];
  STAGE(C2, ys, y[j] + h * A21 * k1[j]);
  LanesF(ode, L, active, forced, ys, k2, fail);
  STAGE(C3, ys, y[j] + h * (A31 * k1[j] + A32 * k2[j]));
  LanesF(ode, L, active, forced, ys, k3, fail);
  STAGE(C4, ys, y[j] + h * (A41 * k1[j] + A42 * k2[j] + A43 * k3[j]));
  LanesF(ode, L, active, forced, ys, k4, fail);
  STAGE(C5, ys, y[j] + h * (A51 * k1[j] + A52 * k2[j] + A53 * k3[j] + A54 * k4[j]));
  LanesF(ode, L, active, forced, ys, k5, fail);
  STAGE(1.0, ys, y[j] + h * (A61 * k1[j] + A62 * k2[j] + A63 * k3[j] + A64 * k4[j] + A65 * k5[j]));
  LanesF(ode, L, active, forced, ys, k6, fail);
  STAGE(1.0, yn, y[j] + h * (A71 * k1[j] + A73 * k3[j] + A74 * k4[j] + A75 * k5[j] + A76 * k6[j]));
  LanesF(ode, L, active, forced, yn, k7, fail);
  /* local error estimates and the powers of the step-size control */
#pragma omp simd
  for (PetscInt s = 0; s < nw; s++) err[s] = 0;
  for (PetscInt i = 0; i < n; i++) {
#pragma omp simd
    for (PetscInt s = 0; s < nw; s++) {
      const PetscInt  j = i * nw + s;
      const PetscReal e  = hs[s] * (E1 * k1[j] + E3 * k3[j] + E4 * k4[j] + E5 * k5[j] + E6 * k6[j] + E7 * k7[j]);
      const PetscReal sk = atoleff[s] + rtol * PetscMax(PetscAbsReal(y[j]), PetscAbsReal(yn[j]));
      err[s] += (e / sk) * (e / sk);
    }
  }
#pragma omp simd
  for (PetscInt s = 0; s < nw; s++) {
    err[s] = sqrt(err[s] / n);
    Dopri5Powers(err[s], L->lfacold[s], &L->lerr[s], &L->e1[s], &L->e2[s]);
  }
}
#undef STAGE
PNLME_SIMD_CLONES static void LanesRound(PnlmeODE ode, PnlmeODELanes L, const int active[], int forced, int fail[])
{
  if (L->nw == NW) LanesRoundBody(ode, L, active, forced, fail, NW);
  else LanesRoundBody(ode, L, active, forced, fail, L->nw);
}

int PnlmeODELanesSolve(PnlmeODE ode, PetscInt nb, const PnlmeSubject *const subj[], const PnlmeDoseInfo *const info[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], const PnlmePredictStop *stop, int rcl[])
{
  PnlmeODELanes L         = ode->lanes;
  const int     stifftest = ode->befallback != NULL;
  PetscInt      next = 0, nw;
  int           active[NW], fail[NW];

  L->subj     = subj;
  L->info     = info;
  L->pred     = pred;
  L->sens     = sens;
  L->stop     = sens ? NULL : stop;
  L->rcl      = rcl;
  L->withsens = ode->withsens = sens ? 1 : 0;
  L->N        = sens ? L->n * (1 + ode->ns) : L->n;
  if (sens) { /* the slots' events run the one-subject driver's code on their state (SlotBind) */
    const DriverState own = {ode->x, ode->S, ode->phi, ode->pbar, ode->forcing, ode->ninf};
    L->own                = own;
  }
  L->nw = nw = PetscMin(nb, NW);
  for (PetscInt s = 0; s < nw; s++) {
    L->sl[s].lane = -1;
    SlotFinish(ode, L, s, 0, nb, phi, &next, active);
  }
  for (;;) {
    int        any = 0, forced = 0, tried[NW];
    PetscInt64 nacc = 0;
    for (PetscInt s = 0; s < nw; s++) tried[s] = 0;
    /* the attempts: the restarted integrators first get their initial steps, together; a slot whose set
       fails takes the next one, which is started in the next pass */
    for (int again = 1; again;) {
      int start[NW], att[NW], code[NW], nstart = 0, natt = 0;
      again = 0;
      for (PetscInt s = 0; s < nw; s++) nstart += start[s] = active[s] && L->sl[s].fresh;
      if (nstart) {
        LanesStart(ode, L, start, fail);
        for (PetscInt s = 0; s < nw; s++)
          if (start[s] && fail[s]) {
            SlotFinish(ode, L, s, PNLME_ODE_ERR_MODEL, nb, phi, &next, active);
            again = 1;
          }
      }
      for (PetscInt s = 0; s < nw; s++) {
        natt += att[s] = active[s] && !tried[s] && !L->sl[s].fresh;
        again |= active[s] && L->sl[s].fresh;
      }
      if (!natt) continue;
      LanesAttempt(ode, L, att, code);
      for (PetscInt s = 0; s < nw; s++) {
        if (!att[s]) continue;
        if (code[s]) {
          SlotFinish(ode, L, s, code[s], nb, phi, &next, active);
          again = 1;
        } else tried[s] = 1;
      }
    }
    for (PetscInt s = 0; s < nw; s++) {
      fail[s] = 0;
      if (!active[s]) L->hs[s] = 0;
      else forced |= L->sl[s].nforce > 0;
      any += active[s];
    }
    if (!any) break;
    ode->nrhs += 6 * any;
    LanesRound(ode, L, active, forced, fail);
    LanesControl(L, active, fail, stifftest);
    for (PetscInt s = 0; s < nw; s++) nacc += L->acc[s];
    ode->nsteps += nacc;
    for (PetscInt s = 0; s < nw; s++) {
      int rc;
      if (!active[s]) continue;
      if (fail[s]) rc = PNLME_ODE_ERR_MODEL;
      else if (L->stiff[s]) rc = PNLME_ODE_ERR_STIFF;
      else if (!L->acc[s] || L->t[s] < L->tout[s]) continue;
      else if ((rc = SlotRun(ode, L, s)) == SLOT_STEP) continue;
      SlotFinish(ode, L, s, rc, nb, phi, &next, active);
    }
  }
  if (sens) DriverSet(ode, &L->own);
  return 0;
}
