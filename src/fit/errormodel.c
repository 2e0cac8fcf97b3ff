/* Residual error models: the conditional log-likelihood of one subject and the closed-form updates. */
#include "fit/fitimpl.h"

const char *const PnlmeErrorModels[] = {"constant", "proportional", "combined1", "combined2", "exponential", "PnlmeErrorModel", "PNLME_ERROR_", NULL};

/* sum_j log N(y_j; f_j, g_j^2) without the -n/2 log(2 pi) constant */
PetscReal PnlmeErrorLogLik(const PnlmePop *pop, PetscInt n, const PetscReal y[], const PetscReal f[])
{
  PetscReal s = 0, a = pop->a, b = pop->b;
  switch (pop->err) {
  case PNLME_ERROR_CONSTANT:
    for (PetscInt j = 0; j < n; j++) s += (y[j] - f[j]) * (y[j] - f[j]);
    return -0.5 * s / (a * a) - n * PetscLogReal(a);
  case PNLME_ERROR_EXPONENTIAL:
    for (PetscInt j = 0; j < n; j++) {
      if (!(f[j] > 0)) return PETSC_NINFINITY;
      PetscReal r = PetscLogReal(y[j]) - PetscLogReal(f[j]);
      s += r * r;
    }
    return -0.5 * s / (a * a) - n * PetscLogReal(a);
  default: {
    PetscReal l = 0;
    for (PetscInt j = 0; j < n; j++) {
      PetscReal af = PetscAbsReal(f[j]), g;
      if (pop->err == PNLME_ERROR_PROPORTIONAL) g = b * af;
      else if (pop->err == PNLME_ERROR_COMBINED1) g = a + b * af;
      else g = PetscSqrtReal(a * a + b * b * af * af);
      if (!(g > 0)) return PETSC_NINFINITY;
      l += -0.5 * (y[j] - f[j]) * (y[j] - f[j]) / (g * g) - PetscLogReal(g);
    }
    return l;
  }
  }
}

/* the sufficient statistic of the closed-form error updates (constant and exponential) */
PetscReal PnlmeErrorResidualSS(const PnlmePop *pop, PetscInt n, const PetscReal y[], const PetscReal f[])
{
  PetscReal s = 0;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal r = pop->err == PNLME_ERROR_EXPONENTIAL ? PetscLogReal(y[j]) - PetscLogReal(f[j]) : y[j] - f[j];
    s += r * r;
  }
  return s;
}

/* log-likelihood (as PnlmeErrorLogLik) and its derivatives with respect to the predictions */
PetscReal PnlmeErrorLogLikGrad(const PnlmePop *pop, PetscInt n, const PetscReal y[], const PetscReal f[], PetscReal dldf[])
{
  PetscReal l = 0, a = pop->a, b = pop->b;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal r, g, dg;
    switch (pop->err) {
    case PNLME_ERROR_CONSTANT:
      r       = y[j] - f[j];
      l      += -0.5 * r * r / (a * a) - PetscLogReal(a);
      dldf[j] = r / (a * a);
      continue;
    case PNLME_ERROR_EXPONENTIAL:
      if (!(f[j] > 0)) return PETSC_NINFINITY;
      r       = PetscLogReal(y[j]) - PetscLogReal(f[j]);
      l      += -0.5 * r * r / (a * a) - PetscLogReal(a);
      dldf[j] = r / (a * a * f[j]);
      continue;
    case PNLME_ERROR_PROPORTIONAL:
      g  = b * PetscAbsReal(f[j]);
      dg = b * (f[j] >= 0 ? 1 : -1);
      break;
    case PNLME_ERROR_COMBINED1:
      g  = a + b * PetscAbsReal(f[j]);
      dg = b * (f[j] >= 0 ? 1 : -1);
      break;
    default:
      g  = PetscSqrtReal(a * a + b * b * f[j] * f[j]);
      dg = g > 0 ? b * b * f[j] / g : 0;
    }
    if (!(g > 0)) return PETSC_NINFINITY;
    r = y[j] - f[j];
    l += -0.5 * r * r / (g * g) - PetscLogReal(g);
    dldf[j] = r / (g * g) + (r * r / (g * g * g) - 1.0 / g) * dg;
  }
  return l;
}

/* the residual standard deviation g(f) of one observation (on the log scale for exponential error) */
PetscReal PnlmeErrorSD(const PnlmePop *pop, PetscReal f)
{
  PetscReal af = PetscAbsReal(f);
  switch (pop->err) {
  case PNLME_ERROR_PROPORTIONAL:
    return pop->b * af;
  case PNLME_ERROR_COMBINED1:
    return pop->a + pop->b * af;
  case PNLME_ERROR_COMBINED2:
    return PetscSqrtReal(pop->a * pop->a + pop->b * pop->b * af * af);
  default:
    return pop->a;
  }
}

/* Fisher weights w_j = E[-d^2 log p(y_j | f_j) / d f_j^2] of the observations: the Gauss-Newton
   curvature of the log-likelihood with respect to the predictions */
void PnlmeErrorFisherWeights(const PnlmePop *pop, PetscInt n, const PetscReal f[], PetscReal w[])
{
  PetscReal a = pop->a, b = pop->b;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal g, dg;
    switch (pop->err) {
    case PNLME_ERROR_CONSTANT:
      w[j] = 1.0 / (a * a);
      continue;
    case PNLME_ERROR_EXPONENTIAL:
      w[j] = 1.0 / (a * a * f[j] * f[j]);
      continue;
    case PNLME_ERROR_PROPORTIONAL:
      g  = b * PetscAbsReal(f[j]);
      dg = b;
      break;
    case PNLME_ERROR_COMBINED1:
      g  = a + b * PetscAbsReal(f[j]);
      dg = b;
      break;
    default:
      g  = PetscSqrtReal(a * a + b * b * f[j] * f[j]);
      dg = g > 0 ? b * b * PetscAbsReal(f[j]) / g : 0;
    }
    w[j] = (1.0 + 2.0 * dg * dg) / (g * g); /* y ~ N(f, g(f)^2): 1/g^2 + 2 (g'/g)^2 */
  }
}
