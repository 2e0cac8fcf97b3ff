/* The model language's parser and checks: a hand-written lexer and recursive-descent parser (grammar
   in docs/model-language.md) that builds the expression graph directly.  Intermediate variables are
   substituted as they are read (statements are sequential, an if/else block merges its branches into
   if(c, a, b) nodes), so every equation is one expression of t, the states and the parameters.  The
   first problem found stops the parse: one message "LABEL:LINE:COLUMN: problem". */
#include "model/lang/lang.h"
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { TK_EOF, TK_NL, TK_NAME, TK_NUM, TK_STR, TK_OP } TokKind;
typedef struct {
  TokKind kind;
  char    text[PNLME_MAX_NAME + 256];
  double  num;
  int     line, col;
} Tok;

#define LANG_MAXVAR 512
typedef struct {
  char    name[PNLME_MAX_NAME];
  int     node;    /* -1: defined on some branches of an if only */
  LangPos pos;     /* of its (last) definition */
  LangPos ifpos;   /* node -1: the if that left it undefined */
} Var;

typedef struct {
  const char *s;
  size_t      i;
  int         line, col;
  Tok         tok;
  LangModel  *m;
  Var        *var;
  int         nvar;
  int         insum; /* inside dosesum(...) */
  int         depth; /* open parentheses: line breaks inside them continue the expression */
  int         nsum, sumroot[LANG_MAX];
  LangPos     sumpos[LANG_MAX];
  jmp_buf     jb;
  char       *msg;
  size_t      len;
} Parser;

/* snprintf without gcc's truncation warnings: texts are cut at the buffer's end */
static int Fmt(char buf[], size_t len, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(3, 4);
static int Fmt(char buf[], size_t len, const char fmt[], ...)
{
  va_list ap;
  int     k;
  va_start(ap, fmt);
  k = vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  return k;
}

static void Copy(char dst[], const char src[], size_t len) { Fmt(dst, len, "%s", src); }

static void Fail(Parser *p, int line, int col, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(4, 5);
static void Fail(Parser *p, int line, int col, const char fmt[], ...)
{
  va_list ap;
  int     k = Fmt(p->msg, p->len, "%s:%d:%d: ", p->m->label, line, col);
  va_start(ap, fmt);
  if (k >= 0 && (size_t)k < p->len) vsnprintf(p->msg + k, p->len - (size_t)k, fmt, ap);
  va_end(ap);
  longjmp(p->jb, 1);
}

static const char *Describe(const void *t, char buf[], size_t len);

/* ---------------- lexer */
static void Next(Parser *p)
{
  Tok *t = &p->tok;
  for (;;) {
    char c = p->s[p->i];
    if (c == ' ' || c == '\t' || c == '\r') {
      p->i++;
      p->col++;
    } else if (c == '#' || (c == '/' && p->s[p->i + 1] == '/')) {
      while (p->s[p->i] && p->s[p->i] != '\n') p->i++;
    } else if (c == '\\' && (p->s[p->i + 1] == '\n' || (p->s[p->i + 1] == '\r' && p->s[p->i + 2] == '\n'))) { /* continuation */
      p->i += p->s[p->i + 1] == '\n' ? 2 : 3;
      p->line++;
      p->col = 1;
    } else break;
  }
  t->line = p->line;
  t->col  = p->col;
  t->text[0] = 0;
  char c = p->s[p->i];
  if (!c) {
    t->kind = TK_EOF;
    return;
  }
  if (c == '\n') {
    t->kind = TK_NL;
    p->i++;
    p->line++;
    p->col = 1;
    return;
  }
  if (isalpha((unsigned char)c) || c == '_') {
    size_t k = 0;
    while (isalnum((unsigned char)p->s[p->i]) || p->s[p->i] == '_') {
      if (k + 1 >= PNLME_MAX_NAME) Fail(p, t->line, t->col, "name longer than %d characters", PNLME_MAX_NAME - 1);
      t->text[k++] = p->s[p->i++];
      p->col++;
    }
    t->text[k] = 0;
    t->kind    = TK_NAME;
    return;
  }
  if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)p->s[p->i + 1]))) {
    const char *start = p->s + p->i;
    char       *end;
    size_t      k;
    /* digits [. digits] [e [+-] digits]: checked by hand, converted by strtod */
    k = 0;
    while (isdigit((unsigned char)start[k])) k++;
    if (start[k] == '.') {
      k++;
      while (isdigit((unsigned char)start[k])) k++;
    }
    if (start[k] == 'e' || start[k] == 'E') {
      size_t e = k + 1;
      if (start[e] == '+' || start[e] == '-') e++;
      if (!isdigit((unsigned char)start[e])) Fail(p, t->line, t->col + (int)k, "malformed number: the exponent has no digits");
      while (isdigit((unsigned char)start[e])) e++;
      k = e;
    }
    if (isalpha((unsigned char)start[k]) || start[k] == '_' || start[k] == '.') Fail(p, t->line, t->col, "malformed number");
    t->num = strtod(start, &end);
    if (!isfinite(t->num)) Fail(p, t->line, t->col, "number out of range");
    Fmt(t->text, sizeof(t->text), "%.*s", (int)PetscMin(k, 64), start);
    p->i += k;
    p->col += (int)k;
    t->kind = TK_NUM;
    return;
  }
  if (c == '"') {
    size_t k = 0;
    p->i++;
    p->col++;
    while (p->s[p->i] && p->s[p->i] != '"' && p->s[p->i] != '\n') {
      if (k + 1 < sizeof(t->text)) t->text[k++] = p->s[p->i];
      p->i++;
      p->col++;
    }
    if (p->s[p->i] != '"') Fail(p, t->line, t->col, "string not closed by \" on its line");
    t->text[k] = 0;
    p->i++;
    p->col++;
    t->kind = TK_STR;
    return;
  }
  {
    static const char *const two[] = {"<=", ">=", "==", "!=", "&&", "||", NULL};
    for (int k = 0; two[k]; k++)
      if (c == two[k][0] && p->s[p->i + 1] == two[k][1]) {
        memcpy(t->text, two[k], 3);
        p->i += 2;
        p->col += 2;
        t->kind = TK_OP;
        return;
      }
    if (strchr("+-*/^(),=<>!{};:", c)) {
      t->text[0] = c;
      t->text[1] = 0;
      p->i++;
      p->col++;
      t->kind = TK_OP;
      return;
    }
  }
  if ((unsigned char)c >= 0x80) Fail(p, t->line, t->col, "non-ASCII character (names are ASCII letters, digits and _)");
  Fail(p, t->line, t->col, "unexpected character '%c'", c);
}

static int IsOp(Parser *p, const char op[]) { return p->tok.kind == TK_OP && !strcmp(p->tok.text, op); }
static int IsName(Parser *p, const char nm[]) { return p->tok.kind == TK_NAME && !strcmp(p->tok.text, nm); }

static const char *Describe(const void *vt, char buf[], size_t len)
{
  const Tok *t = (const Tok *)vt;
  switch (t->kind) {
  case TK_EOF:
    return "the end of the file";
  case TK_NL:
    return "the end of the line";
  case TK_STR:
    return "a string";
  default:
    Fmt(buf, len, "'%s'", t->text);
    return buf;
  }
}

static void Expect(Parser *p, const char op[], const char what[])
{
  char b[300];
  if (!IsOp(p, op)) Fail(p, p->tok.line, p->tok.col, "expected %s, found %s", what, Describe(&p->tok, b, sizeof(b)));
  Next(p);
}

static void SkipNL(Parser *p)
{
  while (p->tok.kind == TK_NL) Next(p);
}

/* after an operator: a line break continues the expression inside parentheses only */
static void ContNL(Parser *p)
{
  if (p->depth > 0) SkipNL(p);
}

/* the ')' closing a '(' at open: a missing one found on a later line is reported at the '(' */
static void Close(Parser *p, const Tok *open, const char what[])
{
  char b[300];
  if (!IsOp(p, ")")) {
    if (p->tok.line > open->line || p->tok.kind == TK_EOF) Fail(p, open->line, open->col, "'(' is not closed");
    Fail(p, p->tok.line, p->tok.col, "expected %s, found %s", what, Describe(&p->tok, b, sizeof(b)));
  }
  p->depth--;
  Next(p);
}

/* ---------------- names */
static const char *const Keywords[] = {"parameter", "state", "dose", "output", "description", "if", "else", "t", "d", "tad", "amt", "cmt", "lag", "F", NULL};
typedef struct {
  const char *name;
  int         op, nargs;
} Fn;
static const Fn Functions[] = {
  {"exp", LN_EXP, 1},  {"log", LN_LOG, 1}, {"sqrt", LN_SQRT, 1}, {"abs", LN_ABS, 1}, {"logistic", LN_LOGISTIC, 1}, {"pow", LN_POW, 2},
  {"min", LN_MIN, 2},  {"max", LN_MAX, 2}, {"ifelse", LN_IF, 3}, {"dosesum", -1, 1}, {NULL, 0, 0},
};

static int FindParam(LangModel *m, const char n[])
{
  for (int k = 0; k < m->np; k++)
    if (!strcmp(m->pname[k], n)) return k;
  return -1;
}
static int FindState(LangModel *m, const char n[])
{
  for (int k = 0; k < m->nx; k++)
    if (!strcmp(m->xname[k], n)) return k;
  return -1;
}
static int FindVar(Parser *p, const char n[])
{
  for (int k = p->nvar - 1; k >= 0; k--)
    if (!strcmp(p->var[k].name, n)) return k;
  return -1;
}
static const Fn *FindFn(const char n[])
{
  for (int k = 0; Functions[k].name; k++)
    if (!strcmp(Functions[k].name, n)) return &Functions[k];
  return NULL;
}

/* a new name (parameter, state, output, intermediate) must not shadow another kind of name */
static void CheckNewName(Parser *p, const Tok *t, const char what[], int allowvar)
{
  const char *n = t->text;
  for (int k = 0; Keywords[k]; k++)
    if (!strcmp(n, Keywords[k])) Fail(p, t->line, t->col, "'%s' is a reserved word and cannot name %s", n, what);
  if (FindFn(n)) Fail(p, t->line, t->col, "'%s' is a function and cannot name %s", n, what);
  if (FindParam(p->m, n) >= 0) Fail(p, t->line, t->col, "'%s' is already a parameter (line %d)", n, p->m->ppos[FindParam(p->m, n)].line);
  if (FindState(p->m, n) >= 0) Fail(p, t->line, t->col, "'%s' is already a state (line %d)", n, p->m->xpos[FindState(p->m, n)].line);
  if (!allowvar && FindVar(p, n) >= 0) Fail(p, t->line, t->col, "'%s' is already a variable (line %d)", n, p->var[FindVar(p, n)].pos.line);
}

static int Chk(Parser *p, int node)
{
  if (node < 0) Fail(p, p->tok.line, p->tok.col, "out of memory building the expression");
  return node;
}

/* ---------------- expressions: each returns a node; *cond says whether it is a condition */
static int Expr(Parser *p, int *cond);

static int Number(Parser *p, const Tok *t, int node, int cond)
{
  if (cond) Fail(p, t->line, t->col, "a condition (comparison) is used as a number");
  return node;
}
static int Condition(Parser *p, const Tok *t, int node, int cond)
{
  if (!cond) Fail(p, t->line, t->col, "expected a condition (a comparison such as t < Tlag)");
  return node;
}

static int Primary(Parser *p, int *cond)
{
  Tok t = p->tok;
  char b[300];
  *cond = 0;
  if (t.kind == TK_NUM) {
    Next(p);
    return Chk(p, LangNum(&p->m->g, t.num));
  }
  if (IsOp(p, "(")) {
    int e;
    Next(p);
    p->depth++;
    SkipNL(p);
    e = Expr(p, cond);
    SkipNL(p);
    Close(p, &t, "')'");
    return e;
  }
  if (t.kind != TK_NAME) Fail(p, t.line, t.col, "expected an expression, found %s", Describe(&t, b, sizeof(b)));
  Next(p);
  if (IsOp(p, "(")) { /* a function call */
    const Fn *f = FindFn(t.text);
    int       arg[3], c[3], n = 0;
    Tok       at[3];
    if (!f) {
      if (FindParam(p->m, t.text) >= 0 || FindState(p->m, t.text) >= 0 || FindVar(p, t.text) >= 0) Fail(p, t.line, t.col, "'%s' is not a function (multiplication is written '*')", t.text);
      Fail(p, t.line, t.col, "unknown function '%s' (functions: exp, log, sqrt, pow, abs, min, max, logistic, ifelse, dosesum)", t.text);
    }
    Tok open = p->tok;
    Next(p);
    p->depth++;
    SkipNL(p);
    if (f->op == -1) { /* dosesum(expr) */
      int e;
      if (p->m->nx > 0) Fail(p, t.line, t.col, "dosesum() is for closed-form models; an ODE model gets its doses through its dose compartments");
      if (p->insum) Fail(p, t.line, t.col, "dosesum() inside dosesum()");
      if (p->nsum >= LANG_MAX) Fail(p, t.line, t.col, "more than %d dosesum() terms", LANG_MAX);
      p->insum = 1;
      at[0]    = p->tok;
      e        = Expr(p, &c[0]);
      e        = Number(p, &at[0], e, c[0]);
      p->insum = 0;
      SkipNL(p);
      Close(p, &open, "')' closing dosesum(");
      {
        char *mark = (char *)calloc((size_t)p->m->g.nn, 1);
        int   uset = 0;
        if (!mark) Fail(p, t.line, t.col, "out of memory");
        LangMarkReachable(&p->m->g, e, mark);
        for (int i = 0; i < p->m->g.nn; i++)
          if (mark[i] && p->m->g.n[i].op == LN_T) uset = 1;
        free(mark);
        if (uset) Fail(p, at[0].line, at[0].col, "the expression of dosesum() depends on t through a variable: it may use tad, amt, cmt and parameters");
      }
      for (int k = 0; k < p->nsum; k++)
        if (p->sumroot[k] == e) return Chk(p, LangVar(&p->m->g, LN_S, k));
      p->sumroot[p->nsum]     = e;
      p->sumpos[p->nsum].line = t.line;
      p->sumpos[p->nsum].col  = t.col;
      return Chk(p, LangVar(&p->m->g, LN_S, p->nsum++));
    }
    for (;;) {
      if (n >= 3 || n >= f->nargs) {
        if (IsOp(p, ")")) break;
        Fail(p, p->tok.line, p->tok.col, "%s() takes %d argument%s", f->name, f->nargs, f->nargs > 1 ? "s" : "");
      }
      at[n]  = p->tok;
      arg[n] = Expr(p, &c[n]);
      n++;
      SkipNL(p);
      if (IsOp(p, ",")) {
        Next(p);
        SkipNL(p);
        continue;
      }
      break;
    }
    if (n != f->nargs && IsOp(p, ")")) Fail(p, p->tok.line, p->tok.col, "%s() takes %d argument%s, found %d", f->name, f->nargs, f->nargs > 1 ? "s" : "", n);
    Close(p, &open, "')' or ','");
    if (f->op == LN_IF) {
      Condition(p, &at[0], arg[0], c[0]);
      Number(p, &at[1], arg[1], c[1]);
      Number(p, &at[2], arg[2], c[2]);
      return Chk(p, LangIf(&p->m->g, arg[0], arg[1], arg[2]));
    }
    for (int k = 0; k < n; k++) Number(p, &at[k], arg[k], c[k]);
    if (f->nargs == 1) return Chk(p, LangUn(&p->m->g, (LangOp)f->op, arg[0]));
    return Chk(p, LangBin(&p->m->g, (LangOp)f->op, arg[0], arg[1]));
  }
  /* a name */
  if (!strcmp(t.text, "t")) {
    if (p->insum) Fail(p, t.line, t.col, "'t' inside dosesum(): use tad, the time after the dose");
    return Chk(p, LangVar(&p->m->g, LN_T, 0));
  }
  if (!strcmp(t.text, "tad") || !strcmp(t.text, "amt") || !strcmp(t.text, "cmt")) {
    if (!p->insum) Fail(p, t.line, t.col, "'%s' is only defined inside dosesum(...)", t.text);
    return Chk(p, LangVar(&p->m->g, !strcmp(t.text, "tad") ? LN_TAD : !strcmp(t.text, "amt") ? LN_AMT : LN_DCMT, 0));
  }
  {
    int k = FindVar(p, t.text);
    if (k >= 0) {
      if (p->var[k].node < 0) Fail(p, t.line, t.col, "'%s' is not defined on every branch of the if on line %d", t.text, p->var[k].ifpos.line);
      if (p->insum && p->m->g.n[p->var[k].node].op == LN_S) Fail(p, t.line, t.col, "'%s' holds a dosesum(): dosesum() inside dosesum()", t.text);
      *cond = LangIsCondition(p->m->g.n[p->var[k].node].op);
      return p->var[k].node;
    }
  }
  if (FindParam(p->m, t.text) >= 0) return Chk(p, LangVar(&p->m->g, LN_P, FindParam(p->m, t.text)));
  if (FindState(p->m, t.text) >= 0) return Chk(p, LangVar(&p->m->g, LN_X, FindState(p->m, t.text)));
  if (FindFn(t.text)) Fail(p, t.line, t.col, "function '%s' needs its arguments in parentheses", t.text);
  Fail(p, t.line, t.col, "unknown name '%s'", t.text);
  return -1;
}

static int Unary(Parser *p, int *cond);

static int Power(Parser *p, int *cond)
{
  Tok a = p->tok;
  int x = Primary(p, cond);
  if (IsOp(p, "^")) {
    Tok op = p->tok;
    int y, c2;
    Number(p, &a, x, *cond);
    Next(p);
    ContNL(p);
    Tok b = p->tok;
    y     = Unary(p, &c2); /* right-associative: a^-b, a^b^c = a^(b^c) */
    Number(p, &b, y, c2);
    (void)op;
    return Chk(p, LangBin(&p->m->g, LN_POW, x, y));
  }
  return x;
}

static int Unary(Parser *p, int *cond)
{
  if (IsOp(p, "-") || IsOp(p, "+") || IsOp(p, "!")) {
    Tok op = p->tok;
    int x;
    Next(p);
    Tok a = p->tok;
    x     = Unary(p, cond);
    if (op.text[0] == '!') {
      Condition(p, &a, x, *cond);
      return Chk(p, LangUn(&p->m->g, LN_NOT, x));
    }
    Number(p, &a, x, *cond);
    return op.text[0] == '-' ? Chk(p, LangUn(&p->m->g, LN_NEG, x)) : x;
  }
  return Power(p, cond);
}

static int Mul(Parser *p, int *cond)
{
  Tok a = p->tok;
  int x = Unary(p, cond);
  while (IsOp(p, "*") || IsOp(p, "/")) {
    LangOp op = p->tok.text[0] == '*' ? LN_MUL : LN_DIV;
    int    y, c2;
    Number(p, &a, x, *cond);
    Next(p);
    ContNL(p);
    Tok b = p->tok;
    y     = Unary(p, &c2);
    Number(p, &b, y, c2);
    x = Chk(p, LangBin(&p->m->g, op, x, y));
  }
  return x;
}

static int Add(Parser *p, int *cond)
{
  Tok a = p->tok;
  int x = Mul(p, cond);
  while (IsOp(p, "+") || IsOp(p, "-")) {
    LangOp op = p->tok.text[0] == '+' ? LN_ADD : LN_SUB;
    int    y, c2;
    Number(p, &a, x, *cond);
    Next(p);
    ContNL(p);
    Tok b = p->tok;
    y     = Mul(p, &c2);
    Number(p, &b, y, c2);
    x = Chk(p, LangBin(&p->m->g, op, x, y));
  }
  return x;
}

static int Cmp(Parser *p, int *cond)
{
  static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
  static const LangOp      lop[] = {LN_LT, LN_LE, LN_GT, LN_GE, LN_EQ, LN_NE};
  Tok                      a     = p->tok;
  int                      x     = Add(p, cond);
  for (int k = 0; k < 6; k++)
    if (IsOp(p, ops[k])) {
      int y, c2;
      Number(p, &a, x, *cond);
      Next(p);
      ContNL(p);
      Tok b = p->tok;
      y     = Add(p, &c2);
      Number(p, &b, y, c2);
      for (int j = 0; j < 6; j++)
        if (IsOp(p, ops[j])) Fail(p, p->tok.line, p->tok.col, "comparisons do not chain: write a < b && b < c");
      *cond = 1;
      return Chk(p, LangBin(&p->m->g, lop[k], x, y));
    }
  return x;
}

static int And(Parser *p, int *cond)
{
  Tok a = p->tok;
  int x = Cmp(p, cond);
  while (IsOp(p, "&&")) {
    int y, c2;
    Condition(p, &a, x, *cond);
    Next(p);
    ContNL(p);
    Tok b = p->tok;
    y     = Cmp(p, &c2);
    Condition(p, &b, y, c2);
    x = Chk(p, LangBin(&p->m->g, LN_AND, x, y));
  }
  return x;
}

static int Expr(Parser *p, int *cond)
{
  Tok a = p->tok;
  int x = And(p, cond);
  while (IsOp(p, "||")) {
    int y, c2;
    Condition(p, &a, x, *cond);
    Next(p);
    ContNL(p);
    Tok b = p->tok;
    y     = And(p, &c2);
    Condition(p, &b, y, c2);
    x = Chk(p, LangBin(&p->m->g, LN_OR, x, y));
  }
  return x;
}

/* a numeric expression */
static int NumExpr(Parser *p)
{
  Tok a = p->tok;
  int c, x = Expr(p, &c);
  return Number(p, &a, x, c);
}

/* ---------------- statements */
static void EndStatement(Parser *p)
{
  char b[300];
  if (p->tok.kind == TK_NL || p->tok.kind == TK_EOF) return;
  if (IsOp(p, ";")) {
    Next(p);
    return;
  }
  if (IsOp(p, "}")) return;
  Fail(p, p->tok.line, p->tok.col, "expected the end of the statement, found %s", Describe(&p->tok, b, sizeof(b)));
}

static Tok ExpectName(Parser *p, const char what[])
{
  char b[300];
  Tok  t = p->tok;
  if (t.kind != TK_NAME) Fail(p, t.line, t.col, "expected %s, found %s", what, Describe(&t, b, sizeof(b)));
  Next(p);
  return t;
}

static int ExpectInt(Parser *p, const char what[])
{
  char b[300];
  Tok  t = p->tok;
  if (t.kind != TK_NUM || t.num != floor(t.num) || t.num < 1 || t.num > 1000000) Fail(p, t.line, t.col, "expected %s (a positive integer), found %s", what, Describe(&t, b, sizeof(b)));
  Next(p);
  return (int)t.num;
}

static void ParameterStmt(Parser *p)
{
  LangModel *m = p->m;
  Next(p);
  for (;;) {
    Tok t = ExpectName(p, "a parameter name");
    CheckNewName(p, &t, "a parameter", 0);
    if (m->np >= LANG_MAX) Fail(p, t.line, t.col, "more than %d parameters", LANG_MAX);
    if (m->nx > 0 || m->nout > 0 || p->nvar > 0) Fail(p, t.line, t.col, "parameters are declared before states, variables and outputs");
    Copy(m->pname[m->np], t.text, PNLME_MAX_NAME);
    m->ppos[m->np].line = t.line;
    m->ppos[m->np].col  = t.col;
    m->ptr[m->np]       = PNLME_TRANSFORM_LOG;
    if (IsName(p, "log") || IsName(p, "logit") || IsName(p, "normal")) {
      m->ptr[m->np] = IsName(p, "log") ? PNLME_TRANSFORM_LOG : IsName(p, "logit") ? PNLME_TRANSFORM_LOGIT : PNLME_TRANSFORM_NORMAL;
      Next(p);
    } else if (p->tok.kind == TK_NAME) Fail(p, p->tok.line, p->tok.col, "unknown transform '%s' (log, logit or normal)", p->tok.text);
    m->np++;
    if (!IsOp(p, ",")) break;
    Next(p);
  }
  EndStatement(p);
}

static void StateStmt(Parser *p)
{
  LangModel *m = p->m;
  Next(p);
  for (;;) {
    Tok t = ExpectName(p, "a state name");
    CheckNewName(p, &t, "a state", 0);
    if (m->nx >= LANG_MAX) Fail(p, t.line, t.col, "more than %d states", LANG_MAX);
    if (m->nout > 0) Fail(p, t.line, t.col, "states are declared before the outputs");
    Copy(m->xname[m->nx], t.text, PNLME_MAX_NAME);
    m->xpos[m->nx].line = t.line;
    m->xpos[m->nx].col  = t.col;
    m->ddt[m->nx]       = -1;
    m->init[m->nx]      = Chk(p, LangNum(&m->g, 0.0));
    m->nx++;
    if (IsOp(p, "=")) {
      Next(p);
      SkipNL(p);
      Tok  a = p->tok;
      int  e = NumExpr(p);
      char *mark;
      mark   = (char *)calloc((size_t)m->g.nn, 1);
      if (!mark) Fail(p, a.line, a.col, "out of memory");
      LangMarkReachable(&m->g, e, mark);
      for (int i = 0; i < m->g.nn; i++)
        if (mark[i] && (m->g.n[i].op == LN_X || m->g.n[i].op == LN_T)) {
          int op = m->g.n[i].op, idx = m->g.n[i].idx;
          free(mark);
          if (op == LN_T) Fail(p, a.line, a.col, "the initial condition of '%s' depends on t: it may use parameters only", t.text);
          Fail(p, a.line, a.col, "the initial condition of '%s' depends on the state '%s': it may use parameters only", t.text, m->xname[idx]);
        }
      free(mark);
      m->init[m->nx - 1] = e;
    }
    if (!IsOp(p, ",")) break;
    Next(p);
  }
  EndStatement(p);
}

static void DoseStmt(Parser *p)
{
  LangModel *m = p->m;
  Tok        kw = p->tok, t;
  int        st = -1, cmt;
  Next(p);
  if (m->ndose >= 16) Fail(p, kw.line, kw.col, "more than 16 dose compartments");
  if (!IsName(p, "cmt")) {
    t  = ExpectName(p, "the dosed state (or 'cmt')");
    st = FindState(m, t.text);
    if (st < 0) Fail(p, t.line, t.col, "'%s' is not a state: doses go into a declared state", t.text);
  } else if (m->nx > 0) Fail(p, p->tok.line, p->tok.col, "expected the dosed state before 'cmt' (dose STATE cmt N)");
  if (!IsName(p, "cmt")) Fail(p, p->tok.line, p->tok.col, "expected 'cmt' and the dose compartment number");
  Next(p);
  Tok ct = p->tok;
  cmt    = ExpectInt(p, "the compartment number");
  for (int k = 0; k < m->ndose; k++)
    if (m->dosecmt[k] == cmt) Fail(p, ct.line, ct.col, "dose compartment %d is declared twice (line %d)", cmt, m->dpos[k].line);
  m->dosecmt[m->ndose]   = cmt;
  m->dosestate[m->ndose] = st >= 0 ? st : m->ndose;
  m->doselag[m->ndose]   = -1;
  m->dosef[m->ndose]     = -1;
  m->dpos[m->ndose].line = kw.line;
  m->dpos[m->ndose].col  = kw.col;
  while (IsOp(p, ",")) {
    Next(p);
    Tok k = ExpectName(p, "lag or F");
    if (strcmp(k.text, "lag") && strcmp(k.text, "F")) Fail(p, k.line, k.col, "expected lag or F, found '%s'", k.text);
    int *slot = !strcmp(k.text, "lag") ? &m->doselag[m->ndose] : &m->dosef[m->ndose];
    if (*slot >= 0) Fail(p, k.line, k.col, "%s given twice for this dose", k.text);
    Expect(p, "=", "'='");
    Tok  a    = p->tok;
    int  e    = NumExpr(p);
    char *mark = (char *)calloc((size_t)m->g.nn, 1);
    if (!mark) Fail(p, a.line, a.col, "out of memory");
    LangMarkReachable(&m->g, e, mark);
    for (int i = 0; i < m->g.nn; i++)
      if (mark[i] && (m->g.n[i].op == LN_X || m->g.n[i].op == LN_T)) {
        free(mark);
        Fail(p, a.line, a.col, "the %s of a dose may use parameters only", k.text);
      }
    free(mark);
    /* the model layer shifts and scales a dose by a parameter, with exact sensitivities through the
       event driver; an expression would need its derivatives there too */
    if (m->g.n[e].op != LN_P) Fail(p, a.line, a.col, "the %s of a dose must be one of the model's parameters (for example '%s = %s'), not an expression", k.text, k.text, strcmp(k.text, "lag") ? "F1" : "Tlag");
    *slot = e;
  }
  m->ndose++;
  EndStatement(p);
}

static void OutputStmt(Parser *p)
{
  LangModel *m  = p->m;
  Tok        kw = p->tok, t;
  int        cmt;
  Next(p);
  if (m->nout >= 16) Fail(p, kw.line, kw.col, "more than 16 outputs");
  t = ExpectName(p, "the output's name");
  for (int k = 0; Keywords[k]; k++)
    if (!strcmp(t.text, Keywords[k])) Fail(p, t.line, t.col, "'%s' is a reserved word and cannot name an output", t.text);
  for (int k = 0; k < m->nout; k++)
    if (!strcmp(m->oname[k], t.text)) Fail(p, t.line, t.col, "output '%s' is declared twice (line %d)", t.text, m->opos[k].line);
  cmt = m->nout + 1;
  if (IsName(p, "cmt")) {
    Next(p);
    Tok ct = p->tok;
    cmt    = ExpectInt(p, "the output's compartment number");
    for (int k = 0; k < m->nout; k++)
      if (m->outcmt[k] == cmt) Fail(p, ct.line, ct.col, "outputs '%s' and '%s' have the same cmt %d", m->oname[k], t.text, cmt);
  }
  Expect(p, "=", "'=' and the output's expression");
  SkipNL(p);
  Copy(m->oname[m->nout], t.text, PNLME_MAX_NAME);
  m->opos[m->nout].line = t.line;
  m->opos[m->nout].col  = t.col;
  m->outcmt[m->nout]    = cmt;
  m->out[m->nout]       = NumExpr(p);
  m->nout++;
  EndStatement(p);
}

static void DdtStmt(Parser *p)
{
  LangModel *m = p->m;
  Tok        kw = p->tok, t;
  int        k;
  Next(p); /* d */
  Expect(p, "/", "'/' in d/dt(");
  if (!IsName(p, "dt")) Fail(p, p->tok.line, p->tok.col, "expected d/dt(STATE)");
  Next(p);
  Expect(p, "(", "'(' in d/dt(STATE)");
  t = ExpectName(p, "a state name");
  k = FindState(m, t.text);
  if (k < 0) {
    if (FindParam(m, t.text) >= 0 || FindVar(p, t.text) >= 0) Fail(p, t.line, t.col, "'%s' is not a state: declare it with 'state %s' to give it an equation", t.text, t.text);
    Fail(p, t.line, t.col, "unknown state '%s' (declare it with 'state %s')", t.text, t.text);
  }
  if (m->ddt[k] >= 0) Fail(p, kw.line, kw.col, "d/dt(%s) is given twice (line %d)", t.text, m->ddtpos[k].line);
  if (m->nout > 0) Fail(p, kw.line, kw.col, "equations come before the outputs");
  Expect(p, ")", "')'");
  Expect(p, "=", "'='");
  SkipNL(p);
  m->ddt[k]         = NumExpr(p);
  m->ddtpos[k].line = kw.line;
  m->ddtpos[k].col  = kw.col;
  EndStatement(p);
}

static void Statements(Parser *p, int inblock);

static void AssignStmt(Parser *p)
{
  Tok t = p->tok;
  int k, e, c;
  Next(p);
  CheckNewName(p, &t, "a variable", 1);
  Expect(p, "=", "'=' (a statement is NAME = expression, d/dt(STATE) = ..., or a declaration)");
  SkipNL(p);
  e = Expr(p, &c);
  k = FindVar(p, t.text);
  if (k < 0) {
    if (p->nvar >= LANG_MAXVAR) Fail(p, t.line, t.col, "more than %d variables", LANG_MAXVAR);
    k = p->nvar++;
    Copy(p->var[k].name, t.text, PNLME_MAX_NAME);
  }
  p->var[k].node     = e;
  p->var[k].pos.line = t.line;
  p->var[k].pos.col  = t.col;
  EndStatement(p);
}

/* if (c) { ... } [else if (c) { ... }] [else { ... }]: each variable assigned in a branch becomes
   if(c, then-value, else-value), the value before the if standing for a branch that does not assign it */
static void IfStmt(Parser *p)
{
  Tok  kw = p->tok;
  int  c, cond, nbefore = p->nvar;
  Var *before, *thenv;
  Next(p);
  Tok open = p->tok;
  Expect(p, "(", "'(' after if");
  SkipNL(p);
  Tok a = p->tok;
  p->depth++;
  cond = Expr(p, &c);
  cond = Condition(p, &a, cond, c);
  SkipNL(p);
  Close(p, &open, "')' closing the condition");
  SkipNL(p);
  Expect(p, "{", "'{' (the branches of an if are blocks in braces)");
  before = (Var *)malloc(sizeof(Var) * LANG_MAXVAR * 2);
  if (!before) Fail(p, kw.line, kw.col, "out of memory");
  thenv = before + LANG_MAXVAR;
  memcpy(before, p->var, sizeof(Var) * (size_t)p->nvar);
  Statements(p, 1);
  Expect(p, "}", "'}'");
  int nthen = p->nvar;
  memcpy(thenv, p->var, sizeof(Var) * (size_t)p->nvar);
  memcpy(p->var, before, sizeof(Var) * (size_t)nbefore);
  p->nvar = nbefore;
  /* else */
  {
    size_t si = p->i;
    int    sl = p->line, sc = p->col;
    Tok    st = p->tok;
    SkipNL(p);
    if (IsName(p, "else")) {
      Next(p);
      SkipNL(p);
      if (IsName(p, "if")) IfStmt(p);
      else {
        Expect(p, "{", "'{' or 'if' after else");
        Statements(p, 1);
        Expect(p, "}", "'}'");
      }
    } else { /* not an else: back to the end of the if */
      p->i    = si;
      p->line = sl;
      p->col  = sc;
      p->tok  = st;
    }
  }
  /* merge: p->var holds the else values (the before values where the else assigned nothing) */
  for (int k = 0; k < nthen; k++) {
    int j = FindVar(p, thenv[k].name), e;
    if (j < 0) { /* new in then only */
      if (p->nvar >= LANG_MAXVAR) {
        free(before);
        Fail(p, kw.line, kw.col, "more than %d variables", LANG_MAXVAR);
      }
      j = p->nvar++;
      p->var[j]          = thenv[k];
      p->var[j].node     = -1;
      p->var[j].ifpos.line = kw.line;
      p->var[j].ifpos.col  = kw.col;
      continue;
    }
    if (thenv[k].node == p->var[j].node) continue;
    if (thenv[k].node < 0 || p->var[j].node < 0) e = -1;
    else {
      int ct = LangIsCondition(p->m->g.n[thenv[k].node].op), ce = LangIsCondition(p->m->g.n[p->var[j].node].op);
      if (ct || ce) {
        free(before);
        Fail(p, thenv[k].pos.line, thenv[k].pos.col, "a variable assigned in an if must hold a number, not a condition");
      }
      e = LangIf(&p->m->g, cond, thenv[k].node, p->var[j].node);
      if (e < 0) {
        free(before);
        Fail(p, kw.line, kw.col, "out of memory");
      }
    }
    p->var[j].node = e;
    if (e < 0) {
      p->var[j].ifpos.line = kw.line;
      p->var[j].ifpos.col  = kw.col;
    }
  }
  /* variables new in the else branch only */
  for (int j = nbefore; j < p->nvar; j++) {
    int found = 0;
    for (int k = 0; k < nthen; k++)
      if (!strcmp(thenv[k].name, p->var[j].name)) found = 1;
    if (!found) {
      p->var[j].node       = -1;
      p->var[j].ifpos.line = kw.line;
      p->var[j].ifpos.col  = kw.col;
    }
  }
  free(before);
}

static void Statements(Parser *p, int inblock)
{
  for (;;) {
    SkipNL(p);
    while (IsOp(p, ";")) {
      Next(p);
      SkipNL(p);
    }
    if (p->tok.kind == TK_EOF) {
      if (inblock) Fail(p, p->tok.line, p->tok.col, "the file ends inside a block: '}' missing");
      return;
    }
    if (IsOp(p, "}")) {
      if (!inblock) Fail(p, p->tok.line, p->tok.col, "'}' without a block to close");
      return;
    }
    if (p->tok.kind != TK_NAME) {
      char b[300];
      Fail(p, p->tok.line, p->tok.col, "expected a statement, found %s", Describe(&p->tok, b, sizeof(b)));
    }
    if (IsName(p, "if")) {
      IfStmt(p);
      continue;
    }
    if (IsName(p, "d")) { /* d/dt(...) or a variable named d */
      Parser save = *p;
      Next(p);
      int isddt = IsOp(p, "/");
      if (isddt) {
        Next(p);
        isddt = IsName(p, "dt");
      }
      p->i    = save.i;
      p->line = save.line;
      p->col  = save.col;
      p->tok  = save.tok;
      if (isddt) {
        if (inblock) Fail(p, p->tok.line, p->tok.col, "d/dt() inside an if: assign a variable in the if and use it in the equation");
        DdtStmt(p);
        continue;
      }
    }
    if (inblock && (IsName(p, "parameter") || IsName(p, "state") || IsName(p, "dose") || IsName(p, "output") || IsName(p, "description"))) Fail(p, p->tok.line, p->tok.col, "'%s' inside an if: only variables are assigned there", p->tok.text);
    if (IsName(p, "parameter")) ParameterStmt(p);
    else if (IsName(p, "state")) StateStmt(p);
    else if (IsName(p, "dose")) DoseStmt(p);
    else if (IsName(p, "output")) OutputStmt(p);
    else if (IsName(p, "description")) {
      Next(p);
      if (p->tok.kind != TK_STR) Fail(p, p->tok.line, p->tok.col, "expected a string in double quotes after description");
      Copy(p->m->description, p->tok.text, sizeof(p->m->description));
      Next(p);
      EndStatement(p);
    } else if (IsName(p, "else")) Fail(p, p->tok.line, p->tok.col, "else without an if");
    else AssignStmt(p);
  }
}

/* ---------------- whole-model checks */
static void CheckModel(Parser *p)
{
  LangModel *m = p->m;
  char      *mark;
  if (m->np == 0) Fail(p, 1, 1, "no parameters: declare them with 'parameter NAME, ...'");
  if (m->nout == 0) Fail(p, p->tok.line, 1, "no outputs: declare one with 'output NAME cmt N = expression'");
  for (int k = 0; k < m->nx; k++)
    if (m->ddt[k] < 0) Fail(p, m->xpos[k].line, m->xpos[k].col, "state '%s' has no equation: add d/dt(%s) = ...", m->xname[k], m->xname[k]);
  m->kind = m->nx > 0 ? PNLME_MODEL_ODE : PNLME_MODEL_CLOSED_FORM;
  if (m->kind == PNLME_MODEL_CLOSED_FORM) {
    for (int k = 0; k < m->ndose; k++)
      if (m->doselag[k] >= 0 || m->dosef[k] >= 0) Fail(p, m->dpos[k].line, m->dpos[k].col, "lag and F are for the dose compartments of ODE models: a closed form writes them in its dosesum()");
  } else if (p->nsum > 0) Fail(p, p->sumpos[0].line, p->sumpos[0].col, "dosesum() is for closed-form models; an ODE model gets its doses through its dose compartments");
  /* every parameter is used by some equation, initial condition, output, lag or F */
  mark = (char *)calloc((size_t)m->g.nn, 1);
  if (!mark) Fail(p, 1, 1, "out of memory");
  for (int k = 0; k < m->nx; k++) {
    LangMarkReachable(&m->g, m->ddt[k], mark);
    LangMarkReachable(&m->g, m->init[k], mark);
  }
  for (int k = 0; k < m->nout; k++) LangMarkReachable(&m->g, m->out[k], mark);
  for (int k = 0; k < m->ndose; k++) {
    LangMarkReachable(&m->g, m->doselag[k], mark);
    LangMarkReachable(&m->g, m->dosef[k], mark);
  }
  for (int k = 0; k < p->nsum; k++) LangMarkReachable(&m->g, p->sumroot[k], mark);
  for (int k = 0; k < m->np; k++) {
    int used = 0;
    for (int i = 0; i < m->g.nn && !used; i++)
      if (mark[i] && m->g.n[i].op == LN_P && m->g.n[i].idx == k) used = 1;
    if (!used) {
      free(mark);
      Fail(p, m->ppos[k].line, m->ppos[k].col, "parameter '%s' is never used", m->pname[k]);
    }
  }
  free(mark);
  m->nsum = p->nsum;
  for (int k = 0; k < p->nsum; k++) {
    m->sum[k]    = p->sumroot[k];
    m->sumpos[k] = p->sumpos[k];
  }
}

int LangParse(const char label[], const char text[], LangModel *m, char msg[], size_t len)
{
  Parser *p = (Parser *)calloc(1, sizeof(Parser));
  int     rc;
  memset(m, 0, sizeof(*m));
  LangGraphInit(&m->g);
  Copy(m->label, label, sizeof(m->label));
  if (!p) {
    Fmt(msg, len, "%s: out of memory", label);
    return 1;
  }
  p->var = (Var *)calloc(LANG_MAXVAR, sizeof(Var));
  if (!p->var) {
    free(p);
    Fmt(msg, len, "%s: out of memory", label);
    return 1;
  }
  p->s    = text;
  p->line = 1;
  p->col  = 1;
  p->m    = m;
  p->msg  = msg;
  p->len  = len;
  msg[0]  = 0;
  if (!setjmp(p->jb)) {
    Next(p);
    Statements(p, 0);
    CheckModel(p);
    rc = 0;
  } else rc = 1;
  free(p->var);
  free(p);
  return rc;
}

void LangModelFree(LangModel *m) { LangGraphFree(&m->g); }
