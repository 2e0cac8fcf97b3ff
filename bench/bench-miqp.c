/* PnlmeSubset (exact best-subset selection, docs/selection.md): time per solve, nodes, relaxations.

   For p candidates and N subjects, each data set is one M-step of one parameter: zbar_i = mu +
   sum_j beta_j c_ij + omega e_i, Q = 2G/omega^2, q = 2b/omega^2, lambda = log N, the intercept
   unpenalised.  Scenarios: "sparse" (5 true effects, the rest noise), "noise" (no effect), "corr"
   (5 true effects, covariates equicorrelated at 0.7); with -bench_pairs also "pairs5" (5 true effects,
   covariates 1..10 in 5 near-duplicate pairs of correlation ~0.999, covariate 1 a true one), with
   -bench_allpairs "allpairs" (every covariate in such a pair: the adversarial case).  "cold" is the first solve of a design (with the
   eigenvalue set-up), "warm" the next M-step (same G, new right-hand side: the set-up is reused).

     build/bench/bench-miqp [-bench_reps 10] [-bench_N 2425] [-bench_p 25,50,100,200] [-bench_lambda log N] [-bench_pairs] [-bench_allpairs]
   One rank is enough (every rank solves the same problem). */
#include <pnlme.h>
#include <pnlmeselect.h>

/* the project's Philox streams (deterministic, the same on every rank) */
typedef PnlmeRNG Rng;
#define RngUniform PnlmeRNGUniform
#define RngNormal  PnlmeRNGNormal

typedef enum { SC_SPARSE, SC_NOISE, SC_CORR, SC_PAIRS5, SC_PAIRSALL } Scenario;
static const char *ScNames[] = {"sparse", "noise", "corr", "pairs5", "allpairs"};

/* Q, q, c for one data set; q2 = the right-hand side of a second data set with the same covariates */
static void MakeData(Rng *rng, Scenario sc, PetscInt p, PetscInt N, PetscReal Q[], PetscReal q[], PetscReal q2[], PetscReal *c, PetscReal *c2)
{
  PetscInt        n = p + 1;
  const PetscReal omega = 0.3, rho = sc == SC_CORR ? 0.7 : 0.0, b[5] = {0.10, -0.08, 0.06, 0.05, -0.045};
  PetscReal      *cv = (PetscReal *)malloc(sizeof(PetscReal) * n);
  for (PetscInt i = 0; i < n * n; i++) Q[i] = 0;
  for (PetscInt i = 0; i < n; i++) q[i] = q2[i] = 0;
  *c = *c2 = 0;
  for (PetscInt i = 0; i < N; i++) {
    PetscReal f = RngNormal(rng), z = 0.7, z2;
    cv[0]       = 1.0;
    for (PetscInt j = 1; j < n; j++) cv[j] = sqrt(rho) * f + sqrt(1 - rho) * RngNormal(rng) + (j % 5 == 0 ? 1.0 : 0.0);
    if (sc == SC_PAIRS5 || sc == SC_PAIRSALL) /* near-duplicate pairs (correlation ~0.999, e.g. weight and BSA) */
      for (PetscInt j = 2; j < (sc == SC_PAIRS5 ? PetscMin(n, 11) : n); j += 2) cv[j] = cv[j - 1] + 0.045 * RngNormal(rng);
    if (sc != SC_NOISE)
      for (PetscInt k = 0; k < 5 && k * (p / 5) + 1 < n; k++) z += b[k] * cv[k * (p / 5) + 1];
    z2 = z + omega * RngNormal(rng);
    z += omega * RngNormal(rng);
    for (PetscInt a = 0; a < n; a++) {
      for (PetscInt bb = 0; bb < n; bb++) Q[a * n + bb] += 2.0 * cv[a] * cv[bb] / (omega * omega);
      q[a] += 2.0 * cv[a] * z / (omega * omega);
      q2[a] += 2.0 * cv[a] * z2 / (omega * omega);
    }
    *c += z * z / (omega * omega);
    *c2 += z2 * z2 / (omega * omega);
  }
  free(cv);
}

static int CmpReal(const void *a, const void *b)
{
  PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return x < y ? -1 : (x > y ? 1 : 0);
}

static PetscErrorCode Run(void)
{
  PetscInt    reps = 10, N = 2425, ps[16] = {25, 50, 100, 200}, np, pmax = 0;
  PetscReal   lambda = -1;
  PetscBool   pairs = PETSC_FALSE, allpairs = PETSC_FALSE;
  PnlmeSubset s;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-bench_reps", &reps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-bench_N", &N, NULL));
  {
    PetscBool flg;
    np = 16;
    PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-bench_p", ps, &np, &flg));
    if (!flg) np = 4;
  }
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-bench_lambda", &lambda, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-bench_pairs", &pairs, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-bench_allpairs", &allpairs, NULL));
  if (lambda < 0) lambda = log((double)N);
  for (PetscInt k = 0; k < np; k++) pmax = PetscMax(pmax, ps[k]);
  PetscCall(PnlmeSubsetCreate(PETSC_COMM_SELF, &s));
  PetscCall(PnlmeSubsetSetFromOptions(s));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "PnlmeSubset: N = %" PetscInt_FMT ", lambda = %.3f, %" PetscInt_FMT " data sets per row; times in ms (median / max)\n", N, (double)lambda, reps));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-7s %4s | %6s %5s | %15s %15s | %12s %12s %12s %6s\n", "case", "p", "sel", "FP", "cold ms", "warm ms", "nodes", "relax", "TAO its", "opt"));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-7s %4s | %6s %5s | %15s %15s | %12s %12s %12s %6s\n", "", "", "mean", "mean", "med / max", "med / max", "mean / max", "mean / max", "mean", ""));
  for (Scenario sc = SC_SPARSE; sc <= SC_PAIRSALL; sc++) {
    if ((sc == SC_PAIRS5 && !pairs) || (sc == SC_PAIRSALL && !allpairs)) continue;
    for (PetscInt k = 0; k < np; k++) {
      PetscInt         p = ps[k], n = p + 1, nopt = 0;
      PetscReal       *Q, *q, *q2, *x, c, c2, *tc, *tw, sel = 0, fp = 0, nodes = 0, relax = 0, its = 0, maxnodes = 0, maxrelax = 0;
      PnlmeSubsetRole *role;
      Rng              rng;
      PnlmeRNGInit(&rng, 3, (uint64_t)sc, (uint64_t)p);
      PetscCall(PetscMalloc7(n * n, &Q, n, &q, n, &q2, n, &x, n, &role, reps, &tc, reps, &tw));
      for (PetscInt i = 0; i < n; i++) role[i] = i ? PNLME_SUBSET_PENALISED : PNLME_SUBSET_UNPENALISED;
      for (PetscInt r = 0; r < reps; r++) {
        PnlmeSubsetStats st;
        MakeData(&rng, sc, p, N, Q, q, q2, &c, &c2);
        for (PetscInt pass = 0; pass < 2; pass++) {
          PetscCall(PnlmeSubsetSetProblem(s, n, Q, pass ? q2 : q, pass ? c2 : c, role, lambda));
          PetscCall(PnlmeSubsetSolve(s));
          PetscCall(PnlmeSubsetGetStats(s, &st));
          PetscCall(PnlmeSubsetGetSolution(s, x, NULL, NULL));
          if (pass == 0) tc[r] = 1e3 * st.time;
          else tw[r] = 1e3 * st.time;
          nopt += (st.status == PNLME_SUBSET_OPTIMAL);
          sel += st.selected;
          for (PetscInt j = 1; j < n; j++) {
            PetscBool istrue = PETSC_FALSE;
            for (PetscInt t = 0; t < 5 && sc != SC_NOISE; t++) istrue = (PetscBool)(istrue || j == t * (p / 5) + 1);
            fp += (!istrue && x[j] != 0);
          }
          nodes += st.nodes;
          relax += st.relaxations;
          its += st.taoits;
          maxnodes = PetscMax(maxnodes, (PetscReal)st.nodes);
          maxrelax = PetscMax(maxrelax, (PetscReal)st.relaxations);
        }
      }
      qsort(tc, reps, sizeof(PetscReal), CmpReal);
      qsort(tw, reps, sizeof(PetscReal), CmpReal);
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-7s %4" PetscInt_FMT " | %6.2f %5.2f | %7.2f / %5.1f %7.2f / %5.1f | %6.1f / %3.0f %6.1f / %3.0f %12.0f %3" PetscInt_FMT "/%" PetscInt_FMT "\n", ScNames[sc], p, (double)(sel / (2 * reps)),
                            (double)(fp / (2 * reps)), (double)tc[reps / 2], (double)tc[reps - 1], (double)tw[reps / 2], (double)tw[reps - 1], (double)(nodes / (2 * reps)), (double)maxnodes, (double)(relax / (2 * reps)), (double)maxrelax,
                            (double)(its / (2 * reps)), nopt, 2 * reps));
      PetscCall(PetscFree7(Q, q, q2, x, role, tc, tw));
    }
  }
  (void)pmax;
  PetscCall(PnlmeSubsetDestroy(&s));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "PnlmeSubset benchmark", Run); }
