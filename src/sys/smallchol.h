/* Private: Cholesky factorisation and solve of the small symmetric positive definite systems of the
   per-subject paths (the conditional-mode searches' Gauss-Newton steps, FOCEI's log-determinants),
   with the bits of LAPACK's dpotrf("L") and dpotrs("L") (reference LAPACK and BLAS, netlib 3.11:
   Debian's liblapack3 and libblas3).

   Why our own: on systems of 4 to 10 unknowns reference LAPACK spends most of a call in its argument
   checks (lsame, ilaenv), the recursion of dpotrf2 and the general BLAS loops: 18 % of a FOCEI fit of
   warfarin PK under perf (docs/speed.md, thirteenth session).  These routines do the same floating-point
   operations in the same order (dpotrf2's recursive split n1 = n/2, dtrsm's right-lower-transpose update
   by the reciprocal of the diagonal, dsyrk's column updates, dpotrs's two triangular solves, the same
   tests of zero entries), so every result is the one LAPACK gives (the library is compiled with
   -ffp-contract=off; test sys_smallchol checks the bits against the linked LAPACK).  A different LAPACK
   (OpenBLAS) rounds differently in any case.  Column-major lower triangle, leading dimension n; above
   64 unknowns (dpotrf's block size) LAPACK itself is called. */
#pragma once
#include <petscsys.h>

/* A <- its lower Cholesky factor L (A = L L^T); returns 0, or k > 0 when the leading minor of order k
   is not positive definite (LAPACK's info) */
PETSC_INTERN PetscInt PnlmeCholeskyFactor(PetscInt n, PetscReal A[]);
/* b <- A^-1 b, L the factor of PnlmeCholeskyFactor */
PETSC_INTERN void PnlmeCholeskySolve(PetscInt n, const PetscReal L[], PetscReal b[]);
