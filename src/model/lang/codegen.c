/* C code generation for a parsed model.  Each generated function evaluates a set of roots (the
   equations, or their derivatives) of the expression graph: the nodes used more than once become
   `const double` temporaries, computed once, in graph order; the others are written inline, fully
   parenthesised, so that the compiler performs exactly the operations of the graph in that order.
   The code is self-contained (math.h only): it mirrors the descriptor PnlmeLangDesc with double for
   PetscReal and the width of PetscInt it was generated for. */
#include "model/lang/lang.h"
#include "ode/odeimpl.h" /* PNLME_ODE_LANES */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char  *s;
  size_t len, cap;
  int    failed;
  int    lanes; /* print t, x[i], p[k] as problem l's T[l], X[i nl + l], P[k nl + l] (rhsmany) */
} Buf;

static void Put(Buf *b, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
static void Put(Buf *b, const char fmt[], ...)
{
  va_list ap;
  int     k;
  if (b->failed) return;
  for (;;) {
    size_t room = b->cap - b->len;
    va_start(ap, fmt);
    k = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->failed = 1;
      return;
    }
    if (b->s && (size_t)k < room) {
      b->len += (size_t)k;
      return;
    }
    size_t cap = b->cap ? 2 * b->cap : 65536;
    while (cap < b->len + (size_t)k + 1) cap *= 2;
    char *s = (char *)realloc(b->s, cap);
    if (!s) {
      b->failed = 1;
      return;
    }
    b->s   = s;
    b->cap = cap;
  }
}

static void PrintNum(Buf *b, double v)
{
  char s[64];
  snprintf(s, sizeof(s), "%.17g", v);
  if (!strpbrk(s, ".eEni")) strcat(s, ".0");
  if (v < 0) Put(b, "(%s)", s);
  else Put(b, "%s", s);
}

static void Print(Buf *b, const LangGraph *g, int i, const int temp[])
{
  const LangNode *n = &g->n[i];
  static const char *const bin[LN_NOPS] = {[LN_ADD] = "+", [LN_SUB] = "-", [LN_MUL] = "*", [LN_DIV] = "/", [LN_LT] = "<", [LN_LE] = "<=", [LN_GT] = ">", [LN_GE] = ">=", [LN_EQ] = "==", [LN_NE] = "!=", [LN_AND] = "&&", [LN_OR] = "||"};
  static const char *const fn[LN_NOPS]  = {[LN_EXP] = "pnlme_det_exp", [LN_LOG] = "pnlme_det_log", [LN_SQRT] = "sqrt", [LN_ABS] = "fabs", [LN_LOGISTIC] = "pnlme_logistic", [LN_POW] = "pnlme_det_pow", [LN_MIN] = "pnlme_min", [LN_MAX] = "pnlme_max"};
  if (temp[i] >= 0) {
    Put(b, "w%d", temp[i]);
    return;
  }
  switch (n->op) {
  case LN_NUM:
    PrintNum(b, n->v);
    return;
  case LN_T:
    Put(b, "%s", b->lanes ? "T[l]" : "t");
    return;
  case LN_P:
    Put(b, b->lanes ? "P[%d * nl + l]" : "p[%d]", n->idx);
    return;
  case LN_X:
    Put(b, b->lanes ? "X[%d * nl + l]" : "x[%d]", n->idx);
    return;
  case LN_TAD:
    Put(b, "tad");
    return;
  case LN_AMT:
    Put(b, "amt");
    return;
  case LN_DCMT:
    Put(b, "(double)cmt");
    return;
  case LN_S:
    Put(b, "S[%d]", n->idx);
    return;
  case LN_NEG:
  case LN_NOT:
    Put(b, "(%s", n->op == LN_NEG ? "-" : "!");
    Print(b, g, n->a, temp);
    Put(b, ")");
    return;
  case LN_IF:
    Put(b, "(");
    Print(b, g, n->a, temp);
    Put(b, " ? ");
    Print(b, g, n->b, temp);
    Put(b, " : ");
    Print(b, g, n->c, temp);
    Put(b, ")");
    return;
  default:
    if (fn[n->op]) {
      Put(b, "%s(", fn[n->op]);
      Print(b, g, n->a, temp);
      if (n->b >= 0) {
        Put(b, ", ");
        Print(b, g, n->b, temp);
      }
      Put(b, ")");
    } else {
      Put(b, "(");
      Print(b, g, n->a, temp);
      Put(b, " %s ", bin[n->op]);
      Print(b, g, n->b, temp);
      Put(b, ")");
    }
  }
}

/* target[r] = root[r] for r < nroot, with shared subexpressions in temporaries */
static int Block(Buf *b, const LangGraph *g, int nroot, const int root[], char (*target)[32], const char indent[])
{
  int  *uses = (int *)calloc((size_t)g->nn, sizeof(int)), *temp = (int *)malloc(sizeof(int) * (size_t)g->nn);
  char *mark = (char *)calloc((size_t)g->nn, 1);
  int   ntemp = 0;
  if (!uses || !temp || !mark) {
    free(uses);
    free(temp);
    free(mark);
    return 1;
  }
  for (int r = 0; r < nroot; r++) {
    LangMarkReachable(g, root[r], mark);
    uses[root[r]]++;
  }
  for (int i = 0; i < g->nn; i++) {
    temp[i] = -1;
    if (!mark[i]) continue;
    const LangNode *n = &g->n[i];
    if (n->a >= 0) uses[n->a]++;
    if (n->b >= 0) uses[n->b]++;
    if (n->c >= 0) uses[n->c]++;
  }
  for (int i = 0; i < g->nn; i++) {
    const LangNode *n = &g->n[i];
    if (!mark[i] || uses[i] < 2 || n->op <= LN_S || LangIsCondition(n->op)) continue;
    if (n->op == LN_NEG && g->n[n->a].op <= LN_S) continue; /* -x: as cheap inline */
    Put(b, "%sconst double w%d = ", indent, ntemp);
    Print(b, g, i, temp);
    Put(b, ";\n");
    temp[i] = ntemp++;
  }
  for (int r = 0; r < nroot; r++) {
    Put(b, "%s%s = ", indent, target[r]);
    Print(b, g, root[r], temp);
    Put(b, ";\n");
  }
  free(uses);
  free(temp);
  free(mark);
  return 0;
}

/* the derivatives of roots[] with respect to (vop, 0..nvar-1): d[r * nvar + v] */
static int Derivs(LangGraph *g, int nroot, const int root[], LangOp vop, int nvar, int d[])
{
  for (int v = 0; v < nvar; v++) {
    int  len  = g->nn;
    int *memo = (int *)malloc(sizeof(int) * (size_t)len);
    if (!memo) return 1;
    for (int i = 0; i < len; i++) memo[i] = -2;
    for (int r = 0; r < nroot; r++) {
      d[r * nvar + v] = LangDeriv(g, root[r], vop, v, memo, len);
      if (d[r * nvar + v] < 0) {
        free(memo);
        return 1;
      }
    }
    free(memo);
  }
  return 0;
}

typedef struct {
  int   n;
  int  *root;
  char (*target)[32];
} Roots;

static int RootsInit(Roots *r, int cap)
{
  r->n      = 0;
  r->root   = (int *)calloc((size_t)(cap + 1), sizeof(int));
  r->target = (char (*)[32])calloc((size_t)(cap + 1), 32);
  return !r->root || !r->target;
}
static void RootsAdd(Roots *r, int node, const char fmt[], int a, int b)
{
  r->root[r->n] = node;
  snprintf(r->target[r->n], 32, fmt, a, b);
  r->n++;
}
static void RootsFree(Roots *r)
{
  free(r->root);
  free(r->target);
}

/* exp, log and pow are pnlme's deterministic ones, and rhsmany gets the library's SIMD clones
   (src/sys/detmath.h, its text embedded at build time): plain IEEE operations that vectorise, so that
   rhsmany's lanes compute what rhs computes; exp and log within 2 ulp of libm's */
static const char Prelude[] =
  "#include <math.h>\n"
  "#include <stddef.h>\n"
#include "langmath.inc"
  "static inline double pnlme_logistic(double z) { const double e = pnlme_det_exp(-fabs(z)); return z < 0 ? e / (1.0 + e) : 1.0 / (1.0 + e); }\n"
  "static inline double pnlme_min(double a, double b) { return a <= b ? a : b; }\n"
  "static inline double pnlme_max(double a, double b) { return a >= b ? a : b; }\n"
  "typedef struct {\n"
  "  int abi, sizeof_int, sizeof_real;\n"
  "  const char *description;\n"
  "  int kind, nparam, nstate, ndose, nout;\n"
  "  const char *const *pnames;\n"
  "  const int *transforms;\n"
  "  const char *const *snames;\n"
  "  const int *dosecmt, *dosestate, *doselag, *dosef;\n"
  "  const char *const *onames;\n"
  "  const int *outcmt;\n"
  "  int (*rhs)(double, const double *, const double *, double *, void *);\n"
  "  int (*jac)(double, const double *, const double *, double *, void *);\n"
  "  int (*rhsp)(double, const double *, const double *, double *, void *);\n"
  "  int (*init)(const double *, double *, double *, void *);\n"
  "  int (*output)(double, const double *, const double *, pnlme_int, double *, double *, double *, void *);\n"
  "  int (*dose)(const double *, int, double *, double *, double *, double *);\n"
  "  int nsum;\n"
  "  int (*sum)(int, double, double, pnlme_int, const double *, double *, double *);\n"
  "  int (*cfout)(double, const double *, const double *, pnlme_int, double *, double *, double *);\n"
  "  int (*rhsmany)(pnlme_int, const double *, const double *, const double *, double *, void *);\n"
  "  int (*jacmany)(pnlme_int, const double *, const double *, const double *, double *, void *);\n"
  "  int (*rhspmany)(pnlme_int, const double *, const double *, const double *, double *, void *);\n"
  "} PnlmeLangDesc;\n";

static void Strings(Buf *b, const char name[], int n, const char (*s)[PNLME_MAX_NAME])
{
  Put(b, "static const char *const %s[] = {", name);
  for (int k = 0; k < n; k++) Put(b, "%s\"%s\"", k ? ", " : "", s[k]);
  Put(b, "%s};\n", n ? "" : "\"\"");
}
static void Ints(Buf *b, const char name[], int n, const int v[])
{
  Put(b, "static const int %s[] = {", name);
  for (int k = 0; k < n; k++) Put(b, "%s%d", k ? ", " : "", v[k]);
  Put(b, "%s};\n", n ? "" : "0");
}

int LangGenerate(LangModel *m, char **src, char msg[], size_t len)
{
  Buf        b  = {0};
  LangGraph *g  = &m->g;
  const int  n  = m->nx, np = m->np;
  int        bad = 0, *d = NULL;
  Roots      R = {0, NULL, NULL};
  int        cap = 4 * (LANG_MAX * LANG_MAX + LANG_MAX + 16) + 16 * LANG_MAX;
  *src           = NULL;
  if (RootsInit(&R, cap) || !(d = (int *)malloc(sizeof(int) * (size_t)(LANG_MAX * LANG_MAX + LANG_MAX)))) {
    RootsFree(&R);
    snprintf(msg, len, "%s: out of memory generating the code", m->label);
    return 1;
  }
  Put(&b, "/* generated by pnlme %s from a model file (docs/model-language.md): do not edit */\n", PNLME_VERSION);
  Put(&b, "typedef %s pnlme_int;\n", sizeof(PetscInt) == 8 ? "long long" : "int");
  Put(&b, "%s", Prelude);
  if (m->kind == PNLME_MODEL_ODE) {
    /* rhs */
    Put(&b, "\nstatic int rhs(double t, const double *x, const double *p, double *f, void *ctx)\n{\n  (void)t; (void)x; (void)p; (void)ctx;\n");
    R.n = 0;
    for (int i = 0; i < n; i++) RootsAdd(&R, m->ddt[i], "f[%d]", i, 0);
    bad |= Block(&b, g, R.n, R.root, R.target, "  ");
    Put(&b, "  return 0;\n}\n");
    /* rhsmany: the same statements for nl problems (PnlmeModelOps.rhsmany, component i of problem l at
       [i nl + l]) in SIMD lanes (-fopenmp-simd, an AVX2 clone on x86-64): each problem gets the bits rhs
       gives it (IEEE operations and the deterministic exp, log and pow are the same in lanes; no
       -ffast-math); the lanes' usual width (PNLME_ODE_LANES) as a constant, without a remainder loop */
    Put(&b, "\nstatic inline PNLME_DET_ALWAYS_INLINE void rhslanes(pnlme_int nl, const double *restrict T, const double *restrict X, const double *restrict P, double *restrict F)\n{\n  (void)T; (void)X; (void)P;\n");
    Put(&b, "#pragma omp simd\n  for (pnlme_int l = 0; l < nl; l++) {\n");
    R.n = 0;
    for (int i = 0; i < n; i++) RootsAdd(&R, m->ddt[i], "F[%d * nl + l]", i, 0);
    b.lanes = 1;
    bad |= Block(&b, g, R.n, R.root, R.target, "    ");
    b.lanes = 0;
    Put(&b, "  }\n}\n");
    Put(&b, "PNLME_SIMD_CLONES static int rhsmany(pnlme_int nl, const double *T, const double *X, const double *P, double *F, void *ctx)\n{\n  (void)ctx;\n");
    Put(&b, "  if (nl == %d) rhslanes(%d, T, X, P, F);\n  else rhslanes(nl, T, X, P, F);\n  return 0;\n}\n", PNLME_ODE_LANES, PNLME_ODE_LANES);
    /* jac: J[i n + j] = d f_i / d x_j; rhsp: Fp[i np + k] = d f_i / d p_k; and both for nl problems in
       SIMD lanes (jacmany, rhspmany: entry e of problem l at [e nl + l]), as rhsmany */
    for (int which = 0; which < 2 && !bad; which++) {
      const char *fn = which ? "rhsp" : "jac", *arr = which ? "Fp" : "J";
      const int   nc = which ? np : n;
      bad |= Derivs(g, n, m->ddt, which ? LN_P : LN_X, nc, d);
      for (int many = 0; many < 2 && !bad; many++) {
        char tgt[32];
        if (many) Put(&b, "\nPNLME_SIMD_CLONES static int %smany(pnlme_int nl, const double *T, const double *X, const double *P, double *%s, void *ctx)\n{\n  (void)ctx; (void)T; (void)X; (void)P;\n#pragma omp simd\n  for (pnlme_int l = 0; l < nl; l++) {\n", fn, arr);
        else Put(&b, "\nstatic int %s(double t, const double *x, const double *p, double *%s, void *ctx)\n{\n  (void)t; (void)x; (void)p; (void)ctx;\n", fn, arr);
        snprintf(tgt, sizeof(tgt), many ? "%s[%%d * nl + l]" : "%s[%%d]", arr);
        R.n = 0;
        for (int i = 0; i < n; i++)
          for (int j = 0; j < nc; j++) RootsAdd(&R, d[i * nc + j], tgt, i * nc + j, 0);
        b.lanes = many;
        bad |= Block(&b, g, R.n, R.root, R.target, many ? "    " : "  ");
        b.lanes = 0;
        Put(&b, many ? "  }\n  return 0;\n}\n" : "  return 0;\n}\n");
      }
    }
    /* init */
    Put(&b, "\nstatic int init(const double *p, double *x0, double *dx0, void *ctx)\n{\n  (void)p; (void)ctx;\n  if (!dx0) {\n");
    R.n = 0;
    for (int i = 0; i < n; i++) RootsAdd(&R, m->init[i], "x0[%d]", i, 0);
    bad |= Block(&b, g, R.n, R.root, R.target, "    ");
    Put(&b, "  } else {\n");
    bad |= Derivs(g, n, m->init, LN_P, np, d);
    for (int i = 0; i < n && !bad; i++)
      for (int k = 0; k < np; k++) RootsAdd(&R, d[i * np + k], "dx0[%d]", i * np + k, 0);
    bad |= Block(&b, g, R.n, R.root, R.target, "    ");
    Put(&b, "  }\n  return 0;\n}\n");
    /* output */
    Put(&b, "\nstatic int output(double t, const double *x, const double *p, pnlme_int iout, double *y, double *dydx, double *dydp, void *ctx)\n{\n  double gx[%d], gp[%d];\n  (void)t; (void)x; (void)p; (void)ctx;\n  switch (iout) {\n", n, np);
    for (int o = 0; o < m->nout && !bad; o++) {
      Put(&b, "  case %d:\n    if (!dydx && !dydp) {\n", o);
      R.n = 0;
      RootsAdd(&R, m->out[o], "*y", 0, 0);
      bad |= Block(&b, g, R.n, R.root, R.target, "      ");
      Put(&b, "      return 0;\n    } else {\n");
      bad |= Derivs(g, 1, &m->out[o], LN_X, n, d);
      for (int i = 0; i < n && !bad; i++) RootsAdd(&R, d[i], "gx[%d]", i, 0);
      bad |= Derivs(g, 1, &m->out[o], LN_P, np, d);
      for (int k = 0; k < np && !bad; k++) RootsAdd(&R, d[k], "gp[%d]", k, 0);
      bad |= Block(&b, g, R.n, R.root, R.target, "      ");
      Put(&b, "    }\n    break;\n");
    }
    Put(&b, "  default:\n    return 1;\n  }\n");
    Put(&b, "  if (dydx) for (int i = 0; i < %d; i++) dydx[i] = gx[i];\n  if (dydp) for (int k = 0; k < %d; k++) dydp[k] = gp[k];\n  return 0;\n}\n", n, np);
  } else {
    /* closed form: dose sums and outputs */
    Put(&b, "\nstatic int sum(int k, double tad, double amt, pnlme_int cmt, const double *p, double *v, double *dv)\n{\n  (void)tad; (void)amt; (void)cmt; (void)p;\n  switch (k) {\n");
    for (int s = 0; s < m->nsum && !bad; s++) {
      Put(&b, "  case %d:\n    if (!dv) {\n", s);
      R.n = 0;
      RootsAdd(&R, m->sum[s], "*v", 0, 0);
      bad |= Block(&b, g, R.n, R.root, R.target, "      ");
      Put(&b, "    } else {\n");
      bad |= Derivs(g, 1, &m->sum[s], LN_P, np, d);
      for (int k = 0; k < np && !bad; k++) RootsAdd(&R, d[k], "dv[%d]", k, 0);
      bad |= Block(&b, g, R.n, R.root, R.target, "      ");
      Put(&b, "    }\n    return 0;\n");
    }
    Put(&b, "  default:\n    return 1;\n  }\n}\n");
    Put(&b, "\nstatic int cfout(double t, const double *p, const double *S, pnlme_int iout, double *y, double *dydp, double *dydS)\n{\n  (void)t; (void)p; (void)S;\n  switch (iout) {\n");
    for (int o = 0; o < m->nout && !bad; o++) {
      Put(&b, "  case %d:\n    if (!dydp) {\n", o);
      R.n = 0;
      RootsAdd(&R, m->out[o], "*y", 0, 0);
      bad |= Block(&b, g, R.n, R.root, R.target, "      ");
      Put(&b, "    } else {\n");
      bad |= Derivs(g, 1, &m->out[o], LN_P, np, d);
      for (int k = 0; k < np && !bad; k++) RootsAdd(&R, d[k], "dydp[%d]", k, 0);
      if (m->nsum) {
        bad |= Derivs(g, 1, &m->out[o], LN_S, m->nsum, d);
        for (int k = 0; k < m->nsum && !bad; k++) RootsAdd(&R, d[k], "dydS[%d]", k, 0);
      }
      bad |= Block(&b, g, R.n, R.root, R.target, "      ");
      Put(&b, "    }\n    return 0;\n");
    }
    Put(&b, "  default:\n    return 1;\n  }\n}\n");
  }
  /* lag and bioavailability of the doses */
  {
    int any = 0;
    for (int k = 0; k < m->ndose; k++)
      if (m->doselag[k] >= 0 || m->dosef[k] >= 0) any = 1;
    if (any) {
      Put(&b, "\nstatic int dose(const double *p, int idose, double *lag, double *F, double *dlag, double *dF)\n{\n  (void)p;\n  switch (idose) {\n");
      for (int k = 0; k < m->ndose && !bad; k++) {
        int lag = m->doselag[k] >= 0 ? m->doselag[k] : LangNum(g, 0.0), f = m->dosef[k] >= 0 ? m->dosef[k] : LangNum(g, 1.0);
        int rr[2] = {lag, f};
        Put(&b, "  case %d: {\n", k);
        R.n = 0;
        RootsAdd(&R, lag, "*lag", 0, 0);
        RootsAdd(&R, f, "*F", 0, 0);
        bad |= Derivs(g, 2, rr, LN_P, np, d);
        for (int j = 0; j < np && !bad; j++) RootsAdd(&R, d[j], "gl[%d]", j, 0);
        for (int j = 0; j < np && !bad; j++) RootsAdd(&R, d[np + j], "gf[%d]", j, 0);
        Put(&b, "    double gl[%d], gf[%d];\n", np, np);
        bad |= Block(&b, g, R.n, R.root, R.target, "    ");
        Put(&b, "    if (dlag) for (int j = 0; j < %d; j++) dlag[j] = gl[j];\n    if (dF) for (int j = 0; j < %d; j++) dF[j] = gf[j];\n    return 0;\n  }\n", np, np);
      }
      Put(&b, "  default:\n    return 1;\n  }\n}\n");
    }
    /* the descriptor */
    {
      int lagf[2][16];
      for (int k = 0; k < m->ndose; k++) {
        lagf[0][k] = m->doselag[k] >= 0 ? m->g.n[m->doselag[k]].idx : -1; /* the parameter (parse.c checks that it is one) */
        lagf[1][k] = m->dosef[k] >= 0 ? m->g.n[m->dosef[k]].idx : -1;
      }
      Put(&b, "\n");
      Strings(&b, "pnames", np, m->pname);
      Ints(&b, "transforms", np, m->ptr);
      Strings(&b, "snames", n, m->xname);
      Ints(&b, "dosecmt", m->ndose, m->dosecmt);
      Ints(&b, "dosestate", m->ndose, m->dosestate);
      Ints(&b, "doselag", m->ndose, lagf[0]);
      Ints(&b, "dosef", m->ndose, lagf[1]);
      Strings(&b, "onames", m->nout, m->oname);
      Ints(&b, "outcmt", m->nout, m->outcmt);
      Put(&b, "static const PnlmeLangDesc desc = {%d, (int)sizeof(pnlme_int), (int)sizeof(double), \"", PNLME_LANG_ABI);
      for (const char *c = m->description; *c; c++) Put(&b, (*c == '"' || *c == '\\') ? "\\%c" : "%c", *c);
      Put(&b, "\", %d, %d, %d, %d, %d, pnames, transforms, snames, dosecmt, dosestate, doselag, dosef, onames, outcmt,\n", m->kind, np, n, m->ndose, m->nout);
      if (m->kind == PNLME_MODEL_ODE) Put(&b, "  rhs, jac, rhsp, init, output, %s, 0, NULL, NULL, rhsmany, jacmany, rhspmany};\n", any ? "dose" : "NULL");
      else Put(&b, "  NULL, NULL, NULL, NULL, NULL, NULL, %d, sum, cfout, NULL, NULL, NULL};\n", m->nsum);
    }
  }
  Put(&b, "\nextern int PnlmeModelLangRegister(const void *, int);\nint PnlmeModelPluginRegister(void);\nint PnlmeModelPluginRegister(void) { return PnlmeModelLangRegister(&desc, (int)sizeof(desc)); }\n");
  free(d);
  RootsFree(&R);
  if (bad || b.failed || g->failed) {
    free(b.s);
    snprintf(msg, len, "%s: out of memory generating the code", m->label);
    return 1;
  }
  *src = b.s;
  return 0;
}
