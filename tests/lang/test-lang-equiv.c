/* The built-in ODE models written as model files (models/NAME.model) give the same predictions and
   sensitivities as their C versions: for 200 subjects each, with every integrator path asked for
   (-lang_integrators, default dopri5,cvodes_bdf), the largest relative difference must stay below
   -lang_tol (1e-10).  Predictions are compared relative to their own size; a sensitivity relative to
   the largest |d pred / d phi_k| of the subject (a column that is tiny against its own scale counts
   absolutely).  Prints the figures; exit 1 on a difference above the tolerance. */
#include "../lang/langsubjects.h"
#include <stdio.h>

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

static PetscErrorCode Compare(const char ctype[], const char ftype[], const char integ[], LSubject *pool, PetscInt n, PetscReal tol, PetscInt *nbad)
{
  PnlmeModel       a, b;
  PetscReal        pa[LS_MAXOBS], pb[LS_MAXOBS], sa[LS_MAXOBS * 8], sb[LS_MAXOBS * 8], qa[LS_MAXOBS];
  PetscReal        ep = 0, es = 0, ew = 0;
  PetscInt         np, identical = 0;
  PnlmeSolveStatus st1, st2;
  PetscFunctionBegin;
  PetscCall(MakeModel(ctype, integ, &a));
  PetscCall(MakeModel(ftype, integ, &b));
  PetscCall(PnlmeModelGetNumParameters(a, &np));
  for (PetscInt i = 0; i < n; i++) {
    const PnlmeSubject *s = &pool[i].s;
    PetscCall(PnlmeModelPredict(a, s, pool[i].phi, pa, NULL, &st1));
    PetscCall(PnlmeModelPredict(b, s, pool[i].phi, pb, NULL, &st2));
    PetscCheck(st1 == st2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s/%s subject %d: status %d vs %d", ctype, integ, (int)i, (int)st1, (int)st2);
    if (st1) continue;
    PetscBool same = PETSC_TRUE;
    for (PetscInt j = 0; j < s->nobs; j++) {
      ep = PetscMax(ep, PetscAbsReal(pa[j] - pb[j]) / PetscMax(PetscAbsReal(pa[j]), 1e-300));
      if (pa[j] != pb[j]) same = PETSC_FALSE;
    }
    identical += same;
    PetscCall(PnlmeModelPredict(a, s, pool[i].phi, qa, sa, &st1));
    PetscCall(PnlmeModelPredict(b, s, pool[i].phi, pb, sb, &st2));
    PetscCheck(st1 == st2 && !st1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s/%s subject %d with sensitivities: status %d vs %d", ctype, integ, (int)i, (int)st1, (int)st2);
    for (PetscInt j = 0; j < s->nobs; j++) ew = PetscMax(ew, PetscAbsReal(qa[j] - pb[j]) / PetscMax(PetscAbsReal(qa[j]), 1e-300));
    for (PetscInt k = 0; k < np; k++) {
      PetscReal scale = 0;
      for (PetscInt j = 0; j < s->nobs; j++) scale = PetscMax(scale, PetscAbsReal(sa[j * np + k]));
      for (PetscInt j = 0; j < s->nobs; j++) es = PetscMax(es, PetscAbsReal(sa[j * np + k] - sb[j * np + k]) / PetscMax(PetscAbsReal(sa[j * np + k]), 1e-6 * scale + 1e-300));
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-16s %-12s %-11s pred %.2e (identical for %d of %d subjects)  sens %.2e  pred with sens %.2e\n", ctype, ftype, integ, (double)ep, (int)identical, (int)n, (double)es, (double)ew));
  if (ep > tol || es > tol || ew > tol) (*nbad)++;
  PetscCall(PnlmeModelDestroy(&a));
  PetscCall(PnlmeModelDestroy(&b));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  char        dir[PETSC_MAX_PATH_LEN] = "models", cache[PETSC_MAX_PATH_LEN] = "", integs[256] = "dopri5,cvodes_bdf", path[PETSC_MAX_PATH_LEN], name[64];
  PetscReal   tol = 1e-10;
  PetscInt    nbad = 0, n = 200;
  LSubject   *pool;
  const char *ctypes[] = {"neonate", "turnover", "pk1_oral_ke_ode", "pk2_oral_cl_ode"};
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-lang_models_dir", dir, sizeof(dir), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-lang_cache", cache, sizeof(cache), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-lang_integrators", integs, sizeof(integs), NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-lang_tol", &tol, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-lang_n", &n, NULL));
  PetscCall(PetscMalloc1(n, &pool));
  for (int mdl = 0; mdl < 4; mdl++) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s.model", dir, ctypes[mdl]));
    PetscCall(PnlmeModelLoadFile(PETSC_COMM_WORLD, path, cache, name, sizeof(name)));
    for (PetscInt i = 0; i < n; i++) {
      if (mdl == 0) LSNeonate(i, &pool[i]);
      else if (mdl == 1) LSTurnover(i, &pool[i], (PetscBool)(i % 2));
      else LSPK(i, &pool[i], mdl == 2 ? 3 : 5);
    }
    char *tok, list[256];
    PetscCall(PetscStrncpy(list, integs, sizeof(list)));
    for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) PetscCall(Compare(ctypes[mdl], name, tok, pool, n, tol, &nbad));
  }
  PetscCall(PetscFree(pool));
  PetscCheck(!nbad, PETSC_COMM_WORLD, PETSC_ERR_USER, "%d comparisons differ by more than %g", (int)nbad, (double)tol);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "model files agree with the C models to %g\n", (double)tol));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "model files against the C models", Run); }
