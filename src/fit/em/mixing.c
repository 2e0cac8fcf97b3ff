/* The chains' mixing over the SAEM smoothing iterations (-saem_mixing_lags L, off by default): what
   the E-step's kernels cost per effective sample, measured where the population parameters have
   settled (docs/saem.md, "Mixing").

   Every chain keeps its last L + 1 states and, per random effect k and lag l <= L, the sum of
   z_t,k z_{t-l},k over the smoothing iterations t, and the sum of z_t,k.  At the end the autocovariances
   of all the chains are pooled, C_l,k = sum over chains of (S_l,k / (T - l) - mean_k^2), the chains' own
   sums added exactly (PnlmeExactSum: the same figures at any number of ranks), and
   rho_l,k = C_l,k / C_0,k.  The integrated autocorrelation time tau_k = 1 + 2 sum_l rho_l,k is summed by
   Geyer's initial positive (monotone) sequence: pairs rho_2m + rho_2m+1 while positive, each at most the
   previous; when the pairs are still positive at lag L, tau_k is a lower bound.  A chain gives one
   effective sample of random effect k every tau_k iterations, so the E-step costs E tau_k model
   evaluations per effective sample, E the evaluations per chain and iteration (early-rejected solves
   counted whole: an upper bound of the cost).  Memory only with the option: 2 (L + 1) p + p values per
   chain; the iterations allocate nothing.  The arithmetic on plain arrays is in mixing.h. */
#include "fit/fitimpl.h"
#include "fit/em/mixing.h"

PetscErrorCode PnlmeFitMixingSetUp(PnlmeFit fit)
{
  PnlmeMixing   *x;
  const PetscInt L = fit->mixlags, p = fit->p, nch = fit->nlocal * fit->nchains;
  PetscFunctionBegin;
  if (L <= 0) PetscFunctionReturn(0);
  PetscCall(PetscNew(&x));
  x->L = L;
  PetscCall(PetscCalloc3(nch * (L + 1) * p + 1, &x->ring, nch * (L + 1) * p + 1, &x->S, nch * p + 1, &x->msum));
  PetscCall(PetscCalloc3((L + 1) * p, &x->rho, p, &x->tau, p, &x->taulow));
  fit->mix = x;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitMixingDestroy(PnlmeFit fit)
{
  PnlmeMixing *x = fit->mix;
  PetscFunctionBegin;
  if (!x) PetscFunctionReturn(0);
  PetscCall(PetscFree3(x->ring, x->S, x->msum));
  PetscCall(PetscFree3(x->rho, x->tau, x->taulow));
  PetscCall(PetscFree(fit->mix));
  PetscFunctionReturn(0);
}

/* the state z of local chain g at this smoothing iteration (x->T: the iterations before it) */
void PnlmeFitMixingAccumulate(PnlmeFit fit, PetscInt g, const PetscReal z[])
{
  PnlmeMixing   *x = fit->mix;
  const PetscInt L = x->L, p = fit->p;
  PnlmeMixingChainAdd(L, p, x->T, x->ring + g * (L + 1) * p, x->S + g * (L + 1) * p, x->msum + g * p, z);
}

/* one smoothing iteration done, its E-step having made nprop model evaluations on this rank */
void PnlmeFitMixingNext(PnlmeFit fit, PetscInt64 nprop)
{
  fit->mix->T++;
  fit->mix->nprop += nprop;
}

/* collective: the pooled autocorrelations, tau of every random effect, evaluations per chain and iteration */
PetscErrorCode PnlmeFitMixingFinish(PnlmeFit fit)
{
  PnlmeMixing   *x = fit->mix;
  const PetscInt p = fit->p, nch = fit->nlocal * fit->nchains;
  PetscInt       L, T, nacc;
  PnlmeExactSum *acc;
  PetscFunctionBegin;
  if (!x || x->T <= x->L) PetscFunctionReturn(0); /* too few iterations (the same on every rank): View says so */
  L    = x->L;
  T    = x->T;
  nacc = (L + 1) * p + 2;
  PetscCall(PetscMalloc1(nacc, &acc));
  PnlmeExactSumReset(acc, nacc);
  for (PetscInt g = 0; g < nch; g++) {
    const PetscReal *S = x->S + g * (L + 1) * p, *ms = x->msum + g * p;
    for (PetscInt l = 0; l <= L; l++)
      for (PetscInt k = 0; k < p; k++) PnlmeExactSumAdd(&acc[l * p + k], PnlmeMixingChainCov(p, T, S, ms, l, k));
  }
  PnlmeExactSumAdd(&acc[nacc - 2], (PetscReal)x->nprop);
  PnlmeExactSumAdd(&acc[nacc - 1], (PetscReal)nch);
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), nacc, acc));
  x->evals = PnlmeExactSumValue(&acc[nacc - 2]) / (PnlmeExactSumValue(&acc[nacc - 1]) * T);
  for (PetscInt k = 0; k < p; k++) {
    const PetscReal c0 = PnlmeExactSumValue(&acc[k]);
    x->tau[k]          = PETSC_NINFINITY; /* no variance: no random effect */
    if (fit->pop.fixed[k] || !(c0 > 0)) continue;
    for (PetscInt l = 0; l <= L; l++) x->rho[l * p + k] = PnlmeExactSumValue(&acc[l * p + k]) / c0;
    x->tau[k] = PnlmeMixingTau(x->rho + k, p, L, &x->taulow[k]);
  }
  PetscCall(PetscFree(acc));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitMixingView(PnlmeFit fit, PetscViewer v)
{
  PnlmeMixing *x = fit->mix;
  PetscFunctionBegin;
  if (!x) PetscFunctionReturn(0);
  if (x->T <= x->L) {
    PetscCall(PetscViewerASCIIPrintf(v, "  mixing (-saem_mixing_lags %" PetscInt_FMT "): %" PetscInt_FMT " smoothing iterations, not more than the lags: not measured\n", x->L, x->T));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscViewerASCIIPrintf(v, "  mixing over %" PetscInt_FMT " smoothing iterations (lags up to %" PetscInt_FMT "): %.2f model evaluations per chain and iteration\n", x->T, x->L, (double)x->evals));
  PetscCall(PetscViewerASCIIPrintf(v, "    random effect   lag-1 autocorrelation   autocorrelation time   evaluations per effective sample\n"));
  for (PetscInt k = 0; k < fit->p; k++) {
    const char *name;
    if (!(x->tau[k] > PETSC_NINFINITY)) continue;
    PetscCall(PnlmeModelGetParameterName(fit->model, k, &name));
    PetscCall(PetscViewerASCIIPrintf(v, "    %-15s %21.3f %s%20.2f %s%31.1f\n", name, (double)x->rho[fit->p + k], x->taulow[k] ? ">" : " ", (double)x->tau[k], x->taulow[k] ? ">" : " ", (double)(x->evals * x->tau[k])));
  }
  PetscFunctionReturn(0);
}
