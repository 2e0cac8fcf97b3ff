/* The expression graph of the model language: nodes are hash-consed (an expression built twice is one
   node, so common subexpressions are shared and the generated code computes them once), simplified as
   they are built (constant folding, x+0, x*1, x*0, 0/x, --x, if(c,a,a)), and differentiated
   symbolically with memoisation.  Simplification never reorders operands: the generated code performs
   the user's operations in the user's order, so a model file written like a C model computes the same
   floating-point values. */
#include "model/lang/lang.h"
#include "sys/detmath.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void LangGraphInit(LangGraph *g) { memset(g, 0, sizeof(*g)); }

void LangGraphFree(LangGraph *g)
{
  free(g->n);
  free(g->ht);
  memset(g, 0, sizeof(*g));
}

static uint64_t NodeHash(const LangNode *n)
{
  uint64_t h = 1469598103934665603ULL, v;
  memcpy(&v, &n->v, sizeof(v));
  uint64_t w[6] = {(uint64_t)n->op, (uint64_t)(int64_t)n->a, (uint64_t)(int64_t)n->b, (uint64_t)(int64_t)n->c, (uint64_t)(int64_t)n->idx, v};
  for (int i = 0; i < 6; i++) {
    h ^= w[i];
    h *= 1099511628211ULL;
    h ^= h >> 29;
  }
  return h;
}

static int NodeEqual(const LangNode *x, const LangNode *y)
{
  return x->op == y->op && x->a == y->a && x->b == y->b && x->c == y->c && x->idx == y->idx && !memcmp(&x->v, &y->v, sizeof(double));
}

static int Rehash(LangGraph *g, int cap)
{
  int *ht = (int *)malloc(sizeof(int) * (size_t)cap);
  if (!ht) return 1;
  for (int i = 0; i < cap; i++) ht[i] = -1;
  for (int i = 0; i < g->nn; i++) {
    uint64_t h = NodeHash(&g->n[i]) & (uint64_t)(cap - 1);
    while (ht[h] >= 0) h = (h + 1) & (uint64_t)(cap - 1);
    ht[h] = i;
  }
  free(g->ht);
  g->ht    = ht;
  g->htcap = cap;
  return 0;
}

static int Intern(LangGraph *g, LangNode nd)
{
  uint64_t h;
  if (g->failed) return -1;
  if (2 * (g->nn + 1) > g->htcap && Rehash(g, g->htcap ? 2 * g->htcap : 256)) {
    g->failed = 1;
    return -1;
  }
  h = NodeHash(&nd) & (uint64_t)(g->htcap - 1);
  while (g->ht[h] >= 0) {
    if (NodeEqual(&g->n[g->ht[h]], &nd)) return g->ht[h];
    h = (h + 1) & (uint64_t)(g->htcap - 1);
  }
  if (g->nn == g->cap) {
    int       cap = g->cap ? 2 * g->cap : 256;
    LangNode *n   = (LangNode *)realloc(g->n, sizeof(LangNode) * (size_t)cap);
    if (!n) {
      g->failed = 1;
      return -1;
    }
    g->n   = n;
    g->cap = cap;
  }
  g->n[g->nn] = nd;
  g->ht[h]    = g->nn;
  return g->nn++;
}

static int Make(LangGraph *g, int op, int a, int b, int c, int idx, double v)
{
  LangNode nd;
  memset(&nd, 0, sizeof(nd)); /* padding too: nodes are compared field by field, but hashed whole */
  nd.op  = op;
  nd.a   = a;
  nd.b   = b;
  nd.c   = c;
  nd.idx = idx;
  nd.v   = v;
  return Intern(g, nd);
}

int LangNum(LangGraph *g, double v)
{
  if (v == 0) v = 0.0; /* -0 and 0 are one node */
  return Make(g, LN_NUM, -1, -1, -1, 0, v);
}

int LangVar(LangGraph *g, LangOp op, int idx) { return Make(g, op, -1, -1, -1, idx, 0.0); }

int LangIsCondition(int op) { return op >= LN_LT && op <= LN_NOT; }

static inline int IsNum(const LangGraph *g, int a, double v) { return a >= 0 && g->n[a].op == LN_NUM && g->n[a].v == v; }
static inline int IsConst(const LangGraph *g, int a) { return a >= 0 && g->n[a].op == LN_NUM; }

/* constants fold with the functions the generated code calls (codegen.c's prelude) */
static double Logistic(double z)
{
  const double e = pnlme_det_exp(-fabs(z));
  return z < 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
}

int LangUn(LangGraph *g, LangOp op, int a)
{
  if (a < 0) return -1;
  if (IsConst(g, a)) {
    double x = g->n[a].v, y;
    switch (op) {
    case LN_NEG:
      y = -x;
      break;
    case LN_EXP:
      y = pnlme_det_exp(x);
      break;
    case LN_LOG:
      y = pnlme_det_log(x);
      break;
    case LN_SQRT:
      y = sqrt(x);
      break;
    case LN_ABS:
      y = fabs(x);
      break;
    case LN_LOGISTIC:
      y = Logistic(x);
      break;
    default:
      y = NAN;
    }
    if (op != LN_NOT && isfinite(y)) return LangNum(g, y);
  }
  if (op == LN_NEG && g->n[a].op == LN_NEG) return g->n[a].a;
  return Make(g, op, a, -1, -1, 0, 0.0);
}

int LangBin(LangGraph *g, LangOp op, int a, int b)
{
  if (a < 0 || b < 0) return -1;
  if (IsConst(g, a) && IsConst(g, b) && !LangIsCondition(op)) {
    double x = g->n[a].v, y = g->n[b].v, z;
    switch (op) {
    case LN_ADD:
      z = x + y;
      break;
    case LN_SUB:
      z = x - y;
      break;
    case LN_MUL:
      z = x * y;
      break;
    case LN_DIV:
      z = x / y;
      break;
    case LN_POW:
      z = pnlme_det_pow(x, y); /* the generated code's pow: the same bits */
      break;
    case LN_MIN:
      z = x <= y ? x : y;
      break;
    case LN_MAX:
      z = x >= y ? x : y;
      break;
    default:
      z = NAN;
    }
    if (isfinite(z)) return LangNum(g, z);
  }
  switch (op) {
  case LN_ADD:
    if (IsNum(g, b, 0)) return a;
    if (IsNum(g, a, 0)) return b;
    break;
  case LN_SUB:
    if (IsNum(g, b, 0)) return a;
    if (IsNum(g, a, 0)) return LangUn(g, LN_NEG, b);
    if (g->n[b].op == LN_NEG) return LangBin(g, LN_ADD, a, g->n[b].a);
    break;
  case LN_MUL:
    if (IsNum(g, a, 0) || IsNum(g, b, 0)) return LangNum(g, 0.0);
    if (IsNum(g, b, 1)) return a;
    if (IsNum(g, a, 1)) return b;
    if (IsNum(g, a, -1)) return LangUn(g, LN_NEG, b);
    if (IsNum(g, b, -1)) return LangUn(g, LN_NEG, a);
    break;
  case LN_DIV:
    if (IsNum(g, a, 0)) return LangNum(g, 0.0);
    if (IsNum(g, b, 1)) return a;
    break;
  case LN_POW:
    if (IsNum(g, b, 1)) return a;
    if (IsNum(g, b, 0)) return LangNum(g, 1.0);
    break;
  default:
    break;
  }
  return Make(g, op, a, b, -1, 0, 0.0);
}

int LangIf(LangGraph *g, int c, int a, int b)
{
  if (c < 0 || a < 0 || b < 0) return -1;
  if (a == b) return a;
  return Make(g, LN_IF, c, a, b, 0, 0.0);
}

void LangMarkReachable(const LangGraph *g, int root, char mark[])
{
  /* children have smaller indices than their parents: one downward sweep */
  if (root < 0) return;
  mark[root] = 1;
  for (int i = root; i >= 0; i--) {
    if (!mark[i]) continue;
    const LangNode *n = &g->n[i];
    if (n->a >= 0) mark[n->a] = 1;
    if (n->b >= 0) mark[n->b] = 1;
    if (n->c >= 0) mark[n->c] = 1;
  }
}

/* d node / d var.  The derivative of a condition is never asked (conditions are piecewise constant). */
int LangDeriv(LangGraph *g, int node, LangOp vop, int vidx, int *memo, int memolen)
{
  int      d = -1, a, b, da, db;
  LangNode n;
  if (node < 0 || g->failed) return -1;
  if (node < memolen && memo[node] != -2) return memo[node];
  n = g->n[node];
  a = n.a;
  b = n.b;
  switch (n.op) {
  case LN_NUM:
  case LN_T:
  case LN_TAD:
  case LN_AMT:
  case LN_DCMT:
    d = LangNum(g, 0.0);
    break;
  case LN_P:
  case LN_X:
  case LN_S:
    d = LangNum(g, ((int)vop == n.op && vidx == n.idx) ? 1.0 : 0.0);
    break;
  case LN_NEG:
    d = LangUn(g, LN_NEG, LangDeriv(g, a, vop, vidx, memo, memolen));
    break;
  case LN_ADD:
  case LN_SUB:
    da = LangDeriv(g, a, vop, vidx, memo, memolen);
    db = LangDeriv(g, b, vop, vidx, memo, memolen);
    d  = LangBin(g, (LangOp)n.op, da, db);
    break;
  case LN_MUL: /* da b + a db */
    da = LangDeriv(g, a, vop, vidx, memo, memolen);
    db = LangDeriv(g, b, vop, vidx, memo, memolen);
    d  = LangBin(g, LN_ADD, LangBin(g, LN_MUL, da, b), LangBin(g, LN_MUL, a, db));
    break;
  case LN_DIV: /* da / b - a db / (b b) */
    da = LangDeriv(g, a, vop, vidx, memo, memolen);
    db = LangDeriv(g, b, vop, vidx, memo, memolen);
    if (IsNum(g, db, 0)) d = LangBin(g, LN_DIV, da, b);
    else d = LangBin(g, LN_SUB, LangBin(g, LN_DIV, da, b), LangBin(g, LN_DIV, LangBin(g, LN_MUL, a, db), LangBin(g, LN_MUL, b, b)));
    break;
  case LN_POW:
    da = LangDeriv(g, a, vop, vidx, memo, memolen);
    db = LangDeriv(g, b, vop, vidx, memo, memolen);
    if (IsNum(g, db, 0)) { /* b da a^(b-1) */
      int e = IsConst(g, b) ? LangNum(g, g->n[b].v - 1.0) : LangBin(g, LN_SUB, b, LangNum(g, 1.0));
      d     = LangBin(g, LN_MUL, LangBin(g, LN_MUL, b, LangBin(g, LN_POW, a, e)), da);
    } else { /* a > 0: a^b (db log a + b da / a); otherwise (a^b = 0 at a = 0 for b > 0, or an integer b
                for a < 0) the exponent's term is 0: b a^(b-1) da */
      int pos = LangBin(g, LN_MUL, node, LangBin(g, LN_ADD, LangBin(g, LN_MUL, db, LangUn(g, LN_LOG, a)), LangBin(g, LN_DIV, LangBin(g, LN_MUL, b, da), a)));
      int neg = LangBin(g, LN_MUL, LangBin(g, LN_MUL, b, LangBin(g, LN_POW, a, LangBin(g, LN_SUB, b, LangNum(g, 1.0)))), da);
      d       = LangIf(g, LangBin(g, LN_GT, a, LangNum(g, 0.0)), pos, neg);
    }
    break;
  case LN_EXP:
    d = LangBin(g, LN_MUL, node, LangDeriv(g, a, vop, vidx, memo, memolen));
    break;
  case LN_LOG:
    d = LangBin(g, LN_DIV, LangDeriv(g, a, vop, vidx, memo, memolen), a);
    break;
  case LN_SQRT:
    d = LangBin(g, LN_DIV, LangDeriv(g, a, vop, vidx, memo, memolen), LangBin(g, LN_MUL, LangNum(g, 2.0), node));
    break;
  case LN_ABS:
    da = LangDeriv(g, a, vop, vidx, memo, memolen);
    d  = IsNum(g, da, 0) ? da : LangIf(g, LangBin(g, LN_GE, a, LangNum(g, 0.0)), da, LangUn(g, LN_NEG, da));
    break;
  case LN_LOGISTIC: /* s (1 - s) da */
    da = LangDeriv(g, a, vop, vidx, memo, memolen);
    d  = LangBin(g, LN_MUL, LangBin(g, LN_MUL, node, LangBin(g, LN_SUB, LangNum(g, 1.0), node)), da);
    break;
  case LN_MIN:
  case LN_MAX:
    da = LangDeriv(g, a, vop, vidx, memo, memolen);
    db = LangDeriv(g, b, vop, vidx, memo, memolen);
    d  = LangIf(g, LangBin(g, n.op == LN_MIN ? LN_LE : LN_GE, a, b), da, db);
    break;
  case LN_IF:
    d = LangIf(g, a, LangDeriv(g, b, vop, vidx, memo, memolen), LangDeriv(g, n.c, vop, vidx, memo, memolen));
    break;
  default:
    d = -1;
  }
  if (node < memolen) memo[node] = d;
  return d;
}
