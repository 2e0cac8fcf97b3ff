/* PnlmeSubset: lifecycle, options, problem, results, view. */
#include "select/subsetimpl.h"

const char *const PnlmeSubsetRoles[]    = {"unpenalised", "penalised", "excluded", "PnlmeSubsetRole", "PNLME_SUBSET_", NULL};
const char *const PnlmeSubsetStatuses[] = {"not solved", "optimal", "node limit", "PnlmeSubsetStatus", "PNLME_SUBSET_", NULL};

PetscLogEvent    PNLME_SubsetSolve, PNLME_SubsetSetUp, PNLME_SubsetHeuristic, PNLME_SubsetRelax;
static PetscBool SubsetPackageInitialized = PETSC_FALSE;

static PetscErrorCode SubsetFinalizePackage(void)
{
  PetscFunctionBegin;
  SubsetPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode SubsetInitializePackage(void)
{
  PetscFunctionBegin;
  if (SubsetPackageInitialized) PetscFunctionReturn(0);
  SubsetPackageInitialized = PETSC_TRUE;
  PetscCall(PnlmeInitialize());
  PetscCall(PetscLogEventRegister("PnlmeSubsetSolve", PNLME_CLASSID, &PNLME_SubsetSolve));
  PetscCall(PetscLogEventRegister("PnlmeSubsetSetUp", PNLME_CLASSID, &PNLME_SubsetSetUp));
  PetscCall(PetscLogEventRegister("PnlmeSubsetHeur", PNLME_CLASSID, &PNLME_SubsetHeuristic));
  PetscCall(PetscLogEventRegister("PnlmeSubsetRelax", PNLME_CLASSID, &PNLME_SubsetRelax));
  PetscCall(PetscRegisterFinalize(SubsetFinalizePackage));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetCreate(MPI_Comm comm, PnlmeSubset *out)
{
  PnlmeSubset s;
  PetscFunctionBegin;
  PetscValidPointer(out, 2);
  PetscCall(SubsetInitializePackage());
  PetscCall(PetscHeaderCreate(s, PNLME_CLASSID, "PnlmeSubset", "Exact best-subset selection", "Subset", comm, PnlmeSubsetDestroy, PnlmeSubsetView));
  s->maxnodes     = 100000;
  s->gapabs       = 1e-9;
  s->gaprel       = 1e-12;
  s->pfrac        = 0.999;
  s->deltamin     = 1e-6;
  s->recompute    = 0.8;
  s->collineartol = 1e-12;
  s->relaxmaxit   = 500;
  s->relaxgap     = 1e-2;
  s->mtao         = -1;
  *out            = s;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetSetOptionsPrefix(PnlmeSubset s, const char prefix[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  PetscCall(PetscObjectSetOptionsPrefix((PetscObject)s, prefix));
  PetscCall(PnlmeSubsetRelaxDestroy(s)); /* TAO picks the new prefix at the next set-up */
  s->setupcalled = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static const PnlmeOption SubsetOptions[] = {
  {"-subset_max_nodes", PNLME_OPT_INT, "100000", "[1, 2147483647]", NULL, "Node limit of the branch and bound (the status reports a stop)"},
  {"-subset_gap_abs", PNLME_OPT_REAL, "1e-9", "[0, inf)", NULL, "Absolute optimality tolerance"},
  {"-subset_gap_rel", PNLME_OPT_REAL, "1e-12", "[0, inf)", NULL, "Relative optimality tolerance"},
  {"-subset_perspective_fraction", PNLME_OPT_REAL, "0.999", "(0, 1]", NULL, "Perspective diagonal as a fraction of the smallest eigenvalue"},
  {"-subset_perspective_uniform", PNLME_OPT_BOOL, "false", NULL, NULL, "Uniform perspective diagonal lambda_min(R) I instead of eta diag([R^-1]_jj)^-1 (for comparison)"},
  {"-subset_delta_min", PNLME_OPT_REAL, "1e-6", "(0, inf)", NULL, "Smallest useful perspective diagonal (scaled); below it the least-squares bound is used"},
  {"-subset_recompute_ratio", PNLME_OPT_REAL, "0.8", "(0, 1]", NULL, "Recompute the eigenvalue bound when the active set shrank to this fraction"},
  {"-subset_collinear_tol", PNLME_OPT_REAL, "1e-12", "(0, 1)", NULL, "Relative Cholesky pivot below which a column is collinear"},
  {"-subset_relax_max_it", PNLME_OPT_INT, "500", "[1, 1000000]", NULL, "TAO iterations per relaxation"},
  {"-subset_ridge", PNLME_OPT_REAL, "0", "[0, inf)", NULL, "Relative ridge eps: selects the support of F + eps/2 sum_j A_jj x_j^2 (A: candidates' Gram matrix after the unpenalised elimination); the coefficients are refitted without it"},
  {"-subset_relax_gap", PNLME_OPT_REAL, "1e-2", "[0, inf)", NULL, "Stop TAO when primal - certified bound <= this times lambda"},
  {"-subset_error_if_not_optimal", PNLME_OPT_BOOL, "false", NULL, NULL, "Raise an error when the node limit stops the search"},
  {"-subset_view", PNLME_OPT_BOOL, "false", NULL, NULL, "View after each solve"},
};

PetscErrorCode PnlmeSubsetRegisterOptions(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("subset", "Exact best-subset (L0) solver of the selection M-step (PnlmeSubset; prefixed -covariates_ in pnlme-fit)", "covariates_", PETSC_STATIC_ARRAY_LENGTH(SubsetOptions), SubsetOptions));
  PetscCall(PnlmeOptionsRegisterSolver("subset", "subset_tao_", "TAO's options of the relaxations: -subset_tao_type blmvm|bqnls|bncg|bqnktr|bqnkls|bqnktl, -subset_tao_monitor, ... (docs/selection.md)"));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetSetFromOptions(PnlmeSubset s)
{
  PetscInt    maxnodes = (PetscInt)PetscMin(s->maxnodes, (PetscInt64)PETSC_MAX_INT);
  PetscReal   ridge0   = s->ridge;
  PetscBool   uniform0 = s->uniform;
  PetscObject obj      = (PetscObject)s;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  { /* the relaxations are bound-constrained and give no Hessian: TAO's bounded first-order and
       quasi-Newton types (the others fail inside TAO, on each rank alone, or ignore the bounds) */
    static const char *const ok[] = {TAOBLMVM, TAOBQNLS, TAOBNCG, TAOBQNKTR, TAOBQNKLS, TAOBQNKTL, NULL};
    char                     pre[256] = "";
    if (obj->prefix) PetscCall(PetscStrncpy(pre, obj->prefix, sizeof(pre)));
    PetscCall(PetscStrlcat(pre, "subset_", sizeof(pre)));
    PetscCall(PnlmeOptionsCheckTaoType(PetscObjectComm(obj), pre, ok, "the subset selection's relaxations"));
    { /* TAO's name for -subset_relax_max_it would override it silently */
      char use[300];
      PetscCall(PetscSNPrintf(use, sizeof(use), "-%srelax_max_it", pre));
      PetscCall(PnlmeOptionsRefuse(PetscObjectComm(obj), pre, "-tao_max_it", use));
    }
  }
  PetscCall(PnlmeOptionsGetInt(obj, "-subset_max_nodes", &maxnodes, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-subset_gap_abs", &s->gapabs, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-subset_gap_rel", &s->gaprel, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-subset_perspective_fraction", &s->pfrac, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-subset_perspective_uniform", &s->uniform, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-subset_delta_min", &s->deltamin, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-subset_recompute_ratio", &s->recompute, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-subset_collinear_tol", &s->collineartol, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-subset_relax_max_it", &s->relaxmaxit, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-subset_ridge", &s->ridge, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-subset_relax_gap", &s->relaxgap, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-subset_error_if_not_optimal", &s->errorifnotoptimal, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-subset_view", &s->view, NULL));
  if (s->ridge != ridge0 || s->uniform != uniform0) {
    s->setupcalled = PETSC_FALSE;
    s->refvalid    = PETSC_FALSE;
  }
  s->maxnodes = maxnodes;
  if (s->tao) {
    PetscCall(TaoSetMaximumIterations(s->tao, s->relaxmaxit));
    PetscCall(TaoSetFromOptions(s->tao));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeArrays(PnlmeSubset s)
{
  PetscFunctionBegin;
  PetscCall(PetscFree3(s->Q, s->q, s->role));
  PetscCall(PetscFree6(s->uidx, s->pidx, s->Luu, s->W, s->R, s->g));
  PetscCall(PetscFree4(s->scale, s->Rref, s->pidxref, s->vu));
  PetscCall(PetscFree3(s->ework, s->eA, s->evals));
  PetscCall(PetscFree7(s->L, s->V, s->u, s->s, s->alpha, s->ybest, s->tmp));
  PetscCall(PetscFree5(s->list, s->list2, s->active, s->inc, s->st));
  PetscCall(PetscFree7(s->w, s->r, s->rbestw, s->rbestr, s->ry, s->rr, s->nodew));
  PetscCall(PetscFree(s->x));
  PetscCall(PetscFree3(s->RA, s->yA, s->vA));
  PetscCall(PetscFree2(s->u2, s->u2ref));
  s->nalloc   = 0;
  s->refvalid = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode Allocate(PnlmeSubset s, PetscInt n)
{
  size_t n2 = (size_t)n * n;
  PetscFunctionBegin;
  if (n <= s->nalloc) PetscFunctionReturn(0);
  PetscCall(FreeArrays(s));
  PetscCall(PetscMalloc3(n2, &s->Q, n, &s->q, n, &s->role));
  PetscCall(PetscMalloc6(n, &s->uidx, n, &s->pidx, n2, &s->Luu, n2, &s->W, n2, &s->R, n, &s->g));
  PetscCall(PetscMalloc4(n, &s->scale, n2, &s->Rref, n, &s->pidxref, n, &s->vu));
  PetscCall(PetscMalloc3(8 * n + 8, &s->ework, n2, &s->eA, n, &s->evals));
  PetscCall(PetscMalloc7(n2, &s->L, n2, &s->V, n, &s->u, n, &s->s, n, &s->alpha, n, &s->ybest, n, &s->tmp));
  PetscCall(PetscMalloc5(n, &s->list, n, &s->list2, n, &s->active, n, &s->inc, n, &s->st));
  PetscCall(PetscCalloc7(n, &s->w, n, &s->r, n, &s->rbestw, n, &s->rbestr, n, &s->ry, n, &s->rr, n, &s->nodew));
  PetscCall(PetscCalloc1(n, &s->x));
  PetscCall(PetscMalloc3(n2, &s->RA, n, &s->yA, n, &s->vA));
  PetscCall(PetscMalloc2(n, &s->u2, n, &s->u2ref));
  s->nalloc = n;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetSetMaxNodes(PnlmeSubset s, PetscInt64 maxnodes)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  PetscCheck(maxnodes >= 1, PetscObjectComm((PetscObject)s), PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetMaxNodes: the node limit must be >= 1, got %" PetscInt64_FMT, maxnodes);
  s->maxnodes = maxnodes;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetSetProblem(PnlmeSubset s, PetscInt n, const PetscReal Q[], const PetscReal q[], PetscReal c, const PnlmeSubsetRole role[], PetscReal lambda)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)s);
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetProblem: the number of variables must be >= 1, got %" PetscInt_FMT, n);
  PetscCheck(Q && q, comm, PETSC_ERR_ARG_NULL, "PnlmeSubsetSetProblem: Q and q must be given");
  PetscCheck(!PetscIsInfOrNanReal(lambda), comm, PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetProblem: lambda must be finite, got %g", (double)lambda);
  PetscCheck(lambda >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetProblem: lambda must be >= 0, got %g", (double)lambda);
  PetscCheck(!PetscIsInfOrNanReal(c), comm, PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetProblem: the constant c is not finite");
  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(!PetscIsInfOrNanReal(q[i]), comm, PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetProblem: q[%" PetscInt_FMT "] is not finite", i);
    PetscCheck(!role || (role[i] >= PNLME_SUBSET_UNPENALISED && role[i] <= PNLME_SUBSET_EXCLUDED), comm, PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetProblem: role[%" PetscInt_FMT "] = %d is not a PnlmeSubsetRole", i, role ? (int)role[i] : 0);
    PetscCheck(Q[i * n + i] >= 0, comm, PETSC_ERR_ARG_WRONG, "PnlmeSubsetSetProblem: Q[%" PetscInt_FMT ",%" PetscInt_FMT "] = %g < 0: Q is not positive semidefinite", i, i, (double)Q[i * n + i]);
    for (PetscInt j = 0; j < n; j++) {
      PetscReal a = Q[i * n + j], b = Q[j * n + i];
      PetscCheck(!PetscIsInfOrNanReal(a), comm, PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetProblem: Q[%" PetscInt_FMT ",%" PetscInt_FMT "] is not finite", i, j);
      PetscCheck(PetscAbsReal(a - b) <= 1e-12 * (PetscAbsReal(a) + PetscAbsReal(b)) + 1e-10 * PetscSqrtReal(PetscAbsReal(Q[i * n + i] * Q[j * n + j])), comm, PETSC_ERR_ARG_WRONG,
                 "PnlmeSubsetSetProblem: Q is not symmetric: Q[%" PetscInt_FMT ",%" PetscInt_FMT "] = %g, Q[%" PetscInt_FMT ",%" PetscInt_FMT "] = %g", i, j, (double)a, j, i, (double)b);
    }
  }
  PetscCall(Allocate(s, n));
  if (n != s->n) s->refvalid = PETSC_FALSE;
  s->n = n;
  for (PetscInt i = 0; i < n; i++) {
    for (PetscInt j = 0; j < n; j++) s->Q[i * n + j] = 0.5 * (Q[i * n + j] + Q[j * n + i]);
    s->q[i]    = q[i];
    s->role[i] = role ? role[i] : PNLME_SUBSET_PENALISED;
  }
  s->c           = c;
  s->lambda      = lambda;
  s->problemset  = PETSC_TRUE;
  s->setupcalled = PETSC_FALSE;
  s->solved      = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetSetLambda(PnlmeSubset s, PetscReal lambda)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)s);
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  PetscCheck(s->problemset, comm, PETSC_ERR_ORDER, "PnlmeSubsetSetLambda: call PnlmeSubsetSetProblem first");
  PetscCheck(!PetscIsInfOrNanReal(lambda), comm, PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetLambda: lambda must be finite, got %g", (double)lambda);
  PetscCheck(lambda >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "PnlmeSubsetSetLambda: lambda must be >= 0, got %g", (double)lambda);
  s->lambda = lambda;
  s->solved = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetSetUp(PnlmeSubset s)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  if (s->setupcalled) PetscFunctionReturn(0);
  PetscCheck(s->problemset, PetscObjectComm((PetscObject)s), PETSC_ERR_ORDER, "PnlmeSubsetSetUp: call PnlmeSubsetSetProblem first");
  PetscCall(PetscLogEventBegin(PNLME_SubsetSetUp, s, 0, 0, 0));
  PetscCall(PnlmeSubsetReduce(s));
  PetscCall(PnlmeSubsetRelaxSetUp(s));
  PetscCall(PetscLogEventEnd(PNLME_SubsetSetUp, s, 0, 0, 0));
  s->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* with a ridge, the coefficients on the selected support are refitted on the original Q:
   Q_TT x_T = q_T, T = unpenalised + selected (Cholesky; the ridge solution is kept if it fails) */
static PetscErrorCode RefitSupport(PnlmeSubset s)
{
  PetscInt   n = s->n, k = 0, *T = s->list2;
  PetscReal *L = s->L, *z = s->tmp;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++)
    if (s->role[i] == PNLME_SUBSET_UNPENALISED || (s->role[i] == PNLME_SUBSET_PENALISED && s->x[i] != 0)) T[k++] = i;
  for (PetscInt a = 0; a < k; a++)
    for (PetscInt b = 0; b <= a; b++) {
      PetscReal v = s->Q[T[a] * n + T[b]];
      for (PetscInt l = 0; l < b; l++) v -= L[a * n + l] * L[b * n + l];
      if (a == b) {
        if (!(v > s->collineartol * s->Q[T[a] * n + T[a]])) PetscFunctionReturn(0);
        L[a * n + a] = PetscSqrtReal(v);
      } else L[a * n + b] = v / L[b * n + b];
    }
  for (PetscInt a = 0; a < k; a++) {
    PetscReal v = s->q[T[a]];
    for (PetscInt l = 0; l < a; l++) v -= L[a * n + l] * z[l];
    z[a] = v / L[a * n + a];
  }
  for (PetscInt a = k - 1; a >= 0; a--) {
    PetscReal v = z[a];
    for (PetscInt l = a + 1; l < k; l++) v -= L[l * n + a] * s->x[T[l]];
    s->x[T[a]] = v / L[a * n + a];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetSolve(PnlmeSubset s)
{
  MPI_Comm       comm = PetscObjectComm((PetscObject)s);
  PetscMPIInt    size;
  PetscLogDouble t0, t1;
  PetscInt       n, nsel = 0;
  PetscReal      F = 0, delta, cands;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  PetscCheck(s->problemset, comm, PETSC_ERR_ORDER, "PnlmeSubsetSolve: call PnlmeSubsetSetProblem first");
  PetscCall(PetscLogEventBegin(PNLME_SubsetSolve, s, 0, 0, 0));
  PetscCall(PetscTime(&t0));
  delta = s->stats.delta;
  cands = (PetscReal)s->stats.candidates;
  PetscCall(PetscMemzero(&s->stats, sizeof(s->stats)));
  s->stats.delta      = delta;
  s->stats.candidates = (PetscInt)cands;
  s->stats.cached     = s->setupcalled; /* only lambda changed: nothing is recomputed */
  PetscCall(PnlmeSubsetSetUp(s));
  PetscCall(PnlmeSubsetBranchAndBound(s));
  PetscCall(PnlmeSubsetRecover(s, s->ybest));
  if (s->ridge > 0) PetscCall(RefitSupport(s));
  n = s->n;
  /* the objective in the original variables */
  for (PetscInt i = 0; i < n; i++) {
    PetscReal v = 0;
    if (s->x[i] == 0) continue;
    for (PetscInt j = 0; j < n; j++) v += s->Q[i * n + j] * s->x[j];
    F += s->x[i] * (0.5 * v - s->q[i]);
    if (s->role[i] == PNLME_SUBSET_PENALISED) nsel++;
  }
  s->stats.objective  = F + s->c + s->lambda * nsel;
  s->stats.selected   = nsel;
  s->stats.gap        = PetscMax(0.0, s->incval - s->stats.lowerbound);
  s->stats.lowerbound = s->stats.objective - s->stats.gap;
  PetscCall(PetscTime(&t1));
  s->stats.time = (PetscReal)(t1 - t0);
  /* every rank holds rank 0's answer, bit for bit (BLAS kernels may differ between nodes) */
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size > 1) {
    PetscCallMPI(MPI_Bcast(s->x, (PetscMPIInt)n, MPIU_REAL, 0, comm));
    PetscCallMPI(MPI_Bcast(&s->stats, (PetscMPIInt)sizeof(s->stats), MPI_BYTE, 0, comm));
  }
  s->solved = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(PNLME_SubsetSolve, s, 0, 0, 0));
  if (s->stats.status != PNLME_SUBSET_OPTIMAL) {
    PetscCall(PetscInfo(s, "node limit %" PetscInt64_FMT " reached: objective %g, lower bound %g, gap %g\n", s->maxnodes, (double)s->stats.objective, (double)s->stats.lowerbound, (double)s->stats.gap));
    PetscCheck(!s->errorifnotoptimal, comm, PETSC_ERR_USER, "PnlmeSubsetSolve: node limit %" PetscInt64_FMT " reached before optimality was proven (gap %g); raise -subset_max_nodes", s->maxnodes, (double)s->stats.gap);
  }
  if (s->view) PetscCall(PnlmeSubsetView(s, PETSC_VIEWER_STDOUT_(comm)));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetGetSolution(PnlmeSubset s, PetscReal x[], PetscBool support[], PetscReal *objective)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  PetscCheck(s->solved, PetscObjectComm((PetscObject)s), PETSC_ERR_ORDER, "PnlmeSubsetGetSolution: call PnlmeSubsetSolve first");
  if (x) PetscCall(PetscArraycpy(x, s->x, s->n));
  if (support)
    for (PetscInt i = 0; i < s->n; i++) support[i] = (PetscBool)(s->role[i] == PNLME_SUBSET_UNPENALISED || (s->role[i] == PNLME_SUBSET_PENALISED && s->x[i] != 0));
  if (objective) *objective = s->stats.objective;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetGetStats(PnlmeSubset s, PnlmeSubsetStats *stats)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  PetscValidPointer(stats, 2);
  *stats = s->stats;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetView(PnlmeSubset s, PetscViewer v)
{
  PetscBool iascii;
  PetscInt  nu = 0, np = 0, nx = 0, shown = 0;
  PetscFunctionBegin;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  if (!v) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)s), &v));
  PetscCall(PetscObjectTypeCompare((PetscObject)v, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  PetscCall(PetscObjectPrintClassNamePrefixType((PetscObject)s, v));
  PetscCall(PetscViewerASCIIPushTab(v));
  if (!s->problemset) {
    PetscCall(PetscViewerASCIIPrintf(v, "no problem set\n"));
    PetscCall(PetscViewerASCIIPopTab(v));
    PetscFunctionReturn(0);
  }
  for (PetscInt i = 0; i < s->n; i++) {
    nu += (s->role[i] == PNLME_SUBSET_UNPENALISED);
    np += (s->role[i] == PNLME_SUBSET_PENALISED);
    nx += (s->role[i] == PNLME_SUBSET_EXCLUDED);
  }
  PetscCall(PetscViewerASCIIPrintf(v, "%" PetscInt_FMT " variables: %" PetscInt_FMT " unpenalised, %" PetscInt_FMT " penalised, %" PetscInt_FMT " excluded; lambda %g\n", s->n, nu, np, nx, (double)s->lambda));
  PetscCall(PetscViewerASCIIPrintf(v, "branch and bound: max nodes %" PetscInt64_FMT ", gap tolerance %g + %g |F|, perspective fraction %g\n", s->maxnodes, (double)s->gapabs, (double)s->gaprel, (double)s->pfrac));
  if (s->solved) {
    const PnlmeSubsetStats *st = &s->stats;
    PetscCall(PetscViewerASCIIPrintf(v, "status: %s%s\n", PnlmeSubsetStatuses[st->status], st->status == PNLME_SUBSET_OPTIMAL ? "" : " (NOT proven optimal)"));
    PetscCall(PetscViewerASCIIPrintf(v, "objective %.12g, lower bound %.12g, gap %.3g; initial heuristic %.12g\n", (double)st->objective, (double)st->lowerbound, (double)st->gap, (double)st->heuristic));
    PetscCall(PetscViewerASCIIPrintf(v, "candidates %" PetscInt_FMT " (%" PetscInt_FMT " degenerate dropped), selected %" PetscInt_FMT ":", st->candidates, s->ndegenerate, st->selected));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
    for (PetscInt i = 0; i < s->n; i++)
      if (s->role[i] == PNLME_SUBSET_PENALISED && s->x[i] != 0 && shown++ < 40) PetscCall(PetscViewerASCIIPrintf(v, " %" PetscInt_FMT, i));
    PetscCall(PetscViewerASCIIPrintf(v, "%s\n", shown > 40 ? " ..." : ""));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
    PetscCall(PetscViewerASCIIPrintf(v, "nodes %" PetscInt64_FMT ", relaxations %" PetscInt64_FMT " (%" PetscInt64_FMT " TAO iterations), least-squares bounds %" PetscInt64_FMT ", fixed %" PetscInt64_FMT ", eigen %" PetscInt64_FMT ", root delta %.3g, time %.3g s\n",
                                     st->nodes, st->relaxations, st->taoits, st->lsbounds, st->fixed, st->eigen, (double)st->delta, (double)st->time));
  }
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetDestroy(PnlmeSubset *sp)
{
  PnlmeSubset s;
  PetscFunctionBegin;
  if (!*sp) PetscFunctionReturn(0);
  s = *sp;
  PetscValidHeaderSpecific(s, PNLME_CLASSID, 1);
  if (--((PetscObject)s)->refct > 0) {
    *sp = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeSubsetRelaxDestroy(s));
  PetscCall(PnlmeSubsetPoolDestroy(s));
  PetscCall(FreeArrays(s));
  PetscCall(PetscHeaderDestroy(sp));
  PetscFunctionReturn(0);
}
