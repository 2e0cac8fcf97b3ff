/* Constant residual error y = f + a e: the M-step of a is closed form, a^2 = RSS / n, from the
   stochastic approximation of the residual sum of squares. */
#include "pop/error/errorimpl.h"

/* log a, kept for the last a: the E-step evaluates every proposal's likelihood under the same a (one
   M-step per iteration), and libm's log of it was 3 % of the theophylline fit's SAEM instructions
   (callgrind); the same value as PetscLogReal(a), so the same bits.  A process-wide static, as the
   ziggurat tables of src/sys/random.c: pnlme runs one thread per MPI process (a thread-local one cost a
   __tls_get_addr call per use in the shared library) */
static PetscReal LogA(PetscReal a)
{
  static PetscReal last = NAN, value = NAN; /* NaN: no a yet (and a NaN a is never kept) */
  if (a != last) {
    last  = a;
    value = PetscLogReal(a);
  }
  return value;
}

static PetscReal ConstLogLik(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[])
{
  PetscReal s = 0;
  PetscInt  m = 0;
  (void)b;
  for (PetscInt j = 0; j < n; j++) {
    if (SKIP(j)) continue;
    s += (y[j] - f[j]) * (y[j] - f[j]);
    m++;
  }
  return -0.5 * s / (a * a) - m * LogA(a);
}
static PetscReal ConstLogLikGrad(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal dldf[])
{
  PetscReal l = 0;
  (void)b;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal r;
    if (SKIP(j)) continue;
    r = y[j] - f[j];
    l += -0.5 * r * r / (a * a) - LogA(a);
    dldf[j] = r / (a * a);
  }
  return l;
}
static void ConstFisher(PetscReal a, PetscReal b, PetscInt n, const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal w[])
{
  (void)b, (void)f;
  for (PetscInt j = 0; j < n; j++)
    if (!SKIP(j)) w[j] = 1.0 / (a * a);
}
static PetscReal ConstRSS(PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[])
{
  PetscReal s = 0;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal r;
    if (SKIP(j)) continue;
    r = y[j] - f[j];
    s += r * r;
  }
  return s;
}
static PetscReal ConstSD(PetscReal a, PetscReal b, PetscReal f)
{
  (void)b, (void)f;
  return a;
}
static PetscReal ConstDSD(PetscReal a, PetscReal b, PetscReal f)
{
  (void)a, (void)b, (void)f;
  return 0;
}
static PetscReal ConstDVarA(PetscReal a, PetscReal b, PetscReal f)
{
  (void)b, (void)f;
  return 2 * a;
}
static void ConstGDeriv(PetscReal a, PetscReal b, PetscReal f, PetscReal *g, PetscReal *dgda, PetscReal *dgdb)
{
  (void)b, (void)f;
  *g    = a;
  *dgda = 1;
  *dgdb = 0;
}
static PetscReal ConstSimulate(PetscReal a, PetscReal b, PetscReal f, PetscReal e)
{
  return f + ConstSD(a, b, f) * e;
}

/* the early rejection's bound: the term -r^2/(2 a^2) - log a is at most -log a */
static PetscReal ConstLogLikSup(PetscReal a, PetscReal b, PetscReal y)
{
  (void)b, (void)y;
  return -LogA(a);
}
static PetscReal ConstDeficit(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[])
{
  (void)b;
  return DeficitOrInf(0.5 * ConstRSS(n, y, f, out, k, cens) / (a * a));
}

const PnlmeErrorOps PnlmeErrorConstant = {
  .name = PNLME_ERROR_CONSTANT,
  .usea = PETSC_TRUE,
  .useb = PETSC_FALSE,
  .logscale = PETSC_FALSE,
  .closedform = PETSC_TRUE,
  .loglik = ConstLogLik,
  .loglikgrad = ConstLogLikGrad,
  .fisher = ConstFisher,
  .rss = ConstRSS,
  .sd = ConstSD,
  .dsd = ConstDSD,
  .dvara = ConstDVarA,
  .gderiv = ConstGDeriv,
  .gderiv2 = GDeriv2Linear,
  .simulate = ConstSimulate,
  .logliksup = ConstLogLikSup,
  .deficit = ConstDeficit,
};
