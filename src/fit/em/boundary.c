/* Variances at their boundary, and the sanity of the start.

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

/* An uncensored observation at or before the subject's first dose that the model predicts as 0 (it
   receives no dose: 0 whatever the parameters, unless a parameter sets a baseline), for an output whose
   error model has no additive term (proportional: SD b |f| = 0; exponential: log f = -inf): its
   likelihood is 0 at every parameter value, so the subject's chains could never reach a finite one
   and the error parameters' M-step would divide by the zero prediction.  The first such (subject,
   observation) in file order, or -1. */
static PetscInt NoDoseZero(PnlmeFit fit, const PnlmeSubject *s, const PetscReal pred[])
{
  PetscReal tdose = PETSC_INFINITY;
  for (PetscInt e = 0; e < s->nev; e++)
    if (s->ev[e].type == PNLME_EV_BOLUS || s->ev[e].type == PNLME_EV_INFUSION_START) {
      tdose = s->ev[e].time;
      break;
    }
  if (tdose == PETSC_INFINITY) return -1; /* no dose: a model without doses has its own baseline */
  for (PetscInt j = 0; j < s->nobs; j++) {
    const PnlmeErrorOps *err = fit->pop.err[s->obsout[j]];
    if (s->tobs[j] <= tdose && pred[j] == 0 && !(s->cens && s->cens[j]) && (err->logscale || !err->usea)) return j;
  }
  return -1;
}

/* Before the first iteration: the model must give a finite likelihood for some subject at the
   individual means, and not predict 0 for every observation (absurd initial values); no observation
   may have a likelihood of 0 whatever the parameters (NoDoseZero). */
PetscErrorCode PnlmeFitCheckStart(PnlmeFit fit)
{
  PetscInt64       cnt[3] = {0, 0, 0}; /* subjects failing, subjects with a non-zero prediction, subjects */
  PnlmeExactSum    mag[2];              /* sums of |prediction| and of |observation| where the model solves */
  PnlmeSubject     s;
  PnlmeSolveStatus st;
  MPI_Comm         comm = PetscObjectComm((PetscObject)fit);
  PetscReal        ratio;
  PnlmeDeferredError derr;
  PetscFunctionBegin;
  PnlmeExactSumReset(mag, 2);
  PnlmeDeferredErrorInit(&derr);
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscReal ll = PETSC_NINFINITY;
    PetscBool nz = PETSC_FALSE;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    PnlmePopMean(&fit->pop, fit->x + i * fit->q, fit->zp);
    PnlmeModelTransformToNatural(fit->model, fit->zp, fit->phi, NULL);
    PetscCall(PnlmeModelPredict(fit->model, &s, fit->phi, fit->predp, NULL, &st));
    if (!st) {
      PetscInt j = NoDoseZero(fit, &s, fit->predp);
      ll         = PnlmeErrorLogLik(&fit->pop, &s, fit->predp);
      if (j >= 0) {
        const PetscInt k = s.obsout[j];
        PnlmeDeferredErrorSet(&derr, s.gindex, "-fit_error %s: subject ID %" PetscInt64_FMT " has an observation of output %s at time %g, before its first dose, which the model predicts as 0 whatever its parameters; with no additive error term its likelihood is 0: leave it out (MDV 1), censor it, or use an error model with an additive term (combined1, combined2)", fit->pop.err[k]->name, s.id, fit->pop.outname[k], (double)s.tobs[j]);
      }
    }
    if (!(ll > PETSC_NINFINITY) || PetscIsInfOrNanReal(ll)) cnt[0]++;
    for (PetscInt j = 0; j < s.nobs && !st; j++) nz = (PetscBool)(nz || fit->predp[j] != 0);
    for (PetscInt j = 0; j < s.nobs && ll > PETSC_NINFINITY && !PetscIsInfOrNanReal(ll); j++) {
      PetscReal f = PetscAbsReal(fit->predp[j]), y = PetscAbsReal(s.dv[j]); /* within the exact sums' range */
      PnlmeExactSumAdd(&mag[0], f < 1e-150 ? 0.0 : PetscMin(f, 1e150));
      PnlmeExactSumAdd(&mag[1], y < 1e-150 ? 0.0 : PetscMin(y, 1e150));
    }
    cnt[1] += nz;
    cnt[2]++;
  }
  PetscCall(PnlmeDeferredErrorRaise(comm, &derr));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, 3, MPI_INT64_T, MPI_SUM, comm));
  PetscCall(PnlmeExactSumAllreduce(comm, 2, mag));
  ratio = PnlmeExactSumValue(&mag[0]) / PnlmeExactSumValue(&mag[1]);
  PetscCheck(cnt[0] < cnt[2], comm, PETSC_ERR_USER, "the model fails or gives a non-finite likelihood for every subject at the initial values: check the model and -fit_theta");
  PetscCheck(cnt[1] > 0, comm, PETSC_ERR_USER, "the model predicts 0 for every observation at the initial values: check -fit_theta (and the doses)");
  /* absurd starts: predictions 8 orders of magnitude away from the observations */
  PetscCheck(ratio >= 1e-8 && ratio <= 1e8, comm, PETSC_ERR_USER, "the predictions at the initial values are %.1e times the observations on average: check -fit_theta (and the units of the doses)", (double)ratio);
  if (cnt[0] && fit->printevery > 0) PetscCall(PetscPrintf(comm, "warning: the model fails or gives a non-finite likelihood for %" PetscInt64_FMT " of %" PetscInt64_FMT " subjects at the initial values\n", cnt[0], cnt[2]));
  PetscFunctionReturn(0);
}
