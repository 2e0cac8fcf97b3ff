/* The small Cholesky routines (src/sys/smallchol.c) give the bits of the linked LAPACK's dpotrf("L") and
   dpotrs("L") (reference LAPACK, netlib: Debian's liblapack3): for n = 1..20 and 70 (above 64 the factor is
   LAPACK's own), on random symmetric positive definite matrices (well and badly conditioned, with zero
   entries that take the BLAS loops' skips, and the Gauss-Newton shape J^T W J + D of the mode
   searches), the factor, the solution of a system (also with zero entries in the right-hand side) and
   the info of a matrix that is not positive definite (a negative and a NaN pivot at every position)
   are the same, bit for bit; and the solution solves the system (residual at rounding level, relative
   to |A| |x|). */
#include <pnlmetest.h>
#include <petscblaslapack.h>
#include <string.h>
#include "sys/smallchol.h"

static double Uniform(uint64_t *st)
{
  *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((double)(*st >> 11) + 0.5) * 0x1p-53;
}

/* A = G G^T + d I (column-major, n x n), G with some zero entries; kind 0: d = n, well conditioned;
   1: d = 1e-10, badly conditioned; 2: J^T W J + D with J (2n x n) and W positive (mode searches) */
static void MakeSPD(PetscInt n, int kind, uint64_t *st, PetscReal A[], PetscReal G[])
{
  const PetscInt m = kind == 2 ? 2 * n : n;
  for (PetscInt i = 0; i < m * n; i++) G[i] = Uniform(st) < 0.15 ? 0.0 : 2 * Uniform(st) - 1;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++) {
      PetscReal s = 0;
      for (PetscInt k = 0; k < m; k++) s += G[k * n + i] * G[k * n + j] * (kind == 2 ? 0.5 + Uniform(st) : 1.0);
      A[i + j * n] = s;
    }
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < i; j++) A[j + i * n] = A[i + j * n]; /* exactly symmetric */
  for (PetscInt i = 0; i < n; i++) A[i + i * n] += kind == 1 ? 1e-10 : (kind == 2 ? 1.0 / (1 + i) : (PetscReal)n);
}

static PetscErrorCode Check(PetscInt n, int kind, uint64_t *st, PetscReal *A, PetscReal *A1, PetscReal *A2, PetscReal *G, PetscReal *b0, PetscReal *b1, PetscReal *b2)
{
  PetscBLASInt bn, one = 1, info;
  PetscInt     mine;
  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(n, &bn));
  MakeSPD(n, kind, st, A, G);
  PetscCall(PetscArraycpy(A1, A, n * n));
  PetscCall(PetscArraycpy(A2, A, n * n));
  LAPACKpotrf_("L", &bn, A1, &bn, &info);
  mine = PnlmeCholeskyFactor(n, A2);
  PNLME_TEST_CHECK(mine == (PetscInt)info, "n %d kind %d: info %d, LAPACK %d", (int)n, kind, (int)mine, (int)info);
  if (info) PetscFunctionReturn(0); /* kind 1 at large n may not be positive definite in floating point */
  for (PetscInt j = 0; j < n; j++) /* the lower triangle (the upper one is LAPACK's input, untouched by both) */
    PNLME_TEST_CHECK(!memcmp(A1 + j * n + j, A2 + j * n + j, sizeof(PetscReal) * (size_t)(n - j)), "n %d kind %d: factor column %d differs from LAPACK's dpotrf (reference LAPACK expected)", (int)n, kind, (int)j);
  for (PetscInt i = 0; i < n; i++) b0[i] = b1[i] = b2[i] = i % 3 == 1 ? 0.0 : 2 * Uniform(st) - 1;
  LAPACKpotrs_("L", &bn, &one, A1, &bn, b1, &bn, &info);
  PnlmeCholeskySolve(n, A2, b2);
  PNLME_TEST_CHECK(!memcmp(b1, b2, sizeof(PetscReal) * (size_t)n), "n %d kind %d: solution differs from LAPACK's dpotrs (reference LAPACK expected)", (int)n, kind);
  { /* it solves the system: |A x - b| at rounding level (relative to |A| |x|) */
    PetscReal r = 0, scale = 0;
    for (PetscInt i = 0; i < n; i++) {
      PetscReal ax = 0, aax = 0, bi;
      for (PetscInt j = 0; j < n; j++) {
        ax += A[i + j * n] * b2[j];
        aax += PetscAbsReal(A[i + j * n] * b2[j]);
      }
      bi    = b0[i];
      r     = PetscMax(r, PetscAbsReal(ax - bi));
      scale = PetscMax(scale, aax + PetscAbsReal(bi));
    }
    PNLME_TEST_CHECK(r <= 1e-13 * n * scale, "n %d kind %d: |A x - b| = %g (scale %g)", (int)n, kind, (double)r, (double)scale);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  const PetscInt sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 70};
  PetscReal     *A, *A1, *A2, *G, *b0, *b1, *b2;
  uint64_t       st = 2026;
  PetscInt       nmax = 70, nchecked = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc7(nmax * nmax, &A, nmax * nmax, &A1, nmax * nmax, &A2, 2 * nmax * nmax, &G, nmax, &b0, nmax, &b1, nmax, &b2));
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
    for (int kind = 0; kind < 3; kind++)
      for (int rep = 0; rep < 20; rep++, nchecked++) PetscCall(Check(sizes[s], kind, &st, A, A1, A2, G, b0, b1, b2));
  for (PetscInt n = 1; n <= 9; n++) /* not positive definite: a negative, then a NaN, pivot at every position */
    for (PetscInt bad = 0; bad < n; bad++)
      for (int nan = 0; nan < 2; nan++) {
        PetscBLASInt bn = (PetscBLASInt)n, info;
        PetscInt     mine;
        MakeSPD(n, 0, &st, A, G);
        A[bad + bad * n] = nan ? (PetscReal)NAN : -1.0;
        PetscCall(PetscArraycpy(A1, A, n * n));
        PetscCall(PetscArraycpy(A2, A, n * n));
        LAPACKpotrf_("L", &bn, A1, &bn, &info);
        mine = PnlmeCholeskyFactor(n, A2);
        PNLME_TEST_CHECK(info > 0 && mine == (PetscInt)info, "n %d, bad pivot %d (%s): info %d, LAPACK %d", (int)n, (int)bad, nan ? "NaN" : "negative", (int)mine, (int)info);
      }
  PetscCall(PetscFree7(A, A1, A2, G, b0, b1, b2));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "small Cholesky: %d systems, the bits of LAPACK's dpotrf and dpotrs: OK\n", (int)nchecked));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "small Cholesky against LAPACK", Run); }
