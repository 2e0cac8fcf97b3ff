/* Private: the PnlmeSubset object (exact best-subset selection, docs/selection.md).
   Files by concern: subset.c (lifecycle, options, view, results), reduce.c (elimination of the
   unpenalised block, scaling, eigenvalue bounds and their cache), support.c (exact value of a support,
   forward-backward-swap heuristic), relax.c (perspective relaxation by TAO and its dual certificate),
   bnb.c (branch and bound). */
#pragma once
#include <petsc/private/petscimpl.h>
#include <petsctao.h>
#include <pnlmeselect.h>

/* perspective diagonal of candidate j for the node's eta */
#define SubsetD(s, eta, j) ((eta) / (s)->u2[j])

/* status of a reduced variable at a node */
#define SUBSET_OUT  ((signed char)-1)
#define SUBSET_FREE ((signed char)0)
#define SUBSET_IN   ((signed char)1)

typedef struct {
  PetscErrorCode (*dummy)(void);
} _PnlmeSubsetOps;

/* one open node of the branch and bound: status and warm start live in the pool at slot*m */
typedef struct {
  PetscReal  lb;     /* valid lower bound (inherited or own) */
  PetscReal  delta;  /* perspective diagonal valid on the node's active set */
  PetscInt   mdelta; /* size of the active set delta was computed for */
  PetscInt   depth;
  PetscInt64 id;     /* creation order: deterministic tie-break */
} SubsetNode;

struct _p_PnlmeSubset {
  PETSCHEADER(_PnlmeSubsetOps);
  /* ---- options */
  PetscInt64 maxnodes;
  PetscReal  gapabs, gaprel, pfrac, deltamin, recompute, collineartol, ridge;
  PetscInt   relaxmaxit;
  PetscBool  errorifnotoptimal, view, uniform;

  /* ---- problem as given (copied) */
  PetscInt         n, nalloc;
  PetscReal       *Q, *q, c, lambda;
  PnlmeSubsetRole *role;
  PetscBool        problemset, setupcalled;

  /* ---- reduced problem (reduce.c): min 1/2 y^T R y - g^T y + c0 + lambda ||y||_0 over m candidates,
     R with unit diagonal; x_pidx[j] = scale[j] * y_j; x_U = Quu^-1 (q_U - Q_UP x_P) */
  PetscInt   nu, m, ndegenerate;
  PetscInt  *uidx, *pidx;     /* [n] each */
  PetscReal *Luu;             /* [n*n] Cholesky factor of Q_UU (row-major lower) */
  PetscReal *W;               /* [n*n] Luu^-1 Q_UP (nu x np) */
  PetscReal *R, *g, *scale;   /* [n*n], [n], [n] */
  PetscReal  c0;
  /* cache of the root eigenvalue bound: R and the role pattern it was computed for */
  PetscReal *Rref;
  PetscInt   mref, nref;
  PetscInt  *pidxref;
  PetscReal  lminref;
  PetscBool  refvalid;
  PetscReal  lmin, deltaroot; /* smallest eigenvalue bound of U R U, root eta */
  /* perspective diagonal d_j = eta / u2_j with u2_j = [(R + tau I)^-1]_jj: R - D is PSD when eta <= lambda_min(U R U),
     U = diag(sqrt(u2)); candidates in collinear groups get a small d_j, the others keep a large one */
  PetscReal *u2, *u2ref;

  /* ---- work (sized n at SetUp) */
  PetscReal   *ework, *eA, *evals;            /* eigenvalue work: [8n], [n*n], [n] */
  PetscReal   *L, *V, *u, *s, *alpha, *ybest, *tmp; /* support.c: [n*n], [n*n], [n] x 5 */
  PetscInt    *list, *list2, *active;         /* [n] */
  signed char *inc, *st;                      /* incumbent support, node status */
  PetscReal   *w, *r, *vu;                                  /* certificate point and residual, Luu^-1 q_U [n] */

  /* ---- TAO relaxation (relax.c): variables [y+ ; y-] of length 2m */
  Tao        tao;
  Vec        ty, txl, txu;
  PetscInt   mtao;
  /* context of the relaxation being solved */
  const signed char *rst;                /* node status */
  PetscReal  rdelta, rlb, rprimal, rcut; /* node delta; best certificate; primal at that point; prune level */
  PetscReal  relaxgap;                   /* stop TAO when primal - certificate <= relaxgap*lambda */
  PetscInt   ractive;                    /* number of active variables (st != OUT) */
  PetscReal *rbestw, *rbestr;            /* [n] the point of the best certificate and its residual */
  PetscReal *ry, *rr;                    /* [n] last evaluated y and residual R y - g - delta y */
  PetscReal *RA, *yA, *vA;               /* [n*n], [n], [n]: R - delta I on the active set, compacted (BLAS) */
  PetscBool  rvalid;

  /* ---- node pool (bnb.c) */
  SubsetNode  *nodes;
  signed char *nstatus; /* [cap*m] */
  PetscReal   *nwarm;   /* [cap*m] */
  PetscInt    *heap, *freeslots;
  PetscInt     cap, nheap, nfree, nused, nodesm; /* nodesm: stride (m) of the pool */
  PetscInt64   nextid;
  PetscReal   *nodew;     /* [n] warm start of the node being processed */
  PetscReal    minpruned; /* smallest lower bound of a pruned node or fixed branch */

  /* ---- results */
  PetscReal       *x;   /* [n] */
  PetscReal        incval; /* reduced objective of the incumbent */
  PnlmeSubsetStats stats;
  PetscBool        solved;
};

/* reduce.c */
PETSC_INTERN PetscErrorCode PnlmeSubsetReduce(PnlmeSubset);
PETSC_INTERN PetscErrorCode PnlmeSubsetMinEigen(PnlmeSubset, PetscInt na, const PetscInt idx[], PetscReal *lmin);
PETSC_INTERN PetscErrorCode PnlmeSubsetRecover(PnlmeSubset, const PetscReal y[]);
/* support.c */
PETSC_INTERN PetscErrorCode PnlmeSubsetEvalSupport(PnlmeSubset, PetscInt k, const PetscInt S[], PetscReal *val, PetscReal y[], PetscInt *kept);
PETSC_INTERN PetscErrorCode PnlmeSubsetHeuristic(PnlmeSubset);
PETSC_INTERN PetscErrorCode PnlmeSubsetTryIncumbent(PnlmeSubset, PetscInt k, const PetscInt S[], PetscBool *improved);
/* relax.c */
PETSC_INTERN PetscErrorCode PnlmeSubsetRelaxSetUp(PnlmeSubset);
PETSC_INTERN PetscErrorCode PnlmeSubsetRelaxDestroy(PnlmeSubset);
PETSC_INTERN PetscErrorCode PnlmeSubsetRelaxSolve(PnlmeSubset, const signed char st[], PetscReal delta, const PetscReal warm[], PetscReal cut, PetscReal *lb);
PETSC_INTERN void           PnlmeSubsetCertificate(PnlmeSubset, const signed char st[], PetscReal delta, const PetscReal w[], PetscBool haver, PetscReal r[], PetscReal *lb, PetscReal *primal);
PETSC_INTERN PetscErrorCode PnlmeSubsetLSBound(PnlmeSubset, const signed char st[], PetscReal *lb);
/* bnb.c */
PETSC_INTERN PetscErrorCode PnlmeSubsetBranchAndBound(PnlmeSubset);
PETSC_INTERN PetscErrorCode PnlmeSubsetPoolDestroy(PnlmeSubset);
