/* Simulations of the fitted model with the observed design, for visual predictive checks
   (-vpc_replicates R), and each subject's population and individual predictions on a time grid
   (-output_curves G), both written collectively into results.h5 (docs/results-schema.md, /vpc and
   /curves).

   VPC: replicate r of subject i draws eta ~ N(0, Omega) (fitted Omega; no random effect for the
   -fit_fixed parameters), phi = h^-1(B^T x_i + eta) (fitted typical values and covariate effects,
   the subject's covariates), predicts at the subject's observation times with its doses, and adds the
   residual error of the fitted error model.  Every (subject, replicate) has its own Philox stream
   (key: -vpc_seed and the global subject index; substream PNLME_VPC_SUBSTREAM + r): the values do not
   depend on the number of ranks.  A failed solve gives NaN for that replicate of that subject.
   The per-rank memory is bounded by writing the replicates in rounds of at most VPC_ROUND_VALUES
   values per rank (or -vpc_round_replicates per round); the rounds do not change the values. */
#include "fit/io/h5io.h"
#include <math.h>
#include <string.h>

#define PNLME_VPC_SUBSTREAM ((uint64_t)1 << 32) /* above the chains' (c) and importance sampling's (2^20) */
#define VPC_ROUND_VALUES    ((PetscInt64)1 << 22)

static const PnlmeOption VPCOptions[] = {
  {"-vpc_replicates", PNLME_OPT_INT, "0", "[0, 1000000]", NULL, "Simulate the fitted model this many times with the observed design, into results.h5 /vpc/simulated (0: no)"},
  {"-vpc_seed", PNLME_OPT_INT, "-saem_seed", "[0, 2147483647]", NULL, "Random seed of the VPC simulations"},
  {"-vpc_round_replicates", PNLME_OPT_INT, "0", "[0, 1000000]", NULL, "Replicates simulated and written per round (0: as many as fit in 4M values per rank)"},
  {"-output_curves", PNLME_OPT_INT, "0", "[0, 100000]", NULL, "Points of each subject's PRED and IPRED curves in results.h5 /curves (0: none, else at least 2)"},
};

PetscErrorCode PnlmeFitRegisterOptions_VPC(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("vpc", "Simulations of the fitted model (VPC) and prediction curves", NULL, PETSC_STATIC_ARRAY_LENGTH(VPCOptions), VPCOptions));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetFromOptions_VPC(PnlmeFit fit)
{
  PetscObject obj = (PetscObject)fit;
  PetscFunctionBegin;
  fit->vpcseed = fit->seed;
  PetscCall(PnlmeOptionsGetInt(obj, "-vpc_replicates", &fit->vpcR, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vpc_seed", &fit->vpcseed, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-vpc_round_replicates", &fit->vpcround, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-output_curves", &fit->ncurve, NULL));
  PetscCheck(fit->ncurve == 0 || fit->ncurve >= 2, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -output_curves must be 0 or at least 2");
  PetscCheck(!(fit->vpcR > 0 || fit->ncurve > 0) || fit->outdir[0], PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option %s needs -output_dir (the results go to results.h5)", fit->vpcR > 0 ? "-vpc_replicates" : "-output_curves");
  PetscFunctionReturn(0);
}

#define VPC_LANES   256 /* replicates of a subject evaluated together (PnlmeModelPredictMany) */
#define CURVE_BLOCK 64  /* subjects whose PRED and IPRED curves are evaluated together */

/* the work of SimulateRound: one call's parameter sets, and each replicate's stream (its parameters'
   draws, then its residual errors) */
typedef struct {
  PetscReal          *phib, **lp;
  const PnlmeSubject **ls;
  PnlmeSolveStatus   *st;
  PnlmeRNG           *rng;
} VPCWork;

/* the replicates [r0, r1) of the local subjects into sim[(r - r0) * nobsl + o]: a subject's replicates
   in calls of up to VPC_LANES parameter sets (SIMD lanes where the model has them; each set's
   prediction is the one it has alone: the values do not depend on -model_batch or on the rounds) */
static PetscErrorCode SimulateRound(PnlmeFit fit, VPCWork *w, PetscInt r0, PetscInt r1, PetscInt64 nobsl, PetscReal sim[], PetscInt64 *nfailed)
{
  PetscInt     p = fit->p;
  PetscInt64   o = 0;
  PetscReal    xi[64], z[64];
  PnlmeSubject s;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    const PetscReal *m = fit->mi + i * p;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    for (PetscInt ra = r0; ra < r1; ra += VPC_LANES) {
      const PetscInt n = PetscMin(VPC_LANES, r1 - ra);
      for (PetscInt L = 0; L < n; L++) {
        PnlmeRNG *rng = &w->rng[L];
        PnlmeRNGInit(rng, (uint64_t)fit->vpcseed, (uint64_t)s.gindex, PNLME_VPC_SUBSTREAM + (uint64_t)(ra + L));
        for (PetscInt k = 0; k < p; k++) {
          xi[k] = PnlmeRNGNormal(rng); /* drawn for every parameter: the stream's layout does not depend on -fit_fixed */
          if (fit->pop.fixed[k]) xi[k] = 0;
        }
        for (PetscInt k = 0; k < p; k++) { /* z = m + L xi */
          PetscReal e = 0;
          for (PetscInt l = 0; l <= k; l++) e += fit->pop.L[k * p + l] * xi[l];
          z[k] = m[k] + (fit->pop.fixed[k] ? 0 : e);
        }
        PnlmeModelTransformToNatural(fit->model, z, w->phib + L * p, NULL);
        w->ls[L] = &s;
        w->lp[L] = sim + (ra + L - r0) * nobsl + o;
      }
      PetscCall(PnlmeModelPredictMany(fit->model, n, w->ls, w->phib, w->lp, w->st));
      for (PetscInt L = 0; L < n; L++) {
        PetscReal *y = w->lp[L];
        if (w->st[L]) {
          (*nfailed)++;
          for (PetscInt j = 0; j < s.nobs; j++) y[j] = NAN;
        } else
          for (PetscInt j = 0; j < s.nobs; j++) y[j] = PnlmeErrorSimulate(&fit->pop, s.obsout[j], y[j], PnlmeRNGNormal(&w->rng[L]));
      }
    }
    o += s.nobs;
  }
  PetscFunctionReturn(0);
}

/* a collective write of the block rows [r0, r1) x columns [c0, c0 + nc) of the 2-D dataset dset */
static void WriteBlock(PnlmeH5 *h, hid_t dset, const char name[], hsize_t r0, hsize_t r1, hsize_t c0, hsize_t nc, const PetscReal buf[])
{
  hid_t   fspace = H5Dget_space(dset), mspace;
  hsize_t off[2] = {r0, c0}, cnt[2] = {r1 - r0, nc};
  double  dummy  = 0;
  PnlmeH5Check(h, fspace, "cannot get the dataspace of %s", name);
  if (cnt[0] > 0 && cnt[1] > 0) {
    PnlmeH5Check(h, H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL), "cannot select a block of %s", name);
    mspace = H5Screate_simple(2, cnt, NULL);
  } else {
    hsize_t one[2] = {1, 1};
    PnlmeH5Check(h, H5Sselect_none(fspace), "cannot select a block of %s", name);
    mspace = H5Screate_simple(2, one, NULL);
    H5Sselect_none(mspace);
  }
  PnlmeH5Check(h, H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, h->dxpl, cnt[0] > 0 && cnt[1] > 0 ? (const void *)buf : (const void *)&dummy), "cannot write %s", name);
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
}

static PetscErrorCode WriteVPC(PnlmeFit fit, PnlmeH5 *h)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscInt64  nobsl, nobsg, ostart = 0, nmax, nfailed = 0, nfailedg, rblock;
  PetscInt    R = fit->vpcR;
  PetscReal  *sim;
  VPCWork     w;
  hsize_t     dims[2];
  hid_t       g, fspace, dset;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitVPC, 0, 0, 0, 0));
  PetscCall(PnlmeDataGetNumObservations(fit->data, &nobsl, &nobsg));
  PetscCallMPI(MPI_Exscan(&nobsl, &ostart, 1, MPIU_INT64, MPI_SUM, comm));
  if (!h->rank) ostart = 0;
  PetscCallMPI(MPI_Allreduce(&nobsl, &nmax, 1, MPIU_INT64, MPI_MAX, comm));
  rblock = fit->vpcround > 0 ? fit->vpcround : VPC_ROUND_VALUES / PetscMax(nmax, 1); /* the same on every rank */
  rblock = PetscMax(1, PetscMin((PetscInt64)R, rblock));
  PetscCall(PetscMalloc1(rblock * nobsl + 1, &sim));
  PetscCall(PetscMalloc5(VPC_LANES * fit->p, &w.phib, VPC_LANES, &w.lp, VPC_LANES, &w.ls, VPC_LANES, &w.st, VPC_LANES, &w.rng));
  g       = PnlmeH5CreateGroup(h, h->file, "vpc");
  dims[0] = (hsize_t)R;
  dims[1] = (hsize_t)nobsg;
  fspace  = H5Screate_simple(2, dims, NULL);
  PnlmeH5Check(h, fspace, "cannot create the dataspace of /vpc/simulated");
  dset = H5Dcreate2(g, "simulated", H5T_IEEE_F64LE, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PnlmeH5Check(h, dset, "cannot create dataset /vpc/simulated");
  if (fspace >= 0) H5Sclose(fspace);
  for (PetscInt64 r0 = 0; r0 < R; r0 += rblock) {
    PetscInt64 r1 = PetscMin((PetscInt64)R, r0 + rblock);
    PetscCall(SimulateRound(fit, &w, (PetscInt)r0, (PetscInt)r1, nobsl, sim, &nfailed));
    if (dset >= 0) WriteBlock(h, dset, "/vpc/simulated", (hsize_t)r0, (hsize_t)r1, (hsize_t)ostart, (hsize_t)nobsl, sim);
  }
  if (dset >= 0) PnlmeH5Check(h, H5Dclose(dset), "cannot close dataset /vpc/simulated");
  PetscCallMPI(MPI_Allreduce(&nfailed, &nfailedg, 1, MPIU_INT64, MPI_SUM, comm));
  PetscCall(PnlmeH5WriteAttrInt(h, g, "replicates", R));
  PetscCall(PnlmeH5WriteAttrInt(h, g, "seed", fit->vpcseed));
  PetscCall(PnlmeH5WriteAttrInt(h, g, "n_failed", nfailedg));
  PnlmeH5CloseGroup(h, g);
  PetscCall(PetscFree(sim));
  PetscCall(PetscFree5(w.phib, w.lp, w.ls, w.st, w.rng));
  PetscCall(PetscLogEventEnd(PNLME_FitVPC, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* A copy of subject s whose observations are the G grid times t0 .. t1 (output 0) and whose doses,
   infusion ends and resets are those of s; at equal times a grid point comes after the other events
   (the curve shows the state just after a dose). */
static void GridSubject(const PnlmeSubject *s, PetscInt G, PetscReal tg[], PetscInt out[], PnlmeEvent ev[], PnlmeSubject *c)
{
  PetscReal t0 = 0, t1 = 0;
  PetscInt  n = 0, j = 0;
  if (s->nev > 0) t0 = PetscMin(0.0, s->ev[0].time);
  for (PetscInt k = 0; k < s->nobs; k++) t1 = PetscMax(t1, s->tobs[k]);
  if (!(t1 > t0)) t1 = t0 + 1;
  for (PetscInt k = 0; k < G; k++) {
    tg[k]  = k == G - 1 ? t1 : t0 + (t1 - t0) * (PetscReal)k / (PetscReal)(G - 1);
    out[k] = 0;
  }
  for (PetscInt e = 0; e <= s->nev; e++) {
    PetscReal te = e < s->nev ? s->ev[e].time : PETSC_MAX_REAL;
    for (; j < G && tg[j] < te; j++) {
      memset(&ev[n], 0, sizeof(ev[n]));
      ev[n].time    = tg[j];
      ev[n].type    = PNLME_EV_OBS;
      ev[n++].index = j;
    }
    if (e < s->nev && s->ev[e].type != PNLME_EV_OBS) ev[n++] = s->ev[e];
  }
  for (; j < G; j++) { /* grid points at the last event's time */
    memset(&ev[n], 0, sizeof(ev[n]));
    ev[n].time    = tg[j];
    ev[n].type    = PNLME_EV_OBS;
    ev[n++].index = j;
  }
  *c        = *s;
  c->nobs   = G;
  c->tobs   = tg;
  c->dv     = tg; /* not used by predictions */
  c->obsout = out;
  c->cens   = NULL;
  c->limit  = NULL;
  c->nev    = n;
  c->ev     = ev;
}

static PetscErrorCode WriteCurves(PnlmeFit fit, PnlmeH5 *h)
{
  PetscInt         G = fit->ncurve, maxobs, maxev, *out, nev, cb;
  PetscInt64       gstart, gend;
  PetscReal       *t, *pred, *ipred, *pp[CURVE_BLOCK], *ip[CURVE_BLOCK];
  PnlmeEvent      *ev;
  PnlmeSubject     s, c[CURVE_BLOCK];
  PnlmeFitPredWork w;
  hsize_t          hg = (hsize_t)G;
  hid_t            g;
  PetscFunctionBegin;
  PetscCall(PnlmeDataGetOwnershipRange(fit->data, &gstart, &gend));
  PetscCall(PnlmeDataGetMaxSizes(fit->data, &maxobs, &maxev));
  nev = maxev + G + 1;
  cb  = PetscMax(1, PetscMin(CURVE_BLOCK, ((PetscInt)1 << 20) / nev)); /* the block's timelines: at most about 1 M events */
  PetscCall(PetscMalloc3(fit->nlocal * G + 1, &t, fit->nlocal * G + 1, &pred, fit->nlocal * G + 1, &ipred));
  PetscCall(PetscMalloc2(G, &out, cb * nev, &ev));
  PetscCall(PnlmeFitPredWorkCreate(fit, cb, &w));
  for (PetscInt i0 = 0; i0 < fit->nlocal; i0 += cb) {
    const PetscInt nb = PetscMin(cb, fit->nlocal - i0);
    for (PetscInt b = 0; b < nb; b++) {
      const PetscInt i = i0 + b;
      PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
      GridSubject(&s, G, t + i * G, out, ev + b * nev, &c[b]); /* out: every grid point is output 0 */
      pp[b] = pred + i * G;
      ip[b] = ipred + i * G;
    }
    PetscCall(PnlmeFitPredictPopInd(fit, &w, i0, nb, c, pp, ip));
  }
  g = PnlmeH5CreateGroup(h, h->file, "curves");
  PetscCall(PnlmeH5WriteRows(h, g, "TIME", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hg, (hsize_t)fit->N, (hsize_t)gstart, (hsize_t)fit->nlocal, t));
  PetscCall(PnlmeH5WriteRows(h, g, "PRED", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hg, (hsize_t)fit->N, (hsize_t)gstart, (hsize_t)fit->nlocal, pred));
  PetscCall(PnlmeH5WriteRows(h, g, "IPRED", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hg, (hsize_t)fit->N, (hsize_t)gstart, (hsize_t)fit->nlocal, ipred));
  PetscCall(PnlmeH5WriteAttrInt(h, g, "output", 0));
  PnlmeH5CloseGroup(h, g);
  PetscCall(PetscFree3(t, pred, ipred));
  PetscCall(PetscFree2(out, ev));
  PetscCall(PnlmeFitPredWorkDestroy(&w));
  PetscFunctionReturn(0);
}

/* collective, called by PnlmeFitWriteResultsHDF5 with results.h5 open */
PetscErrorCode PnlmeFitWriteSimulations(PnlmeFit fit, PnlmeH5 *h)
{
  PetscFunctionBegin;
  if (fit->vpcR > 0) PetscCall(WriteVPC(fit, h));
  if (fit->ncurve > 0) PetscCall(WriteCurves(fit, h));
  PetscFunctionReturn(0);
}
