/* Covariate effects named "parameter.column,...": the syntax of -fit_covariates and
   -covariates_candidates. */
#include "fit/fitimpl.h"
#include <string.h>

PetscErrorCode PnlmeFitParseEffects(PnlmeModel model, PnlmeData data, const char opt[], const char list[], PetscBool mask[])
{
  MPI_Comm           comm = PetscObjectComm((PetscObject)data);
  char               buf[4096], *tok, *save = NULL;
  PetscInt           p, ncov;
  const char *const *cov;
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetNumParameters(model, &p));
  PetscCall(PnlmeDataGetCovariateNames(data, &ncov, &cov));
  PetscCheck(strlen(list) < sizeof(buf), comm, PETSC_ERR_ARG_WRONG, "option %s: value too long (at most %d characters)", opt, (int)sizeof(buf) - 1);
  PetscCall(PetscStrncpy(buf, list, sizeof(buf)));
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char    *dot;
    PetscInt k, a = -1;
    while (*tok == ' ') tok++;
    dot = strchr(tok, '.');
    PetscCheck(dot, comm, PETSC_ERR_USER, "option %s: '%s' is not parameter.column", opt, tok);
    *dot = 0;
    PetscCall(PnlmeModelGetParameterIndex(model, tok, &k));
    PetscCheck(k >= 0, comm, PETSC_ERR_ARG_WRONG, "option %s: the model has no parameter '%s'", opt, tok);
    for (PetscInt c = 0; c < ncov; c++)
      if (!strcmp(cov[c], dot + 1)) a = c + 1;
    PetscCheck(a > 0, comm, PETSC_ERR_USER, "option %s: no covariate column '%s' in the data (declare it with -data_covariates)", opt, dot + 1);
    mask[a * p + k] = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}
