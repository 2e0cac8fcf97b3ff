/* Private: what the error models of src/pop/error share -- the test of the observations an operation
   skips (another output's, or censored), and the likelihood loops of the additive-Gaussian models
   y = f + g(f) e written once (each model gives its g and dg/df). */
#pragma once
#include "pop/popimpl.h"

#define SKIP(j) (out[j] != k || (cens && cens[j]))

/* sum of -r^2/(2 g^2) - log g, with g = SDF(a, b, f) */
#define GAUSSIAN_LOGLIK(NAME, SDF) \
  static PetscReal NAME(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[]) \
  { \
    PetscReal l = 0; \
    for (PetscInt j = 0; j < n; j++) { \
      PetscReal g; \
      if (SKIP(j)) continue; \
      g = SDF(a, b, f[j]); \
      if (!(g > 0)) return PETSC_NINFINITY; \
      l += -0.5 * (y[j] - f[j]) * (y[j] - f[j]) / (g * g) - PetscLogReal(g); \
    } \
    return l; \
  }
/* the same and dldf, with g = GEXPR and dg/df = DGEXPR (in terms of a, b and f[j]) */
#define GAUSSIAN_LOGLIKGRAD(NAME, GEXPR, DGEXPR) \
  static PetscReal NAME(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal dldf[]) \
  { \
    PetscReal l = 0; \
    (void)a; \
    for (PetscInt j = 0; j < n; j++) { \
      PetscReal r, g, dg; \
      if (SKIP(j)) continue; \
      g  = GEXPR; \
      dg = DGEXPR; \
      if (!(g > 0)) return PETSC_NINFINITY; \
      r = y[j] - f[j]; \
      l += -0.5 * r * r / (g * g) - PetscLogReal(g); \
      dldf[j] = r / (g * g) + (r * r / (g * g * g) - 1.0 / g) * dg; \
    } \
    return l; \
  }
