/* The covariate design of the population model over the subjects: its Gram matrix, which covariate
   columns take the same value in every subject, and whether every parameter's columns can be estimated
   (full column rank).  Used by the fit at its setup (the effects it estimates) and by covariate selection before
   its runs (the candidates).  Both collective: every rank gets the same answer, raises the same error. */
#include "pop/popimpl.h"

/* G [q x q], q = 1 + covariate columns: the Gram matrix of the design rows (1, covariates) over the
   subjects, by exact sums (the same at any partition) */
PetscErrorCode PnlmeDesignGram(PnlmeData data, PetscReal G[])
{
  MPI_Comm       comm = PetscObjectComm((PetscObject)data);
  PetscInt       ncov, nl, q;
  PetscInt64     N;
  PnlmeExactSum *g;
  const char *const *names;
  PetscFunctionBegin;
  PetscCall(PnlmeDataGetCovariateNames(data, &ncov, &names));
  PetscCall(PnlmeDataGetNumSubjects(data, &nl, &N));
  q = ncov + 1;
  PetscCall(PetscMalloc1(q * q, &g));
  PnlmeExactSumReset(g, q * q);
  for (PetscInt i = 0; i < nl; i++) {
    PnlmeSubject s;
    PetscCall(PnlmeDataGetSubject(data, i, &s));
    for (PetscInt a = 0; a < q; a++)
      for (PetscInt b = 0; b <= a; b++) PnlmeExactSumAdd(&g[a * q + b], (a ? s.cov[a - 1] : 1.0) * (b ? s.cov[b - 1] : 1.0));
  }
  PetscCall(PnlmeExactSumAllreduce(comm, q * q, g));
  for (PetscInt a = 0; a < q; a++)
    for (PetscInt b = 0; b <= a; b++) G[a * q + b] = G[b * q + a] = PnlmeExactSumValue(&g[a * q + b]);
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

#define DESIGN_PIVOT_TOL 1e-10 /* the smallest 1 - R^2 of a column on the columns before it */

/* column a of the design (a >= 1: a covariate after its transformation) has the same value in every
   subject: from the Gram matrix G of the q columns, its variance over them relative to its mean square
   (1 - R^2 on the intercept: the factorisation's pivot below) is zero up to rounding */
static PetscBool ColumnConstant(const PetscReal G[], PetscInt q, PetscInt a)
{
  const PetscReal mean = G[a] / G[0], var = G[a * q + a] / G[0] - mean * mean;
  return (PetscBool)!(G[a * q + a] > 0 && var > DESIGN_PIVOT_TOL * G[a * q + a] / G[0]);
}

/* isconst[c]: covariate column c is the same in every subject (G from PnlmeDesignGram, q = ncov + 1) */
void PnlmeDesignConstantColumns(const PetscReal G[], PetscInt ncov, PetscBool isconst[])
{
  for (PetscInt c = 0; c < ncov; c++) isconst[c] = ColumnConstant(G, ncov + 1, c + 1);
}

/* Every parameter k's columns (the intercept, and the covariates a >= 1 with effects[a * p + k]) must
   have full rank over the subjects (the M-step's least squares and the Fisher information need it).
   From the design's Gram matrix G (PnlmeDesignGram; the fit's own): a Cholesky factorisation of the
   parameter's columns (intercept first) scaled to unit diagonal; a pivot below DESIGN_PIVOT_TOL (the
   column's R^2 on the columns before it above 1 - 1e-10) names the covariate: the same value in every subject, or
   a linear combination of the parameter's other covariates.  option: where the effects come from, for
   the message.  Collective in its error (G is the same on every rank). */
PetscErrorCode PnlmeDesignCheck(PnlmeData data, PnlmeModel model, const PetscReal G[], const PetscBool effects[], const char option[])
{
  MPI_Comm           comm = PetscObjectComm((PetscObject)data);
  PetscInt           p, q, ncov, *col;
  const char *const *cov;
  PetscReal         *L;
  PetscFunctionBegin;
  PetscCall(PnlmeDataGetCovariateNames(data, &ncov, &cov));
  PetscCall(PnlmeModelGetNumParameters(model, &p));
  q = ncov + 1;
  if (ncov == 0 || !(G[0] > 0)) PetscFunctionReturn(0);
  PetscCall(PetscMalloc2(q * q, &L, q, &col));
  for (PetscInt k = 0; k < p; k++) {
    const char *pn;
    PetscInt    n = 0;
    for (PetscInt a = 0; a < q; a++)
      if (!a || effects[a * p + k]) col[n++] = a;
    PetscCall(PnlmeModelGetParameterName(model, k, &pn));
    L[0] = 1; /* the intercept's row */
    for (PetscInt i = 1; i < n; i++) { /* row i of the factor of D^-1/2 G D^-1/2 */
      const PetscInt a = col[i];
      PetscReal      d = 1;
      for (PetscInt j = 0; j < i; j++) {
        const PetscInt b = col[j];
        PetscReal      c = G[a * q + b] / PetscSqrtReal(G[a * q + a] * G[b * q + b]);
        for (PetscInt m = 0; m < j; m++) c -= L[i * q + m] * L[j * q + m];
        L[i * q + j] = c / L[j * q + j];
        d -= L[i * q + j] * L[i * q + j];
      }
      /* constant: its pivot after the intercept alone is ColumnConstant's ratio (up to rounding) */
      PetscCheck(!ColumnConstant(G, q, a) && (i > 1 || d > DESIGN_PIVOT_TOL), comm, PETSC_ERR_USER, "option %s: covariate %s has the same value in every subject (after its transformation), so its effect on %s (%s.%s) cannot be estimated; remove it", option, cov[a - 1], pn, pn, cov[a - 1]);
      if (!(d > DESIGN_PIVOT_TOL)) { /* i > 1 */
        char others[1024] = "";
        for (PetscInt j = 1; j < i; j++) {
          PetscCall(PetscStrlcat(others, j > 1 ? ", " : "", sizeof(others)));
          PetscCall(PetscStrlcat(others, cov[col[j] - 1], sizeof(others)));
        }
        SETERRQ(comm, PETSC_ERR_USER, "option %s: covariate %s is, over the subjects, a linear combination of %s (and a constant), so their effects on %s cannot all be estimated; remove one of them", option, cov[a - 1], others, pn);
      }
      L[i * q + i] = PetscSqrtReal(d);
    }
  }
  PetscCall(PetscFree2(L, col));
  PetscFunctionReturn(0);
}
