/* Speed of a model evaluation: subject solves per second on one core, and microseconds per solve, for
   - the closed form pk1_oral_ke at 10 observation times (when registered) and its ODE twin,
   - the closed form pk2_oral_cl with infusions into the central compartment, and with a loading
     infusion then oral doses (both compartments dosed), 14 observation times (section pkdose),
   - the neonatal ODE (6 observation times) with and without sensitivities (5 parameters),
   - the turnover PK-PD ODE (3 states, 7 parameters, 16 observations of 2 outputs),
   by every integrator path, at the tolerances given on the command line (default -ode_rtol 1e-6);
   the largest relative error of the predictions against dopri5 at rtol 1e-12 is shown alongside.
   Individual parameters are drawn around the typical values (one subject pool, cycled), so no two
   consecutive solves are the same.  A last section integrates B neonatal subjects as one CVODES (or
   ARKODE) system of size B, with the plain WRMS norm and with weights scaled by sqrt(B) (the WRMS norm
   then bounds every subject's own weighted error).

   Usage: bench-modeleval [-bench_time 0.3] [-bench_reps 3] [-bench_many 32] [-bench_sections pk1,pkdose,neonate,turnover,log,batch]
                          [-ode_rtol 1e-6] [-ode_atol 1e-9] */
#include <pnlme.h>
#include "../tests/lang/langsubjects.h" /* the subjects of the model-file tests: neonates, turnover */
#include "model/modelimpl.h"
#include <cvodes/cvodes.h>
#include <cvodes/cvodes_diag.h>
#include <arkode/arkode_erkstep.h>
#include <nvector/nvector_serial.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>
#include <math.h>
#include <string.h>

/* theophylline-like one compartment: 320 mg oral at t = 0, 10 samples over 24 h */
static void DrawPK1(PetscInt i, LSubject *b)
{
  const PetscReal typ[3] = {1.6, 0.087, 32.0}, om[3] = {0.5, 0.15, 0.13}, t[10] = {0.25, 0.5, 1, 2, 3.5, 5, 7, 9, 12, 24};
  PnlmeRNG        r;
  PnlmeRNGInit(&r, 9, (uint64_t)i, 0);
  LSStart(b, i);
  for (int k = 0; k < 3; k++) b->phi[k] = typ[k] * exp(om[k] * PnlmeRNGNormal(&r));
  LSAdd(b, 0.0, PNLME_EV_BOLUS, 320.0, 0, 1, 0);
  for (int j = 0; j < 10; j++) LSAdd(b, t[j], PNLME_EV_OBS, 0, 0, 0, 0);
}

/* two compartments with a depot (pk2_oral_cl): infusions of 1000 mg over 1 h into the central compartment
   (CMT 2) every 12 h, 6 of them (mixed = 0), or one such loading infusion then oral doses of 500 mg into
   the depot (CMT 1) every 12 h from 12 h (mixed = 1); 14 samples over 84 h */
static void DrawPK2Dose(PetscInt i, LSubject *b, int mixed)
{
  const PetscReal typ[5] = {1.0, 4.0, 30.0, 6.0, 40.0}, t[14] = {0.5, 1, 2, 4, 8, 11.9, 23.9, 47.9, 61, 62, 64, 68, 71.9, 84};
  PnlmeRNG        r;
  PnlmeRNGInit(&r, 10 + mixed, (uint64_t)i, 0);
  LSStart(b, i);
  for (int k = 0; k < 5; k++) b->phi[k] = typ[k] * exp(0.25 * PnlmeRNGNormal(&r));
  for (int j = 0; j < 14; j++) LSAdd(b, t[j], PNLME_EV_OBS, 0, 0, 0, 0);
  for (int d = 0; d < 6; d++) {
    if (mixed && d > 0) LSAdd(b, 12.0 * d, PNLME_EV_BOLUS, 500, 0, 1, 0);
    else {
      LSAdd(b, 12.0 * d, PNLME_EV_INFUSION_START, 1000, 1, 2, 0);
      LSAdd(b, 12.0 * d + 1, PNLME_EV_INFUSION_END, 1000, 0, 2, 0);
    }
  }
  for (PetscInt a = 1; a < b->s.nev; a++) /* stable sort by time (doses before the samples at their time: none here) */
    for (PetscInt c = a; c > 0 && b->ev[c - 1].time > b->ev[c].time; c--) {
      PnlmeEvent e = b->ev[c];
      b->ev[c]     = b->ev[c - 1];
      b->ev[c - 1] = e;
    }
}

#define MAXMANY 64
static PetscReal BenchTime = 0.3;
static PetscInt  BenchMany = 32;
static PetscInt  BenchReps = 3;

/* a model of a type with an integrator; prefix "ref_" models are the dopri5 rtol 1e-12 reference */
static PetscErrorCode MakeModel(const char type[], const char integ[], PetscBool ref, PnlmeModel *m)
{
  PetscErrorCode ierr;
  PetscFunctionBegin;
  *m = NULL;
  if (integ) PetscCall(PetscOptionsSetValue(NULL, "-ode_integrator", integ));
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, m));
  if (ref) PetscCall(PetscObjectSetOptionsPrefix((PetscObject)*m, "ref_"));
  ierr = PnlmeModelSetType(*m, type);
  if (ierr) { /* not registered */
    PetscCall(PnlmeModelDestroy(m));
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeModelSetFromOptions(*m));
  PetscCall(PnlmeModelSetUp(*m));
  PetscFunctionReturn(0);
}

/* best of BenchReps runs of at least BenchTime seconds each, cycling through the pool */
static PetscErrorCode Measure(PnlmeModel m, LSubject *pool, PetscInt npool, PetscBool withsens, PetscInt many, double *us, double *steps, double *rhs, PetscInt *nfail)
{
  PetscReal        pred[LS_MAXOBS], sens[LS_MAXOBS * 8];
  PnlmeSolveStatus st;
  PetscInt64       npred0, nf0, nr0, ns0, npred1, nf1, nr1, ns1;
  PetscFunctionBegin;
  *us = 1e30;
  for (PetscInt i = 0; i < PetscMin(npool, 64); i++) PetscCall(PnlmeModelPredict(m, &pool[i].s, pool[i].phi, pred, withsens ? sens : NULL, &st));
  PetscCall(PnlmeModelGetStats(m, &npred0, &nf0, &nr0, &ns0));
  for (PetscInt rep = 0; rep < BenchReps; rep++) {
    PetscLogDouble t0, t1;
    PetscInt       n = 0;
    PetscCall(PetscTime(&t0));
    do {
      if (many > 1) { /* sets of `many` on as many subjects in one call, as the E-step hands them */
        const PnlmeSubject *sl[MAXMANY];
        PetscReal           phis[MAXMANY * 8], pm[MAXMANY][LS_MAXOBS], *pl[MAXMANY];
        PnlmeSolveStatus    stm[MAXMANY];
        for (PetscInt k = 0; k < many; k++, n++) {
          LSubject *b = &pool[n % npool];
          sl[k]       = &b->s;
          pl[k]       = pm[k];
          for (PetscInt j = 0; j < m->nparam; j++) phis[k * m->nparam + j] = b->phi[j];
        }
        PetscCall(PnlmeModelPredictMany(m, many, sl, phis, pl, stm));
      } else
        for (int k = 0; k < 16; k++, n++) {
          LSubject *b = &pool[n % npool];
          PetscCall(PnlmeModelPredict(m, &b->s, b->phi, pred, withsens ? sens : NULL, &st));
        }
      PetscCall(PetscTime(&t1));
    } while (t1 - t0 < BenchTime);
    *us = PetscMin(*us, (t1 - t0) / n * 1e6);
  }
  PetscCall(PnlmeModelGetStats(m, &npred1, &nf1, &nr1, &ns1));
  *steps = (double)(ns1 - ns0) / (double)(npred1 - npred0);
  *rhs   = (double)(nr1 - nr0) / (double)(npred1 - npred0);
  *nfail = (PetscInt)(nf1 - nf0);
  PetscFunctionReturn(0);
}

/* largest relative error of the predictions over the first subjects of the pool, against a reference
   (relative to the largest |prediction| of the same output in the subject, so near-zero values count
   absolutely) */
static PetscErrorCode Accuracy(PnlmeModel m, PnlmeModel ref, LSubject *pool, PetscInt npool, double *err)
{
  PetscReal        p[LS_MAXOBS], q[LS_MAXOBS];
  PnlmeSolveStatus st, st2;
  PetscFunctionBegin;
  *err = 0;
  for (PetscInt i = 0; i < PetscMin(npool, 200); i++) {
    PetscReal ymax[4] = {0};
    PetscCall(PnlmeModelPredict(m, &pool[i].s, pool[i].phi, p, NULL, &st));
    PetscCall(PnlmeModelPredict(ref, &pool[i].s, pool[i].phi, q, NULL, &st2));
    if (st || st2) continue;
    for (PetscInt j = 0; j < pool[i].s.nobs; j++) ymax[pool[i].obsout[j]] = PetscMax(ymax[pool[i].obsout[j]], fabs(q[j]));
    for (PetscInt j = 0; j < pool[i].s.nobs; j++) *err = PetscMax(*err, fabs(p[j] - q[j]) / PetscMax(fabs(q[j]), 1e-3 * ymax[pool[i].obsout[j]]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Row(const char label[], const char path[], PnlmeModel m, PnlmeModel ref, LSubject *pool, PetscInt npool, PetscBool withsens, PetscInt many)
{
  double   us = 0, steps = 0, rhs = 0, err = 0; /* initialised: gcc -O3 -Werror cannot see through PetscCall */
  PetscInt nfail = 0;
  PetscFunctionBegin;
  PetscCall(Measure(m, pool, npool, withsens, many, &us, &steps, &rhs, &nfail));
  if (ref) PetscCall(Accuracy(m, ref, pool, npool, &err));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-16s %-26s %-5s %10.3f %12.0f %8.1f %8.1f %9.1e%s\n", label, path, withsens ? "yes" : "no", us, 1e6 / us, steps, rhs, err, nfail ? "  FAILURES" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode Header(const char title[])
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "\n%s\n%-16s %-26s %-5s %10s %12s %8s %8s %9s\n", title, "model", "path", "sens", "us/solve", "solves/s", "steps", "rhs", "rel.err"));
  PetscFunctionReturn(0);
}

static const char *const Paths[] = {"dopri5", "dopri5 -ode_dense_output", "cvodes_bdf", "cvodes_adams", "arkode_erk", "auto"};
#define NPATHS 6

static PetscErrorCode ODESection(const char type[], LSubject *pool, PetscInt npool, PetscBool sens)
{
  PnlmeModel ref;
  PetscFunctionBegin;
  PetscCall(MakeModel(type, NULL, PETSC_TRUE, &ref));
  for (int p = 0; p < NPATHS; p++) {
    PnlmeModel m;
    char       path[64];
    PetscBool  dense = strstr(Paths[p], "dense") ? PETSC_TRUE : PETSC_FALSE;
    if (dense) PetscCall(PetscOptionsSetValue(NULL, "-ode_dense_output", "1"));
    PetscCall(MakeModel(type, dense ? "dopri5" : Paths[p], PETSC_FALSE, &m));
    if (dense) PetscCall(PetscOptionsClearValue(NULL, "-ode_dense_output"));
    for (int ws = 0; ws < (sens ? 2 : 1); ws++) {
      PetscCall(PetscSNPrintf(path, sizeof(path), "%s%s", Paths[p], (ws && !strcmp(Paths[p], "arkode_erk")) ? " (sens: dopri5)" : ""));
      PetscCall(Row(type, path, m, ref, pool, npool, (PetscBool)ws, 1));
    }
    if (BenchMany > 1 && (p == 0 || p == 1)) { /* dopri5: the sets of a call in SIMD lanes */
      PetscCall(PetscSNPrintf(path, sizeof(path), "%s, sets of %" PetscInt_FMT, Paths[p], BenchMany));
      PetscCall(Row(type, path, m, ref, pool, npool, PETSC_FALSE, BenchMany));
    }
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PnlmeModelDestroy(&ref));
  PetscFunctionReturn(0);
}

/* ---------------- batching B neonates into one SUNDIALS system */
typedef struct {
  PetscInt   B;
  LSubject  *subj;
  int (*rhs)(PetscReal, const PetscReal[], const PetscReal[], PetscReal[], void *);
  void      *ctx;
  PetscReal  rtol, atol[256], wscale;
  long       nrhs;
} Batch;

static int BatchRhs(realtype t, N_Vector y, N_Vector yd, void *ud)
{
  Batch          *bt = (Batch *)ud;
  const realtype *x  = N_VGetArrayPointer(y);
  realtype       *f  = N_VGetArrayPointer(yd);
  for (PetscInt b = 0; b < bt->B; b++)
    if (bt->rhs(t, &x[b], bt->subj[b].phi, &f[b], bt->ctx)) return 1;
  bt->nrhs++;
  return 0;
}

/* error weights 1/(rtol |y_i| + atol_i), times sqrt(B) when every subject's own error is controlled */
static int BatchEwt(N_Vector y, N_Vector w, void *ud)
{
  Batch          *bt = (Batch *)ud;
  const realtype *x  = N_VGetArrayPointer(y);
  realtype       *e  = N_VGetArrayPointer(w);
  for (PetscInt b = 0; b < bt->B; b++) e[b] = bt->wscale / (bt->rtol * fabs(x[b]) + bt->atol[b]);
  return 0;
}

static void Silent(int code, const char *module, const char *function, char *msg, void *ctx)
{
  (void)code, (void)module, (void)function, (void)msg, (void)ctx;
}

typedef enum { BATCH_BDF_DIAG, BATCH_ADAMS, BATCH_ERK } BatchKind;

/* one pass over the pool in groups of B; returns seconds, and predictions into pred[subject][obs] */
static PetscErrorCode BatchRun(BatchKind kind, PetscInt B, PetscBool maxnorm, PnlmeModel m, LSubject *pool, PetscInt npool, PetscReal rtol, PetscReal (*pred)[LS_MAXOBS], double *sec, double *stepsper)
{
  SUNContext         ctx;
  N_Vector           y;
  void              *mem;
  SUNNonlinearSolver NLS = NULL;
  Batch              bt;
  PetscLogDouble     t0, t1;
  long               nsteps = 0;
  PetscFunctionBegin;
  PetscCheck(!SUNContext_Create(NULL, &ctx), PETSC_COMM_SELF, PETSC_ERR_LIB, "SUNContext_Create");
  y = N_VNew_Serial(B, ctx);
  N_VConst(1.0, y);
  memset(&bt, 0, sizeof(bt));
  bt.B      = B;
  bt.rhs    = m->mops.rhs;
  bt.ctx    = m->ctx;
  bt.rtol   = rtol;
  bt.wscale = maxnorm ? sqrt((double)B) : 1.0;
  bt.subj   = pool;
  if (kind == BATCH_ERK) {
    mem = ERKStepCreate(BatchRhs, 0.0, y, ctx);
    ERKStepSetErrHandlerFn(mem, Silent, NULL);
    ERKStepSetTableNum(mem, ARKODE_DORMAND_PRINCE_7_4_5);
    ERKStepSetUserData(mem, &bt);
    ERKStepWFtolerances(mem, BatchEwt);
    ERKStepSetMaxNumSteps(mem, 100000);
  } else {
    mem = CVodeCreate(kind == BATCH_ADAMS ? CV_ADAMS : CV_BDF, ctx);
    CVodeSetErrHandlerFn(mem, Silent, NULL);
    CVodeInit(mem, BatchRhs, 0.0, y);
    CVodeSetUserData(mem, &bt);
    CVodeWFtolerances(mem, BatchEwt);
    CVodeSetMaxNumSteps(mem, 100000);
    if (kind == BATCH_ADAMS) {
      NLS = SUNNonlinSol_FixedPoint(y, 0, ctx);
      CVodeSetNonlinearSolver(mem, NLS);
    } else CVDiag(mem);
  }
  PetscCall(PetscTime(&t0));
  for (PetscInt g = 0; g + B <= npool; g += B) {
    realtype *x = N_VGetArrayPointer(y), tret, tlast = 0;
    PetscInt  next[256];
    bt.subj     = pool + g;
    for (PetscInt b = 0; b < B; b++) {
      x[b]       = pool[g + b].phi[0]; /* W(0) = W0 */
      bt.atol[b] = 1e-9 * pool[g + b].phi[0];
      next[b]    = 0;
      tlast      = PetscMax(tlast, pool[g + b].tobs[pool[g + b].s.nobs - 1]);
    }
    if (kind == BATCH_ERK) {
      ERKStepReInit(mem, BatchRhs, 0.0, y);
      ERKStepWFtolerances(mem, BatchEwt);
      ERKStepSetStopTime(mem, tlast);
    } else {
      CVodeReInit(mem, 0.0, y);
      CVodeSetStopTime(mem, tlast);
    }
    for (;;) { /* the next observation time of any subject in the batch */
      PetscReal tn = PETSC_MAX_REAL;
      for (PetscInt b = 0; b < B; b++)
        if (next[b] < pool[g + b].s.nobs) tn = PetscMin(tn, pool[g + b].tobs[next[b]]);
      if (tn == PETSC_MAX_REAL) break;
      if (tn > 0) {
        int flag = kind == BATCH_ERK ? ERKStepEvolve(mem, tn, y, &tret, ARK_NORMAL) : CVode(mem, tn, y, &tret, CV_NORMAL);
        PetscCheck(flag >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "batched integration failed (%d)", flag);
      }
      for (PetscInt b = 0; b < B; b++)
        if (next[b] < pool[g + b].s.nobs && pool[g + b].tobs[next[b]] == tn) {
          pred[g + b][next[b]] = x[b];
          next[b]++;
        }
    }
    {
      long nst = 0;
      if (kind == BATCH_ERK) ERKStepGetNumSteps(mem, &nst);
      else CVodeGetNumSteps(mem, &nst);
      nsteps += nst;
    }
  }
  PetscCall(PetscTime(&t1));
  *sec      = t1 - t0;
  *stepsper = (double)nsteps / (double)(npool / B);
  if (kind == BATCH_ERK) ERKStepFree(&mem);
  else CVodeFree(&mem);
  if (NLS) SUNNonlinSolFree(NLS);
  N_VDestroy(y);
  SUNContext_Free(&ctx);
  PetscFunctionReturn(0);
}

static PetscErrorCode BatchSection(LSubject *pool, PetscInt npool)
{
  PnlmeModel m, ref;
  PetscReal (*pred)[LS_MAXOBS], (*pref)[LS_MAXOBS], rtol = 1e-6;
  const char *const kinds[] = {"cvodes_bdf+diag", "cvodes_adams+fp", "arkode_erk dp5"};
  const PetscInt    Bs[]    = {1, 16, 64};
  PnlmeSolveStatus  st;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-ode_rtol", &rtol, NULL));
  PetscCall(MakeModel("neonate", "dopri5", PETSC_FALSE, &m));
  PetscCall(MakeModel("neonate", NULL, PETSC_TRUE, &ref));
  PetscCall(PetscMalloc2(npool, &pred, npool, &pref));
  for (PetscInt i = 0; i < npool; i++) PetscCall(PnlmeModelPredict(ref, &pool[i].s, pool[i].phi, pref[i], NULL, &st));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "\nBatching B neonates into one integration of size B (rtol %g; atol 1e-9 W0 per subject; union of the subjects' observation times)\n", (double)rtol));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-18s %4s %-26s %12s %10s %9s\n", "integrator", "B", "error norm", "us/subject", "steps", "rel.err"));
  for (int k = 0; k < 3; k++)
    for (int ib = 0; ib < 3; ib++)
      for (int mx = 0; mx < (Bs[ib] > 1 ? 2 : 1); mx++) {
        double sec = 1e30, s, steps = 0, err = 0;
        for (PetscInt rep = 0; rep < BenchReps; rep++) {
          PetscCall(BatchRun((BatchKind)k, Bs[ib], (PetscBool)mx, m, pool, npool, rtol, pred, &s, &steps));
          sec = PetscMin(sec, s);
        }
        for (PetscInt i = 0; i < (npool / Bs[ib]) * Bs[ib]; i++)
          for (PetscInt j = 0; j < pool[i].s.nobs; j++) err = PetscMax(err, fabs(pred[i][j] - pref[i][j]) / fabs(pref[i][j]));
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-18s %4d %-26s %12.3f %10.1f %9.1e\n", kinds[k], (int)Bs[ib], Bs[ib] == 1 ? "per subject" : (mx ? "WRMS x sqrt(B) (each subj.)" : "plain WRMS (batch average)"), sec / ((npool / Bs[ib]) * Bs[ib]) * 1e6, steps, err));
      }
  PetscCall(PetscFree2(pred, pref));
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PnlmeModelDestroy(&ref));
  PetscFunctionReturn(0);
}

/* cost of the log event around each prediction: PnlmeModelPredict with logging off, then on (as with
   -log_view), and one bare event begin/end pair with logging on */
static PetscErrorCode OverheadSection(LSubject *pool, PetscInt npool)
{
  PnlmeModel       m;
  PetscReal        pred[LS_MAXOBS];
  PnlmeSolveStatus st;
  PetscLogDouble   t0, t1;
  const PetscInt   N = 200000;
  double           off = 1e30, on = 1e30, logpair;
  PetscBool        active;
  PetscFunctionBegin;
  PetscCall(MakeModel("neonate", "dopri5", PETSC_FALSE, &m));
  PetscCall(PetscLogIsActive(&active));
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1 && !active) PetscCall(PetscLogDefaultBegin());
    for (PetscInt rep = 0; rep < BenchReps; rep++) {
      PetscCall(PetscTime(&t0));
      for (PetscInt i = 0; i < N; i++) {
        LSubject *b = &pool[i % npool];
        PetscCall(PnlmeModelPredict(m, &b->s, b->phi, pred, NULL, &st));
      }
      PetscCall(PetscTime(&t1));
      if (pass == 0) off = PetscMin(off, (t1 - t0) / N * 1e6);
      else on = PetscMin(on, (t1 - t0) / N * 1e6);
    }
  }
  PetscCall(PetscTime(&t0));
  for (PetscInt i = 0; i < 10 * N; i++) {
    PetscCall(PetscLogEventBegin(PNLME_EStep, 0, 0, 0, 0));
    PetscCall(PetscLogEventEnd(PNLME_EStep, 0, 0, 0, 0));
  }
  PetscCall(PetscTime(&t1));
  logpair = (t1 - t0) / (10 * N) * 1e9;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "\nLog events (neonate, dopri5): PnlmeModelPredict %.3f us with logging %s, %.3f us with logging on; one event begin/end pair with logging on: %.0f ns\n", off, active ? "on (-log_view given)" : "off", on, logpair));
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  const PetscInt NP = 1024;
  LSubject      *neo, *tov, *pk1, *pkd[2];
  PnlmeModel     cf, ref;
  char           sections[256] = "pk1,pkdose,neonate,turnover,log,batch";
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-bench_time", &BenchTime, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-bench_reps", &BenchReps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-bench_many", &BenchMany, NULL));
  PetscCheck(BenchMany >= 1 && BenchMany <= MAXMANY, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-bench_many %" PetscInt_FMT ": must be in [1, %d]", BenchMany, MAXMANY);
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bench_sections", sections, sizeof(sections), NULL));
  PetscCall(PetscOptionsInsertString(NULL, "-ref_ode_integrator dopri5 -ref_ode_rtol 1e-12 -ref_ode_atol 1e-14"));
  PetscCall(PetscMalloc3(NP, &neo, NP, &tov, NP, &pk1));
  PetscCall(PetscMalloc2(NP, &pkd[0], NP, &pkd[1]));
  for (PetscInt i = 0; i < NP; i++) {
    LSNeonate(i, &neo[i]);
    LSTurnover(i, &tov[i], PETSC_FALSE);
    DrawPK1(i, &pk1[i]);
    DrawPK2Dose(i, &pkd[0][i], 0);
    DrawPK2Dose(i, &pkd[1][i], 1);
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "pnlme model evaluation benchmark: one core, best of %d runs of %.2f s, pools of %d subjects (relative errors against dopri5 at rtol 1e-12)\n", (int)BenchReps, (double)BenchTime, (int)NP));

  if (strstr(sections, "pk1")) {
    PetscCall(Header("One compartment, oral (theophylline-like), 10 observations"));
    PetscCall(MakeModel("pk1_oral_ke_ode", NULL, PETSC_TRUE, &ref));
    PetscCall(MakeModel("pk1_oral_ke", NULL, PETSC_FALSE, &cf));
    if (cf) {
      PetscCall(Row("pk1_oral_ke", "closed form", cf, ref, pk1, NP, PETSC_FALSE, 1));
      PetscCall(Row("pk1_oral_ke", "closed form, sets of -bench_many", cf, ref, pk1, NP, PETSC_FALSE, BenchMany));
      PetscCall(Row("pk1_oral_ke", "closed form", cf, ref, pk1, NP, PETSC_TRUE, 1));
      PetscCall(PnlmeModelDestroy(&cf));
    } else PetscCall(PetscPrintf(PETSC_COMM_SELF, "pk1_oral_ke      (closed form not registered in this build)\n"));
    PetscCall(PnlmeModelDestroy(&ref));
    PetscCall(ODESection("pk1_oral_ke_ode", pk1, NP, PETSC_FALSE));
  }
  if (strstr(sections, "pkdose")) {
    for (int mixed = 0; mixed < 2; mixed++) {
      PetscCall(Header(mixed ? "Two compartments, a loading infusion (CMT 2) then oral doses (CMT 1), 14 observations" : "Two compartments, 6 infusions into the central compartment (CMT 2), 14 observations"));
      PetscCall(MakeModel("pk2_oral_cl_ode", NULL, PETSC_TRUE, &ref));
      PetscCall(MakeModel("pk2_oral_cl", NULL, PETSC_FALSE, &cf));
      PetscCall(Row("pk2_oral_cl", "closed form", cf, ref, pkd[mixed], NP, PETSC_FALSE, 1));
      PetscCall(Row("pk2_oral_cl", "closed form, sets of -bench_many", cf, ref, pkd[mixed], NP, PETSC_FALSE, BenchMany));
      PetscCall(Row("pk2_oral_cl", "closed form", cf, ref, pkd[mixed], NP, PETSC_TRUE, 1));
      PetscCall(PnlmeModelDestroy(&cf));
      PetscCall(PnlmeModelDestroy(&ref));
    }
  }
  if (strstr(sections, "neonate")) {
    PetscCall(Header("Neonatal weight ODE (1 state, 5 parameters), 6 observations over up to 6 days"));
    PetscCall(ODESection("neonate", neo, NP, PETSC_TRUE));
  }
  if (strstr(sections, "turnover")) {
    PetscCall(Header("Turnover PK-PD ODE (3 states, 7 parameters), one dose, 16 observations of C and R over 6 days"));
    PetscCall(ODESection("turnover", tov, NP, PETSC_TRUE));
  }
  if (strstr(sections, "log")) PetscCall(OverheadSection(neo, NP));
  if (strstr(sections, "batch")) PetscCall(BatchSection(neo, NP));
  PetscCall(PetscFree3(neo, tov, pk1));
  PetscCall(PetscFree2(pkd[0], pkd[1]));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "model evaluation benchmark", Run); }
