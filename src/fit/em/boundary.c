/* Variances at their boundary.

   When the data carry no between-subject variability for a parameter, the maximum likelihood puts
   its variance on the boundary (omega = 0) and EM-type iterations drive it there: each M-step shrinks
   it (sublinearly: the complete-data log-likelihood grows like -N log omega without bound, so the
   settling test of the exploration never fires), and once the variance underflows, Omega is no longer
   positive definite.  The reference tools finish such fits and report the variance as near zero; here,
   as Monolix and Rsmlx do when a random effect's variability is negligible, the random effect is
   removed for the rest of the run: the parameter keeps its typical value and covariate effects, now
   estimated as fixed effects (noncentred.c), exactly as in a fit started with -fit_fixed, so the end
   of the run is the fit without that random effect.

   The test, after the annealing phase of the exploration: the SD on the scale of a coefficient of
   variation (the transformed scale for log- and logit-normal parameters, relative to the typical value
   otherwise) is below -fit_omega_boundary (default 0.01, 1 %) and still falling (its mean over the last
   20 iterations is at least 10 % below that of the 20 iterations 40 earlier): a random effect that
   has settled at a small value is kept.  A variance that is not positive at any iteration is removed
   at once.  Measurements: docs/saem.md, "Variances at their boundary". */
#include "fit/fitimpl.h"

#define BOUNDARY_WINDOW 20

/* the history column of omega_k */
static PetscInt OmegaColumn(PnlmeFit fit, PetscInt k)
{
  PetscInt c = fit->p;
  for (PetscInt j = fit->p; j < fit->q * fit->p; j++) c += fit->pop.mask[j];
  return c + k;
}

/* SD of the random effect of k as a coefficient of variation */
static PetscReal RelativeSD(PnlmeFit fit, PetscInt k, PetscReal sd)
{
  PnlmeTransform tr;
  if (PnlmeModelGetTransform(fit->model, k, &tr)) return sd;
  if (tr == PNLME_TRANSFORM_NORMAL && fit->pop.B[k] != 0) return sd / PetscAbsReal(fit->pop.B[k]);
  return sd;
}

static PetscBool Falling(PnlmeFit fit, PetscInt k, PetscInt iter)
{
  PetscInt  W = BOUNDARY_WINDOW, c = OmegaColumn(fit, k);
  PetscReal recent = 0, before = 0;
  if (iter < 3 * W || iter - 3 * W < fit->saiter) return PETSC_FALSE;
  for (PetscInt t = iter - W; t < iter; t++) recent += fit->hist[t * fit->nhist + c];
  for (PetscInt t = iter - 3 * W; t < iter - 2 * W; t++) before += fit->hist[t * fit->nhist + c];
  return (PetscBool)(recent < 0.9 * before);
}

/* remove the random effect of parameter k: no variance, no correlation, the identity stand-in of
   PnlmePop; the estimator moves its draws or posteriors onto the individual means */
static PetscErrorCode Drop(PnlmeFit fit, PetscInt k, PetscInt iter, PetscReal sd, PetscErrorCode (*drop)(PnlmeFit, PetscInt))
{
  PnlmePop   *pop = &fit->pop;
  PetscInt    p   = fit->p;
  const char *name;
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetParameterName(fit->model, k, &name));
  for (PetscInt l = 0; l < p; l++) pop->Omega[k * p + l] = pop->Omega[l * p + k] = (l == k ? 1.0 : 0.0);
  pop->fixed[k]   = PETSC_TRUE;
  pop->dropped[k] = iter;
  pop->nfixed++;
  fit->settlefrom = iter + 1;
  PetscCall(PnlmeFitSetUp_NC(fit)); /* the fixed-effect step carries the parameter from now on */
  PetscCall(drop(fit, k));
  if (fit->printevery > 0)
    PetscCall(PetscPrintf(PetscObjectComm((PetscObject)fit), "warning: omega_%s fell to %.3g at iteration %" PetscInt_FMT " (below -fit_omega_boundary %g and falling): its random effect is removed for the rest of the run; %s is estimated without between-subject variability\n", name, (double)sd, iter + 1, (double)fit->omegamin, name));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitBoundary(PnlmeFit fit, PetscInt iter, PetscErrorCode (*drop)(PnlmeFit, PetscInt))
{
  PnlmePop *pop = &fit->pop;
  PetscInt  p   = fit->p;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < p; k++) {
    PetscReal var = pop->Omega[k * p + k], sd;
    if (pop->fixed[k]) continue;
    PetscCheck(!PetscIsInfOrNanReal(var), PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "M-step of iteration %" PetscInt_FMT ": the variance of a random effect is not finite: the model's predictions are not finite (check the model and the initial values)", iter + 1);
    if (pop->nfixed + 1 >= p) continue; /* the last random effect stays (floored below) */
    if (!(var > 0)) {
      PetscCall(Drop(fit, k, iter, 0.0, drop));
      continue;
    }
    sd = PetscSqrtReal(var);
    if (fit->omegamin > 0 && iter >= fit->saiter && iter < fit->K1 && RelativeSD(fit, k, sd) < fit->omegamin && Falling(fit, k, iter)) PetscCall(Drop(fit, k, iter, sd, drop));
  }
  for (PetscInt k = 0; k < p; k++) /* the last random effect of a model cannot go: held just above zero */
    if (!pop->fixed[k] && !(pop->Omega[k * p + k] > 1e-300)) pop->Omega[k * p + k] = 1e-300;
  PetscFunctionReturn(0);
}
