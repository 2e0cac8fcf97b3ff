/* Covariate effects named "parameter.column,...": the syntax of -fit_covariates and
   -covariates_candidates.  A column is a design column (WT, SEX_1) or, for a categorical covariate, the
   covariate's own name (SEX), which stands for all of its indicator columns. */
#include "fit/fitimpl.h"
#include <ctype.h>
#include <string.h>

/* edit distance between a and b, ignoring case (short names: a small table) */
static PetscInt Distance(const char a[], const char b[])
{
  PetscInt na = (PetscInt)strlen(a), nb = (PetscInt)strlen(b), row[130];

  if (na > 128 || nb > 128) return PETSC_MAX_INT;
  for (PetscInt j = 0; j <= nb; j++) row[j] = j;
  for (PetscInt i = 1; i <= na; i++) {
    PetscInt diag = row[0];
    row[0]        = i;
    for (PetscInt j = 1; j <= nb; j++) {
      PetscInt up   = row[j];
      PetscInt cost = (PetscInt)(tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      row[j]        = PetscMin(PetscMin(row[j] + 1, row[j - 1] + 1), diag + cost);
      diag          = up;
    }
  }
  return row[nb];
}

/* the valid name closest to `name` (a design column or a categorical covariate), if close enough */
static PetscErrorCode Nearest(PnlmeData data, PetscInt ncov, const char *const cov[], const char name[], char best[], size_t size)
{
  PetscInt dmin = PETSC_MAX_INT, limit = PetscMax(1, (PetscInt)strlen(name) / 3);

  PetscFunctionBegin;
  best[0] = 0;
  for (PetscInt c = 0; c < ncov; c++) {
    char     base[256];
    char    *us;
    PetscInt first, n, dist;
    /* a design column, and for an indicator NAME_<level> the covariate NAME when it is one */
    dist = Distance(name, cov[c]);
    if (dist < dmin) {
      dmin = dist;
      PetscCall(PetscStrncpy(best, cov[c], size));
    }
    PetscCall(PetscStrncpy(base, cov[c], sizeof(base)));
    us = strrchr(base, '_');
    if (!us) continue;
    *us = 0;
    PetscCall(PnlmeDataGetCovariateColumns(data, base, &first, &n));
    if (first < 0 || c < first || c >= first + n) continue;
    dist = Distance(name, base);
    if (dist < dmin) {
      dmin = dist;
      PetscCall(PetscStrncpy(best, base, size));
    }
  }
  if (dmin > limit) best[0] = 0;
  PetscFunctionReturn(0);
}

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
    PetscInt k, first = -1, n = 0;
    while (*tok == ' ') tok++;
    dot = strchr(tok, '.');
    PetscCheck(dot, comm, PETSC_ERR_USER, "option %s: '%s' is not parameter.column", opt, tok);
    *dot = 0;
    PetscCall(PnlmeModelGetParameterIndex(model, tok, &k));
    PetscCheck(k >= 0, comm, PETSC_ERR_ARG_WRONG, "option %s: the model has no parameter '%s'", opt, tok);
    /* a design column by its name, else a covariate by its name: all of its columns */
    for (PetscInt c = 0; c < ncov && first < 0; c++)
      if (!strcmp(cov[c], dot + 1)) first = c, n = 1;
    if (first < 0) {
      size_t len = strlen(dot + 1);
      PetscCall(PnlmeDataGetCovariateColumns(data, dot + 1, &first, &n));
      PetscCheck(first < 0 || n > 0, comm, PETSC_ERR_USER, "option %s: the categorical covariate '%s' has a single level in the data: it has no indicator column", opt, dot + 1);
      /* names are matched exactly, as the columns are: the indicators are NAME_<level> */
      if (first >= 0 && (strncmp(cov[first], dot + 1, len) || cov[first][len] != '_')) first = -1, n = 0;
    }
    if (first < 0) {
      char near[256];
      PetscCall(Nearest(data, ncov, cov, dot + 1, near, sizeof(near)));
      if (near[0]) SETERRQ(comm, PETSC_ERR_USER, "option %s: no covariate column '%s' in the data (declare it with -data_covariates); did you mean '%s'?", opt, dot + 1, near);
      SETERRQ(comm, PETSC_ERR_USER, "option %s: no covariate column '%s' in the data (declare it with -data_covariates)", opt, dot + 1);
    }
    for (PetscInt j = 0; j < n; j++) mask[(first + j + 1) * p + k] = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}
