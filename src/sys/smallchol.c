/* Cholesky factorisation and solve of small systems with the bits of reference LAPACK (smallchol.h
   says why).  Each routine follows the netlib source it replaces, loop for loop. */
#include "sys/smallchol.h"
#include <petscblaslapack.h>
#include <math.h>

#define SMALLCHOL_MAX 64 /* dpotrf's block size (ilaenv): up to it dpotrf is dpotrf2 */

/* dtrsm('R', 'L', 'T', 'N', m, n, 1, A, lda, B, ldb): B <- B inv(A^T), A lower triangular n x n */
static void TrsmRLTN(PetscInt m, PetscInt n, const PetscReal *A, PetscInt lda, PetscReal *B, PetscInt ldb)
{
  for (PetscInt k = 0; k < n; k++) {
    const PetscReal r = 1.0 / A[k + k * lda];
    for (PetscInt i = 0; i < m; i++) B[i + k * ldb] = r * B[i + k * ldb];
    for (PetscInt j = k + 1; j < n; j++)
      if (A[j + k * lda] != 0.0) {
        const PetscReal t = A[j + k * lda];
        for (PetscInt i = 0; i < m; i++) B[i + j * ldb] = B[i + j * ldb] - t * B[i + k * ldb];
      }
  }
}

/* dsyrk('L', 'N', n, k, -1, A, lda, 1, C, ldc): C <- C - A A^T, lower triangle */
static void SyrkLN(PetscInt n, PetscInt k, const PetscReal *A, PetscInt lda, PetscReal *C, PetscInt ldc)
{
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt l = 0; l < k; l++)
      if (A[j + l * lda] != 0.0) {
        const PetscReal t = -1.0 * A[j + l * lda];
        for (PetscInt i = j; i < n; i++) C[i + j * ldc] = C[i + j * ldc] + t * A[i + l * lda];
      }
}

/* dpotrf2('L', n, A, lda) */
static PetscInt Potrf2L(PetscInt n, PetscReal *A, PetscInt lda)
{
  PetscInt n1, n2, info;
  if (n == 0) return 0;
  if (n == 1) {
    if (A[0] <= 0.0 || isnan(A[0])) return 1;
    A[0] = sqrt(A[0]);
    return 0;
  }
  n1   = n / 2;
  n2   = n - n1;
  info = Potrf2L(n1, A, lda);
  if (info) return info;
  TrsmRLTN(n2, n1, A, lda, A + n1, lda);
  SyrkLN(n2, n1, A + n1, lda, A + n1 + n1 * lda, lda);
  info = Potrf2L(n2, A + n1 + n1 * lda, lda);
  return info ? info + n1 : 0;
}

PetscInt PnlmeCholeskyFactor(PetscInt n, PetscReal A[])
{
  if (n > SMALLCHOL_MAX) {
    PetscBLASInt bn = (PetscBLASInt)n, info;
    LAPACKpotrf_("L", &bn, A, &bn, &info);
    return (PetscInt)info;
  }
  return Potrf2L(n, A, n);
}

/* dpotrs('L', n, 1, L, n, b, n): dtrsm('L', 'L', 'N', 'N') then dtrsm('L', 'L', 'T', 'N') */
void PnlmeCholeskySolve(PetscInt n, const PetscReal L[], PetscReal b[])
{
  for (PetscInt k = 0; k < n; k++)
    if (b[k] != 0.0) {
      b[k] = b[k] / L[k + k * n];
      for (PetscInt i = k + 1; i < n; i++) b[i] = b[i] - b[k] * L[i + k * n];
    }
  for (PetscInt i = n - 1; i >= 0; i--) {
    PetscReal t = b[i];
    for (PetscInt k = i + 1; k < n; k++) t = t - L[k + i * n] * b[k];
    b[i] = t / L[i + i * n];
  }
}
