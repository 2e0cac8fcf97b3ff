/* Population parameters: individual means, the Gaussian prior, and the closed-form M-step
   (generalised least squares for typical values and covariate effects, then Omega). */
#include "fit/fitimpl.h"
#include <petscblaslapack.h>

/* Cholesky factor, inverse and log-determinant of Omega (row-major symmetric storage) */
PetscErrorCode PnlmePopFactor(PnlmePop *pop)
{
  PetscInt     p = pop->p;
  PetscBLASInt n, info;
  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(p, &n));
  PetscCall(PetscArraycpy(pop->L, pop->Omega, p * p));
  /* column-major "U" of a symmetric matrix is the row-major lower factor */
  LAPACKpotrf_("U", &n, pop->L, &n, &info);
  PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_USER, "Omega is not positive definite (leading minor %d): check the initial omegas", (int)info);
  pop->logdet = 0;
  for (PetscInt i = 0; i < p; i++) {
    for (PetscInt j = i + 1; j < p; j++) pop->L[i * p + j] = 0.0;
    pop->logdet += 2.0 * PetscLogReal(pop->L[i * p + i]);
  }
  PetscCall(PetscArraycpy(pop->Oinv, pop->L, p * p));
  LAPACKpotri_("U", &n, pop->Oinv, &n, &info);
  PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_LIB, "inverse of Omega failed (%d)", (int)info);
  for (PetscInt i = 0; i < p; i++)
    for (PetscInt j = i + 1; j < p; j++) pop->Oinv[i * p + j] = pop->Oinv[j * p + i];
  PetscFunctionReturn(0);
}

void PnlmePopMean(const PnlmePop *pop, const PetscReal x[], PetscReal m[])
{
  for (PetscInt k = 0; k < pop->p; k++) {
    PetscReal v = 0;
    for (PetscInt a = 0; a < pop->q; a++) v += x[a] * pop->B[a * pop->p + k];
    m[k] = v;
  }
}

/* -1/2 (z - m)^T Omega^-1 (z - m)  (the log-determinant is constant within an E-step) */
PetscReal PnlmePopLogPrior(const PnlmePop *pop, const PetscReal z[], const PetscReal m[])
{
  PetscInt  p = pop->p;
  PetscReal q = 0;
  if (!pop->full) {
    for (PetscInt k = 0; k < p; k++) q += (z[k] - m[k]) * (z[k] - m[k]) * pop->Oinv[k * p + k];
  } else {
    for (PetscInt i = 0; i < p; i++) {
      PetscReal di = z[i] - m[i], r = 0;
      for (PetscInt j = 0; j < p; j++) r += pop->Oinv[i * p + j] * (z[j] - m[j]);
      q += di * r;
    }
  }
  return -0.5 * q;
}

/* Omega = (S2 - B^T S1 - S1^T B + B^T G B) / N */
static void OmegaFromB(PnlmePop *pop, PetscInt64 N, const PetscReal G[], const PetscReal S1[], const PetscReal S2[])
{
  PetscInt p = pop->p, q = pop->q;
  for (PetscInt k = 0; k < p; k++) {
    for (PetscInt l = 0; l < p; l++) {
      PetscReal v;
      if (pop->block[k] != pop->block[l]) {
        pop->Omega[k * p + l] = 0;
        continue;
      }
      v = S2[k * p + l];
      for (PetscInt a = 0; a < q; a++) {
        v -= pop->B[a * p + k] * S1[a * p + l] + S1[a * p + k] * pop->B[a * p + l];
        for (PetscInt b = 0; b < q; b++) v += pop->B[a * p + k] * G[a * q + b] * pop->B[b * p + l];
      }
      pop->Omega[k * p + l] = pop->fixed[k] || pop->fixed[l] ? (k == l ? 1.0 : 0.0) : v / (PetscReal)N; /* fixed: the identity stand-in */
    }
  }
}

/* B given Omega by generalised least squares on the free entries:
   sum_{(b,l) free} G[a,b] W[l,k] B[b,l] = sum_l S1[a,l] W[l,k]   for every free (a,k), W = Omega^-1.
   With a diagonal Omega (or the same design for every parameter) this is ordinary least squares per
   parameter.  With covariate selection the Omega blocks that hold candidates are left to
   PnlmePopSelectB (the problem separates by block). */
static PetscErrorCode BFromOmega(PnlmePop *pop, const PetscReal G[], const PetscReal S1[])
{
  PetscInt     p = pop->p, q = pop->q, nf = 0, *idx = pop->lsidx;
  PetscReal   *A = pop->lsA, *r = pop->lsr;
  PetscBLASInt n, one = 1, info, *piv = pop->lspiv;
  PetscFunctionBegin;
  for (PetscInt a = 0; a < q; a++)
    for (PetscInt k = 0; k < p; k++)
      if (pop->mask[a * p + k] && !pop->hold[a * p + k] && !pop->fixed[k] && !(pop->sel && pop->sel->sub[pop->block[k]])) idx[nf++] = a * p + k; /* fixed effects: by likelihood (noncentred.c) */
  PetscCheck(nf <= pop->nfree, PETSC_COMM_SELF, PETSC_ERR_PLIB, "M-step work sized for %" PetscInt_FMT " entries, %" PetscInt_FMT " estimated", pop->nfree, nf);
  if (!nf) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < nf; i++) {
    PetscInt a = idx[i] / p, k = idx[i] % p;
    r[i] = 0;
    for (PetscInt l = 0; l < p; l++) {
      PetscReal w = pop->full ? pop->Oinv[l * p + k] : (l == k ? 1.0 : 0.0);
      r[i] += S1[a * p + l] * w;
      for (PetscInt b = 0; b < q; b++) /* the held entries (-fit_fix) are known terms */
        if (pop->hold[b * p + l]) r[i] -= G[a * q + b] * w * pop->B[b * p + l];
    }
    for (PetscInt j = 0; j < nf; j++) {
      PetscInt  b = idx[j] / p, l = idx[j] % p;
      PetscReal w = pop->full ? pop->Oinv[l * p + k] : (l == k ? 1.0 : 0.0);
      A[j * nf + i] = G[a * q + b] * w; /* column-major for LAPACK */
    }
  }
  PetscCall(PetscBLASIntCast(nf, &n));
  LAPACKgesv_(&n, &one, A, &n, piv, r, &n, &info);
  PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_USER, "M-step: the covariate design is singular (a covariate constant over subjects, or duplicated?)");
  for (PetscInt i = 0; i < nf; i++) pop->B[idx[i]] = r[i];
  PetscFunctionReturn(0);
}

/* With correlations the maximum-likelihood Omega can be singular (a correlation of +-1: the MLE on
   the boundary, as with few subjects), and SAEM drives the chains onto it.  The eigenvalues of the
   correlation matrix are floored at OMEGA_EIG_FLOOR so that Omega stays invertible; the event is
   counted and reported (PnlmeFitView). */
#define OMEGA_EIG_FLOOR 1e-6
static PetscErrorCode OmegaFloor(PnlmePop *pop)
{
  PetscInt     p = pop->p;
  PetscReal    R[64 * 64], sd[64], lam[64], work[64 * 64], floorv = OMEGA_EIG_FLOOR;
  PetscBLASInt n, lwork = 64 * 64, info;
  PetscBool    low = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(p, &n));
  for (PetscInt k = 0; k < p; k++) sd[k] = PetscSqrtReal(PetscMax(pop->Omega[k * p + k], PETSC_SMALL));
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = 0; l < p; l++) R[k * p + l] = pop->Omega[k * p + l] / (sd[k] * sd[l]);
  LAPACKsyev_("V", "U", &n, R, &n, lam, work, &lwork, &info);
  PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_LIB, "M-step: eigenvalues of the correlation matrix of Omega failed (%d)", (int)info);
  for (PetscInt k = 0; k < p; k++) low = (PetscBool)(low || lam[k] < floorv);
  if (!low) PetscFunctionReturn(0);
  /* R = sum_k max(lam_k, floor) v_k v_k^T (column k of the column-major R is v_k), back to unit diagonal */
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = 0; l < p; l++) {
      PetscReal v = 0;
      for (PetscInt e = 0; e < p; e++) v += PetscMax(lam[e], floorv) * R[e * p + k] * R[e * p + l];
      work[k * p + l] = v;
    }
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = 0; l < p; l++) pop->Omega[k * p + l] = work[k * p + l] / PetscSqrtReal(work[k * p + k] * work[l * p + l]) * sd[k] * sd[l];
  pop->nfloor++;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmePopMStep(PnlmePop *pop, PetscInt64 N, const PetscReal G[], const PetscReal S1[], const PetscReal S2[])
{
  PetscFunctionBegin;
  /* diagonal Omega: one pass is exact; full Omega: alternate (converges in a few passes) */
  for (PetscInt it = 0; it < (pop->full ? 5 : 1); it++) {
    PetscCall(BFromOmega(pop, G, S1));
    if (pop->sel) PetscCall(PnlmePopSelectB(pop, G, S1));
    OmegaFromB(pop, N, G, S1, S2);
    if (pop->full) {
      PetscCall(OmegaFloor(pop));
      PetscCall(PnlmePopFactor(pop));
    }
  }
  PetscFunctionReturn(0);
}
