/* The deterministic exponential and logarithm of sys/vmath.h as library functions: one value, and n
   values in SIMD lanes (the same bits as the scalar one for every argument, whatever the vector
   width). */
#include <pnlmesys.h>
#include "sys/vmath.h"

PetscReal PnlmeExp(PetscReal x) { return PnlmeExpInline(x); }

PNLME_SIMD_CLONES void PnlmeExpv(PetscInt n, const PetscReal x[], PetscReal y[])
{
#pragma omp simd
  for (PetscInt i = 0; i < n; i++) y[i] = PnlmeExpInline(x[i]);
}

PetscReal PnlmeLog(PetscReal x) { return PnlmeLogInline(x); }

PNLME_SIMD_CLONES void PnlmeLogv(PetscInt n, const PetscReal x[], PetscReal y[])
{
#pragma omp simd
  for (PetscInt i = 0; i < n; i++) y[i] = PnlmeLogInline(x[i]);
}
