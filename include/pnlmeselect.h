/* pnlme: exact best-subset selection for covariate models (docs/selection.md).

   PnlmeSubset solves, exactly, the mixed-integer quadratic problem

       minimise  F(x) = 1/2 x^T Q x - q^T x + c + lambda * #{ j penalised : x_j != 0 }

   over x in R^n, where Q is symmetric positive semidefinite.  Every index has a role: unpenalised
   (always in the model, e.g. the typical value), penalised (a candidate covariate effect) or excluded
   (forced out: x_j = 0).  A candidate that must be in the model is simply given the unpenalised role.
   For one parameter with a diagonal Omega, with G = sum_i [1 c_i][1 c_i]^T and b = sum_i [1 c_i] zbar_i,
   the M-step objective (x^T G x - 2 b^T x + c)/omega^2 + lambda ||beta||_0 is Q = 2G/omega^2,
   q = 2b/omega^2; equivalently (same minimiser, objective scaled by omega^2, and Q constant over the
   SAEM iterations so that set-up work is reused) Q = 2G, q = 2b, lambda*omega^2.

   The solver is a branch and bound over the support with perspective relaxations solved by TAO and
   certified by a dual bound, so the answer is optimal within -subset_gap_abs / -subset_gap_rel
   whatever the accuracy of TAO.  When the node limit stops the search, the status says so and the
   gap is reported: a non-optimal answer is never reported as optimal.

   Every rank solves the same problem (the data come from a collective reduction); the answer of rank 0
   is broadcast, so every rank holds bitwise the same solution.  Lifecycle:
   PnlmeSubsetCreate -> PnlmeSubsetSetFromOptions -> PnlmeSubsetSetProblem -> PnlmeSubsetSolve ->
   PnlmeSubsetGetSolution / PnlmeSubsetGetStats / PnlmeSubsetView -> ... (SetProblem + Solve again,
   allocations are reused when the size does not change) -> PnlmeSubsetDestroy.

   Options (prefix -subset_, after the object's own prefix):
     -subset_max_nodes 100000        node limit (a stop is reported as PNLME_SUBSET_NODE_LIMIT)
     -subset_gap_abs 1e-9 -subset_gap_rel 1e-12   optimality tolerance: a node is pruned when its
                                     lower bound >= incumbent - (gap_abs + gap_rel*|incumbent|)
     -subset_perspective_fraction 0.999 perspective diagonal delta_j = eta/[R^-1]_jj, eta this fraction of
                                     lambda_min(U R U), U = diag([R^-1]_jj)^1/2 (R: the scaled reduced Q)
     -subset_perspective_uniform     delta_j = lambda_min(R) instead (for comparison)
     -subset_ridge 0                 relative ridge for the selection; coefficients refitted without it
     -subset_delta_min 1e-6          below this (scaled) eigenvalue bound, nodes use the least-squares bound
     -subset_recompute_ratio 0.8     recompute the node's eigenvalue bound when its active set shrank by this ratio
     -subset_collinear_tol 1e-12     relative Cholesky pivot below which a column is treated as collinear
     -subset_relax_max_it 500        TAO iterations per relaxation (-subset_tao_* are TAO's own options)
     -subset_relax_gap 1e-2          stop TAO when primal - certified bound <= relax_gap * lambda
     -subset_error_if_not_optimal    raise an error instead of returning status NODE_LIMIT
     -subset_view                    view after each solve */
#pragma once
#include "pnlmesys.h"

typedef struct _p_PnlmeSubset *PnlmeSubset;

typedef enum {
  PNLME_SUBSET_UNPENALISED = 0, /* always in the model, no penalty (intercept, forced-in covariate) */
  PNLME_SUBSET_PENALISED   = 1, /* candidate: costs lambda when nonzero */
  PNLME_SUBSET_EXCLUDED    = 2  /* forced out: x_j = 0 */
} PnlmeSubsetRole;
PETSC_EXTERN const char *const PnlmeSubsetRoles[];

typedef enum {
  PNLME_SUBSET_NOT_SOLVED = 0,
  PNLME_SUBSET_OPTIMAL    = 1, /* proven optimal within the gap tolerances */
  PNLME_SUBSET_NODE_LIMIT = 2  /* stopped by -subset_max_nodes: best found, lower bound and gap reported */
} PnlmeSubsetStatus;
PETSC_EXTERN const char *const PnlmeSubsetStatuses[];

typedef struct {
  PnlmeSubsetStatus status;
  PetscInt64        nodes;         /* nodes processed (popped and not pruned on their inherited bound) */
  PetscInt64        relaxations;   /* perspective relaxations solved by TAO */
  PetscInt64        taoits;        /* TAO iterations over all relaxations */
  PetscInt64        lsbounds;      /* least-squares bounds (nodes whose active set is numerically singular) */
  PetscInt64        fixed;         /* variables fixed by reduced-cost tests */
  PetscInt64        incumbents;    /* improvements of the incumbent after the initial heuristic */
  PetscInt64        eigen;         /* eigenvalue bounds computed (root and nodes) */
  PetscBool         cached;        /* the root eigenvalue bound came from the previous set-up (Q unchanged) */
  PetscInt          candidates;    /* penalised candidates after set-up (degenerate ones dropped) */
  PetscInt          selected;      /* penalised candidates in the solution */
  PetscReal         objective;     /* F at the solution */
  PetscReal         lowerbound;    /* proven lower bound on the optimum of F */
  PetscReal         gap;           /* objective - lowerbound (<= tolerance when OPTIMAL) */
  PetscReal         heuristic;     /* F of the initial heuristic (forward-backward-swap) */
  PetscReal         delta;         /* root perspective diagonal (scaled problem) */
  PetscReal         time;          /* seconds of the last solve on rank 0 */
} PnlmeSubsetStats;

PETSC_EXTERN PetscErrorCode PnlmeSubsetCreate(MPI_Comm, PnlmeSubset *);
PETSC_EXTERN PetscErrorCode PnlmeSubsetSetOptionsPrefix(PnlmeSubset, const char[]);
PETSC_EXTERN PetscErrorCode PnlmeSubsetSetFromOptions(PnlmeSubset);
/* the node limit (before SetFromOptions to make it the default of -subset_max_nodes) */
PETSC_EXTERN PetscErrorCode PnlmeSubsetSetMaxNodes(PnlmeSubset, PetscInt64);
/* Q: n x n row-major symmetric PSD; q: n; role: n entries (NULL: every index penalised); lambda >= 0.
   The data are copied.  Must be the same on every rank. */
PETSC_EXTERN PetscErrorCode PnlmeSubsetSetProblem(PnlmeSubset, PetscInt n, const PetscReal Q[], const PetscReal q[], PetscReal c, const PnlmeSubsetRole role[], PetscReal lambda);
/* change lambda only (for a ramp), keeping Q, q, c and the roles */
PETSC_EXTERN PetscErrorCode PnlmeSubsetSetLambda(PnlmeSubset, PetscReal lambda);
PETSC_EXTERN PetscErrorCode PnlmeSubsetSetUp(PnlmeSubset);
PETSC_EXTERN PetscErrorCode PnlmeSubsetSolve(PnlmeSubset);
/* x: n values; support: n flags (unpenalised indices are always in); any may be NULL */
PETSC_EXTERN PetscErrorCode PnlmeSubsetGetSolution(PnlmeSubset, PetscReal x[], PetscBool support[], PetscReal *objective);
PETSC_EXTERN PetscErrorCode PnlmeSubsetGetStats(PnlmeSubset, PnlmeSubsetStats *);
PETSC_EXTERN PetscErrorCode PnlmeSubsetView(PnlmeSubset, PetscViewer);
PETSC_EXTERN PetscErrorCode PnlmeSubsetDestroy(PnlmeSubset *);

/* log events (registered on first PnlmeSubsetCreate) */
PETSC_EXTERN PetscLogEvent PNLME_SubsetSolve, PNLME_SubsetSetUp, PNLME_SubsetHeuristic, PNLME_SubsetRelax;
