/* Helpers of the closed-form PK tests: hand-built subjects and an independent reference solution of the
   linear compartment system (matrix exponential, PnlmeTestExpm). */
#pragma once
#include <pnlmetest.h>
#include <string.h>

#define PKT_MAXOBS 2048
#define PKT_MAXEV  4096

typedef struct {
  PetscInt     nobs, nev;
  PetscReal    tobs[PKT_MAXOBS], dv[PKT_MAXOBS];
  PetscInt     obsout[PKT_MAXOBS];
  PnlmeEvent   ev[PKT_MAXEV];
  PnlmeSubject s;
} PKTSubject;

static inline void PKTInit(PKTSubject *t) { memset(t, 0, sizeof(*t)); }

static inline void PKTEvent(PKTSubject *t, PetscInt type, PetscReal time, PetscReal amount, PetscReal duration, PetscInt cmt, PetscInt index)
{
  PnlmeEvent *e = &t->ev[t->nev++];
  e->type       = type;
  e->time       = time;
  e->amount     = amount;
  e->duration   = duration;
  e->cmt        = cmt;
  e->index      = index;
}
static inline void PKTObs(PKTSubject *t, PetscReal time)
{
  t->tobs[t->nobs] = time;
  PKTEvent(t, PNLME_EV_OBS, time, 0, 0, 2, t->nobs);
  t->nobs++;
}
static inline void PKTBolus(PKTSubject *t, PetscReal time, PetscReal amt, PetscInt cmt) { PKTEvent(t, PNLME_EV_BOLUS, time, amt, 0, cmt, 0); }
/* a START entry and its END entry, as the data layer builds them */
static inline void PKTInfusion(PKTSubject *t, PetscReal time, PetscReal rate, PetscReal duration, PetscInt cmt)
{
  PKTEvent(t, PNLME_EV_INFUSION_START, time, rate, duration, cmt, 0);
  PKTEvent(t, PNLME_EV_INFUSION_END, time + duration, rate, 0, cmt, 0);
}
static inline void PKTReset(PKTSubject *t, PetscReal time) { PKTEvent(t, PNLME_EV_RESET, time, 0, 0, 0, 0); }

/* stable sort of the timeline by time (insertion order kept at equal times), then the subject view */
static inline PnlmeSubject *PKTFinish(PKTSubject *t)
{
  PnlmeTestSortTimeline(t->ev, t->nev);
  t->s.id     = 1;
  t->s.nobs   = t->nobs;
  t->s.tobs   = t->tobs;
  t->s.dv     = t->dv;
  t->s.obsout = t->obsout;
  t->s.nev    = t->nev;
  t->s.ev     = t->ev;
  return &t->s;
}

static inline PetscErrorCode PKTModel(const char name[], PnlmeModel *m)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, m));
  PetscCall(PnlmeModelSetType(*m, name));
  PetscCall(PnlmeModelSetUp(*m));
  PetscFunctionReturn(0);
}

static inline PetscErrorCode PKTPredict(PnlmeModel m, const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[])
{
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  PetscCall(PnlmeModelPredict(m, s, phi, pred, sens, &st));
  PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "prediction failed (status %d)", (int)st);
  PetscFunctionReturn(0);
}

/* ---- reference: dx/dt = K x + r(t), amounts; C = x[ic] / Vc */
#define PKT_MAXN 4
typedef struct {
  PetscInt  n;      /* compartments */
  PetscReal K[PKT_MAXN][PKT_MAXN];
  PetscInt  ic;     /* central state */
  PetscReal Vc;     /* central volume */
  PetscInt  cmt2state[8]; /* CMT -> state, -1 if no dose allowed */
} PKTSystem;

/* x <- x(t + dt) with the constant input rates r (augmented matrix [[K dt, r dt], [0, 0]]) */
static inline void PKTPropagate(const PKTSystem *sys, PetscReal x[], const PetscReal r[], PetscReal dt)
{
  PetscReal M[(PKT_MAXN + 1) * (PKT_MAXN + 1)] = {0}, E[(PKT_MAXN + 1) * (PKT_MAXN + 1)], y[PKT_MAXN];
  PetscInt  n = sys->n, m = n + 1;
  if (dt <= 0) return;
  for (PetscInt i = 0; i < n; i++) {
    for (PetscInt j = 0; j < n; j++) M[i * m + j] = sys->K[i][j] * dt;
    M[i * m + n] = r[i] * dt;
  }
  PnlmeTestExpm(m, M, E);
  for (PetscInt i = 0; i < n; i++) {
    y[i] = E[i * m + n];
    for (PetscInt j = 0; j < n; j++) y[i] += E[i * m + j] * x[j];
  }
  for (PetscInt i = 0; i < n; i++) x[i] = y[i];
}

/* walks the timeline as the ODE would: doses change the amounts or the input rates, resets empty
   everything (running infusions included), observations record C */
static inline PetscErrorCode PKTReference(const PKTSystem *sys, const PnlmeSubject *s, PetscReal pred[])
{
  PetscReal x[PKT_MAXN] = {0}, tcur = s->nev ? s->ev[0].time : 0;
  PetscReal istart[64], iend[64], irate[64];
  PetscInt  istate[64], ninf = 0;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < s->nev; i++) {
    const PnlmeEvent *e = &s->ev[i];
    /* advance to e->time, stopping at infusion ends */
    while (tcur < e->time) {
      PetscReal next = e->time, r[PKT_MAXN] = {0};
      for (PetscInt k = 0; k < ninf; k++)
        if (iend[k] > tcur && iend[k] < next) next = iend[k];
      for (PetscInt k = 0; k < ninf; k++)
        if (istart[k] <= tcur && iend[k] > tcur) r[istate[k]] += irate[k];
      PKTPropagate(sys, x, r, next - tcur);
      tcur = next;
    }
    switch (e->type) {
    case PNLME_EV_BOLUS:
      PNLME_TEST_CHECK(sys->cmt2state[e->cmt] >= 0, "reference: no dose into CMT %d", (int)e->cmt);
      x[sys->cmt2state[e->cmt]] += e->amount;
      break;
    case PNLME_EV_INFUSION_START:
      PNLME_TEST_CHECK(ninf < 64, "reference: too many infusions");
      istart[ninf] = e->time;
      iend[ninf]   = e->time + e->duration;
      irate[ninf]  = e->amount;
      istate[ninf] = sys->cmt2state[e->cmt];
      ninf++;
      break;
    case PNLME_EV_RESET:
      for (PetscInt k = 0; k < sys->n; k++) x[k] = 0;
      ninf = 0;
      break;
    case PNLME_EV_OBS:
      pred[e->index] = x[sys->ic] / sys->Vc;
      break;
    default:
      break;
    }
  }
  PetscFunctionReturn(0);
}

/* the linear system of a built-in model from its parameters (computed here, independently of the library) */
static inline PetscErrorCode PKTSystemOf(const char name[], const PetscReal p[], PKTSystem *sys)
{
  PetscReal ka = 0, k10, k12 = 0, k21 = 0, V;
  PetscBool oral, two;
  PetscFunctionBegin;
  memset(sys, 0, sizeof(*sys));
  for (int i = 0; i < 8; i++) sys->cmt2state[i] = -1;
  oral = strstr(name, "oral") ? PETSC_TRUE : PETSC_FALSE;
  two  = name[2] == '2' ? PETSC_TRUE : PETSC_FALSE;
  const PetscReal *q = oral ? p + 1 : p;
  if (oral) ka = p[0];
  if (!two) {
    V   = q[1];
    k10 = strstr(name, "_cl") ? q[0] / V : q[0];
  } else if (strstr(name, "_cl")) {
    V   = q[1];
    k10 = q[0] / V;
    k12 = q[2] / V;
    k21 = q[2] / q[3];
  } else {
    V   = q[1];
    k10 = q[0];
    k12 = q[2];
    k21 = q[3];
  }
  PetscInt c = 0; /* central state */
  if (oral) {
    sys->K[0][0]      = -ka;
    sys->K[1][0]      = ka;
    c                 = 1;
    sys->cmt2state[1] = 0;
    sys->cmt2state[2] = 1;
  } else sys->cmt2state[1] = 0;
  sys->K[c][c] = -(k10 + k12);
  if (two) {
    sys->K[c][c + 1]     = k21;
    sys->K[c + 1][c]     = k12;
    sys->K[c + 1][c + 1] = -k21;
  }
  sys->n  = c + (two ? 2 : 1);
  sys->ic = c;
  sys->Vc = V;
  PetscFunctionReturn(0);
}

static const char *const PKTModels[] = {"pk1_iv_cl", "pk1_iv_k", "pk1_oral_cl", "pk1_oral_k", "pk1_oral_ke", "pk2_iv_cl", "pk2_iv_k", "pk2_oral_cl", "pk2_oral_k"};
#define PKT_NMODELS 9

/* typical parameters of each model (same order as PKTModels) */
static inline void PKTTypical(const char name[], PetscReal p[])
{
  if (!strcmp(name, "pk1_iv_cl")) { p[0] = 2.5; p[1] = 30; }
  else if (!strcmp(name, "pk1_iv_k")) { p[0] = 0.09; p[1] = 30; }
  else if (!strcmp(name, "pk1_oral_cl")) { p[0] = 1.6; p[1] = 2.8; p[2] = 32; }
  else if (!strcmp(name, "pk1_oral_k") || !strcmp(name, "pk1_oral_ke")) { p[0] = 1.6; p[1] = 0.087; p[2] = 32; }
  else if (!strcmp(name, "pk2_iv_cl")) { p[0] = 3.0; p[1] = 20; p[2] = 4.0; p[3] = 50; }
  else if (!strcmp(name, "pk2_iv_k")) { p[0] = 0.15; p[1] = 20; p[2] = 0.2; p[3] = 0.08; }
  else if (!strcmp(name, "pk2_oral_cl")) { p[0] = 1.2; p[1] = 3.0; p[2] = 20; p[3] = 4.0; p[4] = 50; }
  else if (!strcmp(name, "pk2_oral_k")) { p[0] = 1.2; p[1] = 0.15; p[2] = 20; p[3] = 0.2; p[4] = 0.08; }
}
