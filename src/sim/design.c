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

/* The subject's data b->s as PnlmeDataLoad would present it: observations at sim->times[0..ntimes) for
   each observed output, doses (amount and rate of this subject in b->doseamt/doserate), events in file
   order (at equal times, observations first unless -sim_dose_first) and infusion ends. */
void PnlmeSimBuildSubject(PnlmeSim sim, PnlmeSimSlot *b, PetscInt ntimes)
{
  PnlmeSubject *s    = &b->s;
  PnlmeEvent   *ev   = b->ev;
  PetscInt64    g    = b->g;
  PetscInt      nobs = ntimes * sim->nout, nev = 0, it = 0, id = 0;
  for (PetscInt i = 0; i < ntimes; i++)
    for (PetscInt o = 0; o < sim->nout; o++) {
      b->tobs[i * sim->nout + o]   = sim->times[i];
      b->obsout[i * sim->nout + o] = sim->outidx[o];
    }
  /* merge in file order */
  while (it < ntimes || id < sim->ndose) {
    PetscBool dose;
    if (it == ntimes) dose = PETSC_TRUE;
    else if (id == sim->ndose) dose = PETSC_FALSE;
    else if (sim->dosetime[id] == sim->times[it]) dose = sim->dosefirst;
    else dose = sim->dosetime[id] < sim->times[it] ? PETSC_TRUE : PETSC_FALSE;
    if (dose) {
      PnlmeEvent *e = &ev[nev++];
      e->time       = sim->dosetime[id];
      e->cmt        = sim->dosecmt;
      e->index      = id;
      if (b->doserate > 0) {
        e->type     = PNLME_EV_INFUSION_START;
        e->amount   = b->doserate;
        e->duration = b->doseamt / b->doserate;
      } else {
        e->type     = PNLME_EV_BOLUS;
        e->amount   = b->doseamt;
        e->duration = 0;
      }
      id++;
    } else {
      for (PetscInt o = 0; o < sim->nout; o++) {
        PnlmeEvent *e = &ev[nev++];
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
  if (sim->ndose && b->doserate > 0) {
    PetscInt nfile = nev;
    for (PetscInt k = 0; k < nfile; k++) {
      PnlmeEvent *end;
      if (ev[k].type != PNLME_EV_INFUSION_START) continue;
      end           = &ev[nev++];
      end->time     = ev[k].time + ev[k].duration;
      end->amount   = ev[k].amount;
      end->duration = 0;
      end->type     = PNLME_EV_INFUSION_END;
      end->cmt      = ev[k].cmt;
      end->index    = ev[k].index;
    }
    for (PetscInt k = nfile; k < nev; k++) {
      PnlmeEvent e   = ev[k];
      PetscInt   pos = k;
      while (pos > 0 && ev[pos - 1].time > e.time) {
        ev[pos] = ev[pos - 1];
        pos--;
      }
      ev[pos] = e;
    }
  }
  s->id     = g + 1;
  s->gindex = g;
  s->line   = 0;
  s->nobs   = nobs;
  s->tobs   = b->tobs;
  s->dv     = b->dv;
  s->obsout = b->obsout;
  s->cens   = NULL;
  s->limit  = NULL;
  s->nev    = nev;
  s->ev     = ev;
  s->ncov   = sim->ncov;
  s->cov    = b->covt;
}
