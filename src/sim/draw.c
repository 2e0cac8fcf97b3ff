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

/* Draws global subject g and appends its rows to sim->csv (and sim->par).  A model failure that
   persists after -sim_max_redraws redraws of eta is recorded in err (raised collectively by Run). */
PetscErrorCode PnlmeSimSubject(PnlmeSim sim, PetscInt64 g, PnlmeDeferredError *err)
{
  PnlmeSubject     s;
  PnlmeSolveStatus status = PNLME_SOLVE_FAILED;
  PnlmeRNG         rng;
  PetscInt         ntimes, np = sim->np, nc = sim->ncov, attempt;
  PetscBool        hasrate = sim->hasrate;
  char             idtext[24], amttext[32], ratetext[32];
  size_t           idlen, amtlen = 0, ratelen = 0;
  char            *p;
  PetscFunctionBeginHot;
  /* covariates, design, doses */
  PnlmeSimDrawCovariates(sim, g);
  PnlmeSimTransformCovariates(sim);
  ntimes = PnlmeSimDrawDesign(sim, g);
  if (sim->ndose) {
    PetscReal amt = sim->doseamt * (sim->doseper_idx >= 0 ? sim->covraw[sim->doseper_idx] : 1.0);
    amt           = PnlmeSimRoundValue(sim, amt);
    if (!(amt > 0)) {
      PnlmeDeferredErrorSet(err, g, "option -sim_dose_per %s: subject %lld has %s = %.6g, so a dose amount %.6g <= 0", sim->doseper, (long long)(g + 1), sim->doseper, (double)sim->covraw[sim->doseper_idx], (double)amt);
      PetscFunctionReturn(0);
    }
    sim->doseamt_i[0]  = amt;
    sim->doserate_i[0] = sim->doserate > 0 ? sim->doserate : (sim->doseduration > 0 ? PnlmeSimRoundValue(sim, amt / sim->doseduration) : 0);
    amtlen             = (size_t)PnlmeSimFormatReal(amttext, amt, sim->digits);
    ratelen            = (size_t)PnlmeSimFormatReal(ratetext, sim->doserate_i[0], sim->digits);
  }
  PnlmeSimBuildSubject(sim, g, ntimes, &s);
  /* individual parameters: h(phi) = h(theta) + beta c + eta, eta = L xi; redraw on a failed solve */
  for (attempt = 0; attempt <= sim->maxredraw; attempt++) {
    PnlmeRNGInit(&rng, (uint64_t)sim->seed, (uint64_t)g, (uint64_t)(PNLME_SIM_SUB_ETA + attempt));
    for (PetscInt q = 0; q < np; q++) sim->stdn[q] = PnlmeRNGNormal(&rng);
    for (PetscInt q = 0; q < np; q++) {
      PetscReal e = 0, zq = sim->mu[q];
      for (PetscInt r = 0; r <= q; r++) e += sim->L[q * np + r] * sim->stdn[r];
      for (PetscInt k = 0; k < nc; k++) zq += sim->beta[q * nc + k] * sim->covt[k];
      sim->eta[q] = e;
      sim->z[q]   = zq + e;
    }
    PnlmeModelTransformToNatural(sim->model, sim->z, sim->phi, NULL);
    PetscCall(PnlmeModelPredict(sim->model, &s, sim->phi, sim->pred, NULL, &status));
    if (status == PNLME_SOLVE_OK) break;
    sim->st.nfailed++;
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
    sim->dv[j]  = sim->err[k]->simulate(sim->erra[k], sim->errb[k], sim->pred[j], e);
    sim->cens[j] = 0;
    if (sim->hasloq && sim->loq[k] > 0 && sim->dv[j] < sim->loq[k]) { /* below the limit of quantification: DV holds the limit, CENS 1 */
      sim->dv[j]   = sim->loq[k];
      sim->cens[j] = 1;
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
    sim->st.tmin  = PetscMin(sim->st.tmin, sim->tobs[j]);
    sim->st.tmax  = PetscMax(sim->st.tmax, sim->tobs[j]);
    sim->st.dvmin = PetscMin(sim->st.dvmin, sim->dv[j]);
    sim->st.dvmax = PetscMax(sim->st.dvmax, sim->dv[j]);
  }
  PnlmeExactSumAdd(&sim->st.dv0[0], sim->dv[0]);
  PnlmeExactSumAdd(&sim->st.dv0[1], sim->dv[0] * sim->dv[0]);
  for (PetscInt q = 0; q < np; q++) {
    PnlmeExactSumAdd(&sim->st.zsum[2 * q], sim->z[q]);
    PnlmeExactSumAdd(&sim->st.zsum[2 * q + 1], sim->z[q] * sim->z[q]);
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
      p += PnlmeSimFormatReal(p, sim->dv[e->index], sim->digits);
      p = Put(p, ",0,0,0,", 7);
      p += PnlmeSimFormatInt(p, e->cmt);
      if (hasrate) p = Put(p, ",0", 2);
      if (sim->hasloq) p = Put(p, sim->cens[e->index] ? ",1" : ",0", 2);
      p = Put(p, sim->covtext, sim->covtextlen);
      if (sim->ipred) {
        *p++ = ',';
        p += PnlmeSimFormatReal(p, sim->pred[e->index], sim->digits);
      }
    } else {
      p    = Put(p, ",.,", 3);
      p    = Put(p, amttext, amtlen);
      p    = Put(p, ",1,1,", 5);
      p += PnlmeSimFormatInt(p, e->cmt);
      if (hasrate) {
        *p++ = ',';
        p    = Put(p, ratetext, ratelen);
      }
      if (sim->hasloq) p = Put(p, ",0", 2);
      p = Put(p, sim->covtext, sim->covtextlen);
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
      p += PnlmeSimFormatReal(p, sim->phi[q], sim->digits);
    }
    *p++         = '\n';
    sim->par.len = (size_t)(p - sim->par.buf);
  }
  PetscFunctionReturn(0);
}
