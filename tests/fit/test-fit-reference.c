/* A fit checked against reference values given as options:
     -test_typical ka=1.638,...  -test_typical_rtol 0.05
     -test_typical_rtol_each IC50=0.09 (another rtol for some of them: a weakly determined parameter)
     -test_beta ka.WT=2.617,...  -test_beta_atol 0.15
     -test_omega ka=0.544,...    -test_omega_rtol 0.25
     -test_a 0.724 -test_b 0.1 -test_a_rtol 0.05 (a and b)     -test_m2ll_min 331.5 -test_m2ll_max 332.6
     -test_error_a C=0.3,R=3 -test_error_b C=0.1 (per output, rtol -test_a_rtol)
     -test_obj_min 330.52 -test_obj_max 330.54 (the estimator's own objective: FOCEI, Laplace)
   -test_out FILE writes the iteration history and the -2LL (importance sampling; linearised at the
   conditional modes) in hexadecimal, to compare runs bit for bit. */
#include <pnlmetest.h>
#include "fit/fitimpl.h"

static PetscErrorCode CheckList(PnlmeFit fit, const char opt[], PetscReal rtol, PetscReal atol, PetscInt which)
{
  char      buf[4096], keys[64][64];
  char      ekeys[64][64], eopt[128];
  PetscReal vals[64], evals[64], v;
  PetscInt  n, ne = 0;
  PetscBool flg;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, opt, buf, sizeof(buf), &flg));
  if (!flg) PetscFunctionReturn(0);
  PetscCall(PnlmeParseKeyValues(opt, buf, 64, &n, keys, vals));
  PetscCall(PetscSNPrintf(eopt, sizeof(eopt), "%s_rtol_each", opt)); /* per-key relative tolerances */
  PetscCall(PetscOptionsGetString(NULL, NULL, eopt, buf, sizeof(buf), &flg));
  if (flg) PetscCall(PnlmeParseKeyValues(eopt, buf, 64, &ne, ekeys, evals));
  for (PetscInt e = 0; e < ne; e++) { /* a key the reference list does not have is a mistake, not a no-op */
    PetscBool found = PETSC_FALSE;
    for (PetscInt i = 0; i < n && !found; i++) found = (PetscBool)!strcmp(ekeys[e], keys[i]);
    PNLME_TEST_CHECK(found, "%s: %s is not in %s", eopt, ekeys[e], opt);
  }
  for (PetscInt i = 0; i < n; i++) {
    char      what[160];
    PetscReal r = rtol;
    for (PetscInt e = 0; e < ne; e++)
      if (!strcmp(ekeys[e], keys[i])) r = evals[e];
    if (which == 0) PetscCall(PnlmeFitGetTypical(fit, keys[i], &v));
    else if (which == 1) PetscCall(PnlmeFitGetOmega(fit, keys[i], &v));
    else {
      char *dot = strchr(keys[i], '.');
      PNLME_TEST_CHECK(dot, "%s: %s is not param.covariate", opt, keys[i]);
      *dot = 0;
      PetscCall(PnlmeFitGetBeta(fit, keys[i], dot + 1, &v));
      *dot = '.';
    }
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s %s", opt, keys[i]));
    PNLME_TEST_CLOSE(v, vals[i], r, atol, what);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PnlmeFit         fit;
  PetscReal        a, b, bref = 0, rtol = 0.05, otol = 0.25, batol = 0.15, atol = 0.05, aref = 0, lo = PETSC_NINFINITY, hi = PETSC_INFINITY, olo = PETSC_NINFINITY, ohi = PETSC_INFINITY;
  PetscInt         niter, ncol;
  const PetscReal *hist;
  char             out[PETSC_MAX_PATH_LEN] = "";
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_out", out, sizeof(out), NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_typical_rtol", &rtol, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_omega_rtol", &otol, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_beta_atol", &batol, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_a_rtol", &atol, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_a", &aref, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_b", &bref, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_m2ll_min", &lo, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_m2ll_max", &hi, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_obj_min", &olo, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_obj_max", &ohi, NULL));
  PetscCall(PnlmeFitCreateFromOptions(PETSC_COMM_WORLD, &fit));
  PetscCall(PnlmeFitSolve(fit));
  PetscCall(PnlmeFitView(fit, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(CheckList(fit, "-test_typical", rtol, 0, 0));
  PetscCall(CheckList(fit, "-test_omega", otol, 0, 1));
  PetscCall(CheckList(fit, "-test_beta", 0, batol, 2));
  if (aref > 0 || bref > 0) PetscCall(PnlmeFitGetErrorParameters(fit, NULL, &a, &b));
  if (aref > 0) PNLME_TEST_CLOSE(a, aref, atol, 0, "error parameter a");
  if (bref > 0) PNLME_TEST_CLOSE(b, bref, atol, 0, "error parameter b");
  for (PetscInt which = 0; which < 2; which++) { /* per output */
    char      buf[1024], keys[16][64];
    PetscReal vals[16];
    PetscInt  n;
    PetscBool flg;
    PetscCall(PetscOptionsGetString(NULL, NULL, which ? "-test_error_b" : "-test_error_a", buf, sizeof(buf), &flg));
    if (!flg) continue;
    PetscCall(PnlmeParseKeyValues(which ? "-test_error_b" : "-test_error_a", buf, 16, &n, keys, vals));
    for (PetscInt i = 0; i < n; i++) {
      char what[128];
      PetscCall(PnlmeFitGetErrorParameters(fit, keys[i], &a, &b));
      PetscCall(PetscSNPrintf(what, sizeof(what), "error parameter %s of output %s", which ? "b" : "a", keys[i]));
      PNLME_TEST_CLOSE(which ? b : a, vals[i], atol, 0, what);
    }
  }
  PNLME_TEST_CHECK(fit->m2ll_is >= lo && fit->m2ll_is <= hi, "-2LL (IS) %.3f not in [%g, %g]", (double)fit->m2ll_is, (double)lo, (double)hi);
  if (olo > PETSC_NINFINITY || ohi < PETSC_INFINITY) PNLME_TEST_CHECK(fit->objmethod && fit->m2ll_obj >= olo && fit->m2ll_obj <= ohi, "the %s objective %.4f not in [%g, %g]", fit->objmethod ? fit->objmethod : "(no)", (double)fit->m2ll_obj, (double)olo, (double)ohi);
  PNLME_TEST_CHECK(PetscIsNormalReal(fit->mcse_is) || fit->mcse_is == 0, "MC SE of -2LL is not finite");
  if (out[0]) {
    FILE *fp;
    PetscCall(PnlmeFitGetHistory(fit, &niter, &ncol, &hist));
    PetscCall(PetscFOpen(PETSC_COMM_WORLD, out, "w", &fp));
    for (PetscInt it = 0; it < niter; it++) {
      for (PetscInt c = 0; c < ncol; c++) PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, " %a", (double)hist[it * ncol + c]));
      PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, "\n"));
    }
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, "m2ll %a\n", (double)fit->m2ll_is));
    if (fit->objmethod) PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, "objective %a\n", (double)fit->m2ll_obj));
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, "linearised %a\n", (double)fit->m2ll_lin)); /* at every subject's conditional mode */
    PetscCall(PetscFClose(PETSC_COMM_WORLD, fp));
  }
  PetscCall(PnlmeFitDestroy(&fit));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "fit against reference values", Run); }
