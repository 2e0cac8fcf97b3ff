/* One-run covariate selection in the M-step (-covariates_select bicc; docs/selection.md).

   All candidate effects are entries of B.  Given Omega, the part of -2 x the complete-data
   log-likelihood that depends on B is tr(W (S2 - B^T S1 - S1^T B + B^T G B)), W = Omega^-1, with G
   the Gram matrix of the design [1, c_i] and S1, S2 the (stochastic-approximation) statistics of the
   E-step: one collective reduction, so no per-subject data is involved.  W is block-diagonal with
   Omega's blocks, so the problem separates per block: one exact best-subset problem (PnlmeSubset)
   per block, over the free entries of its parameters, with the complete-data quadratic

       Qc = 2 s (W_b kron G),  qc = 2 s S1 W_b,  lambda = s w(t) log N.

   The complete-data information overstates what the data say about an effect on a parameter the
   observations inform weakly (high shrinkage): an effect in the model is then carried by the
   individual parameters drawn from its own prior, and EM keeps it (and keeps out one that is not).
   Option (-covariates_louis_max > 0; off by default, docs/selection.md has the measurements): the
   support is chosen on the observed-data quadratic at the current B (Louis 1982):
   the same gradient, the information reduced by the missing fraction s_k = mean_i Var(z_ik|y_i) /
   omega_k^2 of each parameter (SAEM: moving averages of each subject's draws; one more reduced
   statistic per parameter),  Q = Qc o (c c^T), c_k = sqrt(1 - s_k),  q = qc - (Qc - Q) B, s_k
   capped (-covariates_louis_max 0.5: the gradient is extrapolated by 1/(1 - s_k) and carries the
   Monte-Carlo noise of the iteration; SAEM therefore applies it from the 20th smoothing iteration
   on, when the statistics average at least 20 iterations).  The coefficients on the chosen support are the
   complete-data M-step of the selected model.

   with the intercepts and forced-in effects unpenalised and the candidates penalised.  s = Omega_kk
   of the block's first parameter only scales the objective (same minimiser): with a diagonal Omega,
   Q = 2G is then the same at every iteration and the solver's set-up is reused.  A full or block
   Omega is solved jointly within each block (not by alternating per parameter); pop.c alternates
   that B-step with the Omega update as it does without selection.  The penalty factor w(t) ramps
   linearly from alpha at the first iteration to 1 at the end of the annealing phase (the variances
   are still inflated then, which weakens the data term; a smaller penalty compensates).

   Every rank solves the same problems and PnlmeSubset broadcasts rank 0's answer, so B is bitwise
   the same at any number of ranks.  Nothing is allocated per iteration. */
#include "fit/fitimpl.h"

PetscErrorCode PnlmePopSelectCreate(MPI_Comm comm, PnlmePop *pop, const PetscBool cand[], PetscReal alpha, PetscReal louismax, PetscReal lambda, PetscInt nrec)
{
  PnlmePopSelect *sel;
  PetscInt        p = pop->p, q = pop->q, nmax = 0;
  PetscFunctionBegin;
  PetscCall(PetscNew(&sel));
  PetscCall(PetscCalloc1(q * p, &sel->cand));
  for (PetscInt j = 0; j < q * p; j++) {
    sel->cand[j] = (PetscBool)(cand[j] && pop->mask[j] && !pop->hold[j] && j >= p && !pop->fixed[j % p]);
  }
  sel->alpha  = alpha;
  sel->weight = alpha;
  sel->lambda = lambda;
  sel->shrinkmax = louismax;
  for (PetscInt b = 0; b < p; b++) {
    PetscInt n = 0, nc = 0;
    for (PetscInt k = 0; k < p; k++)
      if (pop->block[k] == b && !pop->fixed[k])
        for (PetscInt a = 0; a < q; a++) {
          n += pop->mask[a * p + k];
          nc += sel->cand[a * p + k];
        }
    nmax = PetscMax(nmax, n);
    if (!nc) continue; /* no candidate: the block's entries are fitted by least squares (BFromOmega) */
    PetscCall(PnlmeSubsetCreate(comm, &sel->sub[b]));
    PetscCall(PnlmeSubsetSetOptionsPrefix(sel->sub[b], "covariates_"));
    /* inside SAEM a node-limited M-step keeps the best support found (counted and reported): the
       next M-step starts again from fresh statistics */
    PetscCall(PnlmeSubsetSetMaxNodes(sel->sub[b], 2000));
    PetscCall(PnlmeSubsetSetFromOptions(sel->sub[b]));
  }
  sel->nmax = nmax;
  PetscCall(PetscMalloc6(nmax * nmax, &sel->Q, nmax, &sel->qv, nmax, &sel->xv, nmax, &sel->role, nmax, &sel->supp, nmax, &sel->vidx));
  PetscCall(PetscMalloc5(nmax * nmax, &sel->Qc, nmax, &sel->qc, nmax * nmax, &sel->Lw, nmax, &sel->T, nmax, &sel->zw));
  sel->nrec = nrec;
  PetscCall(PetscCalloc4(nrec, &sel->rweight, nrec, &sel->rtime, nrec, &sel->rnodes, nrec, &sel->rsel));
  pop->sel = sel;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmePopSelectDestroy(PnlmePop *pop)
{
  PnlmePopSelect *sel = pop->sel;
  PetscFunctionBegin;
  if (!sel) PetscFunctionReturn(0);
  for (PetscInt b = 0; b < 64; b++) PetscCall(PnlmeSubsetDestroy(&sel->sub[b]));
  PetscCall(PetscFree(sel->cand));
  PetscCall(PetscFree6(sel->Q, sel->qv, sel->xv, sel->role, sel->supp, sel->vidx));
  PetscCall(PetscFree5(sel->Qc, sel->qc, sel->Lw, sel->T, sel->zw));
  PetscCall(PetscFree4(sel->rweight, sel->rtime, sel->rnodes, sel->rsel));
  PetscCall(PetscFree(pop->sel));
  PetscFunctionReturn(0);
}

/* the penalty factor of iteration iter: alpha -> 1 linearly over the anneal iterations */
void PnlmePopSelectRamp(PnlmePop *pop, PetscInt iter, PetscInt anneal)
{
  PnlmePopSelect *sel = pop->sel;
  if (!sel) return;
  sel->weight   = iter < anneal ? sel->alpha + (1 - sel->alpha) * (PetscReal)iter / (PetscReal)anneal : 1.0;
  sel->ittime   = 0;
  sel->itnodes  = 0;
}

/* s_k = sum_i Var(z_ik | y_i) / (N omega_k^2): the fraction of the complete-data information on the
   parameter's regression that is missing from the observed data (Louis 1982), capped at
   -covariates_louis_max; sumv NULL: 0 (the complete-data criterion) */
void PnlmePopSelectSetShrinkage(PnlmePop *pop, PetscInt64 N, const PetscReal sumv[])
{
  PnlmePopSelect *sel = pop->sel;
  PetscInt        p   = pop->p;
  if (!sel) return;
  for (PetscInt k = 0; k < p; k++) sel->shrink[k] = pop->fixed[k] || !sumv ? 0.0 : PetscMin(sel->shrinkmax, PetscMax(0.0, sumv[k] / ((PetscReal)N * pop->Omega[k * p + k])));
}

/* least squares of the complete-data objective on the support: Qc_SS x_S = qc_S (LAPACK Cholesky);
   PETSC_FALSE (x left as the MIQP's) if the support's design is singular */
static PetscErrorCode SupportLeastSquares(PnlmePopSelect *sel, PetscInt n, PetscBool *ok)
{
  PetscInt     m = 0, *T = sel->T;
  PetscBLASInt bm, one = 1, info;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++)
    if (sel->supp[i]) T[m++] = i;
  for (PetscInt a = 0; a < m; a++) {
    sel->zw[a] = sel->qc[T[a]];
    for (PetscInt c = 0; c < m; c++) sel->Lw[a * m + c] = sel->Qc[T[a] * n + T[c]];
  }
  PetscCall(PetscBLASIntCast(m, &bm));
  LAPACKpotrf_("U", &bm, sel->Lw, &bm, &info);
  if (!info) LAPACKpotrs_("U", &bm, &one, sel->Lw, &bm, sel->zw, &bm, &info);
  *ok = (PetscBool)!info;
  if (*ok)
    for (PetscInt a = 0; a < m; a++) sel->xv[T[a]] = sel->zw[a];
  PetscFunctionReturn(0);
}

/* the B-step of the blocks that hold candidates (the others are done by BFromOmega in pop.c) */
PetscErrorCode PnlmePopSelectB(PnlmePop *pop, const PetscReal G[], const PetscReal S1[])
{
  PnlmePopSelect *sel = pop->sel;
  PetscInt        p = pop->p, q = pop->q;
  const PetscReal *W = pop->Oinv;
  PetscFunctionBegin;
  for (PetscInt b = 0; b < p; b++) {
    PnlmeSubsetStats st;
    PetscBool        ok;
    PetscInt         n = 0;
    PetscReal        s;
    if (!sel->sub[b]) continue;
    s = pop->Omega[b * p + b]; /* b is the block's first parameter */
    for (PetscInt k = 0; k < p; k++)
      if (pop->block[k] == b)
        for (PetscInt a = 0; a < q; a++)
          if (pop->mask[a * p + k] && !pop->hold[a * p + k]) {
            sel->vidx[n] = a * p + k;
            sel->role[n] = sel->cand[a * p + k] ? PNLME_SUBSET_PENALISED : PNLME_SUBSET_UNPENALISED;
            n++;
          }
    /* the complete-data quadratic Qc, qc, and the observed-data one at the current B (Louis):
       Q = Qc o (c c^T) with c_k = sqrt(1 - s_k) per parameter, q = qc - (Qc - Q) B, i.e. the same
       gradient at the current B, the information of the observed data */
    for (PetscInt i = 0; i < n; i++) {
      PetscInt a = sel->vidx[i] / p, k = sel->vidx[i] % p;
      sel->qc[i] = 0;
      for (PetscInt l = 0; l < p; l++)
        if (pop->block[l] == b) sel->qc[i] += 2 * s * S1[a * p + l] * W[l * p + k];
      for (PetscInt j = 0; j < n; j++) {
        PetscInt bb = sel->vidx[j] / p, l = sel->vidx[j] % p;
        sel->Qc[i * n + j] = 2 * s * G[a * q + bb] * W[k * p + l];
        sel->Q[i * n + j]  = sel->Qc[i * n + j] * PetscSqrtReal((1 - sel->shrink[k]) * (1 - sel->shrink[l]));
      }
    }
    for (PetscInt i = 0; i < n; i++) {
      PetscInt a = sel->vidx[i] / p, k = sel->vidx[i] % p;
      sel->qv[i] = sel->qc[i];
      for (PetscInt j = 0; j < n; j++) sel->qv[i] -= (sel->Qc[i * n + j] - sel->Q[i * n + j]) * pop->B[sel->vidx[j]];
      for (PetscInt l = 0; l < p; l++) /* the held entries (-fit_fix) of the block are known terms */
        for (PetscInt bb = 0; bb < q && pop->block[l] == b; bb++)
          if (pop->mask[bb * p + l] && pop->hold[bb * p + l]) {
            PetscReal qcij = 2 * s * G[a * q + bb] * W[k * p + l];
            sel->qc[i] -= qcij * pop->B[bb * p + l];
            sel->qv[i] -= qcij * PetscSqrtReal((1 - sel->shrink[k]) * (1 - sel->shrink[l])) * pop->B[bb * p + l];
          }
    }
    PetscCall(PnlmeSubsetSetProblem(sel->sub[b], n, sel->Q, sel->qv, 0.0, sel->role, s * sel->weight * sel->lambda));
    PetscCall(PnlmeSubsetSolve(sel->sub[b]));
    PetscCall(PnlmeSubsetGetSolution(sel->sub[b], sel->xv, sel->supp, NULL));
    /* the coefficients on the selected support: the complete-data M-step of that model (the
       observed-data quadratic only chooses the support; without missing information they agree) */
    PetscCall(SupportLeastSquares(sel, n, &ok));
    /* rank 0's coefficients everywhere (as PnlmeSubset does for its solution: LAPACK may differ between nodes) */
    PetscCallMPI(MPI_Bcast(sel->xv, (PetscMPIInt)n, MPIU_REAL, 0, PetscObjectComm((PetscObject)sel->sub[b])));
    PetscCall(PnlmeSubsetGetStats(sel->sub[b], &st));
    for (PetscInt i = 0; i < n; i++) {
      pop->B[sel->vidx[i]]      = sel->supp[i] ? sel->xv[i] : 0.0;
      pop->active[sel->vidx[i]] = sel->supp[i];
    }
    sel->ittime += st.time;
    sel->itnodes += st.nodes;
    sel->nsolves++;
    sel->nodes += st.nodes;
    sel->notopt += st.status != PNLME_SUBSET_OPTIMAL;
    sel->time += st.time;
  }
  PetscFunctionReturn(0);
}

/* this iteration's ramp factor, MIQP time, nodes and selected count into the record */
void PnlmePopSelectRecord(PnlmePop *pop, PetscInt iter)
{
  PnlmePopSelect *sel = pop->sel;
  PetscInt        nsel = 0;
  if (!sel || iter >= sel->nrec) return;
  for (PetscInt j = 0; j < pop->q * pop->p; j++) nsel += sel->cand[j] && pop->active[j];
  sel->rweight[iter] = sel->weight;
  sel->rtime[iter]   = sel->ittime;
  sel->rnodes[iter]  = (PetscInt)sel->itnodes;
  sel->rsel[iter]    = nsel;
  sel->maxittime     = PetscMax(sel->maxittime, sel->ittime);
}
