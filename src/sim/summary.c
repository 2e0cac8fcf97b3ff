/* PnlmeSim: the cohort summary.  Counts, minima and maxima are reduced exactly, sums with PnlmeExactSum:
   the summary is the same at any number of ranks (except the wall time). */
#include "sim/simimpl.h"
#include <math.h>

PetscErrorCode PnlmeSimStatsCreate(PnlmeSim sim)
{
  PnlmeSimStats *st = &sim->st;
  PetscFunctionBegin;
  PetscCall(PnlmeSimStatsDestroy(sim));
  st->nsub = st->nobs = st->ndoses = st->nredrawn = st->nfailed = st->ncens = 0;
  st->nobsmin                                             = PETSC_MAX_INT;
  st->nobsmax                                             = 0;
  st->tmin = st->dvmin = PETSC_MAX_REAL;
  st->tmax = st->dvmax = -PETSC_MAX_REAL;
  PetscCall(PetscMalloc2(2 * sim->np, &st->zsum, 2, &st->dv0));
  PnlmeExactSumReset(st->zsum, 2 * sim->np);
  PnlmeExactSumReset(st->dv0, 2);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimStatsDestroy(PnlmeSim sim)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(sim->st.zsum, sim->st.dv0));
  PetscFunctionReturn(0);
}

static void MeanSD(PnlmeExactSum s[2], PetscInt64 n, PetscReal *mean, PetscReal *sd)
{
  PetscReal s1 = PnlmeExactSumValue(&s[0]), s2 = PnlmeExactSumValue(&s[1]);
  *mean        = n ? s1 / (PetscReal)n : 0;
  *sd          = n > 1 ? PetscSqrtReal(PetscMax(s2 - s1 * s1 / (PetscReal)n, 0) / (PetscReal)(n - 1)) : 0;
}

/* Collective: the run's totals into sim->sum, sim->zmean/zsd, sim->dv0mean/dv0sd */
PetscErrorCode PnlmeSimStatsReduce(PnlmeSim sim)
{
  MPI_Comm       comm = PetscObjectComm((PetscObject)sim);
  PnlmeSimStats *st   = &sim->st;
  long long      isum[6], imin[2];
  PetscReal      rmin[4];
  PetscFunctionBegin;
  isum[0] = st->nsub;
  isum[1] = st->nobs;
  isum[2] = st->ndoses;
  isum[3] = st->nredrawn;
  isum[4] = st->nfailed;
  isum[5] = st->ncens;
  imin[0] = st->nobsmin;
  imin[1] = -st->nobsmax;
  rmin[0] = st->tmin;
  rmin[1] = -st->tmax;
  rmin[2] = st->dvmin;
  rmin[3] = -st->dvmax;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, isum, 6, MPI_LONG_LONG, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, imin, 2, MPI_LONG_LONG, MPI_MIN, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, rmin, 4, MPIU_REAL, MPI_MIN, comm));
  PetscCall(PnlmeExactSumAllreduce(comm, 2 * sim->np, st->zsum));
  PetscCall(PnlmeExactSumAllreduce(comm, 2, st->dv0));
  sim->sum.nsubjects     = isum[0];
  sim->sum.nobs          = isum[1];
  sim->sum.ndoses        = isum[2];
  sim->sum.nredrawn      = isum[3];
  sim->sum.nfailedsolves = isum[4];
  sim->sum.ncensored     = isum[5];
  sim->sum.nobsmin       = isum[0] ? imin[0] : 0;
  sim->sum.nobsmax       = -imin[1];
  sim->sum.tmin          = rmin[0];
  sim->sum.tmax          = -rmin[1];
  sim->sum.dvmin         = rmin[2];
  sim->sum.dvmax         = -rmin[3];
  for (PetscInt q = 0; q < sim->np; q++) MeanSD(&st->zsum[2 * q], isum[0], &sim->zmean[q], &sim->zsd[q]);
  MeanSD(st->dv0, isum[0], &sim->dv0mean, &sim->dv0sd);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimSummaryView(PnlmeSim sim, PetscViewer v)
{
  const PnlmeSimSummary *s = &sim->sum;
  const char            *mname, *integ;
  PetscMPIInt            size;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)sim), &size));
  PetscCall(PnlmeModelGetType(sim->model, &mname));
  PetscCall(PnlmeModelGetIntegratorName(sim->model, &integ));
  PetscCall(PetscViewerASCIIPrintf(v, "Simulated cohort: model %s (%s), seed %lld, %lld subjects\n", mname, integ, (long long)sim->seed, (long long)s->nsubjects));
  PetscCall(PetscViewerASCIIPushTab(v));
  PetscCall(PetscViewerASCIIPrintf(v, "observations: %lld (per subject: min %lld, mean %.4f, max %lld); dose rows: %lld\n", (long long)s->nobs, (long long)s->nobsmin,
                                   s->nsubjects ? (double)s->nobs / (double)s->nsubjects : 0.0, (long long)s->nobsmax, (long long)s->ndoses));
  PetscCall(PetscViewerASCIIPrintf(v, "observation times: [%.6g, %.6g]; DV: [%.6g, %.6g]; first DV per subject: mean %.6g, SD %.6g\n", (double)s->tmin, (double)s->tmax, (double)s->dvmin, (double)s->dvmax, (double)sim->dv0mean, (double)sim->dv0sd));
  for (PetscInt k = 0; k < sim->ncov; k++) {
    const PnlmeSimCovariate *c  = &sim->cov[k];
    const char              *tr = c->transform == PNLME_COV_LOG ? "log(x/mean)" : (c->transform == PNLME_COV_CENTER ? "x-mean" : "x");
    if (c->dist == PNLME_SIM_DIST_BERNOULLI) PetscCall(PetscViewerASCIIPrintf(v, "covariate %-8s bernoulli(%.6g): proportion %.4f; effect of %s\n", c->name, (double)c->par[0], (double)c->mean, tr));
    else PetscCall(PetscViewerASCIIPrintf(v, "covariate %-8s %s: mean %.6g, SD %.6g, range [%.6g, %.6g]; effect of %s\n", c->name, PnlmeSimDists[c->dist], (double)c->mean, (double)c->sd, (double)c->min, (double)c->max, tr));
  }
  for (PetscInt q = 0; q < sim->np; q++) {
    const char    *name;
    PnlmeTransform tr;
    PetscCall(PnlmeModelGetParameterName(sim->model, q, &name));
    PetscCall(PnlmeModelGetTransform(sim->model, q, &tr));
    PetscCall(PetscViewerASCIIPrintf(v, "parameter %-6s h(phi) mean %.6g, SD %.6g (truth h(theta) %.6g, omega %.6g)%s", name, (double)sim->zmean[q], (double)sim->zsd[q], (double)sim->mu[q], (double)sim->omega[q],
                                     tr == PNLME_TRANSFORM_LOG ? "" : "\n"));
    if (tr == PNLME_TRANSFORM_LOG) {
      PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
      PetscCall(PetscViewerASCIIPrintf(v, "; geometric mean %.6g\n", (double)PetscExpReal(sim->zmean[q])));
      PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
    }
  }
  PetscCall(PetscViewerASCIIPrintf(v, "failed solves: %lld (subjects redrawn: %lld)\n", (long long)s->nfailedsolves, (long long)s->nredrawn));
  if (sim->hasloq) PetscCall(PetscViewerASCIIPrintf(v, "censored observations (below -sim_loq): %lld (%.1f %%)\n", (long long)s->ncensored, 100.0 * (double)s->ncensored / (double)PetscMax(1, s->nobs)));
  PetscCall(PetscViewerASCIIPrintf(v, "file %s: %lld bytes (%.1f MB)\n", sim->output, (long long)s->filesize, (double)s->filesize / 1e6));
  if (sim->paramoutput[0]) PetscCall(PetscViewerASCIIPrintf(v, "individual parameters in %s\n", sim->paramoutput));
  PetscCall(PetscViewerASCIIPrintf(v, "wall time %.3f s, %.0f subjects/s on %d rank%s\n", (double)s->walltime, s->walltime > 0 ? (double)s->nsubjects / (double)s->walltime : 0.0, (int)size, size > 1 ? "s" : ""));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}
