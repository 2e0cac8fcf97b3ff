/* PnlmeSim: sampling and dose design of one subject, and its timeline as the reader will build it. */
#include "sim/simimpl.h"
#include <math.h>

/* Draws the sampling times of global subject g into sim->times (written values, non-decreasing) and
   returns how many are kept: the first n, n uniform on {nobs_min..nobs_max}, then none beyond tmax. */
PetscInt PnlmeSimDrawDesign(PnlmeSim sim, PetscInt64 g)
{
  PnlmeRNG  rng;
  PetscInt  n;
  PetscReal prev = 0;
  PnlmeRNGInit(&rng, (uint64_t)sim->seed, (uint64_t)g, PNLME_SIM_SUB_DESIGN);
  n = (PetscInt)PnlmeRNGInteger(&rng, sim->nlo, sim->nhi);
  for (PetscInt i = 0; i < sim->nt; i++) {
    const PnlmeSimTimeItem *ti = &sim->titem[i];
    PetscReal               t  = 0;
    switch (ti->kind) {
    case PNLME_SIM_TIME_ABS: t = ti->a; break;
    case PNLME_SIM_TIME_UNIF: t = PnlmeRNGUniformRange(&rng, ti->a, ti->b); break;
    case PNLME_SIM_TIME_INC: t = prev + ti->a; break;
    case PNLME_SIM_TIME_INCUNIF: t = prev + PnlmeRNGUniformRange(&rng, ti->a, ti->b); break;
    }
    sim->times[i] = PnlmeSimRoundValue(sim, t); /* rounding is monotone: times stay non-decreasing */
    prev          = sim->times[i];
  }
  while (n > 0 && sim->times[n - 1] > sim->tmax) n--;
  return n;
}

/* The subject's data as PnlmeDataLoad would present it: observations at times[0..ntimes) for each
   observed output, doses (amount and rate of this subject in sim->doseamt_i/doserate_i), events in
   file order (at equal times, observations first unless -sim_dose_first) and infusion ends. */
void PnlmeSimBuildSubject(PnlmeSim sim, PetscInt64 g, PetscInt ntimes, PnlmeSubject *s)
{
  PetscInt nobs = ntimes * sim->nout, nev = 0, it = 0, id = 0;
  for (PetscInt i = 0; i < ntimes; i++)
    for (PetscInt o = 0; o < sim->nout; o++) {
      sim->tobs[i * sim->nout + o]   = sim->times[i];
      sim->obsout[i * sim->nout + o] = sim->outidx[o];
    }
  /* merge in file order */
  while (it < ntimes || id < sim->ndose) {
    PetscBool dose;
    if (it == ntimes) dose = PETSC_TRUE;
    else if (id == sim->ndose) dose = PETSC_FALSE;
    else if (sim->dosetime[id] == sim->times[it]) dose = sim->dosefirst;
    else dose = sim->dosetime[id] < sim->times[it] ? PETSC_TRUE : PETSC_FALSE;
    if (dose) {
      PnlmeEvent *e = &sim->ev[nev++];
      e->time       = sim->dosetime[id];
      e->cmt        = sim->dosecmt;
      e->index      = id;
      if (sim->doserate_i[0] > 0) {
        e->type     = PNLME_EV_INFUSION_START;
        e->amount   = sim->doserate_i[0];
        e->duration = sim->doseamt_i[0] / sim->doserate_i[0];
      } else {
        e->type     = PNLME_EV_BOLUS;
        e->amount   = sim->doseamt_i[0];
        e->duration = 0;
      }
      id++;
    } else {
      for (PetscInt o = 0; o < sim->nout; o++) {
        PnlmeEvent *e = &sim->ev[nev++];
        e->time       = sim->times[it];
        e->amount     = 0;
        e->duration   = 0;
        e->type       = PNLME_EV_OBS;
        e->cmt        = sim->outcmt[o];
        e->index      = it * sim->nout + o;
      }
      it++;
    }
  }
  /* infusion ends: appended, then a stable insertion sort by time puts each after every event at or
     before its time (the file order of the other events is already sorted) */
  if (sim->ndose && sim->doserate_i[0] > 0) {
    PetscInt nfile = nev;
    for (PetscInt k = 0; k < nfile; k++) {
      PnlmeEvent *end;
      if (sim->ev[k].type != PNLME_EV_INFUSION_START) continue;
      end           = &sim->ev[nev++];
      end->time     = sim->ev[k].time + sim->ev[k].duration;
      end->amount   = sim->ev[k].amount;
      end->duration = 0;
      end->type     = PNLME_EV_INFUSION_END;
      end->cmt      = sim->ev[k].cmt;
      end->index    = sim->ev[k].index;
    }
    for (PetscInt k = nfile; k < nev; k++) {
      PnlmeEvent e   = sim->ev[k];
      PetscInt   pos = k;
      while (pos > 0 && sim->ev[pos - 1].time > e.time) {
        sim->ev[pos] = sim->ev[pos - 1];
        pos--;
      }
      sim->ev[pos] = e;
    }
  }
  s->id     = g + 1;
  s->gindex = g;
  s->line   = 0;
  s->nobs   = nobs;
  s->tobs   = sim->tobs;
  s->dv     = sim->dv;
  s->obsout = sim->obsout;
  s->cens   = NULL;
  s->limit  = NULL;
  s->nev    = nev;
  s->ev     = sim->ev;
  s->ncov   = sim->ncov;
  s->cov    = sim->covt;
}
