/* Combined residual error y = f + (a + b |f|) e.  The M-step of a and b has no closed form (Newton on
   log a, log b: src/fit/errorfit.c). */
#include "pop/error/errorimpl.h"

static PetscReal Comb1SD(PetscReal a, PetscReal b, PetscReal f)
{
  return a + b * PetscAbsReal(f);
}
static PetscReal Comb1DSD(PetscReal a, PetscReal b, PetscReal f)
{
  (void)a;
  return b * (f >= 0 ? 1 : -1);
}
static PetscReal Comb1DVarA(PetscReal a, PetscReal b, PetscReal f)
{
  return 2 * Comb1SD(a, b, f);
}
static PetscReal Comb1DVarB(PetscReal a, PetscReal b, PetscReal f)
{
  return 2 * Comb1SD(a, b, f) * PetscAbsReal(f);
}
static void Comb1GDeriv(PetscReal a, PetscReal b, PetscReal f, PetscReal *g, PetscReal *dgda, PetscReal *dgdb)
{
  PetscReal af = PetscAbsReal(f);
  *g    = a + b * af;
  *dgda = 1;
  *dgdb = af;
}
static void Comb1Fisher(PetscReal a, PetscReal b, PetscInt n, const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal w[])
{
  for (PetscInt j = 0; j < n; j++) {
    PetscReal g, dg;
    if (SKIP(j)) continue;
    g    = a + b * PetscAbsReal(f[j]);
    dg   = b;
    w[j] = (1.0 + 2.0 * dg * dg) / (g * g);
  }
}

GAUSSIAN_LOGLIK(Comb1LogLik, Comb1SD)
GAUSSIAN_LOGLIKGRAD(Comb1LogLikGrad, a + b * PetscAbsReal(f[j]), b *(f[j] >= 0 ? 1 : -1))
GAUSSIAN_BOUND(Comb1LogLikSup, Comb1Deficit, Comb1SD, b, Comb1LogLik)

static PetscReal Comb1Simulate(PetscReal a, PetscReal b, PetscReal f, PetscReal e)
{
  return f + Comb1SD(a, b, f) * e;
}

const PnlmeErrorOps PnlmeErrorCombined1 = {
  .name = PNLME_ERROR_COMBINED1,
  .usea = PETSC_TRUE,
  .useb = PETSC_TRUE,
  .logscale = PETSC_FALSE,
  .closedform = PETSC_FALSE,
  .loglik = Comb1LogLik,
  .loglikgrad = Comb1LogLikGrad,
  .fisher = Comb1Fisher,
  .sd = Comb1SD,
  .dsd = Comb1DSD,
  .dvara = Comb1DVarA,
  .dvarb = Comb1DVarB,
  .gderiv = Comb1GDeriv,
  .gderiv2 = GDeriv2Linear,
  .simulate = Comb1Simulate,
  .logliksup = Comb1LogLikSup,
  .deficit = Comb1Deficit,
};
