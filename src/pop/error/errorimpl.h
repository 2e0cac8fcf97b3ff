/* Private: what the error models of src/pop/error share -- the test of the observations an operation
   skips (another output's, or censored), and the likelihood loops of the additive-Gaussian models
   y = f + g(f) e written once (each model gives its g and dg/df). */
#pragma once
#include "pop/popimpl.h"
#include <math.h>

#define SKIP(j) (out[j] != k || (cens && cens[j]))

/* PnlmeErrorOps.gderiv2 of the models whose SD g is linear in each of a and b (constant, exponential,
   proportional, combined1): every second derivative is 0 */
static inline void GDeriv2Linear(PetscReal a, PetscReal b, PetscReal f, PetscReal *gaa, PetscReal *gab, PetscReal *gbb)
{
  (void)a, (void)b, (void)f;
  *gaa = *gab = *gbb = 0;
}

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

/* a deficit that is NaN (a NaN or impossible term: the likelihood is rejected anyway) as +inf */
static inline PetscReal DeficitOrInf(PetscReal d) { return isnan(d) ? (PetscReal)INFINITY : d; }

/* The bound of the early rejection (PnlmeErrorOps.logliksup, deficit) for y = f + g(f) e with g a
   function of |f|, increasing with slope at most SLOPE (0 for a constant g).  With x = |y - f| / g(f)
   and G = g(|y|): a prediction with |f| >= |y| has g >= G; one below has |y| - |f| <= x g, so
   g >= G - SLOPE x g, g >= G / (1 + SLOPE x).  Either way its term -x^2/2 - log g is at most
   -log G + log(1 + SLOPE x) - x^2/2, whose largest value over x >= 0 is at
   x* = 2 SLOPE / (1 + sqrt(1 + 4 SLOPE^2)).  The deficit of observations is the sum of their bounds less
   their log-likelihood LOGLIKNAME (+inf where it is -inf or NaN). */
#define GAUSSIAN_BOUND(SUPNAME, DEFNAME, SDF, SLOPE, LOGLIKNAME) \
  static PetscReal SUPNAME(PetscReal a, PetscReal b, PetscReal y) \
  { \
    const PetscReal G = SDF(a, b, y), s = (SLOPE), x = 2 * s / (1 + PetscSqrtReal(1 + 4 * s * s)); \
    return G > 0 ? -PetscLogReal(G) + log1p(s * x) - 0.5 * x * x : (PetscReal)INFINITY; \
  } \
  static PetscReal DEFNAME(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[]) \
  { \
    const PetscReal l = LOGLIKNAME(a, b, n, y, f, out, k, cens); \
    PetscReal       u = 0; \
    if (!(l > PETSC_NINFINITY)) return (PetscReal)INFINITY; /* an impossible or NaN term */ \
    for (PetscInt j = 0; j < n; j++) u += SKIP(j) ? 0.0 : SUPNAME(a, b, y[j]); \
    return DeficitOrInf(u - l); \
  }
