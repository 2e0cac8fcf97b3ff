/* Model files against the C models: the built-in ODE models written in the model language
   (models/NAME.model) and compiled at run time, timed against their hand-written C versions.
   - load: parse + derivatives + C generation + compile (a fresh cache directory), then the same load
     again in a new cache lookup (a cache hit: nothing compiled), per model file;
   - per-solve time of the C model and of the model file, with and without sensitivities, for the
     integrator paths given (-bench_integrators, default auto,cvodes_bdf), best of -bench_reps runs of
     -bench_time seconds, the two models measured alternately; the ratio file / C.
   - with auto or dopri5, also the time per solve in calls of -bench_many sets (PnlmeModelPredictMany:
     dopri5's SIMD lanes, as the E-step calls them; 0: not measured), and with sensitivities
     (PnlmeModelPredictManySens, as the Gauss-Newton passes of SAEM call them).
   The sens column: no, yes (every parameter), 1 (one parameter, PnlmeModelSetSensitivityMask: the
   fixed-effect step of SAEM).
   Usage: bench-modelfile [-bench_models_dir models] [-bench_time 0.3] [-bench_reps 5]
                          [-bench_integrators auto,cvodes_bdf] [-bench_many 32] [-bench_cache DIR] */
#include <pnlme.h>
#include "../tests/lang/langsubjects.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static PetscReal BenchTime = 0.3;
static PetscInt  BenchReps = 5;
static PetscInt  BenchMany = 32; /* sets per PnlmeModelPredictMany call in the lanes rows (0: none) */
#define MANY_MAX 256

static PetscErrorCode MakeModel(const char type[], const char integ[], PnlmeModel *m)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, "-ode_integrator", integ));
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, m));
  PetscCall(PnlmeModelSetType(*m, type));
  PetscCall(PnlmeModelSetFromOptions(*m));
  PetscCall(PnlmeModelSetUp(*m));
  PetscCall(PetscOptionsClearValue(NULL, "-ode_integrator"));
  PetscFunctionReturn(0);
}

static const char *const SensName[3] = {"no", "yes", "1"};

/* the sensitivities of the next solves: none (0), all (1), the first parameter's (2); PETSC_TRUE if any */
static PetscErrorCode SensMode(PnlmeModel m, int mode, PetscBool *sens)
{
  PetscBool mask[8] = {PETSC_TRUE};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetSensitivityMask(m, mode == 2 ? mask : NULL));
  *sens = (PetscBool)(mode > 0);
  PetscFunctionReturn(0);
}

/* one run of at least BenchTime seconds: microseconds per solve */
static PetscErrorCode Once(PnlmeModel m, LSubject *pool, PetscInt npool, int mode, double *us)
{
  PetscReal        pred[LS_MAXOBS], s[LS_MAXOBS * 8];
  PnlmeSolveStatus st;
  PetscLogDouble   t0, t1;
  PetscInt         n = 0;
  PetscBool        sens = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(SensMode(m, mode, &sens));
  PetscCall(PetscTime(&t0));
  do {
    for (int k = 0; k < 16; k++, n++) {
      LSubject *b = &pool[n % npool];
      PetscCall(PnlmeModelPredict(m, &b->s, b->phi, pred, sens ? s : NULL, &st));
    }
    PetscCall(PetscTime(&t1));
  } while (t1 - t0 < BenchTime);
  *us = (t1 - t0) / n * 1e6;
  PetscCall(PnlmeModelSetSensitivityMask(m, NULL));
  PetscFunctionReturn(0);
}

/* the same with BenchMany sets per PnlmeModelPredictMany(Sens) call (dopri5's SIMD lanes, the E-step's
   and the Gauss-Newton passes' way): microseconds per solve */
static PetscErrorCode OnceMany(PnlmeModel m, LSubject *pool, PetscInt npool, int mode, double *us)
{
  static PetscReal        pred[MANY_MAX][LS_MAXOBS], phi[MANY_MAX * 8], sens[MANY_MAX][LS_MAXOBS * 8];
  static PetscReal       *pl[MANY_MAX], *sp[MANY_MAX];
  static const PnlmeSubject *sl[MANY_MAX];
  static PnlmeSolveStatus st[MANY_MAX];
  PetscInt                np, n = 0;
  PetscLogDouble          t0, t1;
  PetscBool               withsens = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PetscCall(SensMode(m, mode, &withsens));
  PetscCall(PetscTime(&t0));
  do {
    for (PetscInt L = 0; L < BenchMany; L++, n++) {
      LSubject *b = &pool[n % npool];
      sl[L]       = &b->s;
      pl[L]       = pred[L];
      sp[L]       = sens[L];
      for (PetscInt k = 0; k < np; k++) phi[L * np + k] = b->phi[k];
    }
    if (withsens) PetscCall(PnlmeModelPredictManySens(m, BenchMany, sl, phi, pl, sp, st));
    else PetscCall(PnlmeModelPredictMany(m, BenchMany, sl, phi, pl, st));
    PetscCall(PetscTime(&t1));
  } while (t1 - t0 < BenchTime);
  *us = (t1 - t0) / n * 1e6;
  PetscCall(PnlmeModelSetSensitivityMask(m, NULL));
  PetscFunctionReturn(0);
}

typedef PetscErrorCode (*OnceFn)(PnlmeModel, LSubject *, PetscInt, int, double *);

/* one warm-up each, then the best of BenchReps runs of the two models measured alternately; a row */
static PetscErrorCode Row(OnceFn once, PnlmeModel a, PnlmeModel b, LSubject *pool, PetscInt npool, int ws, const char label[], const char integ[])
{
  double ua = 1e30, ub = 1e30, u;
  PetscFunctionBegin;
  PetscCall(once(a, pool, npool, ws, &u));
  PetscCall(once(b, pool, npool, ws, &u));
  for (PetscInt r = 0; r < BenchReps; r++) {
    PetscCall(once(a, pool, npool, ws, &u));
    ua = PetscMin(ua, u);
    PetscCall(once(b, pool, npool, ws, &u));
    ub = PetscMin(ub, u);
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-16s %-11s %-5s %10.3f %10.3f %8.3f\n", label, integ, SensName[ws], ua, ub, ub / ua));
  PetscFunctionReturn(0);
}

static PetscErrorCode Pair(const char label[], const char ctype[], const char ftype[], const char integ[], LSubject *pool, PetscInt npool)
{
  PnlmeModel a, b;
  char       lab[32];
  PetscFunctionBegin;
  PetscCall(MakeModel(ctype, integ, &a));
  PetscCall(MakeModel(ftype, integ, &b));
  for (int ws = 0; ws < 3; ws++) PetscCall(Row(Once, a, b, pool, npool, ws, label, integ));
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s x%d", integ, (int)BenchMany));
  for (int ws = 0; ws < 3 && BenchMany > 1 && (!strcmp(integ, "auto") || !strcmp(integ, "dopri5")); ws++) PetscCall(Row(OnceMany, a, b, pool, npool, ws, label, lab)); /* in lanes */
  PetscCall(PnlmeModelDestroy(&a));
  PetscCall(PnlmeModelDestroy(&b));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  const PetscInt NP = 1024;
  const char    *ctypes[] = {"neonate", "turnover", "pk1_oral_ke_ode", "pk2_oral_cl_ode"};
  char           dir[PETSC_MAX_PATH_LEN] = "models", cache[PETSC_MAX_PATH_LEN] = "", integs[256] = "auto,cvodes_bdf", names[4][64];
  LSubject      *pool;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-bench_time", &BenchTime, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-bench_reps", &BenchReps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-bench_many", &BenchMany, NULL));
  PetscCheck(BenchMany >= 0 && BenchMany <= MANY_MAX, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-bench_many %d: in 0..%d", (int)BenchMany, MANY_MAX);
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bench_models_dir", dir, sizeof(dir), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bench_integrators", integs, sizeof(integs), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bench_cache", cache, sizeof(cache), NULL));
  if (!cache[0]) PetscCall(PetscSNPrintf(cache, sizeof(cache), "/tmp/pnlme-bench-modelfile-%ld", (long)getpid()));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "Model files: load times (cache %s; a fresh directory: the first load compiles)\n%-22s %12s %12s %14s %10s\n", cache, "file", "first load s", "compile s", "second load s", "compiled"));
  for (int k = 0; k < 4; k++) {
    char           path[PETSC_MAX_PATH_LEN], name2[64];
    PetscLogDouble t0, t1, t2;
    PetscBool      compiled, compiled2;
    PetscReal      sec, sec2;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s.model", dir, ctypes[k]));
    PetscCall(PetscTime(&t0));
    PetscCall(PnlmeModelLoadFile(PETSC_COMM_SELF, path, cache, names[k], sizeof(names[k])));
    PetscCall(PetscTime(&t1));
    PetscCall(PnlmeModelFileGetInfo(NULL, &compiled, &sec));
    /* the same text under another name: not loaded in this process yet, so the cache is looked up */
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/./%s.model", dir, ctypes[k]));
    PetscCall(PnlmeModelLoadFile(PETSC_COMM_SELF, path, cache, name2, sizeof(name2)));
    PetscCall(PetscTime(&t2));
    PetscCall(PnlmeModelFileGetInfo(NULL, &compiled2, &sec2));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-22s %12.3f %12.3f %14.4f %10s\n", names[k], (double)(t1 - t0), (double)sec, (double)(t2 - t1), compiled2 ? "AGAIN" : "no (hit)"));
    (void)compiled;
  }
  PetscCall(PetscMalloc1(NP, &pool));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "\nMicroseconds per subject solve, best of %d alternating runs of %.2f s, pools of %d subjects\n%-16s %-11s %-5s %10s %10s %8s\n", (int)BenchReps, (double)BenchTime, (int)NP, "model", "integrator", "sens", "C", "file", "file/C"));
  for (int k = 0; k < 4; k++) {
    char list[256], *tok;
    for (PetscInt i = 0; i < NP; i++) {
      if (k == 0) LSNeonate(i, &pool[i]);
      else if (k == 1) LSTurnover(i, &pool[i], PETSC_FALSE);
      else LSPK(i, &pool[i], k == 2 ? 3 : 5);
    }
    PetscCall(PetscStrncpy(list, integs, sizeof(list)));
    for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) PetscCall(Pair(ctypes[k], ctypes[k], names[k], tok, pool, NP));
  }
  PetscCall(PetscFree(pool));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "model files against the C models", Run); }
