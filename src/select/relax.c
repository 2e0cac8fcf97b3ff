/* PnlmeSubset: the node relaxation and its certificate.

   At a node, every candidate is OUT (y_j = 0), IN (y_j free, lambda paid) or FREE.  With a diagonal
   D = diag(delta_j) >= 0 such that R_A - D is PSD on the active set A (OUT excluded; delta_j = eta/u2_j,
   see reduce.c), the perspective relaxation is (delta = delta_j in each term)
     P(y) = c0 + lambda|IN| + 1/2 y^T M y - g^T y + sum_IN delta y_j^2/2 + sum_FREE rho(y_j),  M = R - D,
     rho(y) = sqrt(2 lambda delta)|y|        if |y| <= t = sqrt(2 lambda/delta)
            = delta y^2/2 + lambda           otherwise
   (the minimum over z in [0,1] of delta y^2/(2z) + lambda z: the convex hull of one term).  TAO (BLMVM
   by default) minimises it in the split variables y = y+ - y-, y+- >= 0, on which it is C^1.

   Certificate: (y - w)^T M (y - w) >= 0 gives, for ANY w supported on A and r = M w - g,
     P* >= LB(w) = c0 + lambda|IN| - 1/2 w^T M w - sum_IN r_j^2/(2 delta) - sum_FREE max(0, r_j^2/(2 delta) - lambda)
   (the last terms are the conjugates of delta y^2/2 and rho), with equality at the minimiser.  The
   bound used by the branch and bound is LB at the TAO iterates, so it is valid whatever TAO's accuracy;
   TAO stops as soon as P - LB is small or LB already prunes the node.  With the same w, the children
   get LB + max(0, lambda - r_j^2/(2 delta)) (j IN) and LB + max(0, r_j^2/(2 delta) - lambda) (j OUT). */
#include "select/subsetimpl.h"
#include <petscblaslapack.h>

static inline PetscReal Rho(PetscReal y, PetscReal a, PetscReal t, PetscReal delta, PetscReal lambda)
{
  y = PetscAbsReal(y);
  return y <= t ? a * y : 0.5 * delta * y * y + lambda;
}
static inline PetscReal DRho(PetscReal y, PetscReal a, PetscReal t, PetscReal delta) { return y <= t ? a : delta * y; } /* y >= 0 */

/* R_A - D for the active set of the node, compacted for BLAS */
static PetscErrorCode BuildActive(PnlmeSubset s, PetscReal eta)
{
  PetscInt n = s->n, na = s->ractive;
  PetscFunctionBegin;
  for (PetscInt a = 0; a < na; a++) {
    const PetscReal *Ri = &s->R[s->active[a] * n];
    PetscReal       *Ra = &s->RA[a * na];
    for (PetscInt b = 0; b < na; b++) Ra[b] = Ri[s->active[b]];
    Ra[a] -= SubsetD(s, eta, s->active[a]);
  }
  PetscFunctionReturn(0);
}

/* vA = (R_A - delta I) yA.  Most free candidates sit at zero in the relaxation (the perspective term
   is L1-like there), so yA is sparse: sum the rows of its nonzeros (R_A symmetric) unless it is dense. */
static inline void ActiveMult(PnlmeSubset s)
{
  PetscBLASInt na = (PetscBLASInt)s->ractive, one = 1;
  PetscReal    a1 = 1.0, a0 = 0.0;
  PetscInt     nnz = 0;
  for (PetscInt k = 0; k < na; k++) nnz += (s->yA[k] != 0);
  if (2 * nnz > na) {
    BLASgemv_("N", &na, &na, &a1, s->RA, &na, s->yA, &one, &a0, s->vA, &one);
    return;
  }
  for (PetscInt k = 0; k < na; k++) s->vA[k] = 0;
  for (PetscInt l = 0; l < na; l++) {
    const PetscReal  yl = s->yA[l];
    const PetscReal *Rl = &s->RA[l * na];
    if (yl == 0) continue;
    for (PetscInt k = 0; k < na; k++) s->vA[k] += yl * Rl[k];
  }
}

void PnlmeSubsetCertificate(PnlmeSubset s, const signed char st[], PetscReal eta, const PetscReal w[], PetscBool haver, PetscReal r[], PetscReal *lb, PetscReal *primal)
{
  PetscInt  na = s->ractive, nin = 0;
  PetscReal lam = s->lambda, L = 0, P = 0;
  if (!haver) {
    for (PetscInt k = 0; k < na; k++) s->yA[k] = w[s->active[k]];
    ActiveMult(s);
    for (PetscInt k = 0; k < na; k++) r[s->active[k]] = s->vA[k] - s->g[s->active[k]];
  }
  for (PetscInt k = 0; k < na; k++) {
    PetscInt  i     = s->active[k];
    PetscReal delta = SubsetD(s, eta, i), q = 0.5 * w[i] * (r[i] + s->g[i]), qq = r[i] * r[i] / (2 * delta);
    L -= q;
    P += q - s->g[i] * w[i];
    if (st[i] == SUBSET_IN) {
      nin++;
      L -= qq;
      P += 0.5 * delta * w[i] * w[i];
    } else {
      L -= PetscMax(0.0, qq - lam);
      P += Rho(w[i], PetscSqrtReal(2 * lam * delta), PetscSqrtReal(2 * lam / delta), delta, lam);
    }
  }
  *lb     = s->c0 + lam * nin + L;
  *primal = s->c0 + lam * nin + P;
}

static PetscErrorCode FormFG(Tao tao, Vec Y, PetscReal *f, Vec G, void *ctx)
{
  PnlmeSubset        s = (PnlmeSubset)ctx;
  PetscInt           m = s->m, na = s->ractive, nin = 0;
  PetscReal          eta = s->rdelta, lam = s->lambda, F = 0;
  const PetscReal   *yv;
  PetscReal         *gv, *y = s->ry, *r = s->rr;
  const signed char *st = s->rst;
  PetscFunctionBegin;
  (void)tao;
  PetscCall(VecGetArrayRead(Y, &yv));
  PetscCall(VecGetArray(G, &gv));
  PetscCall(PetscArrayzero(gv, 2 * m));
  for (PetscInt k = 0; k < na; k++) s->yA[k] = y[s->active[k]] = yv[s->active[k]] - yv[m + s->active[k]];
  ActiveMult(s);
  for (PetscInt k = 0; k < na; k++) {
    PetscInt  i = s->active[k];
    PetscReal v = s->vA[k], delta = SubsetD(s, eta, i), a = PetscSqrtReal(2 * lam * delta), t = PetscSqrtReal(2 * lam / delta);
    r[i]        = v - s->g[i];
    F += 0.5 * y[i] * v - s->g[i] * y[i];
    if (st[i] == SUBSET_IN) {
      nin++;
      F += 0.5 * delta * y[i] * y[i];
      gv[i]     = r[i] + delta * y[i];
      gv[m + i] = -gv[i];
    } else {
      PetscReal yp = yv[i], ym = yv[m + i];
      F += Rho(yp, a, t, delta, lam) + Rho(ym, a, t, delta, lam);
      gv[i]     = r[i] + DRho(PetscMax(yp, 0.0), a, t, delta);
      gv[m + i] = -r[i] + DRho(PetscMax(ym, 0.0), a, t, delta);
    }
  }
  *f = s->c0 + lam * nin + F;
  PetscCall(VecRestoreArrayRead(Y, &yv));
  PetscCall(VecRestoreArray(G, &gv));
  s->rvalid = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* certificate at the current iterate; TAO stops once the node is pruned or the relaxation is solved */
static PetscErrorCode ConvergenceTest(Tao tao, void *ctx)
{
  PnlmeSubset      s = (PnlmeSubset)ctx;
  Vec              Y;
  const PetscReal *yv;
  PetscReal        lb, P, *w = s->w;
  PetscInt         m = s->m;
  PetscBool        same;
  PetscFunctionBegin;
  PetscCall(TaoDefaultConvergenceTest(tao, NULL));
  PetscCall(TaoGetSolution(tao, &Y));
  PetscCall(VecGetArrayRead(Y, &yv));
  for (PetscInt k = 0; k < s->ractive; k++) w[s->active[k]] = yv[s->active[k]] - yv[m + s->active[k]];
  PetscCall(VecRestoreArrayRead(Y, &yv));
  /* the residual of the last objective evaluation is reused when it was at this point */
  same = s->rvalid;
  for (PetscInt k = 0; k < s->ractive && same; k++) same = (PetscBool)(w[s->active[k]] == s->ry[s->active[k]]);
  if (same)
    for (PetscInt k = 0; k < s->ractive; k++) s->r[s->active[k]] = s->rr[s->active[k]];
  PnlmeSubsetCertificate(s, s->rst, s->rdelta, w, same, s->r, &lb, &P);
  if (lb > s->rlb) {
    s->rlb     = lb;
    s->rprimal = P;
    for (PetscInt k = 0; k < s->ractive; k++) {
      s->rbestw[s->active[k]] = w[s->active[k]];
      s->rbestr[s->active[k]] = s->r[s->active[k]];
    }
  }
  if (s->rlb >= s->rcut || P - s->rlb <= s->relaxgap * s->lambda + 1e-13 * PetscAbsReal(P)) PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetRelaxSetUp(PnlmeSubset s)
{
  const char *prefix;
  char        tprefix[256] = "";
  PetscFunctionBegin;
  if (s->tao && s->mtao == s->m) PetscFunctionReturn(0);
  PetscCall(PnlmeSubsetRelaxDestroy(s));
  if (s->m == 0) PetscFunctionReturn(0);
  PetscCall(TaoCreate(PETSC_COMM_SELF, &s->tao));
  PetscCall(TaoSetType(s->tao, TAOBLMVM));
  PetscCall(PetscObjectGetOptionsPrefix((PetscObject)s, &prefix));
  if (prefix) PetscCall(PetscStrncpy(tprefix, prefix, sizeof(tprefix)));
  PetscCall(PetscStrlcat(tprefix, "subset_", sizeof(tprefix)));
  PetscCall(TaoSetOptionsPrefix(s->tao, tprefix));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, 2 * s->m, &s->ty));
  PetscCall(VecDuplicate(s->ty, &s->txl));
  PetscCall(VecDuplicate(s->ty, &s->txu));
  PetscCall(TaoSetSolution(s->tao, s->ty));
  PetscCall(TaoSetVariableBounds(s->tao, s->txl, s->txu));
  PetscCall(TaoSetObjectiveAndGradient(s->tao, NULL, FormFG, s));
  PetscCall(TaoSetConvergenceTest(s->tao, ConvergenceTest, s));
  PetscCall(TaoSetTolerances(s->tao, 1e-12, 0.0, 0.0));
  PetscCall(TaoSetMaximumIterations(s->tao, s->relaxmaxit));
  PetscCall(TaoSetMaximumFunctionEvaluations(s->tao, 20 * s->relaxmaxit + 100));
  PetscCall(TaoSetFromOptions(s->tao));
  { /* a misspelled -covariates_subset_tao_ option fails now */
    TaoType tt;
    char    what[128];
    PetscCall(TaoGetType(s->tao, &tt));
    PetscCall(PetscSNPrintf(what, sizeof(what), "the subset selection's relaxations (TAO %s)", tt));
    PetscCall(PnlmeOptionsCheckSolver(PetscObjectComm((PetscObject)s), (PetscObject)s->tao, what, NULL));
  }
  s->mtao = s->m;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetRelaxDestroy(PnlmeSubset s)
{
  PetscFunctionBegin;
  PetscCall(TaoDestroy(&s->tao));
  PetscCall(VecDestroy(&s->ty));
  PetscCall(VecDestroy(&s->txl));
  PetscCall(VecDestroy(&s->txu));
  s->mtao = -1;
  PetscFunctionReturn(0);
}

/* Perspective relaxation of the node (status st, active list in s->active): on return s->rbestw is the
   point of the best certificate *lb, s->rbestr its residual.  Starts with the certificate of warm (the
   parent's point); TAO runs only if that does not prune (lb >= cut) or solve the node already. */
PetscErrorCode PnlmeSubsetRelaxSolve(PnlmeSubset s, const signed char st[], PetscReal eta, const PetscReal warm[], PetscReal cut, PetscReal *lb)
{
  PetscInt   m = s->m, its;
  PetscReal *yv, *xl, *xu;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_SubsetRelax, 0, 0, 0, 0));
  s->rst    = st;
  s->rdelta = eta;
  s->rcut   = cut;
  s->rvalid = PETSC_FALSE;
  for (PetscInt j = 0; j < m; j++) s->rbestw[j] = (st[j] == SUBSET_OUT) ? 0.0 : warm[j];
  PetscCall(BuildActive(s, eta));
  PnlmeSubsetCertificate(s, st, eta, s->rbestw, PETSC_FALSE, s->rbestr, &s->rlb, &s->rprimal);
  if (s->rlb < cut && s->rprimal - s->rlb > s->relaxgap * s->lambda + 1e-13 * PetscAbsReal(s->rprimal)) {
    PetscCall(VecGetArray(s->ty, &yv));
    PetscCall(VecGetArray(s->txl, &xl));
    PetscCall(VecGetArray(s->txu, &xu));
    for (PetscInt j = 0; j < m; j++) {
      PetscReal v = s->rbestw[j];
      if (st[j] == SUBSET_OUT) {
        xl[j] = xu[j] = xl[m + j] = xu[m + j] = 0;
        yv[j] = yv[m + j] = 0;
      } else if (st[j] == SUBSET_IN) {
        xl[j]     = PETSC_NINFINITY;
        xu[j]     = PETSC_INFINITY;
        xl[m + j] = xu[m + j] = 0;
        yv[j]     = v;
        yv[m + j] = 0;
      } else {
        xl[j] = xl[m + j] = 0;
        xu[j] = xu[m + j] = PETSC_INFINITY;
        yv[j]             = PetscMax(v, 0.0);
        yv[m + j]         = PetscMax(-v, 0.0);
      }
    }
    PetscCall(VecRestoreArray(s->ty, &yv));
    PetscCall(VecRestoreArray(s->txl, &xl));
    PetscCall(VecRestoreArray(s->txu, &xu));
    PetscCall(TaoSolve(s->tao));
    PetscCall(TaoGetIterationNumber(s->tao, &its));
    s->stats.relaxations++;
    s->stats.taoits += its;
  }
  *lb = s->rlb;
  PetscCall(PetscLogEventEnd(PNLME_SubsetRelax, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* least-squares bound on the active set (when no useful delta exists): c0 + lambda|IN| + min over the
   active span of 1/2 y^T R y - g^T y; the minimiser is left in s->w */
PetscErrorCode PnlmeSubsetLSBound(PnlmeSubset s, const signed char st[], PetscReal *lb)
{
  PetscInt  nin = 0, kept;
  PetscReal val;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < s->ractive; k++) nin += (st[s->active[k]] == SUBSET_IN);
  PetscCall(PnlmeSubsetEvalSupport(s, s->ractive, s->active, &val, s->w, &kept));
  *lb = val - s->lambda * kept + s->lambda * nin;
  s->stats.lsbounds++;
  PetscFunctionReturn(0);
}
