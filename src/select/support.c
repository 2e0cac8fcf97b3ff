/* PnlmeSubset: exact value of a support and the initial incumbent.

   Columns are added one at a time to a Cholesky factor of R_SS (forward regression):
     L (k x k), V = L^-1 R_{S,:} (k x m), alpha = L^-1 g_S, u = V^T alpha, sd = 1 - colsum(V.^2),
   so that for the support S the least-squares value is c0 - ||alpha||^2/2, and adding column j lowers it
   by exactly (g_j - u_j)^2 / (2 sd_j) (sd_j is the Schur complement of R_jj).  A column whose sd_j is
   below -subset_collinear_tol is numerically a combination of the others: it is never added (it would
   cost lambda without lowering the quadratic).  Adding a column costs O(m k).

   The initial incumbent is forward selection (add while the gain exceeds lambda), backward elimination
   (drop while the loss y_t^2 / (2 [R_SS^-1]_tt) is below lambda) and single swaps, repeated until no
   move improves. */
#include "select/subsetimpl.h"

typedef struct {
  PetscInt k;
} Fwd;

static void FwdReset(PnlmeSubset s, Fwd *f)
{
  f->k = 0;
  for (PetscInt j = 0; j < s->m; j++) {
    s->u[j] = 0;
    s->s[j] = 1.0;
  }
}

/* add column j; false when it is collinear with the columns already in */
static PetscBool FwdAdd(PnlmeSubset s, Fwd *f, PetscInt j)
{
  PetscInt   n = s->n, m = s->m, k = f->k;
  PetscReal  piv, *Vk = &s->V[k * n];
  const PetscReal *Rj = &s->R[j * n];
  if (!(s->s[j] > s->collineartol)) return PETSC_FALSE;
  piv = PetscSqrtReal(s->s[j]);
  for (PetscInt t = 0; t < k; t++) s->L[k * n + t] = s->V[t * n + j];
  s->L[k * n + k] = piv;
  for (PetscInt i = 0; i < m; i++) Vk[i] = Rj[i];
  for (PetscInt t = 0; t < k; t++) {
    const PetscReal  vtj = s->V[t * n + j];
    const PetscReal *Vt  = &s->V[t * n];
    if (vtj != 0)
      for (PetscInt i = 0; i < m; i++) Vk[i] -= vtj * Vt[i];
  }
  for (PetscInt i = 0; i < m; i++) Vk[i] /= piv;
  s->alpha[k] = (s->g[j] - s->u[j]) / piv;
  for (PetscInt i = 0; i < m; i++) {
    s->u[i] += Vk[i] * s->alpha[k];
    s->s[i] -= Vk[i] * Vk[i];
  }
  s->s[j]    = 0; /* in */
  s->list[k] = j;
  f->k       = k + 1;
  return PETSC_TRUE;
}

static PetscReal FwdValue(PnlmeSubset s, const Fwd *f)
{
  PetscReal v = 0;
  for (PetscInt t = 0; t < f->k; t++) v += s->alpha[t] * s->alpha[t];
  return s->c0 + s->lambda * (PetscReal)f->k - 0.5 * v;
}

/* y (length m, zero off the support) = L^-T alpha */
static void FwdSolution(PnlmeSubset s, const Fwd *f, PetscReal y[])
{
  PetscInt n = s->n;
  for (PetscInt j = 0; j < s->m; j++) y[j] = 0;
  for (PetscInt t = f->k - 1; t >= 0; t--) {
    PetscReal v = s->alpha[t];
    for (PetscInt l = t + 1; l < f->k; l++) v -= s->L[l * n + t] * s->tmp[l];
    s->tmp[t] = v / s->L[t * n + t];
  }
  for (PetscInt t = 0; t < f->k; t++) y[s->list[t]] = s->tmp[t];
}

PetscErrorCode PnlmeSubsetEvalSupport(PnlmeSubset s, PetscInt k, const PetscInt S[], PetscReal *val, PetscReal y[], PetscInt *kept)
{
  Fwd f;
  PetscFunctionBegin;
  FwdReset(s, &f);
  for (PetscInt t = 0; t < k; t++) (void)FwdAdd(s, &f, S[t]);
  *val = FwdValue(s, &f);
  if (y) FwdSolution(s, &f, y);
  if (kept) *kept = f.k;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetTryIncumbent(PnlmeSubset s, PetscInt k, const PetscInt S[], PetscBool *improved)
{
  PetscReal val;
  PetscInt  kept;
  PetscFunctionBegin;
  *improved = PETSC_FALSE;
  PetscCall(PnlmeSubsetEvalSupport(s, k, S, &val, NULL, &kept));
  if (val < s->incval) {
    Fwd f = {kept};
    s->incval = val;
    for (PetscInt j = 0; j < s->m; j++) s->inc[j] = 0;
    for (PetscInt t = 0; t < kept; t++) s->inc[s->list[t]] = 1;
    FwdSolution(s, &f, s->ybest);
    *improved = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* rebuild the factor on the list cur[0..k) except position skip (-1: none); returns the kept list in cur */
static void FwdRebuild(PnlmeSubset s, Fwd *f, PetscInt *k, PetscInt cur[], PetscInt skip)
{
  PetscInt kk = 0;
  FwdReset(s, f);
  for (PetscInt t = 0; t < *k; t++)
    if (t != skip) (void)FwdAdd(s, f, cur[t]);
  for (PetscInt t = 0; t < f->k; t++) cur[kk++] = s->list[t];
  *k = kk;
}

/* the best column to add: index and gain, or -1 */
static PetscInt FwdBest(PnlmeSubset s, const signed char skip[], PetscInt also, PetscReal *gain)
{
  PetscInt best = -1;
  *gain         = 0;
  for (PetscInt j = 0; j < s->m; j++) {
    PetscReal gj, r;
    if (skip[j] || j == also || !(s->s[j] > s->collineartol)) continue;
    r  = s->g[j] - s->u[j];
    gj = r * r / (2.0 * s->s[j]);
    if (gj > *gain) {
      *gain = gj;
      best  = j;
    }
  }
  return best;
}

PetscErrorCode PnlmeSubsetHeuristic(PnlmeSubset s)
{
  PetscInt     m = s->m, n = s->n, k = 0, *cur = s->list2, maxmoves = 4 * m + 10, moves = 0;
  signed char *inS = s->st;
  Fwd          f;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_SubsetHeuristic, 0, 0, 0, 0));
  for (PetscInt j = 0; j < m; j++) inS[j] = 0;
  FwdReset(s, &f);
  for (PetscBool changed = PETSC_TRUE; changed && moves < maxmoves;) {
    PetscReal gain, val;
    PetscInt  j;
    changed = PETSC_FALSE;
    /* forward: add while the gain exceeds lambda */
    while ((j = FwdBest(s, inS, -1, &gain)) >= 0 && gain > s->lambda) {
      (void)FwdAdd(s, &f, j);
      inS[j]   = 1;
      cur[k++] = j;
    }
    /* backward: drop the column of smallest loss while it is below lambda */
    if (k > 0) {
      PetscReal *Li = s->eA, *y = s->w, lossmin = PETSC_MAX_REAL;
      PetscInt   tmin = -1;
      FwdSolution(s, &f, y);
      /* Li = L^-1 (lower), then [R_SS^-1]_tt = sum_{i>=t} Li_it^2 */
      for (PetscInt c = 0; c < k; c++) {
        for (PetscInt i = 0; i < k; i++) {
          PetscReal v = (i == c) ? 1.0 : 0.0;
          for (PetscInt l = c; l < i; l++) v -= s->L[i * n + l] * Li[l * k + c];
          Li[i * k + c] = (i < c) ? 0.0 : v / s->L[i * n + i];
        }
      }
      for (PetscInt t = 0; t < k; t++) {
        PetscReal d = 0, yt = y[s->list[t]], loss;
        for (PetscInt i = t; i < k; i++) d += Li[i * k + t] * Li[i * k + t];
        loss = yt * yt / (2.0 * d);
        if (loss < lossmin) {
          lossmin = loss;
          tmin    = t;
        }
      }
      if (lossmin < s->lambda) {
        inS[cur[tmin]] = 0;
        FwdRebuild(s, &f, &k, cur, tmin);
        changed = PETSC_TRUE;
        moves++;
        continue;
      }
    }
    /* swaps: drop one, add the best other one, keep if the value decreases.  The support is rotated
       (the first column dropped, then re-appended) so that each column is tried once. */
    val = FwdValue(s, &f);
    for (PetscInt t = 0, k0 = k; t < k0 && !changed && k <= 64; t++) {
      PetscInt  out = cur[0], kk = k, jb;
      PetscReal vout;
      FwdRebuild(s, &f, &kk, cur, 0);
      vout = FwdValue(s, &f);
      jb   = FwdBest(s, inS, out, &gain);
      if (jb >= 0 && vout - gain + s->lambda < val - 1e-12 * (1.0 + PetscAbsReal(val))) { /* vout counts lambda for k-1 columns */
        (void)FwdAdd(s, &f, jb);
        inS[out] = 0;
        inS[jb]  = 1;
        k        = kk;
        cur[k++] = jb;
        changed  = PETSC_TRUE;
        moves++;
      } else {
        cur[kk] = out;
        k       = kk + 1;
        FwdRebuild(s, &f, &k, cur, -1);
      }
    }
  }
  s->incval = FwdValue(s, &f);
  for (PetscInt j = 0; j < m; j++) s->inc[j] = 0;
  for (PetscInt t = 0; t < f.k; t++) s->inc[s->list[t]] = 1;
  FwdSolution(s, &f, s->ybest);
  s->stats.heuristic = s->incval;
  PetscCall(PetscLogEventEnd(PNLME_SubsetHeuristic, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
