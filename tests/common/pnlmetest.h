/* Assertions for pnlme tests: a failed check raises a PETSc error (non-zero exit) naming what failed. */
#pragma once
#include <pnlme.h>
#include <math.h>

#define PNLME_TEST_CHECK(cond, ...) PetscCheck((cond), PETSC_COMM_SELF, PETSC_ERR_PLIB, __VA_ARGS__)
/* |a - b| <= rtol*|b| + atol */
#define PNLME_TEST_CLOSE(a, b, rtol, atol, what) \
  PetscCheck(fabs((double)(a) - (double)(b)) <= (rtol) * fabs((double)(b)) + (atol), PETSC_COMM_SELF, PETSC_ERR_PLIB, \
             "%s: got %.17g, expected %.17g (rtol %g, atol %g)", (what), (double)(a), (double)(b), (double)(rtol), (double)(atol))

/* Stable sort of a hand-built timeline by time (insertion order kept at equal times, as the data
   layer keeps file order). */
static inline void PnlmeTestSortTimeline(PnlmeEvent ev[], PetscInt nev)
{
  for (PetscInt i = 1; i < nev; i++) {
    PnlmeEvent e = ev[i];
    PetscInt   j = i - 1;
    while (j >= 0 && ev[j].time > e.time) {
      ev[j + 1] = ev[j];
      j--;
    }
    ev[j + 1] = e;
  }
}

/* E = exp(M) for a small dense matrix (row-major, n <= 8): scaling and squaring of a Taylor series.
   Independent of everything under test: the reference for linear compartment systems. */
static inline void PnlmeTestExpm(PetscInt n, const PetscReal M[], PetscReal E[])
{
  PetscReal A[64], T[64], W[64], nrm = 0;
  PetscInt  sq = 0;
  for (PetscInt i = 0; i < n; i++) {
    PetscReal r = 0;
    for (PetscInt j = 0; j < n; j++) r += fabs(M[i * n + j]);
    nrm = PetscMax(nrm, r);
  }
  while (nrm > 0.125) {
    nrm /= 2;
    sq++;
  }
  for (PetscInt i = 0; i < n * n; i++) A[i] = ldexp(M[i], (int)-sq);
  for (PetscInt i = 0; i < n * n; i++) E[i] = T[i] = (i % (n + 1) == 0) ? 1.0 : 0.0;
  for (PetscInt q = 1; q <= 24; q++) { /* T = T A / q; E += T */
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) {
        PetscReal v = 0;
        for (PetscInt l = 0; l < n; l++) v += T[i * n + l] * A[l * n + j];
        W[i * n + j] = v / q;
      }
    for (PetscInt i = 0; i < n * n; i++) {
      T[i] = W[i];
      E[i] += W[i];
    }
  }
  for (PetscInt r = 0; r < sq; r++) {
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) {
        PetscReal v = 0;
        for (PetscInt l = 0; l < n; l++) v += E[i * n + l] * E[l * n + j];
        W[i * n + j] = v;
      }
    for (PetscInt i = 0; i < n * n; i++) E[i] = W[i];
  }
}
