/* Non-centred steps of SAEM: B moves with every chain's random effect eta = z - B^T x held fixed.
   1. The interweaving step (PnlmeFitNonCentredStep; in the smoothing phase too, as a
      stochastic-approximation step, -saem_nc_smoothing).  The centred SAEM
      iteration moves the typical values mu (and beta) only as fast as the individual parameters z_i
      follow them: along directions the data inform weakly at the subject level (the kin/Tlag/T50
      ridge of the neonatal model) this is the slow convergence of EM.  The step maximises the data
      likelihood sum_i log p(y_i | B^T x_i + eta_i) over the free entries of B (Yu & Meng 2011,
      ancillarity-sufficiency interweaving) by damped Gauss-Newton: one pass over the subjects with
      sensitivities gives the gradient and the Fisher-weighted Gauss-Newton matrix, the step is
      solved for and scaled into a trust region of two prior SDs, and one pass without sensitivities
      checks that the likelihood went up (halving the step otherwise).  Every chain then moves with
      the population: z = B_new^T x + eta.
   2. The M-step of the parameters without random effect (PnlmeFitFixedEffectsStep): the same
      likelihood over their entries of B only, maximised by the same damped Gauss-Newton iterations
      (until an accepted step gains less than FIXED_GAIN_TOL, or a full step agrees with its
      quadratic model well enough that the next would), then a stochastic-approximation step.
      Each iteration is one pass with sensitivities and, usually, one without (the chains of a
      subject solved together); TAO's BLMVM, used before, needed about seven passes with
      sensitivities per step on the warfarin PK/PD case (docs/saem.md).
   Sums are exact (per subject in double, over subjects in fixed point) and every rank solves the
   same small system, so the iterates do not depend on the number of ranks.  Nothing is allocated
   per call. */
#include "fit/fitimpl.h"

/* the work whose size follows the number of entries moved: g, H, F, d, the exact sums and act */
static PetscErrorCode Reserve(PnlmeNCWork *w, PetscInt nf)
{
  PetscFunctionBegin;
  if (nf <= w->cap) PetscFunctionReturn(0);
  PetscCall(PetscFree6(w->g, w->H, w->F, w->d, w->acc, w->act));
  PetscCall(PetscMalloc6(nf, &w->g, nf * nf, &w->H, nf * nf, &w->F, nf, &w->d, nf + nf * (nf + 1) / 2 + 1, &w->acc, nf, &w->act));
  w->cap = nf;
  PetscFunctionReturn(0);
}

#define NC_LANES 32 /* chains evaluated together in the passes without sensitivities (whole subjects) */

/* Sized for every entry of the model, with covariate selection for the forced entries and 16
   selected ones: a larger selected support grows the work (an allocation only when the support
   outgrows every earlier one, at most NC_SELECTED_MAX entries). */
PetscErrorCode PnlmeFitSetUp_NC(PnlmeFit fit)
{
  PnlmeNCWork *w  = &fit->nc;
  PetscInt     p = fit->p, q = fit->q, nc = fit->nchains, nf = 0, ncand = 0;
  PetscFunctionBegin;
  if (!(fit->ncevery > 0 || fit->pop.nfixed) || w->idx) PetscFunctionReturn(0); /* not needed, or done */
  for (PetscInt j = 0; j < q * p; j++) {
    nf += fit->pop.mask[j];
    ncand += fit->selcand ? fit->selcand[j] && fit->pop.mask[j] : 0;
  }
  if (ncand) nf = nf - ncand + PetscMin(ncand, 16);
  PetscCall(PetscMalloc4(q * p, &w->idx, fit->nlocal * nc * p, &w->eta, q * p, &w->B0, q * p, &w->Bt));
  PetscCall(PetscMalloc3(PetscMax(1, fit->maxobs), &w->w, fit->predoff[fit->nlocal] * nc, &w->pred, fit->nlocal * nc, &w->ll));
  w->nlanes = PetscMax(NC_LANES, nc);
  PetscCall(PetscMalloc6(w->nlanes * p, &w->phib, w->nlanes, &w->st, w->nlanes, &w->subj, w->nlanes, &w->ls, w->nlanes, &w->lpred, fit->nlocal, &w->lli));
  PetscCall(PetscMalloc4(w->nlanes * PetscMax(1, fit->maxobs), &w->spred, w->nlanes * PetscMax(1, fit->maxobs) * p, &w->ssens, w->nlanes * p, &w->dphi, w->nlanes, &w->lsens));
  PetscCall(Reserve(w, nf));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitDestroy_NC(PnlmeFit fit)
{
  PnlmeNCWork *w = &fit->nc;
  PetscFunctionBegin;
  PetscCall(PetscFree4(w->idx, w->eta, w->B0, w->Bt));
  PetscCall(PetscFree3(w->w, w->pred, w->ll));
  PetscCall(PetscFree6(w->phib, w->st, w->subj, w->ls, w->lpred, w->lli));
  PetscCall(PetscFree4(w->spred, w->ssens, w->dphi, w->lsens));
  PetscCall(PetscFree6(w->g, w->H, w->F, w->d, w->acc, w->act));
  PetscFunctionReturn(0);
}

/* the free entries of B moved by a step: every entry in the model, or those of the parameters
   without random effect.  With covariate selection, the selected candidates are moved too (the step
   is what lets the effects on weakly informed parameters move at more than EM's pace) unless that
   makes more than NC_SELECTED_MAX entries (the step's cost is quadratic in them): then the typical
   values and forced effects only. */
#define NC_SELECTED_MAX 100
static PetscErrorCode FreeEntries(PnlmeFit fit, PetscBool fixedonly)
{
  PnlmeNCWork *w = &fit->nc;
  PetscInt     nact = 0;
  PetscBool    withcand;
  PetscFunctionBegin;
  for (PetscInt j = 0; j < fit->q * fit->p; j++) nact += fit->pop.active[j];
  withcand = (PetscBool)(nact <= NC_SELECTED_MAX);
  w->nf    = 0;
  for (PetscInt a = 0; a < fit->q; a++)
    for (PetscInt k = 0; k < fit->p; k++) {
      PetscInt j = a * fit->p + k;
      if (fit->pop.active[j] && !fit->pop.hold[j] && (!fixedonly || fit->pop.fixed[k]) && (withcand || !(fit->selcand && fit->selcand[j]))) w->idx[w->nf++] = j;
    }
  PetscCall(Reserve(w, w->nf));
  PetscFunctionReturn(0);
}

/* eta of every chain, relative to the current individual means */
static void SaveEta(PnlmeFit fit)
{
  PetscInt p = fit->p, nc = fit->nchains;
  for (PetscInt i = 0; i < fit->nlocal; i++)
    for (PetscInt c = 0; c < nc; c++)
      for (PetscInt k = 0; k < p; k++) fit->nc.eta[(i * nc + c) * p + k] = fit->z[(i * nc + c) * p + k] - fit->mi[i * p + k];
}

/* z = B^T x + eta */
static inline void ChainZ(PetscInt p, PetscInt q, const PetscReal B[], const PetscReal x[], const PetscReal eta[], PetscReal z[])
{
  for (PetscInt k = 0; k < p; k++) {
    z[k] = eta[k];
    for (PetscInt a = 0; a < q; a++) z[k] += x[a] * B[a * p + k];
  }
}

/* log p(y | z) of one chain from its solve with sensitivities (status st, predictions pred, sens, and
   d phi / d z), its gradient with respect to z (added to gz, times wgt) and the Gauss-Newton matrix
   J^T W J (added to Hz, times wgt).  Returns -inf when the solve failed. */
static PetscReal ChainScore(PnlmeFit fit, const PnlmeSubject *s, PnlmeSolveStatus st, const PetscReal pred[], const PetscReal sens[], const PetscReal dphidz[], PetscReal wgt, PetscReal gz[], PetscReal Hz[])
{
  PetscInt  p = fit->p, n = s->nobs;
  PetscReal J[64], ll;
  if (st) return PETSC_NINFINITY;
  ll = PnlmeErrorLogLikGrad(&fit->pop, s, pred, fit->dldf);
  if (!(ll > PETSC_NINFINITY)) return PETSC_NINFINITY;
  PnlmeErrorFisherWeights(&fit->pop, s, pred, fit->nc.w);
  for (PetscInt j = 0; j < n; j++) {
    for (PetscInt k = 0; k < p; k++) J[k] = sens[j * p + k] * dphidz[k];
    for (PetscInt k = 0; k < p; k++) gz[k] += wgt * fit->dldf[j] * J[k];
    for (PetscInt k = 0; k < p; k++)
      for (PetscInt l = 0; l <= k; l++) Hz[k * p + l] += wgt * fit->nc.w[j] * J[k] * J[l];
  }
  return ll;
}

/* the chains of subjects i0.. at B, as many whole subjects as fill nc.nlanes chains (nu each): their
   natural-scale parameters (phib; and d phi / d z into dphi when non-NULL) and subjects (ls); *i1 the
   end of the block, *nl its chains */
static PetscErrorCode BlockChains(PnlmeFit fit, const PetscReal B[], PetscInt nu, PetscInt i0, PetscReal *dphi, PetscInt *i1, PetscInt *nl)
{
  PnlmeNCWork *w = &fit->nc;
  PetscInt     p = fit->p, q = fit->q, nc = fit->nchains, i, l = 0;
  PetscFunctionBegin;
  for (i = i0; i < fit->nlocal && l + nu <= w->nlanes; i++) {
    PnlmeSubject *si = &w->subj[i - i0];
    PetscCall(PnlmeDataGetSubject(fit->data, i, si));
    for (PetscInt c = 0; c < nu; c++, l++) {
      PetscReal z[64];
      ChainZ(p, q, B, fit->x + i * q, w->eta + (i * nc + c) * p, z);
      PnlmeModelTransformToNatural(fit->model, z, w->phib + l * p, dphi ? dphi + l * p : NULL);
      w->ls[l] = si;
    }
  }
  *i1 = i;
  *nl = l;
  PetscFunctionReturn(0);
}

/* the solves with sensitivities of the chains of the block of subjects i0..*i1-1 at B
   (PnlmeModelPredictManySens: each the one it has alone) */
static PetscErrorCode ChainsSens(PnlmeFit fit, const PetscReal B[], PetscInt nu, PetscInt i0, PetscInt *i1)
{
  PnlmeNCWork *w = &fit->nc;
  PetscInt     p = fit->p, mo = PetscMax(1, fit->maxobs), nl = 0;
  PetscFunctionBegin;
  PetscCall(BlockChains(fit, B, nu, i0, w->dphi, i1, &nl));
  for (PetscInt l = 0; l < nl; l++) {
    w->lpred[l] = w->spred + l * mo;
    w->lsens[l] = w->ssens + l * mo * p;
  }
  PetscCall(PnlmeModelPredictManySens(fit->model, nl, w->ls, w->phib, w->lpred, w->lsens, w->st));
  PetscFunctionReturn(0);
}

/* the chains' predictions and likelihoods (nc.pred, nc.ll) at B, in blocks of whole subjects of up to
   nc.nlanes chains evaluated together (PnlmeModelPredictMany: each the one it has alone); lli[i] the
   mean over the chains of subject i.  With stop, the first subject with a failed solve ends the pass (its
   lli and the following ones -inf); otherwise a failed solve is the chain's -inf. */
static PetscErrorCode ChainsLogLik(PnlmeFit fit, const PetscReal B[], PetscInt nu, PetscBool stop, PetscReal lli[])
{
  PnlmeNCWork *w  = &fit->nc;
  PetscInt     nc = fit->nchains;
  PetscFunctionBegin;
  for (PetscInt i0 = 0, i1 = 0, nl = 0; i0 < fit->nlocal; i0 = i1) {
    PetscCall(BlockChains(fit, B, nu, i0, NULL, &i1, &nl));
    for (PetscInt i = i0, l = 0; i < i1; i++)
      for (PetscInt c = 0; c < nu; c++, l++) w->lpred[l] = w->pred + fit->predoff[i] * nc + c * w->ls[l]->nobs;
    PetscCall(PnlmeModelPredictMany(fit->model, nl, w->ls, w->phib, w->lpred, w->st));
    for (PetscInt i = i0, l = 0; i < i1; i++) {
      lli[i] = 0;
      for (PetscInt c = 0; c < nu; c++, l++) {
        PetscReal ll = w->st[l] ? PETSC_NINFINITY : PnlmeErrorLogLik(&fit->pop, w->ls[l], w->lpred[l]);
        if (PetscIsNanReal(ll)) ll = PETSC_NINFINITY;
        w->ll[i * nc + c] = ll;
        lli[i] += ll / nu;
      }
      if (stop && !(lli[i] > PETSC_NINFINITY)) { /* the rest is not needed */
        for (PetscInt j = i; j < fit->nlocal; j++) lli[j] = PETSC_NINFINITY;
        PetscFunctionReturn(0);
      }
    }
  }
  PetscFunctionReturn(0);
}

/* The data log-likelihood sum_i mean_c log p(y_i | B^T x_i + eta_ic) over all ranks, exact; -inf if
   any solve failed.  With want_derivs: also its gradient g[nf] and Gauss-Newton matrix H[nf x nf]
   over the free entries; otherwise the predictions and likelihoods of the chains go to nc.pred/ll. */
static PetscErrorCode DataLogLik(PnlmeFit fit, const PetscReal B[], PetscBool want_derivs, PetscReal *L)
{
  PnlmeNCWork  *w = &fit->nc;
  PetscInt      p = fit->p, q = fit->q, nc = fit->nchains, nf = w->nf, nh = want_derivs ? nf + nf * (nf + 1) / 2 : 0, nu = fit->ncuse > 0 ? PetscMin(fit->ncuse, nc) : nc;
  PetscReal     gz[64], Hz[64 * 64];
  PetscInt      bad = 0, ib = 0, iend = 0; /* the block of subjects solved together: ib..iend-1 */
  PetscFunctionBegin;
  PnlmeExactSumReset(w->acc, nh + 1);
  if (!want_derivs) PetscCall(ChainsLogLik(fit, B, nu, PETSC_TRUE, w->lli));
  else { /* the sensitivities of the parameters the free entries move (the fixed-effect step: a few) */
    PetscBool mask[64] = {PETSC_FALSE};
    for (PetscInt f = 0; f < nf; f++) mask[w->idx[f] % p] = PETSC_TRUE;
    PetscCall(PnlmeModelSetSensitivityMask(fit->model, mask));
  }
  for (PetscInt i = 0; i < fit->nlocal && !bad; i++) {
    const PetscReal *x = fit->x + i * q;
    PetscReal        lli = 0;
    if (!want_derivs) {
      lli = w->lli[i];
      if (!(lli > PETSC_NINFINITY)) bad = 1;
    } else {
      if (i >= iend) { /* the next block */
        ib = i;
        PetscCall(ChainsSens(fit, B, nu, ib, &iend));
      }
      PetscCall(PetscArrayzero(gz, p));
      PetscCall(PetscArrayzero(Hz, p * p));
    }
    for (PetscInt c = 0; c < nu && !bad && want_derivs; c++) {
      const PetscInt l  = (i - ib) * nu + c;
      PetscReal      ll = ChainScore(fit, w->ls[l], w->st[l], w->lpred[l], w->lsens[l], w->dphi + l * p, 1.0 / nu, gz, Hz);
      if (!(ll > PETSC_NINFINITY)) bad = 1;
      lli += ll / nu;
    }
    if (bad) break;
    PnlmeExactSumAdd(&w->acc[nh], lli);
    if (want_derivs) { /* d/dB[a,k] = x_a d/dz_k */
      PnlmeExactSum *h = w->acc + nf;
      for (PetscInt f = 0; f < nf; f++) {
        PetscInt af = w->idx[f] / p, kf = w->idx[f] % p;
        PnlmeExactSumAdd(&w->acc[f], gz[kf] * x[af]);
        for (PetscInt e = 0; e <= f; e++) {
          PetscInt ae = w->idx[e] / p, ke = w->idx[e] % p;
          PnlmeExactSumAdd(h++, (kf >= ke ? Hz[kf * p + ke] : Hz[ke * p + kf]) * x[af] * x[ae]);
        }
      }
    }
  }
  if (want_derivs) PetscCall(PnlmeModelSetSensitivityMask(fit->model, NULL));
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), nh + 1, w->acc));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)fit)));
  *L = bad ? PETSC_NINFINITY : PnlmeExactSumValue(&w->acc[nh]);
  if (want_derivs && !bad) {
    PnlmeExactSum *h = w->acc + nf;
    for (PetscInt f = 0; f < nf; f++) {
      w->g[f] = PnlmeExactSumValue(&w->acc[f]);
      for (PetscInt e = 0; e <= f; e++) w->H[f * nf + e] = w->H[e * nf + f] = PnlmeExactSumValue(h++);
    }
  }
  PetscFunctionReturn(0);
}

/* the Levenberg-Marquardt direction (H + mu diag H) d = g over the entries the data inform
   (H_ff > 1e-12 max_e H_ee); the others do not move (d_f = 0: an entry without information, e.g. a
   logit-normal typical value saturated at 0 or 1, would make every damped system singular and stop
   the step for all entries).  PETSC_FALSE if no entry is informed or the system stays degenerate. */
static PetscErrorCode GaussNewtonDirection(PnlmeNCWork *w, PetscBool *ok)
{
  PetscInt     nf = w->nf, na = 0, *act = w->act;
  PetscReal    hmax = 0;
  PetscBLASInt n, one = 1, info = 1;
  PetscFunctionBegin;
  *ok = PETSC_FALSE;
  for (PetscInt f = 0; f < nf; f++) hmax = PetscMax(hmax, w->H[f * nf + f]);
  for (PetscInt f = 0; f < nf; f++)
    if (w->H[f * nf + f] > 1e-12 * hmax) act[na++] = f;
  if (!na) PetscFunctionReturn(0);
  PetscCall(PetscBLASIntCast(na, &n));
  for (PetscReal mu = 1e-6; mu < 1e3 && info; mu *= 100) {
    for (PetscInt a = 0; a < na; a++)
      for (PetscInt b = 0; b < na; b++) w->F[a * na + b] = w->H[act[a] * nf + act[b]] + (a == b ? mu * w->H[act[a] * nf + act[a]] : 0);
    for (PetscInt a = 0; a < na; a++) w->d[a] = w->g[act[a]];
    LAPACKpotrf_("U", &n, w->F, &n, &info);
    if (!info) LAPACKpotrs_("U", &n, &one, w->F, &n, w->d, &n, &info);
  }
  if (info) PetscFunctionReturn(0);
  for (PetscInt a = na - 1, f = nf - 1; f >= 0; f--) w->d[f] = (a >= 0 && act[a] == f) ? w->d[a--] : 0; /* act[a] >= a: in place */
  *ok = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* move every chain with the population (z = B^T x + eta) and refresh what depends on them; when the
   last likelihood pass was at this B, its predictions and likelihoods are taken as they are */
static PetscErrorCode MoveChains(PnlmeFit fit, PetscBool have_pred)
{
  PetscInt     p = fit->p, q = fit->q, nc = fit->nchains;
  PetscBool    all = (PetscBool)(fit->ncuse <= 0 || fit->ncuse >= nc); /* otherwise the caller re-evaluates the chains */
  PetscFunctionBegin;
  if (!have_pred && all) { /* every chain at B, as the passes evaluate them */
    PetscCall(ChainsLogLik(fit, fit->pop.B, nc, PETSC_FALSE, fit->nc.lli));
    have_pred = PETSC_TRUE;
  }
  if (have_pred && all) {
    PetscCall(PetscArraycpy(fit->pred, fit->nc.pred, fit->predoff[fit->nlocal] * nc));
    PetscCall(PetscArraycpy(fit->ll, fit->nc.ll, fit->nlocal * nc));
  }
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PnlmePopMean(&fit->pop, fit->x + i * q, fit->mi + i * p);
    for (PetscInt c = 0; c < nc; c++) {
      PetscReal *z = fit->z + (i * nc + c) * p;
      for (PetscInt k = 0; k < p; k++) z[k] = fit->mi[i * p + k] + fit->nc.eta[(i * nc + c) * p + k];
    }
  }
  PetscFunctionReturn(0);
}

/* Damped Gauss-Newton ascent of the data likelihood over the entries w->idx of B, from fit->pop.B
   (moved in place; w->B0 keeps the start): at most maxit iterations of one pass with sensitivities
   (gradient and Fisher-weighted Gauss-Newton matrix), the Levenberg-Marquardt direction scaled into a
   trust region of two prior SDs around the start, and backtracking passes without sensitivities until
   the likelihood goes up; stops when an accepted step gains less than tol, or when a full step's gain
   agrees with the model's prediction so well that the next one would gain less than tol: with gain
   ratio rho = actual / predicted, a quadratic whose curvature Gauss-Newton misjudged by the factor
   2 - rho leaves pred (rho - 1)^2 / (2 - rho) to gain (the pass that only confirmed convergence is
   saved).  scale < 1: every step is that fraction of the Gauss-Newton step (a stochastic-approximation
   step), checked where it lands.  moved: B changed;
   have_pred: the last pass, at the final B, left the chains' predictions and likelihoods in nc.pred
   and nc.ll. */
static PetscErrorCode GaussNewtonAscent(PnlmeFit fit, PetscInt maxit, PetscReal tol, PetscReal scale, PetscBool *moved, PetscBool *have_pred)
{
  PnlmeNCWork *w = &fit->nc;
  PetscInt     p = fit->p, nf = w->nf;
  PetscReal    L0, L1 = PETSC_NINFINITY;
  PetscFunctionBegin;
  *moved = *have_pred = PETSC_FALSE;
  PetscCall(PetscArraycpy(w->B0, fit->pop.B, fit->q * p));
  for (PetscInt it = 0; it < maxit; it++) {
    PetscBool ok = PETSC_FALSE;
    PetscReal t  = 1;
    PetscCall(DataLogLik(fit, fit->pop.B, PETSC_TRUE, &L0));
    if (!(L0 > PETSC_NINFINITY)) break;
    PetscCall(GaussNewtonDirection(w, &ok));
    if (!ok) break;
    for (PetscInt f = 0; f < nf; f++) { /* stay within two prior SDs of where the step started */
      PetscInt  k = w->idx[f] % p;
      PetscReal r = 2 * PetscSqrtReal(fit->pop.Omega[k * p + k]), lo = w->B0[w->idx[f]] - r - fit->pop.B[w->idx[f]], hi = lo + 2 * r;
      if (w->d[f] > hi) t = PetscMin(t, hi / w->d[f]);
      if (w->d[f] < lo) t = PetscMin(t, lo / w->d[f]);
    }
    *have_pred = PETSC_FALSE;
    for (PetscInt ls = 0; ls < 4; ls++, t *= 0.25) { /* backtracking on the likelihood itself */
      PetscCall(PetscArraycpy(w->Bt, fit->pop.B, fit->q * p));
      for (PetscInt f = 0; f < nf; f++) w->Bt[w->idx[f]] += PetscMax(t, 0) * scale * w->d[f];
      PetscCall(DataLogLik(fit, w->Bt, PETSC_FALSE, &L1));
      if (L1 >= L0) break;
    }
    if (!(L1 >= L0)) break;
    PetscCall(PetscArraycpy(fit->pop.B, w->Bt, fit->q * p));
    *moved = *have_pred = PETSC_TRUE;
    if (L1 - L0 < tol) break; /* converged */
    if (t == 1) { /* a full step (neither clamped nor backtracked): the gain the next one would have, from this one's agreement with its model */
      PetscReal gd = 0, dHd = 0, pred, rho;
      for (PetscInt f = 0; f < nf; f++) {
        gd += w->g[f] * w->d[f];
        for (PetscInt e = 0; e < nf; e++) dHd += w->d[f] * w->H[f * nf + e] * w->d[e];
      }
      pred = scale * gd - 0.5 * scale * scale * dHd;
      rho  = pred > 0 ? (L1 - L0) / pred : 0;
      if (rho > 0.5 && rho < 1.5 && pred * (rho - 1) * (rho - 1) / (2 - rho) < tol) break;
    }
  }
  PetscFunctionReturn(0);
}

/* The move z -> z + (B - B0)^T x of every chain carried into the averaged statistics of the stochastic
   approximation, S1 = sum_i x_i z_i^T [q x p] and S2 = sum_i z_i z_i^T [p x p], as if every state they
   average had moved with the chains: with D = B - B0 and G = sum_i x_i x_i^T, S2 <- S2 + D^T S1 + S1^T D
   + D^T G D and S1 <- S1 + G D.  The M-step from them gives B and the same Omega. */
static void TransportStatistics(PnlmeFit fit, PetscReal S1[], PetscReal S2[])
{
  PetscInt   p = fit->p, q = fit->q;
  PetscReal *D = fit->nc.Bt, gd[64]; /* the trial B is free after the step */
  for (PetscInt j = 0; j < q * p; j++) D[j] = fit->pop.B[j] - fit->nc.B0[j];
  for (PetscInt a = 0; a < q; a++) { /* row a of G D, its terms of S2, then row a of S1 */
    for (PetscInt k = 0; k < p; k++) {
      gd[k] = 0;
      for (PetscInt b = 0; b < q; b++) gd[k] += fit->G[a * q + b] * D[b * p + k];
    }
    for (PetscInt k = 0; k < p; k++)
      for (PetscInt l = 0; l < p; l++) S2[k * p + l] += D[a * p + k] * (S1[a * p + l] + gd[l]) + S1[a * p + k] * D[a * p + l];
    for (PetscInt k = 0; k < p; k++) S1[a * p + k] += gd[k];
  }
}

/* The interweaving step.  In the smoothing phase it is a stochastic-approximation step too: each
   Gauss-Newton step is scaled by gamma (and checked there: its pass leaves the chains' predictions at
   the point taken), and the averaged statistics S1, S2 (given in that phase only) move with the chains
   (TransportStatistics), so that the next M-step continues from there instead of pulling B back to
   the average of the states before the move. */
PetscErrorCode PnlmeFitNonCentredStep(PnlmeFit fit, PetscReal gamma, PetscReal S1[], PetscReal S2[])
{
  PnlmeNCWork *w = &fit->nc;
  PetscBool    moved, have_pred;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_NonCentred, 0, 0, 0, 0));
  PetscCall(FreeEntries(fit, PETSC_FALSE));
  if (w->nf) { /* else every entry is held (-fit_fix) */
    SaveEta(fit);
    PetscCall(GaussNewtonAscent(fit, fit->ncmaxit, 1e-3, gamma, &moved, &have_pred));
    if (moved && S1) TransportStatistics(fit, S1, S2);
    if (moved) PetscCall(MoveChains(fit, have_pred));
  }
  PetscCall(PetscLogEventEnd(PNLME_NonCentred, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* ---- parameters without random effect ---- */

/* their maximisation stops when an accepted Gauss-Newton step gains less than this in log-likelihood:
   the entries are then within about sqrt(2 FIXED_GAIN_TOL / H) of the maximum (H their information),
   far inside the Monte-Carlo noise the stochastic approximation averages out */
#define FIXED_GAIN_TOL 1e-5
#define FIXED_MAX_IT   10

PetscErrorCode PnlmeFitFixedEffectsStep(PnlmeFit fit, PetscReal gamma)
{
  PnlmeNCWork *w = &fit->nc;
  PetscBool    moved, have_pred;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_NonCentred, 0, 0, 0, 0));
  PetscCall(FreeEntries(fit, PETSC_TRUE));
  if (w->nf) { /* else every entry of the parameters without random effect is held (-fit_fix) */
    SaveEta(fit);
    PetscCall(GaussNewtonAscent(fit, FIXED_MAX_IT, FIXED_GAIN_TOL, 1.0, &moved, &have_pred));
    if (moved && gamma < 1) { /* stochastic approximation: B0 + gamma (B* - B0) */
      for (PetscInt f = 0; f < w->nf; f++) fit->pop.B[w->idx[f]] = w->B0[w->idx[f]] + gamma * (fit->pop.B[w->idx[f]] - w->B0[w->idx[f]]);
      have_pred = PETSC_FALSE;
    }
    if (moved) PetscCall(MoveChains(fit, have_pred));
  }
  PetscCall(PetscLogEventEnd(PNLME_NonCentred, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
