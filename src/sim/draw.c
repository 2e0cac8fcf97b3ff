/* PnlmeSim: the draw of one subject (covariates, design, eta, prediction, residual error) and its rows. */
#include "sim/simimpl.h"
#include <math.h>
#include <string.h>

/* an upper bound of the bytes of one row with ncol columns: numbers take at most 24 characters */
#define ROWBYTES(ncol) ((size_t)(ncol) * 26 + 2)

static PetscInt NumColumns(PnlmeSim sim)
{
  return 7 + (sim->hasrate ? 1 : 0) + (sim->hasloq ? 1 : 0) + sim->ncov + (sim->ipred ? 1 : 0);
}

size_t PnlmeSimSubjectMaxBytes(PnlmeSim sim)
{
  return (size_t)(sim->maxobs + sim->ndose) * ROWBYTES(NumColumns(sim));
}

PetscErrorCode PnlmeSimHeader(PnlmeSim sim, PnlmeSimFile *f, PetscBool params)
{
  char   line[8192];
  size_t n;
  PetscFunctionBegin;
  line[0] = 0;
  if (params) {
    PetscCall(PetscStrlcat(line, "ID", sizeof(line)));
    for (PetscInt p = 0; p < sim->np; p++) {
      const char *name;
      PetscCall(PnlmeModelGetParameterName(sim->model, p, &name));
      PetscCall(PetscStrlcat(line, ",", sizeof(line)));
      PetscCall(PetscStrlcat(line, name, sizeof(line)));
    }
  } else {
    PetscCall(PetscStrlcat(line, "ID,TIME,DV,AMT,EVID,MDV,CMT", sizeof(line)));
    if (sim->hasrate) PetscCall(PetscStrlcat(line, ",RATE", sizeof(line)));
    if (sim->hasloq) PetscCall(PetscStrlcat(line, ",CENS", sizeof(line)));
    for (PetscInt k = 0; k < sim->ncov; k++) {
      PetscCall(PetscStrlcat(line, ",", sizeof(line)));
      PetscCall(PetscStrlcat(line, sim->cov[k].name, sizeof(line)));
    }
    if (sim->ipred) PetscCall(PetscStrlcat(line, ",IPRED", sizeof(line)));
  }
  PetscCall(PetscStrlcat(line, "\n", sizeof(line)));
  n = strlen(line);
  PetscCall(PnlmeOrderedFileReserve(f, n));
  memcpy(f->buf + f->len, line, n);
  f->len += n;
  PetscFunctionReturn(0);
}

static inline char *Put(char *p, const char *s, size_t n)
{
  memcpy(p, s, n);
  return p + n;
}

/* The slots of a block: pointers into the block arrays (SetUp).  A block holds up to 64 subjects, fewer
   when their timelines are long (about 2^20 events at most). */
PetscErrorCode PnlmeSimSlotsCreate(PnlmeSim sim)
{
  const PetscInt np = sim->np, nc = PetscMax(sim->ncov, 1), mo = PetscMax(sim->maxobs, 1), me = PetscMax(sim->maxev, 1), nt = 32 * (sim->ncov + 1);
  PetscInt       B;
  PetscFunctionBegin;
  PetscCall(PnlmeSimSlotsDestroy(sim));
  B          = PetscMax(1, PetscMin(64, ((PetscInt)1 << 20) / (mo + me)));
  sim->nslot = B;
  PetscCall(PetscMalloc6(B * nc, &sim->covraw, B * nc, &sim->covt, B * nt, &sim->covtext, B * mo, &sim->tobs, B * mo, &sim->dv, B * mo, &sim->pred));
  PetscCall(PetscMalloc6(B * np, &sim->z, B * np, &sim->phi, B * np, &sim->eta, B * mo, &sim->obsout, B * mo, &sim->cens, B * me, &sim->ev));
  PetscCall(PetscMalloc5(B, &sim->slot, B, &sim->bsub, B, &sim->bpred, B, &sim->bstatus, np, &sim->stdn));
  PetscCall(PetscMalloc1(PetscMax(sim->nt, 1), &sim->times));
  for (PetscInt i = 0; i < B; i++) {
    PnlmeSimSlot *b = &sim->slot[i];
    PetscCall(PetscMemzero(b, sizeof(*b)));
    b->covraw     = sim->covraw + i * nc;
    b->covt       = sim->covt + i * nc;
    b->covtext    = sim->covtext + i * nt;
    b->tobs       = sim->tobs + i * mo;
    b->dv         = sim->dv + i * mo;
    b->pred       = sim->pred + i * mo;
    b->z          = sim->z + i * np;
    b->phi        = sim->phi + i * np;
    b->eta        = sim->eta + i * np;
    b->obsout     = sim->obsout + i * mo;
    b->cens       = sim->cens + i * mo;
    b->ev         = sim->ev + i * me;
    b->covtext[0] = 0;
    sim->bsub[i]  = &b->s; /* the block's call: set i's subject, predictions and phi (row i of sim->phi) */
    sim->bpred[i] = b->pred;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimSlotsDestroy(PnlmeSim sim)
{
  PetscFunctionBegin;
  PetscCall(PetscFree6(sim->covraw, sim->covt, sim->covtext, sim->tobs, sim->dv, sim->pred));
  PetscCall(PetscFree6(sim->z, sim->phi, sim->eta, sim->obsout, sim->cens, sim->ev));
  PetscCall(PetscFree5(sim->slot, sim->bsub, sim->bpred, sim->bstatus, sim->stdn));
  PetscCall(PetscFree(sim->times));
  sim->nslot = 0;
  PetscFunctionReturn(0);
}

/* individual parameters of draw `attempt` of the subject: h(phi) = h(theta) + beta c + eta, eta = L xi */
static void DrawEta(PnlmeSim sim, PnlmeSimSlot *b, PetscInt attempt)
{
  const PetscInt np = sim->np, nc = sim->ncov;
  PnlmeRNG       rng;
  PnlmeRNGInit(&rng, (uint64_t)sim->seed, (uint64_t)b->g, (uint64_t)(PNLME_SIM_SUB_ETA + attempt));
  for (PetscInt q = 0; q < np; q++) sim->stdn[q] = PnlmeRNGNormal(&rng);
  for (PetscInt q = 0; q < np; q++) {
    PetscReal e = 0, zq = sim->mu[q];
    for (PetscInt r = 0; r <= q; r++) e += sim->L[q * np + r] * sim->stdn[r];
    for (PetscInt k = 0; k < nc; k++) zq += sim->beta[q * nc + k] * b->covt[k];
    b->eta[q] = e;
    b->z[q]   = zq + e;
  }
  PnlmeModelTransformToNatural(sim->model, b->z, b->phi, NULL);
}

/* Covariates, design, doses, timeline and first eta of global subject g into slot b; PETSC_FALSE (the
   problem recorded in err) when its dose is not positive. */
static PetscBool Prepare(PnlmeSim sim, PnlmeSimSlot *b, PetscInt64 g, PnlmeDeferredError *err)
{
  PetscInt ntimes;
  b->g = g;
  PnlmeSimDrawCovariates(sim, g, b->covraw);
  PnlmeSimTransformCovariates(sim, b);
  ntimes      = PnlmeSimDrawDesign(sim, g);
  b->doseamt  = 0;
  b->doserate = 0;
  if (sim->ndose) {
    PetscReal amt = sim->doseamt * (sim->doseper_idx >= 0 ? b->covraw[sim->doseper_idx] : 1.0);
    amt           = PnlmeSimRoundValue(sim, amt);
    if (!(amt > 0)) {
      PnlmeDeferredErrorSet(err, g, "option -sim_dose_per %s: subject %lld has %s = %.6g, so a dose amount %.6g <= 0", sim->doseper, (long long)(g + 1), sim->doseper, (double)b->covraw[sim->doseper_idx], (double)amt);
      return PETSC_FALSE;
    }
    b->doseamt  = amt;
    b->doserate = sim->doserate > 0 ? sim->doserate : (sim->doseduration > 0 ? PnlmeSimRoundValue(sim, amt / sim->doseduration) : 0);
    b->amtlen   = (size_t)PnlmeSimFormatReal(b->amttext, amt, sim->digits);
    b->ratelen  = (size_t)PnlmeSimFormatReal(b->ratetext, b->doserate, sim->digits);
  }
  PnlmeSimBuildSubject(sim, b, ntimes);
  DrawEta(sim, b, 0);
  return PETSC_TRUE;
}

static PetscErrorCode Finish(PnlmeSim, PnlmeSimSlot *, PnlmeSolveStatus, PnlmeDeferredError *);

/* Draws global subjects [g0, g1) and appends their rows to sim->csv (and sim->par), in blocks whose
   first draws of eta are predicted in one call (SIMD lanes: each prediction the one it has alone).  A
   model failure that persists after -sim_max_redraws redraws of eta is recorded in err (raised
   collectively by Run); the subjects after the first problem are not drawn. */
PetscErrorCode PnlmeSimSubjects(PnlmeSim sim, PetscInt64 g0, PetscInt64 g1, PnlmeDeferredError *err)
{
  PetscFunctionBeginHot;
  for (PetscInt64 b0 = g0; b0 < g1 && err->key == PNLME_NO_ERROR_KEY; b0 += sim->nslot) {
    const PetscInt nb = (PetscInt)PetscMin((PetscInt64)sim->nslot, g1 - b0);
    PetscInt       n  = 0;
    for (PetscInt i = 0; i < nb; i++) {
      if (!Prepare(sim, &sim->slot[i], b0 + i, err)) break; /* the subjects before it are finished below */
      n++;
    }
    PetscCall(PnlmeModelPredictMany(sim->model, n, sim->bsub, sim->phi, sim->bpred, sim->bstatus));
    for (PetscInt i = 0; i < n; i++) PetscCall(Finish(sim, &sim->slot[i], sim->bstatus[i], err));
  }
  PetscFunctionReturn(0);
}

/* The redraws of a subject whose prediction failed, its residual errors, summary and rows. */
static PetscErrorCode Finish(PnlmeSim sim, PnlmeSimSlot *b, PnlmeSolveStatus status, PnlmeDeferredError *err)
{
  const PnlmeSubject s = b->s;
  PetscInt           np = sim->np, attempt = 0;
  PetscBool          hasrate = sim->hasrate;
  PnlmeRNG           rng;
  char               idtext[24];
  size_t             idlen;
  char              *p;
  PetscInt64         g = b->g;
  PetscFunctionBeginHot;
  if (err->key <= g) PetscFunctionReturn(0); /* an earlier subject's problem */
  while (status != PNLME_SOLVE_OK) {         /* redraw eta on a failed solve */
    sim->st.nfailed++;
    if (++attempt > sim->maxredraw) break;
    DrawEta(sim, b, attempt);
    PetscCall(PnlmeModelPredict(sim->model, &b->s, b->phi, b->pred, NULL, &status));
  }
  if (status != PNLME_SOLVE_OK) {
    PnlmeDeferredErrorSet(err, g, "subject %lld: the model prediction failed (%s) for %d draws of eta (-sim_max_redraws %d): check -sim_theta, -sim_omega and -sim_beta", (long long)(g + 1),
                          status == PNLME_SOLVE_NONFINITE ? "non-finite value" : "solver failure", (int)sim->maxredraw + 1, (int)sim->maxredraw);
    PetscFunctionReturn(0);
  }
  if (attempt > 0) sim->st.nredrawn++;
  /* residual error */
  PnlmeRNGInit(&rng, (uint64_t)sim->seed, (uint64_t)g, PNLME_SIM_SUB_ERROR);
  for (PetscInt j = 0; j < s.nobs; j++) {
    PetscInt  k = s.obsout[j];
    PetscReal e = PnlmeRNGNormal(&rng);
    b->dv[j]    = sim->err[k]->simulate(sim->erra[k], sim->errb[k], b->pred[j], e);
    b->cens[j]  = 0;
    if (sim->hasloq && sim->loq[k] > 0 && b->dv[j] < sim->loq[k]) { /* below the limit of quantification: DV holds the limit, CENS 1 */
      b->dv[j]   = sim->loq[k];
      b->cens[j] = 1;
      sim->st.ncens++;
    }
  }
  /* summary */
  sim->st.nsub++;
  sim->st.nobs += s.nobs;
  sim->st.ndoses += sim->ndose;
  sim->st.nobsmin = PetscMin(sim->st.nobsmin, s.nobs);
  sim->st.nobsmax = PetscMax(sim->st.nobsmax, s.nobs);
  for (PetscInt j = 0; j < s.nobs; j++) {
    sim->st.tmin  = PetscMin(sim->st.tmin, b->tobs[j]);
    sim->st.tmax  = PetscMax(sim->st.tmax, b->tobs[j]);
    sim->st.dvmin = PetscMin(sim->st.dvmin, b->dv[j]);
    sim->st.dvmax = PetscMax(sim->st.dvmax, b->dv[j]);
  }
  PnlmeExactSumAdd(&sim->st.dv0[0], b->dv[0]);
  PnlmeExactSumAdd(&sim->st.dv0[1], b->dv[0] * b->dv[0]);
  for (PetscInt q = 0; q < np; q++) {
    PnlmeExactSumAdd(&sim->st.zsum[2 * q], b->z[q]);
    PnlmeExactSumAdd(&sim->st.zsum[2 * q + 1], b->z[q] * b->z[q]);
  }
  /* rows in file order (infusion ends are not rows) */
  PetscCall(PnlmeOrderedFileReserve(&sim->csv, PnlmeSimSubjectMaxBytes(sim)));
  idlen = (size_t)PnlmeSimFormatInt(idtext, g + 1);
  p     = sim->csv.buf + sim->csv.len;
  for (PetscInt k = 0; k < s.nev; k++) {
    const PnlmeEvent *e = &s.ev[k];
    if (e->type == PNLME_EV_INFUSION_END) continue;
    p    = Put(p, idtext, idlen);
    *p++ = ',';
    p += PnlmeSimFormatReal(p, e->time, sim->digits);
    if (e->type == PNLME_EV_OBS) {
      *p++ = ',';
      p += PnlmeSimFormatReal(p, b->dv[e->index], sim->digits);
      p = Put(p, ",0,0,0,", 7);
      p += PnlmeSimFormatInt(p, e->cmt);
      if (hasrate) p = Put(p, ",0", 2);
      if (sim->hasloq) p = Put(p, b->cens[e->index] ? ",1" : ",0", 2);
      p = Put(p, b->covtext, b->covtextlen);
      if (sim->ipred) {
        *p++ = ',';
        p += PnlmeSimFormatReal(p, b->pred[e->index], sim->digits);
      }
    } else {
      p    = Put(p, ",.,", 3);
      p    = Put(p, b->amttext, b->amtlen);
      p    = Put(p, ",1,1,", 5);
      p += PnlmeSimFormatInt(p, e->cmt);
      if (hasrate) {
        *p++ = ',';
        p    = Put(p, b->ratetext, b->ratelen);
      }
      if (sim->hasloq) p = Put(p, ",0", 2);
      p = Put(p, b->covtext, b->covtextlen);
      if (sim->ipred) p = Put(p, ",.", 2);
    }
    *p++ = '\n';
  }
  sim->csv.len = (size_t)(p - sim->csv.buf);
  if (sim->paramoutput[0]) {
    PetscCall(PnlmeOrderedFileReserve(&sim->par, ROWBYTES(1 + np)));
    p = sim->par.buf + sim->par.len;
    p = Put(p, idtext, idlen);
    for (PetscInt q = 0; q < np; q++) {
      *p++ = ',';
      p += PnlmeSimFormatReal(p, b->phi[q], sim->digits);
    }
    *p++         = '\n';
    sim->par.len = (size_t)(p - sim->par.buf);
  }
  PetscFunctionReturn(0);
}
