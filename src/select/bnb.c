/* PnlmeSubset: branch and bound over the support (docs/selection.md).

   Best-first (smallest lower bound; ties: deeper node, then creation order, so the search is
   deterministic).  A node holds the status of every candidate (OUT, FREE, IN), the lower bound it
   inherited from its parent's certificate, the perspective scale eta valid on its active set
   (delta_j = eta/u2_j, "delta" below) and the
   parent's relaxed point (warm start).  Processing a node:
     1. recompute delta on the active set when it shrank by -subset_recompute_ratio (a principal
        submatrix has a larger smallest eigenvalue: tighter perspective);
     2. relaxation (relax.c) -> certified bound lbw and point w; prune if lb >= incumbent - tol;
     3. rounding of w (y_j with |w_j| >= t/2) evaluated exactly: may improve the incumbent;
     4. reduced-cost fixing with the same certificate: j OUT if lbw + max(0, lambda - r_j^2/(2 delta))
        prunes, j IN if lbw + max(0, r_j^2/(2 delta) - lambda) prunes; the relaxation is solved again
        when a variable was fixed IN or the active set shrank enough to tighten delta;
     5. branch on the most fractional z_j = min(1, |w_j|/t), t = sqrt(2 lambda/delta); the children
        inherit lbw + the increment of their side.
   A node without FREE candidates is a leaf: its support is evaluated exactly. */
#include "select/subsetimpl.h"

static PetscReal Tol(PnlmeSubset s, PetscReal v) { return s->gapabs + s->gaprel * PetscAbsReal(v); }

static PetscBool NodeLess(const SubsetNode *a, const SubsetNode *b)
{
  if (a->lb != b->lb) return (PetscBool)(a->lb < b->lb);
  if (a->depth != b->depth) return (PetscBool)(a->depth > b->depth);
  return (PetscBool)(a->id < b->id);
}

static PetscErrorCode PoolGrow(PnlmeSubset s)
{
  PetscInt     cap = PetscMax(64, 2 * s->cap), m = s->nodesm;
  SubsetNode  *nodes;
  signed char *nst;
  PetscReal   *nw;
  PetscInt    *heap, *fr;
  PetscFunctionBegin;
  PetscCall(PetscMalloc5(cap, &nodes, (size_t)cap * m, &nst, (size_t)cap * m, &nw, cap, &heap, cap, &fr));
  if (s->cap) {
    PetscCall(PetscArraycpy(nodes, s->nodes, s->cap));
    PetscCall(PetscArraycpy(nst, s->nstatus, (size_t)s->cap * m));
    PetscCall(PetscArraycpy(nw, s->nwarm, (size_t)s->cap * m));
    PetscCall(PetscArraycpy(heap, s->heap, s->cap));
    PetscCall(PetscArraycpy(fr, s->freeslots, s->cap));
  }
  PetscCall(PetscFree5(s->nodes, s->nstatus, s->nwarm, s->heap, s->freeslots));
  s->nodes     = nodes;
  s->nstatus   = nst;
  s->nwarm     = nw;
  s->heap      = heap;
  s->freeslots = fr;
  s->cap       = cap;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetPoolDestroy(PnlmeSubset s)
{
  PetscFunctionBegin;
  PetscCall(PetscFree5(s->nodes, s->nstatus, s->nwarm, s->heap, s->freeslots));
  s->cap = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode Push(PnlmeSubset s, const signed char st[], const PetscReal warm[], PetscReal lb, PetscReal delta, PetscInt mdelta, PetscInt depth)
{
  PetscInt slot, i, m = s->m;
  PetscFunctionBegin;
  if (s->nfree > 0) slot = s->freeslots[--s->nfree];
  else {
    if (s->nused == s->cap) PetscCall(PoolGrow(s));
    slot = s->nused++;
  }
  PetscCall(PetscArraycpy(&s->nstatus[(size_t)slot * m], st, m));
  PetscCall(PetscArraycpy(&s->nwarm[(size_t)slot * m], warm, m));
  s->nodes[slot].lb     = lb;
  s->nodes[slot].delta  = delta;
  s->nodes[slot].mdelta = mdelta;
  s->nodes[slot].depth  = depth;
  s->nodes[slot].id     = s->nextid++;
  /* sift up */
  i = s->nheap++;
  while (i > 0) {
    PetscInt p = (i - 1) / 2;
    if (!NodeLess(&s->nodes[slot], &s->nodes[s->heap[p]])) break;
    s->heap[i] = s->heap[p];
    i          = p;
  }
  s->heap[i] = slot;
  PetscFunctionReturn(0);
}

/* remove the top of the heap; its slot is returned (and put on the free list by the caller) */
static PetscInt Pop(PnlmeSubset s)
{
  PetscInt top = s->heap[0], last = s->heap[--s->nheap], i = 0;
  for (;;) {
    PetscInt c = 2 * i + 1;
    if (c >= s->nheap) break;
    if (c + 1 < s->nheap && NodeLess(&s->nodes[s->heap[c + 1]], &s->nodes[s->heap[c]])) c++;
    if (!NodeLess(&s->nodes[s->heap[c]], &s->nodes[last])) break;
    s->heap[i] = s->heap[c];
    i          = c;
  }
  if (s->nheap > 0) s->heap[i] = last;
  return top;
}

static void Pruned(PnlmeSubset s, PetscReal lb) { s->minpruned = PetscMin(s->minpruned, lb); }

static PetscErrorCode ProcessNode(PnlmeSubset s, PetscReal lb, PetscReal delta, PetscInt mdelta, PetscInt depth)
{
  PetscInt     m = s->m, na = 0, nf = 0, bj = -1;
  PetscReal    lam = s->lambda, lbw = PETSC_MIN_REAL, cut, t, best = -1;
  signed char *st = s->st;
  PetscBool    improved, cert = PETSC_FALSE;
  const PetscReal *w, *r;
  PetscFunctionBegin;
  for (PetscInt round = 0; round < 3; round++) {
    PetscInt nfixin = 0, nfixout = 0, k = 0;
    cut = s->incval - Tol(s, s->incval);
    na = nf = 0;
    for (PetscInt j = 0; j < m; j++) {
      if (st[j] != SUBSET_OUT) s->active[na++] = j;
      if (st[j] == SUBSET_FREE) nf++;
    }
    s->ractive = na;
    if (nf == 0) { /* leaf */
      PetscCall(PnlmeSubsetTryIncumbent(s, na, s->active, &improved));
      if (improved) s->stats.incumbents++;
      PetscFunctionReturn(0);
    }
    if (na < mdelta && (PetscReal)na <= s->recompute * (PetscReal)mdelta) {
      PetscReal lmin;
      PetscCall(PnlmeSubsetMinEigen(s, na, s->active, &lmin));
      if (s->pfrac * lmin > delta) delta = s->pfrac * lmin;
      mdelta = na;
    }
    if (!(delta >= s->deltamin)) { /* no useful perspective: least-squares bound, branch on the largest |y_j| */
      PetscCall(PnlmeSubsetLSBound(s, st, &lbw));
      lb = PetscMax(lb, lbw);
      if (lb >= cut) {
        Pruned(s, lb);
        PetscFunctionReturn(0);
      }
      for (PetscInt j = 0; j < m; j++)
        if (st[j] == SUBSET_FREE && PetscAbsReal(s->w[j]) > best) {
          best = PetscAbsReal(s->w[j]);
          bj   = j;
        }
      PetscCall(PetscArraycpy(s->nodew, s->w, m));
      st[bj] = SUBSET_IN;
      PetscCall(Push(s, st, s->nodew, lb, delta, mdelta, depth + 1));
      st[bj] = SUBSET_OUT;
      PetscCall(Push(s, st, s->nodew, lb, delta, mdelta, depth + 1));
      PetscFunctionReturn(0);
    }
    PetscCall(PnlmeSubsetRelaxSolve(s, st, delta, s->nodew, cut, &lbw));
    cert = PETSC_TRUE;
    w    = s->rbestw;
    r    = s->rbestr;
    lb   = PetscMax(lb, lbw);
    if (lb >= cut) {
      Pruned(s, lb);
      PetscFunctionReturn(0);
    }
    /* rounding */
    for (PetscInt j = 0; j < m; j++)
      if (st[j] == SUBSET_IN || (st[j] == SUBSET_FREE && PetscAbsReal(w[j]) >= 0.5 * PetscSqrtReal(2 * lam / SubsetD(s, delta, j)))) s->list2[k++] = j;
    PetscCall(PnlmeSubsetTryIncumbent(s, k, s->list2, &improved));
    if (improved) {
      s->stats.incumbents++;
      cut = s->incval - Tol(s, s->incval);
      if (lb >= cut) {
        Pruned(s, lb);
        PetscFunctionReturn(0);
      }
    }
    /* reduced-cost fixing */
    for (PetscInt j = 0; j < m; j++) {
      PetscReal qq, inc_in, inc_out;
      if (st[j] != SUBSET_FREE) continue;
      qq      = r[j] * r[j] / (2 * SubsetD(s, delta, j));
      inc_in  = PetscMax(0.0, lam - qq);
      inc_out = PetscMax(0.0, qq - lam);
      if (lbw + inc_in >= cut) {
        st[j] = SUBSET_OUT;
        nfixout++;
        Pruned(s, lbw + inc_in);
      } else if (lbw + inc_out >= cut) {
        st[j] = SUBSET_IN;
        nfixin++;
        Pruned(s, lbw + inc_out);
      }
    }
    s->stats.fixed += nfixin + nfixout;
    PetscCall(PetscArraycpy(s->nodew, w, m));
    if (!(nfixin > 0 || (nfixout > 0 && (PetscReal)(na - nfixout) <= s->recompute * (PetscReal)mdelta))) break;
  }
  /* leaf after fixing? */
  nf = 0;
  for (PetscInt j = 0; j < m; j++) nf += (st[j] == SUBSET_FREE);
  if (nf == 0) {
    PetscInt k = 0;
    for (PetscInt j = 0; j < m; j++)
      if (st[j] == SUBSET_IN) s->list2[k++] = j;
    PetscCall(PnlmeSubsetTryIncumbent(s, k, s->list2, &improved));
    if (improved) s->stats.incumbents++;
    PetscFunctionReturn(0);
  }
  PetscCheck(cert, PETSC_COMM_SELF, PETSC_ERR_PLIB, "PnlmeSubset: branching without a certificate");
  /* branch on the most fractional free candidate */
  w = s->rbestw;
  r = s->rbestr;
  for (PetscInt j = 0; j < m; j++) {
    PetscReal z, score;
    if (st[j] != SUBSET_FREE) continue;
    t     = PetscSqrtReal(2 * lam / SubsetD(s, delta, j));
    z     = PetscMin(1.0, PetscAbsReal(w[j]) / t);
    score = PetscMin(z, 1.0 - z);
    if (score > best) {
      best = score;
      bj   = j;
    }
  }
  {
    PetscReal qq = r[bj] * r[bj] / (2 * SubsetD(s, delta, bj)), lbin = PetscMax(lb, lbw + PetscMax(0.0, lam - qq)), lbout = PetscMax(lb, lbw + PetscMax(0.0, qq - lam));
    cut          = s->incval - Tol(s, s->incval);
    st[bj]       = SUBSET_IN;
    if (lbin < cut) PetscCall(Push(s, st, w, lbin, delta, mdelta, depth + 1));
    else Pruned(s, lbin);
    st[bj] = SUBSET_OUT;
    if (lbout < cut) PetscCall(Push(s, st, w, lbout, delta, mdelta, depth + 1));
    else Pruned(s, lbout);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSubsetBranchAndBound(PnlmeSubset s)
{
  PetscInt m = s->m;
  PetscFunctionBegin;
  s->nheap = s->nfree = s->nused = 0;
  s->nextid           = 0;
  s->minpruned        = PETSC_MAX_REAL;
  s->stats.status     = PNLME_SUBSET_OPTIMAL;
  if (m == 0) {
    s->incval           = s->c0;
    s->stats.heuristic  = s->c0;
    s->stats.lowerbound = s->c0;
    PetscFunctionReturn(0);
  }
  if (s->nodesm != m) { /* the pool's stride changes with m */
    PetscCall(PnlmeSubsetPoolDestroy(s));
    s->nodesm = m;
  }
  PetscCall(PnlmeSubsetHeuristic(s));
  if (s->lambda == 0) { /* no penalty: the forward pass reached the least-squares minimum over the span */
    s->stats.lowerbound = s->incval;
    PetscFunctionReturn(0);
  }
  for (PetscInt j = 0; j < m; j++) s->st[j] = SUBSET_FREE;
  PetscCall(Push(s, s->st, s->ybest, PETSC_MIN_REAL, s->deltaroot, m, 0));
  while (s->nheap > 0) {
    PetscInt   slot, top = s->heap[0];
    SubsetNode nd;
    if (s->nodes[top].lb >= s->incval - Tol(s, s->incval)) { /* best first: every open node is pruned */
      Pruned(s, s->nodes[top].lb);
      s->nheap = 0;
      break;
    }
    if (s->stats.nodes >= s->maxnodes) {
      s->stats.status = PNLME_SUBSET_NODE_LIMIT;
      break;
    }
    slot = Pop(s);
    nd   = s->nodes[slot];
    PetscCall(PetscArraycpy(s->st, &s->nstatus[(size_t)slot * m], m));
    PetscCall(PetscArraycpy(s->nodew, &s->nwarm[(size_t)slot * m], m));
    s->freeslots[s->nfree++] = slot;
    s->stats.nodes++;
    PetscCall(ProcessNode(s, nd.lb, nd.delta, nd.mdelta, nd.depth));
  }
  s->stats.lowerbound = PetscMin(s->incval, s->minpruned);
  if (s->nheap > 0) s->stats.lowerbound = PetscMin(s->stats.lowerbound, s->nodes[s->heap[0]].lb);
  PetscFunctionReturn(0);
}
