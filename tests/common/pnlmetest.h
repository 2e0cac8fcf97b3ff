/* Assertions for pnlme tests: a failed check raises a PETSc error (non-zero exit) naming what failed. */
#pragma once
#include <pnlme.h>
#include <math.h>

#define PNLME_TEST_CHECK(cond, ...) PetscCheck((cond), PETSC_COMM_SELF, PETSC_ERR_PLIB, __VA_ARGS__)
/* |a - b| <= rtol*|b| + atol */
#define PNLME_TEST_CLOSE(a, b, rtol, atol, what) \
  PetscCheck(fabs((double)(a) - (double)(b)) <= (rtol) * fabs((double)(b)) + (atol), PETSC_COMM_SELF, PETSC_ERR_PLIB, \
             "%s: got %.17g, expected %.17g (rtol %g, atol %g)", (what), (double)(a), (double)(b), (double)(rtol), (double)(atol))
