/* Results of a fit: names of the population parameters, information criteria, results files. */
#include "fit/fitimpl.h"
#include <string.h>

/* the name of history column c (same order as RecordHistory) */
PetscErrorCode PnlmeFitColumnName(PnlmeFit fit, PetscInt col, char name[], size_t len)
{
  PetscInt    c = 0, p = fit->p;
  const char *pn, *pn2;
  const char *const *cov;
  PetscInt    ncov;
  PetscFunctionBegin;
  PetscCall(PnlmeDataGetCovariateNames(fit->data, &ncov, &cov));
  for (PetscInt k = 0; k < p; k++, c++)
    if (c == col) {
      PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
      PetscCall(PetscSNPrintf(name, len, "%s_pop", pn));
      PetscFunctionReturn(0);
    }
  for (PetscInt a = 1; a < fit->q; a++)
    for (PetscInt k = 0; k < p; k++)
      if (fit->pop.mask[a * p + k] && c++ == col) {
        PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
        PetscCall(PetscSNPrintf(name, len, "beta_%s_%s", pn, cov[a - 1]));
        PetscFunctionReturn(0);
      }
  for (PetscInt k = 0; k < p; k++, c++)
    if (c == col) {
      PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
      PetscCall(PetscSNPrintf(name, len, "omega_%s", pn));
      PetscFunctionReturn(0);
    }
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = k + 1; l < p; l++)
      if (fit->pop.block[k] == fit->pop.block[l] && c++ == col) {
          PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
          PetscCall(PnlmeModelGetParameterName(fit->model, l, &pn2));
          PetscCall(PetscSNPrintf(name, len, "corr_%s_%s", pn, pn2));
          PetscFunctionReturn(0);
        }
  PetscCall(PetscStrncpy(name, (fit->pop.err != PNLME_ERROR_PROPORTIONAL && c == col) ? "a" : "b", len));
  PetscFunctionReturn(0);
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
   level of subjects (Omega and covariate effects), log(N_tot) for the fixed effects (typical values,
   error parameters) */
PetscErrorCode PnlmeFitCriteria(PnlmeFit fit, PetscReal m2ll, PetscReal *aic, PetscReal *bic, PetscReal *bicc)
{
  PetscInt p = fit->p, nbeta = fit->nhist - 2 * p - fit->pop.npairs, nerr = 0, nre, nfix;
  PetscFunctionBegin;
  nerr = (fit->pop.err == PNLME_ERROR_PROPORTIONAL ? 0 : 1) + (fit->pop.err == PNLME_ERROR_PROPORTIONAL || fit->pop.err == PNLME_ERROR_COMBINED1 || fit->pop.err == PNLME_ERROR_COMBINED2 ? 1 : 0);
  nbeta -= nerr;
  nre  = p - fit->pop.nfixed + fit->pop.npairs + nbeta;
  nfix = p + nerr;
  for (PetscInt a = 1; a < fit->q; a++) /* effects on parameters without random effect are fixed effects */
    for (PetscInt k = 0; k < p; k++)
      if (fit->pop.mask[a * p + k] && fit->pop.fixed[k]) nre--, nfix++;
  *aic  = m2ll + 2.0 * (fit->nhist - fit->pop.nfixed);
  *bic  = m2ll + PetscLogReal((PetscReal)fit->N) * (fit->nhist - fit->pop.nfixed);
  *bicc = m2ll + PetscLogReal((PetscReal)fit->N) * nre + PetscLogReal((PetscReal)fit->Ntot) * nfix;
  PetscFunctionReturn(0);
}

static PetscErrorCode OpenInDir(MPI_Comm comm, const char dir[], const char name[], FILE **fp)
{
  char path[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", dir, name));
  PetscCall(PetscFOpen(comm, path, "w", fp));
  PetscFunctionReturn(0);
}

/* estimates.csv and likelihood.csv (rank 0); individuals.csv and results.h5 are written by h5results.c */
PetscErrorCode PnlmeFitWriteResults(PnlmeFit fit, const char dir[])
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscMPIInt rank;
  FILE       *fp;
  PetscInt    bad = 0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) bad = PnlmeMakeDirectory(dir);
  PetscCallMPI(MPI_Bcast(&bad, 1, MPIU_INT, 0, comm));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_OPEN, "-output_dir %s: cannot create the directory: %s", dir, strerror((int)bad));
  PetscCall(OpenInDir(comm, dir, "estimates.csv", &fp));
  PetscCall(PetscFPrintf(comm, fp, "parameter,estimate,se,rse_percent\n"));
  for (PetscInt c = 0; c < fit->nhist; c++) {
    char      name[160];
    PetscReal est = fit->hist[(fit->niter - 1) * fit->nhist + c];
    PetscCall(PnlmeFitColumnName(fit, c, name, sizeof(name)));
    if (fit->se && !PetscIsNanReal(fit->se[c])) PetscCall(PetscFPrintf(comm, fp, "%s,%.10g,%.6g,%.4g\n", name, (double)est, (double)fit->se[c], (double)(100 * fit->se[c] / PetscAbsReal(est))));
    else PetscCall(PetscFPrintf(comm, fp, "%s,%.10g,,\n", name, (double)est));
  }
  PetscCall(PetscFClose(comm, fp));
  PetscCall(OpenInDir(comm, dir, "likelihood.csv", &fp));
  PetscCall(PetscFPrintf(comm, fp, "method,minus2ll,aic,bic,bicc,mc_se\n"));
  {
    PetscReal aic, bic, bicc;
    if (fit->nis > 0) {
      PetscCall(PnlmeFitCriteria(fit, fit->m2ll_is, &aic, &bic, &bicc));
      PetscCall(PetscFPrintf(comm, fp, "is,%.6f,%.6f,%.6f,%.6f,%.6f\n", (double)fit->m2ll_is, (double)aic, (double)bic, (double)bicc, (double)fit->mcse_is));
    }
    PetscCall(PnlmeFitCriteria(fit, fit->m2ll_lin, &aic, &bic, &bicc));
    PetscCall(PetscFPrintf(comm, fp, "lin,%.6f,%.6f,%.6f,%.6f,\n", (double)fit->m2ll_lin, (double)aic, (double)bic, (double)bicc));
  }
  PetscCall(PetscFClose(comm, fp));
  PetscFunctionReturn(0);
}
