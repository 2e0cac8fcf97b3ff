/* dopri5: adaptive explicit Runge-Kutta of Dormand and Prince, order 5(4), with FSAL, the PI step-size
   control, initial step heuristic, stiffness test and 4th-order dense output of Hairer's DOPRI5
   (Hairer, Norsett & Wanner, Solving ODEs I, 2nd ed., II.4-II.6).

   With sensitivities the augmented system [x; S], S' = J S + Fp (S row-major n x ns after x: the
   columns of the parameters asked for, ode.c), is
   integrated with the same steps; the local error is controlled on x only, or on x and S with
   -ode_sens_errcon (maximum of the two norms, the S tolerance of parameter k being atol/|phi_k|).
   It steps to every event time (a step cut short to land on an observation does not shrink the next
   one), or with -ode_dense_output steps past observations and interpolates them; never past tstop. */
#include "ode/odeimpl.h"
#include "ode/dopri5.h"
#include <math.h>

typedef struct {
  PetscInt   N;                             /* integrated components: n, or n(1+p) with sensitivities */
  PetscReal  t, told, h;                    /* current time, start of the last step, step size to try */
  PetscReal *y, *yold, *ynew, *ys;          /* solution at t, at told, trial, stage argument */
  PetscReal *k[7];                          /* stages; k[0] = f(told, yold), k[6] = f(t, y) (FSAL) */
  PetscReal *rc;                            /* [4 N] dense output coefficients of the last step */
  PetscReal  lfacold;                       /* log of the previous accepted error (PI control) */
  int        fresh, fsal, dense, lastreject; /* state flags */
  int        iasti, nonsti;                 /* stiffness test counters */
  PetscReal *mem;
} Dopri5;

static PetscErrorCode Dopri5Create(PnlmeODE ode, void **data)
{
  Dopri5  *d;
  PetscInt N = ode->n * (1 + ode->p);
  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  PetscCall(PetscCalloc1(15 * N, &d->mem));
  d->y    = d->mem;
  d->yold = d->mem + N;
  d->ynew = d->mem + 2 * N;
  d->ys   = d->mem + 3 * N;
  for (int i = 0; i < 7; i++) d->k[i] = d->mem + (4 + i) * N;
  d->rc = d->mem + 11 * N;
  *data  = d;
  PetscFunctionReturn(0);
}

static PetscErrorCode Dopri5Destroy(PnlmeODE ode, void **data)
{
  Dopri5 *d = (Dopri5 *)*data;
  PetscFunctionBegin;
  (void)ode;
  if (!d) PetscFunctionReturn(0);
  PetscCall(PetscFree(d->mem));
  PetscCall(PetscFree(*data));
  PetscFunctionReturn(0);
}

static int Dopri5Reinit(PnlmeODE ode, void *data, PetscReal t, const PetscReal x[], const PetscReal S[])
{
  Dopri5        *d = (Dopri5 *)data;
  const PetscInt n = ode->n;
  d->N             = ode->withsens ? n * (1 + ode->ns) : n;
  for (PetscInt i = 0; i < n; i++) d->y[i] = x[i];
  if (ode->withsens)
    for (PetscInt i = n; i < d->N; i++) d->y[i] = S[i - n];
  d->t = d->told = t;
  d->fresh       = 1;
  d->fsal        = 0;
  d->dense       = 0;
  d->lastreject  = 0;
  d->iasti = d->nonsti = 0;
  d->lfacold           = DOPRI5_LFACOLD0;
  return 0;
}

/* f(t, y) for the (augmented) system */
static inline int Dopri5F(PnlmeODE ode, PetscReal t, const PetscReal *y, PetscReal *f)
{
  if (PnlmeODERhs(ode, t, y, f)) return PNLME_ODE_ERR_MODEL;
  if (ode->withsens) return PnlmeODESensRhs(ode, t, y, f, y + ode->n, f + ode->n);
  return 0;
}

/* the components under error control and their absolute tolerance: states, then (with -ode_sens_errcon)
   sensitivities with atol / pbar_k */
static inline PetscInt Dopri5NumControlled(PnlmeODE ode, const Dopri5 *d) { return (ode->withsens && ode->senserrcon) ? d->N : ode->n; }

/* Hairer's initial step: h ~ 0.01 |y|/|f|, corrected by an estimate of the second derivative */
static int Dopri5InitialStep(PnlmeODE ode, Dopri5 *d, PetscReal tstop, PetscReal *hout)
{
  const PetscInt   n = ode->n, nc = Dopri5NumControlled(ode, d), ns = ode->ns;
  const PetscReal  rtol = ode->rtol, hmax = tstop - d->t;
  const PetscReal *y = d->y, *f0 = d->k[0];
  PetscReal       *f1 = d->k[1], *y1 = d->ynew, dnf = 0, dny = 0, der2 = 0, h;
  for (PetscInt i = 0; i < nc; i++) {
    PetscReal a  = i < n ? ode->atoleff : ode->atoleff / ode->pbar[ode->scol[(i - n) % ns]];
    PetscReal sk = a + rtol * PetscAbsReal(y[i]);
    dnf += (f0[i] / sk) * (f0[i] / sk);
    dny += (y[i] / sk) * (y[i] / sk);
  }
  h = Dopri5InitialTrial(dnf, dny, hmax);
  for (PetscInt i = 0; i < d->N; i++) y1[i] = y[i] + h * f0[i];
  if (Dopri5F(ode, d->t + h, y1, f1)) return PNLME_ODE_ERR_MODEL;
  for (PetscInt i = 0; i < nc; i++) {
    PetscReal a  = i < n ? ode->atoleff : ode->atoleff / ode->pbar[ode->scol[(i - n) % ns]];
    PetscReal sk = a + rtol * PetscAbsReal(y[i]), q = (f1[i] - f0[i]) / sk;
    der2 += q * q;
  }
  *hout = Dopri5InitialFinal(h, dnf, der2, hmax);
  return 0;
}

/* dense output at time tt in [told, t] into x (and S) */
static void Dopri5Interpolate(PnlmeODE ode, Dopri5 *d, PetscReal tt, PetscReal x[], PetscReal S[])
{
  const PetscInt  N = d->N, n = ode->n;
  const PetscReal h = d->t - d->told, th = (tt - d->told) / h;
  if (!d->dense) {
    const PetscReal *k1 = d->k[0], *k3 = d->k[2], *k4 = d->k[3], *k5 = d->k[4], *k6 = d->k[5], *k7 = d->k[6];
    for (PetscInt i = 0; i < N; i++) Dopri5DenseCoefficients(h, d->y[i], d->yold[i], k1[i], k3[i], k4[i], k5[i], k6[i], k7[i], d->rc + 4 * i);
    d->dense = 1;
  }
  for (PetscInt i = 0; i < N; i++) {
    PetscReal v = Dopri5DenseValue(d->yold[i], th, d->rc + 4 * i);
    if (i < n) x[i] = v;
    else S[i - n] = v;
  }
}

static void Dopri5Copy(PnlmeODE ode, Dopri5 *d, PetscReal x[], PetscReal S[])
{
  const PetscInt n = ode->n;
  for (PetscInt i = 0; i < n; i++) x[i] = d->y[i];
  for (PetscInt i = n; i < d->N; i++) S[i - n] = d->y[i];
}

static int Dopri5Advance(PnlmeODE ode, void *data, PetscReal tout, PetscReal tstop, PetscReal x[], PetscReal S[])
{
  Dopri5        *d = (Dopri5 *)data;
  const PetscInt N = d->N, n = ode->n, ns = ode->ns, nc = Dopri5NumControlled(ode, d);
  const PetscReal rtol = ode->rtol;
  const int      stifftest = ode->befallback != NULL; /* auto mode: hand stiff problems to cvodes_bdf */
  PetscInt       nstep     = 0;
  int            rc;

  if (d->fresh) {
    if ((rc = Dopri5F(ode, d->t, d->y, d->k[0]))) return rc;
    if ((rc = Dopri5InitialStep(ode, d, tstop, &d->h))) return rc;
    d->fresh = 0;
  }
  while (d->t < tout) {
    PetscReal *k1, *k2, *k3, *k4, *k5, *k6, *k7, *y = d->y, *ys = d->ys, *yn = d->ynew, h, err, lerr, t = d->t;
    int        last;
    if (d->fsal) { /* the last stage of the accepted step is the first of the next */
      PetscReal *tmp = d->k[0];
      d->k[0]        = d->k[6];
      d->k[6]        = tmp;
      d->fsal        = 0;
    }
    k1 = d->k[0];
    k2 = d->k[1];
    k3 = d->k[2];
    k4 = d->k[3];
    k5 = d->k[4];
    k6 = d->k[5];
    k7 = d->k[6];
    for (;;) { /* attempt steps until one is accepted */
      if (++nstep > ode->maxsteps) return PNLME_ODE_ERR_MAXSTEPS;
      h    = d->h;
      last = 0;
      if (t + 1.01 * h >= tstop) {
        h    = tstop - t;
        last = 1;
      }
      if (0.1 * h <= PetscAbsReal(t) * 2.220446049250313e-16 || !(h > 0)) return PNLME_ODE_ERR_STEPSIZE;
      for (PetscInt i = 0; i < N; i++) ys[i] = y[i] + h * A21 * k1[i];
      if ((rc = Dopri5F(ode, t + C2 * h, ys, k2))) return rc;
      for (PetscInt i = 0; i < N; i++) ys[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
      if ((rc = Dopri5F(ode, t + C3 * h, ys, k3))) return rc;
      for (PetscInt i = 0; i < N; i++) ys[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
      if ((rc = Dopri5F(ode, t + C4 * h, ys, k4))) return rc;
      for (PetscInt i = 0; i < N; i++) ys[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
      if ((rc = Dopri5F(ode, t + C5 * h, ys, k5))) return rc;
      for (PetscInt i = 0; i < N; i++) ys[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
      if ((rc = Dopri5F(ode, t + h, ys, k6))) return rc;
      for (PetscInt i = 0; i < N; i++) yn[i] = y[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]);
      if ((rc = Dopri5F(ode, t + h, yn, k7))) return rc;
      /* local error estimate */
      {
        PetscReal ex = 0, es = 0;
        for (PetscInt i = 0; i < n; i++) {
          PetscReal e = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
          PetscReal sk = ode->atoleff + rtol * PetscMax(PetscAbsReal(y[i]), PetscAbsReal(yn[i]));
          ex += (e / sk) * (e / sk);
        }
        err = sqrt(ex / n);
        if (nc > n) {
          for (PetscInt i = n; i < N; i++) {
            PetscReal e  = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
            PetscReal sk = ode->atoleff / ode->pbar[ode->scol[(i - n) % ns]] + rtol * PetscMax(PetscAbsReal(y[i]), PetscAbsReal(yn[i]));
            es += (e / sk) * (e / sk);
          }
          err = PetscMax(err, sqrt(es / (N - n)));
        }
      }
      lerr = Dopri5LogErr(err);
      if (err <= 1.0) break;
      d->h          = Dopri5Rejected(h, err, Dopri5E1(lerr));
      d->lastreject = 1;
    }
    ode->nsteps++;
    {
      PetscReal hnew = Dopri5Accepted(h, lerr, Dopri5E2(lerr, d->lfacold), d->lastreject, &d->lfacold);
      d->lastreject  = 0;
      if (!last) d->h = hnew; /* a step cut short to land on tstop keeps the proposed size */
    }
    if (stifftest) {
      PetscReal stnum = 0, stden = 0;
      for (PetscInt i = 0; i < n; i++) {
        stnum += (k7[i] - k6[i]) * (k7[i] - k6[i]);
        stden += (yn[i] - ys[i]) * (yn[i] - ys[i]);
      }
      if (Dopri5StiffTest(h, stnum, stden, &d->iasti, &d->nonsti)) return PNLME_ODE_ERR_STIFF;
    }
    d->told = t;
    d->t    = last ? tstop : t + h;
    {
      PetscReal *tmp = d->yold;
      d->yold        = d->y;
      d->y           = d->ynew;
      d->ynew        = tmp;
    }
    d->fsal  = 1;
    d->dense = 0;
  }
  /* now told <= tout <= t */
  if (tout == d->t) Dopri5Copy(ode, d, x, S);
  else Dopri5Interpolate(ode, d, tout, x, S);
  return 0;
}

const PnlmeODEBackend PnlmeODEBackendDopri5 = {"dopri5", PETSC_TRUE, PETSC_FALSE, Dopri5Create, Dopri5Destroy, Dopri5Reinit, Dopri5Advance};
