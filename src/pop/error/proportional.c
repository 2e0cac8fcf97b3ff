/* Proportional residual error y = f + b |f| e.  The M-step of b has no closed form (Newton on log b:
   src/fit/errorfit.c). */
#include "pop/error/errorimpl.h"

static PetscReal PropSD(PetscReal a, PetscReal b, PetscReal f)
{
  (void)a;
  return b * PetscAbsReal(f);
}
static PetscReal PropDSD(PetscReal a, PetscReal b, PetscReal f)
{
  (void)a;
  return b * (f >= 0 ? 1 : -1);
}
static PetscReal PropDVarB(PetscReal a, PetscReal b, PetscReal f)
{
  PetscReal af = PetscAbsReal(f);
  (void)a;
  return 2 * b * af * af;
}
static void PropGDeriv(PetscReal a, PetscReal b, PetscReal f, PetscReal *g, PetscReal *dgda, PetscReal *dgdb)
{
  PetscReal af = PetscAbsReal(f);
  *g    = a + b * af; /* a = 0 */
  *dgda = 1;
  *dgdb = af;
}
static void PropFisher(PetscReal a, PetscReal b, PetscInt n, const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal w[])
{
  (void)a;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal g, dg;
    if (SKIP(j)) continue;
    g    = b * PetscAbsReal(f[j]);
    dg   = b;
    w[j] = (1.0 + 2.0 * dg * dg) / (g * g); /* y ~ N(f, g(f)^2): 1/g^2 + 2 (g'/g)^2 */
  }
}

GAUSSIAN_LOGLIK(PropLogLik, PropSD)
GAUSSIAN_LOGLIKGRAD(PropLogLikGrad, b * PetscAbsReal(f[j]), b *(f[j] >= 0 ? 1 : -1))
GAUSSIAN_BOUND(PropLogLikSup, PropDeficit, PropSD, b, PropLogLik)

static PetscReal PropSimulate(PetscReal a, PetscReal b, PetscReal f, PetscReal e)
{
  return f + PropSD(a, b, f) * e;
}

const PnlmeErrorOps PnlmeErrorProportional = {
  .name = PNLME_ERROR_PROPORTIONAL,
  .usea = PETSC_FALSE,
  .useb = PETSC_TRUE,
  .logscale = PETSC_FALSE,
  .closedform = PETSC_FALSE,
  .loglik = PropLogLik,
  .loglikgrad = PropLogLikGrad,
  .fisher = PropFisher,
  .sd = PropSD,
  .dsd = PropDSD,
  .dvarb = PropDVarB,
  .gderiv = PropGDeriv,
  .gderiv2 = GDeriv2Linear,
  .simulate = PropSimulate,
  .logliksup = PropLogLikSup,
  .deficit = PropDeficit,
};
