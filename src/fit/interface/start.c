/* The sanity of the start, for every estimator (SAEM, VEM, FOCEI, Laplace), before the first
   iteration: the model at the individual means of the initial values must give a finite likelihood
   for some subject, must not predict 0 for every observation, nor predictions 8 orders of magnitude
   away from the observations (absurd initial values or dose units); and no observation may have a
   likelihood of 0 whatever the parameters (NoDoseZero). */
#include "fit/fitimpl.h"

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
