/* Exponential residual error log y = log f + a e (the constant model on the log scale): the M-step of
   a is closed form, a^2 = RSS / n on the log scale. */
#include "pop/error/errorimpl.h"

static PetscReal ExpLogLik(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[])
{
  PetscReal s = 0;
  PetscInt  m = 0;
  (void)b;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal r;
    if (SKIP(j)) continue;
    if (!(f[j] > 0)) return PETSC_NINFINITY;
    r = PetscLogReal(y[j]) - PetscLogReal(f[j]);
    s += r * r;
    m++;
  }
  return -0.5 * s / (a * a) - m * PetscLogReal(a);
}
static PetscReal ExpLogLikGrad(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal dldf[])
{
  PetscReal l = 0;
  (void)b;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal r;
    if (SKIP(j)) continue;
    if (!(f[j] > 0)) return PETSC_NINFINITY;
    r = PetscLogReal(y[j]) - PetscLogReal(f[j]);
    l += -0.5 * r * r / (a * a) - PetscLogReal(a);
    dldf[j] = r / (a * a * f[j]);
  }
  return l;
}
static void ExpFisher(PetscReal a, PetscReal b, PetscInt n, const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal w[])
{
  (void)b;
  for (PetscInt j = 0; j < n; j++)
    if (!SKIP(j)) w[j] = 1.0 / (a * a * f[j] * f[j]);
}
static PetscReal ExpRSS(PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[])
{
  PetscReal s = 0;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal r;
    if (SKIP(j)) continue;
    r = PetscLogReal(y[j]) - PetscLogReal(f[j]);
    s += r * r;
  }
  return s;
}
static PetscReal ExpSimulate(PetscReal a, PetscReal b, PetscReal f, PetscReal e)
{
  (void)b;
  return f * PetscExpReal(a * e);
}

static PetscReal ExpSD(PetscReal a, PetscReal b, PetscReal f)
{
  (void)b, (void)f;
  return a;
}
static PetscReal ExpDSD(PetscReal a, PetscReal b, PetscReal f)
{
  (void)a, (void)b, (void)f;
  return 0;
}
static PetscReal ExpDVarA(PetscReal a, PetscReal b, PetscReal f)
{
  (void)b, (void)f;
  return 2 * a;
}
static void ExpGDeriv(PetscReal a, PetscReal b, PetscReal f, PetscReal *g, PetscReal *dgda, PetscReal *dgdb)
{
  (void)b, (void)f;
  *g    = a;
  *dgda = 1;
  *dgdb = 0;
}

/* the early rejection's bound: the term -r^2/(2 a^2) - log a (r on the log scale) is at most -log a */
static PetscReal ExpLogLikSup(PetscReal a, PetscReal b, PetscReal y)
{
  (void)b, (void)y;
  return -PetscLogReal(a);
}
static PetscReal ExpDeficit(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[])
{
  (void)b;
  return DeficitOrInf(0.5 * ExpRSS(n, y, f, out, k, cens) / (a * a)); /* f <= 0: log f -inf or NaN, +inf */
}

const PnlmeErrorOps PnlmeErrorExponential = {
  .name = PNLME_ERROR_EXPONENTIAL,
  .usea = PETSC_TRUE,
  .useb = PETSC_FALSE,
  .logscale = PETSC_TRUE,
  .closedform = PETSC_TRUE,
  .loglik = ExpLogLik,
  .loglikgrad = ExpLogLikGrad,
  .fisher = ExpFisher,
  .rss = ExpRSS,
  .sd = ExpSD,
  .dsd = ExpDSD,
  .dvara = ExpDVarA,
  .gderiv = ExpGDeriv,
  .gderiv2 = GDeriv2Linear,
  .simulate = ExpSimulate,
  .logliksup = ExpLogLikSup,
  .deficit = ExpDeficit,
};
