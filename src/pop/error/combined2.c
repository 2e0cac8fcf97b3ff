/* Combined residual error y = f + sqrt(a^2 + b^2 f^2) e.  The M-step of a and b has no closed form
   (Newton on log a, log b: src/fit/em/errorfit.c). */
#include "pop/error/errorimpl.h"

static PetscReal Comb2SD(PetscReal a, PetscReal b, PetscReal f)
{
  PetscReal af = PetscAbsReal(f);
  return PetscSqrtReal(a * a + b * b * af * af);
}
static PetscReal Comb2DSD(PetscReal a, PetscReal b, PetscReal f)
{
  PetscReal g = PetscSqrtReal(a * a + b * b * f * f);
  return g > 0 ? b * b * f / g : 0;
}
static PetscReal Comb2DVarA(PetscReal a, PetscReal b, PetscReal f)
{
  (void)b, (void)f;
  return 2 * a;
}
static PetscReal Comb2DVarB(PetscReal a, PetscReal b, PetscReal f)
{
  PetscReal af = PetscAbsReal(f);
  (void)a;
  return 2 * b * af * af;
}
static void Comb2GDeriv(PetscReal a, PetscReal b, PetscReal f, PetscReal *g, PetscReal *dgda, PetscReal *dgdb)
{
  PetscReal af = PetscAbsReal(f);
  *g    = PetscSqrtReal(a * a + b * b * af * af);
  *dgda = a / *g;
  *dgdb = b * af * af / *g;
}
/* g = sqrt(a^2 + b^2 f^2): g_aa = b^2 f^2 / g^3, g_ab = -a b f^2 / g^3, g_bb = a^2 f^2 / g^3 */
static void Comb2GDeriv2(PetscReal a, PetscReal b, PetscReal f, PetscReal *gaa, PetscReal *gab, PetscReal *gbb)
{
  const PetscReal f2 = f * f, g = PetscSqrtReal(a * a + b * b * f2), ig3 = g > 0 ? 1 / (g * g * g) : 0;
  *gaa = b * b * f2 * ig3;
  *gab = -a * b * f2 * ig3;
  *gbb = a * a * f2 * ig3;
}
static void Comb2Fisher(PetscReal a, PetscReal b, PetscInt n, const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal w[])
{
  for (PetscInt j = 0; j < n; j++) {
    PetscReal g, dg;
    if (SKIP(j)) continue;
    g    = PetscSqrtReal(a * a + b * b * f[j] * f[j]);
    dg   = g > 0 ? b * b * PetscAbsReal(f[j]) / g : 0;
    w[j] = (1.0 + 2.0 * dg * dg) / (g * g);
  }
}

GAUSSIAN_LOGLIK(Comb2LogLik, Comb2SD)
GAUSSIAN_LOGLIKGRAD(Comb2LogLikGrad, PetscSqrtReal(a * a + b * b * f[j] * f[j]), g > 0 ? b * b * f[j] / g : 0)
GAUSSIAN_BOUND(Comb2LogLikSup, Comb2Deficit, Comb2SD, b, Comb2LogLik)

static PetscReal Comb2Simulate(PetscReal a, PetscReal b, PetscReal f, PetscReal e)
{
  return f + Comb2SD(a, b, f) * e;
}

const PnlmeErrorOps PnlmeErrorCombined2 = {
  .name = PNLME_ERROR_COMBINED2,
  .usea = PETSC_TRUE,
  .useb = PETSC_TRUE,
  .logscale = PETSC_FALSE,
  .closedform = PETSC_FALSE,
  .loglik = Comb2LogLik,
  .loglikgrad = Comb2LogLikGrad,
  .fisher = Comb2Fisher,
  .sd = Comb2SD,
  .dsd = Comb2DSD,
  .dvara = Comb2DVarA,
  .dvarb = Comb2DVarB,
  .gderiv = Comb2GDeriv,
  .gderiv2 = Comb2GDeriv2,
  .simulate = Comb2Simulate,
  .logliksup = Comb2LogLikSup,
  .deficit = Comb2Deficit,
};
