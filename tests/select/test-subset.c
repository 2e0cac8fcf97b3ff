/* PnlmeSubset: exact best-subset selection against brute-force enumeration of every support
   (independent, correlated and nearly collinear covariates; lambda from 0 to huge; forced-in and
   forced-out masks; a general non-separable Q), 200 candidates with a sparse truth (N = 2425, lambda =
   log N), repeated solves reusing the set-up, and the errors.  Every rank must hold bitwise the same
   answers; with -test_out FILE rank 0 writes them (hex floats) for the comparison across rank counts.
   Options: -test_seed, -test_trials (random problems per size), -test_out, -test_error <what>
   (raise that error through PnlmeAppMain, for the message test). */
#include <pnlmetest.h>
#include <pnlmeselect.h>

/* the project's Philox streams (deterministic, the same on every rank) */
typedef PnlmeRNG Rng;
#define RngUniform PnlmeRNGUniform
#define RngNormal  PnlmeRNGNormal

typedef enum { DESIGN_INDEPENDENT, DESIGN_CORRELATED, DESIGN_COLLINEAR, DESIGN_SINGULAR, DESIGN_GENERAL } Design;
static const char *DesignNames[] = {"independent", "correlated", "near-collinear", "singular (duplicate and constant covariates)", "general Q"};

/* A regression M-step: intercept + p covariates over N subjects; Q = 2G/omega^2, q = 2b/omega^2,
   c = sum zbar^2/omega^2 (objective = RSS/omega^2).  The general design: Q = B^T B with B random,
   q random: no regression structure, non-separable. */
static void MakeProblem(Rng *rng, Design d, PetscInt p, PetscInt N, PetscReal Q[], PetscReal q[], PetscReal *c)
{
  PetscInt n = p + 1;
  for (PetscInt i = 0; i < n * n; i++) Q[i] = 0;
  for (PetscInt i = 0; i < n; i++) q[i] = 0;
  *c = 0;
  if (d == DESIGN_GENERAL) {
    PetscInt rows = n + 3;
    for (PetscInt k = 0; k < rows; k++) {
      double b[64];
      b[0] = RngNormal(rng);
      for (PetscInt i = 1; i < n; i++) b[i] = RngNormal(rng) + (i % 3 == 0 ? 0.5 * b[0] : 0.0);
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt j = 0; j < n; j++) Q[i * n + j] += b[i] * b[j];
    }
    for (PetscInt i = 0; i < n; i++) q[i] = 2.0 * RngNormal(rng);
    *c = 3.0;
    return;
  }
  {
    double beta[64], omega = 0.5, rho = d == DESIGN_CORRELATED ? 0.85 : 0.0;
    for (PetscInt j = 0; j < p; j++) {
      double u = RngUniform(rng);
      /* a few clear effects, a few at the margin of lambda, the rest zero */
      beta[j] = u < 0.2 ? 0.3 * RngNormal(rng) : (u < 0.45 ? 0.05 * RngNormal(rng) : 0.0);
    }
    for (PetscInt i = 0; i < N; i++) {
      double cv[65], f = RngNormal(rng), z;
      cv[0] = 1.0;
      for (PetscInt j = 0; j < p; j++) {
        double e = RngNormal(rng);
        if (d == DESIGN_COLLINEAR && j % 2 == 1) cv[j + 1] = cv[j] + 0.03 * e; /* pairs with correlation ~0.9995 */
        else if (d == DESIGN_SINGULAR && j == 2) cv[j + 1] = cv[j];            /* an exact duplicate */
        else if (d == DESIGN_SINGULAR && j == p - 1) cv[j + 1] = 2.5;           /* constant: collinear with the intercept */
        else cv[j + 1] = sqrt(rho) * f + sqrt(1 - rho) * e + 0.3;           /* not centred: the intercept matters */
      }
      z = 1.2;
      for (PetscInt j = 0; j < p; j++) z += beta[j] * cv[j + 1];
      z += omega * RngNormal(rng);
      for (PetscInt a = 0; a < n; a++) {
        for (PetscInt b = 0; b < n; b++) Q[a * n + b] += 2.0 * cv[a] * cv[b] / (omega * omega);
        q[a] += 2.0 * cv[a] * z / (omega * omega);
      }
      *c += z * z / (omega * omega);
    }
  }
}

/* Cholesky solve of the k x k system Q_TT x = q_T; returns the quadratic minimum -1/2 q_T^T x, or
   +inf when Q_TT is (numerically) singular: such a support is never needed, one without the collinear
   column reaches the same quadratic minimum with a smaller penalty */
static PetscErrorCode QuadMin(PetscInt n, const PetscReal Q[], const PetscReal q[], PetscInt k, const PetscInt T[], PetscReal x[], PetscReal *val)
{
  PetscReal L[64 * 64], y[64];
  PetscFunctionBegin;
  for (PetscInt a = 0; a < k; a++)
    for (PetscInt b = 0; b <= a; b++) {
      PetscReal v = Q[T[a] * n + T[b]];
      for (PetscInt l = 0; l < b; l++) v -= L[a * 64 + l] * L[b * 64 + l];
      if (a == b) {
        if (!(v > 1e-10 * Q[T[a] * n + T[a]])) {
          *val = PETSC_MAX_REAL;
          PetscFunctionReturn(0);
        }
        L[a * 64 + a] = sqrt(v);
      } else L[a * 64 + b] = v / L[b * 64 + b];
    }
  for (PetscInt a = 0; a < k; a++) {
    PetscReal v = q[T[a]];
    for (PetscInt l = 0; l < a; l++) v -= L[a * 64 + l] * y[l];
    y[a] = v / L[a * 64 + a];
  }
  *val = 0;
  for (PetscInt a = 0; a < k; a++) *val -= 0.5 * y[a] * y[a];
  for (PetscInt a = k - 1; a >= 0; a--) {
    PetscReal v = y[a];
    for (PetscInt l = a + 1; l < k; l++) v -= L[l * 64 + a] * x[l];
    x[a] = v / L[a * 64 + a];
  }
  PetscFunctionReturn(0);
}

/* every support of the penalised indices: the best and second-best objective and the best support */
static PetscErrorCode BruteForce(PetscInt n, const PetscReal Q[], const PetscReal q[], PetscReal c, const PnlmeSubsetRole role[], PetscReal lambda, PetscReal *best, PetscReal *second, PetscBool bestsupp[])
{
  PetscInt pen[64], np = 0, nu = 0, T[64], x0[64];
  PetscReal x[64];
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    if (role[i] == PNLME_SUBSET_PENALISED) pen[np++] = i;
    if (role[i] == PNLME_SUBSET_UNPENALISED) x0[nu++] = i;
  }
  *best = *second = PETSC_MAX_REAL;
  for (PetscInt mask = 0; mask < (1 << np); mask++) {
    PetscInt  k = 0, bits = 0;
    PetscReal v;
    for (PetscInt a = 0; a < nu; a++) T[k++] = x0[a];
    for (PetscInt j = 0; j < np; j++)
      if (mask >> j & 1) {
        T[k++] = pen[j];
        bits++;
      }
    if (k == 0) v = 0;
    else PetscCall(QuadMin(n, Q, q, k, T, x, &v));
    if (v == PETSC_MAX_REAL) continue;
    v += c + lambda * bits;
    if (v < *best) {
      *second = *best;
      *best   = v;
      for (PetscInt i = 0; i < n; i++) bestsupp[i] = (PetscBool)(role[i] == PNLME_SUBSET_UNPENALISED);
      for (PetscInt j = 0; j < np; j++)
        if (mask >> j & 1) bestsupp[pen[j]] = PETSC_TRUE;
    } else if (v < *second) *second = v;
  }
  PetscFunctionReturn(0);
}

typedef struct {
  FILE    *out;
  uint64_t hash;
  PetscInt nsolves;
} Record;

static void Hash(Record *rec, const void *p, size_t len)
{
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < len; i++) rec->hash = (rec->hash ^ b[i]) * 1099511628211ULL;
}

static PetscErrorCode RecordSolution(Record *rec, const char label[], PetscInt n, const PetscReal x[], PetscReal F)
{
  PetscFunctionBegin;
  Hash(rec, x, sizeof(PetscReal) * n);
  Hash(rec, &F, sizeof(F));
  rec->nsolves++;
  if (rec->out) {
    fprintf(rec->out, "%s F=%a x=", label, (double)F);
    for (PetscInt i = 0; i < n; i++) fprintf(rec->out, "%s%a", i ? "," : "", (double)x[i]);
    fprintf(rec->out, "\n");
  }
  PetscFunctionReturn(0);
}

/* random problems of size p against brute force */
static PetscErrorCode BruteForceSuite(PnlmeSubset s, Rng *rng, PetscInt p, Design d, PetscInt trials, Record *rec, PetscInt *nchecked, PetscInt64 *nodes)
{
  PetscInt         n = p + 1, N = 150;
  PetscReal        Q[65 * 65], q[65], c, x[65], F, best, second, lambdas[6];
  PnlmeSubsetRole  role[65];
  PetscBool        supp[65], bsupp[65];
  PnlmeSubsetStats st;
  char             label[128];
  PetscFunctionBegin;
  lambdas[0] = 0;
  lambdas[1] = 0.5;
  lambdas[2] = 2.0;
  lambdas[3] = log((double)N);
  lambdas[4] = 25.0;
  lambdas[5] = 1e9;
  for (PetscInt t = 0; t < trials; t++) {
    PetscInt masks = (t % 3 == 2 && n >= 4) ? 1 : 0; /* every third trial: forced-in and forced-out candidates */
    MakeProblem(rng, d, p, N, Q, q, &c);
    for (PetscInt i = 0; i < n; i++) role[i] = PNLME_SUBSET_PENALISED;
    role[0] = PNLME_SUBSET_UNPENALISED; /* the intercept */
    if (d == DESIGN_GENERAL) role[1] = PNLME_SUBSET_UNPENALISED;
    if (masks) {
      role[2]     = PNLME_SUBSET_UNPENALISED; /* forced in */
      role[n - 1] = PNLME_SUBSET_EXCLUDED;    /* forced out */
      if (n > 6) role[4] = PNLME_SUBSET_EXCLUDED;
    }
    for (PetscInt l = 0; l < 6; l++) {
      PetscReal tol;
      PetscCall(PnlmeSubsetSetProblem(s, n, Q, q, c, role, lambdas[l]));
      PetscCall(PnlmeSubsetSolve(s));
      PetscCall(PnlmeSubsetGetSolution(s, x, supp, &F));
      PetscCall(PnlmeSubsetGetStats(s, &st));
      PetscCall(BruteForce(n, Q, q, c, role, lambdas[l], &best, &second, bsupp));
      tol = 1e-9 * (1.0 + PetscAbsReal(best)) + 1e-7;
      PetscCall(PetscSNPrintf(label, sizeof(label), "p=%" PetscInt_FMT " %s trial %" PetscInt_FMT " lambda %g%s", p, DesignNames[d], t, (double)lambdas[l], masks ? " (masks)" : ""));
      PNLME_TEST_CHECK(st.status == PNLME_SUBSET_OPTIMAL, "%s: status %s", label, PnlmeSubsetStatuses[st.status]);
      PNLME_TEST_CHECK(PetscAbsReal(F - best) <= tol, "%s: objective %.15g, brute force %.15g (difference %g)", label, (double)F, (double)best, (double)(F - best));
      PNLME_TEST_CHECK(st.lowerbound <= F + tol && st.lowerbound >= best - tol - 1e-9 * PetscAbsReal(best), "%s: lower bound %.15g vs optimum %.15g", label, (double)st.lowerbound, (double)best);
      if (second - best > 1e-6 * (1.0 + PetscAbsReal(best)))
        for (PetscInt i = 0; i < n; i++) PNLME_TEST_CHECK(supp[i] == bsupp[i], "%s: support differs from brute force at index %" PetscInt_FMT " (objective %.15g, brute %.15g)", label, i, (double)F, (double)best);
      for (PetscInt i = 0; i < n; i++) {
        if (role[i] == PNLME_SUBSET_EXCLUDED) PNLME_TEST_CHECK(x[i] == 0, "%s: excluded index %" PetscInt_FMT " is %g", label, i, (double)x[i]);
        if (role[i] == PNLME_SUBSET_UNPENALISED) PNLME_TEST_CHECK(supp[i], "%s: unpenalised index %" PetscInt_FMT " not in the support", label, i);
      }
      PetscCall(RecordSolution(rec, label, n, x, F));
      *nodes += st.nodes;
      (*nchecked)++;
    }
  }
  PetscFunctionReturn(0);
}

/* 200 candidates, 5 true effects, N = 2425, lambda = log N */
static PetscErrorCode SparseTruth(PnlmeSubset s, PetscInt seed, PetscBool exact, Record *rec)
{
  Rng              rngs, *rng = &rngs;
  const PetscInt   p = 200, n = p + 1, N = 2425, truth[5] = {7, 42, 99, 150, 188};
  const PetscReal  btrue[5] = {0.10, -0.08, 0.06, 0.05, -0.045}, omega = 0.3;
  PnlmeRNGInit(rng, 7, (uint64_t)seed, 0);
  PetscReal       *Q, *q, *x, *cv, c = 0, F, lambda = log((double)N);
  PnlmeSubsetRole *role;
  PetscBool       *supp;
  PnlmeSubsetStats st, st2;
  PetscFunctionBegin;
  PetscCall(PetscCalloc6(n * n, &Q, n, &q, n, &x, n, &cv, n, &role, n, &supp));
  for (PetscInt i = 0; i < N; i++) {
    PetscReal z = 0.7;
    cv[0]       = 1.0;
    for (PetscInt j = 1; j < n; j++) cv[j] = RngNormal(rng) + (j % 5 == 0 ? 1.0 : 0.0);
    for (PetscInt k = 0; k < 5; k++) z += btrue[k] * cv[truth[k]];
    z += omega * RngNormal(rng);
    for (PetscInt a = 0; a < n; a++) {
      for (PetscInt b = 0; b < n; b++) Q[a * n + b] += 2.0 * cv[a] * cv[b] / (omega * omega);
      q[a] += 2.0 * cv[a] * z / (omega * omega);
    }
    c += z * z / (omega * omega);
  }
  for (PetscInt i = 0; i < n; i++) role[i] = i ? PNLME_SUBSET_PENALISED : PNLME_SUBSET_UNPENALISED;
  PetscCall(PnlmeSubsetSetProblem(s, n, Q, q, c, role, lambda));
  PetscCall(PnlmeSubsetSolve(s));
  PetscCall(PnlmeSubsetGetSolution(s, x, supp, &F));
  PetscCall(PnlmeSubsetGetStats(s, &st));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "p=200 sparse truth: %s, selected %" PetscInt_FMT ", objective %.10g (heuristic %.10g), nodes %" PetscInt64_FMT ", relaxations %" PetscInt64_FMT ", TAO its %" PetscInt64_FMT ", time %.4f s\n",
                        PnlmeSubsetStatuses[st.status], st.selected, (double)F, (double)st.heuristic, st.nodes, st.relaxations, st.taoits, (double)st.time));
  PNLME_TEST_CHECK(st.status == PNLME_SUBSET_OPTIMAL, "p=200: not proven optimal (gap %g)", (double)st.gap);
  PNLME_TEST_CHECK(st.time < 1.0, "p=200: solve took %g s (limit 1 s)", (double)st.time);
  {
    PetscInt T[64], k = 0, nfalse = 0;
    PetscReal v, xs[64], Fs;
    for (PetscInt j = 0; j < n; j++)
      if (supp[j]) T[k++] = j;
    PNLME_TEST_CHECK(k < 60, "p=200: %" PetscInt_FMT " selected", k);
    PetscCall(QuadMin(n, Q, q, k, T, xs, &v));
    Fs = v + c + lambda * (k - 1);
    PNLME_TEST_CHECK(PetscAbsReal(Fs - F) <= 1e-9 * PetscAbsReal(F), "p=200: objective %.15g, recomputed %.15g", (double)F, (double)Fs);
    /* independent check of local optimality: no single covariate added or dropped improves */
    for (PetscInt j = 1; j < n; j++) {
      PetscInt  T2[64], k2 = 0;
      PetscReal v2;
      for (PetscInt a = 0; a < k; a++)
        if (T[a] != j) T2[k2++] = T[a];
      if (!supp[j]) T2[k2++] = j;
      PetscCall(QuadMin(n, Q, q, k2, T2, xs, &v2));
      PNLME_TEST_CHECK(v2 + c + lambda * (k2 - 1) > F, "p=200: %s covariate %" PetscInt_FMT " improves the objective", supp[j] ? "dropping" : "adding", j);
    }
    for (PetscInt j = 1; j < n; j++) {
      PetscBool istrue = PETSC_FALSE;
      for (PetscInt a = 0; a < 5; a++) istrue = (PetscBool)(istrue || truth[a] == j);
      if (istrue) PNLME_TEST_CHECK(supp[j], "p=200: true covariate %" PetscInt_FMT " not selected", j);
      else if (supp[j]) nfalse++;
    }
    /* lambda = log N keeps a noise covariate with probability P(chi2_1 > log N) = 0.5%: about one of
       195 per data set (exactly the truth in about one data set in three: seeds 2 and 5 of 1..8).  The
       default data set (-test_sparse_seed 2) is one where BIC selects exactly the truth, and that is
       asserted; with other seeds the noise covariates selected are legitimate optima (checked above). */
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "p=200: all 5 true covariates selected, %" PetscInt_FMT " noise covariates selected\n", nfalse));
    if (exact) PNLME_TEST_CHECK(nfalse == 0, "p=200: %" PetscInt_FMT " noise covariates selected with the default data set", nfalse);
  }
  for (PetscInt k = 0; k < 5; k++) PNLME_TEST_CHECK(PetscAbsReal(x[truth[k]] - btrue[k]) < 0.03, "p=200: beta %" PetscInt_FMT " = %g, true %g", truth[k], (double)x[truth[k]], (double)btrue[k]);
  PetscCall(RecordSolution(rec, "p=200", n, x, F));
  /* the next M-step: Q unchanged, a new right-hand side -> the set-up (eigenvalue bound) is reused */
  for (PetscInt a = 0; a < n; a++) q[a] *= 1.001;
  PetscCall(PnlmeSubsetSetProblem(s, n, Q, q, c, role, lambda));
  PetscCall(PnlmeSubsetSolve(s));
  PetscCall(PnlmeSubsetGetStats(s, &st2));
  PNLME_TEST_CHECK(st2.status == PNLME_SUBSET_OPTIMAL && st2.time < 1.0, "p=200 again: %s in %g s", PnlmeSubsetStatuses[st2.status], (double)st2.time);
  PNLME_TEST_CHECK(st2.cached && !st.cached, "p=200 again: the root eigenvalue bound was %s", st2.cached ? "cached at the first solve" : "recomputed");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "p=200 again (set-up reused): nodes %" PetscInt64_FMT ", time %.4f s\n", st2.nodes, (double)st2.time));
  PetscCall(PnlmeSubsetGetSolution(s, x, NULL, &F));
  PetscCall(RecordSolution(rec, "p=200 again", n, x, F));
  /* pure noise at p = 200: nothing should beat lambda = log N by much; the answer must be proven */
  PetscCall(PetscArrayzero(Q, n * n));
  PetscCall(PetscArrayzero(q, n));
  c = 0;
  for (PetscInt i = 0; i < N; i++) {
    PetscReal z = 0.7 + omega * RngNormal(rng);
    cv[0]       = 1.0;
    for (PetscInt j = 1; j < n; j++) cv[j] = RngNormal(rng);
    for (PetscInt a = 0; a < n; a++) {
      for (PetscInt b = 0; b < n; b++) Q[a * n + b] += 2.0 * cv[a] * cv[b] / (omega * omega);
      q[a] += 2.0 * cv[a] * z / (omega * omega);
    }
    c += z * z / (omega * omega);
  }
  PetscCall(PnlmeSubsetSetProblem(s, n, Q, q, c, role, lambda));
  PetscCall(PnlmeSubsetSolve(s));
  PetscCall(PnlmeSubsetGetStats(s, &st));
  PetscCall(PnlmeSubsetGetSolution(s, x, NULL, &F));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "p=200 pure noise: %s, selected %" PetscInt_FMT ", nodes %" PetscInt64_FMT ", time %.4f s\n", PnlmeSubsetStatuses[st.status], st.selected, st.nodes, (double)st.time));
  PNLME_TEST_CHECK(st.status == PNLME_SUBSET_OPTIMAL && st.time < 1.0, "p=200 pure noise: %s in %g s", PnlmeSubsetStatuses[st.status], (double)st.time);
  PetscCall(RecordSolution(rec, "p=200 noise", n, x, F));
  PetscCall(PetscFree6(Q, q, x, cv, role, supp));
  PetscFunctionReturn(0);
}

/* the node limit is reported, never hidden: a problem that needs more than one node (the first such of
   the random problems), stopped after one */
static PetscErrorCode NodeLimit(PnlmeSubset s, Rng *rng)
{
  PetscInt         p = 14, n = p + 1;
  PetscReal        Q[15 * 15], q[15], c, F, Fopt, best, second, lambda = 0.3;
  PnlmeSubsetRole  role[15];
  PetscBool        bsupp[15];
  PnlmeSubsetStats st, stopt;
  PnlmeSubset      lim;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) role[i] = i ? PNLME_SUBSET_PENALISED : PNLME_SUBSET_UNPENALISED;
  /* the first of the stream's correlated problems that the root alone does not settle */
  for (PetscInt tries = 0; tries < 50; tries++) {
    MakeProblem(rng, DESIGN_CORRELATED, p, 150, Q, q, &c);
    PetscCall(PnlmeSubsetSetProblem(s, n, Q, q, c, role, lambda));
    PetscCall(PnlmeSubsetSolve(s));
    PetscCall(PnlmeSubsetGetStats(s, &stopt));
    if (stopt.nodes > 1) break;
  }
  PetscCall(PnlmeSubsetGetSolution(s, NULL, NULL, &Fopt));
  PetscCall(BruteForce(n, Q, q, c, role, lambda, &best, &second, bsupp));
  PNLME_TEST_CHECK(stopt.status == PNLME_SUBSET_OPTIMAL && PetscAbsReal(Fopt - best) <= 1e-9 * PetscAbsReal(best) + 1e-7, "node limit problem: unlimited solve %s, %.15g vs %.15g", PnlmeSubsetStatuses[stopt.status], (double)Fopt, (double)best);
  PNLME_TEST_CHECK(stopt.nodes > 1, "node limit problem: solved in %" PetscInt64_FMT " node, not a test of the limit", stopt.nodes);

  PetscCall(PetscOptionsSetValue(NULL, "-limited_subset_max_nodes", "1"));
  PetscCall(PnlmeSubsetCreate(PETSC_COMM_WORLD, &lim));
  PetscCall(PnlmeSubsetSetOptionsPrefix(lim, "limited_"));
  PetscCall(PnlmeSubsetSetFromOptions(lim));
  PetscCall(PnlmeSubsetSetProblem(lim, n, Q, q, c, role, lambda));
  PetscCall(PnlmeSubsetSolve(lim));
  PetscCall(PnlmeSubsetGetStats(lim, &st));
  PetscCall(PnlmeSubsetGetSolution(lim, NULL, NULL, &F));
  PNLME_TEST_CHECK(st.nodes == 1 && st.status == PNLME_SUBSET_NODE_LIMIT, "node limit 1: %" PetscInt64_FMT " nodes, status %s", st.nodes, PnlmeSubsetStatuses[st.status]);
  PNLME_TEST_CHECK(st.gap > 0 && st.lowerbound <= best + 1e-9 * PetscAbsReal(best) + 1e-7 && F >= best - 1e-9 * PetscAbsReal(best) - 1e-7, "node limit: objective %.15g, lower bound %.15g, optimum %.15g, gap %g", (double)F, (double)st.lowerbound, (double)best, (double)st.gap);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "node limit 1 (the problem needs %" PetscInt64_FMT " nodes): status %s, objective %.10g, lower bound %.10g, optimum %.10g\n", stopt.nodes, PnlmeSubsetStatuses[st.status], (double)F, (double)st.lowerbound, (double)best));
  /* and with -subset_error_if_not_optimal the stop is an error */
  PetscCall(PetscOptionsSetValue(NULL, "-limited_subset_error_if_not_optimal", "1"));
  PetscCall(PnlmeSubsetSetFromOptions(lim));
  {
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PnlmeSubsetSolve(lim);
    PetscCall(PetscPopErrorHandler());
    PNLME_TEST_CHECK(ierr == PETSC_ERR_USER, "-subset_error_if_not_optimal: no error at the node limit");
  }
  PetscCall(PnlmeSubsetDestroy(&lim));
  PetscCall(PetscOptionsClearValue(NULL, "-limited_subset_max_nodes"));
  PetscCall(PetscOptionsClearValue(NULL, "-limited_subset_error_if_not_optimal"));
  PetscFunctionReturn(0);
}

/* errors: each call must fail with an error code (the messages are checked by the -test_error runs) */
static PetscErrorCode ExpectError(PetscErrorCode ierr, const char what[])
{
  PetscFunctionBegin;
  PNLME_TEST_CHECK(ierr != 0, "expected an error for %s", what);
  PetscFunctionReturn(0);
}

static PetscErrorCode ErrorCase(PnlmeSubset s, const char which[])
{
  PetscReal       Q[9] = {4, 1, 0, 1, 3, 0, 0, 0, 2}, q[3] = {1, 2, 3};
  PnlmeSubsetRole role[3] = {PNLME_SUBSET_UNPENALISED, PNLME_SUBSET_PENALISED, PNLME_SUBSET_PENALISED};
  PetscBool       flg;
  PetscFunctionBegin;
  PetscCall(PetscStrcmp(which, "size", &flg));
  if (flg) PetscCall(PnlmeSubsetSetProblem(s, 0, Q, q, 0, role, 1.0));
  PetscCall(PetscStrcmp(which, "lambda", &flg));
  if (flg) PetscCall(PnlmeSubsetSetProblem(s, 3, Q, q, 0, role, -1.0));
  PetscCall(PetscStrcmp(which, "nan", &flg));
  if (flg) PetscCall(PnlmeSubsetSetProblem(s, 3, Q, q, 0, role, NAN));
  PetscCall(PetscStrcmp(which, "symmetric", &flg));
  if (flg) {
    Q[1] = 2;
    PetscCall(PnlmeSubsetSetProblem(s, 3, Q, q, 0, role, 1.0));
  }
  PetscCall(PetscStrcmp(which, "psd", &flg));
  if (flg) {
    Q[5] = Q[7] = 5; /* [[3,5],[5,2]] on the candidates */
    PetscCall(PnlmeSubsetSetProblem(s, 3, Q, q, 0, role, 1.0));
    PetscCall(PnlmeSubsetSolve(s));
  }
  PetscCall(PetscStrcmp(which, "unbounded", &flg));
  if (flg) {
    Q[8] = 0; /* candidate 2 without curvature, q_2 = 3 */
    PetscCall(PnlmeSubsetSetProblem(s, 3, Q, q, 0, role, 1.0));
    PetscCall(PnlmeSubsetSolve(s));
  }
  PetscCall(PetscStrcmp(which, "unpenalised", &flg));
  if (flg) {
    Q[0] = 0;
    Q[1] = Q[3] = 0;
    PetscCall(PnlmeSubsetSetProblem(s, 3, Q, q, 0, role, 1.0));
    PetscCall(PnlmeSubsetSolve(s));
  }
  PetscCall(PetscStrcmp(which, "order", &flg));
  if (flg) {
    PnlmeSubset t;
    PetscCall(PnlmeSubsetCreate(PETSC_COMM_WORLD, &t));
    PetscCall(PnlmeSubsetSolve(t));
    PetscCall(PnlmeSubsetDestroy(&t));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Errors(void)
{
  const char *cases[] = {"size", "lambda", "nan", "symmetric", "psd", "unbounded", "unpenalised", "order"};
  PetscFunctionBegin;
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    PnlmeSubset    s;
    PetscErrorCode ierr;
    PetscCall(PnlmeSubsetCreate(PETSC_COMM_WORLD, &s));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = ErrorCase(s, cases[k]);
    PetscCall(PetscPopErrorHandler());
    PetscCall(ExpectError(ierr, cases[k]));
    PetscCall(PnlmeSubsetDestroy(&s));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "errors: %d bad inputs rejected\n", (int)(sizeof(cases) / sizeof(cases[0]))));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PnlmeSubset s;
  Rng         rng;
  PetscInt    seed = 1, trials = 4, nchecked = 0, sparseseed = 2;
  PetscBool   sparseset = PETSC_FALSE;
  PetscInt64  nodes = 0;
  char        outfile[PETSC_MAX_PATH_LEN] = "", errcase[64] = "";
  PetscBool   flg;
  PetscMPIInt rank;
  Record      rec = {NULL, 1469598103934665603ULL, 0};
  uint64_t    hmin, hmax;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-test_seed", &seed, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-test_trials", &trials, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-test_sparse_seed", &sparseseed, &sparseset));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_out", outfile, sizeof(outfile), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_error", errcase, sizeof(errcase), &flg));
  PetscCall(PnlmeSubsetCreate(PETSC_COMM_WORLD, &s));
  PetscCall(PnlmeSubsetSetFromOptions(s));
  if (flg) { /* one error through PnlmeAppMain: its one-line message is checked by the ctest */
    PetscCall(ErrorCase(s, errcase));
    PetscCall(PnlmeSubsetDestroy(&s));
    PetscFunctionReturn(0);
  }
  if (outfile[0] && rank == 0) {
    rec.out = fopen(outfile, "w");
    PNLME_TEST_CHECK(rec.out, "cannot write %s", outfile);
  }
  PnlmeRNGInit(&rng, 1, (uint64_t)seed, 0);
  for (Design d = DESIGN_INDEPENDENT; d <= DESIGN_GENERAL; d++) {
    const PetscInt sizes[] = {1, 4, 8, 12, 14};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) PetscCall(BruteForceSuite(s, &rng, sizes[k], d, sizes[k] >= 12 ? PetscMax(1, trials / 2) : trials, &rec, &nchecked, &nodes));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "brute force: %" PetscInt_FMT " problems (p = 1..14; independent, correlated, near-collinear, singular, general Q; lambda 0..1e9; masks) agree, %" PetscInt64_FMT " nodes in all\n", nchecked, nodes));
  PetscCall(SparseTruth(s, sparseseed, (PetscBool)!sparseset, &rec));
  PetscCall(NodeLimit(s, &rng));
  PetscCall(Errors());
  /* every rank holds the same answers, bit for bit */
  PetscCallMPI(MPI_Allreduce(&rec.hash, &hmin, 1, MPI_UINT64_T, MPI_MIN, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(&rec.hash, &hmax, 1, MPI_UINT64_T, MPI_MAX, PETSC_COMM_WORLD));
  PNLME_TEST_CHECK(hmin == hmax, "the ranks hold different answers");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%" PetscInt_FMT " solutions identical on every rank (hash %016llx)\n", rec.nsolves, (unsigned long long)hmin));
  if (rec.out) fclose(rec.out);
  PetscCall(PnlmeSubsetDestroy(&s));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "PnlmeSubset test", Run); }
