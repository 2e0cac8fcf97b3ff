/* Subjects for the model-file tests: timelines built in memory (neonates as in the synthetic cohort;
   turnover and PK subjects with oral doses, an IV bolus, an infusion into the central compartment and a
   reset), parameters drawn around typical values. */
#pragma once
#include <pnlme.h>
#include <math.h>
#include <string.h>

#define LS_MAXOBS 40
#define LS_MAXEV  80
typedef struct {
  PnlmeEvent   ev[LS_MAXEV];
  PetscReal    tobs[LS_MAXOBS], dv[LS_MAXOBS];
  PetscInt     obsout[LS_MAXOBS];
  PetscReal    phi[8];
  PnlmeSubject s;
} LSubject;

static inline void LSAdd(LSubject *b, PetscReal t, PetscInt type, PetscReal amt, PetscReal dur, PetscInt cmt, PetscInt iout)
{
  PnlmeEvent *e = &b->ev[b->s.nev++];
  *e            = (PnlmeEvent){t, amt, dur, type, cmt, 0};
  if (type == PNLME_EV_OBS) {
    e->index               = b->s.nobs;
    b->tobs[b->s.nobs]     = t;
    b->obsout[b->s.nobs++] = iout;
  }
}
static inline void LSStart(LSubject *b, PetscInt64 id)
{
  memset(b, 0, sizeof(*b));
  b->s.id     = id;
  b->s.tobs   = b->tobs;
  b->s.dv     = b->dv;
  b->s.obsout = b->obsout;
  b->s.ev     = b->ev;
}

static inline void LSNeonate(PetscInt i, LSubject *b)
{
  const PetscReal typ[5] = {3433, 86.6, 1.54, 0.072, 1.15}, om[5] = {0.127, 0.219, 0.116, 0.076, 0.186};
  PnlmeRNG        r;
  PnlmeRNGInit(&r, 7, (uint64_t)i, 0);
  LSStart(b, i);
  for (int k = 0; k < 5; k++) b->phi[k] = typ[k] * exp(om[k] * PnlmeRNGNormal(&r));
  PetscReal t = PnlmeRNGUniformRange(&r, 0.4, 1.4);
  LSAdd(b, 0.0, PNLME_EV_OBS, 0, 0, 0, 0);
  for (int j = 1; j < 6; j++, t += 1.0) LSAdd(b, t, PNLME_EV_OBS, 0, 0, 0, 0);
}

/* turnover: 100 mg oral at 0, observations of C (0) and R (1); with `rich`, an IV bolus into central at
   50 h, an infusion into central 60-62 h, a reset at 100 h and an oral dose after it */
static inline void LSTurnover(PetscInt i, LSubject *b, PetscBool rich)
{
  const PetscReal typ[7] = {1.0, 0.135, 8.0, 100.0, 0.05, 0.8, 1.2};
  const PetscReal tc[8] = {0.5, 1, 2, 6, 12, 24, 36, 48}, tr[8] = {0, 12, 24, 36, 48, 72, 96, 144};
  PnlmeRNG        r;
  PnlmeRNGInit(&r, 8, (uint64_t)i, 0);
  LSStart(b, i);
  for (int k = 0; k < 7; k++) b->phi[k] = typ[k] * exp(0.25 * PnlmeRNGNormal(&r));
  b->phi[5] = 1.0 / (1.0 + exp(-(log(typ[5] / (1 - typ[5])) + 0.5 * PnlmeRNGNormal(&r))));
  LSAdd(b, 0.0, PNLME_EV_OBS, 0, 0, 0, 1);
  LSAdd(b, 0.0, PNLME_EV_BOLUS, 100.0, 0, 1, 0);
  if (!rich) {
    for (int j = 0, l = 1; j < 8 || l < 8;) {
      if (j < 8 && (l >= 8 || tc[j] <= tr[l])) LSAdd(b, tc[j++], PNLME_EV_OBS, 0, 0, 0, 0);
      else LSAdd(b, tr[l++], PNLME_EV_OBS, 0, 0, 0, 1);
    }
    return;
  }
  for (int j = 0; j < 8; j++) LSAdd(b, tc[j], PNLME_EV_OBS, 0, 0, 0, j % 2);
  LSAdd(b, 50.0, PNLME_EV_BOLUS, 20.0, 0, 2, 0);
  LSAdd(b, 55.0, PNLME_EV_OBS, 0, 0, 0, 0);
  LSAdd(b, 60.0, PNLME_EV_INFUSION_START, 10.0, 2.0, 2, 0);
  LSAdd(b, 61.0, PNLME_EV_OBS, 0, 0, 0, 0);
  LSAdd(b, 62.0, PNLME_EV_INFUSION_END, 10.0, 0, 2, 0);
  LSAdd(b, 72.0, PNLME_EV_OBS, 0, 0, 0, 1);
  LSAdd(b, 100.0, PNLME_EV_RESET, 0, 0, 0, 0);
  LSAdd(b, 100.0, PNLME_EV_BOLUS, 50.0, 0, 1, 0);
  LSAdd(b, 103.0, PNLME_EV_OBS, 0, 0, 0, 0);
  LSAdd(b, 120.0, PNLME_EV_OBS, 0, 0, 0, 1);
}

/* one or two compartments, oral: 320 mg at 0 and 160 mg at 12 h, an infusion into central 30-31 h */
static inline void LSPK(PetscInt i, LSubject *b, PetscInt np)
{
  const PetscReal typ1[3] = {1.6, 0.087, 32.0}, typ2[5] = {1.2, 3.0, 30.0, 2.0, 60.0};
  const PetscReal t[10]   = {0.25, 0.5, 1, 2, 3.5, 5, 7, 9, 12, 24};
  PnlmeRNG        r;
  PnlmeRNGInit(&r, 9, (uint64_t)i, 0);
  LSStart(b, i);
  for (int k = 0; k < np; k++) b->phi[k] = (np == 3 ? typ1[k] : typ2[k]) * exp(0.3 * PnlmeRNGNormal(&r));
  LSAdd(b, 0.0, PNLME_EV_BOLUS, 320.0, 0, 1, 0);
  for (int j = 0; j < 9; j++) LSAdd(b, t[j], PNLME_EV_OBS, 0, 0, 0, 0);
  LSAdd(b, 12.0, PNLME_EV_BOLUS, 160.0, 0, 1, 0);
  LSAdd(b, 24.0, PNLME_EV_OBS, 0, 0, 0, 0);
  LSAdd(b, 30.0, PNLME_EV_INFUSION_START, 50.0, 1.0, 2, 0);
  LSAdd(b, 30.5, PNLME_EV_OBS, 0, 0, 0, 0);
  LSAdd(b, 31.0, PNLME_EV_INFUSION_END, 50.0, 0, 2, 0);
  LSAdd(b, 36.0, PNLME_EV_OBS, 0, 0, 0, 0);
}
