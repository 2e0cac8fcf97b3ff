/* PnlmeSubset: the reduced problem.  The unpenalised variables are minimised out exactly (Schur
   complement), excluded ones dropped, and the candidates scaled to a unit diagonal (the L0 penalty does
   not see scaling):
       min_y  1/2 y^T R y - g^T y + c0 + lambda ||y||_0,   x_P = scale .* y,
       x_U = Q_UU^-1 (q_U - Q_UP x_P).
   Also the perspective diagonal D = eta diag(1/u2), u2 = diag((R + 1e-6 I)^-1): for any u > 0,
   R - lambda_min(U R U) U^-2 = U^-1 (U R U - lambda_min I) U^-1 is PSD, and this choice of u gives a
   candidate in a collinear group (large [R^-1]_jj) a small delta_j while the others keep a large one
   (a uniform delta = lambda_min(R) would be as small as the worst group for every candidate).  eta is
   lambda_min(U_A R_A U_A) of the root or of a node's active set (a principal submatrix: larger).
   Cache: R is unchanged (up to rounding) between the SAEM M-steps when the design is, and Weyl's
   inequality lmin(URU) >= lmin(U Rref U) - ||U (R - Rref) U||_F lets u2 and the root eigenvalue be
   reused without O(m^3) work. */
#include "select/subsetimpl.h"
#include <petscblaslapack.h>

/* eigenvalue error allowance of LAPACK on an m x m matrix with unit diagonal (||R||_2 <= m) */
static PetscReal EigenMargin(PetscInt m, PetscReal scale) { return 64.0 * (PetscReal)(m + 1) * (PetscReal)(m + 1) * PETSC_MACHINE_EPSILON * scale; }

/* lambda_min(U_A R_A U_A), U = diag(sqrt(u2)), minus LAPACK's error allowance */
PetscErrorCode PnlmeSubsetMinEigen(PnlmeSubset s, PetscInt na, const PetscInt idx[], PetscReal *lmin)
{
  PetscBLASInt n, lwork, info;
  PetscReal    umax;
  PetscFunctionBegin;
  if (na == 0) {
    *lmin = 1.0;
    PetscFunctionReturn(0);
  }
  if (na == 1) {
    *lmin = s->R[idx[0] * s->n + idx[0]] * s->u2[idx[0]];
    PetscFunctionReturn(0);
  }
  umax = 0;
  for (PetscInt a = 0; a < na; a++) {
    PetscReal ua = PetscSqrtReal(s->u2[idx[a]]);
    umax         = PetscMax(umax, s->u2[idx[a]]);
    for (PetscInt b = 0; b < na; b++) s->eA[a * na + b] = s->R[idx[a] * s->n + idx[b]] * ua * PetscSqrtReal(s->u2[idx[b]]);
  }
  PetscCall(PetscBLASIntCast(na, &n));
  PetscCall(PetscBLASIntCast(8 * s->nalloc, &lwork));
  PetscCall(PetscFPTrapPush(PETSC_FP_TRAP_OFF));
#if defined(PETSC_USE_COMPLEX)
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "PnlmeSubset needs real scalars");
#else
  LAPACKsyev_("N", "U", &n, s->eA, &n, s->evals, s->ework, &lwork, &info);
#endif
  PetscCall(PetscFPTrapPop());
  PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_LIB, "PnlmeSubset: LAPACK syev failed (info %d) on a %d x %d matrix", (int)info, (int)n, (int)n);
  *lmin = s->evals[0] - EigenMargin(na, umax);
  s->stats.eigen++;
  PetscFunctionReturn(0);
}

/* Cholesky of Q_UU in place of s->Luu (row-major lower, leading dimension n) */
static PetscErrorCode FactorUnpenalised(PnlmeSubset s)
{
  PetscInt n = s->n, nu = s->nu;
  PetscFunctionBegin;
  for (PetscInt a = 0; a < nu; a++) {
    for (PetscInt b = 0; b <= a; b++) {
      PetscReal v = s->Q[s->uidx[a] * n + s->uidx[b]];
      for (PetscInt k = 0; k < b; k++) v -= s->Luu[a * n + k] * s->Luu[b * n + k];
      if (a == b) {
        PetscReal qd = s->Q[s->uidx[a] * n + s->uidx[a]];
        PetscCheck(v > s->collineartol * qd && qd > 0, PetscObjectComm((PetscObject)s), PETSC_ERR_ARG_WRONG,
                   "PnlmeSubset: the unpenalised block of Q is singular at index %" PetscInt_FMT " (an unpenalised variable without curvature, or collinear with the other unpenalised ones)", s->uidx[a]);
        s->Luu[a * n + a] = PetscSqrtReal(v);
      } else s->Luu[a * n + b] = v / s->Luu[b * n + b];
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetReduce(PnlmeSubset s)
{
  PetscInt   n = s->n, nu = 0, np = 0, m = 0;
  PetscReal *A = s->R, *vu = s->tmp;
  PetscInt  *pall = s->list;
  MPI_Comm   comm = PetscObjectComm((PetscObject)s);
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    if (s->role[i] == PNLME_SUBSET_UNPENALISED) s->uidx[nu++] = i;
    else if (s->role[i] == PNLME_SUBSET_PENALISED) pall[np++] = i;
  }
  s->nu = nu;
  PetscCall(FactorUnpenalised(s));
  /* W = Luu^-1 Q_UP (nu x np, leading dimension n), vu = Luu^-1 q_U */
  for (PetscInt j = 0; j < np; j++) {
    for (PetscInt a = 0; a < nu; a++) {
      PetscReal t = s->Q[s->uidx[a] * n + pall[j]];
      for (PetscInt k = 0; k < a; k++) t -= s->Luu[a * n + k] * s->W[k * n + j];
      s->W[a * n + j] = t / s->Luu[a * n + a];
    }
  }
  for (PetscInt a = 0; a < nu; a++) {
    PetscReal t = s->q[s->uidx[a]];
    for (PetscInt k = 0; k < a; k++) t -= s->Luu[a * n + k] * vu[k];
    vu[a] = t / s->Luu[a * n + a];
  }
  s->c0 = s->c;
  for (PetscInt a = 0; a < nu; a++) s->c0 -= 0.5 * vu[a] * vu[a];
  /* A = Q_PP - W^T W, g = q_P - W^T vu, in the candidates' order; degenerate candidates dropped */
  s->ndegenerate = 0;
  for (PetscInt j = 0; j < np; j++) {
    PetscReal ajj = s->Q[pall[j] * n + pall[j]], gj = s->q[pall[j]], gscale = PetscAbsReal(gj);
    for (PetscInt a = 0; a < nu; a++) {
      ajj -= s->W[a * n + j] * s->W[a * n + j];
      gj -= s->W[a * n + j] * vu[a];
      gscale += PetscAbsReal(s->W[a * n + j] * vu[a]);
    }
    if (!(ajj > s->collineartol * s->Q[pall[j] * n + pall[j]]) || !(ajj > 0)) {
      /* no curvature left: x_j only enters linearly, so it must not enter at all */
      PetscCheck(PetscAbsReal(gj) <= 1e-8 * gscale + PETSC_SMALL * PETSC_SMALL, comm, PETSC_ERR_ARG_WRONG,
                 "PnlmeSubset: the problem is unbounded below: candidate %" PetscInt_FMT " has no curvature once the unpenalised variables are eliminated (a covariate constant over subjects, or collinear with the forced-in ones) but a nonzero linear term %g",
                 pall[j], (double)gj);
      s->ndegenerate++;
      continue;
    }
    s->pidx[m]  = pall[j];
    s->scale[m] = 1.0 / PetscSqrtReal(ajj);
    s->g[m]     = gj * s->scale[m];
    s->list2[m] = j; /* position among all candidates, for the W columns below */
    m++;
  }
  s->m = m;
  for (PetscInt a = 0; a < m; a++) {
    PetscInt ja = s->list2[a];
    for (PetscInt b = a; b < m; b++) {
      PetscInt  jb = s->list2[b];
      PetscReal v  = s->Q[s->pidx[a] * n + s->pidx[b]];
      if (a == b) {
        A[a * n + a] = 1.0;
        continue;
      }
      for (PetscInt k = 0; k < nu; k++) v -= s->W[k * n + ja] * s->W[k * n + jb];
      A[a * n + b] = A[b * n + a] = v * s->scale[a] * s->scale[b];
    }
  }
  /* optional relative ridge (-subset_ridge eps): + eps/2 A_jj x_j^2, rescaled to a unit diagonal */
  if (s->ridge > 0) {
    PetscReal f = 1.0 / (1.0 + s->ridge), sf = PetscSqrtReal(f);
    for (PetscInt a = 0; a < m; a++) {
      for (PetscInt b = 0; b < m; b++)
        if (a != b) A[a * n + b] *= f;
      s->g[a] *= sf;
      s->scale[a] *= sf;
    }
  }
  /* keep only the columns of W of the kept candidates, in the reduced order (for the recovery) */
  for (PetscInt a = 0; a < m; a++) {
    PetscInt ja = s->list2[a];
    for (PetscInt k = 0; k < nu; k++) s->W[k * n + a] = s->W[k * n + ja];
  }
  PetscCall(PetscArraycpy(s->vu, vu, nu));

  /* u2 = diag((R + tau I)^-1) and the smallest eigenvalue of U R U, from the cache when R is (nearly)
     the one they were computed for */
  s->lmin = 1.0;
  if (m > 0) {
    PetscBool reuse = PETSC_FALSE;
    if (s->refvalid && s->nref == n && s->mref == m && s->lminref > 0) {
      PetscBool same = PETSC_TRUE;
      for (PetscInt a = 0; a < m && same; a++) same = (PetscBool)(s->pidxref[a] == s->pidx[a]);
      if (same) {
        PetscReal d2 = 0;
        for (PetscInt a = 0; a < m; a++)
          for (PetscInt b = 0; b < m; b++) {
            PetscReal d = (A[a * n + b] - s->Rref[a * n + b]);
            d2 += d * d * s->u2ref[a] * s->u2ref[b];
          }
        if (PetscSqrtReal(d2) <= 0.05 * s->lminref) {
          PetscCall(PetscArraycpy(s->u2, s->u2ref, m));
          s->lmin         = s->lminref - PetscSqrtReal(d2);
          reuse           = PETSC_TRUE;
          s->stats.cached = PETSC_TRUE;
        }
      }
    }
    if (!reuse) {
      PetscBLASInt mm, info;
      PetscCall(PetscBLASIntCast(m, &mm));
      for (PetscInt a = 0; a < m; a++) {
        for (PetscInt b = 0; b < m; b++) s->eA[a * m + b] = A[a * n + b];
        s->eA[a * m + a] += 1e-6;
      }
      PetscCall(PetscFPTrapPush(PETSC_FP_TRAP_OFF));
      LAPACKpotrf_("U", &mm, s->eA, &mm, &info);
      if (!info) LAPACKpotri_("U", &mm, s->eA, &mm, &info);
      PetscCall(PetscFPTrapPop());
      for (PetscInt a = 0; a < m; a++) s->u2[a] = (!info && s->eA[a * m + a] >= 1.0 && !s->uniform) ? s->eA[a * m + a] : 1.0;
      for (PetscInt a = 0; a < m; a++) s->active[a] = a;
      PetscCall(PnlmeSubsetMinEigen(s, m, s->active, &s->lmin));
      for (PetscInt a = 0; a < m; a++) PetscCall(PetscArraycpy(&s->Rref[a * n], &A[a * n], m));
      PetscCall(PetscArraycpy(s->pidxref, s->pidx, m));
      PetscCall(PetscArraycpy(s->u2ref, s->u2, m));
      s->nref     = n;
      s->mref     = m;
      s->lminref  = s->lmin;
      s->refvalid = PETSC_TRUE;
    }
    {
      PetscReal umax = 1.0;
      for (PetscInt a = 0; a < m; a++) umax = PetscMax(umax, s->u2[a]);
      /* lmin already has the rounding allowance subtracted: PSD up to rounding means >= -2 allowance */
      PetscCheck(s->lmin >= -1e-8 * umax - 2 * EigenMargin(m, umax), comm, PETSC_ERR_ARG_WRONG, "PnlmeSubset: Q is not positive semidefinite on the candidates (smallest eigenvalue of the scaled reduced matrix %g)", (double)s->lmin);
    }
  }
  s->deltaroot   = s->pfrac * s->lmin;
  s->stats.delta = s->deltaroot;
  s->stats.candidates = m;
  PetscFunctionReturn(0);
}

/* x from the reduced solution y (length m) */
PetscErrorCode PnlmeSubsetRecover(PnlmeSubset s, const PetscReal y[])
{
  PetscInt n = s->n, nu = s->nu;
  PetscFunctionBegin;
  PetscCall(PetscArrayzero(s->x, n));
  for (PetscInt a = 0; a < s->m; a++) s->x[s->pidx[a]] = y[a] == 0 ? 0.0 : s->scale[a] * y[a];
  /* x_U = Luu^-T (vu - W x_P) */
  for (PetscInt k = 0; k < nu; k++) {
    PetscReal t = s->vu[k];
    for (PetscInt a = 0; a < s->m; a++)
      if (y[a] != 0) t -= s->W[k * n + a] * s->scale[a] * y[a];
    s->tmp[k] = t;
  }
  for (PetscInt k = nu - 1; k >= 0; k--) {
    PetscReal t = s->tmp[k];
    for (PetscInt l = k + 1; l < nu; l++) t -= s->Luu[l * n + k] * s->x[s->uidx[l]];
    s->x[s->uidx[k]] = t / s->Luu[k * n + k];
  }
  PetscFunctionReturn(0);
}
