/* Results of a fit: names of the population parameters, information criteria, results files. */
#include "fit/fitimpl.h"
#include <stdarg.h>
#include <string.h>
#include <errno.h>

/* History column c (the order of RecordHistory, estimates.csv and the table): its kind, its
   parameter(s) k (and l for a correlation) and its design row a (covariate effects) */
PetscErrorCode PnlmeFitColumn(PnlmeFit fit, PetscInt col, PnlmeColumnKind *kind, PetscInt *k, PetscInt *l, PetscInt *a)
{
  PetscInt c = 0, p = fit->p;
  PetscFunctionBegin;
  *l = *a = 0;
  for (PetscInt j = 0; j < p; j++, c++)
    if (c == col) {
      *kind = PNLME_COL_MU, *k = j;
      PetscFunctionReturn(0);
    }
  for (PetscInt r = 1; r < fit->q; r++)
    for (PetscInt j = 0; j < p; j++)
      if (fit->pop.mask[r * p + j] && c++ == col) {
        *kind = PNLME_COL_BETA, *k = j, *a = r;
        PetscFunctionReturn(0);
      }
  for (PetscInt j = 0; j < p; j++, c++)
    if (c == col) {
      *kind = PNLME_COL_OMEGA, *k = j;
      PetscFunctionReturn(0);
    }
  for (PetscInt j = 0; j < p; j++)
    for (PetscInt m = j + 1; m < p; m++)
      if (fit->pop.block[j] == fit->pop.block[m] && c++ == col) {
        *kind = PNLME_COL_CORR, *k = j, *l = m;
        PetscFunctionReturn(0);
      }
  { /* an error parameter: its output in k */
    PetscBool isb;
    PnlmeErrorParameter(&fit->pop, col - c, k, &isb);
    *kind = isb ? PNLME_COL_B : PNLME_COL_A;
  }
  PetscFunctionReturn(0);
}

/* the column's population value is estimated (not held by -fit_fix, not the omega or a correlation of
   a parameter without random effect) */
PetscBool PnlmeFitColumnEstimated(PnlmeFit fit, PnlmeColumnKind kind, PetscInt k, PetscInt l, PetscInt a)
{
  switch (kind) {
  case PNLME_COL_MU:
  case PNLME_COL_BETA:
    return (PetscBool)!fit->pop.hold[a * fit->p + k];
  case PNLME_COL_OMEGA:
    return (PetscBool)!fit->pop.fixed[k];
  case PNLME_COL_CORR:
    return (PetscBool)(!fit->pop.fixed[k] && !fit->pop.fixed[l]);
  default:
    return PETSC_TRUE;
  }
}

/* the name of history column c */
PetscErrorCode PnlmeFitColumnName(PnlmeFit fit, PetscInt col, char name[], size_t len)
{
  PnlmeColumnKind    kind;
  PetscInt           k, l, a, ncov;
  const char        *pn, *pn2;
  const char *const *cov;
  PetscFunctionBegin;
  PetscCall(PnlmeFitColumn(fit, col, &kind, &k, &l, &a));
  if (kind != PNLME_COL_A && kind != PNLME_COL_B) PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
  switch (kind) {
  case PNLME_COL_MU:
    PetscCall(PetscSNPrintf(name, len, "%s_pop", pn));
    break;
  case PNLME_COL_BETA:
    PetscCall(PnlmeDataGetCovariateNames(fit->data, &ncov, &cov));
    PetscCall(PetscSNPrintf(name, len, "beta_%s_%s", pn, cov[a - 1]));
    break;
  case PNLME_COL_OMEGA:
    PetscCall(PetscSNPrintf(name, len, "omega_%s", pn));
    break;
  case PNLME_COL_CORR:
    PetscCall(PnlmeModelGetParameterName(fit->model, l, &pn2));
    PetscCall(PetscSNPrintf(name, len, "corr_%s_%s", pn, pn2));
    break;
  default: {
    PetscInt e = col - (fit->nhist - PnlmeErrorNumParameters(&fit->pop));
    PetscCall(PnlmeErrorParameterName(&fit->pop, e, name, len));
  }
  }
  PetscFunctionReturn(0);
}

/* what a reported value is: estimated with a standard error, or why it has none (the status column
   of estimates.csv and results.h5) */
const char *PnlmeFitColumnStatus(PnlmeFit fit, PetscInt col)
{
  PnlmeColumnKind kind;
  PetscInt        k, l, a;
  if (PnlmeFitColumn(fit, col, &kind, &k, &l, &a)) return "unknown";
  if ((kind == PNLME_COL_MU || kind == PNLME_COL_BETA) && fit->pop.hold[a * fit->p + k]) return "fixed";
  if (kind == PNLME_COL_OMEGA || kind == PNLME_COL_CORR) {
    if (fit->pop.dropped[k] >= 0 || (kind == PNLME_COL_CORR && fit->pop.dropped[l] >= 0)) return "boundary";
    if (fit->pop.fixed[k] || (kind == PNLME_COL_CORR && fit->pop.fixed[l])) return "no random effect";
  }
  if (!fit->sestat) return "no se";
  switch (fit->sestat[col]) {
  case PNLME_SE_OK:
    return "estimated";
  case PNLME_SE_SINGULAR:
    return "not identifiable";
  case PNLME_SE_ATBOUND:
    return "at bound";
  default:
    return "no se";
  }
}

/* "diagonal", "full", or the blocks as in -fit_omega_blocks (e.g. "ka+ke,V") */
PetscErrorCode PnlmeFitOmegaStructure(PnlmeFit fit, char str[], size_t len)
{
  PetscInt p = fit->p;
  PetscFunctionBegin;
  if (!fit->pop.npairs) PetscCall(PetscStrncpy(str, "diagonal", len));
  else if (fit->pop.npairs == p * (p - 1) / 2) PetscCall(PetscStrncpy(str, "full", len));
  else {
    str[0] = 0;
    for (PetscInt b = 0; b < p; b++) {
      PetscBool first = PETSC_TRUE;
      for (PetscInt k = 0; k < p; k++) {
        const char *pn;
        if (fit->pop.block[k] != b) continue;
        PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
        if (first && str[0]) PetscCall(PetscStrlcat(str, ",", len));
        if (!first) PetscCall(PetscStrlcat(str, "+", len));
        PetscCall(PetscStrlcat(str, pn, len));
        first = PETSC_FALSE;
      }
    }
  }
  PetscFunctionReturn(0);
}

/* AIC, BIC, and BICc (Delattre, Lavielle & Poursat 2014): log(N) for the parameters estimated at the
   level of subjects (Omega and the covariate effects on parameters with a random effect), log(N_tot)
   for the fixed effects (typical values, effects on parameters without random effect, error
   parameters); values held by -fit_fix are not counted */
PetscErrorCode PnlmeFitCriteria(PnlmeFit fit, PetscReal m2ll, PetscReal *aic, PetscReal *bic, PetscReal *bicc)
{
  PetscInt nre = 0, nfix = 0;
  PetscFunctionBegin;
  for (PetscInt c = 0; c < fit->nhist; c++) {
    PnlmeColumnKind kind;
    PetscInt        k, l, a;
    PetscCall(PnlmeFitColumn(fit, c, &kind, &k, &l, &a));
    if (!PnlmeFitColumnEstimated(fit, kind, k, l, a)) continue;
    if (kind == PNLME_COL_OMEGA || kind == PNLME_COL_CORR || (kind == PNLME_COL_BETA && !fit->pop.fixed[k])) nre++;
    else nfix++;
  }
  *aic  = m2ll + 2.0 * (nre + nfix);
  *bic  = m2ll + PetscLogReal((PetscReal)fit->N) * (nre + nfix);
  *bicc = m2ll + PetscLogReal((PetscReal)fit->N) * nre + PetscLogReal((PetscReal)fit->Ntot) * nfix;
  PetscFunctionReturn(0);
}

/* Collective: rank 0 opens DIR/NAME for writing; every rank raises the same error if it cannot */
PetscErrorCode PnlmeFitOpenResultFile(MPI_Comm comm, const char dir[], const char name[], FILE **fp)
{
  char        path[PETSC_MAX_PATH_LEN];
  PetscMPIInt rank;
  int         err = 0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", dir, name));
  *fp = NULL;
  if (!rank) {
    *fp = fopen(path, "w");
    if (!*fp) err = errno ? errno : EACCES;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "-output_dir %s: cannot write %s: %s", dir, name, strerror(err));
  PetscFunctionReturn(0);
}

/* Not collective: text into a result file opened by PnlmeFitOpenResultFile (fp NULL: not rank 0, nothing
   written), formatted as PetscFPrintf does but without its flush per call: stdio's buffer, one write
   per block (history.csv, a line per iteration, took a system call per number) */
PetscErrorCode PnlmeFitResultPrintf(FILE *fp, const char format[], ...)
{
  char    str[8192];
  size_t  full;
  va_list ap;
  PetscFunctionBegin;
  if (!fp) PetscFunctionReturn(0);
  va_start(ap, format);
  PetscCall(PetscVSNPrintf(str, sizeof(str), format, &full, ap));
  va_end(ap);
  PetscCheck(full < sizeof(str), PETSC_COMM_SELF, PETSC_ERR_SUP, "result line longer than %d characters", (int)sizeof(str));
  fputs(str, fp); /* a failed write shows in ferror() at PnlmeFitCloseResultFile */
  PetscFunctionReturn(0);
}

/* Collective: closes what PnlmeFitOpenResultFile opened; a failed write (a full disk) is an error on every rank */
PetscErrorCode PnlmeFitCloseResultFile(MPI_Comm comm, const char dir[], const char name[], FILE *fp)
{
  int err = 0;
  PetscFunctionBegin;
  if (fp && (ferror(fp) | fclose(fp))) err = errno ? errno : EIO;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "-output_dir %s: writing %s failed: %s", dir, name, strerror(err));
  PetscFunctionReturn(0);
}

/* estimates.csv and likelihood.csv (rank 0); individuals.csv and results.h5 are written by h5results.c */
PetscErrorCode PnlmeFitWriteResults(PnlmeFit fit, const char dir[])
{
  MPI_Comm  comm = PetscObjectComm((PetscObject)fit);
  FILE     *fp;
  PetscReal aic, bic, bicc;
  PetscFunctionBegin;
  PetscCall(PnlmeCheckOutputDirectory(comm, "-output_dir", dir));
  PetscCall(PnlmeFitOpenResultFile(comm, dir, "estimates.csv", &fp));
  PetscCall(PnlmeFitResultPrintf(fp, "parameter,estimate,se,rse_percent,status\n"));
  for (PetscInt c = 0; c < fit->nhist; c++) {
    char      name[160];
    PetscReal est = fit->niter ? fit->hist[(fit->niter - 1) * fit->nhist + c] : NAN;
    PetscCall(PnlmeFitColumnName(fit, c, name, sizeof(name)));
    if (fit->se && !PetscIsNanReal(fit->se[c])) PetscCall(PnlmeFitResultPrintf(fp, "%s,%.10g,%.6g,%.4g,%s\n", name, (double)est, (double)fit->se[c], (double)(100 * fit->se[c] / PetscAbsReal(est)), PnlmeFitColumnStatus(fit, c)));
    else PetscCall(PnlmeFitResultPrintf(fp, "%s,%.10g,,,%s\n", name, (double)est, PnlmeFitColumnStatus(fit, c)));
  }
  PetscCall(PnlmeFitCloseResultFile(comm, dir, "estimates.csv", fp));
  PetscCall(PnlmeFitOpenResultFile(comm, dir, "likelihood.csv", &fp));
  PetscCall(PnlmeFitResultPrintf(fp, "method,minus2ll,aic,bic,bicc,mc_se\n"));
  if (fit->nis > 0 && fit->post) {
    PetscCall(PnlmeFitCriteria(fit, fit->m2ll_is, &aic, &bic, &bicc));
    PetscCall(PnlmeFitResultPrintf(fp, "is,%.6f,%.6f,%.6f,%.6f,%.6f\n", (double)fit->m2ll_is, (double)aic, (double)bic, (double)bicc, (double)fit->mcse_is));
  }
  if (fit->post) {
    PetscCall(PnlmeFitCriteria(fit, fit->m2ll_lin, &aic, &bic, &bicc));
    PetscCall(PnlmeFitResultPrintf(fp, "lin,%.6f,%.6f,%.6f,%.6f,\n", (double)fit->m2ll_lin, (double)aic, (double)bic, (double)bicc));
  }
  if (fit->objmethod) { /* the estimator's own objective (focei, foce, laplace) */
    PetscCall(PnlmeFitCriteria(fit, fit->m2ll_obj, &aic, &bic, &bicc));
    PetscCall(PnlmeFitResultPrintf(fp, "%s,%.6f,%.6f,%.6f,%.6f,\n", fit->objmethod, (double)fit->m2ll_obj, (double)aic, (double)bic, (double)bicc));
  }
  PetscCall(PnlmeFitCloseResultFile(comm, dir, "likelihood.csv", fp));
  PetscFunctionReturn(0);
}

/* history.csv: the estimates of every iteration (written also when a run stops early) */
PetscErrorCode PnlmeFitWriteHistory(PnlmeFit fit, const char dir[])
{
  MPI_Comm comm = PetscObjectComm((PetscObject)fit);
  FILE    *fp;
  PetscFunctionBegin;
  PetscCall(PnlmeFitOpenResultFile(comm, dir, "history.csv", &fp));
  PetscCall(PnlmeFitResultPrintf(fp, "iteration"));
  for (PetscInt c = 0; c < fit->nhist; c++) {
    char name[160];
    PetscCall(PnlmeFitColumnName(fit, c, name, sizeof(name)));
    PetscCall(PnlmeFitResultPrintf(fp, ",%s", name));
  }
  PetscCall(PnlmeFitResultPrintf(fp, "\n"));
  for (PetscInt it = 0; it < fit->niter; it++) {
    PetscCall(PnlmeFitResultPrintf(fp, "%" PetscInt_FMT, it + 1));
    for (PetscInt c = 0; c < fit->nhist; c++) PetscCall(PnlmeFitResultPrintf(fp, ",%.10g", (double)fit->hist[it * fit->nhist + c]));
    PetscCall(PnlmeFitResultPrintf(fp, "\n"));
  }
  PetscCall(PnlmeFitCloseResultFile(comm, dir, "history.csv", fp));
  PetscFunctionReturn(0);
}
