/* Linearisation at the conditional modes: y_i ~ N(f* + J (m_i - z*), J Omega J^T + diag(g^2)), with
   J = d f / d z at the MAP z*.  Gives -2LL by linearisation and the Fisher information of the
   population parameters (Gaussian FIM: mean block dmu^T V^-1 dmu, variance block
   1/2 tr(V^-1 dV_a V^-1 dV_b) over the variances and covariances of Omega and the error
   parameters), assembled exactly across ranks; standard errors from its inverse, by the delta
   method for the SDs and correlations of Omega.
   Exponential error is linearised on the log scale. */
#include "fit/fitimpl.h"
#include <petscblaslapack.h>
#include <math.h>

enum { TH_MU, TH_BETA, TH_OMEGA, TH_COV, TH_A, TH_B };

/* the parameters of the Fisher information (on mu, beta, Omega entries, a, b): the estimated history
   columns; par/par2 are the model parameters of an Omega entry (equal for a variance) */
static PetscErrorCode ThetaLayout(PnlmeFit fit, PetscInt kind[], PetscInt par[], PetscInt par2[], PetscInt row[], PetscInt col[], PetscInt *nt)
{
  static const PetscInt kinds[] = {TH_MU, TH_BETA, TH_OMEGA, TH_COV, TH_A, TH_B}; /* by PnlmeColumnKind */
  PetscFunctionBegin;
  *nt = 0;
  for (PetscInt c = 0; c < fit->nhist; c++) {
    PnlmeColumnKind ck;
    PetscInt        k, l, a;
    PetscCall(PnlmeFitColumn(fit, c, &ck, &k, &l, &a));
    if (!PnlmeFitColumnEstimated(fit, ck, k, l, a)) continue;
    kind[*nt] = kinds[ck], par[*nt] = k, par2[*nt] = ck == PNLME_COL_CORR ? l : k, row[*nt] = a, col[*nt] = c;
    (*nt)++;
  }
  PetscFunctionReturn(0);
}

/* the index pairs (a, b) of dOmega / dtheta = sum E_ab: one for a variance, two for a covariance */
static PetscInt OmegaPairs(PetscInt kind, PetscInt k, PetscInt l, PetscInt ab[2][2])
{
  ab[0][0] = k, ab[0][1] = l;
  if (kind == TH_OMEGA) return 1;
  ab[1][0] = l, ab[1][1] = k;
  return 2;
}

/* Parameters the Fisher information cannot inform, set aside before the inversion (their SE is not a
   number, and estimates.csv says why): a logit-normal typical value at its bound (|logit| > 15), a
   zero diagonal, and the parameters that load (|v_i| > 0.1, at least the largest) on an eigenvector of
   the scaled information D F D (D = diag(F)^-1/2) whose eigenvalue is below 1e-10 of the largest; an
   error parameter gone to 0 (ErrorAtZero) is at its bound
   (an SE inflated 10^5-fold: numerically singular).  Rank 0 decides, every rank follows (eigenvectors
   may differ in their last bits between nodes). */
#define FIM_EIG_RTOL 1e-10
#define LIN_BLOCK    32 /* subjects whose solves at the mode go to the model together (PnlmeModelPredictManySens) */

/* an error parameter (a or b, positive) that has gone to 0: the information on its logarithm, theta^2
   F_tt, is below 1e-4 (an RSE of 100 on the log scale: the data cannot tell theta from theta / e; a
   combined error whose additive part vanishes against the proportional one, and the reverse) */
static inline PetscBool ErrorAtZero(PetscReal theta, PetscReal Ftt)
{
  return (PetscBool)(PetscIsInfOrNanReal(Ftt) || theta * theta * Ftt < 1e-4);
}
static PetscErrorCode Identifiability(PnlmeFit fit, PetscInt nt, const PetscInt kind[], const PetscInt par[], const PetscReal F[], PetscInt flag[])
{
  PetscMPIInt rank;
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (PetscInt t = 0; t < nt; t++) {
    PnlmeTransform tr;
    flag[t] = 0;
    PetscCall(PnlmeModelGetTransform(fit->model, par[t], &tr));
    if (kind[t] == TH_MU && tr == PNLME_TRANSFORM_LOGIT && PetscAbsReal(fit->pop.B[par[t]]) > 15) flag[t] = PNLME_SE_ATBOUND;
    else if ((kind[t] == TH_A || kind[t] == TH_B) && ErrorAtZero(kind[t] == TH_A ? fit->pop.a[par[t]] : fit->pop.b[par[t]], F[t * nt + t])) flag[t] = PNLME_SE_ATBOUND;
    else if (!(F[t * nt + t] > 0) || PetscIsInfOrNanReal(F[t * nt + t])) flag[t] = PNLME_SE_SINGULAR;
  }
  if (!rank && nt <= 2000) {
    PetscInt    *idx;
    PetscReal   *R, *lam, *work;
    PetscBLASInt bm, lwork, info;
    PetscCall(PetscMalloc4(nt, &idx, nt * nt, &R, nt, &lam, 4 * nt * nt + 64, &work));
    for (PetscInt round = 0; round < nt; round++) {
      PetscInt  m = 0, nflag = 0;
      PetscReal lmax;
      for (PetscInt t = 0; t < nt; t++)
        if (!flag[t]) idx[m++] = t;
      if (!m) break;
      for (PetscInt i = 0; i < m; i++)
        for (PetscInt j = 0; j < m; j++) R[i * m + j] = F[idx[i] * nt + idx[j]] / PetscSqrtReal(F[idx[i] * nt + idx[i]] * F[idx[j] * nt + idx[j]]);
      PetscCall(PetscBLASIntCast(m, &bm));
      PetscCall(PetscBLASIntCast(4 * nt * nt + 64, &lwork));
      LAPACKsyev_("V", "U", &bm, R, &bm, lam, work, &lwork, &info);
      if (info) break;
      lmax = lam[m - 1];
      if (lam[0] >= FIM_EIG_RTOL * lmax) break;
      for (PetscInt e = 0; e < m && lam[e] < FIM_EIG_RTOL * lmax; e++) { /* column e of the column-major R */
        PetscInt imax = 0;
        for (PetscInt i = 0; i < m; i++) {
          if (PetscAbsReal(R[e * m + i]) > PetscAbsReal(R[e * m + imax])) imax = i;
          if (PetscAbsReal(R[e * m + i]) > 0.1 && !flag[idx[i]]) flag[idx[i]] = PNLME_SE_SINGULAR, nflag++;
        }
        if (!flag[idx[imax]]) flag[idx[imax]] = PNLME_SE_SINGULAR, nflag++;
      }
      if (!nflag) break;
    }
    PetscCall(PetscFree4(idx, R, lam, work));
  }
  PetscCallMPI(MPI_Bcast(flag, (PetscMPIInt)nt, MPIU_INT, 0, comm));
  PetscFunctionReturn(0);
}

/* F (nt x nt) <- its inverse on the parameters not flagged, NaN in the rows and columns of the others */
static PetscErrorCode InvertReduced(PnlmeFit fit, PetscInt nt, const PetscInt flag[], PetscReal F[])
{
  PetscInt   m = 0, *idx;
  PetscReal *Fr;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(nt, &idx, nt * nt, &Fr));
  for (PetscInt t = 0; t < nt; t++)
    if (!flag[t]) idx[m++] = t;
  for (PetscInt i = 0; i < m; i++)
    for (PetscInt j = 0; j < m; j++) Fr[i * m + j] = F[idx[i] * nt + idx[j]];
  fit->fimok = PETSC_FALSE;
  if (m) PetscCall(PnlmeFitInvertFIM(fit, m, Fr, &fit->fimok));
  for (PetscInt t = 0; t < nt * nt; t++) F[t] = (PetscReal)NAN;
  for (PetscInt i = 0; i < m && fit->fimok; i++)
    for (PetscInt j = 0; j < m; j++) F[idx[i] * nt + idx[j]] = Fr[i * m + j];
  PetscCall(PetscFree2(idx, Fr));
  PetscFunctionReturn(0);
}

/* subject s linearised at zs: J = d f / d z (on the log scale for the outputs of log-scale error
   models), the residual r of the linearised mean at the individual mean m, d[(2k + b) mo + j] = d g_j^2
   / d(a_k or b_k) (0 for the other outputs' observations), and the Cholesky factor of the marginal
   covariance V = J Omega J^T + diag(g^2) (column-major upper = row-major lower); info != 0 when V is
   not positive definite.  A censored observation is left out of the linearisation (a row of V with
   unit variance and no residual, no information): the Gaussian marginal has no censored interval. */
static PetscErrorCode SubjectMarginal(PnlmeFit fit, const PnlmeSubject *s, const PetscReal zs[], const PetscReal m[], const PetscReal pred[], const PetscReal sens[], const PetscReal dphidz[], const PetscReal Om[], PetscReal J[], PetscReal r[], PetscReal V[], PetscReal d[], PetscBLASInt *info)
{
  PetscInt        p = fit->p, n = s->nobs, mo = PetscMax(1, fit->maxobs);
  const PnlmePop *pop = &fit->pop;
  PetscBLASInt    bn;
  PetscFunctionBegin;
  for (PetscInt j = 0; j < n; j++) {
    PetscInt             o        = s->obsout[j];
    const PnlmeErrorOps *ops      = pop->err[o];
    PetscBool            logscale = ops->logscale, cens = (PetscBool)(pop->censored && s->cens && s->cens[j]);
    PetscReal            f = pred[j], scale = logscale ? 1.0 / f : 1.0, mu = logscale ? PetscLogReal(f) : f, g;
    for (PetscInt k = 0; k < p; k++) J[j * p + k] = cens ? 0 : sens[j * p + k] * dphidz[k] * scale;
    for (PetscInt k = 0; k < p; k++) mu += J[j * p + k] * (m[k] - zs[k]);
    r[j] = cens ? 0 : (logscale ? PetscLogReal(s->dv[j]) : s->dv[j]) - mu;
    g    = cens ? 1 : PnlmeErrorSD(pop, o, f);
    for (PetscInt e = 0; e < 2 * pop->nout; e++) d[e * mo + j] = 0;
    if (!cens) {
      if (ops->dvara) d[2 * o * mo + j] = ops->dvara(pop->a[o], pop->b[o], f);
      if (ops->dvarb) d[(2 * o + 1) * mo + j] = ops->dvarb(pop->a[o], pop->b[o], f);
    }
    for (PetscInt l = 0; l <= j; l++) {
      PetscReal v = 0;
      for (PetscInt k = 0; k < p; k++)
        for (PetscInt k2 = 0; k2 < p; k2++) v += J[j * p + k] * Om[k * p + k2] * J[l * p + k2];
      V[j * n + l] = V[l * n + j] = v + (l == j ? g * g : 0);
    }
  }
  for (PetscInt j = 0; j < n * n; j++)
    if (PetscIsInfOrNanReal(V[j])) {
      *info = 1;
      PetscFunctionReturn(0);
    }
  for (PetscInt j = 0; j < n; j++)
    if (PetscIsInfOrNanReal(r[j])) {
      *info = 1;
      PetscFunctionReturn(0);
    }
  PetscCall(PetscBLASIntCast(n, &bn));
  LAPACKpotrf_("U", &bn, V, &bn, info);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitLinearize(PnlmeFit fit)
{
  PetscInt         p = fit->p, mo = PetscMax(1, fit->maxobs), kind[4096], par[4096], par2[4096], row[4096], col[4096], nt;
  PetscReal        Om[64 * 64]; /* Omega with zero rows and columns for the parameters without random effect */
  PetscReal       *J, *V, *WJ, *W, *r, *d, dphidz[64], *fi, Pm[64 * 64];
  PnlmeExactSum   *acc;
  PnlmeSubject     s, *bs; /* a block of subjects: their solves at the modes, together */
  const PnlmeSubject **bsp;
  PetscReal       *bphi, *bdphi, *bpred, *bsens, **bpp, **bsnp;
  PnlmeSolveStatus st, *bst;
  PetscBLASInt     bn, bp, info;
  const PnlmePop  *pop = &fit->pop;
  PetscInt64       nfail[3] = {0, INT64_MAX, 0}; /* subjects not linearised, the smallest such ID, subjects linearised away from their mode */
  PetscInt        *flag;
  MPI_Comm         comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitLinearize, 0, 0, 0, 0));
  PetscCall(ThetaLayout(fit, kind, par, par2, row, col, &nt));
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = 0; l < p; l++) Om[k * p + l] = pop->fixed[k] || pop->fixed[l] ? 0.0 : pop->Omega[k * p + l];
  fit->ntheta = nt;
  PetscCall(PetscMalloc6(mo * p, &J, mo * mo, &V, mo * p, &WJ, mo * mo, &W, mo, &r, 2 * pop->nout * mo, &d));
  PetscCall(PetscMalloc1(nt * nt, &fi));
  PetscCall(PetscMalloc1(nt * nt + 1, &acc));
  PetscCall(PetscMalloc7(LIN_BLOCK, &bs, LIN_BLOCK, &bsp, LIN_BLOCK * p, &bphi, LIN_BLOCK * p, &bdphi, LIN_BLOCK * mo, &bpred, LIN_BLOCK * mo * p, &bsens, LIN_BLOCK, &bst));
  PetscCall(PetscMalloc2(LIN_BLOCK, &bpp, LIN_BLOCK, &bsnp));
  PnlmeExactSumReset(acc, nt * nt + 1);
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    const PetscReal *m = fit->mi + i * p, *x = fit->x + i * fit->q;
    const PetscReal *pts[3] = {fit->map + i * p, fit->cmean + i * p, fit->mi + i * p}; /* the mode, else the conditional mean, else the individual mean */
    PetscInt         n, t, b = i % LIN_BLOCK;
    PetscReal        logdet = 0, quad = 0;
    if (b == 0) { /* the next block's solves at their modes together (ODE models: in SIMD lanes, each with the result it has alone) */
      PetscInt nb = PetscMin(LIN_BLOCK, fit->nlocal - i);
      for (PetscInt e = 0; e < nb; e++) {
        PetscCall(PnlmeDataGetSubject(fit->data, i + e, &bs[e]));
        PnlmeModelTransformToNatural(fit->model, fit->map + (i + e) * p, bphi + e * p, bdphi + e * p);
        bsp[e] = &bs[e], bpp[e] = bpred + e * mo, bsnp[e] = bsens + e * mo * p;
      }
      PetscCall(PnlmeModelPredictManySens(fit->model, nb, bsp, bphi, bpp, bsnp, bst));
    }
    s = bs[b];
    n = s.nobs;
    PetscCall(PetscBLASIntCast(n, &bn));
    PetscCall(PetscBLASIntCast(p, &bp));
    for (t = 0; t < 3; t++) {
      const PetscReal *zs = pts[t], *pred = bpp[b], *sens = bsnp[b], *dz = bdphi + b * p; /* t = 0: the block's solve */
      st = bst[b];
      if (t > 0) { /* away from the mode: alone */
        PnlmeModelTransformToNatural(fit->model, zs, fit->phi, dphidz);
        PetscCall(PnlmeModelPredict(fit->model, &s, fit->phi, fit->predp, fit->sens, &st));
        pred = fit->predp, sens = fit->sens, dz = dphidz;
      }
      if (st) continue;
      PetscCall(SubjectMarginal(fit, &s, zs, m, pred, sens, dz, Om, J, r, V, d, &info));
      if (!info) break;
    }
    if (t == 3) { /* the model fails (or the marginal covariance is singular) at all three points */
      nfail[0]++;
      nfail[1] = PetscMin(nfail[1], s.id);
      continue;
    }
    nfail[2] += t > 0;
    for (PetscInt j = 0; j < n; j++) logdet += 2 * PetscLogReal(V[j * n + j]);
    /* W J = V^-1 J: LAPACK wants column-major right-hand sides: store J^T columns */
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt k = 0; k < p; k++) WJ[k * n + j] = J[j * p + k];
    LAPACKpotrs_("U", &bn, &bp, V, &bn, WJ, &bn, &info);
    PetscCall(PetscArraycpy(W, r, n));
    {
      PetscBLASInt one = 1;
      LAPACKpotrs_("U", &bn, &one, V, &bn, W, &bn, &info);
    }
    for (PetscInt j = 0; j < n; j++) quad += r[j] * W[j];
    {
      PetscInt nc = 0; /* censored observations: not in the Gaussian marginal */
      if (pop->censored && s.cens)
        for (PetscInt j = 0; j < n; j++) nc += s.cens[j] != 0;
      PnlmeExactSumAdd(&acc[nt * nt], (n - nc) * PetscLogReal(2 * PETSC_PI) + logdet + quad);
    }
    for (PetscInt j = 0; j < n; j++) /* log-scale outputs: the density of y, not of log y (Jacobian of the transform) */
      if (pop->err[s.obsout[j]]->logscale && !(pop->censored && s.cens && s.cens[j])) PnlmeExactSumAdd(&acc[nt * nt], 2.0 * PetscLogReal(s.dv[j]));
    /* full V^-1 for the error-parameter terms */
    PetscCall(PetscArraycpy(W, V, n * n));
    LAPACKpotri_("U", &bn, W, &bn, &info);
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt l = j + 1; l < n; l++) W[j * n + l] = W[l * n + j]; /* potri fills the column-major upper triangle W[l*n + j], j < l */
    /* P = J^T V^-1 J */
    for (PetscInt k = 0; k < p; k++)
      for (PetscInt l = 0; l < p; l++) {
        PetscReal v = 0;
        for (PetscInt j = 0; j < n; j++) v += J[j * p + k] * WJ[l * n + j];
        Pm[k * p + l] = v;
      }
    /* mean block: dmu^T V^-1 dmu; variance block: 1/2 tr(V^-1 dV_1 V^-1 dV_2), with dV = J E_ab J^T
       for an Omega entry (tr(E_ab P E_cd P) = P_bc P_da) and diag(dg^2) for an error parameter */
    for (PetscInt t1 = 0; t1 < nt; t1++) {
      for (PetscInt t2 = 0; t2 <= t1; t2++) {
        PetscInt  c1 = kind[t1], c2 = kind[t2], ab1[2][2], ab2[2][2];
        PetscBool om1 = (PetscBool)(c1 == TH_OMEGA || c1 == TH_COV), om2 = (PetscBool)(c2 == TH_OMEGA || c2 == TH_COV);
        PetscReal v = 0;
        if ((c1 <= TH_BETA) != (c2 <= TH_BETA)) continue; /* mean and variance blocks decouple */
        if (c1 <= TH_BETA) v = Pm[par[t1] * p + par[t2]] * x[row[t1]] * x[row[t2]];
        else if (om1 && om2) {
          PetscInt n1 = OmegaPairs(c1, par[t1], par2[t1], ab1), n2 = OmegaPairs(c2, par[t2], par2[t2], ab2);
          for (PetscInt u = 0; u < n1; u++)
            for (PetscInt w = 0; w < n2; w++) v += 0.5 * Pm[ab1[u][1] * p + ab2[w][0]] * Pm[ab2[w][1] * p + ab1[u][0]];
        } else if (om2) { /* c1 error parameter, c2 Omega entry: 1/2 sum_j (V^-1 J E_ab J^T V^-1)_jj d_j */
          PetscInt n2 = OmegaPairs(c2, par[t2], par2[t2], ab2);
          for (PetscInt w = 0; w < n2; w++)
            for (PetscInt j = 0; j < n; j++) v += 0.5 * WJ[ab2[w][0] * n + j] * WJ[ab2[w][1] * n + j] * d[(2 * par[t1] + (c1 == TH_A ? 0 : 1)) * mo + j];
        } else { /* both error parameters */
          for (PetscInt j = 0; j < n; j++)
            for (PetscInt l = 0; l < n; l++) v += 0.5 * W[j * n + l] * W[j * n + l] * d[(2 * par[t1] + (c1 == TH_A ? 0 : 1)) * mo + l] * d[(2 * par[t2] + (c2 == TH_A ? 0 : 1)) * mo + j];
        }
        PnlmeExactSumAdd(&acc[t1 * nt + t2], v);
      }
    }
  }
  PetscCall(PnlmeExactSumAllreduce(comm, nt * nt + 1, acc));
  {
    PetscInt64 tot[2] = {nfail[0], nfail[2]}, idmin = nfail[1];
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, tot, 2, MPI_INT64_T, MPI_SUM, comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &idmin, 1, MPI_INT64_T, MPI_MIN, comm));
    fit->nlinfail   = tot[0];
    fit->nlinalt    = tot[1];
    fit->linfailid  = idmin;
  }
  /* -2LL by linearisation needs every subject */
  fit->m2ll_lin = fit->nlinfail ? (PetscReal)NAN : PnlmeExactSumValue(&acc[nt * nt]);
  for (PetscInt t1 = 0; t1 < nt; t1++)
    for (PetscInt t2 = 0; t2 <= t1; t2++) fi[t1 * nt + t2] = fi[t2 * nt + t1] = PnlmeExactSumValue(&acc[t1 * nt + t2]);
  /* FIM on (mu, beta, omega^2, a, b): the parameters it cannot inform are set aside, the rest inverted,
     then SEs on the reported scales */
  PetscCall(PetscFree2(fit->fim, fit->se));
  PetscCall(PetscFree(fit->sestat));
  PetscCall(PetscMalloc2(nt * nt, &fit->fim, fit->nhist, &fit->se));
  PetscCall(PetscMalloc1(fit->nhist, &fit->sestat));
  PetscCall(PetscArraycpy(fit->fim, fi, nt * nt));
  for (PetscInt c = 0; c < fit->nhist; c++) fit->sestat[c] = PNLME_SE_NONE;
  PetscCall(PetscMalloc1(nt, &flag));
  PetscCall(Identifiability(fit, nt, kind, par, fi, flag));
  PetscCall(InvertReduced(fit, nt, flag, fi));
  {
    PetscReal phi[64];
    PnlmeModelTransformToNatural(fit->model, pop->B, phi, dphidz);
    /* se[] follows the history columns; delta method from the entries of Omega to the SDs and
       correlations, with the covariances of the inverse Fisher information */
    for (PetscInt c = 0; c < fit->nhist; c++) fit->se[c] = (PetscReal)NAN;
    for (PetscInt t = 0; t < nt; t++) {
      PetscReal sd;
      if (flag[t]) {
        fit->sestat[col[t]] = flag[t];
        continue;
      }
      if (!fit->fimok) continue;
      sd = PetscSqrtReal(fi[t * nt + t]);
      if (kind[t] == TH_MU) sd *= PetscAbsReal(dphidz[par[t]]);
      if (kind[t] == TH_OMEGA) sd /= 2 * PetscSqrtReal(pop->Omega[par[t] * p + par[t]]);
      if (kind[t] == TH_COV) { /* r = O_kl / sqrt(O_kk O_ll) */
        PetscInt  k = par[t], l = par2[t], ik = -1, il = -1, idx[3];
        PetscReal okk = pop->Omega[k * p + k], oll = pop->Omega[l * p + l], okl = pop->Omega[k * p + l], r = okl / PetscSqrtReal(okk * oll), g[3], var = 0;
        for (PetscInt u = 0; u < nt; u++)
          if (kind[u] == TH_OMEGA && par[u] == k) ik = u;
          else if (kind[u] == TH_OMEGA && par[u] == l) il = u;
        if (ik < 0 || il < 0 || flag[ik] || flag[il]) continue;
        idx[0] = t, idx[1] = ik, idx[2] = il;
        g[0] = 1.0 / PetscSqrtReal(okk * oll), g[1] = -0.5 * r / okk, g[2] = -0.5 * r / oll;
        for (PetscInt u = 0; u < 3; u++)
          for (PetscInt w = 0; w < 3; w++) var += g[u] * g[w] * fi[idx[u] * nt + idx[w]];
        sd = PetscSqrtReal(PetscMax(var, 0));
      }
      if (!(sd >= 0) || PetscIsInfReal(sd)) { /* not a number: the information is numerically singular */
        fit->sestat[col[t]] = PNLME_SE_SINGULAR;
        continue;
      }
      fit->se[col[t]]     = sd;
      fit->sestat[col[t]] = PNLME_SE_OK;
    }
  }
  PetscCall(PetscFree(flag));
  PetscCall(PetscFree7(bs, bsp, bphi, bdphi, bpred, bsens, bst));
  PetscCall(PetscFree2(bpp, bsnp));
  PetscCall(PetscFree6(J, V, WJ, W, r, d));
  PetscCall(PetscFree(fi));
  PetscCall(PetscFree(acc));
  PetscCall(PetscLogEventEnd(PNLME_FitLinearize, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
