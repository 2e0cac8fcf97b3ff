/* Private: the model language (docs/model-language.md).  A model file is parsed into an expression
   graph (expr.c: hash-consed, simplified on construction, differentiated symbolically), checked
   (parse.c), turned into C (codegen.c), compiled once per node into a cached shared object and loaded
   through the plugin path (compile.c). */
#pragma once
#include "model/modelimpl.h"

/* ---------------- expression graph */
typedef enum {
  LN_NUM,
  LN_T,   /* time */
  LN_P,   /* parameter idx */
  LN_X,   /* state idx */
  LN_TAD, /* closed forms, inside a dose sum: time after the dose, its amount, its CMT */
  LN_AMT,
  LN_DCMT,
  LN_S, /* closed forms: dose sum idx */
  LN_NEG, /* unary and binary arithmetic */
  LN_ADD,
  LN_SUB,
  LN_MUL,
  LN_DIV,
  LN_POW,
  LN_EXP, /* functions */
  LN_LOG,
  LN_SQRT,
  LN_ABS,
  LN_LOGISTIC,
  LN_MIN,
  LN_MAX,
  LN_IF, /* a ? b : c, a a condition */
  LN_LT, /* conditions */
  LN_LE,
  LN_GT,
  LN_GE,
  LN_EQ,
  LN_NE,
  LN_AND,
  LN_OR,
  LN_NOT,
  LN_NOPS
} LangOp;

typedef struct {
  int    op, a, b, c, idx;
  double v;
} LangNode;

typedef struct {
  LangNode *n;
  int       nn, cap;
  int      *ht; /* open addressing hash table of node indices (-1 empty) */
  int       htcap;
  int       failed; /* out of memory */
} LangGraph;

PETSC_INTERN void LangGraphInit(LangGraph *);
PETSC_INTERN void LangGraphFree(LangGraph *);
/* a node (simplified, shared if an equal one exists); -1 when out of memory */
PETSC_INTERN int  LangNum(LangGraph *, double);
PETSC_INTERN int  LangVar(LangGraph *, LangOp op, int idx);
PETSC_INTERN int  LangUn(LangGraph *, LangOp op, int a);
PETSC_INTERN int  LangBin(LangGraph *, LangOp op, int a, int b);
PETSC_INTERN int  LangIf(LangGraph *, int c, int a, int b);
PETSC_INTERN int  LangIsCondition(int op);
/* d node / d var, var one of (LN_P, idx), (LN_X, idx); memo has g->nn entries on entry, filled with -2 */
PETSC_INTERN int  LangDeriv(LangGraph *, int node, LangOp varop, int varidx, int *memo, int memolen);
/* mark[] (g->nn) gets 1 for every node reachable from root */
PETSC_INTERN void LangMarkReachable(const LangGraph *, int root, char mark[]);

/* ---------------- a parsed model */
#define LANG_MAX 64
typedef struct {
  int line, col;
} LangPos;

typedef struct {
  char      label[PETSC_MAX_PATH_LEN]; /* file name for messages */
  char      description[256];
  LangGraph g;
  int       kind; /* PNLME_MODEL_ODE or PNLME_MODEL_CLOSED_FORM */
  int       np, nx, ndose, nout;
  char      pname[LANG_MAX][PNLME_MAX_NAME], xname[LANG_MAX][PNLME_MAX_NAME], oname[16][PNLME_MAX_NAME];
  int       ptr[LANG_MAX];
  LangPos   ppos[LANG_MAX], xpos[LANG_MAX], opos[16], dpos[16];
  int       init[LANG_MAX], ddt[LANG_MAX]; /* nodes; ddt -1 until its equation is read */
  LangPos   ddtpos[LANG_MAX];
  int       dosecmt[16], dosestate[16], doselag[16], dosef[16]; /* lag, F: nodes or -1 */
  int       outcmt[16], out[16];
  int       nsum, sum[LANG_MAX]; /* closed forms: the dosesum() terms (nodes in tad, amt, cmt, phi) */
  LangPos   sumpos[LANG_MAX];
} LangModel;

/* parses text and checks it: 0, or 1 with msg = "LABEL:LINE:COLUMN: problem" */
PETSC_INTERN int LangParse(const char label[], const char text[], LangModel *, char msg[], size_t len);
PETSC_INTERN void LangModelFree(LangModel *);

/* ---------------- generated code: its descriptor (the ABI between pnlme and the shared object) */
#define PNLME_LANG_ABI 4
typedef struct {
  int         abi, sizeof_int, sizeof_real;
  const char *description;
  int         kind, nparam, nstate, ndose, nout;
  const char *const *pnames;
  const int         *transforms;
  const char *const *snames;
  const int         *dosecmt, *dosestate, *doselag, *dosef; /* doselag/dosef: the parameter that is the dose's lag / F, or -1 */
  const char *const *onames;
  const int         *outcmt;
  int (*rhs)(PetscReal, const PetscReal[], const PetscReal[], PetscReal[], void *);
  int (*jac)(PetscReal, const PetscReal[], const PetscReal[], PetscReal[], void *);
  int (*rhsp)(PetscReal, const PetscReal[], const PetscReal[], PetscReal[], void *);
  int (*init)(const PetscReal[], PetscReal[], PetscReal[], void *);
  int (*output)(PetscReal, const PetscReal[], const PetscReal[], PetscInt, PetscReal *, PetscReal[], PetscReal[], void *);
  /* lag and bioavailability of dose idose and their gradients (dlag, dF: nparam, when non-NULL) */
  int (*dose)(const PetscReal[], int idose, PetscReal *lag, PetscReal *F, PetscReal dlag[], PetscReal dF[]);
  /* closed forms: nsum dose sums S_k = sum over the doses since the last reset, given before the
     observation, of sum_k(tad, amt, cmt, phi); then y = cfout(t, phi, S) (dydp, dydS when non-NULL) */
  int nsum;
  int (*sum)(int k, PetscReal tad, PetscReal amt, PetscInt cmt, const PetscReal[], PetscReal *v, PetscReal dv[]);
  int (*cfout)(PetscReal t, const PetscReal[], const PetscReal S[], PetscInt iout, PetscReal *y, PetscReal dydp[], PetscReal dydS[]);
  /* ODE: rhs of nl problems at once (PnlmeModelOps.rhsmany) */
  int (*rhsmany)(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal phi[], PetscReal f[], void *);
  /* ODE: jac and rhsp of nl problems at once (PnlmeModelOps.jacmany, rhspmany) */
  int (*jacmany)(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal phi[], PetscReal J[], void *);
  int (*rhspmany)(PetscInt nl, const PetscReal t[], const PetscReal x[], const PetscReal phi[], PetscReal Fp[], void *);
} PnlmeLangDesc;

/* writes the C source of a model into a malloc'ed string (*src); 0 or an error message */
PETSC_INTERN int LangGenerate(LangModel *, char **src, char msg[], size_t len);

/* compile.c: collective; see there */
PETSC_INTERN PetscErrorCode PnlmeLangBuild(MPI_Comm, const char spec[], const char cache[], char name[], size_t namelen, char sopath[], size_t solen, PetscBool *load);
PETSC_INTERN PetscErrorCode PnlmeLangBuildEnd(MPI_Comm, const char name[]);
